#!/bin/sh
# Unpack Debian's Sendmail for the end-to-end tests (tests/e2e/test_sendmail.py).
#
# sendmail-bin conflicts with postfix (both are mail-transport-agent), so it
# is not installed: its .deb is fetched with `apt-get download` and unpacked
# with dpkg-deb into $DLP_SENDMAIL_ROOT (default
# /var/cache/dlp-milter-test/sendmail).  The m4 macros (sendmail-cf) and the
# libraries sendmail links with are ordinary packages, installed by
# tests/deps.sh.  Also builds fakehost.so (tests/e2e/fakehost.c).
# Idempotent: quick when everything is there.  Needs root the first time.
set -eu
root=${DLP_SENDMAIL_ROOT:-/var/cache/dlp-milter-test/sendmail}
src=$(cd "$(dirname "$0")" && pwd)/e2e/fakehost.c

if [ -x "$root/sendmail" ] && [ -f "$root/fakehost.so" ] && [ "$root/fakehost.so" -nt "$src" ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: Sendmail for the tests is missing and not root: run make deps as root" >&2
	exit 1
fi
echo "deps: unpacking Debian's sendmail-bin into $root"
mkdir -p "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() {
	(cd "$work" && apt-get download -q -o APT::Sandbox::User=root sendmail-bin) >/dev/null
}
if ! fetch; then
	apt-get update -q >/dev/null
	fetch
fi
dpkg-deb -x "$work"/sendmail-bin_*.deb "$work/x"
# A plain copy: the packaged binary is set-group-id, which would make the
# dynamic linker ignore LD_PRELOAD (the tests run it as root anyway).
install -m 0755 "$work/x/usr/libexec/sendmail/sendmail" "$root/sendmail"
dpkg-deb -f "$work"/sendmail-bin_*.deb Version > "$root/VERSION"
cc -shared -fPIC -O2 -Wall -Werror -o "$root/fakehost.so" "$src"
LD_PRELOAD="$root/fakehost.so" "$root/sendmail" -d0.1 -bt </dev/null 2>/dev/null | sed -n '1p' | grep -q '^Version' || {
	echo "deps: the unpacked sendmail does not run (missing library?):" >&2
	ldd "$root/sendmail" | grep 'not found' >&2 || true
	exit 1
}
echo "deps: sendmail $(cat "$root/VERSION") ready in $root"
