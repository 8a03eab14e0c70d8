"""End to end through a real Postfix: hostile messages end in a decision at
SMTP time (held, rejected or a 4xx), never in a milter timeout.

What Postfix itself does with them (lib.py's main.cf: Postfix defaults but
smtpd_recipient_limit = 20000 and message_size_limit = 100 MB):
  - a 10 MB header line: Postfix accepts it and discards the excess
    (header_size_limit); measured with Postfix 3.7, the milter receives
    the field cut to 60,000 bytes and the following fields intact, so the
    MIME structure is seen and the attachment read;
  - 10,000 recipients: accepted up to smtpd_recipient_limit (Postfix's
    default 1000 answers "452 4.5.3 Error: too many recipients" to the
    1001st RCPT, the client sends the rest in another transaction); the
    To header of 10,000 addresses is itself cut at header_size_limit;
  - 100,000 parts: Postfix's MIME processor only limits nesting
    (mime_nesting_limit 100) and boundary length, so all of it reaches the
    milter, which inspects max_parts (1000) and marks the rest unscanned;
  - 1,000 nested multiparts: past mime_nesting_limit Postfix stops
    following the structure but accepts and passes the message on whole;
    the milter stops at max_depth (8) and holds it.
"""
import base64
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from lib import Env, check, people, people_csv, run

SENDER = "kakari@example.go.jp"
EXT = "partner@corp.example.com"

env = None


def raw_message(headers, body):
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def held(before, rule):
    """The last register row is a hold by rule; the message was quarantined
    and did not reach the sink."""
    rows = env.incidents()
    check(len(rows) == before + 1, "one register row (%d -> %d)" % (before, len(rows)), env)
    row = rows[-1]
    check(row["action"] == "hold" and row["status"] == "held", "held: %r" % row, env)
    check(rule in row["rules"], "rule %s fired: %s" % (rule, row["rules"]), env)
    check(env.quiet(1) and not env.sink.messages, "nothing reached the sink", env)
    return row


def test_huge_header_line():
    env.sink.clear()
    before = len(env.incidents())
    csv = base64.encodebytes(people_csv(people(20))).replace(b"\n", b"\r\n")
    body = (b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nlist\r\n"
            b"--b\r\nContent-Type: text/csv; name=\"people.csv\"\r\n"
            b"Content-Disposition: attachment; filename=\"people.csv\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + csv + b"--b--\r\n")
    msg = raw_message(["From: " + SENDER, "To: " + EXT, "X-Long: " + "a" * (10 << 20),
                       "Subject: long header", "MIME-Version: 1.0",
                       "Content-Type: multipart/mixed; boundary=\"b\""], body)
    t0 = time.time()
    code, text = env.send(msg, rcpts=[EXT], sender=SENDER)
    check(code == 250, "accepted and held at SMTP time: %d %s (%.0fs)" % (code, text,
          time.time() - t0), env)
    row = held(before, "personal_data_volume")
    check('"phone"' in row["findings"] and "40" in row["findings"],
          "the attachment after the long header was read: %s" % row["findings"], env)
    stored = os.path.join(env.var, "quarantine", "msg", env.quarantined()[-1])
    size = os.path.getsize(stored)
    check(size < (1 << 20), "Postfix gave the milter the header cut to header_size_limit "
          "(held copy %d bytes)" % size, env)


def test_many_recipients():
    env.sink.clear()
    before = len(env.incidents())
    rcpts = ["u%05d@%s" % (i, "example.go.jp" if i % 2 else "partner.example") for i in range(10000)]
    msg = raw_message(["From: " + SENDER, "To: " + ",\r\n ".join(rcpts), "Subject: everyone"],
                      b"hello\r\n")
    code, text = env.send(msg, rcpts=rcpts, sender=SENDER)
    check(code == 250, "accepted and held at SMTP time: %d %s" % (code, text), env)
    row = held(before, "mass_recipients")
    check(row["recipients"] == 10000 and row["external"] == 5000,
          "all 10,000 envelope recipients counted: %d / %d external" %
          (row["recipients"], row["external"]), env)
    check(10 <= row["external_visible"] < 5000,
          "visible To cut by Postfix's header_size_limit, still >= 10: %d" % row["external_visible"],
          env)


def test_many_parts():
    env.sink.clear()
    before = len(env.incidents())
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
                     for i in range(100000))
    msg = raw_message(["From: " + SENDER, "To: " + EXT, "Subject: parts", "MIME-Version: 1.0",
                       "Content-Type: multipart/mixed; boundary=\"b\""], parts + b"--b--\r\n")
    code, text = env.send(msg, rcpts=[EXT], sender=SENDER)
    check(code == 250, "accepted and held at SMTP time: %d %s" % (code, text), env)
    row = held(before, "unscanned_attachment")
    check("max_parts" in row["parts"], "the part limit is named in the parts", env)


def test_deep_nesting():
    env.sink.clear()
    before = len(env.incidents())
    head = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n" % (i - 1, i)
                    for i in range(1, 1000))
    tail = b"".join(b"--b%d--\r\n" % i for i in range(999, -1, -1))
    msg = raw_message(["From: " + SENDER, "To: " + EXT, "Subject: deep", "MIME-Version: 1.0",
                       "Content-Type: multipart/mixed; boundary=\"b0\""],
                      head + b"--b999\r\nContent-Type: text/plain\r\n\r\n090-1234-5678\r\n" + tail)
    code, text = env.send(msg, rcpts=[EXT], sender=SENDER)
    check(code == 250, "accepted and held at SMTP time: %d %s" % (code, text), env)
    row = held(before, "unscanned_attachment")
    check("max_depth" in row["parts"], "the depth limit is named in the parts", env)


def main():
    global env
    with Env() as env:
        return run([
            ("hostile: 10 MB header line -> held", test_huge_header_line),
            ("hostile: 10,000 recipients -> held", test_many_recipients),
            ("hostile: 100,000 parts -> held", test_many_parts),
            ("hostile: 1,000 nested multiparts -> held", test_deep_nesting),
        ])


if __name__ == "__main__":
    sys.exit(main())
