"""End to end: the quarantine workflow through a real Postfix on 127.0.0.1.

Postfix's smtpd with the milter takes the mail; held mail is released by
dlpctl through Postfix's second smtpd listener without milters (the
[release] relay), which hands it to the sink like any other mail.  Notices
go the same way.  Checked at the sink, in the quarantine and in the
register: notices (language, addressee, no personal values), release
(every recipient, bytes unchanged but for the trace header and Postfix's
Received), failures leaving the mail held, parallel and crashed releases,
delete, purge, report, permissions, concurrency with the daemon.
"""
import csv
import email
import email.policy
import io
import json
import os
import pwd
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from lib import (DLPCTL, Env, FakeSMTP, check, crlf, free_port, make_message, people,
                 people_csv, program_for, run, wait_until)

SENDER = "kakari@example.go.jp"
ADMIN = "dlp-admin@example.go.jp"
NOTICE_FROM = "dlp-notice@example.go.jp"
EXT = ["partner%03d@corp%d.example.com" % (i, i % 7) for i in range(144)]
PEOPLE = people(49)

env = None


# --- helpers ---------------------------------------------------------------
def risky(subject="名簿送付", sender=SENDER, to=("a@partner.example.com", "b@other.example.net"),
          extra_headers=()):
    """A message that personal_data_volume holds: a CSV of 49 people."""
    msg = make_message(sender, list(to), subject, "名簿を送ります。\n",
                       attachments=[("meibo.csv", people_csv(PEOPLE), "text", "csv")])
    for k, v in extra_headers:
        msg[k] = v
    return msg


def hold(msg, sender=None, rcpts=None):
    """Send msg, expect it held; returns the new incident row."""
    before = {r["id"] for r in env.incidents()}
    code, text = env.send(msg, sender=sender, rcpts=rcpts)
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    new = [r for r in env.incidents() if r["id"] not in before]
    check(len(new) == 1 and new[0]["status"] == "held", "one new held incident: %r" %
          [(r["id"], r["status"]) for r in new], env)
    return new[0]


def notices_for(incident_id, kind=None):
    out = []
    for mail, rcpts, data in list(env.sink.messages):
        m = email.message_from_bytes(data, policy=email.policy.default)
        if m["X-DLP-Incident"] == incident_id and (kind is None or m["X-DLP-Notice"] == kind):
            out.append((mail, rcpts, m, data))
    return out


def wait_notice(incident_id, kind, timeout=30):
    check(wait_until(lambda: notices_for(incident_id, kind), timeout),
          "%s notice for %s arrived" % (kind, incident_id), env)
    return notices_for(incident_id, kind)


def stored_path(incident_id):
    return os.path.join(env.var, "quarantine", "msg", incident_id + ".eml")


def stored(incident_id):
    with open(stored_path(incident_id), "rb") as f:
        return f.read()


def status(incident_id):
    return env.register("SELECT status FROM incidents WHERE id = ?", (incident_id,))[0]["status"]


def audit(incident_id):
    return env.register("SELECT actor, action, reason FROM audit WHERE incident = ? ORDER BY seq",
                        (incident_id,))


def release_tokens(incident_id):
    """The X-DLP-Released tokens the audit trail ties to incident_id."""
    return [r["reason"] for r in env.register(
        "SELECT reason FROM audit WHERE incident = ? AND action = 'release sent as'",
        (incident_id,))]


def released_copies(incident_id):
    """Sink transactions carrying an X-DLP-Released token of incident_id."""
    tags = [("X-DLP-Released: %s\r\n" % t).encode() for t in release_tokens(incident_id)]
    return [m for m in list(env.sink.messages) if any(t in m[2] for t in tags)]


def strip_added(data, incident_id):
    """The delivered bytes without Postfix's Received header and our trace
    header (each a header line with its continuation lines)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    out, skip = [], False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not skip:
                out.append(line)
            continue
        skip = line.startswith(b"Received: ") or line.startswith(b"X-DLP-Released: ")
        if not skip:
            out.append(line)
    return b"\r\n".join(out) + sep + body


def personal_values():
    vals = []
    for name, mobile, land, mail, addr in PEOPLE:
        vals += [mobile, land, mail, addr, mobile.replace("-", ""), land.replace("-", "")]
    return vals


# --- notices ---------------------------------------------------------------
def test_hold_notice_to_internal_sender():
    row = hold(risky("名簿送付（第1回）"))
    got = wait_notice(row["id"], "hold")
    check(len(got) == 1, "one hold notice: %d" % len(got))
    mail, rcpts, m, raw = got[0]
    check(rcpts == [SENDER], "addressed to the internal sender: %r" % rcpts)
    check(mail == NOTICE_FROM and NOTICE_FROM in str(m["From"]), "from [notice] from: %s" % m["From"])
    check(b"=?UTF-8?" in raw.split(b"\r\n\r\n")[0].upper() or b"=?utf-8?" in raw,
          "subject RFC 2047 encoded")
    check(row["id"] in str(m["Subject"]) and "保留" in str(m["Subject"]), "subject: %s" % m["Subject"])
    check(m["Message-ID"] and m["Date"] and m["Auto-Submitted"] == "auto-generated",
          "Message-ID, Date, Auto-Submitted")
    check(not m.is_multipart() and m.get_content_type() == "text/plain"
          and m.get_content_charset() == "utf-8", "one text/plain UTF-8 part, nothing attached")
    body = m.get_content()
    first = body.strip().splitlines()[0]
    check(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", first), "Japanese first: %r" % first)
    check(body.index("保留") < body.index("English") < body.index("NOT been delivered"),
          "Japanese part, then English part")
    for want in (row["id"], "名簿送付（第1回）", "personal_data_volume", "多数の個人情報",
                 "meibo.csv", "電話番号 98件", "メールアドレス 49件", ADMIN, "2 件", "外部 2 件"):
        check(want in body, "notice mentions %r" % want)
    check(re.search(r"\d{2,4}-\*+-\d{4}", body), "a masked sample is shown")
    text = body + raw.decode("latin-1")
    for v in personal_values():
        check(v not in text, "no full personal value in the notice: %s" % v)
    rows = audit(row["id"])
    check(any(a["action"] == "notice sent" and a["actor"] == "dlp-milter" and SENDER in a["reason"]
              for a in rows), "audit row for the sent notice: %r" % rows)


def test_admin_notice_on_hold_and_reject():
    row = hold(risky("管理者通知テスト"))
    got = wait_notice(row["id"], "admin")
    check(got[0][1] == [ADMIN], "admin notice to [notice] admin: %r" % got[0][1])
    check("保留" in str(got[0][2]["Subject"]) and row["id"] in str(got[0][2]["Subject"]),
          "hold named in the subject: %s" % got[0][2]["Subject"])
    msg = make_message(SENDER, ["hr@partner.example.com"], "手続き", "マイナンバー 1234 5678 9018\n")
    code, text = env.send(msg)
    check(code == 550, "My Number rejected: %d %s" % (code, text), env)
    rid = re.search(r"incident (\S+)", text).group(1)
    got = wait_notice(rid, "admin")
    body = got[0][2].get_content()
    check("拒否" in str(got[0][2]["Subject"]) and "my_number" in body, "reject admin notice")
    check("123456789018" not in body and "1234 5678 9018" not in body, "no My Number in it")
    env.quiet(1)
    check(not notices_for(rid, "hold"), "a reject sends the sender no hold notice")


def test_external_forged_sender_gets_no_notice():
    forged = "somebody@evil.example.com"
    row = hold(risky("forged", sender=forged))
    wait_notice(row["id"], "admin")     # the notifier has run for this incident
    env.quiet(1)
    check(not env.sink_to(forged), "nothing sent to the outside sender", env)
    check(not notices_for(row["id"], "hold"), "no hold notice planned")


# --- release ---------------------------------------------------------------
def test_release_every_recipient_byte_identical():
    row = hold(make_message(SENDER, EXT, "説明会のご案内", "皆様\n説明会を開催します。\n"))
    wait_notice(row["id"], "hold")
    before = stored(row["id"])
    r = env.dlpctl("release", row["id"], "--reason", "確認済み", check=False)
    check(r.returncode == 0 and "released" in r.stdout, "release ok: %s %s" % (r.stdout, r.stderr))
    check(wait_until(lambda: sum(len(m[1]) for m in released_copies(row["id"])) >= 144, 60),
          "all 144 recipients delivered", env)
    env.quiet(2)
    copies = released_copies(row["id"])
    rcpts = sorted(x for m in copies for x in m[1])
    check(rcpts == sorted(EXT), "every recipient exactly once (%d in %d transactions)"
          % (len(rcpts), len(copies)))
    check(len(copies) == 3, "Postfix split 144 into 50+50+44: %r" % [len(m[1]) for m in copies])
    for mail, _, data in copies:
        check(mail == SENDER, "envelope sender kept: %r" % mail)
        check(strip_added(data, row["id"]) == before, "bytes unchanged but for the added headers")
        check(re.search(rb"\r\nX-DLP-Released: [0-9a-f]{20}\r\n", b"\r\n" + data), "trace header")
        check(row["id"].encode() not in data.partition(b"\r\n\r\n")[0] and
              b" by " not in data.partition(b"\r\nX-DLP-Released")[2][:60],
              "no incident id or admin login in the released copy's header")
    check(status(row["id"]) == "released", "status released")
    got = wait_notice(row["id"], "released")
    check(got[0][1] == [SENDER] and "確認済み" in got[0][2].get_content(), "released notice with the reason")
    env.sink.clear()
    r = env.dlpctl("release", row["id"], check=False)
    check(r.returncode == 0 and "nothing" in r.stdout, "again: nothing to do: %s" % r.stdout)
    env.quiet(2)
    check(not released_copies(row["id"]), "releasing again sent nothing")


def test_release_null_sender():
    row = hold(risky("null sender"), sender="", rcpts=["x@partner.example.com", "y@other.example.net"])
    check(row["sender"] == "", "null sender registered: %r" % row["sender"])
    r = env.dlpctl("release", row["id"], check=False)
    check(r.returncode == 0, "released: %s %s" % (r.stdout, r.stderr))
    check(wait_until(lambda: sum(len(m[1]) for m in released_copies(row["id"])) >= 2, 30),
          "delivered", env)
    for mail, rcpts, data in released_copies(row["id"]):
        check(mail == "", "MAIL FROM:<> kept: %r" % mail)
    check("not internal" in r.stdout, "no notice to <>: %s" % r.stdout)


def test_release_relay_down_stays_held():
    row = hold(risky("relay down"))
    closed = free_port()
    conf = env.conf_variant("down.conf", {("release", "relay"): "smtp://127.0.0.1:%d" % closed})
    r = env.dlpctl_with(conf, "release", row["id"])
    check(r.returncode == 3, "exit 3: %d %s" % (r.returncode, r.stderr))
    check("connect" in r.stderr.lower() and "still held" in r.stderr, "says why: " + r.stderr)
    check(status(row["id"]) == "held" and os.path.exists(stored_path(row["id"])), "still held, stored")
    check(any("release failed" in (a["reason"] or "") for a in audit(row["id"])), "audit row")


def test_release_refused_recipient_stays_held():
    row = hold(risky("refused rcpt"))
    fake = FakeSMTP({"RCPT": lambda c: "550 5.1.1 no such user" if "b@other" in c else "250 ok"})
    try:
        conf = env.conf_variant("fake.conf", {("release", "relay"): "smtp://127.0.0.1:%d" % fake.port})
        r = env.dlpctl_with(conf, "release", row["id"])
        check(r.returncode == 3 and "550 5.1.1 no such user" in r.stderr, "relay's reply shown: %s"
              % r.stderr)
        check(not fake.transactions, "no transaction completed")
        check(status(row["id"]) == "held", "still held")
        fake.replies = {"EOM": "452 4.3.1 insufficient system storage"}
        r = env.dlpctl_with(conf, "release", row["id"])
        check(r.returncode == 3 and "452 4.3.1" in r.stderr, "4xx after DATA: %s" % r.stderr)
        check(status(row["id"]) == "held", "still held after 4xx")
        reasons = [a["reason"] or "" for a in audit(row["id"])]
        check(sum("release failed" in x for x in reasons) == 2, "both failures audited: %r" % reasons)
    finally:
        fake.close()


def test_parallel_releases_send_once():
    row = hold(risky("parallel", to=["p1@partner.example.com", "p2@partner.example.com",
                                     "p3@other.example.net"]))
    procs = [subprocess.Popen([DLPCTL, "-c", env.milter.conf, "release", row["id"]],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    outs = [(p.wait(60), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    winners = [o for o in outs if o[0] == 0 and "released to" in o[1]]
    check(len(winners) == 1, "exactly one release sent: %r" % outs)
    check(all(o[0] in (0, 4) for o in outs), "the others: busy (4) or already (0): %r" % outs)
    check(wait_until(lambda: sum(len(m[1]) for m in released_copies(row["id"])) >= 3, 30), "delivered", env)
    env.quiet(2)
    rcpts = sorted(x for m in released_copies(row["id"]) for x in m[1])
    check(rcpts == ["p1@partner.example.com", "p2@partner.example.com", "p3@other.example.net"],
          "each recipient once: %r" % rcpts)


def test_crashed_release_recoverable():
    row = hold(risky("crash"))
    stall = FakeSMTP(stall=True)
    try:
        conf = env.conf_variant("stall.conf", {("release", "relay"): "smtp://127.0.0.1:%d" % stall.port})
        p = subprocess.Popen([DLPCTL, "-c", conf, "release", row["id"]],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        check(wait_until(lambda: status(row["id"]) == "releasing", 15), "claimed: releasing")
        p.kill()
        p.wait()
    finally:
        stall.close()
    check(status(row["id"]) == "releasing", "the dead dlpctl left releasing")
    r = env.dlpctl("release", row["id"], check=False)
    check(r.returncode == 4 and "--force" in r.stderr, "busy, told about --force: %s" % r.stderr)
    r = env.dlpctl("release", "--force", row["id"], check=False)
    check(r.returncode == 4 and status(row["id"]) == "releasing", "a fresh claim is not taken over")
    env.register("UPDATE incidents SET updated = updated - 700 WHERE id = ?", (row["id"],))
    r = env.dlpctl("release", "--force", row["id"], check=False)
    check(r.returncode == 0, "--force after 10 minutes releases: %s %s" % (r.stdout, r.stderr))
    check(status(row["id"]) == "released", "released")
    check(wait_until(lambda: released_copies(row["id"]), 30), "delivered", env)
    check(any("abandoned" in (a["reason"] or "") for a in audit(row["id"])), "take-over audited")


def test_imitation_header_still_held():
    row = hold(risky("imitation", extra_headers=[
        ("X-DLP-Released", "20261125-AAAAAA by admin at 2026-11-25T10:00:00+0900")]))
    check(status(row["id"]) == "held", "held despite the header")
    env.quiet(1)
    check(not [m for m in env.sink.messages if b"Subject: imitation" in m[2]], "nothing delivered")


def test_release_loop_detected():
    """[release] relay by mistake the filtered port: the copy comes back,
    is held again, and the daemon and dlpctl stats say why."""
    row = hold(risky("loop"))
    loop = env.conf_variant("loop.conf", {("release", "relay"):
                                          "smtp://127.0.0.1:%d" % env.postfix.smtp})
    start = env.milter.log_size()
    before = {r["id"] for r in env.incidents()}
    r = env.dlpctl_with(loop, "release", row["id"], "--reason", "loop test")
    check(r.returncode == 0, "the filtered port accepts the release: %s %s" % (r.stdout, r.stderr))
    want = "released copy of incident %s came back through the filter" % row["id"]
    check(env.milter.wait_log(want, 30, start), "the daemon logs the loop", env)
    check(wait_until(lambda: any(a["action"] == "released copy came back through the filter"
                                 for a in audit(row["id"])), 10),
          "an audit row on the released incident: %r" % audit(row["id"]))
    again = [x for x in env.incidents() if x["id"] not in before]
    check(len(again) == 1 and again[0]["status"] == "held", "the copy was inspected and held "
          "again, not let through by its header: %r" % again)
    r = env.dlpctl("stats", check=False)
    check("WARNING: 1 released copy came back through the filter (the [release] relay it "
          "was sent to runs dlp-milter again; queue id " in r.stdout,
          "dlpctl stats warns: %s" % r.stdout)
    j = json.loads(env.dlpctl("stats", "--json", check=False).stdout)
    check(j["register"]["release_loops"] == 1, "stats --json: %r" % j["register"])
    r = env.dlpctl("delete", again[0]["id"], "--reason", "loop test copy", check=False)
    check(r.returncode == 0, "the second copy deleted: %s" % r.stderr)


def test_actor_from_sudo_user():
    row = hold(risky("sudo"))
    r = env.dlpctl_with(env.milter.conf, "release", row["id"],
                        env=dict(os.environ, SUDO_USER="tanaka.admin"))
    check(r.returncode == 0, "released: %s" % r.stderr)
    check(any(a["actor"] == "tanaka.admin" and a["action"] == "releasing -> released"
              for a in audit(row["id"])), "actor is SUDO_USER: %r" % audit(row["id"]))
    check(wait_until(lambda: released_copies(row["id"]), 30), "delivered", env)
    check(b"tanaka.admin" not in released_copies(row["id"])[0][2],
          "the admin's login stays in the register, not in the mail")
    check(any(a["actor"] == "tanaka.admin" and a["action"] == "release sent as"
              for a in audit(row["id"])), "the token's audit row names the admin")


# --- delete, purge ---------------------------------------------------------
def test_delete():
    row = hold(risky("delete me"))
    r = env.dlpctl("delete", row["id"], "--reason", "誤送信", check=False)
    check(r.returncode == 0 and "deleted" in r.stdout, "deleted: %s %s" % (r.stdout, r.stderr))
    check(not os.path.exists(stored_path(row["id"])), "stored copy gone")
    check(status(row["id"]) == "deleted", "row stays, deleted")
    got = wait_notice(row["id"], "deleted")
    check(got[0][1] == [SENDER] and "誤送信" in got[0][2].get_content(), "deleted notice")
    r = env.dlpctl("release", row["id"], check=False)
    check(r.returncode == 4 and "deleted" in r.stderr, "a deleted incident is not released: %s" % r.stderr)
    check(not released_copies(row["id"]), "nothing sent")


def test_purge():
    old = hold(risky("old"))
    young = hold(risky("young"))
    env.register("UPDATE incidents SET created = created - 100 * 86400 WHERE id = ?", (old["id"],))
    r = env.dlpctl("purge", check=False)          # default: retention_days = 90
    check(r.returncode == 0, "purge ok: %s" % r.stderr)
    check(status(old["id"]) == "expired" and not os.path.exists(stored_path(old["id"])),
          "past retention: expired, file removed")
    check(status(young["id"]) == "held" and os.path.exists(stored_path(young["id"])), "young one kept")
    r = env.dlpctl("purge", "--older-than", "0", check=False)
    check(r.returncode == 1 and "add --force" in r.stderr and status(young["id"]) == "held",
          "--older-than 0 asks for --force: %s" % r.stderr)
    r = env.dlpctl("purge", "--older-than", "0", "--force", check=False)
    check(r.returncode == 0 and status(young["id"]) == "expired", "--older-than 0 expires it: %s %s %s" % (r.stdout, r.stderr, status(young["id"])))
    check(not os.path.exists(stored_path(young["id"])), "its file removed")
    check(len(env.register("SELECT id FROM incidents WHERE id IN (?, ?)", (old["id"], young["id"]))) == 2,
          "register rows stay")
    released = [r for r in env.incidents() if r["status"] == "released"]
    check(released and not any(os.path.exists(stored_path(x["id"])) for x in released),
          "copies of released incidents past retention removed")


# --- report, list, show ----------------------------------------------------
def test_report_json_and_csv():
    rows = env.incidents()
    r = env.dlpctl("report", "--format", "json", check=False)
    check(r.returncode == 0, "report json: %s" % r.stderr)
    rep = json.loads(r.stdout)
    got = {x["id"]: x for x in rep["incidents"]}
    check(set(got) == {x["id"] for x in rows}, "every incident once")
    for x in rows:
        check(got[x["id"]]["disposition"] == x["status"], "disposition of %s" % x["id"])
    dates = [x["date"] for x in rep["incidents"]]
    check(dates == sorted(dates), "oldest first")
    disp = {}
    for x in rows:
        disp[x["status"]] = disp.get(x["status"], 0) + 1
    check("summary" not in rep, "the incidents alone, the summary is its own output")
    r = env.dlpctl("report", "--format", "json", "--summary", check=False)
    summ = json.loads(r.stdout)["summary"]
    check(summ["by_disposition"] == disp, "summary by disposition: %r" % summ)
    check(summ["by_rule"].get("personal_data_volume", 0) >= 5, "summary by rule")
    check(summ["by_sender"].get(SENDER, 0) >= 5, "summary by sender: %r" % summ["by_sender"])
    check(summ["by_month"] == {time.strftime("%Y-%m"): len(rows)}, "summary by month: %r"
          % summ["by_month"])
    mass = [x for x in rep["incidents"] if "mass_recipients" in x["rules"]][0]
    check(mass["external"] == 144 and mass["external_domains"] ==
          sorted("corp%d.example.com" % i for i in range(7)), "external domains: %r" % mass)
    check(mass["decided_by"] and mass["decided_at"], "who decided and when")
    held = [x for x in rep["incidents"] if x["disposition"] == "held"]
    check(all(x["decided_by"] == "" for x in held), "nobody decided a held one yet")
    reasons = {x["reason"] for x in rep["incidents"]}
    check("確認済み" in reasons and "誤送信" in reasons, "release and delete reasons: %r" % reasons)
    check("1234 5678 9018" not in r.stdout and PEOPLE[0][1] not in r.stdout, "no values")

    r = subprocess.run([DLPCTL, "-c", env.milter.conf, "report", "--bom"], capture_output=True)
    check(r.returncode == 0 and r.stdout.startswith(b"\xef\xbb\xbf"), "BOM")
    text = r.stdout.decode("utf-8-sig")
    check("\r\n" in text and "\n" not in text.replace("\r\n", ""), "CRLF line ends only")
    check(text.startswith("管理番号 (id),日時 (date),送信者 (sender),件名 (subject)"),
          "Japanese headings with the key: %r" % text[:80])
    check("\r\n\r\n" not in text, "no summary appended to the sheet")
    r = env.dlpctl("report", "--lang", "en", check=False)
    recs = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    check(len(recs) == len(rows), "one CSV row per incident: %d/%d" % (len(recs), len(rows)))
    check({x["id"]: x["disposition"] for x in recs} == {x["id"]: x["status"] for x in rows},
          "CSV dispositions")
    check(any(x["subject"] == "名簿送付（第1回）" for x in recs), "subjects in UTF-8")
    check(any(x["reason"] == "誤送信" for x in recs), "the reason column")
    r = env.dlpctl("report", "--summary", "--lang", "en", check=False)
    summ = list(csv.reader(io.StringIO(r.stdout, newline="")))
    check(summ[0] == ["summary", "name", "incidents"] and
          ["disposition", "held", str(disp["held"])] in summ and
          ["total", "", str(len(rows))] in summ, "summary table: %r" % summ)

    r = env.dlpctl("report", "--no-subject", check=False)
    check("subject" not in r.stdout.splitlines()[0] and "名簿送付" not in r.stdout, "--no-subject")
    r = env.dlpctl("report", "--format", "json", "--until", "2000-01-01", check=False)
    check(json.loads(r.stdout)["incidents"] == [], "--until filters")
    today = time.strftime("%Y-%m-%d")
    for since, until in (("--since", "--until"), ("--from", "--to")):
        r = env.dlpctl("report", "--format", "json", since, today, until, today, check=False)
        check(len(json.loads(r.stdout)["incidents"]) == len(rows),
              "%s/%s today: a bare day counts whole" % (since, until))
    r = env.dlpctl("list", "--since", today, "--until", today, "--json", check=False)
    check(len(json.loads(r.stdout)) == len(rows), "list: a bare --until day counts whole too")
    r = env.dlpctl("report", "--format", "json", "--month", time.strftime("%Y-%m"), check=False)
    j = json.loads(r.stdout)
    check(j["period"] == time.strftime("%Y-%m") and len(j["incidents"]) == len(rows), "--month")
    y, m = int(time.strftime("%Y")), int(time.strftime("%m"))
    fy = y if m >= 4 else y - 1
    r = env.dlpctl("report", "--format", "json", "--fiscal-year", str(fy), check=False)
    j = json.loads(r.stdout)
    check(j["period"] == "FY%d" % fy and j["since"].startswith("%d-04-01" % fy) and
          j["until"].startswith("%d-04-01" % (fy + 1)) and len(j["incidents"]) == len(rows),
          "--fiscal-year: %r" % {k: j.get(k) for k in ("period", "since", "until")})
    r = env.dlpctl("report", "--fiscal-year", str(fy - 1), "--format", "json", check=False)
    check(json.loads(r.stdout)["incidents"] == [], "last fiscal year is empty")
    for args, want in ((["--since", "2026-12-05", "--until", "2026-12-01"], "reversed range"),
                       (["--month", "2026-13"], "give YYYY-MM"),
                       (["--month", "2026-12", "--since", "2026-01-01"], "give one period"),
                       (["--fiscal-year", "26"], "the year it starts in")):
        for cmd in ("report", "list", "stats"):
            r = env.dlpctl(cmd, *args, check=False)
            check(r.returncode == 1 and want in r.stderr and r.stdout == "",
                  "%s %s: %s / %s" % (cmd, args, r.returncode, r.stderr))


def test_list_and_show():
    rel = [x["id"] for x in env.incidents() if x["status"] == "released"]
    r = env.dlpctl("list", "--status", "released", "--json", check=False)
    check(r.returncode == 0 and sorted(x["id"] for x in json.loads(r.stdout)) == sorted(rel),
          "list --status released")
    r = env.dlpctl("show", rel[0], check=False)
    for want in ("recipients:", "rules:", "findings:", "history:", "notices:", "releasing -> released"):
        check(want in r.stdout, "show has %r" % want)
    held = [x["id"] for x in env.incidents() if x["status"] == "held"]
    r = subprocess.run([DLPCTL, "-c", env.milter.conf, "show", "--raw", held[0]], capture_output=True)
    check(r.returncode == 0 and r.stdout == stored(held[0]), "show --raw prints the stored bytes")


# --- permissions and concurrency -------------------------------------------
def test_permissions():
    check(os.stat(env.var).st_mode & 0o777 == 0o700, "var/ 0700")
    db = os.path.join(env.var, "incidents.db")
    check(os.stat(db).st_mode & 0o777 == 0o600, "incidents.db 0600")
    for f in os.listdir(os.path.join(env.var, "quarantine", "msg")):
        check(os.stat(os.path.join(env.var, "quarantine", "msg", f)).st_mode & 0o777 == 0o600,
              "stored message 0600")
    held = [x["id"] for x in env.incidents() if x["status"] == "held"]
    pw = pwd.getpwnam("nobody")

    def as_nobody():
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    prog = program_for(env.tmp)   # build/ may be out of nobody's reach
    r = subprocess.run([prog, "-c", env.milter.conf, "release", held[0]], capture_output=True,
                       text=True, preexec_fn=as_nobody, cwd="/")
    check(r.returncode == 3 and "cannot open register" in r.stderr and "permission denied" in r.stderr,
          "plain error without write access: %s" % r.stderr)
    check(status(held[0]) == "held", "untouched")


def test_daemon_and_dlpctl_concurrently():
    first = [hold(risky("conc-a-%d" % i))["id"] for i in range(8)]
    results = []

    def sender():
        for i in range(8):
            results.append(env.send(risky("conc-b-%d" % i)))
    t = threading.Thread(target=sender)
    t.start()
    codes = [env.dlpctl("release", i, check=False).returncode for i in first]
    t.join(300)
    check(codes == [0] * 8, "every release succeeded: %r" % codes)
    check([c for c, _ in results] == [250] * 8, "every new mail accepted: %r" % results)
    rows = env.incidents()
    new = [x for x in rows if x["subject"] and x["subject"].startswith("conc-b-")]
    check(len(new) == 8 and all(x["status"] == "held" for x in new), "8 new held rows: %r" % [(x["subject"], x["status"]) for x in new])
    check(all(status(i) == "released" for i in first), "8 released")
    for x in new + [{"id": i} for i in first]:
        acts = [a["action"] for a in audit(x["id"])]
        check(acts[0] == "created held", "audit of %s complete: %r" % (x["id"], acts))
    check("locked" not in env.milter.read_log(), "no lock errors in the daemon's log")


def test_notice_failure_keeps_message():
    with Env() as e:
        e.set_conf("notice", "relay", "smtp://127.0.0.1:%d" % free_port())
        # the daemon read its config at start: reload it with the dead relay
        e.milter.proc.send_signal(signal.SIGHUP)
        check(wait_until(lambda: "reloaded" in e.milter.read_log(), 10), "reloaded", e)
        msg = risky("notice relay down")
        code, text = e.send(msg)
        check(code == 250, "held: %d %s" % (code, text), e)
        inc = e.incidents()[-1]
        # attempts counts at the claim (status 'sending'); the failure is
        # written when the relay has answered: wait for that, not the claim
        def tried():
            n = e.register("SELECT * FROM notices WHERE incident = ?", (inc["id"],))
            return n and all(x["status"] == "pending" and x["attempts"] > 0 for x in n)
        check(wait_until(tried, 20), "every notice attempted", e)
        n = e.register("SELECT * FROM notices WHERE incident = ?", (inc["id"],))
        check(all(x["status"] == "pending" and x["last_error"] and x["next_try"] > time.time()
                  for x in n), "pending with an error and a later try: %r" % n)
        check(inc["status"] == "held" and os.path.exists(
            os.path.join(e.var, "quarantine", "msg", inc["id"] + ".eml")), "message still held")
        acts = e.register("SELECT action FROM audit WHERE incident = ?", (inc["id"],))
        check(any(a["action"] == "notice failed" for a in acts), "failed attempt audited")


def test_stalled_notice_relay_delays_nothing():
    stall = FakeSMTP(stall=True)
    try:
        with Env() as e:
            e.set_conf("notice", "relay", "smtp://127.0.0.1:%d" % stall.port)
            e.milter.proc.send_signal(signal.SIGHUP)
            check(wait_until(lambda: "reloaded" in e.milter.read_log(), 10), "reloaded", e)
            for i in range(3):
                t0 = time.time()
                code, text = e.send(risky("stalled relay %d" % i))
                took = time.time() - t0
                check(code == 250 and took < 5, "answered at once with the notifier stuck: "
                      "%d in %.1fs" % (code, took), e)
            check(wait_until(lambda: stall.conns, 10), "the notifier is talking to the stalled relay")
            check(len(e.incidents()) == 3 and all(r["status"] == "held" for r in e.incidents()),
                  "all three held", e)
            t0 = time.time()
            proc = e.milter.proc
            e.milter.stop()
            check(proc.returncode == 0 and time.time() - t0 < 10, "SIGTERM stops the daemon "
                  "promptly (rc %r in %.1fs)" % (proc.returncode, time.time() - t0), e)
            # Queued (pending: the cut-short send counts as a failed attempt)
            # or not yet planned: nothing is lost, the next start sends them.
            waiting = e.register(
                "SELECT i.id FROM incidents i WHERE i.notices_planned = 0 OR EXISTS (SELECT 1"
                " FROM notices n WHERE n.incident = i.id AND n.kind = 'hold'"
                " AND n.status = 'pending')")
            check(len(waiting) == 3, "the three notices wait in the register: %r" %
                  e.register("SELECT incident, kind, status FROM notices"))
    finally:
        stall.close()


def main():
    global env
    env = Env()
    env.use_release_port()
    with env:
        rc = run([
            ("quarantine: hold notice to the internal sender", test_hold_notice_to_internal_sender),
            ("quarantine: admin notice on hold and reject", test_admin_notice_on_hold_and_reject),
            ("quarantine: forged outside sender gets no notice", test_external_forged_sender_gets_no_notice),
            ("quarantine: release to all 144, bytes unchanged", test_release_every_recipient_byte_identical),
            ("quarantine: release with the null sender", test_release_null_sender),
            ("quarantine: relay down -> still held, exit 3", test_release_relay_down_stays_held),
            ("quarantine: refused RCPT / 4xx -> still held", test_release_refused_recipient_stays_held),
            ("quarantine: parallel releases send once", test_parallel_releases_send_once),
            ("quarantine: crashed release recovered by --force", test_crashed_release_recoverable),
            ("quarantine: X-DLP-Released imitation still held", test_imitation_header_still_held),
            ("quarantine: actor from SUDO_USER", test_actor_from_sudo_user),
            ("quarantine: release relay looping into the filter detected", test_release_loop_detected),
            ("quarantine: delete", test_delete),
            ("quarantine: daemon holds while dlpctl releases", test_daemon_and_dlpctl_concurrently),
            ("quarantine: report JSON and CSV", test_report_json_and_csv),
            ("quarantine: list and show", test_list_and_show),
            ("quarantine: permissions", test_permissions),
            ("quarantine: purge", test_purge),
        ])
    rc |= run([
        ("quarantine: failing notice keeps the message", test_notice_failure_keeps_message),
        ("quarantine: stalled notice relay delays no mail", test_stalled_notice_relay_delays_nothing),
    ])
    return rc


if __name__ == "__main__":
    sys.exit(main())
