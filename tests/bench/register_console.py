#!/usr/bin/python3
"""The console and dlpctl over a full register, for `make bench`
(tests/bench/register.sh runs it after bench_register filled the register
to 100,000 incidents, on SQLite and on PostgreSQL):

  register_console.py BUILD LOCATION PASSWORD_FILE VAR_DIR

  dlpctl list            the whole listing, every incident (stdout to a
                         pipe, counted), and `dlpctl list --status held`;
  the queue page         GET /queue of a signed-in admin on a dlp-web
                         started on that register: the first page (50
                         newest held), the first page of all, and page 1000
                         of all (50,000 incidents walked past); sorted by
                         sender, subject and rule (page 1, and page 1000
                         by sender); a search for a word found nowhere
                         (every incident read).

Best of 3 (dlpctl) and of 5 (the page), wall milliseconds.  The dlp-web
started here is stopped before the end.
"""
import http.client
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from lib import SHIPPED_CONF, conf_set, free_port, stop_process, test_config, wait_port  # noqa

PW = "bench-password-1"


def best(n, f):
    out, times = None, []
    for _ in range(n):
        t = time.monotonic()
        out = f()
        times.append((time.monotonic() - t) * 1000)
    return min(times), out


def req(port, method, path, body=None, cookie=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    h = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    if cookie:
        h["Cookie"] = cookie
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    out = (r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    c.close()
    return out


def cookies(headers):
    return "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")


def main():
    build, loc, pwfile, var = sys.argv[1:5]
    is_pg = "://" in loc
    name = "postgresql" if is_pg else "sqlite"
    dlpctl, web = os.path.join(build, "dlpctl"), os.path.join(build, "dlp-web")
    port = free_port()
    text = test_config(SHIPPED_CONF, var)
    text = conf_set(text, "web", "listen", "127.0.0.1:%d" % port)
    if is_pg:
        text = conf_set(text, "register", "url", loc)
        text = conf_set(text, "register", "password_file", pwfile)
    conf = os.path.join(var, "bench.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    r = subprocess.run([dlpctl, "-c", conf, "user", "add", "bench", "--role", "admin"],
                       input=PW + "\n", capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("register_console: dlpctl user add: %s" % r.stderr)

    def listing(*args):
        p = subprocess.run([dlpctl, "-c", conf, "list"] + list(args), capture_output=True)
        if p.returncode != 0:
            sys.exit("register_console: dlpctl list: %s" % p.stderr.decode())
        return p.stdout.count(b"\n")

    t_all, n_all = best(3, listing)
    t_held, n_held = best(3, lambda: listing("--status", "held"))
    print("  %-10s dlpctl list %6.0f ms (%d lines); dlpctl list --status held %6.0f ms "
          "(%d lines)" % (name, t_all, n_all, t_held, n_held))

    log = open(os.path.join(var, "bench-web.log"), "ab")
    proc = subprocess.Popen([web, "-f", "-c", conf], stdout=log, stderr=log)
    log.close()
    try:
        if not wait_port(port):
            sys.exit("register_console: dlp-web did not listen")
        code, hdrs, body = req(port, "GET", "/signin")
        tok = re.search(r'name="csrf" value="([0-9a-f]{64})"', body).group(1)
        code, hdrs, _ = req(port, "POST", "/signin", "csrf=%s&name=bench&password=%s" % (tok, PW),
                            cookie=cookies(hdrs))
        session = cookies(hdrs)
        if "dlp_session=" not in session:
            sys.exit("register_console: sign-in failed: %d" % code)
        figures = []
        for label, path, want in (
                ("held, page 1", "/queue", 50), ("all, page 1", "/queue?status=all", 50),
                ("all, page 1000", "/queue?status=all&page=1000", 50),
                ("all by sender, page 1", "/queue?status=all&sort=sender&dir=asc", 50),
                ("held by subject desc, page 1", "/queue?sort=subject&dir=desc", 50),
                ("all by rule, page 1", "/queue?status=all&sort=rule", 50),
                ("all by sender, page 1000", "/queue?status=all&sort=sender&page=1000", 50),
                ("all, search for a word nowhere", "/queue?status=all&q=zzzz", 0)):
            def page():
                c, _, b = req(port, "GET", path, cookie=session)
                if c != 200:
                    sys.exit("register_console: GET %s: %d" % (path, c))
                return b.count('class="inc"')
            ms, rows = best(5, page)
            if rows != want:
                sys.exit("register_console: GET %s: %d rows, not %d" % (path, rows, want))
            figures.append("%s %.1f ms" % (label, ms))
        print("  %-10s queue page (50 rows): %s" % (name, "; ".join(figures)))
    finally:
        stop_process(proc)


if __name__ == "__main__":
    main()
