#!/bin/sh
# Run libFuzzer targets one after the other, FUZZ_SECONDS each (default 60),
# and print one line per target from libFuzzer's final stats.
#
#   sh tests/fuzz/run.sh BUILD_DIR TARGET...     (make fuzz runs it)
#
# BUILD_DIR/fuzz/fuzz_TARGET are the binaries (make FUZZ=1 fuzz-bin).
# Seeds are made into BUILD_DIR/seeds when missing or older than their
# sources (tests/fuzz/seeds.py, from the fixture generators and the mail
# corpus: $DLP_CORPUS, else ../shared/mime-corpus beside the tree); what the fuzzer finds grows BUILD_DIR/corpus/TARGET and
# is kept between runs.  A crash, leak, timeout or out-of-memory is written
# to BUILD_DIR/crashes/TARGET-*, the log to BUILD_DIR/logs/TARGET.log.
# Exit status 1 when any target failed.
set -u
cd "$(dirname "$0")/../.."
build=${1:?usage: run.sh BUILD_DIR TARGET...}
shift
secs=${FUZZ_SECONDS:-60}
corpus=${DLP_CORPUS:-$(pwd)/../shared/mime-corpus}

# -max_len per target: keep in step with MAX_LEN in seeds.py
max_len() {
	case $1 in
	mime) echo 1048576 ;;
	rtf|xml|html|xmltok) echo 131072 ;;
	text|textscan|conf) echo 65536 ;;
	expr) echo 4096 ;;
	*) echo 262144 ;;
	esac
}

dict() {
	case $1 in
	mime|expr|conf|xmltok) echo "-dict=tests/fuzz/dict/$1.dict" ;;
	esac
}

mkdir -p "$build/corpus" "$build/crashes" "$build/logs"
stamp="$build/seeds/.stamp"
if [ ! -f "$stamp" ] || [ -n "$(find tests/fuzz/seeds.py tests/fixtures -newer "$stamp" -type f)" ]; then
	/usr/bin/python3 tests/fuzz/seeds.py "$build/seeds" "$corpus" >"$build/logs/seeds.log" 2>&1 || {
		cat "$build/logs/seeds.log" >&2
		exit 1
	}
	touch "$stamp"
fi

# GLib's slice allocator hides blocks from ASan; libFuzzer checks leaks.
export G_SLICE=always-malloc
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=""
for t in "$@"; do
	bin="$build/fuzz/fuzz_$t"
	log="$build/logs/$t.log"
	[ -x "$bin" ] || { echo "fuzz $t: no binary $bin" >&2; failed="$failed $t"; continue; }
	mkdir -p "$build/corpus/$t"
	# shellcheck disable=SC2046
	"$bin" -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=30 \
	    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
	    $(dict "$t") "$build/corpus/$t" "$build/seeds/$t" >"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	printf 'fuzz %-9s %5ss %9s execs  cov %6s  ft %7s  corpus %6s  %s\n' "$t" "$secs" \
	    "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$([ $rc -eq 0 ] && echo ok || echo FAILED)"
	if [ $rc -ne 0 ]; then
		failed="$failed $t"
		grep -E 'ERROR|runtime error|SUMMARY|invariant|Test unit written' "$log" | head -5 >&2
	fi
done
[ -z "$failed" ] || { echo "fuzz: failing:$failed (logs in $build/logs)" >&2; exit 1; }
echo "fuzz: $# targets, no crash"
