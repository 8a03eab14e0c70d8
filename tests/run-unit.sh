#!/bin/sh
# Run the cmocka unit test binaries; one closing line
# "N passed, N failed, N skipped".
# Usage: tests/run-unit.sh BUILD_DIR [TEST]   (TEST: test_phone — one binary)
build=${1:-build}
only=${2:-}
# The robustness corpus lives outside the repository (never copied in):
# $DLP_CORPUS, else ../shared/mime-corpus beside the checkout (test_corpus
# finds it itself, or says it is skipped).
# OCR in the tests' own processes on one core, as in a sandbox worker
# (Tesseract's OpenMP reads it when it is loaded: detectors/extract/image.c)
export OMP_THREAD_LIMIT=1
pass=0 fail=0 skipped=0 bad=""
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	[ -n "$only" ] && [ "$(basename "$t")" != "$only" ] && continue
	name=$(basename "$t")
	out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$t" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	k=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi	# crashed before its summary
	pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + k))
	[ "$k" -ne 0 ] && printf '%s\n' "$out" | grep -i 'skipped:' | grep -v '^\['
	if [ "$f" -ne 0 ]; then
		bad="$bad $name"
		printf '%s\n' "$out" | grep -v '^\[ \(RUN\|      OK\) ' >&2
	fi
	printf 'unit %-28s %4d passed %3d failed%s\n' "$name" "$p" "$f" \
	    "$([ "$k" -ne 0 ] && printf ' %3d skipped' "$k")"
done
[ -n "$bad" ] && echo "unit: failing:$bad" >&2
echo "unit: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
