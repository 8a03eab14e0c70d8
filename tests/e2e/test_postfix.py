"""End to end through a real Postfix on 127.0.0.1: the foundation cases.

A private Postfix (smtpd_milters = dlp-milter) relays to a local sink; real
SMTP goes in, and the sink, the quarantine and the register are checked.
"""
import json
import os
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from lib import (Env, check, crlf, make_message, people, people_csv, run, wait_until)

SENDER = "kakari@example.go.jp"
EXT = ["partner%03d@corp%d.example.com" % (i, i % 7) for i in range(144)]
INT = ["staff%03d@%s" % (i, "example.go.jp" if i % 2 else "bu.example.go.jp") for i in range(144)]

env = None


def sink_rcpts():
    return sorted(r for _, rcpts, _ in env.sink.messages for r in rcpts)


def test_clean_external_arrives():
    env.sink.clear()
    msg = make_message(SENDER, ["tanaka@partner.example.com"], "会議の件",
                       "来週の会議は10時からです。資料は2024年3月15日版をご覧ください。\n")
    code, text = env.send(msg)
    check(code == 250, "clean mail accepted: %d %s" % (code, text), env)
    check(env.wait_sink(1), "clean mail reached the sink", env)
    mail, rcpts, data = env.sink.messages[0]
    check(rcpts == ["tanaka@partner.example.com"], "envelope kept: %r" % rcpts)
    check("会議の件".encode() in data or b"Subject:" in data, "message content delivered")


def test_my_number_rejected_at_smtp_time():
    env.sink.clear()
    before = len(env.incidents())
    msg = make_message(SENDER, ["hr@partner.example.com"], "手続き",
                       "山田様のマイナンバーは 1234 5678 9018 です。\n")
    code, text = env.send(msg)
    check(code == 550 and "5.7.1" in text, "My Number mail gets 550 5.7.1: %d %s" % (code, text), env)
    check("my_number" in text and "incident" in text, "reply names rule and incident: " + text)
    rows = env.incidents()
    check(len(rows) == before + 1, "one register row", env)
    row = rows[-1]
    check(row["status"] == "rejected" and row["action"] == "reject", "row is a reject: %r" % row)
    check(row["id"] in text, "incident id %s in the SMTP reply" % row["id"])
    check("123456789018" not in json.dumps(row, ensure_ascii=False), "no full My Number in the register")
    check(env.quiet(2) and not env.sink.messages, "nothing reached the sink", env)


def test_mass_recipients_held():
    env.sink.clear()
    before = len(env.incidents())
    msg = make_message(SENDER, EXT, "説明会のご案内",
                       "皆様\n説明会を開催します。\n")
    # Odd but legal header spacing and folding must be kept byte for byte.
    odd = b"X-Odd:no-space\r\nX-Two:  two spaces\r\nX-Fold: first\r\n\tsecond\r\n"
    sent = odd + crlf(msg.as_bytes())
    code, text = env.send(sent, rcpts=EXT, sender=SENDER)
    check(code == 250, "held mail looks accepted to the client: %d %s" % (code, text), env)
    rows = env.incidents()
    check(len(rows) == before + 1, "one register row", env)
    row = rows[-1]
    check(row["status"] == "held" and row["action"] == "hold", "row held: %r" % row["status"])
    check("mass_recipients" in row["rules"], "rule mass_recipients: %s" % row["rules"])
    check(row["external_visible"] == 144 and row["recipients"] == 144,
          "counters 144/144: %r/%r" % (row["recipients"], row["external_visible"]))
    stored = os.path.join(env.var, "quarantine", "msg", row["id"] + ".eml")
    check(os.path.exists(stored), "stored in the quarantine: " + stored, env)
    check(os.stat(stored).st_mode & 0o777 == 0o600, "stored 0600")
    data = open(stored, "rb").read()
    check(data == sent, "stored byte for byte as sent:\n%r\n%r" % (data[-200:], sent[-200:]))
    check(b"Subject: " in data and data.count(b"partner") >= 144, "stored headers complete")
    check(env.quiet(2) and not env.sink.messages, "nothing reached the sink", env)


def test_same_list_internal_arrives():
    env.sink.clear()
    msg = make_message(SENDER, INT, "説明会のご案内", "皆様\n説明会を開催します。\n")
    code, text = env.send(msg)
    check(code == 250, "accepted: %d %s" % (code, text), env)
    check(wait_until(lambda: len(sink_rcpts()) >= 144, 30), "all 144 internal recipients delivered "
          "(got %d)" % len(sink_rcpts()), env)
    check(sink_rcpts() == sorted(INT), "exactly the 144 recipients")


def test_csv_of_49_people_held():
    env.sink.clear()
    before = len(env.incidents())
    csv = people_csv(people(49))
    msg = make_message(SENDER, ["a@partner.example.com", "b@other.example.net"],
                       "名簿送付", "名簿を送ります。\n",
                       attachments=[("meibo.csv", csv, "text", "csv")])
    code, text = env.send(msg)
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    rows = env.incidents()
    check(len(rows) == before + 1, "one register row", env)
    row = rows[-1]
    check(row["status"] == "held", "held")
    check("personal_data_volume" in row["rules"], "personal_data_volume fired: " + row["rules"])
    f = json.loads(row["findings"])
    check(f["phone"]["count"] == 98 and f["email"]["count"] == 49,
          "49 people: 98 phones, 49 emails: %r" % {k: v["count"] for k, v in f.items()})
    dump = json.dumps(row, ensure_ascii=False)
    name, mobile, land, email, addr = people(49)[0]
    check(mobile not in dump and email not in dump, "no full value in the register")
    check("meibo.csv" in row["parts"], "part named in the register")
    check(env.quiet(2) and not env.sink.messages, "nothing reached the sink", env)


def test_several_messages_one_connection_and_abort():
    env.sink.clear()
    clean = make_message(SENDER, ["x@partner.example.com"], "one", "最初のメールです。\n")
    bad = make_message(SENDER, ["x@partner.example.com"], "two", "マイナンバー: 621498320257\n")
    clean2 = make_message(SENDER, ["y@partner.example.com"], "three", "三通目です。\n")
    with smtplib.SMTP("127.0.0.1", env.postfix.smtp, timeout=60) as s:
        s.ehlo("client.test")
        s.sendmail(SENDER, ["x@partner.example.com"], crlf(clean.as_bytes()))
        try:
            s.sendmail(SENDER, ["x@partner.example.com"], crlf(bad.as_bytes()))
            check(False, "second message should be refused")
        except smtplib.SMTPDataError as e:
            check(e.smtp_code == 550, "second refused 550: %r" % e.smtp_code)
        # An aborted transaction: MAIL, RCPT, then RSET.
        s.mail(SENDER)
        s.rcpt("z@partner.example.com")
        s.rset()
        s.sendmail(SENDER, ["y@partner.example.com"], crlf(clean2.as_bytes()))
    check(env.wait_sink(2), "first and third delivered", env)
    check(env.quiet(2), "queue empty")
    subjects = sorted(d.split(b"Subject: ")[1].split(b"\r\n")[0] for _, _, d in env.sink.messages)
    check(subjects == [b"one", b"three"], "only the clean ones arrived: %r" % subjects)


def test_log_line_per_message_without_values():
    log = env.milter.read_log()
    lines = [l for l in log.splitlines() if " verdict=" in l]
    check(len(lines) >= 5, "one verdict line per message (%d)" % len(lines), env)
    for l in lines:
        check("ms=" in l and "rules=" in l and "rcpt=" in l, "line has the fields: " + l)
        check(l.split("dlp-milter: ")[1].split(":")[0] not in ("", "NOQUEUE"), "queue id in: " + l)
    check("1234 5678 9018" not in log and "123456789018" not in log, "no My Number in the log")
    check("621498320257" not in log, "no My Number in the log")


def test_tag_action_adds_headers():
    extra = "\n[rule tag_phone]\nwhen = phone >= 1 and external == 0\naction = tag\nreason = 電話番号を含む内部メール\n"
    with Env(conf_extra=extra) as e:
        msg = make_message(SENDER, ["staff@example.go.jp"], "連絡先", "電話: 090-1234-5678\n")
        code, text = e.send(msg)
        check(code == 250, "accepted: %d %s" % (code, text), e)
        check(e.wait_sink(1), "delivered", e)
        data = e.sink.messages[0][2]
        check(b"X-DLP-Verdict: tag" in data and b"X-DLP-Rules: tag_phone" in data,
              "X-DLP headers added: %r" % data[:600])


def test_milter_down_tempfails():
    with Env() as e:
        e.milter.kill()
        msg = make_message(SENDER, ["x@partner.example.com"], "down", "本文\n")
        code, text = e.send(msg)
        check(400 <= code < 500, "4xx with the milter down: %d %s" % (code, text), e)
        check(e.quiet(2) and not e.sink.messages, "nothing arrived", e)


def main():
    global env
    with Env() as env:
        rc = run([
            ("postfix: clean external mail arrives", test_clean_external_arrives),
            ("postfix: My Number mail rejected 550 at SMTP time", test_my_number_rejected_at_smtp_time),
            ("postfix: 144 external To held", test_mass_recipients_held),
            ("postfix: same 144 internal arrive", test_same_list_internal_arrives),
            ("postfix: CSV of 49 people held", test_csv_of_49_people_held),
            ("postfix: several messages, one connection, RSET", test_several_messages_one_connection_and_abort),
            ("postfix: one log line per message, no values", test_log_line_per_message_without_values),
        ])
    rc |= run([
        ("postfix: tag action adds X-DLP headers", test_tag_action_adds_headers),
        ("postfix: milter killed -> 4xx, nothing arrives", test_milter_down_tempfails),
    ])
    return rc


if __name__ == "__main__":
    sys.exit(main())
