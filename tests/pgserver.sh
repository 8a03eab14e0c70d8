#!/bin/sh
# A private PostgreSQL server for the tests, in a directory of its own.
#   tests/pgserver.sh start DIR   initdb DIR/data the first time, then start it on a
#                                 free port of 127.0.0.1 and a socket in DIR/sock;
#                                 prints the URL (also in DIR/url); the password of
#                                 the user dlp is in DIR/password
#   tests/pgserver.sh stop DIR    stop it (fast: connections are cut)
#   tests/pgserver.sh kill DIR    stop it at once (immediate: as a crash)
# As root, the server runs as nobody (PostgreSQL refuses root).  Exit 77
# when initdb is absent (apt-get install postgresql).  PG_FSYNC=on keeps
# fsync (make bench); the tests run with fsync off.
set -eu
cmd=${1:?usage: tests/pgserver.sh start|stop|kill DIR}
dir=${2:?usage: tests/pgserver.sh start|stop|kill DIR}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "no PostgreSQL server programs (initdb) in /usr/lib/postgresql/*/bin: apt-get install postgresql"
	exit 77
fi
as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
	if [ ! -d "$dir/data" ]; then
		mkdir -p "$dir/sock"
		chmod 0755 "$dir"
		printf 'dlp-test-%s\n' "$$" >"$dir/password"
		chmod 0644 "$dir/password"
		[ "$(id -u)" = 0 ] && chown nobody "$dir/sock" && mkdir "$dir/data" &&
			chown nobody "$dir/data"
		as_owner "$bin/initdb" -D "$dir/data" -U dlp -E UTF8 --no-instructions \
			--auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/password" \
			>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$dir/port"
		printf 'postgresql://dlp@127.0.0.1:%s/postgres\n' "$(cat "$dir/port")" >"$dir/url"
	fi
	port=$(cat "$dir/port")
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
		-o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=200" \
		start >/dev/null
	cat "$dir/url"
	;;
stop|kill)
	[ -d "$dir/data" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 60 -m "$([ "$cmd" = kill ] && echo immediate || echo fast)" \
		stop >/dev/null 2>&1 || true
	;;
*)
	echo "usage: tests/pgserver.sh start|stop|kill DIR" >&2
	exit 2
	;;
esac
