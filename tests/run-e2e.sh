#!/bin/sh
# Run every end-to-end test (tests/e2e/test_*.py) with Debian's python3;
# one closing line "N passed, N failed".
# Needs root: the tests start their own Postfix (and Sendmail).
# Usage: tests/run-e2e.sh [TEST]   (TEST: test_dlpctl — one script)
build=${BUILD:-build}
only=${1:-}
export BUILD="$build"
py=/usr/bin/python3
pass=0 fail=0 skipped=0
# Sanitizer builds (make check SANITIZE=1): the daemon and dlpctl write any
# ASan, LSan or UBSan report to a file under $san instead of stderr, and
# stop at the first error; any report fails the run, even when the test
# that caused it passed (a daemon may die between two tests unnoticed).
san=$(mktemp -d /tmp/dlp-e2e-san.XXXXXX)
chmod 1777 "$san"
export ASAN_OPTIONS="abort_on_error=1:halt_on_error=1:detect_leaks=1:log_path=$san/asan"
export UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1:log_path=$san/ubsan"
case $build in
*san*) export G_SLICE=always-malloc ;;	# GLib's slices hidden from ASan otherwise
esac
for t in tests/e2e/test_*.py; do
	[ -f "$t" ] || continue
	[ -n "$only" ] && [ "$(basename "$t" .py)" != "$only" ] && continue
	echo "e2e $(basename "$t")"
	out=$(mktemp)
	$py "$t" 2>&1 | tee "$out"
	rc=$?
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out" | awk '{s+=$1} END {print s+0}')
	# A script that died before its summary counts as a failure; one that
	# says "skipped: why" (a server it needs is not installed) is counted so.
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		if grep -q '^skipped: ' "$out"; then skipped=$((skipped + 1)); else f=1; fi
	fi
	rm -f "$out"
	pass=$((pass + p)); fail=$((fail + f))
done
if [ -n "$(ls -A "$san")" ]; then
	for f in "$san"/*; do
		echo "=== sanitizer report $f"
		head -100 "$f"
	done >&2
	echo "e2e: sanitizer reports: $(ls "$san" | wc -l) (ERROR: AddressSanitizer / runtime error)" >&2
	fail=$((fail + 1))
fi
rm -rf "$san"
echo "e2e: $pass passed, $fail failed$([ "$skipped" -ne 0 ] && echo ", $skipped skipped")"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
