#!/bin/sh
# Regenerate the two documents of the key table from the table itself
# (config/conf_keys.c), through the built daemon: the README's Markdown
# table (dlp-milter -K) and the KEYS part of man/dlp-milter.conf.5
# (dlp-milter -M).  A unit test (test_config) fails while they differ.
# Usage: contrib/update-keys.sh build/dlp-milter
set -eu
bin=${1:-build/dlp-milter}
cd "$(dirname "$0")/.."
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.keys"' EXIT

"$bin" -M >"$tmp.keys"
awk -v keys="$tmp.keys" '
	/^\.\\" END KEYS/ { skip = 0 }
	!skip { print }
	/^\.\\" BEGIN KEYS/ { while ((getline l < keys) > 0) print l; skip = 1 }
' man/dlp-milter.conf.5 >"$tmp"
cat "$tmp" >man/dlp-milter.conf.5

"$bin" -K >"$tmp.keys"
awk -v keys="$tmp.keys" '
	/^\| Section \| Key \| Type \|/ && !done { while ((getline l < keys) > 0) print l; skip = 1; done = 1; next }
	skip && /^\|/ { next }
	{ skip = 0; print }
' README.md >"$tmp"
cat "$tmp" >README.md
