"""End to end through Debian's Sendmail on 127.0.0.1.

Sendmail (unpacked by tests/deps-sendmail.sh: sendmail-bin conflicts with
postfix) runs in the foreground with a .cf built from an .mc by m4 and
Debian's sendmail-cf: the MTA daemon has INPUT_MAIL_FILTER dlp-milter
(F=T: tempfail when the filter is down), a second daemon `DLP-release` with
an empty InputMailFilters is the [release] relay, and everything is relayed
to the test sink.  Checked at the client, the sink, the quarantine and the
register, as with Postfix.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lib import (SendmailEnv, check, check_no_sanitizer_report, crlf, make_message, people,
                 people_csv, run, sendmail_available, wait_until)

SENDER = "kakari@example.go.jp"
EXT = ["partner%03d@corp%d.example.com" % (i, i % 7) for i in range(144)]

env = None


def verdict_lines():
    return [l for l in env.milter.read_log().splitlines() if " verdict=" in l]


def test_cf_has_the_filter_lines():
    cf = open(env.sendmail.cf).read()
    check(re.search(r"(?m)^Xdlp-milter, S=inet:%d@127\.0\.0\.1, F=T" % env.milter.port, cf),
          "X line for dlp-milter in the .cf")
    check(re.search(r"(?m)^O InputMailFilters=dlp-milter$", cf), "InputMailFilters=dlp-milter")
    check(re.search(r"(?m)^O DaemonPortOptions=Name=DLP-release, .*Port=%d, InputMailFilters=$"
                    % env.sendmail.release, cf), "release daemon without filters")


def test_clean_mail_delivered():
    env.sink.clear()
    n = len(verdict_lines())
    msg = make_message(SENDER, ["tanaka@partner.example.com"], "会議の件",
                       "来週の会議は10時からです。\n")
    code, text = env.send(msg)
    check(code == 250, "clean mail accepted: %d %s" % (code, text), env)
    qid = re.search(r"(\w+) Message accepted", text)
    check(env.wait_sink(1, 30), "delivered to the sink", env)
    mail, rcpts, data = env.sink.messages[0]
    check(mail == SENDER and rcpts == ["tanaka@partner.example.com"], "envelope kept: %r %r" % (mail, rcpts))
    check(msg["Message-ID"].encode() in data and b"by mta.dlp-test.invalid" in data,
          "the message, relayed by the test Sendmail")
    lines = verdict_lines()[n:]
    check(len(lines) == 1 and "action=accept" in lines[0], "one accept verdict: %r" % lines, env)
    check(qid and (": %s: verdict=" % qid.group(1)) in lines[0],
          "Sendmail's queue id {i} in the log line: %r / %r" % (text, lines[0]))


def test_my_number_rejected():
    env.sink.clear()
    before = len(env.incidents())
    msg = make_message(SENDER, ["hr@partner.example.com"], "手続き",
                       "山田様のマイナンバーは 1234 5678 9018 です。\n")
    code, text = env.send(msg)
    check(code == 550 and "5.7.1" in text and "my_number" in text,
          "550 5.7.1 from Sendmail: %d %s" % (code, text), env)
    rows = env.incidents()
    check(len(rows) == before + 1 and rows[-1]["status"] == "rejected", "one rejected row", env)
    check(rows[-1]["id"] in text, "incident id in the reply")
    check(rows[-1]["queue_id"], "Sendmail's queue id registered: %r" % rows[-1]["queue_id"])
    check("123456789018" not in json.dumps(rows[-1], ensure_ascii=False), "no full My Number")
    env.quiet(2)
    check(not [m for m in env.sink.messages if msg["Message-ID"].encode() in m[2]],
          "the refused mail was not delivered (only the admin notice)", env)


def test_144_recipients_held_and_released():
    env.sink.clear()
    before = len(env.incidents())
    msg = make_message(SENDER, EXT, "説明会のご案内", "皆様\n説明会を開催します。\n")
    sent = crlf(msg.as_bytes())
    code, text = env.send(sent, rcpts=EXT, sender=SENDER)
    check(code == 250, "held mail looks accepted: %d %s" % (code, text), env)
    rows = env.incidents()
    check(len(rows) == before + 1, "one register row", env)
    row = rows[-1]
    check(row["status"] == "held" and "mass_recipients" in row["rules"], "held by mass_recipients: %r"
          % ((row["status"], row["rules"]),))
    check(row["recipients"] == 144 and row["external_visible"] == 144, "144/144")
    stored = open(os.path.join(env.var, "quarantine", "msg", row["id"] + ".eml"), "rb").read()
    # Sendmail hands the filter its own Received header first; the rest is
    # what the client sent, byte for byte.
    check(stored.endswith(sent), "stored copy ends with the message as sent")
    check(env.quiet(2), "Sendmail's queue is empty", env)
    check(not [m for m in env.sink.messages if msg["Message-ID"].encode() in m[2]],
          "nothing delivered while held", env)

    n = len(verdict_lines())
    r = env.dlpctl("release", row["id"], "--reason", "確認済み", check=False)
    check(r.returncode == 0 and "released" in r.stdout, "released: %s %s" % (r.stdout, r.stderr))

    def delivered():
        return [m for m in list(env.sink.messages) if msg["Message-ID"].encode() in m[2]]
    check(wait_until(lambda: sum(len(m[1]) for m in delivered()) >= 144, 60),
          "all 144 delivered through the release daemon", env)
    env.quiet(2)
    got = sorted(r for m in delivered() for r in m[1])
    check(got == sorted(EXT), "every recipient exactly once (%d)" % len(got))
    for mail, _, data in delivered():
        check(mail == SENDER, "envelope sender kept")
        tok = env.register("SELECT reason FROM audit WHERE incident = ? AND action ="
                           " 'release sent as'", (row["id"],))[0]["reason"]
        check(("X-DLP-Released: %s\r\n" % tok).encode() in data, "trace header")
    check(len(verdict_lines()) == n, "the release daemon did not run the filter again", env)
    st = env.register("SELECT status FROM incidents WHERE id = ?", (row["id"],))[0]["status"]
    check(st == "released", "status released: " + st)
    check(len(env.incidents()) == before + 1, "no new incident from the release")


def test_hold_notice_through_sendmail():
    env.sink.clear()
    msg = make_message(SENDER, ["a@partner.example.com", "b@other.example.net"], "名簿送付",
                       "名簿を送ります。\n",
                       attachments=[("meibo.csv", people_csv(people(49)), "text", "csv")])
    code, text = env.send(msg)
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    row = env.incidents()[-1]
    check(row["status"] == "held" and "personal_data_volume" in row["rules"], "held: %r" % row["rules"])
    check(wait_until(lambda: any(b"X-DLP-Incident: " + row["id"].encode() in m[2] and m[1] == [SENDER]
                                 for m in list(env.sink.messages)), 60),
          "hold notice to the sender through the release daemon", env)


def test_filter_down_tempfails():
    env.milter.kill()
    try:
        env.sink.clear()
        msg = make_message(SENDER, ["x@partner.example.com"], "down", "本文\n")
        code, text = env.send(msg)
        check(400 <= code < 500, "4xx with the filter down (F=T): %d %s" % (code, text), env)
        # Only this message counts: a notice of the previous test may still arrive.
        mine = lambda: [m for m in list(env.sink.messages) if msg["Message-ID"].encode() in m[2]]
        env.quiet(2)
        check(not mine(), "nothing delivered", env)
    finally:
        env.milter.start()
    msg = make_message(SENDER, ["x@partner.example.com"], "up again", "本文\n")
    code, text = env.send(msg)
    check(code == 250 and wait_until(lambda: any(msg["Message-ID"].encode() in m[2]
                                                 for m in list(env.sink.messages)), 30),
          "the client's retry is delivered: %d %s" % (code, text), env)


def main():
    global env
    why = sendmail_available()
    if why:
        print("FAIL sendmail: %s" % why)
        print("0 passed, 1 failed")
        return 1
    env = SendmailEnv()
    # Released mail and notices go through Sendmail's daemon without filters.
    env.use_release_port()
    env.set_conf("notice", "relay", "smtp://127.0.0.1:%d" % env.sendmail.release)
    with env:
        return run([
            ("sendmail: .cf has INPUT_MAIL_FILTER and the release daemon", test_cf_has_the_filter_lines),
            ("sendmail: clean mail delivered", test_clean_mail_delivered),
            ("sendmail: My Number rejected 550 5.7.1", test_my_number_rejected),
            ("sendmail: 144 external To held, released once", test_144_recipients_held_and_released),
            ("sendmail: hold notice sent through Sendmail", test_hold_notice_through_sendmail),
            ("sendmail: filter down -> 4xx, retry delivered", test_filter_down_tempfails),
            ("sendmail: no sanitizer report in the milter log", lambda: check_no_sanitizer_report(env)),
        ])


if __name__ == "__main__":
    sys.exit(main())
