#!/bin/sh
# Run every end-to-end test (tests/e2e/test_*.py) with Debian's python3;
# one closing line "N passed, N failed".
# Needs root: the tests start their own Postfix (and Sendmail).
build=${BUILD:-build}
export BUILD="$build"
py=/usr/bin/python3
pass=0 fail=0
for t in tests/e2e/test_*.py; do
	[ -f "$t" ] || continue
	echo "e2e $(basename "$t")"
	out=$(mktemp)
	$py "$t" 2>&1 | tee "$out"
	rc=$?
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out" | awk '{s+=$1} END {print s+0}')
	# A script that died before its summary counts as a failure.
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	rm -f "$out"
	pass=$((pass + p)); fail=$((fail + f))
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
