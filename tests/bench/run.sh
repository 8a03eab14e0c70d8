#!/bin/sh
# `make bench` — dlp-milter's figures, printed and written to
# $BUILD/bench/results.txt:
#   1. the text pipeline against one PCRE2-JIT phone pattern (bench_text);
#   2. per format the product reads (a file of 2-5 MB each): MB/s of the
#      extractor alone and of the whole engine, the peak memory a scan adds,
#      the values found (bench_extract; exits 1 when a file is not read
#      whole);
#   3. messages/s through a private Postfix on 127.0.0.1 — no milter, a naive
#      do-nothing milter, dlp-milter — for a 4 KB Japanese mail, a 200 KB mail
#      with an .xlsx and a 2 MB mail with a PDF, and dlp-milter's peak memory
#      with 50 concurrent sessions and with one 50 MB attachment
#      (bench_mta.py, with Postfix's smtp-source and smtp-sink);
#   4. each format against its floor on the same file in the same run:
#      the CPU dlpctl scan adds for the file against inflate alone (unzip -p
#      of its XML members) for OOXML/ODF, pdftotext and mutool for PDF, cat
#      for text (floors.py; poppler-utils and mupdf-tools: tests/deps.sh bench),
#      cold (a fresh dlpctl process) and warm (bench_warm: a scan in a
#      process that has scanned before, as the daemon and its workers do).
#      The same in instructions (instr.py, valgrind --tool=callgrind, which
#      the machine's load does not move), with the split of what a scan
#      adds: inflate, XML tokenizing, text building, detectors, poppler.
#   5. two PDF messages in two sessions against one, in threads and in two
#      sandboxed workers (bench_pdf2).
#   6. the register: holds/s from 4 threads, and the newest-first walk,
#      `dlpctl list` and the console's queue page (a dlp-web, HTTP) over
#      100,000 incidents, SQLite against PostgreSQL (bench_register and
#      register_console.py, tests/bench/register.sh; a private PostgreSQL).
#   7. the console (dlp-web): the queue page with 10,000 held incidents
#      (first page, a deep page, a sender filter) and an incident's page,
#      the median and the slowest of 50 requests (bench_console.py).
#   8. OCR: ms of CPU per megapixel for screenshots, a logo and a scanned
#      page, in-process and in a sandboxed worker (bench_ocr).
# Needs root (Postfix) and Debian's python3 with openpyxl, reportlab and xlwt.
# Every process started is stopped before the end (bench_mta.py cleans up
# on errors and signals too).
#
# Environment: BENCH_REPS=N runs per MTA measurement (default 5);
# BENCH_QUICK=1 fewer messages per run (a smoke test, not figures);
# BENCH_ONLY=abc the MTA messages to measure; BENCH_NO_MEMORY=1 skips the
# memory runs.
set -eu
build=${BUILD:-build}
py=/usr/bin/python3
out=$build/bench
mail=$out/mail
results=$out/results.txt
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
mkdir -p "$out"

# The naive milter is the benchmark's baseline, never part of the product.
cc -O2 -Wall -Wextra -Werror -Wno-unused-parameter -o "$out/naive-milter" \
	tests/bench/naive_milter.c -lmilter -lpthread

# Messages and files: generated once, again when a generator changes.
stamp=$(cat tests/bench/make_bench_mail.py tests/fixtures/make_office_big.py \
	tests/fixtures/make_office.py tests/fixtures/make_docs.py tests/fixtures/ole_write.py \
	tests/fixtures/people.py | sha1sum | cut -c1-16)
if [ ! -f "$mail/.stamp" ] || [ "$(cat "$mail/.stamp")" != "$stamp" ]; then
	echo "generating the messages and files in $mail (about a minute) ..." >&2
	rm -rf "$mail"
	$py tests/bench/make_bench_mail.py "$mail" --big 50 --files >&2
	echo "$stamp" > "$mail/.stamp"
fi

# step TITLE CMD...: stdout into the results (and shown), stderr shown.
step() {
	title=$1
	shift
	printf '\n== %s\n' "$title" | tee -a "$results"
	if "$@" > "$tmp"; then rc=0; else rc=$?; fi
	tee -a "$results" < "$tmp"
	if [ "$rc" -ne 0 ]; then
		echo "bench: '$title' failed ($rc)" | tee -a "$results" >&2
		exit "$rc"
	fi
}

mem_gb=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
{
	echo "dlp-milter benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, ${mem_gb} GB RAM,"
	echo "         Debian $(cat /etc/debian_version), kernel $(uname -r), Postfix $(postconf -h mail_version 2>/dev/null)"
	echo "command: make bench   (BENCH_REPS=${BENCH_REPS:-5}${BENCH_QUICK:+ BENCH_QUICK=1})"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$results"
cat "$results"

step "text pipeline (normalize + all detectors) vs one PCRE2-JIT phone pattern, 1 MB" \
	"$build/bench/bench_text"
step "extractors per format: MB of file per second, peak memory added (MB = 10^6 bytes)" \
	"$build/bench/bench_extract" "$mail"
step "through Postfix: smtp-source -> Postfix -> smtp-sink" \
	$py tests/bench/bench_mta.py "$mail" --reps "${BENCH_REPS:-5}" ${BENCH_QUICK:+--quick}
step "each format against its floor: CPU added over a 4 KB mail, median of ${BENCH_REPS:-5}" \
	$py tests/bench/floors.py "$mail" "$build/dlpctl" config/dlp-milter.conf "${BENCH_REPS:-5}"
step "each format against its floor in instructions (callgrind: not moved by the machine's load)" \
	$py tests/bench/instr.py "$mail" "$build/dlpctl" config/dlp-milter.conf
step "two PDF messages in two sessions against one (wall time, median of ${BENCH_REPS:-5})" \
	"$build/bench/bench_pdf2" "$mail" "${BENCH_REPS:-5}"
step "OCR (Tesseract jpn+eng, one core): CPU per megapixel, median of ${BENCH_REPS:-5}" \
	env OMP_THREAD_LIMIT=1 "$build/bench/bench_ocr" "$out/ocr" "${BENCH_REPS:-5}"
step "register: holds/s (20 KB message + incident, 4 threads), list, dlpctl list and the console's queue page over 100,000 incidents, SQLite vs PostgreSQL (fsync on)" \
	sh tests/bench/register.sh "$build"
step "console: dlp-web pages over 10,000 held incidents (SQLite), median of 50 requests" \
	$py tests/bench/bench_console.py "$build" 50
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results"
echo "written to $results"
