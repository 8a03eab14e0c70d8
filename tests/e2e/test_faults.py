"""End to end through a real Postfix: faults — nothing is lost.

* dlp-milter killed (SIGKILL) in the middle of a message: Postfix answers
  4xx (milter_default_action = tempfail), the client retries after the
  restart, and the message is then delivered or held exactly once.
* The quarantine unwritable or full, the register locked beyond its busy
  timeout or read-only: a message that should be held (or rejected, which
  needs its register row) gets 4xx — never accepted, never discarded — and
  is held exactly once when the client retries after the fault is gone.
* SIGHUP with a broken config keeps the running one (file:line logged);
  with a good one, new rules apply to new messages while a message begun
  before the reload finishes under the old rules.
* SIGTERM: messages in progress finish (or, past [milter] timeout, are
  answered 4xx by the MTA); new ones are answered 4xx; the register and
  the sink agree with what each client was told.

The faults of the sandboxed workers (crash, CPU, memory, each amid 20 clean
sessions) are tests/e2e/test_workers.py's, not repeated here.

Root is needed (as for every end-to-end test); "unwritable" is made real for
root with a file in place of a directory, a read-only bind mount and a full
tmpfs.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from lib import (Env, Session, check, check_no_sanitizer_report, dot_stuff, make_message, people,
                 people_csv, run, tcp_sockets, wait_until)

SENDER = "kakari@example.go.jp"
EXT2 = ["a@partner.example.com", "b@other.example.net"]


# --- messages and counting ---------------------------------------------------
def clean(subject, body="来週の会議は10時からです。\n", to=("x@partner.example.com",)):
    return make_message(SENDER, list(to), subject, body)


def risky(subject):
    """Held by personal_data_volume: a CSV of 49 people to two outsiders."""
    return make_message(SENDER, EXT2, subject, "名簿を送ります。\n",
                        attachments=[("meibo.csv", people_csv(people(49)), "text", "csv")])


def my_number(subject):
    return make_message(SENDER, ["hr@partner.example.com"], subject,
                        "マイナンバーは 1234 5678 9018 です。\n")


def big_clean(subject, mb=2):
    line = "This line of the quarterly report says nothing personal at all, number %07d.\n"
    return clean(subject, "".join(line % i for i in range(mb * 1024 * 1024 // 75)))


def delivered(env, msg):
    """Copies of msg (by Message-ID) at the sink."""
    mid = msg["Message-ID"].encode()
    return [m for m in list(env.sink.messages) if mid in m[2]]


def incidents_of(env, msg):
    mid = msg["Message-ID"].strip("<>")
    return [r for r in env.incidents() if mid in (r.get("message_id") or "")]


def stored_copies(env, msg):
    """Files under the quarantine (msg/ and tmp/) holding msg's Message-ID."""
    mid = msg["Message-ID"].encode()
    out = []
    for sub in ("msg", "tmp"):
        d = os.path.join(env.var, "quarantine", sub)
        for name in (os.listdir(d) if os.path.isdir(d) else []):
            p = os.path.join(d, name)
            if os.path.isfile(p) and mid in open(p, "rb").read():
                out.append(os.path.join(sub, name))
    return out


def tmp_leftovers(env):
    d = os.path.join(env.var, "quarantine", "tmp")
    return os.listdir(d) if os.path.isdir(d) else []


def expect_4xx(env, msg, what):
    code, text = env.send(msg)
    check(400 <= code < 500, "%s: 4xx, got %d %s" % (what, code, text), env)
    return code, text


def expect_held_once(env, msg, what):
    """Send msg (the client's retry): 250, one held row, one stored copy,
    nothing delivered."""
    code, text = env.send(msg)
    check(code == 250, "%s: retry accepted (held): %d %s" % (what, code, text), env)
    rows = incidents_of(env, msg)
    check(len(rows) == 1 and rows[0]["status"] == "held",
          "%s: held exactly once in the register: %r" % (what, [(r["id"], r["status"]) for r in rows]), env)
    copies = stored_copies(env, msg)
    check(copies == ["msg/%s.eml" % rows[0]["id"]], "%s: one stored copy: %r" % (what, copies))
    env.quiet(1)
    check(not delivered(env, msg), "%s: nothing delivered" % what)


def expect_rejected_once(env, msg, what):
    code, text = env.send(msg)
    check(code == 550, "%s: retry rejected 550: %d %s" % (what, code, text), env)
    rows = incidents_of(env, msg)
    check(len(rows) == 1 and rows[0]["status"] == "rejected", "%s: one rejected row: %r" % (what, rows))


def expect_delivered_once(env, msg, what):
    code, text = env.send(msg)
    check(code == 250, "%s: retry accepted: %d %s" % (what, code, text), env)
    check(wait_until(lambda: delivered(env, msg), 30), "%s: delivered" % what, env)
    env.quiet(1.5)
    check(len(delivered(env, msg)) == 1, "%s: delivered exactly once (%d)" % (what, len(delivered(env, msg))))
    check(not incidents_of(env, msg), "%s: no incident" % what)


def milter_idle(env):
    """The milter has read everything Postfix sent it."""
    return all(rx == 0 for _, _, rx in tcp_sockets(env.milter.port))


def settle(env):
    """After the client's DATA: Postfix hands the milter MAIL and RCPT at
    that point (not earlier), without waiting for an answer (SMFIP_NR_*).
    Give it a moment, then wait until the milter has read all of it."""
    time.sleep(0.5)
    return wait_until(lambda: milter_idle(env), 10)


def restart(env):
    if env.milter.proc and env.milter.proc.poll() is None:
        env.milter.kill()
    env.milter.proc = None
    env.milter.start()


# --- SIGKILL mid-message -----------------------------------------------------
def test_sigkill_while_milter_reads_body(env):
    msg = big_clean("big report")
    log_start = env.milter.log_size()
    s = Session(env.postfix.smtp)
    try:
        check(s.mail(SENDER)[0] == 250 and s.rcpt(["x@partner.example.com"])[0] == 250, "envelope")
        check(s.data_start()[0] == 354, "DATA")
        s.send_raw(dot_stuff(msg.as_bytes()))
        # Stopped, the milter reads nothing: when Postfix's cleanup streams
        # the 2 MB to it after the final dot, its receive queue fills.
        env.milter.signal(signal.SIGSTOP)
        answer = {}
        t = threading.Thread(target=lambda: answer.update(r=s.data_end()))
        t.start()
        check(wait_until(lambda: sum(rx for _, _, rx in tcp_sockets(env.milter.port)) > 64 * 1024, 60),
              "Postfix is sending the body to the milter", env)
        env.milter.signal(signal.SIGKILL)
        env.milter.proc.wait()
        t.join(120)
        code, text = answer.get("r", (0, "no answer"))
        check(400 <= code < 500, "killed mid-body: client told 4xx: %d %s" % (code, text), env)
        # postlogd writes the log asynchronously: wait for the lines.
        def lost():
            plog = env.postfix.read_log()
            return (("error writing command" in plog or "can't read SMFIC_BODYEOB reply" in plog)
                    and "milter-reject: END-OF-MESSAGE" in plog)
        check(wait_until(lost, 10), "Postfix lost the milter with the message half-read", env)
        check(" verdict=" not in env.milter.read_log()[log_start:], "the milter decided nothing", env)
    finally:
        s.close()
    env.quiet(1)
    check(not delivered(env, msg), "nothing delivered before the retry", env)
    restart(env)
    expect_delivered_once(env, msg, "after restart")


def test_sigkill_mid_data_then_held_once(env):
    msg = risky("名簿 kill mid-DATA")
    raw = dot_stuff(msg.as_bytes())
    s = Session(env.postfix.smtp)
    try:
        check(s.mail(SENDER)[0] == 250 and s.rcpt(EXT2)[0] == 250, "envelope")
        check(s.data_start()[0] == 354, "DATA")
        s.send_raw(raw[:len(raw) // 2])
        check(settle(env), "milter read MAIL and RCPT")
        env.milter.kill()                        # SIGKILL, mid-transaction
        s.send_raw(raw[len(raw) // 2:])
        code, text = s.data_end()
        check(400 <= code < 500, "client told 4xx: %d %s" % (code, text), env)
    finally:
        s.close()
    check(not incidents_of(env, msg) and not stored_copies(env, msg), "nothing registered or stored")
    restart(env)
    expect_held_once(env, msg, "after restart")
    check(not tmp_leftovers(env), "quarantine tmp/ is empty: %r" % tmp_leftovers(env))


def test_sigkill_while_registering(env):
    """Killed after the copy is stored, while waiting for the register: the
    client is told 4xx; the retry is held once."""
    msg = risky("名簿 kill while registering")
    db = os.path.join(env.var, "incidents.db")
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        con.execute("BEGIN EXCLUSIVE")
        answer = {}
        t = threading.Thread(target=lambda: answer.update(r=env.send(msg)))
        t.start()
        check(wait_until(lambda: stored_copies(env, msg), 20), "copy stored, row waiting", env)
        env.milter.kill()
        t.join(60)
    finally:
        con.execute("ROLLBACK")
        con.close()
    code, text = answer.get("r", (0, "no answer"))
    check(400 <= code < 500, "client told 4xx: %d %s" % (code, text), env)
    check(not incidents_of(env, msg), "no register row for the killed attempt")
    orphans = stored_copies(env, msg)
    restart(env)
    code, text = env.send(msg)
    check(code == 250, "retry accepted (held): %d %s" % (code, text), env)
    rows = incidents_of(env, msg)
    check(len(rows) == 1 and rows[0]["status"] == "held", "held exactly once: %r" % rows, env)
    copies = stored_copies(env, msg)
    check("msg/%s.eml" % rows[0]["id"] in copies, "the held copy is stored")
    check(sorted(copies) == sorted(set(orphans) | {"msg/%s.eml" % rows[0]["id"]}) and
          len(copies) <= 2, "at most the killed attempt's copy besides: %r" % copies)
    env.quiet(1)
    check(not delivered(env, msg), "nothing delivered")
    # The killed attempt's copy has no row: dlpctl purge removes it once it
    # is past the retention period (never the held copy).
    old = time.time() - 100 * 86400
    for c in orphans:
        os.utime(os.path.join(env.var, "quarantine", c), (old, old))
    r = env.dlpctl("purge", check=False)
    check(r.returncode == 0, "purge: %s %s" % (r.stdout, r.stderr))
    check(stored_copies(env, msg) == ["msg/%s.eml" % rows[0]["id"]],
          "after purge only the held copy is left: %r (%s)" % (stored_copies(env, msg), r.stdout))


# --- quarantine and register faults --------------------------------------------
def mount(*args):
    return subprocess.run(["mount"] + list(args), capture_output=True, text=True)


def umount(path):
    subprocess.run(["umount", "-l", path], capture_output=True)


def test_quarantine_tmp_not_a_directory(env):
    tmp = os.path.join(env.var, "quarantine", "tmp")
    os.rmdir(tmp)
    with open(tmp, "w") as f:
        f.write("not a directory\n")
    try:
        held = risky("名簿 tmp is a file")
        expect_4xx(env, held, "quarantine tmp/ is a file")
        check(not incidents_of(env, held), "no register row", env)
        ok = clean("clean while the quarantine is broken")
        code, text = env.send(ok)
        check(code == 250 and wait_until(lambda: delivered(env, ok), 30),
              "clean mail still flows: %d %s" % (code, text), env)
        rej = my_number("My Number while the quarantine is broken")
        code, text = env.send(rej)
        check(code == 550, "a reject needs no stored copy: 550: %d %s" % (code, text), env)
    finally:
        os.unlink(tmp)
        os.mkdir(tmp, 0o700)
    expect_held_once(env, held, "quarantine repaired")


def test_quarantine_read_only(env):
    q = os.path.join(env.var, "quarantine")
    r = mount("--bind", q, q)
    check(r.returncode == 0, "bind mount (root): %s" % r.stderr)
    try:
        r = mount("-o", "remount,bind,ro", q)
        check(r.returncode == 0, "read-only remount: %s" % r.stderr)
        check(not os.access(os.path.join(q, "tmp"), os.W_OK) or _write_fails(os.path.join(q, "tmp")),
              "quarantine is read-only for root")
        held = risky("名簿 read-only quarantine")
        expect_4xx(env, held, "read-only quarantine")
        check(not incidents_of(env, held), "no register row", env)
    finally:
        umount(q)
    expect_held_once(env, held, "quarantine writable again")


def _write_fails(d):
    try:
        with open(os.path.join(d, "probe"), "w"):
            pass
    except OSError:
        return True
    os.unlink(os.path.join(d, "probe"))
    return False


def test_quarantine_full(env):
    q = os.path.join(env.var, "quarantine")
    r = mount("-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", q)
    check(r.returncode == 0, "tmpfs mount: %s" % r.stderr)
    try:
        for sub in ("tmp", "msg"):
            os.mkdir(os.path.join(q, sub), 0o700)
        filler = os.path.join(q, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"x" * 1024) > 0:
                pass
        except OSError:
            pass
        os.close(fd)
        held = risky("名簿 full quarantine")
        check(len(held.as_bytes()) > 8192, "message larger than what is left")
        expect_4xx(env, held, "quarantine full")
        check(not incidents_of(env, held), "no register row", env)
        check(not tmp_leftovers(env), "no partial file left in tmp/: %r" % tmp_leftovers(env))
        os.unlink(filler)
        expect_held_once(env, held, "space freed")
    finally:
        umount(q)


def test_register_locked(env):
    db = os.path.join(env.var, "incidents.db")
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    held = risky("名簿 register locked")
    rej = my_number("My Number register locked")
    answers = {}
    try:
        con.execute("BEGIN EXCLUSIVE")
        # Both wait the register's 5 s busy timeout, then give up: 4xx.
        ts = [threading.Thread(target=lambda k=k, m=m: answers.update({k: env.send(m)}))
              for k, m in (("held", held), ("rej", rej))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
    finally:
        con.execute("ROLLBACK")
        con.close()
    for k in ("held", "rej"):
        code, text = answers.get(k, (0, "no answer"))
        check(400 <= code < 500, "%s with the register locked: 4xx: %d %s" % (k, code, text), env)
    check(not incidents_of(env, held) and not incidents_of(env, rej), "no rows", env)
    check(not stored_copies(env, held), "the stored copy was removed: %r" % stored_copies(env, held))
    expect_held_once(env, held, "register free")
    expect_rejected_once(env, rej, "register free")


def test_register_read_only(env):
    db = os.path.join(env.var, "incidents.db")
    r = mount("--bind", db, db)
    check(r.returncode == 0, "bind mount: %s" % r.stderr)
    held = risky("名簿 register read-only")
    rej = my_number("My Number register read-only")
    try:
        r = mount("-o", "remount,bind,ro", db)
        check(r.returncode == 0, "read-only remount: %s" % r.stderr)
        expect_4xx(env, held, "register read-only, hold")
        expect_4xx(env, rej, "register read-only, reject")
        check(not stored_copies(env, held), "no stored copy left: %r" % stored_copies(env, held))
    finally:
        umount(db)
    check(not incidents_of(env, held) and not incidents_of(env, rej), "no rows", env)
    expect_held_once(env, held, "register writable")
    expect_rejected_once(env, rej, "register writable")


# --- SIGHUP --------------------------------------------------------------------
PHONE_RULE = "\n[rule phone_out]\nwhen = external > 0 and phone >= 1\naction = reject\n"


def phone_mail(subject):
    return clean(subject, "ご連絡先: 090-1234-5678\n")


def test_sighup_broken_config_keeps_running(env):
    good = open(env.milter.conf, encoding="utf-8").read()
    # Drops the my_number rule and adds a broken rule: neither may apply.
    broken = good.replace("[rule my_number]", "[rule my_number_off]").replace(
        "when = external > 0 and my_number >= 1", "when = external > 0 and my_number >= 99")
    broken += "\n[rule bad]\nwhen = phones >= 1\naction = reject\n"
    bad_line = broken.split("\n").index("when = phones >= 1") + 1
    with open(env.milter.conf, "w", encoding="utf-8") as f:
        f.write(broken)
    try:
        start = env.milter.log_size()
        env.milter.signal(signal.SIGHUP)
        check(env.milter.wait_log("reload failed", 15, start), "reload failure logged", env)
        want = "%s:%d:" % (env.milter.conf, bad_line)
        check(env.milter.wait_log(want, 5, start), "the error names %s" % want, env)
        check("unknown counter 'phones'" in env.milter.read_log(), "and says what is wrong", env)
        check(env.milter.proc.poll() is None, "still running")
        rej = my_number("My Number after a broken reload")
        code, text = env.send(rej)
        check(code == 550 and "my_number" in text, "old rules still apply: %d %s" % (code, text), env)
        ok = phone_mail("phone after a broken reload")
        code, text = env.send(ok)
        check(code == 250, "clean mail still accepted: %d %s" % (code, text), env)
    finally:
        with open(env.milter.conf, "w", encoding="utf-8") as f:
            f.write(good)


def test_sighup_new_rules_for_new_messages(env):
    good = open(env.milter.conf, encoding="utf-8").read()
    old_msg = phone_mail("begun before the reload")
    a = Session(env.postfix.smtp)
    try:
        # Postfix gives the milter MAIL and RCPT when the client sends DATA:
        # the transaction is held open in the middle of its DATA.
        raw = dot_stuff(old_msg.as_bytes())
        check(a.mail(SENDER)[0] == 250 and a.rcpt(["x@partner.example.com"])[0] == 250, "envelope")
        check(a.data_start()[0] == 354, "DATA")
        a.send_raw(raw[:len(raw) // 2])
        check(settle(env), "milter read MAIL and RCPT")
        with open(env.milter.conf, "w", encoding="utf-8") as f:
            f.write(good + PHONE_RULE)
        start = env.milter.log_size()
        env.milter.signal(signal.SIGHUP)
        check(env.milter.wait_log("configuration reloaded", 15, start), "reloaded", env)
        # The open transaction finishes under the rules it started with.
        a.send_raw(raw[len(raw) // 2:])
        code, text = a.data_end()
        check(code == 250, "message begun before the reload: old rules, 250: %d %s" % (code, text), env)
        check(wait_until(lambda: delivered(env, old_msg), 30), "and delivered", env)
        # The next message on the same connection gets the new rules.
        check(a.mail(SENDER)[0] == 250 and a.rcpt(["x@partner.example.com"])[0] == 250, "envelope 2")
        check(a.data_start()[0] == 354, "DATA 2")
        a.send_raw(dot_stuff(phone_mail("same connection after the reload").as_bytes()))
        code, text = a.data_end()
        check(code == 550 and "phone_out" in text, "next message: new rule, 550: %d %s" % (code, text), env)
    finally:
        a.close()
    new_msg = phone_mail("new connection after the reload")
    code, text = env.send(new_msg)
    check(code == 550 and "phone_out" in text, "new connection: new rule: %d %s" % (code, text), env)
    with open(env.milter.conf, "w", encoding="utf-8") as f:
        f.write(good)
    start = env.milter.log_size()
    env.milter.signal(signal.SIGHUP)
    check(env.milter.wait_log("configuration reloaded", 15, start), "reloaded back", env)
    code, text = env.send(phone_mail("after reloading back"))
    check(code == 250, "rule gone again: %d %s" % (code, text), env)


def test_dlpctl_reload_says_what_changed(env):
    good = open(env.milter.conf, encoding="utf-8").read()
    changed = good.replace("when = external > 0 and my_number >= 1",
                           "when = external > 0 and my_number >= 2") + PHONE_RULE
    check(changed != good + PHONE_RULE, "the my_number rule's when was found to change")
    try:
        with open(env.milter.conf, "w", encoding="utf-8") as f:
            f.write(changed)
        start = env.milter.log_size()
        r = env.dlpctl("reload", check=False)
        check(r.returncode == 0 and "reloaded (pid %d): rules added: phone_out; rules changed: "
              "my_number" % env.milter.proc.pid in r.stdout, "dlpctl reload: %s %s"
              % (r.stdout, r.stderr), env)
        check(env.milter.wait_log("configuration reloaded from %s: rules added: phone_out; "
                                  "rules changed: my_number" % env.milter.conf, 5, start),
              "the log line says what changed", env)
        code, text = env.send(phone_mail("after dlpctl reload"))
        check(code == 550 and "phone_out" in text, "the new rule applies: %d %s" % (code, text), env)
        # A file with errors is not sent at all.
        with open(env.milter.conf, "w", encoding="utf-8") as f:
            f.write(changed + "\n[rule bad]\nwhen = phones >= 1\naction = reject\n")
        start = env.milter.log_size()
        r = env.dlpctl("reload", check=False)
        check(r.returncode == 1 and "unknown counter 'phones'" in r.stderr and "not sent" in r.stderr,
              "a broken file is refused before the signal: %s" % r.stderr, env)
        time.sleep(1)
        check(b"reload" not in env.milter.read_log().encode()[start:], "the daemon was not signalled", env)
    finally:
        with open(env.milter.conf, "w", encoding="utf-8") as f:
            f.write(good)
    r = env.dlpctl("reload", check=False)
    check(r.returncode == 0 and "rules removed: phone_out; rules changed: my_number" in r.stdout,
          "reloaded back: %s %s" % (r.stdout, r.stderr), env)
    st = json.load(open(os.path.join(env.var, "stats.json")))
    check(st["reload"]["ok"] and st["reload"]["count"] >= 2, "stats.json: %r" % st.get("reload"))


# --- SIGTERM -------------------------------------------------------------------
def test_sigterm_open_messages_finish(env):
    env.set_conf("milter", "timeout", "30")
    restart(env)
    held = risky("名簿 open across SIGTERM")
    ok = clean("clean open across SIGTERM")
    late = clean("begun after SIGTERM")
    fresh = clean("new connection after SIGTERM")
    raw = dot_stuff(held.as_bytes())
    a, b = Session(env.postfix.smtp), Session(env.postfix.smtp)
    try:
        check(a.mail(SENDER)[0] == 250 and a.rcpt(EXT2)[0] == 250 and a.data_start()[0] == 354, "A")
        a.send_raw(raw[:len(raw) // 2])
        check(b.mail(SENDER)[0] == 250 and b.rcpt(["x@partner.example.com"])[0] == 250 and
              b.data_start()[0] == 354, "B")
        b.send_raw(dot_stuff(ok.as_bytes()))
        check(settle(env), "milter read both envelopes")
        start = env.milter.log_size()
        env.milter.signal(signal.SIGTERM)
        check(env.milter.wait_log("stopping", 20, start), "stop noticed", env)
        check(env.milter.proc.poll() is None, "still running while messages are open")
        code, text = env.send(fresh)
        check(400 <= code < 500, "new connection after SIGTERM: 4xx: %d %s" % (code, text), env)
        code, text = b.data_end()
        check(code == 250, "B finishes: 250: %d %s" % (code, text), env)
        check(b.mail(SENDER)[0] == 250 and b.rcpt(["y@partner.example.com"])[0] == 250 and
              b.data_start()[0] == 354, "B, second message")
        b.send_raw(dot_stuff(late.as_bytes()))
        code, text = b.data_end()
        check(400 <= code < 500, "message begun after SIGTERM: 4xx: %d %s" % (code, text), env)
        a.send_raw(raw[len(raw) // 2:])
        code, text = a.data_end()
        check(code == 250, "A finishes (held): %d %s" % (code, text), env)
        try:
            rc = env.milter.proc.wait(20)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "then the daemon exits 0: %r" % rc, env)
    finally:
        a.close()
        b.close()
    rows = incidents_of(env, held)
    check(len(rows) == 1 and rows[0]["status"] == "held", "A held once: %r" % rows, env)
    check(stored_copies(env, held) == ["msg/%s.eml" % rows[0]["id"]], "A stored once")
    check(wait_until(lambda: delivered(env, ok), 30), "B delivered", env)
    env.quiet(1)
    check(len(delivered(env, ok)) == 1, "B delivered once")
    check(not delivered(env, late) and not delivered(env, fresh), "the 4xx ones were not delivered")
    env.milter.proc = None
    env.milter.start()
    expect_delivered_once(env, late, "retry of the late message")
    expect_delivered_once(env, fresh, "retry of the new connection")


def test_sigterm_drain_times_out(env):
    env.set_conf("milter", "timeout", "3")
    restart(env)
    held = risky("名簿 stalled across SIGTERM")
    raw = dot_stuff(held.as_bytes())
    a = Session(env.postfix.smtp)
    try:
        check(a.mail(SENDER)[0] == 250 and a.rcpt(EXT2)[0] == 250 and a.data_start()[0] == 354, "A")
        a.send_raw(raw[:len(raw) // 2])
        check(settle(env), "milter read the envelope")
        env.milter.signal(signal.SIGTERM)
        try:
            rc = env.milter.proc.wait(30)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "the daemon stops after [milter] timeout: %r" % rc, env)
        check("1 message" in env.milter.read_log(), "and says one message was left", env)
        a.send_raw(raw[len(raw) // 2:])
        code, text = a.data_end()
        check(400 <= code < 500, "the stalled message gets 4xx: %d %s" % (code, text), env)
    finally:
        a.close()
    check(not incidents_of(env, held) and not stored_copies(env, held), "nothing registered or stored")
    env.milter.proc = None
    env.milter.start()
    expect_held_once(env, held, "retry after the restart")


def main():
    tests = [
        ("faults: SIGKILL while the milter reads the body -> 4xx, delivered once",
         test_sigkill_while_milter_reads_body),
        ("faults: SIGKILL mid-DATA -> 4xx, held once after restart", test_sigkill_mid_data_then_held_once),
        ("faults: SIGKILL while registering -> 4xx, held once", test_sigkill_while_registering),
        ("faults: quarantine tmp/ not a directory -> 4xx, then held once",
         test_quarantine_tmp_not_a_directory),
        ("faults: quarantine read-only -> 4xx, then held once", test_quarantine_read_only),
        ("faults: quarantine full (tmpfs) -> 4xx, then held once", test_quarantine_full),
        ("faults: register locked past busy timeout -> 4xx, then once", test_register_locked),
        ("faults: register read-only -> 4xx, then once", test_register_read_only),
        ("faults: SIGHUP broken config -> old config kept, file:line logged",
         test_sighup_broken_config_keeps_running),
        ("faults: SIGHUP good config -> new messages only", test_sighup_new_rules_for_new_messages),
        ("faults: dlpctl reload says what changed", test_dlpctl_reload_says_what_changed),
        ("faults: SIGTERM -> open messages finish, new ones 4xx", test_sigterm_open_messages_finish),
        ("faults: SIGTERM with a stalled client -> 4xx after timeout", test_sigterm_drain_times_out),
    ]
    # One Postfix and one sink for all; each case restarts the milter it
    # kills, and counts only its own messages (by Message-ID).
    tests.append(("faults: no sanitizer report in the milter log", check_no_sanitizer_report))
    with Env() as env:
        def case(fn):
            # A case that fails between its kill (or SIGSTOP) and its
            # restart must not leave the next ones without a milter.
            try:
                fn(env)
            except BaseException:
                restart(env)
                raise
            if env.milter.proc is None or env.milter.proc.poll() is not None:
                restart(env)
        return run([(name, lambda fn=fn: case(fn)) for name, fn in tests])


if __name__ == "__main__":
    sys.exit(main())
