#!/bin/sh
# The register's figures for `make bench` (bench_register.c): holds/s and
# the walk over 100,000 incidents on SQLite (a file in a temp dir) and on
# PostgreSQL (a private server, tests/pgserver.sh, fsync on as in
# production).  Everything started is stopped and removed at the end.
# Usage: tests/bench/register.sh BUILD_DIR
set -eu
build=${1:-build}
d=$(mktemp -d /tmp/dlp-bench-reg.XXXXXX)
chmod 0755 "$d"	# the server runs as nobody
trap 'sh tests/pgserver.sh kill "$d/pg" >/dev/null 2>&1 || true; rm -rf "$d"' EXIT
mkdir "$d/sqlite"
"$build/bench/bench_register" "$d/sqlite/incidents.db" "" "$d/sqlite/quarantine"
if url=$(PG_FSYNC=on sh tests/pgserver.sh start "$d/pg"); then
	"$build/bench/bench_register" "$url" "$d/pg/password" "$d/pg-quarantine"
else
	echo "  postgresql: skipped: $url"
fi
