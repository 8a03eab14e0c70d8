#!/usr/bin/python3
"""`make bench`: the console's figures (dlp-web, quarantine/web/).

A register (SQLite, a temp dir) with 10,000 held incidents, like a busy
month of a ministry; a dlp-web on 127.0.0.1 with the shipped config; an
admin signed in over HTTP.  Timed, each the median (and the slowest) of N
requests over one keep-alive-less connection each, as a browser's page
load: the queue's first page, a deep page (page 150: 7,450 incidents
skipped), the queue filtered by a sender, and one incident's page.
Every answer is checked (status 200, 50 rows a page) before it counts.

Usage: bench_console.py BUILD_DIR [N]   (N requests per figure, default 50)
"""
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 50
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INCIDENTS = 10000
PW = "bench-password-1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def request(port, method, path, body=None, cookie=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = {}
    if cookie:
        h["Cookie"] = cookie
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    out = (r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    c.close()
    return out


def parts(i):
    """The parts of incident i as the milter writes them: the body and an
    attachment (every 100th a 社員名簿_NN.xlsx)."""
    name = "社員名簿_%02d.xlsx" % (i // 100) if i % 100 == 7 else "資料%d.pdf" % i
    return [{"path": "1", "filename": None, "declared_type": "text/plain",
             "detected_type": "text/plain", "extractor": "text", "size": 120,
             "findings": {"phone": 0}, "encrypted": False, "unscanned": None},
            {"path": "2", "filename": name, "declared_type": "application/octet-stream",
             "detected_type": "application/pdf", "extractor": "pdf", "size": 48000,
             "findings": {"phone": 49}, "encrypted": False, "unscanned": None}]


def main():
    tmp = tempfile.mkdtemp(prefix="dlp-bench-web.")
    var = os.path.join(tmp, "var")
    os.makedirs(var)
    port = free_port()
    with open(os.path.join(ROOT, "config", "dlp-milter.conf"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"(?m)^\s*var_dir\s*=.*$", "var_dir = " + var, text)
    text = re.sub(r"(?m)^listen\s*=.*$", "listen = 127.0.0.1:%d" % port, text)
    conf = os.path.join(tmp, "dlp-milter.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    for t in ("notice-admin.txt", "notice-approval.txt", "notice-deleted.txt",
              "notice-expired.txt", "notice-hold.txt", "notice-reject.txt",
              "notice-released.txt"):
        src = os.path.join(ROOT, "config", t)
        if os.path.exists(src):
            shutil.copy(src, tmp)
    web = None
    try:
        r = subprocess.run([os.path.join(BUILD, "dlpctl"), "-c", conf, "user", "add", "admin1",
                            "--role", "admin"], input=PW + "\n", capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("dlpctl user add: " + r.stderr)
        now = int(time.time())
        rules = json.dumps([{"name": "personal_data_volume", "action": "hold",
                             "reason": "個人情報が多いため保留しました。"}], ensure_ascii=False)
        findings = json.dumps({"phone": {"count": 49, "samples": ["090-****-5678"]},
                               "address": {"count": 49, "samples": ["東京都****"]}})
        con = sqlite3.connect(os.path.join(var, "incidents.db"), timeout=30)
        with con:
            con.executemany(
                "INSERT INTO incidents (id, created, sender, subject, recipients, external,"
                " rcpt, rules, findings, parts, action, status, updated, notices_planned)"
                " VALUES (?, ?, ?, ?, 2, 1, ?, ?, ?, ?, 'hold', 'held', ?, 1)",
                [("20261101-B%05d" % i, now - 60 * i, "s%d@example.go.jp" % (i % 500),
                  ("名簿の送付について %d" if i % 10 else "給与明細の送付 %d") % i,
                  json.dumps(["a%d@partner.example.com" % i, "b@example.go.jp"]), rules,
                  findings, json.dumps(parts(i), ensure_ascii=False), now - 60 * i)
                 for i in range(INCIDENTS)])
            con.executemany("INSERT INTO audit (incident, time, actor, action, reason)"
                            " VALUES (?, ?, 'dlp-milter', 'held', 'personal_data_volume')",
                            [("20261101-B%05d" % i, now - 60 * i) for i in range(INCIDENTS)])
        con.close()
        log = open(os.path.join(tmp, "web.log"), "wb")
        web = subprocess.Popen([os.path.join(BUILD, "dlp-web"), "-f", "-c", conf], stdout=log,
                               stderr=log)
        log.close()
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        code, hdrs, body = request(port, "GET", "/signin")
        tok = re.search(r'name="csrf" value="([0-9a-f]{64})"', body).group(1)
        pre = [v.split(";")[0] for k, v in hdrs if k.lower() == "set-cookie"][0]
        code, hdrs, _ = request(port, "POST", "/signin", "csrf=%s&name=admin1&password=%s" %
                                (tok, PW), cookie=pre)
        cookie = [v.split(";")[0] for k, v in hdrs if k.lower() == "set-cookie" and
                  v.startswith("dlp_session=")]
        if code != 303 or not cookie:
            sys.exit("sign-in failed: %d" % code)
        cookie = cookie[0]
        figures = [
            ("queue, page 1 (50 of 10,000 held)", "/queue?status=held&page=1", 50),
            ("queue, page 150 (7,450 skipped)", "/queue?status=held&page=150", 50),
            ("queue, sender filter s7@ (20 held)", "/queue?status=all&sender=s7%40", 20),
            ("sorted by sender, page 1", "/queue?status=held&sort=sender&dir=asc", 50),
            ("sorted by sender desc, page 150", "/queue?status=held&sort=sender&dir=desc"
             "&page=150", 50),
            ("sorted by subject, page 1", "/queue?status=held&sort=subject&dir=asc", 50),
            ("sorted by rule, page 1", "/queue?status=held&sort=rule&dir=asc", 50),
            ("all, sorted by status, page 1", "/queue?status=all&sort=status&dir=asc", 50),
            ("sorted by recipients, page 1", "/queue?status=held&sort=rcpts", 50),
            ("search 給与明細 (1,000 of 10,000)", "/queue?status=held&q=%E7%B5%A6%E4%B8%8E"
             "%E6%98%8E%E7%B4%B0", 50),
            ("search 社員名簿_ (100, file names)", "/queue?status=held&q=%E7%A4%BE%E5%93%A1"
             "%E5%90%8D%E7%B0%BF_", 50),
            ("search of a word nowhere (0)", "/queue?status=held&q=zzzz", 0),
            ("search + sort by sender", "/queue?status=held&sort=sender&q=%E7%B5%A6%E4%B8%8E",
             50),
            ("incident page", "/incident/20261101-B00123", None),
        ]
        print("  dlp-web on SQLite, %d held incidents, %d requests per figure, one connection"
              " each" % (INCIDENTS, N))
        for title, path, rows in figures:
            times = []
            for i in range(N + 3):
                t0 = time.perf_counter()
                code, _, body = request(port, "GET", path, cookie=cookie)
                dt = (time.perf_counter() - t0) * 1000
                if code != 200 or (rows is not None and body.count('class="inc"') != rows):
                    sys.exit("%s: status %d, %d rows" % (path, code, body.count('class="inc"')))
                if i >= 3:	# the first ones warm the caches
                    times.append(dt)
            print("  %-40s median %6.1f ms   slowest %6.1f ms" %
                  (title, statistics.median(times), max(times)))
    finally:
        if web:
            web.terminate()
            try:
                web.wait(10)
            except subprocess.TimeoutExpired:
                web.kill()
                web.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
