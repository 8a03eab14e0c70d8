"""End to end: supervisor approval's rest (issue 12 item 4), through the
private Postfix of lib.Env, dlp-milter's notifier and dlp-web.

* the proxy approver (代理承認者) is mailed the approval request once
  [web] proxy_after (4 s here) has passed without a decision, with links
  of their own, and releases the mail from their link: it reaches its
  recipients once;
* an approver marked away (dlpctl approver away): the proxy is mailed at
  once (the history says why); `approver list` shows it; back again;
* [web] approver_link_password = yes: the approver's link asks for the
  password of the approver account it was sent to; a wrong one changes
  nothing, is an audit row, and the link still works with the right one;
* the justify link of a plain hold follows the same proxy rule: with the
  approver away the proxy is asked by the request itself; otherwise once
  proxy_after has passed since the request;
* groups (所属): dlpctl approver import with the CSV's 所属 column; a
  member's hold goes to the group's approver, who releases it;
* approvals per rule: a rule with approvals = 2 needs two approvers,
  another with approvals = 1 releases on one.
Without the browser: the link pages are GET and their forms POSTed over
HTTP, as test_web.py's bad-input cases do.
"""
import email
import email.policy
import http.client
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from lib import (BUILD, DLPCTL, Env, check, free_port, make_message, run, stop_process,
                 wait_port, wait_until)

WEB = os.path.join(BUILD, "dlp-web")
KAKARI = "kakari@example.go.jp"
KACHO, KACHO_PW = "kacho@example.go.jp", "approver-password-1"
JICHO = "jicho@example.go.jp"
FUTARI = "futari@example.go.jp"
KACHO2, KACHO2_PW = "kacho2@example.go.jp", "approver-password-2"
MEMBER, BOSS, BOSS_PROXY = "ippan@example.go.jp", "kakaricho@example.go.jp", "dairi@example.go.jp"
PROXY_AFTER = 4
RULES = """
[rule three_external]
when = external_visible >= 3 and external_visible < 5 and personal_items < 10
action = approve
approvals = 1
reason = 外部の宛先が3件以上あるため、上長の承認を求めます。
	Three or more external recipients: the sender's approver decides.

[rule two_external]
when = external_visible == 2 and personal_items < 10
action = approve
approvals = 2
reason = 外部の宛先が2件あるため、二人の承認を求めます。
	Two external recipients: two approvers decide.
"""
EXT3 = ["x1@partner.example.com", "x2@partner.example.com", "x3@other.example.net"]
EXT2 = ["y1@partner.example.com", "y2@other.example.net"]

env = web = None
port = pwport = None


def base():
    return "http://127.0.0.1:%d" % port


def status(iid):
    return json.loads(env.dlpctl("show", "--json", iid).stdout)["status"]


def history(iid):
    return env.register("SELECT actor, action, reason FROM audit WHERE incident = ? ORDER BY seq",
                        (iid,))


def approve_hold(sender, to=EXT3):
    before = {r["id"] for r in env.incidents()}
    code, text = env.send(make_message(sender, to, "承認のお願い", "資料を送ります。\n"))
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    new = [r for r in env.incidents() if r["id"] not in before]
    check(len(new) == 1 and new[0]["status"] == "held" and new[0]["action"] == "approve",
          "one new incident, held for approval: %r" % new, env)
    return new[0]["id"]


def notices(iid, kind, to):
    out = []
    for mail, rcpts, data in list(env.sink.messages):
        m = email.message_from_bytes(data, policy=email.policy.default)
        if m["X-DLP-Incident"] == iid and m["X-DLP-Notice"] == kind and to in rcpts:
            out.append(m.get_body(("plain",)).get_content())
    return out


def notice_text(iid, kind, to, timeout=40):
    check(wait_until(lambda: notices(iid, kind, to), timeout), "%s notice of %s to %s" %
          (kind, iid, to), env)
    return notices(iid, kind, to)[0]


def link_of(text, action):
    m = re.search(re.escape(base()) + r"/link/" + action + r"/[A-Za-z0-9_.-]+", text)
    check(m is not None, "a %s link in the notice:\n%s" % (action, text))
    return m.group(0)


def request(p, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", p, timeout=30)
    h = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    out = (r.status, r.read().decode("utf-8", "replace"))
    c.close()
    return out


def use_link(url, fields=None, p=None):
    """GET the link's page, POST its form (with fields): (GET page, status, POST page)."""
    p = p or port
    path = url[len(base()):]
    code, page = request(p, "GET", path)
    check(code == 200, "the link's page (%d): %s" % (code, page[:300]))
    form = re.search(r'name="form" value="([0-9a-f]{64})"', page)
    check(form is not None, "the page has its form")
    body = "form=" + form.group(1)
    for k, v in (fields or {}).items():
        body += "&%s=%s" % (k, __import__("urllib.parse").parse.quote(v))
    code, out = request(p, "POST", path, body)
    return page, code, out


def released_copies(iid):
    tokens = [r["reason"] for r in env.register(
        "SELECT reason FROM audit WHERE incident = ? AND action = 'release sent as'", (iid,))]
    tags = [("X-DLP-Released: %s\r\n" % t).encode() for t in tokens if t]
    return [sorted(r) for m, r, d in list(env.sink.messages) if any(t in d for t in tags)]


def check_released_once(iid, to):
    check(wait_until(lambda: released_copies(iid), 30), "the message reached its recipients", env)
    time.sleep(1)
    got = released_copies(iid)
    check(len(got) == 1 and got[0] == sorted(to), "once, to its recipients: %r" % got)


# --- tests -----------------------------------------------------------------
def test_proxy_after_time():
    iid = approve_hold(KAKARI)
    notice_text(iid, "approval", KACHO)
    check(not notices(iid, "approval", JICHO), "the proxy is not asked first")
    text = notice_text(iid, "approval", JICHO, timeout=PROXY_AFTER + 40)
    asked = [r for r in history(iid) if r["action"] == "proxy asked"]
    check(len(asked) == 1 and "no decision in time" in asked[0]["reason"],
          "the history says the proxy was asked, and why: %r" % asked)
    url = link_of(text, "approve")
    check("approve/" in url and url != link_of(notice_text(iid, "approval", KACHO), "approve"),
          "the proxy's own link")
    page, code, out = use_link(url, {"reason": "代理で承認します"})
    check(code == 200 and status(iid) == "released", "the proxy approved from their link: "
          "%d %s" % (code, status(iid)))
    check_released_once(iid, EXT3)
    rows = [r for r in history(iid) if r["actor"] == "approver:" + JICHO]
    check(rows, "the proxy's decision is in the history as approver:%s" % JICHO)
    time.sleep(PROXY_AFTER + 2)
    check(len(notices(iid, "approval", JICHO)) == 1, "the proxy was asked once")


def test_away_asks_proxy_at_once():
    r = env.dlpctl("approver", "away", KACHO, "--until", "2099-12-31")
    check(r.returncode == 0 and "away" in r.stdout, "dlpctl approver away: " + r.stdout + r.stderr)
    listed = env.dlpctl("approver", "list").stdout
    check(re.search(r"away\s+" + re.escape(KACHO) + r"\s+until 2099-12-31", listed) and
          re.search(re.escape(KACHO) + r"\s+approver\s+away", listed),
          "approver list shows the absence:\n" + listed)
    try:
        iid = approve_hold(KAKARI)
        notice_text(iid, "approval", JICHO, timeout=30)
        asked = [r for r in history(iid) if r["action"] == "proxy asked"]
        check(len(asked) == 1 and ("%s away" % KACHO) in asked[0]["reason"],
              "asked at once because the approver is away: %r" % asked)
        env.dlpctl("delete", iid)
    finally:
        r = env.dlpctl("approver", "back", KACHO)
    check(r.returncode == 0, "dlpctl approver back")
    listed = env.dlpctl("approver", "list").stdout
    check("away" not in listed, "back: no longer listed away:\n" + listed)


EXT10 = ["h%d@partner%d.example.com" % (i, i % 3) for i in range(10)]


def plain_hold(subject):
    """A hold of the shipped mass_recipients rule (not an approve) by
    KAKARI, and the justify link of its hold notice."""
    before = {r["id"] for r in env.incidents()}
    code, text = env.send(make_message(KAKARI, EXT10, subject, "案内です。\n"))
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    new = [r for r in env.incidents() if r["id"] not in before]
    check(len(new) == 1 and new[0]["status"] == "held" and new[0]["action"] == "hold",
          "one new plain hold: %r" % new, env)
    iid = new[0]["id"]
    return iid, link_of(notice_text(iid, "hold", KAKARI), "justify")


def asked_rows(iid):
    return env.register("SELECT time, reason FROM audit WHERE incident = ? AND action ="
                        " 'proxy asked'", (iid,))


def requested_at(iid):
    rows = env.register("SELECT time FROM audit WHERE incident = ? AND action ="
                        " 'release requested'", (iid,))
    check(len(rows) == 1, "one release request in the history: %r" % rows)
    return rows[0]["time"]


def test_justify_away_proxy_at_once():
    """The sender justifies a plain hold while the approver is away: the
    proxy is asked by the request itself (the rule of an approve hold),
    with the sender's reason, and releases it from their own link."""
    r = env.dlpctl("approver", "away", KACHO)
    check(r.returncode == 0, "dlpctl approver away: " + r.stdout + r.stderr)
    try:
        iid, url = plain_hold("理由を添えて (不在)")
        page, code, out = use_link(url, {"reason": "至急の案件です"})
        check(code == 200 and "承認者に依頼しました" in out, "requested: %d %s" % (code, out[:300]))
        # no wait: the request asked the proxy before its page came back
        asked = asked_rows(iid)
        check(len(asked) == 1 and ("%s away" % KACHO) in asked[0]["reason"],
              "the proxy asked with the request, because the approver is away: %r" % asked)
        text = notice_text(iid, "approval", JICHO, timeout=30)
        check("至急の案件です" in text, "the proxy's request carries the reason:\n" + text)
        notice_text(iid, "approval", KACHO, timeout=30)
        page, code, out = use_link(link_of(text, "approve"), {"reason": "代理で承認"})
        check(code == 200 and status(iid) == "released", "the proxy's link released it: %d %s"
              % (code, status(iid)))
        check_released_once(iid, EXT10)
        check(len(asked_rows(iid)) == 1 and len(notices(iid, "approval", JICHO)) == 1,
              "the proxy was asked once")
    finally:
        r = env.dlpctl("approver", "back", KACHO)
    check(r.returncode == 0, "dlpctl approver back")


def test_justify_proxy_after():
    """Not away: the approver is asked at once, the proxy only once
    proxy_after has passed since the request (by the milter's notifier)."""
    iid, url = plain_hold("理由を添えて (期限)")
    page, code, out = use_link(url, {"reason": "確認をお願いします"})
    check(code == 200, "requested: %d %s" % (code, out[:300]))
    check(not asked_rows(iid), "the proxy is not asked with the request")
    text = notice_text(iid, "approval", KACHO, timeout=30)
    check("確認をお願いします" in text, "the approver's request has the reason")
    check(not notices(iid, "approval", JICHO), "nor mailed before proxy_after")
    text = notice_text(iid, "approval", JICHO, timeout=PROXY_AFTER + 40)
    check("確認をお願いします" in text, "the proxy's request has the reason:\n" + text)
    asked = asked_rows(iid)
    check(len(asked) == 1 and "no decision in time" in asked[0]["reason"] and
          asked[0]["time"] - requested_at(iid) >= PROXY_AFTER,
          "asked for the time, proxy_after after the request: %r" % asked)
    env.dlpctl("delete", iid)


def test_link_password():
    pconf = env.conf_variant("pw.conf", {("web", "listen"): "127.0.0.1:%d" % pwport,
                                         ("web", "approver_link_password"): "yes"})
    proc = subprocess.Popen([WEB, "-f", "-c", pconf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=env.tmp)
    try:
        check(wait_port(pwport), "a dlp-web with approver_link_password = yes")
        iid = approve_hold(KAKARI)
        url = link_of(notice_text(iid, "approval", KACHO), "approve")
        page, code, out = use_link(url, {"password": "not-the-password"}, p=pwport)
        check('type="password"' in page and KACHO in page, "the page asks for the password of "
              "the approver account %s" % KACHO)
        check(code == 401 and "パスワードが違います" in out, "a wrong password: 401 (%d)" % code)
        check(status(iid) == "held", "nothing changed")
        rows = env.register("SELECT actor, action FROM web_audit WHERE incident = ?", (iid,))
        check(any(r["action"] == "link password failed" and r["actor"] == "approver:" + KACHO
                  for r in rows), "the failure is an audit row: %r" % rows)
        page, code, out = use_link(url, {}, p=pwport)
        check(code == 401 and status(iid) == "held", "no password: refused too (%d)" % code)
        page, code, out = use_link(url, {"password": KACHO_PW}, p=pwport)
        check(code == 200 and status(iid) == "released", "the right password: released "
              "(%d %s)" % (code, status(iid)))
        check_released_once(iid, EXT3)
        # the default (no): no password asked
        iid = approve_hold(KAKARI)
        url = link_of(notice_text(iid, "approval", KACHO), "approve")
        page, code, out = use_link(url, {})
        check('type="password"' not in page and code == 200 and status(iid) == "released",
              "approver_link_password = no: the link alone decides")
    finally:
        stop_process(proc)


def test_group_import():
    csv = os.path.join(env.tmp, "staff.csv")
    with open(csv, "w", encoding="utf-8-sig", newline="") as f:
        f.write("所属,職員アドレス,承認者,代理承認者\r\n"
                "文書課,%s,%s,%s\r\n"
                "文書課,other-member@example.go.jp,%s,%s\r\n" % (MEMBER, BOSS, BOSS_PROXY, BOSS,
                                                              BOSS_PROXY))
    r = env.dlpctl("approver", "import", csv)
    check(r.returncode == 0 and "1 group" in r.stdout and "2 members" in r.stdout,
          "imported: " + r.stdout + r.stderr)
    listed = env.dlpctl("approver", "list", MEMBER).stdout
    check("group:文書課" in listed and BOSS in listed, "the member's approvers are the "
          "group's:\n" + listed)
    iid = approve_hold(MEMBER)
    text = notice_text(iid, "approval", BOSS)
    page, code, out = use_link(link_of(text, "approve"), {"reason": "確認済み"})
    check(code == 200 and status(iid) == "released", "the group's approver released it (%d)" %
          code)
    check_released_once(iid, EXT3)
    r = env.dlpctl("approver", "set", "group:文書課", KACHO, check=False)
    check(r.returncode == 0, "approver set group:NAME: " + r.stderr)
    check(KACHO in env.dlpctl("approver", "list", MEMBER).stdout, "set on the group: the "
          "member's approver changes")


def test_approvals_per_rule():
    r = env.dlpctl("approver", "set", FUTARI, KACHO, KACHO2)
    check(r.returncode == 0, "two approvers for futari")
    two = approve_hold(FUTARI, EXT2)
    inc = json.loads(env.dlpctl("show", "--json", two).stdout)
    check([x.get("approvals") for x in inc["rules"]] == [2], "the incident remembers it "
          "needs 2: %r" % inc["rules"])
    first = link_of(notice_text(two, "approval", KACHO), "approve")
    second = link_of(notice_text(two, "approval", KACHO2), "approve")
    page, code, out = use_link(first)
    check(code == 200 and "記録しました" in out and status(two) == "held",
          "approvals = 2: one approval is recorded, the mail waits (%d)" % code)
    page, code, out = use_link(second)
    check(status(two) == "released", "the second approver releases it: %s" % status(two))
    check_released_once(two, EXT2)
    one = approve_hold(FUTARI, EXT3)
    page, code, out = use_link(link_of(notice_text(one, "approval", KACHO), "approve"))
    check(code == 200 and status(one) == "released", "approvals = 1 (the other rule): one "
          "approval releases (%d %s)" % (code, status(one)))
    check_released_once(one, EXT3)


def setup():
    global env, web, port, pwport
    env = Env(conf_extra=RULES)
    port, pwport = free_port(), free_port()
    env.set_conf("web", "listen", "127.0.0.1:%d" % port)
    env.set_conf("web", "base_url", "http://127.0.0.1:%d/" % port)
    env.set_conf("web", "proxy_after", "%ds" % PROXY_AFTER)
    env.use_release_port()
    env.__enter__()
    for name, pw in ((KACHO, KACHO_PW), (KACHO2, KACHO2_PW)):
        r = subprocess.run([DLPCTL, "-c", env.milter.conf, "user", "add", name, "--role",
                            "approver"], input=pw + "\n", capture_output=True, text=True,
                           cwd=env.tmp)
        check(r.returncode == 0, "dlpctl user add %s: %s" % (name, r.stderr))
    r = env.dlpctl("approver", "set", KAKARI, KACHO, "--proxy", JICHO)
    check(r.returncode == 0, "dlpctl approver set")
    logf = open(os.path.join(env.tmp, "web.log"), "ab")
    web = subprocess.Popen([WEB, "-f", "-c", env.milter.conf], stdout=logf, stderr=logf,
                           cwd=env.tmp)
    logf.close()
    check(wait_port(port), "dlp-web listens")


def teardown():
    stop_process(web)
    if env:
        env.close()


if __name__ == "__main__":
    try:
        setup()
        rc = run([
            ("the proxy approver after proxy_after, from their own link", test_proxy_after_time),
            ("an approver away: the proxy at once; back", test_away_asks_proxy_at_once),
            ("justify a plain hold, approver away: the proxy at once",
             test_justify_away_proxy_at_once),
            ("justify a plain hold: the proxy after proxy_after", test_justify_proxy_after),
            ("approver_link_password: wrong refused, right accepted", test_link_password),
            ("groups from the CSV's 所属: the group's approver", test_group_import),
            ("approvals per rule: 2 needs two, 1 releases on one", test_approvals_per_rule),
        ])
    finally:
        teardown()
    sys.exit(rc)
