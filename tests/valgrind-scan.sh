#!/bin/sh
# dlpctl scan under valgrind (memcheck) over the test documents: every
# generated fixture (tests/fixtures/make_office.py, make_docs.py) and the
# committed legacy Office files, each sent as the attachment of a message,
# the fuzz reproducers (tests/fuzz/regress/) likewise, and the mail corpus
# ($DLP_CORPUS, else ../shared/mime-corpus beside the tree) as it is.
# Any memory error or "definitely lost" block fails the run; GLib, GMime
# and libmagic keep one-time allocations, "still reachable", which is fine.
#
#   sh tests/valgrind-scan.sh            every file (make valgrind)
#   sh tests/valgrind-scan.sh --sample   a handful (make check)
#
# BUILD (default build) names the build directory; an ASan build
# (SANITIZE=1, build-san) cannot run under valgrind and is skipped.
# VALGRIND_JOBS runs that many files at once (default: the CPUs).
# One closing line "valgrind: N files, N errors, N bytes definitely lost".
set -u
cd "$(dirname "$0")/.."
build=${BUILD:-build}
supp=tests/valgrind-glibc.supp

# one file: FILE.eml → a line "errors LOST exit NAME" on stdout
if [ "${1:-}" = "--one" ]; then
	log=$(mktemp)
	valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
	    --suppressions="$supp" --log-file="$log" "$build/dlpctl" scan \
	    --config config/dlp-milter.conf --rcpt partner@example.com "$2" >/dev/null 2>&1
	rc=$?
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1 | tr -d ,)
	echo "${errs:-?} ${lost:-0} $rc $(basename "$2")"
	if [ "${errs:-1}" != 0 ] || [ "$rc" -ne 0 ]; then
		sed 's/^/    /' "$log" | grep -v '^    ==[0-9]*== *$' | head -60 >&2
	fi
	rm -f "$log"
	exit 0
fi

case $build in
*san*) echo "valgrind: skipped for the ASan build ($build): ASan binaries do not run under valgrind"
       exit 0 ;;
esac
command -v valgrind >/dev/null || { echo "valgrind: not installed" >&2; exit 1; }
[ -x "$build/dlpctl" ] || { echo "valgrind: no $build/dlpctl (make first)" >&2; exit 1; }
sample=0
[ "${1:-}" = "--sample" ] && sample=1
corpus=${DLP_CORPUS:-$(pwd)/../shared/mime-corpus}
jobs=${VALGRIND_JOBS:-$(nproc 2>/dev/null || echo 1)}
tmp=$(mktemp -d /tmp/dlp-valgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/fx" "$tmp/eml"
export TMPDIR="$tmp"

# the generated fixtures
py=/usr/bin/python3
if [ $sample -eq 1 ]; then
	$py tests/fixtures/make_office.py "$tmp/fx" docx xlsx zip >/dev/null &&
	$py tests/fixtures/make_docs.py "$tmp/fx" pdf >/dev/null || exit 1
	set -- "$tmp/fx/people.xlsx" "$tmp/fx/people.docx" "$tmp/fx/nested.zip" \
	    "$tmp/fx/people_attach.pdf" tests/fixtures/office/people.doc \
	    tests/fuzz/regress/pdf/*
else
	$py tests/fixtures/make_office.py "$tmp/fx" >/dev/null &&
	$py tests/fixtures/make_docs.py "$tmp/fx" >/dev/null || exit 1
	set -- "$tmp/fx"/* tests/fixtures/office/* tests/fuzz/regress/*/*
fi

# each document as the attachment of a message
n=0
for f in "$@"; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	name=$(basename "$f")
	{
		printf 'From: taro@example.go.jp\r\nTo: partner@example.com\r\n'
		printf 'Subject: %s\r\nMIME-Version: 1.0\r\n' "$name"
		printf 'Content-Type: multipart/mixed; boundary="vg"\r\n\r\n--vg\r\n'
		printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nattached\r\n--vg\r\n'
		printf 'Content-Type: application/octet-stream; name="%s"\r\n' "$name"
		printf 'Content-Transfer-Encoding: base64\r\n\r\n'
		base64 "$f" | sed 's/$/\r/'
		printf -- '--vg--\r\n'
	} >"$tmp/eml/$(printf '%04d' $n)-$name.eml"
done

# the mail corpus: all of it, or a few
if [ -d "$corpus" ]; then
	if [ $sample -eq 1 ]; then
		ls "$corpus" | grep -E '^(mimekit__|gmime__|enmime__)' | head -3
	else
		ls "$corpus" | grep -v -e '^README.md$' -e '^SOURCES.tsv$' -e '^LICENSES$'
	fi | while read -r m; do
		[ -f "$corpus/$m" ] && ln -s "$corpus/$m" "$tmp/eml/corpus-$m"
	done
else
	echo "valgrind: no mail corpus at $corpus (set DLP_CORPUS): fixtures only" >&2
fi

ls "$tmp/eml" | sed "s|^|$tmp/eml/|" |
    xargs -P "$jobs" -I{} sh tests/valgrind-scan.sh --one {} >"$tmp/results"
awk -v build="$build" '
	{ files++; if ($1 != "0") { errors += ($1 == "?" ? 1 : $1); bad = bad " " $4 }
	  lost += $2; if ($3 != "0" && $3 != "99") { errors++; bad = bad " " $4 "(exit " $3 ")" } }
	END {
		if (bad != "") print "valgrind: failing:" bad > "/dev/stderr"
		printf "valgrind: %d files, %d errors, %d bytes definitely lost\n", files, errors, lost
		exit (errors == 0 && lost == 0 && files > 0) ? 0 : 1
	}' "$tmp/results"
