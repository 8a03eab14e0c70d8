#!/bin/sh
# The register's figures for `make bench`: holds/s and the walk over
# 100,000 incidents (bench_register.c, which also fills the register with
# one bulk INSERT), then `dlpctl list` and the console's queue page over
# the same 100,000 (register_console.py, a dlp-web started on it), on
# SQLite (a file in a temp dir) and on PostgreSQL (a private server,
# tests/pgserver.sh, fsync on as in production).  Everything started is
# stopped and removed at the end.  bench_series: the counters across
# messages (their table filled to max_rows, then one external message's
# count and record), on both.
# Usage: tests/bench/register.sh BUILD_DIR
set -eu
build=${1:-build}
d=$(mktemp -d /tmp/dlp-bench-reg.XXXXXX)
chmod 0755 "$d"	# the server runs as nobody
trap 'sh tests/pgserver.sh kill "$d/pg" >/dev/null 2>&1 || true; rm -rf "$d"' EXIT
mkdir "$d/sqlite"
"$build/bench/bench_register" "$d/sqlite/incidents.db" "" "$d/sqlite/quarantine"
"$build/bench/bench_series" "$d/sqlite/series.db"
/usr/bin/python3 tests/bench/register_console.py "$build" "$d/sqlite/incidents.db" "" "$d/sqlite"
if url=$(PG_FSYNC=on sh tests/pgserver.sh start "$d/pg"); then
	"$build/bench/bench_register" "$url" "$d/pg/password" "$d/pg-quarantine"
	"$build/bench/bench_series" "$url" "$d/pg/password"
	mkdir "$d/pg-var"
	/usr/bin/python3 tests/bench/register_console.py "$build" "$url" "$d/pg/password" "$d/pg-var"
else
	echo "  postgresql: skipped: $url"
fi
