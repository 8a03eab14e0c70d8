"""End to end: dlp-web, the console, in a real browser (Debian's headless
chromium over the DevTools protocol, cdp.py), beside dlp-milter and the
private Postfix of lib.Env.

Held mail comes in through Postfix; its hold notice arrives at the sink
with the sender's signed links; the console is driven like a person would:
sign in, the queue (a subject `<script>…` shows as text and runs nothing),
an incident, release with a reason (the message reaches its recipients,
once, through the checked release path), sign out; an auditor sees no
decide button and a forged POST is refused; a POST without the CSRF token
is refused; the cancel link of the notice: a GET changes nothing, the
form's POST deletes the message, the second use gets the "already used"
page; an altered link gets the "not valid" page; the justify link records
the sender's reason.  Without the browser: bad input (too long, not a
form, a path outside the site, another method), a session cookie that is
not one, and the sign-in rate limit.  Screenshots of the queue and the
incident page go to build/web-queue.png and build/web-incident.png.
"""
import email
import email.policy
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from lib import (BUILD, DLPCTL, Env, check, conf_set, free_port, make_message, people,
                 people_csv, run, stop_process, wait_port, wait_until)

WEB = os.path.join(BUILD, "dlp-web")
SENDER = "kakari@example.go.jp"
TO = ["a@partner.example.com", "b@other.example.net"]
ADMIN_PW = "admin-password-1"
AUDIT_PW = "auditor-password-1"
KACHO = "kacho@example.go.jp"
KACHO_PW = "approver-password-1"
OTHER = "betsu@example.go.jp"		# a sender kacho does not approve for
APPROVE_RULE = """
[rule three_external]
when = external_visible >= 3 and external_visible < 5 and personal_items < 10
action = approve
reason = 外部の宛先が3件以上あるため、上長の承認を求めます。
	Three or more external recipients: the sender's approver decides.

[rule many_visible]
when = external_visible >= 5 and external_visible < 10 and personal_items < 10
action = bcc
reason = 外部の宛先が To/Cc に見えるため、BCC に変換して送信しました。
	External addresses were visible in To/Cc: they were moved to Bcc.
"""
EXT3 = ["x1@partner.example.com", "x2@partner.example.com", "x3@other.example.net"]
XSS = "<script>window.__pwned=1</script><b>名簿</b> & \"quotes\""

env = web = browser = None
port = None


def base():
    return "http://127.0.0.1:%d" % port


def status(iid):
    r = env.dlpctl("show", "--json", iid)
    return json.loads(r.stdout)["status"]


def hold(subject):
    """Send a message that personal_data_volume holds; its incident id."""
    before = {r["id"] for r in env.incidents()}
    msg = make_message(SENDER, TO, subject, "名簿を送ります。\n",
                       attachments=[("meibo.csv", people_csv(people(49)), "text", "csv")])
    code, text = env.send(msg)
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    new = [r for r in env.incidents() if r["id"] not in before]
    check(len(new) == 1 and new[0]["status"] == "held", "one new held incident", env)
    return new[0]["id"]


def approve_hold(sender=SENDER):
    """Send a message that only three_external (action approve) holds."""
    before = {r["id"] for r in env.incidents()}
    code, text = env.send(make_message(sender, EXT3, "承認のお願い", "資料を送ります。\n"))
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    new = [r for r in env.incidents() if r["id"] not in before]
    check(len(new) == 1 and new[0]["status"] == "held" and new[0]["action"] == "approve",
          "one new incident, held for approval: %r" % new, env)
    return new[0]["id"]


def notice_text(iid, kind="hold", timeout=40, to=None):
    """The text of the notice of kind for incident iid at the sink."""
    def find():
        for mail, rcpts, data in list(env.sink.messages):
            m = email.message_from_bytes(data, policy=email.policy.default)
            if m["X-DLP-Incident"] == iid and m["X-DLP-Notice"] == kind and (
                    to is None or to in rcpts):
                return m.get_body(("plain",)).get_content()
        return None
    check(wait_until(lambda: find() is not None, timeout), "%s notice of %s" % (kind, iid), env)
    return find()


def link_of(text, action):
    m = re.search(re.escape(base()) + r"/link/" + action + r"/[A-Za-z0-9_.-]+", text)
    check(m is not None, "a %s link in the notice:\n%s" % (action, text))
    return m.group(0)


def sign_in(name, pw):
    browser.clear_cookies()
    browser.goto(base() + "/signin")
    browser.fill("#name", name)
    browser.fill("#password", pw)
    browser.click("#go")


def request(method, path, body=None, cookie=None, ctype="application/x-www-form-urlencoded"):
    """(status, headers, text) of one request without the browser."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = ctype
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    out = (r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    c.close()
    return out


def post_form(path, fields):
    """Submit a form built in the page (same origin, the browser's cookies)."""
    browser.eval("""(() => { const f = document.createElement('form');
        f.method = 'post'; f.action = %s;
        for (const [k, v] of Object.entries(%s)) {
            const i = document.createElement('input'); i.type = 'hidden'; i.name = k;
            i.value = v; f.appendChild(i); }
        document.body.appendChild(f); window.__dlp_form = f; })()""" % (
        json.dumps(path), json.dumps(fields)))
    marker = "m%d" % time.time_ns()
    browser.eval("window.__dlp_old = '%s'" % marker)
    browser.eval("window.__dlp_form.submit()")
    check(browser.wait("window.__dlp_old !== '%s'" % marker), "the form's answer came")


def session_cookie():
    cookies = browser.call("Network.getCookies", urls=[base() + "/"])["cookies"]
    return "; ".join("%s=%s" % (c["name"], c["value"]) for c in cookies
                     if c["name"] == "dlp_session")


def released_copies(iid, actor):
    """Sink transactions carrying a release token that the audit trail ties
    to incident iid and actor (rows 'release sent as')."""
    tokens = [r["reason"] for r in env.register(
        "SELECT reason FROM audit WHERE incident = ? AND action = 'release sent as'"
        " AND actor = ?", (iid, actor))]
    tags = [("X-DLP-Released: %s\r\n" % t).encode() for t in tokens if t]
    return [sorted(r) for m, r, d in list(env.sink.messages) if any(t in d for t in tags)]


def audit_rows():
    return env.register("SELECT actor, action, incident, detail FROM web_audit ORDER BY seq")


# --- tests -----------------------------------------------------------------
def test_signin():
    sign_in("alice", "wrong-password-x")
    check(browser.path() == "/signin", "a wrong password stays on the sign-in page")
    check("違います" in (browser.text("#msg") or ""), "a wrong password is said: %r" %
          browser.text("#msg"))
    sign_in("alice", ADMIN_PW)
    check(browser.path() == "/queue", "signed in, at the queue: %s" % browser.path())
    check(browser.text("#who") == "alice (admin)", "the user shown: %r" % browser.text("#who"))
    cookies = browser.call("Network.getCookies", urls=[base() + "/"])["cookies"]
    sess = [c for c in cookies if c["name"] == "dlp_session"]
    check(len(sess) == 1 and sess[0]["httpOnly"] and sess[0]["sameSite"] == "Strict",
          "session cookie HttpOnly, SameSite=Strict: %r" % sess)
    check(browser.eval("document.cookie").find("dlp_session") < 0,
          "the session cookie is out of the page's reach")
    rows = audit_rows()
    check(any(r["actor"] == "web:alice" and r["action"] == "sign-in failed" for r in rows) and
          any(r["actor"] == "web:alice" and r["action"] == "sign-in" for r in rows),
          "sign-in and the failure are audit rows: %r" % rows)


def test_queue_escapes_subject():
    iid = hold(XSS)
    sign_in("alice", ADMIN_PW)
    browser.goto(base() + "/queue")
    row = browser.eval("""(() => { for (const tr of document.querySelectorAll('#queue tr.inc'))
        if (tr.querySelector('a').textContent === %s)
            return {subject: tr.querySelector('td.subject').textContent,
                    html: tr.querySelector('td.subject').innerHTML,
                    tags: tr.querySelector('td.subject').children.length};
        return null; })()""" % json.dumps(iid))
    check(row is not None, "the held mail is in the queue")
    check(row["subject"] == XSS, "the subject shows as text: %r" % row)
    check(row["tags"] == 0 and "&lt;script&gt;" in row["html"], "no element made from the "
          "subject: %r" % row)
    check(browser.eval("typeof window.__pwned") == "undefined", "the subject's script did not run")
    check(browser.eval("document.querySelectorAll('script').length") == 0, "no script on the page")
    browser.screenshot(os.path.join(BUILD, "web-queue.png"))
    browser.goto(base() + "/incident/" + iid)
    check(browser.text("#subject") == XSS, "the incident page shows the subject as text")
    check(browser.eval("typeof window.__pwned") == "undefined", "nothing ran on the incident page")


def test_message_content():
    before = {r["id"] for r in env.incidents()}
    msg = make_message(SENDER, ["a@partner.example.com"], "内容の確認",
                       "本文です <b>太字ではない</b>\n", cc=["c@other.example.net"],
                       attachments=[("meibo.csv", people_csv(people(49)), "text", "csv")])
    code, _ = env.send(msg, rcpts=["a@partner.example.com", "c@other.example.net",
                                   "hidden@third.example.org"])
    check(code == 250, "held", env)
    iid = [r for r in env.incidents() if r["id"] not in before][0]["id"]
    sign_in("alice", ADMIN_PW)
    browser.goto(base() + "/incident/" + iid)
    marks = browser.eval("[...document.querySelectorAll('#rcpt li')].map(l => l.textContent)")
    check(sorted(marks) == ["Bcc hidden@third.example.org", "Cc c@other.example.net",
                            "To a@partner.example.com"], "recipients marked To/Cc/Bcc: %r" % marks)
    browser.click("#content")
    texts = browser.eval("[...document.querySelectorAll('pre.text')].map(p => p.textContent)")
    check(any("本文です <b>太字ではない</b>" in t for t in texts), "the body, decoded, as "
          "text: %r" % texts)
    check(any("090-" in t for t in texts), "the CSV part's text is shown")
    check(browser.eval("document.querySelectorAll('#parts b').length") == 0, "nothing from the "
          "mail became an element")
    check(any(r["action"] == "message viewed" and r["incident"] == iid for r in audit_rows()),
          "the content view is an audit row")


def test_csrf_refused():
    iid = hold("CSRF check")
    sign_in("alice", ADMIN_PW)
    browser.goto(base() + "/incident/" + iid)
    check(browser.eval("document.querySelectorAll('#release').length") == 1,
          "the admin has a release button")
    post_form("/incident/%s/release" % iid, {"reason": "forged"})
    check("トークン" in (browser.text("#msg") or ""), "the browser's POST without a token is "
          "refused: %r" % browser.text("#msg"))
    browser.goto(base() + "/incident/" + iid)
    post_form("/incident/%s/release" % iid, {"reason": "forged", "csrf": "0" * 64})
    check("トークン" in (browser.text("#msg") or ""), "and with a wrong token")
    for body in ("reason=forged", "reason=forged&csrf=" + "0" * 64, "reason=forged&csrf="):
        code, _, _ = request("POST", "/incident/%s/release" % iid, body,
                             cookie=session_cookie())
        check(code == 403, "a POST with the session but not its token: 403 (%d)" % code)
    check(status(iid) == "held", "nothing changed: %s" % status(iid))
    check(any(r["action"] == "refused: no CSRF token" and r["incident"] == iid
              for r in audit_rows()), "the refusal is an audit row")


def test_release_from_page():
    iid = hold("release from the console")
    sign_in("alice", ADMIN_PW)
    browser.goto(base() + "/incident/" + iid)
    check(browser.text("#status") == "held", "the page says held")
    browser.screenshot(os.path.join(BUILD, "web-incident.png"))
    browser.fill("#form-release textarea", "上長確認済み / checked")
    browser.click("#release")
    check("released" in (browser.text("#msg") or ""), "the page says released: %r" %
          browser.text("#msg"))
    check(status(iid) == "released", "the register says released: %s" % status(iid))

    def arrived():
        return released_copies(iid, "web:alice")
    check(wait_until(lambda: arrived(), 30), "the message reached the sink", env)
    time.sleep(1)
    check(arrived() == [sorted(TO)], "once, to every recipient: %r" % arrived())
    hist = env.dlpctl("show", iid).stdout
    check("web:alice" in hist and "上長確認済み" in hist, "the history names the actor and "
          "the reason:\n" + hist)
    check(any(r["action"] == "viewed" and r["incident"] == iid and r["actor"] == "web:alice"
              for r in audit_rows()), "the view of the incident is an audit row")


def test_auditor_reads_only():
    iid = hold("auditor check")
    sign_in("audrey", AUDIT_PW)
    check(browser.text("#who") == "audrey (auditor)", "auditor signed in")
    browser.goto(base() + "/incident/" + iid)
    check(browser.text("#id") == iid, "the auditor reads the incident")
    check(browser.eval("document.querySelectorAll('#release, #delete, form[id^=form-]').length")
          == 0, "no decide button for an auditor")
    csrf = browser.eval("document.querySelector('input[name=csrf]').value")
    code, _, _ = request("POST", "/incident/%s/delete" % iid, "reason=x&csrf=" + csrf,
                         cookie=session_cookie())
    check(code == 403, "the auditor's forged POST (with a valid token) is refused: %r" % code)
    post_form("/incident/%s/release" % iid, {"reason": "x", "csrf": csrf})
    check("権限" in (browser.text("h1") or ""), "in the browser too: %r" % browser.text("h1"))
    browser.goto(base() + "/incident/" + iid)
    check(status(iid) == "held", "nothing changed")
    browser.click("#signout")
    check(browser.path() == "/signin", "signed out")
    browser.goto(base() + "/queue")
    check(browser.path() == "/signin", "after sign-out the queue asks for a sign-in")


def test_cancel_link_once():
    iid = hold("cancel by link")
    text = notice_text(iid)
    check("送信を取り消す" in text and "理由を添えて承認を依頼する" in text,
          "the notice offers both links:\n" + text)
    url = link_of(text, "cancel")
    browser.clear_cookies()
    browser.goto(url)
    check(browser.eval("!!document.querySelector('#go')"), "the link shows a page with a form")
    check(browser.text("#id") == iid, "for the incident")
    check(status(iid) == "held", "a GET changes nothing")
    browser.click("#go")
    check("取り消しました" in (browser.text("h1") or ""), "cancelled: %r" % browser.text("h1"))
    check(status(iid) == "deleted", "the message is deleted: %s" % status(iid))
    browser.goto(url)
    check("使用済み" in (browser.text("#msg") or ""), "the second use: already used: %r" %
          browser.text("#msg"))
    code, _, body = request("POST", urllib.parse.urlsplit(url).path, "form=" + "0" * 64)
    check(code == 410 and "already used" in body, "a replayed POST: 410 already used (%d)" % code)
    check(status(iid) == "deleted", "still deleted")
    notice_text(iid, "deleted")


def test_altered_link():
    iid = hold("altered link")
    url = link_of(notice_text(iid), "cancel")
    token = url.rsplit("/", 1)[1]
    i = len(token) // 3
    bad = url[:-len(token)] + token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    browser.clear_cookies()
    browser.goto(bad)
    check("正しくありません" in (browser.text("#msg") or ""), "an altered link: not valid: %r" %
          browser.text("#msg"))
    code, _, _ = request("POST", urllib.parse.urlsplit(bad).path, "form=" + "0" * 64)
    check(code == 400, "its POST: 400 (%d)" % code)
    wrong = url.replace("/link/cancel/", "/link/justify/")
    code, _, _ = request("GET", urllib.parse.urlsplit(wrong).path)
    check(code == 400, "a cancel token on the justify page: 400 (%d)" % code)
    code, _, body = request("POST", urllib.parse.urlsplit(url).path, "form=" + "0" * 64)
    check(code == 403, "the right link without the page's form token: 403 (%d)" % code)
    check(status(iid) == "held", "nothing changed: %s" % status(iid))


def test_justify_link():
    iid = hold("justify by link")
    url = link_of(notice_text(iid), "justify")
    browser.clear_cookies()
    browser.goto(url)
    browser.fill("#reason", "取引先への定例送付です <b>至急</b>")
    browser.click("#go")
    check("依頼しました" in (browser.text("h1") or ""), "requested: %r" % browser.text("h1"))
    check(status(iid) == "held", "still held, for the approver")
    hist = env.dlpctl("show", iid).stdout
    check("release requested" in hist and "定例送付" in hist, "the reason is in the history:\n" +
          hist)
    sign_in("alice", ADMIN_PW)
    browser.goto(base() + "/incident/" + iid)
    check(browser.eval("document.querySelector('#history').innerHTML.indexOf('&lt;b&gt;至急') >= 0"),
          "the reason shows escaped in the history")
    browser.goto(url)
    check("使用済み" in (browser.text("#msg") or ""), "used once")


def test_approve_link():
    iid = approve_hold()
    notice_text(iid, "hold")
    text = notice_text(iid, "approval", to=KACHO)
    check("承認依頼" in text or "承認" in text, "an approval request:\n" + text)
    url = link_of(text, "approve")
    link_of(text, "reject")
    browser.clear_cookies()
    browser.goto(url)
    check(browser.text("#sender") == SENDER and status(iid) == "held",
          "the approver's page names the sender; the GET changed nothing")
    browser.fill("#reason", "確認しました")
    browser.click("#go")
    check("承認" in (browser.text("h1") or ""), "approved: %r" % browser.text("h1"))
    check(status(iid) == "released", "released: %s" % status(iid))

    def arrived():
        return released_copies(iid, "approver:" + KACHO)
    check(wait_until(lambda: arrived(), 30), "the message reached its recipients", env)
    time.sleep(1)
    check(len(arrived()) == 1 and sorted(arrived()[0]) == sorted(EXT3), "once: %r" % arrived())
    notice_text(iid, "released")
    browser.goto(url)
    check("使用済み" in (browser.text("#msg") or ""), "the approve link works once")


def test_reject_link_and_removed_approver():
    iid = approve_hold()
    text = notice_text(iid, "approval", to=KACHO)
    browser.clear_cookies()
    browser.goto(link_of(text, "reject"))
    browser.click("#go")
    check(status(iid) == "deleted", "rejected: deleted (%s)" % status(iid))
    notice_text(iid, "deleted")
    iid = approve_hold()
    url = link_of(notice_text(iid, "approval", to=KACHO), "approve")
    env.dlpctl("approver", "set", SENDER, "bucho@example.go.jp")
    try:
        browser.goto(url)
        check("承認者ではありません" in (browser.text("#msg") or ""),
              "a link of a former approver: refused: %r" % browser.text("#msg"))
        check(status(iid) == "held", "nothing changed")
    finally:
        env.dlpctl("approver", "set", SENDER, KACHO)


def test_approver_console():
    mine = approve_hold()
    theirs = approve_hold(OTHER)
    sign_in(KACHO, KACHO_PW)
    check(browser.text("#who") == KACHO + " (approver)", "the approver signed in")
    ids = browser.eval("[...document.querySelectorAll('#queue tr.inc a')].map(a => a.textContent)")
    check(mine in ids and theirs not in ids, "the approver's queue: their senders' holds only: "
          "%r" % ids)
    browser.goto(base() + "/incident/" + theirs)
    check(browser.text("#id") is None, "another sender's hold is not shown")
    csrf = browser.eval("document.querySelector('input[name=csrf]').value")
    code, _, _ = request("POST", "/incident/%s/release" % theirs, "csrf=" + csrf,
                         cookie=session_cookie())
    check(code == 403 and status(theirs) == "held", "nor decided by them (%d)" % code)
    browser.goto(base() + "/incident/" + mine)
    browser.fill("#form-release textarea", "承認")
    browser.click("#release")
    check(status(mine) == "released", "the approver approved from the console: %s" % status(mine))


def test_justify_reaches_approver():
    iid = hold("justify to the approver")
    url = link_of(notice_text(iid), "justify")
    browser.clear_cookies()
    browser.goto(url)
    browser.fill("#reason", "定例の名簿送付です")
    browser.click("#go")
    text = notice_text(iid, "approval", to=KACHO)
    check("定例の名簿送付です" in text, "the approver gets the request with the reason:\n" + text)
    browser.goto(link_of(text, "approve"))
    check("定例の名簿送付です" in (browser.text("#requests") or ""),
          "the approver's page shows the sender's reason")


def test_two_person_rule():
    """[web] approvals = 2 (in the milter's config when the mail is held: the
    incident remembers it): one approval is recorded and the mail waits; a
    second approver releases it."""
    futari, k2, k2pw = "futari@example.go.jp", "kacho2@example.go.jp", "approver-password-2"
    env.dlpctl("approver", "set", futari, KACHO, k2)
    r = subprocess.run([DLPCTL, "-c", env.milter.conf, "user", "add", k2, "--role", "approver"],
                       input=k2pw + "\n", capture_output=True, text=True, cwd=env.tmp)
    check(r.returncode == 0, "approver 2 added: " + r.stderr)

    def milter_approvals(n):
        with open(env.milter.conf, encoding="utf-8") as f:
            text = f.read()
        with open(env.milter.conf, "w", encoding="utf-8") as f:
            f.write(conf_set(text, "web", "approvals", str(n)))
        start = env.milter.log_size()
        env.milter.signal(signal.SIGHUP)
        check(env.milter.wait_log("configuration reloaded", 15, start), "milter reloaded", env)
    milter_approvals(2)
    try:
        iid = approve_hold(futari)
    finally:
        milter_approvals(1)
    first = link_of(notice_text(iid, "approval", to=KACHO), "approve")
    second = link_of(notice_text(iid, "approval", to=k2), "approve")
    sign_in("alice", ADMIN_PW)
    browser.goto(base() + "/incident/" + iid)
    check(browser.text("#approvals") == "2", "the incident page: 2 approvals needed (%r)" %
          browser.text("#approvals"))
    browser.clear_cookies()
    browser.goto(first)
    browser.click("#go")
    check("記録しました" in (browser.text("h1") or ""), "one approval recorded: %r" %
          browser.text("h1"))
    check(status(iid) == "held", "still held after one approval (the config is back to 1: "
          "the incident remembers 2)")
    browser.goto(second)
    browser.click("#go")
    check(status(iid) == "released", "released after the second: %s" % status(iid))
    hist = env.dlpctl("show", iid).stdout
    check(hist.count("approved") >= 2 and "approver:" + k2 in hist, "both approvals in "
          "the history:\n" + hist)


def test_bcc_action():
    """action = bcc: the message goes out at once, to every envelope
    recipient, with no external address in To or Cc; internal ones stay."""
    ext = ["p%d@partner%d.example.com" % (i, i % 3) for i in range(6)]
    internal = "douryou@example.go.jp"
    msg = make_message(SENDER, ext[:4] + [internal], "BCC 変換", "ご案内です。\n", cc=ext[4:])
    before = len(env.sink.messages)
    code, text = env.send(msg)
    check(code == 250, "accepted: %d %s" % (code, text), env)
    check(wait_until(lambda: any(ext[0] in r for m, r, d in list(env.sink.messages)[before:]),
                     30), "the message arrived", env)
    got = [(r, d) for m, r, d in list(env.sink.messages)[before:] if ext[0] in r]
    check(len(got) == 1 and sorted(got[0][0]) == sorted(ext + [internal]),
          "once, to every envelope recipient: %r" % [g[0] for g in got])
    m = email.message_from_bytes(got[0][1], policy=email.policy.default)
    visible = " ".join(str(m.get_all(h) or "") for h in ("To", "Cc"))
    check(not any(a in visible for a in ext), "no external address in To/Cc: " + visible)
    check(internal in str(m["To"]) and m["Cc"] is None, "the internal one stays in To; the "
          "empty Cc is gone: To=%s Cc=%s" % (m["To"], m["Cc"]))
    check(m["X-DLP-Verdict"] is not None and "many_visible" in str(m["X-DLP-Rules"]),
          "tagged with the rule")
    msg = make_message(SENDER, ext[:5], "BCC 全部外部", "ご案内です。\n")
    before = len(env.sink.messages)
    code, _ = env.send(msg)
    check(code == 250 and wait_until(lambda: any(ext[0] in r for m, r, d in
                                                 list(env.sink.messages)[before:]), 30),
          "the second arrived", env)
    d = [d for m, r, d in list(env.sink.messages)[before:] if ext[0] in r][0]
    m = email.message_from_bytes(d, policy=email.policy.default)
    check("undisclosed-recipients" in str(m["To"]), "To: undisclosed-recipients:; (%s)" % m["To"])


def test_bad_input():
    code, hdrs, _ = request("GET", "/../../etc/passwd")
    check(code == 404, "a path outside the site: 404 (%d)" % code)
    code, _, _ = request("GET", "/incident/..%2f..%2fetc")
    check(code in (303, 404), "an odd incident path: no page (%d)" % code)
    code, _, _ = request("DELETE", "/queue")
    check(code == 405, "another method: 405 (%d)" % code)
    code, _, _ = request("POST", "/signin", "x" * 70000)
    check(code == 413, "a body too long: 413 (%d)" % code)
    code, _, _ = request("POST", "/signin", "name=" + "a" * 5000 + "&password=x")
    check(code == 413, "a field too long: 413 (%d)" % code)
    code, _, _ = request("POST", "/signin", '{"name": "alice"}', ctype="application/json")
    check(code == 400, "not a form: 400 (%d)" % code)
    code, hdrs, _ = request("GET", "/queue", cookie="dlp_session=" + "A" * 43)
    check(code == 303 and dict(hdrs).get("Location") == "/signin",
          "a made-up session cookie: sent to sign in (%d)" % code)
    code, _, _ = request("POST", "/incident/20261206-AAAAAA/release", "reason=x",
                         cookie="dlp_session=" + "A" * 43)
    check(code == 403, "a POST with a made-up session: 403 (%d)" % code)
    code, _, _ = request("POST", "/signin", "name=alice&password=" + ADMIN_PW)
    check(code == 403, "a sign-in POST without the form's token: 403 (%d)" % code)
    code, hdrs, _ = request("GET", "/signin")
    h = dict((k.lower(), v) for k, v in hdrs)
    check("frame-ancestors 'none'" in h.get("content-security-policy", "") and
          h.get("x-content-type-options") == "nosniff" and h.get("cache-control") == "no-store",
          "security headers: %r" % h)


def test_filters_csv_audit():
    iid = hold("=HYPERLINK(\"http://evil\") 経費")
    sign_in("alice", ADMIN_PW)
    cookie = session_cookie()
    code, _, body = request("GET", "/queue?status=all&sender=KAKARI%40example&rule="
                            "personal_data_volume", cookie=cookie)
    check(code == 200 and iid in body, "filtered by sender (any case) and rule")
    code, _, body = request("GET", "/queue?status=all&rule=no_such_rule", cookie=cookie)
    check(code == 200 and 'class="inc"' not in body, "an unmatched rule lists nothing")
    today = time.strftime("%Y-%m-%d")
    code, _, body = request("GET", "/queue?status=all&from=%s&to=%s" % (today, today),
                            cookie=cookie)
    check(code == 200 and iid in body, "today's period lists it")
    code, _, body = request("GET", "/queue?status=all&to=2000-01-01", cookie=cookie)
    check(code == 200 and iid not in body, "a period before it does not")
    for bad in ("status=nope", "page=0", "page=x", "from=2026-13-45", "rule=%3Cscript%3E",
                "sender=" + "a" * 400):
        code, _, _ = request("GET", "/queue?" + bad, cookie=cookie)
        check(code == 400, "bad filter %s: 400 (%d)" % (bad[:20], code))
    code, hdrs, body = request("GET", "/queue.csv?status=all&sender=kakari", cookie=cookie)
    h = dict((k.lower(), v) for k, v in hdrs)
    check(code == 200 and h["content-type"].startswith("text/csv") and
          "attachment" in h.get("content-disposition", ""), "CSV download: %r" % h)
    check(body.startswith("\ufeffid,created,sender,subject"), "CSV header with a BOM")
    line = [l for l in body.splitlines() if l.startswith(iid)][0]
    check("\"'=HYPERLINK(\"\"http://evil\"\") 経費\"" in line, "a formula is neutralised: " + line)
    browser.goto(base() + "/audit")
    actions = browser.eval("[...document.querySelectorAll('#audit td.action')].map(t => t.textContent)")
    check("sign-in" in actions and "queue exported" in actions, "the audit page: %r" % actions[:8])
    sign_in(KACHO, KACHO_PW)
    code, _, _ = request("GET", "/audit", cookie=session_cookie())
    check(code == 403, "an approver does not see the audit trail (%d)" % code)


def test_reports():
    hold("for the report")
    sign_in("audrey", AUDIT_PW)
    browser.goto(base() + "/report")
    month = time.strftime("%Y-%m")
    start = time.mktime(time.strptime(month + "-01", "%Y-%m-%d"))
    want = len([r for r in env.incidents() if r["created"] >= start])
    check(browser.text("#period") == month and int(browser.text("#total")) == want,
          "this month's report: %r %r, want %d" % (browser.text("#period"),
                                                   browser.text("#total"), want))
    bars = browser.eval("document.querySelectorAll('#chart-time rect.bar').length")
    check(bars >= 28, "a bar per day: %d" % bars)
    rules = browser.eval("document.querySelectorAll('#chart-rules rect.bar').length")
    check(rules >= 1, "a bar per rule: %d" % rules)
    check(browser.eval("document.querySelectorAll('script').length") == 0, "no script")
    fy = time.localtime().tm_year - (1 if time.localtime().tm_mon < 4 else 0)
    browser.goto(base() + "/report?fy=%d" % fy)
    check(browser.eval("document.querySelectorAll('#chart-time rect.bar').length") == 12,
          "the fiscal year: 12 bars")
    cookie = session_cookie()
    code, hdrs, body = request("GET", "/report.csv?month=" + month, cookie=cookie)
    check(code == 200 and body.startswith("\ufeff") and "personal_data_volume" in body,
          "the report as CSV (%d)" % code)
    for bad in ("month=2026-13", "month=x", "fy=1999", "fy=20x6"):
        code, _, _ = request("GET", "/report?" + bad, cookie=cookie)
        check(code == 400, "bad period %s: 400 (%d)" % (bad, code))
    browser.screenshot(os.path.join(BUILD, "web-report.png"))


def put_incidents(rows):
    """Insert incidents straight into the register: (id, created, sender,
    subject, rcpt list, attachment file names, rules list)."""
    con = __import__("sqlite3").connect(os.path.join(env.var, "incidents.db"), timeout=30)
    with con:
        con.executemany(
            "INSERT INTO incidents (id, created, sender, subject, recipients, rcpt, parts,"
            " action, status, updated, notices_planned, rules)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'hold', 'held', ?, 1, ?)",
            [(i, t, snd, subj, len(rc), json.dumps(rc),
              json.dumps([{"path": str(k + 2), "filename": f} for k, f in enumerate(files)],
                         ensure_ascii=False), t,
              json.dumps([{"name": n, "action": "hold", "reason": "-"} for n in rules]))
             for i, t, snd, subj, rc, files, rules in rows])
    con.close()


def drop_incidents(prefix):
    """Remove the incidents put_incidents made (the later tests count the
    held ones)."""
    con = __import__("sqlite3").connect(os.path.join(env.var, "incidents.db"), timeout=30)
    with con:
        con.execute("DELETE FROM incidents WHERE id LIKE ?", (prefix + "%",))
    con.close()


def queue_ids():
    return browser.eval("[...document.querySelectorAll('#queue tr.inc a')].map(a => a.textContent)")


def search(q, extra=""):
    """The ids the queue lists for search q (status all), through the form."""
    browser.goto(base() + "/queue?status=all" + extra)
    browser.fill("#q", q)
    browser.click("#show")
    return queue_ids()


def test_sort_by_column():
    """The column headers sort the queue (the register's ORDER BY): the
    sender ascending, any case, then descending on the second click; the
    order is marked and kept by the filter form, the paging and the CSV."""
    now = int(time.time())
    senders = ["Mori@example.go.jp", "abe@example.go.jp", "Kato@example.go.jp",
               "ueda@example.go.jp", "ito@example.go.jp", "Sato@example.go.jp"]
    put_incidents([("20200102-S%05d" % i, now - 600 - i, s, "並べ替え %d" % i, ["x@example.com"],
                    [], ["sort_case"]) for i, s in enumerate(senders)])
    want = sorted(senders, key=str.lower)
    try:
        sort_checks(now, senders, want)
    finally:
        drop_incidents("20200102-")


def sort_checks(now, senders, want):
    sign_in("alice", ADMIN_PW)
    browser.goto(base() + "/queue?status=held&rule=sort_case")
    check(browser.eval("document.querySelector('th.sorted a').id") == "sort-time" and
          browser.eval("document.querySelector('th.sorted').getAttribute('aria-sort')") ==
          "descending", "newest first, marked on the time column")
    got = browser.eval("[...document.querySelectorAll('#queue td.sender')].map(t => t.textContent)")
    check(got == senders, "newest first by default: %r" % got)
    browser.click("#sort-sender")
    got = browser.eval("[...document.querySelectorAll('#queue td.sender')].map(t => t.textContent)")
    check(got == want, "the sender ascending, any case: %r" % got)
    check("sort=sender&dir=asc" in browser.eval("location.search") and "rule=sort_case" in
          browser.eval("location.search"), "a link with GET parameters keeping the filter: %s" %
          browser.eval("location.search"))
    check(browser.eval("document.querySelector('th.sorted').getAttribute('aria-sort')") ==
          "ascending" and "▲" in browser.text("#sort-sender"), "marked ascending")
    check("sort=sender&dir=asc" in browser.eval("document.querySelector('#csv').href"),
          "the CSV link keeps the order")
    browser.click("#sort-sender")
    got = browser.eval("[...document.querySelectorAll('#queue td.sender')].map(t => t.textContent)")
    check(got == want[::-1], "the second click: descending: %r" % got)
    check("▼" in browser.text("#sort-sender"), "marked descending")
    # the filter form keeps the order
    browser.fill("input[name=sender]", "example.go.jp")
    browser.click("#show")
    got = browser.eval("[...document.querySelectorAll('#queue td.sender')].map(t => t.textContent)")
    check(got == want[::-1] and "dir=desc" in browser.eval("location.search"),
          "a new filter keeps the order: %r" % got)
    cookie = session_cookie()
    code, _, body = request("GET", "/queue.csv?status=held&rule=sort_case&sort=sender&dir=asc",
                            cookie=cookie)
    lines = [l.split(",")[2] for l in body.splitlines()[1:]]
    check(code == 200 and lines == want, "the CSV in the same order: %r" % lines)
    # paging keeps the order: 60 more, page 2 goes on where page 1 ended
    put_incidents([("20200102-P%05d" % i, now - 700 - i, "p%02d@example.go.jp" % (59 - i),
                    "頁 %d" % i, [], [], ["page_case"]) for i in range(60)])
    browser.goto(base() + "/queue?status=held&rule=page_case&sort=sender&dir=asc")
    first = browser.eval("[...document.querySelectorAll('#queue td.sender')].map(t => t.textContent)")
    check(len(first) == 50 and "sort=sender" in browser.eval("document.querySelector('#next').href"),
          "page 1 of 2, its next link keeps the order")
    browser.click("#next")
    second = browser.eval("[...document.querySelectorAll('#queue td.sender')].map(t => t.textContent)")
    check(first + second == ["p%02d@example.go.jp" % i for i in range(60)],
          "pages 1 and 2 sorted by sender: %r" % second)
    for bad in ("sort=id", "sort=sender;drop", "dir=up"):
        code, _, _ = request("GET", "/queue?" + bad, cookie=cookie)
        check(code == 400, "an unknown sort %s: 400 (%d)" % (bad, code))


def test_search():
    """The search box: a Japanese word of the subject, an attachment's file
    name (a real hold's, RFC 2231-encoded, and the register's), a
    recipient, a sender's reason; every word; with the filters and in the
    CSV; <script> and % shown escaped and matched literally; an auditor
    searches too."""
    now = int(time.time())
    put_incidents([
        ("20200103-Q00001", now - 800, "keiri@example.go.jp", "12月分の給与明細", ["a@example.com"],
         ["kyuyo.pdf"], ["search_case"]),
        ("20200103-Q00002", now - 801, "jinji@example.go.jp", "給与明細（再送）", ["b@example.com"],
         [], ["search_case"]),
        ("20200103-Q00003", now - 802, "soumu@example.go.jp", "会議資料", ["Yamada@Client.example"],
         ["社員名簿_2026.xlsx", "memo.txt"], ["search_case"]),
        ("20200103-Q00004", now - 803, "soumu@example.go.jp", "進捗<script>%報告",
         ["c@example.com"], [], ["search_case"]),
        ("20200103-Q00005", now - 804, "soumu@example.go.jp", "進捗<script>x報告",
         ["c@example.com"], [], ["search_case"]),
        ("20200103-Q00006", now - 805, "soumu@example.go.jp", "進捗 script 報告",
         ["c@example.com"], ["社員名簿x2026.xlsx"], ["search_case"]),
    ])
    try:
        search_checks()
    finally:
        drop_incidents("20200103-")


def search_checks():
    # a real hold: its attachment's name as the milter wrote it
    before = {r["id"] for r in env.incidents()}
    code, _ = env.send(make_message(SENDER, TO, "添付ファイル名の検索", "名簿です。\n",
                                    attachments=[("支給額一覧表.csv", people_csv(people(49)),
                                                  "text", "csv")]))
    check(code == 250, "held", env)
    real = [r["id"] for r in env.incidents() if r["id"] not in before]
    check(len(real) == 1, "one new hold", env)
    sign_in("alice", ADMIN_PW)
    got = search("給与明細")
    check(sorted(got) == ["20200103-Q00001", "20200103-Q00002"], "a Japanese word of the "
          "subject: %r" % got)
    got = search("社員名簿_2026")
    check(got == ["20200103-Q00003"], "an attachment's file name, _ literal: %r" % got)
    got = search("支給額一覧")
    check(got == real, "a held message's attachment name: %r" % got)
    got = search("YAMADA@client")
    check(got == ["20200103-Q00003"], "a recipient, any case: %r" % got)
    got = search("給与明細　再送")	# U+3000 between the words
    check(got == ["20200103-Q00002"], "every word: %r" % got)
    got = search("給与明細", "&sort=subject&dir=asc")
    check(got == ["20200103-Q00001", "20200103-Q00002"], "with an order (12月… before 給与…): "
          "%r" % got)
    browser.goto(base() + "/queue?status=all&sort=subject&dir=desc&q=" +
                 urllib.parse.quote("給与明細"))
    got = queue_ids()
    check(got == ["20200103-Q00002", "20200103-Q00001"], "and the other way: %r" % got)
    got = search("給与明細", "&sender=keiri")
    check(got == ["20200103-Q00001"], "with the sender filter: %r" % got)
    check(browser.eval("document.querySelector('input[name=sender]').value") == "keiri",
          "the filter stays in the form")
    # <script> and %: shown as text, matched as letters
    q = "<script>%"
    got = search(q)
    check(got == ["20200103-Q00004"], "<script>%% matches literally: %r" % got)
    check(browser.eval("document.querySelector('#q').value") == q, "the box shows it as typed")
    check(browser.eval("document.querySelectorAll('script').length") == 0 and
          browser.eval("typeof window.__pwned") == "undefined", "no script made of it")
    html = browser.eval("document.documentElement.outerHTML")
    check("&lt;script&gt;%" in html, "escaped in the page")
    check("q=%3Cscript%3E%25" in browser.eval("document.querySelector('#csv').href"),
          "URL-encoded in the links")
    got = search("%")
    check(got == ["20200103-Q00004"], "%% alone is a letter: %r" % got)
    check(browser.text("#none") is None, "rows found: no 'nothing matches'")
    got = search("該当しない語句")
    check(got == [] and "No incident matches" in (browser.text("#none") or ""),
          "a word found nowhere: the page says so")
    cookie = session_cookie()
    code, _, body = request("GET", "/queue.csv?status=all&q=" + urllib.parse.quote("給与明細"),
                            cookie=cookie)
    ids = sorted(l.split(",")[0] for l in body.splitlines()[1:])
    check(code == 200 and ids == ["20200103-Q00001", "20200103-Q00002"],
          "the CSV follows the search: %r" % ids)
    # the reason a sender wrote (the justify link's row in the history)
    url = link_of(notice_text(real[0]), "justify")
    browser.clear_cookies()
    browser.goto(url)
    browser.fill("#reason", "年末調整のため人事課へ送付")
    browser.click("#go")
    sign_in("audrey", AUDIT_PW)	# an auditor searches too
    got = search("年末調整")
    check(got == real, "a sender's reason, found by an auditor: %r" % got)
    for bad in ("q=" + "x" * 300, "q=a+b+c+d+e+f+g+h+i", "q=%01"):
        code, _, _ = request("GET", "/queue?" + bad, cookie=session_cookie())
        check(code == 400, "a bad search %s: 400 (%d)" % (bad[:12], code))


def test_approver_bcc():
    """An approver releases their hold Bcc-converted from the console; an
    auditor has no such button and a forged POST is refused; nor may the
    approver do it to another sender's hold."""
    mine = approve_hold()
    theirs = approve_hold(OTHER)
    sign_in("audrey", AUDIT_PW)
    browser.goto(base() + "/incident/" + mine)
    check(browser.text("#id") == mine and browser.text("#bcc") is None,
          "an auditor: no Bcc button")
    csrf = browser.eval("document.querySelector('input[name=csrf]').value")
    code, _, _ = request("POST", "/incident/%s/bcc" % mine, "reason=x&csrf=" + csrf,
                         cookie=session_cookie())
    check(code == 403 and status(mine) == "held", "the auditor's forged POST: 403 (%d)" % code)
    post_form("/incident/%s/bcc" % mine, {"reason": "x", "csrf": csrf})
    check("権限" in (browser.text("h1") or "") and status(mine) == "held",
          "in the browser too: %r" % browser.text("h1"))
    sign_in(KACHO, KACHO_PW)
    csrf = browser.eval("document.querySelector('input[name=csrf]').value")
    code, _, _ = request("POST", "/incident/%s/bcc" % theirs, "reason=x&csrf=" + csrf,
                         cookie=session_cookie())
    check(code == 403 and status(theirs) == "held", "not another sender's hold (%d)" % code)
    code, _, _ = request("POST", "/incident/%s/bcc" % mine, "reason=x", cookie=session_cookie())
    check(code == 403 and status(mine) == "held", "not without the CSRF token (%d)" % code)
    browser.goto(base() + "/incident/" + mine)
    check("Bccに変換して送信" in (browser.text("#bcc") or ""), "the approver has the button")
    before = len(env.sink.messages)
    browser.fill("#form-bcc textarea", "宛先を隠して送付")
    browser.click("#bcc")
    check("Bcc-converted" in (browser.text("#msg") or ""), "released Bcc-converted: %r" %
          browser.text("#msg"))
    check(status(mine) == "released", "released: %s" % status(mine))
    check(wait_until(lambda: any(EXT3[0] in r for m, r, d in list(env.sink.messages)[before:]),
                     30), "it arrives", env)
    got = [(r, d) for m, r, d in list(env.sink.messages)[before:] if EXT3[0] in r]
    check(len(got) == 1 and sorted(got[0][0]) == sorted(EXT3), "once, to every recipient: %r" %
          [g[0] for g in got])
    m = email.message_from_bytes(got[0][1], policy=email.policy.default)
    visible = " ".join(str(m.get_all(h) or "") for h in ("To", "Cc"))
    check(not any(a in visible for a in EXT3), "no external address in To/Cc: " + visible)
    hist = env.dlpctl("show", mine).stdout
    check("web:" + KACHO in hist and "release Bcc-converted" in hist and "宛先を隠して送付" in hist,
          "the history:\n" + hist)
    check(any(r["action"] == "release Bcc-converted" and r["incident"] == mine
              for r in audit_rows()), "a console audit row")


def test_two_person_bcc():
    """approvals = 2: an approver's 「Bccに変換して送信」 is their approval
    (recorded, the mail waits); the second approver's plain approve link
    releases it Bcc-converted all the same."""
    futari, k2 = "futari@example.go.jp", "kacho2@example.go.jp"	# test_two_person_rule's

    def milter_approvals(n):
        with open(env.milter.conf, encoding="utf-8") as f:
            text = f.read()
        with open(env.milter.conf, "w", encoding="utf-8") as f:
            f.write(conf_set(text, "web", "approvals", str(n)))
        start = env.milter.log_size()
        env.milter.signal(signal.SIGHUP)
        check(env.milter.wait_log("configuration reloaded", 15, start), "milter reloaded", env)
    milter_approvals(2)
    try:
        iid = approve_hold(futari)
    finally:
        milter_approvals(1)
    second = link_of(notice_text(iid, "approval", to=k2), "approve")
    sign_in(KACHO, KACHO_PW)
    browser.goto(base() + "/incident/" + iid)
    browser.click("#bcc")
    check("記録しました" in (browser.text("h1") or "") and status(iid) == "held",
          "the first approval (Bcc) recorded, still held: %r" % browser.text("h1"))
    before = len(env.sink.messages)
    browser.clear_cookies()
    browser.goto(second)
    browser.click("#go")
    check(status(iid) == "released", "released by the second approver: %s" % status(iid))
    check(wait_until(lambda: any(EXT3[0] in r for m, r, d in list(env.sink.messages)[before:]),
                     30), "it arrives", env)
    d = [d for m, r, d in list(env.sink.messages)[before:] if EXT3[0] in r][0]
    m = email.message_from_bytes(d, policy=email.policy.default)
    visible = " ".join(str(m.get_all(h) or "") for h in ("To", "Cc"))
    check(not any(a in visible for a in EXT3), "Bcc-converted as the first asked: " + visible)
    hist = env.dlpctl("show", iid).stdout
    check("Bcc conversion asked" in hist and "release Bcc-converted" in hist, "history:\n" + hist)


def test_queue_10000():
    """The queue page with 10,000 more incidents in the register answers
    correctly and is paged: 50 a page, newest first, a deep page and the
    last one.  (Its speed is measured by make bench: tests/bench/bench_web.py.)"""
    now = int(time.time())
    con = __import__("sqlite3").connect(os.path.join(env.var, "incidents.db"), timeout=30)
    with con:
        con.executemany(
            "INSERT INTO incidents (id, created, sender, subject, action, status, updated,"
            " notices_planned, rules) VALUES (?, ?, ?, ?, 'hold', 'held', ?, 1, ?)",
            [("20200101-B%05d" % i, now - 86400 - i, "s%d@example.go.jp" % i, "件名 %d" % i,
              now, '[{"name": "personal_data_volume", "action": "hold", "reason": "-"}]')
             for i in range(10000)])
    con.close()
    held = env.register("SELECT COUNT(*) AS n FROM incidents WHERE status = 'held'")[0]["n"]
    sign_in("alice", ADMIN_PW)
    cookie = session_cookie()
    code, _, body = request("GET", "/queue?status=held&page=1", cookie=cookie)
    check(code == 200 and body.count('class="inc"') == 50, "a full page of 50")
    bulk = re.findall(r'href="/incident/20200101-B(\d{5})"', body)
    check(bulk and bulk == ["%05d" % i for i in range(len(bulk))],
          "newest first: page 1 ends with the newest of the 10,000, in order: %r" % bulk[:5])
    code, _, body = request("GET", "/queue?status=held&page=150", cookie=cookie)
    check(code == 200 and body.count('class="inc"') == 50, "a deep page answers too")
    last = (held + 49) // 50
    code, _, body = request("GET", "/queue?status=held&page=%d" % last, cookie=cookie)
    rows = body.count('class="inc"')
    check(code == 200 and rows == held - 50 * (last - 1) and "20200101-B09999" in body,
          "the last page (%d) holds the rest, the oldest last: %d rows" % (last, rows))


def test_tls_and_plain_http_refused():
    """[web] tls_cert/tls_key: HTTPS by GnuTLS, cookies Secure, HSTS; plain
    HTTP on a non-loopback address without TLS or a proxy: refused at start."""
    key, cert = os.path.join(env.tmp, "key.pem"), os.path.join(env.tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"], check=True,
                   capture_output=True)
    tport = free_port()
    conf = env.conf_variant("tls.conf", {("web", "listen"): "127.0.0.1:%d" % tport,
                                         ("web", "tls_cert"): "cert.pem",
                                         ("web", "tls_key"): "key.pem"})
    proc = subprocess.Popen([WEB, "-f", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=env.tmp)
    try:
        check(wait_port(tport), "dlp-web listens with TLS")
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        c = http.client.HTTPSConnection("127.0.0.1", tport, context=ctx, timeout=30)
        c.request("GET", "/signin")
        r = c.getresponse()
        body = r.read().decode()
        pre = r.getheader("Set-Cookie")
        check(r.status == 200 and pre.endswith("; Secure") and
              r.getheader("Strict-Transport-Security"), "HTTPS page, Secure cookie, HSTS: %s" % pre)
        tok = re.search(r'name="csrf" value="([0-9a-f]{64})"', body).group(1)
        c.request("POST", "/signin", "csrf=%s&name=alice&password=%s" % (tok, ADMIN_PW),
                  {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": pre.split(";")[0]})
        r = c.getresponse()
        r.read()
        sess = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and
                v.startswith("dlp_session=")]
        check(r.status == 303 and sess and "HttpOnly; SameSite=Strict" in sess[0] and
              sess[0].endswith("; Secure"), "the session cookie under TLS: %r" % sess)
        c.close()
    finally:
        stop_process(proc)
    conf = env.conf_variant("open.conf", {("web", "listen"): "0.0.0.0:%d" % free_port()})
    r = subprocess.run([WEB, "-f", "-c", conf], capture_output=True, text=True, timeout=30,
                       cwd=env.tmp)
    check(r.returncode == 1 and "not a loopback address" in r.stderr,
          "plain HTTP on 0.0.0.0 refused: %d %s" % (r.returncode, r.stderr))


def test_signin_rate_limit():
    """Last: it blocks 127.0.0.1 for 15 minutes."""
    def attempt(pw):
        code, hdrs, body = request("GET", "/signin")
        tok = re.search(r'name="csrf" value="([0-9a-f]{64})"', body).group(1)
        cookie = [v.split(";")[0] for k, v in hdrs if k.lower() == "set-cookie"][0]
        return request("POST", "/signin", "csrf=%s&name=bob&password=%s" % (tok, pw),
                       cookie=cookie)[0]
    codes = [attempt("wrong-password-%d" % i) for i in range(6)]
    check(401 in codes and codes[-1] == 429, "failures, then 429: %r" % codes)
    check(attempt(AUDIT_PW) == 429, "even the right password is refused while blocked")
    check(any(r["action"].startswith("sign-in refused") for r in audit_rows()),
          "the refusal is an audit row")


def setup():
    global env, web, browser, port
    env = Env(conf_extra=APPROVE_RULE)
    port = free_port()
    env.set_conf("web", "listen", "127.0.0.1:%d" % port)
    env.set_conf("web", "base_url", "http://127.0.0.1:%d/" % port)
    env.use_release_port()
    env.__enter__()
    for name, role, pw in (("alice", "admin", ADMIN_PW), ("audrey", "auditor", AUDIT_PW),
                           ("bob", "auditor", AUDIT_PW), (KACHO, "approver", KACHO_PW)):
        r = subprocess.run([DLPCTL, "-c", env.milter.conf, "user", "add", name, "--role", role],
                           input=pw + "\n", capture_output=True, text=True, cwd=env.tmp)
        check(r.returncode == 0, "dlpctl user add %s: %s" % (name, r.stderr))
    r = env.dlpctl("approver", "set", SENDER, KACHO, "--proxy", "jicho@example.go.jp")
    check(r.returncode == 0, "dlpctl approver set")
    logf = open(os.path.join(env.tmp, "web.log"), "ab")
    web = subprocess.Popen([WEB, "-f", "-c", env.milter.conf], stdout=logf, stderr=logf,
                           cwd=env.tmp)
    logf.close()
    check(wait_port(port), "dlp-web listens")
    con = __import__("sqlite3").connect(os.path.join(env.var, "incidents.db"), timeout=30)
    keys = con.execute("SELECT value FROM secrets WHERE name = 'link_key'").fetchall()
    con.close()
    check(len(keys) == 1 and re.fullmatch(r"[0-9a-f]{64}", keys[0][0]),
          "the link key is made at start, in the register")
    check(not os.path.exists(os.path.join(env.var, "web-link.key")), "and not as a file")
    from cdp import Browser
    browser = Browser()


def teardown():
    if browser:
        browser.close()
    stop_process(web)
    if env:
        env.close()


if __name__ == "__main__":
    try:
        setup()
        rc = run([
            ("sign-in, cookie flags, audit rows", test_signin),
            ("a <script> subject shows as text", test_queue_escapes_subject),
            ("the message content page, To/Cc/Bcc marked", test_message_content),
            ("a POST without the CSRF token is refused", test_csrf_refused),
            ("release from the incident page", test_release_from_page),
            ("an auditor reads and decides nothing", test_auditor_reads_only),
            ("the cancel link: GET shows, POST acts, once", test_cancel_link_once),
            ("an altered or misused link changes nothing", test_altered_link),
            ("the justify link records the reason", test_justify_link),
            ("the approver's approve link, once", test_approve_link),
            ("the reject link; a former approver's link", test_reject_link_and_removed_approver),
            ("an approver's console: their senders only", test_approver_console),
            ("justify reaches the approver with the reason", test_justify_reaches_approver),
            ("two-person rule: approvals = 2, remembered by the incident", test_two_person_rule),
            ("action bcc: no external address in To/Cc", test_bcc_action),
            ("bad input gets a clear status", test_bad_input),
            ("HTTPS with tls_cert; plain HTTP refused off loopback", test_tls_and_plain_http_refused),
            ("queue filters, CSV export, the audit page", test_filters_csv_audit),
            ("the reports: month, fiscal year, SVG charts, CSV", test_reports),
            ("the queue sorted by its column headers", test_sort_by_column),
            ("the search box: subject, file names, recipients, reasons", test_search),
            ("an approver releases as Bcc; an auditor cannot", test_approver_bcc),
            ("two-person rule: one approver's Bcc holds for the release", test_two_person_bcc),
            ("the queue with 10,000 incidents, paged", test_queue_10000),
            ("sign-in rate limit", test_signin_rate_limit),
        ])
    finally:
        teardown()
    sys.exit(rc)
