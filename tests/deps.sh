#!/bin/sh
# Install the Debian packages dlp-milter needs, in three sets:
#   tests/deps.sh run       what building and running need (`make run`)
#   tests/deps.sh           + what the tests need (`make deps`, `make check`),
#                             and Sendmail unpacked for its tests (deps-sendmail.sh)
#   tests/deps.sh package   + what `make check-package` needs to build the
#                             .deb and check what it installs
#   tests/deps.sh bench     + the floors `make bench` measures against
#                             (pdftotext, mutool); not needed by make check
# Idempotent and quick when all is there: apt runs only for what is missing.
set -eu
mode=${1:-check}
# building and running
PKGS="build-essential pkg-config
libmilter-dev libpcre2-dev libmagic-dev libzip-dev libsqlite3-dev libgmime-3.0-dev
libutf8proc-dev libxml2-dev libuchardet-dev libjansson-dev libcurl4-openssl-dev
libinih-dev libpoppler-glib-dev libgsf-1-dev libarchive-dev zlib1g-dev libseccomp-dev libpq-dev
libmicrohttpd-dev libsodium-dev libssl-dev
libmecab-dev mecab-ipadic-utf8
libtesseract-dev libleptonica-dev tesseract-ocr-jpn tesseract-ocr-eng libcairo2-dev"
# the tests: unit (cmocka), end-to-end (a real Postfix, Sendmail's m4 and
# libraries, swaks, miltertest), fixtures made by Python, valgrind
TEST_PKGS="libcmocka-dev
postfix swaks miltertest sqlite3 python3 zip unzip file procps valgrind postgresql postgresql-client
python3-openpyxl python3-docx python3-reportlab python3-odf python3-xlwt fonts-ipafont-gothic
chromium python3-websocket openssl
python3-pil
m4 sendmail-cf libdb5.3 libldap-2.5-0 liblockfile1 libnsl2 libsasl2-2 libssl3 libwrap0"
# make bench: the floors each format is measured against
BENCH_PKGS="poppler-utils mupdf-tools"
# sendmail-bin itself conflicts with postfix: deps-sendmail.sh unpacks it.
case "$mode" in
run) ;;
check) PKGS="$PKGS $TEST_PKGS" ;;
bench) PKGS="$PKGS $TEST_PKGS $BENCH_PKGS" ;;
package) PKGS="$PKGS $TEST_PKGS debhelper dpkg-dev fakeroot man-db groff-base adduser passwd systemd" ;;
*) echo "usage: tests/deps.sh [run|check|package|bench]" >&2; exit 2 ;;
esac
after() {
	[ "$mode" = run ] && exit 0
	exec sh "$(dirname "$0")/deps-sendmail.sh"
}

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && after

echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages and not root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix asks debconf questions on install: answer them before apt does.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections
if [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ] ||
   ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi
after
