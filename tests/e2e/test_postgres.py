#!/usr/bin/python3
"""Two mail servers, one register: two dlp-milter instances (each behind
its own Postfix, with its own relay and sink) on one private PostgreSQL
server (tests/pgserver.sh: initdb in a temp dir, started as nobody on a
free port of 127.0.0.1).

  - dlpctl migrate copies node A's SQLite register and quarantine into the
    database and verifies it; A is then switched over to it;
  - a message held on A is shown, byte for byte, and released from B,
    through B's relay;
  - concurrent releases and deletes from both nodes: one winner per
    incident, each recipient gets one copy;
  - both milters holding at once: no lost incident, one hold notice each
    (the two notifiers claim from one queue);
  - delayed mail (action delay) with both milters' timers running: each
    message is sent once, by one of them;
  - connections cut again and again while both hold: nothing lost, nothing
    registered twice;
  - the console on the database: `dlpctl user` and `dlpctl approver` on one
    node seen by the other, dlp-web on each node; signed in in chromium
    (cdp.py), the queue shows the holds of both milters, one held by A is
    released from B's console (through B's relay) and reaches the sink once;
    the session works on both consoles, both releasing one incident at once
    release it once; a justify link used on A's console
    is refused on B's ("already used"), its replayed POST too;
  - supervisor approval: an approve hold on A, its approver marked away
    on B: the proxy is asked once, and the proxy's link used on B's console
    releases it once, through B's relay;
  - the database stopped: holds answer 451 (the MTA keeps the mail), clean
    internal mail still passes (external mail waits too: the shipped
    series_recipients rule cannot count it), the log says so, a milter started meanwhile starts;
    the database back: the milter records holds again by itself and says so.

Skipped (one line) only when PostgreSQL's initdb is not installed.
"""
import email
import email.policy
import html
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import (BUILD, DLPCTL, ROOT, Env, check, free_port, make_message, people,  # noqa: E402
                 people_csv, run, stop_process, wait_port, wait_until)

SENDER = "kakari@example.go.jp"
PEOPLE = people(49)
PGSERVER = os.path.join(ROOT, "tests", "pgserver.sh")
WEB = os.path.join(BUILD, "dlp-web")
ADMIN_PW = "admin-password-1"


class PgServer:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dlp-pg-")
        r = self.ctl("start")
        if r.returncode == 77:
            self.absent = r.stdout.strip() or r.stderr.strip()
            return
        self.absent = None
        if r.returncode != 0:
            raise RuntimeError("pgserver start: %s %s" % (r.stdout, r.stderr))
        self.url = r.stdout.strip().splitlines()[-1]
        self.password_file = os.path.join(self.dir, "password")
        with open(self.password_file) as f:
            self.password = f.read().strip()

    def ctl(self, cmd):
        return subprocess.run(["sh", PGSERVER, cmd, self.dir], capture_output=True, text=True)

    def sql(self, query):
        """Rows of query as lists of strings."""
        r = subprocess.run(["psql", self.url, "-X", "-At", "-F", "\t", "-c", query],
                           capture_output=True, text=True,
                           env=dict(os.environ, PGPASSWORD=self.password))
        if r.returncode != 0:
            raise RuntimeError("psql: %s" % r.stderr)
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def close(self):
        if not self.absent:
            self.ctl("kill")
        shutil.rmtree(self.dir, ignore_errors=True)


pg = None
a = b = None


def risky(subject, to=("a@partner.example.com", "b@other.example.net")):
    """A message personal_data_volume holds: a CSV of 49 people."""
    return make_message(SENDER, list(to), subject, "名簿を送ります。\n",
                        attachments=[("meibo.csv", people_csv(PEOPLE), "text", "csv")])


def pg_incident(subject):
    rows = pg.sql("SELECT id, status FROM incidents WHERE subject = '%s'" % subject)
    return rows


def status(incident_id):
    return pg.sql("SELECT status FROM incidents WHERE id = '%s'" % incident_id)[0][0]


def hold_on(env, subject, to=None):
    code, text = env.send(risky(subject, to or ("a@partner.example.com", "b@other.example.net")))
    check(code == 250, "held (accepted): %d %s" % (code, text), env)
    rows = pg_incident(subject)
    check(len(rows) == 1 and rows[0][1] == "held", "one held incident in PostgreSQL: %r" % rows, env)
    return rows[0][0]


def released_copies(env, incident_id):
    """Sink transactions of env carrying a release token of incident_id
    (the audit trail ties each token to its incident)."""
    tags = [("X-DLP-Released: %s\r\n" % r[0]).encode() for r in pg.sql(
        "SELECT reason FROM audit WHERE incident = '%s' AND action = 'release sent as'"
        % incident_id)]
    return [m for m in list(env.sink.messages) if any(t in m[2] for t in tags)]


def hold_notices(incident_id):
    tag = ("X-DLP-Incident: %s" % incident_id).encode()
    return [m for e in (a, b) for m in list(e.sink.messages)
            if tag in m[2] and b"X-DLP-Notice: hold" in m[2]]


# --- migrate ---------------------------------------------------------------
def test_migrate_sqlite_to_postgres():
    """A on SQLite holds two, releases one; migrate copies both with their
    history and the held copy; A then runs on the database."""
    code, text = a.send(risky("migrate-1"))
    check(code == 250, "held on SQLite: %d %s" % (code, text), a)
    code, text = a.send(risky("migrate-2"))
    check(code == 250, "held on SQLite: %d %s" % (code, text), a)
    rows = {r["subject"]: r for r in a.incidents()}
    check(len(rows) == 2, "two SQLite incidents: %r" % list(rows), a)
    first, second = rows["migrate-1"]["id"], rows["migrate-2"]["id"]
    r = a.dlpctl("release", first, check=False)
    check(r.returncode == 0, "release on SQLite: %s %s" % (r.stdout, r.stderr), a)
    with open(os.path.join(a.var, "quarantine", "msg", second + ".eml"), "rb") as f:
        held_bytes = f.read()
    # the key of the links A's notices carried (as dlp-web or the notifier made it)
    node_key = "%064x" % 0xA11CE
    con = sqlite3.connect(os.path.join(a.var, "incidents.db"), timeout=30)
    con.execute("INSERT INTO secrets (name, value, created) VALUES ('link_key', ?, 0)",
                (node_key,))
    con.commit()
    # the rest of the register: a console account, an approver and a group,
    # a used link, the console's audit trail, the series (the shipped
    # series_recipients rule: the released one recorded, the held one kept)
    r = subprocess.run([DLPCTL, "-c", a.milter.conf, "user", "add", "kacho-m", "--role",
                        "approver"], input="migrate-pw-1\n", capture_output=True, text=True,
                       cwd=a.tmp)
    check(r.returncode == 0, "dlpctl user add on SQLite: %s" % r.stderr)
    check(a.dlpctl("approver", "set", SENDER, "kacho-m@example.go.jp",
                   check=False).returncode == 0, "dlpctl approver set on SQLite")
    check(a.dlpctl("approver", "member", SENDER, "総務課", check=False).returncode == 0,
          "dlpctl approver member on SQLite")
    con.execute("INSERT INTO link_uses (id, incident, action, time) VALUES ('use-1', ?, "
                "'justify', 1764000000)", (second,))
    con.execute("INSERT INTO web_audit (time, actor, action, incident, detail) VALUES "
                "(1764000001, 'kacho-m', 'view', ?, NULL)", (second,))
    con.commit()
    node = {t: con.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
            for t in ("users", "approvers", "approver_groups", "link_uses", "web_audit",
                      "series", "series_sent", "series_held")}
    user_hash = con.execute("SELECT hash FROM users WHERE name = 'kacho-m'").fetchone()[0]
    series_key = con.execute("SELECT value FROM secrets WHERE name = 'series'").fetchone()[0]
    con.close()
    check(node["series_sent"] >= 1 and node["series_held"] == 1 and node["series"] >= 2,
          "the series on SQLite: %r" % node, a)
    r = a.dlpctl("migrate", "--to", pg.url, "--password-file", pg.password_file, check=False)
    check(r.returncode == 0, "migrate: %s %s" % (r.stdout, r.stderr))
    check("link key: this node's, in the database" in r.stdout and
          pg.sql("SELECT value FROM secrets WHERE name = 'link_key'") == [[node_key]],
          "the links' key copied: %s" % r.stdout)
    # a released message's copy stays until purge, in the files as in the database
    check("2 incidents (2 new, 0 there already), 2 held copies (2 new)" in r.stdout,
          "what was copied: %s" % r.stdout)
    check("the same on both sides" in r.stdout and "digest: sha256:" in r.stdout,
          "verified: %s" % r.stdout)
    for t, n in node.items():
        line = "%-16s%d rows (%d new, 0 there already)" % (t, n, n)
        check(line in r.stdout, "%s: %r in %s" % (t, line, r.stdout))
        check(int(pg.sql("SELECT count(*) FROM %s" % t)[0][0]) == n, "%s in the database" % t)
    check(pg.sql("SELECT hash, role FROM users WHERE name = 'kacho-m'") == [[user_hash, "approver"]],
          "the account, its password hash as it was")
    check(pg.sql("SELECT value FROM secrets WHERE name = 'series'") == [[series_key]],
          "the series key went over with its rows")
    check(pg.sql("SELECT incident FROM series_held") == [[second]], "the held one's series rows")
    hour = pg.sql("SELECT h.n, (SELECT count(*) FROM series_sent s WHERE s.sender = h.sender)"
                  " FROM series_hour h")
    check(len(hour) == 1 and hour[0][0] == hour[0][1] == str(node["series_sent"]),
          "the running total made from the rows: %r" % hour)
    check("sessions" in r.stdout and "sign in again" in r.stdout, "sessions: said")
    again = a.dlpctl("migrate", "--to", pg.url, "--password-file", pg.password_file, check=False)
    check(again.returncode == 0 and "(0 new, 2 there already)" in again.stdout,
          "a second run copies nothing: %s %s" % (again.stdout, again.stderr))
    check(again.stdout.split("digest:")[1] == r.stdout.split("digest:")[1], "same digest twice")
    for t, n in node.items():
        line = "%-16s%d rows (0 new, %d there already)" % (t, n, n)
        check(line in again.stdout, "second run, %s: %r in %s" % (t, line, again.stdout))
        check(int(pg.sql("SELECT count(*) FROM %s" % t)[0][0]) == n, "%s not doubled" % t)
    n_audit = pg.sql("SELECT count(*) FROM audit WHERE incident = '%s'" % first)[0][0]
    check(int(n_audit) >= 3, "history copied (created, releasing, released): %s" % n_audit)
    # A switches over to the database
    a.milter.stop()
    a.set_conf("register", "url", pg.url)
    a.set_conf("register", "password_file", pg.password_file)
    a.milter.start()
    r = a.dlpctl("show", "--raw", second, check=False)
    check(r.returncode == 0, "show --raw from the database: %s" % r.stderr, a)
    raw = subprocess.run([DLPCTL, "-c", a.milter.conf, "show", "--raw", second],
                         capture_output=True).stdout
    check(raw == held_bytes, "held copy byte for byte (%d, %d bytes)" % (len(raw), len(held_bytes)))
    check(status(first) == "released" and status(second) == "held", "statuses kept")
    # the held one released on the database: its copied series rows recorded
    r = a.dlpctl("release", second, check=False)
    check(r.returncode == 0, "release on the database: %s %s" % (r.stdout, r.stderr), a)
    check(pg.sql("SELECT count(*) FROM series_held") == [["0"]] and
          int(pg.sql("SELECT count(*) FROM series_sent")[0][0]) == node["series_sent"] + 1,
          "the release recorded the copied series rows")


# --- two nodes -------------------------------------------------------------
def test_hold_on_a_release_from_b():
    iid = hold_on(a, "cross-node")
    check(not os.path.exists(os.path.join(a.var, "quarantine", "msg", iid + ".eml")),
          "no file copy on A: the copy is in the database")
    size = int(pg.sql("SELECT size FROM messages WHERE id = '%s'" % iid)[0][0])
    raw = subprocess.run([DLPCTL, "-c", b.milter.conf, "show", "--raw", iid],
                         capture_output=True).stdout
    check(len(raw) == size and b"meibo.csv" in raw, "B shows A's held copy (%d of %d bytes)"
          % (len(raw), size))
    r = b.dlpctl("show", iid, check=False)
    check(r.returncode == 0 and "held" in r.stdout and "register's database" in r.stdout,
          "B's show: %s %s" % (r.stdout, r.stderr))
    r = b.dlpctl("show", "--text", iid, check=False)
    check(r.returncode == 0 and "text of %s" % iid in r.stdout and "meibo" not in r.stderr,
          "B's show --text reads the copy from the database: %s %s" % (r.stdout[:300], r.stderr))
    r = b.dlpctl("release", iid, "--reason", "確認済み", check=False)
    check(r.returncode == 0 and "released to 2 recipients" in r.stdout,
          "release from B: %s %s" % (r.stdout, r.stderr), b)
    check(wait_until(lambda: sum(len(m[1]) for m in released_copies(b, iid)) >= 2, 30),
          "delivered through B's relay", b)
    check(not released_copies(a, iid), "not through A's relay")
    check(status(iid) == "released", "released in the register")
    r = a.dlpctl("release", iid, check=False)
    check(r.returncode == 0 and "nothing to do" in r.stdout, "A sees it released: %s" % r.stdout)


# --- the console on the database ------------------------------------------
def http_req(port, method, path, body=None, cookie=None):
    """(status, headers, text) of one request to a dlp-web, without the browser."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    if cookie:
        headers["Cookie"] = cookie
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    out = (r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    c.close()
    return out


def link_path(iid, action):
    """/link/ACTION/TOKEN of incident iid's hold notice (sent by either
    node's notifier, so on either console's base URL)."""
    def find():
        for m in hold_notices(iid):
            body = email.message_from_bytes(m[2], policy=email.policy.default)
            found = re.search(r"/link/" + action + r"/[A-Za-z0-9_.-]+",
                              body.get_body(("plain",)).get_content())
            if found:
                return found.group(0)
        return None
    check(wait_until(lambda: find() is not None, 60), "a %s link in %s's hold notice"
          % (action, iid))
    return find()


def test_console_on_postgres():
    """dlp-web on each node, one register: accounts and approvers made on
    one node are the other's; the queue of either console has the holds of
    both milters; a release from B's console of a message A held goes out
    through B's relay, once; a link used on one console is used on both."""
    from cdp import Browser
    ports = {a: free_port(), b: free_port()}
    webs, browser = [], None
    try:
        # each node's console and the base of its links
        for env in (a, b):
            env.milter.stop()
            env.set_conf("web", "listen", "127.0.0.1:%d" % ports[env])
            env.set_conf("web", "base_url", "http://127.0.0.1:%d/" % ports[env])
        for env in (a, b):
            logf = open(os.path.join(env.tmp, "web.log"), "ab")
            webs.append(subprocess.Popen([WEB, "-f", "-c", env.milter.conf], stdout=logf,
                                         stderr=logf, cwd=env.tmp))
            logf.close()
            check(wait_port(ports[env]), "dlp-web listens on the database (node %s): %s" % (
                "AB"[env is b], open(os.path.join(env.tmp, "web.log")).read()[-2000:]))
        # one link key for both, in the database: nothing copied by hand
        check(pg.sql("SELECT count(*), min(length(value)) FROM secrets WHERE name = 'link_key'")
              == [["1", "64"]], "one link key in the database, 64 hex digits")
        check(not any(os.path.exists(os.path.join(env.var, "web-link.key")) for env in (a, b)),
              "no per-node key file")
        for env in (a, b):
            env.milter.start()
        # accounts and approvers: made on one node, the other's too (the
        # rows dlpctl migrate brought from A's SQLite register not counted)
        audited = int(pg.sql("SELECT count(*) FROM web_audit WHERE action IN ('user added',"
                             " 'approvers set')")[0][0])
        r = subprocess.run([DLPCTL, "-c", a.milter.conf, "user", "add", "alice", "--role",
                            "admin"], input=ADMIN_PW + "\n", capture_output=True, text=True,
                           cwd=a.tmp)
        check(r.returncode == 0, "dlpctl user add on A: %s %s" % (r.stdout, r.stderr))
        r = b.dlpctl("user", "list", check=False)
        check(r.returncode == 0 and "alice" in r.stdout and "admin" in r.stdout,
              "B lists A's user: %s %s" % (r.stdout, r.stderr))
        r = b.dlpctl("approver", "set", SENDER, "kacho@example.go.jp", "--proxy",
                     "jicho@example.go.jp", check=False)
        check(r.returncode == 0, "dlpctl approver set on B: %s %s" % (r.stdout, r.stderr))
        r = a.dlpctl("approver", "list", SENDER, check=False)
        check(r.returncode == 0 and "kacho@example.go.jp" in r.stdout and
              "jicho@example.go.jp" in r.stdout, "A lists B's approvers: %s %s" % (r.stdout,
                                                                                   r.stderr))
        check(pg.sql("SELECT count(*) FROM web_audit WHERE action IN ('user added',"
                     " 'approvers set')")[0][0] == str(audited + 2),
              "both changes are web_audit rows")
        on_a, on_b = hold_on(a, "console-a"), hold_on(b, "console-b")

        browser = Browser()
        browser.goto("http://127.0.0.1:%d/signin" % ports[b])
        browser.fill("#name", "alice")
        browser.fill("#password", ADMIN_PW)
        browser.click("#go")
        check(browser.path() == "/queue", "signed in on B's console: %s" % browser.path())
        check(browser.text("#who") == "alice (admin)", "as alice: %r" % browser.text("#who"))
        shown = browser.eval("[...document.querySelectorAll('#queue tr.inc a')]"
                             ".map(a => a.textContent)")
        check(on_a in shown and on_b in shown, "the queue has the holds of both milters: %s, %s"
              " in %r" % (on_a, on_b, shown))
        browser.goto("http://127.0.0.1:%d/incident/%s" % (ports[b], on_a))
        check(browser.text("#status") == "held", "A's hold on B's console: held")
        browser.fill("#form-release textarea", "本部で確認 / checked at head office")
        browser.click("#release")
        check("released" in (browser.text("#msg") or ""), "the page says released: %r" %
              browser.text("#msg"))
        check(status(on_a) == "released", "released in the register")

        def arrived():
            return sorted(r for m in released_copies(b, on_a) for r in m[1])
        check(wait_until(lambda: len(arrived()) >= 2, 30), "the message reached B's sink", b)
        time.sleep(1)
        check(arrived() == ["a@partner.example.com", "b@other.example.net"],
              "once, to each recipient: %r" % arrived())
        check(not released_copies(a, on_a), "not through A's relay")
        check(pg.sql("SELECT count(*) FROM audit WHERE incident = '%s' AND actor = 'web:alice'"
                     % on_a)[0][0] != "0", "the history names web:alice")
        # the session is a row of the database: A's console knows it (the
        # browser sends the cookie of 127.0.0.1 to either port)
        browser.goto("http://127.0.0.1:%d/queue" % ports[a])
        check(browser.path() == "/queue" and browser.text("#who") == "alice (admin)",
              "the same session on A's console: %s %r" % (browser.path(), browser.text("#who")))
        # both consoles get the release of one incident at once: one wins
        race = hold_on(a, "console-race", ("race@partner.example.com",))
        browser.goto("http://127.0.0.1:%d/incident/%s" % (ports[a], race))
        csrf = browser.eval("document.querySelector('input[name=csrf]').value")
        cookie = "; ".join("%s=%s" % (c["name"], c["value"]) for c in browser.call(
            "Network.getCookies", urls=["http://127.0.0.1:%d/" % ports[a]])["cookies"]
            if c["name"] == "dlp_session")
        answers = []

        def post(port):
            answers.append(http_req(port, "POST", "/incident/%s/release" % race,
                                    "reason=race&csrf=%s" % csrf, cookie=cookie))
        threads = [threading.Thread(target=post, args=(ports[e],)) for e in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [x for x in answers if x[0] == 200 and "送信しました" in x[2]]
        check(len(answers) == 2 and len(won) == 1 and all(x[0] in (200, 409) for x in answers),
              "one console released it, the other was told: %r" % [(x[0], x[2][-400:])
                                                                   for x in answers])
        check(wait_until(lambda: released_copies(a, race) or released_copies(b, race), 30),
              "the raced release was delivered")
        time.sleep(1)
        check(len(released_copies(a, race)) + len(released_copies(b, race)) == 1,
              "delivered once")
        check(status(race) == "released", "released in the register")
        browser.click("#signout")
        browser.goto("http://127.0.0.1:%d/queue" % ports[b])
        check(browser.path() == "/signin", "signed out on A: signed out on B too")

        # a link of B's notice, signed with the register's key, works on A's
        # console, and once used there it is used on B's
        path = link_path(on_b, "justify")
        code, _, page = http_req(ports[a], "GET", path)
        check(code == 200, "the justify link's page on A: %d" % code)
        fields = dict((k, html.unescape(v)) for k, v in
                      re.findall(r'<input[^>]*name="([a-z]+)"[^>]*value="([^"]*)"', page))
        check("form" in fields, "the page's form token: %r" % fields)
        form = "form=%s&reason=%s" % (fields["form"], urllib.parse.quote("定例の送付です"))
        code, _, body = http_req(ports[a], "POST", path, form)
        check(code == 200 and "依頼しました" in body, "the POST on A: %d %s" % (code, body[:300]))
        code, _, body = http_req(ports[b], "GET", path)
        check(code == 410 and "使用済み" in body, "the same link on B: already used (%d)" % code)
        code, _, body = http_req(ports[b], "POST", path, form)
        check(code == 410 and "already used" in body, "its POST replayed on B: 410 (%d)" % code)
        requested = pg.sql("SELECT count(*) FROM audit WHERE incident = '%s' AND action ="
                           " 'release requested'" % on_b)[0][0]
        check(requested == "1", "one release request in the history: %s" % requested)
        check(status(on_b) == "held", "still held, for the approver")
        check(pg.sql("SELECT count(*) FROM link_uses WHERE incident = '%s'" % on_b)[0][0] == "1",
              "one used link")
    finally:
        if browser:
            browser.close()
        for w in webs:
            stop_process(w)


KACHO, JICHO = "kacho@example.go.jp", "jicho@example.go.jp"


def approval_notices(iid, to):
    """The approval requests of iid to `to`, from either node's notifier."""
    tag = ("X-DLP-Incident: %s" % iid).encode()
    out = []
    for e in (a, b):
        for m in list(e.sink.messages):
            if tag in m[2] and b"X-DLP-Notice: approval" in m[2] and to in m[1]:
                body = email.message_from_bytes(m[2], policy=email.policy.default)
                out.append(body.get_body(("plain",)).get_content())
    return out


def test_proxy_on_postgres():
    """An approve hold on A whose approver is away (dlpctl approver away on
    B): the proxy is asked (by whichever notifier claims it first, once),
    and the proxy's approve link, used on B's console, releases it once
    through B's relay."""
    port = free_port()
    web = None
    to = ["p%d@partner.example.com" % i for i in range(4)]
    try:
        r = b.dlpctl("approver", "set", SENDER, KACHO, "--proxy", JICHO, check=False)
        check(r.returncode == 0, "dlpctl approver set on B: %s %s" % (r.stdout, r.stderr))
        r = b.dlpctl("approver", "away", KACHO, check=False)
        check(r.returncode == 0, "dlpctl approver away on B: %s %s" % (r.stdout, r.stderr))
        check(pg.sql("SELECT count(*) FROM approver_away WHERE approver = '%s'" % KACHO)[0][0]
              == "1", "the absence is a row of the database")
        b.set_conf("web", "listen", "127.0.0.1:%d" % port)
        logf = open(os.path.join(b.tmp, "web.log"), "ab")
        web = subprocess.Popen([WEB, "-f", "-c", b.milter.conf], stdout=logf, stderr=logf,
                               cwd=b.tmp)
        logf.close()
        check(wait_port(port), "B's dlp-web listens")
        code, text = a.send(make_message(SENDER, to, "proxy-on-pg", "ご案内です。\n"))
        check(code == 250, "accepted (held for approval): %d %s" % (code, text), a)
        rows = pg.sql("SELECT id, status, action FROM incidents WHERE subject = 'proxy-on-pg'")
        check(len(rows) == 1 and rows[0][1:] == ["held", "approve"], "one approve hold: %r"
              % rows, a)
        iid = rows[0][0]
        check(wait_until(lambda: approval_notices(iid, JICHO), 60), "the proxy is asked", a)
        asked = pg.sql("SELECT reason, actor FROM audit WHERE incident = '%s' AND action ="
                       " 'proxy asked'" % iid)
        check(len(asked) == 1 and ("%s away" % KACHO) in asked[0][0] and
              asked[0][1] == "dlp-milter",
              "asked once by a milter's notifier, because the approver is away: %r" % asked)
        # dlpctl list's search, order and filters are the PostgreSQL query's
        r = b.dlpctl("list", "--search", "PROXY-ON-PG", "--sort", "subject", "--desc",
                     "--rcpt", "P3@partner", "--subject", "on-pg", "--json", check=False)
        check(r.returncode == 0 and [j["id"] for j in json.loads(r.stdout)] == [iid],
              "dlpctl list --search/--sort/--rcpt/--subject on B: %s %s" % (r.stdout, r.stderr))
        r = b.dlpctl("list", "--search", "proxy-on-pg 100%", check=False)
        check(r.returncode == 0 and "no incident matches" in r.stderr,
              "a word not there: nothing: %s %s" % (r.stdout, r.stderr))
        found = re.search(r"/link/approve/[A-Za-z0-9_.-]+", approval_notices(iid, JICHO)[0])
        check(found is not None, "the proxy's approve link")
        path = found.group(0)
        code, _, page = http_req(port, "GET", path)
        check(code == 200, "the proxy's link on B's console: %d %s" % (code, page[:300]))
        check(status(iid) == "held", "a GET changes nothing")
        fields = dict((k, html.unescape(v)) for k, v in
                      re.findall(r'<input[^>]*name="([a-z]+)"[^>]*value="([^"]*)"', page))
        form = "form=%s&reason=%s" % (fields.get("form", ""), urllib.parse.quote("代理で承認"))
        code, _, body = http_req(port, "POST", path, form)
        check(code == 200 and status(iid) == "released", "the proxy approved on B: %d %s %s" %
              (code, status(iid), body[-300:]))
        check(wait_until(lambda: released_copies(b, iid), 30), "delivered through B's relay", b)
        code, _, body = http_req(port, "POST", path, form)
        check(code == 410, "the link again: already used (%d)" % code)
        time.sleep(1)
        copies = released_copies(a, iid) + released_copies(b, iid)
        check(len(copies) == 1 and sorted(copies[0][1]) == sorted(to),
              "once, to its four recipients, through B only: %r" % [c[1] for c in copies])
        check(pg.sql("SELECT count(*) FROM audit WHERE incident = '%s' AND actor = "
                     "'approver:%s'" % (iid, JICHO))[0][0] != "0", "the history names the proxy")
        check(len(approval_notices(iid, JICHO)) == 1, "the proxy was mailed once")
    finally:
        stop_process(web)
        b.dlpctl("approver", "back", KACHO, check=False)


def test_concurrent_release_race():
    """Three dlpctl on each node for each of five incidents, all at once."""
    ids = [hold_on(a if i % 2 else b, "race-%d" % i, ("r%d@partner.example.com" % i,))
           for i in range(5)]
    procs = []
    for env in (a, b, a, b, a, b):
        for iid in ids:
            procs.append(subprocess.Popen([DLPCTL, "-c", env.milter.conf, "release", iid],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True))
    outs = [(p.wait(120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    for i, iid in enumerate(ids):
        wins = sum(o[1].count("incident %s released to" % iid) for o in outs)
        check(wins == 1, "one release of %s: %d in %r" % (iid, wins, outs))
        check(all(o[0] in (0, 4) for o in outs), "the others: busy (4) or already (0): %r"
              % [o for o in outs if o[0] not in (0, 4)])
        check(wait_until(lambda: len(released_copies(a, iid)) + len(released_copies(b, iid)) >= 1,
                         30), "delivered %s" % iid)
    time.sleep(2)
    for iid in ids:
        n = len(released_copies(a, iid)) + len(released_copies(b, iid))
        check(n == 1, "%s delivered once, not %d times" % (iid, n))
        check(status(iid) == "released", "%s released" % iid)


def test_release_delete_race():
    """A releases while B deletes, ten times: exactly one of them wins."""
    for i in range(10):
        iid = hold_on(a, "rd-race-%d" % i, ("rd%d@partner.example.com" % i,))
        pr = subprocess.Popen([DLPCTL, "-c", a.milter.conf, "release", iid],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        pd = subprocess.Popen([DLPCTL, "-c", b.milter.conf, "delete", iid],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        rr, rd = pr.wait(60), pd.wait(60)
        outs = (pr.communicate(), pd.communicate())
        st = status(iid)
        check((rr == 0) != (rd == 0), "one winner of %s: release %d, delete %d %r" %
              (iid, rr, rd, outs))
        check(st == ("released" if rr == 0 else "deleted"), "%s is %s" % (iid, st))
        copies = pg.sql("SELECT count(*) FROM messages WHERE id = '%s'" % iid)[0][0]
        if st == "deleted":
            check(copies == "0", "deleted copy gone")
            time.sleep(0.5)
            check(not released_copies(a, iid), "a deleted message is not delivered")
        else:
            check(wait_until(lambda: len(released_copies(a, iid)) == 1, 30), "released once")


def test_two_milters_hold_at_once():
    """Twenty holds, ten on each node, sent at once: twenty incidents, each
    with its copy and exactly one hold notice."""
    results = []

    def send(env, i):
        results.append(env.send(risky("burst-%02d" % i)))

    threads = [threading.Thread(target=send, args=(a if i % 2 else b, i)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(all(r[0] == 250 for r in results), "all accepted: %r" % results, a)
    rows = pg.sql("SELECT i.id, m.size FROM incidents i JOIN messages m ON m.id = i.id"
                  " WHERE i.subject LIKE 'burst-%%'")
    check(len(rows) == 20, "twenty incidents with their copies: %d" % len(rows))
    for iid, _ in rows:
        check(wait_until(lambda: len(hold_notices(iid)) >= 1, 60), "hold notice for %s" % iid)
    time.sleep(2)
    counts = [len(hold_notices(iid)) for iid, _ in rows]
    check(counts == [1] * 20, "one hold notice per incident: %r" % counts)


DELAY_RULE = """
[rule delay_four]
when = external == 4 and external_visible == 3 and personal_items < 10
action = delay
delay = 3s
reason = 外部への送信は3秒後に行われます。
	Mail to the outside goes three seconds later.

[rule approve_four]
when = external_visible == 4 and personal_items < 10
action = approve
reason = 外部の宛先が4件あるため、上長の承認を求めます。
	Four external recipients: the sender's approver decides.
"""


def test_two_timers_release_once():
    """A delayed message on the shared register: both milters run the
    timer; the claim lets one of them send it, once, through its relay."""
    to = ["t1@partner.example.com", "t2@partner.example.com", "t3@other.example.net"]
    env_rcpts = to + ["t4@hidden.example.org"]
    iids = []
    for i in range(4):
        subject = "delay-two-timers-%d" % i
        code, text = (a if i % 2 else b).send(make_message(SENDER, to, subject, "ご案内です。\n"),
                                              rcpts=env_rcpts)
        check(code == 250, "accepted (delayed): %d %s" % (code, text), a)
        rows = pg.sql("SELECT id, status, action FROM incidents WHERE subject = '%s'" % subject)
        check(len(rows) == 1 and rows[0][2] == "delay", "one delay incident: %r" % rows, a)
        iids.append(rows[0][0])
    for iid in iids:
        check(wait_until(lambda: status(iid) == "released", 60), "%s released when due" % iid, a)
        check(wait_until(lambda: len(released_copies(a, iid)) + len(released_copies(b, iid)) >= 1,
                         30), "%s delivered" % iid)
    time.sleep(2)
    logs = a.milter.read_log() + b.milter.read_log()
    for iid in iids:
        copies = released_copies(a, iid) + released_copies(b, iid)
        check(len(copies) == 1 and sorted(copies[0][1]) == sorted(env_rcpts),
              "%s sent once, to all four: %r" % (iid, [c[1] for c in copies]))
        check(logs.count("delay: incident %s is due" % iid) == 1,
              "one log line for %s across both milters" % iid)


def test_connections_cut_mid_hold():
    """The database cuts the milters' connections again and again while
    both hold mail: every accepted message has exactly one incident and its
    copy, every refused one (4xx, the MTA retries) has none."""
    stop = threading.Event()
    cuts = []

    def cutter():
        while not stop.is_set():
            rows = pg.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                          " WHERE application_name = 'dlp-milter' AND pid <> pg_backend_pid()")
            cuts.append(int(rows[0][0]))
            time.sleep(0.02)

    t = threading.Thread(target=cutter)
    t.start()
    results = {}
    try:
        for i in range(24):
            subject = "cut-%02d" % i
            results[subject] = (a if i % 2 else b).send(risky(subject))[0]
    finally:
        stop.set()
        t.join()
    check(sum(cuts) > 0, "connections were cut: %r" % cuts)
    check(a.milter.proc.poll() is None and b.milter.proc.poll() is None, "both milters alive")
    rows = pg.sql("SELECT i.subject, count(*), count(m.id) FROM incidents i LEFT JOIN messages m"
                  " ON m.id = i.id WHERE i.subject LIKE 'cut-%%' GROUP BY i.subject")
    got = {r[0]: (int(r[1]), int(r[2])) for r in rows}
    for subject, code in sorted(results.items()):
        if code == 250:
            check(got.get(subject) == (1, 1), "%s accepted: one incident with its copy, got %r"
                  % (subject, got.get(subject)))
        else:
            check(400 <= code < 500, "%s refused with 4xx, not %d" % (subject, code))
            check(subject not in got, "%s refused: no incident, got %r" % (subject, got.get(subject)))
    check(any(c == 250 for c in results.values()), "some were held: %r" % results)
    print("     %d sent: %d held, %d refused (4xx); %d connections cut" % (
        len(results), sum(c == 250 for c in results.values()),
        sum(c != 250 for c in results.values()), sum(cuts)))
    hold_on(a, "cut-after-a")	# both hold again once the cuts stop
    hold_on(b, "cut-after-b")


def test_database_down_tempfail_then_recovers():
    log_at = len(a.milter.read_log())
    r = pg.ctl("stop")
    check(r.returncode == 0, "database stopped: %s" % r.stderr)
    try:
        code, text = a.send(risky("while-down"))
        check(400 <= code < 500, "a hold answers 4xx while the database is down: %d %s"
              % (code, text), a)
        code, text = a.send(make_message(SENDER, ["staff@example.go.jp"], "clean", "こんにちは\n"))
        check(code == 250, "clean internal mail still passes: %d %s" % (code, text), a)
        # the shipped series_recipients rule counts external mail in the
        # register: uncounted, it must not go out
        code, text = a.send(make_message(SENDER, ["x@partner.example.com"], "clean", "こんにちは\n"))
        check(400 <= code < 500, "clean external mail waits (4xx, series uncounted): %d %s"
              % (code, text), a)
        check(wait_until(lambda: "register database failing" in a.milter.read_log()[log_at:], 10),
              "the log says the database fails", a)
        # a milter (re)started while the database is away starts, and says so
        a.milter.stop()
        restart_at = len(a.milter.read_log())
        a.milter.start()
        check(wait_until(lambda: "register database failing" in a.milter.read_log()[restart_at:],
                         10), "started without the database, and logged it", a)
        code, text = a.send(risky("while-down-2"))
        check(400 <= code < 500, "after the restart, still 4xx: %d %s" % (code, text), a)
    finally:
        r = pg.ctl("start")
    check(r.returncode == 0, "database started again: %s" % r.stderr)
    iid = hold_on(a, "after-restart")
    check(wait_until(lambda: "register database works again" in a.milter.read_log()[log_at:], 10),
          "the log says it works again", a)
    check(not pg_incident("while-down") and not pg_incident("while-down-2"),
          "nothing recorded for the refused tries")
    r = b.dlpctl("show", iid, check=False)
    check(r.returncode == 0, "B reads it after the restart: %s" % r.stderr)


def main():
    global pg, a, b
    pg = PgServer()
    if pg.absent:
        print("skipped: %s" % pg.absent)
        print("0 passed, 0 failed")
        pg.close()
        return 0
    try:
        a = Env(conf_extra=DELAY_RULE)
        a.use_release_port()
        with a:
            rc = run([("postgres: dlpctl migrate SQLite -> PostgreSQL, verified",
                       test_migrate_sqlite_to_postgres)])
            b = Env(conf_extra=DELAY_RULE)
            b.set_conf("register", "url", pg.url)
            b.set_conf("register", "password_file", pg.password_file)
            b.use_release_port()
            with b:
                rc |= run([
                    ("postgres: hold on A, show and release from B", test_hold_on_a_release_from_b),
                    ("postgres: dlp-web on both nodes: queue, release, session, link once",
                     test_console_on_postgres),
                    ("postgres: approver away (set on B), the proxy's link on B releases A's"
                     " approve hold once", test_proxy_on_postgres),
                    ("postgres: 30 dlpctl on 2 nodes release 5 at once", test_concurrent_release_race),
                    ("postgres: release on A races delete on B", test_release_delete_race),
                    ("postgres: two milters hold 20 at once, 1 notice each",
                     test_two_milters_hold_at_once),
                    ("postgres: a delay with two timers is sent once",
                     test_two_timers_release_once),
                    ("postgres: connections cut mid-hold: none lost, none doubled",
                     test_connections_cut_mid_hold),
                    ("postgres: database down -> 451, back -> recovers",
                     test_database_down_tempfail_then_recovers),
                ])
        return rc
    finally:
        pg.close()


if __name__ == "__main__":
    sys.exit(main())
