#!/bin/sh
# Run every cmocka unit test binary; one closing line "N passed, N failed".
# Usage: tests/run-unit.sh BUILD_DIR
build=${1:-build}
# The robustness corpus lives outside the repository (never copied in):
# beside the checkout, or in the workplace's shared folder.
if [ -z "${DLP_CORPUS:-}" ]; then
	for d in ../shared/mime-corpus /work/shared/mime-corpus; do
		if [ -d "$d" ]; then DLP_CORPUS=$(cd "$d" && pwd); export DLP_CORPUS; break; fi
	done
fi
pass=0 fail=0 bad=""
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$t" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi	# crashed before its summary
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		bad="$bad $name"
		printf '%s\n' "$out" | grep -v '^\[ \(RUN\|      OK\) ' >&2
	fi
	printf 'unit %-28s %4d passed %3d failed\n' "$name" "$p" "$f"
done
[ -n "$bad" ] && echo "unit: failing:$bad" >&2
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
