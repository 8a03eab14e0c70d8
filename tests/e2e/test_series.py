"""End to end through a real Postfix: the second batch (issue 14 point 6).

The same attachment sent 16 times, nine new external recipients each time,
each send under another subject and file name: no single message is held
(nine visible recipients stay under mass_recipients), and exactly the send
that makes series_external cross the test rule's 140 (the 16th: 144) is
held.  The milter is restarted after the 8th send: the counters are in the
register, so the 16th is still the one held.  The log line of each message
carries series= and hour= (sender_external_hour), and `dlpctl show` of the
hold gives the count in its reason.  The same again with the register in
PostgreSQL (tests/pgserver.sh; skipped without it), whose series table then
holds hashes only.  And the shipped rule as shipped (active: 50): nine
recipients a send, the sixth is held; released with dlpctl, it is recorded
in its series, so the seventh send counts its recipients (63).  No sleeping: the window is only made
short (30m), never waited for.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lib import (Env, SHIPPED_CONF, check, make_message, run, test_config)

SENDER = "kakari@example.go.jp"
SENDS, EACH, THRESHOLD = 16, 9, 140
FILE = ("会議日程,場所\n" + "".join("第%d回,第%d会議室\n" % (i, i % 5) for i in range(40))).encode()

TEST_RULE = """
[rule test_series]
when = series_external >= %d
action = hold
reason = 同じ添付ファイルまたは件名のメールが外部の {series_external} 人に送られようとしています（{threshold} 人以上で保留）。
	The same attachment or subject would reach {series_external} external recipients ({threshold} or more are held).
""" % THRESHOLD


SHIPPED_RULE = ("\n[rule series_recipients]\n"
                "when = series_external >= 50 and series_external > external\n")


def conf(var, pg=None, own_rule=True):
    text = test_config(SHIPPED_CONF, var)
    if pg:
        text, n = re.subn(r"(?m)^\[register\]$", "[register]\nurl = %s\npassword_file = %s"
                          % (pg.url, pg.password_file), text)
        check(n == 1, "shipped [register] found")
    check(SHIPPED_RULE in text and "#[rule series_recipients]" not in text,
          "shipped series_recipients rule, active")
    text, n = re.subn(r"(?m)^window = 2h$", "window = 30m", text)
    check(n == 1, "shipped [series] window found")
    if own_rule:
        # this case is of its own threshold: the shipped rule (50) taken out
        text, n = re.subn(r"(?ms)^\[rule series_recipients\]\n.*?(?=^\[)", "", text)
        check(n == 1, "shipped series_recipients rule taken out")
        return text + TEST_RULE
    return text


def rcpts(send):
    return ["m%03d@org%d.example.org" % (send * EACH + i, i % 4) for i in range(EACH)]


def verdict_lines(env):
    return [l for l in env.milter.read_log().splitlines() if "verdict=" in l]


def send(env, i):
    msg = make_message(SENDER, rcpts(i), "資料送付 その%d" % (i + 1), "資料をお送りします。\n",
                       attachments=[("日程_%d.csv" % (i + 1), FILE, "text", "csv")])
    return env.send(msg, rcpts=rcpts(i), sender=SENDER)


def series_env(pg=None, own_rule=True):
    env = Env(conf_text="placeholder")
    # Env wrote the placeholder; the real config needs its var dir
    with open(env.milter.conf, "w", encoding="utf-8") as f:
        f.write(conf(env.var, pg, own_rule))
    return env


def series_case(pg=None):
    env = series_env(pg)
    if pg:
        def held():
            return int(pg.sql("SELECT count(*) FROM incidents")[0][0])
    else:
        def held():
            return len(env.incidents())
    with env:
        held_at = []
        for i in range(SENDS):
            if i == 8:
                env.milter.stop()
                env.milter.start()
            before = held()
            code, text = send(env, i)
            check(code == 250, "send %d accepted by Postfix: %d %s" % (i + 1, code, text), env)
            if held() > before:
                held_at.append(i + 1)
        check(held_at == [SENDS], "exactly send %d held: %r" % (SENDS, held_at), env)
        if pg:
            iid, rules = pg.sql("SELECT id, rules FROM incidents")[0]
        else:
            row = env.incidents()[-1]
            check(row["status"] == "held", "held: %r" % row, env)
            iid, rules = row["id"], row["rules"]
        check("test_series" in rules, "held by test_series: %r" % rules, env)
        check(env.wait_sink(SENDS - 1), "the 15 other sends arrived", env)
        got = sorted(r for _, rs, _ in env.sink.messages for r in rs)
        want = sorted(r for i in range(SENDS - 1) for r in rcpts(i))
        check(got == want, "their 135 recipients, once each (%d)" % len(got), env)
        lines = verdict_lines(env)
        check(len(lines) == SENDS, "one verdict line a send: %d" % len(lines), env)
        for i, l in enumerate(lines):
            check(" series=%d hour=%d/" % ((i + 1) * EACH, i + 1) in l,
                  "send %d: series=%d hour=%d in %s" % (i + 1, (i + 1) * EACH, i + 1, l), env)
        check("m000@" not in env.milter.read_log(), "no recipient address in the log", env)
        show = env.dlpctl("show", iid).stdout
        check("144" in show and str(THRESHOLD) in show, "dlpctl show gives 144 and 140:\n" + show)
        if pg:
            rows = pg.sql("SELECT sender, skey, rcpt FROM series")
            check(len(rows) == 15 * EACH * 2, "15 sends' rows, 2 keys each: %d" % len(rows))
            check(all(re.fullmatch("[0-9a-f]{32}", v) for r in rows for v in r),
                  "only hashes in the series table")


def shipped_case():
    """The shipped rule as shipped (50, window 2h): nine recipients a send,
    the sixth send (54) is held.  Released with dlpctl, it went out: the
    seventh send's series_external counts its nine recipients (63, not 54),
    and its hour the released message; a second release adds nothing."""
    env = series_env(own_rule=False)
    with env:
        env.use_release_port()
        for i in range(6):
            code, text = send(env, i)
            check(code == 250, "send %d accepted by Postfix: %d %s" % (i + 1, code, text), env)
        rows = env.incidents()
        check(len(rows) == 1 and rows[0]["status"] == "held", "one hold: %r" % rows, env)
        check("series_recipients" in rows[0]["rules"], "held by the shipped rule: %r"
              % rows[0]["rules"], env)
        lines = verdict_lines(env)
        check(len(lines) == 6 and " series=54 " in lines[5] and "verdict=hold" in lines[5]
              and all("verdict=hold" not in l for l in lines[:5]),
              "sends 1-5 out, the sixth held at 54: %r" % lines, env)
        check(env.wait_sink(5), "the five sends arrived", env)
        iid = rows[0]["id"]
        r = env.dlpctl("release", iid, check=False)
        check(r.returncode == 0, "dlpctl release: %s %s" % (r.stdout, r.stderr), env)
        check(env.wait_sink(6), "the released sixth arrived", env)
        held = env.register("SELECT count(*) AS n FROM series_held")[0]["n"]
        check(held == 0, "its kept series rows recorded and forgotten: %d" % held, env)
        r = env.dlpctl("release", iid, check=False)      # repeated: nothing more
        code, text = send(env, 6)
        check(code == 250, "send 7 accepted by Postfix: %d %s" % (code, text), env)
        lines = verdict_lines(env)
        check(len(lines) == 7 and " series=63 hour=7/" in lines[6],
              "send 7 counts the released sixth's recipients once (63) and its message: %s"
              % lines[-1], env)
        rows = env.register("SELECT count(*) AS n FROM series_sent")[0]["n"]
        check(rows == 6, "six messages went out, each in series_sent once: %d" % rows, env)


def series_pg_case():
    from test_postgres import PgServer
    pg = PgServer()
    try:
        if pg.absent:
            print("  skipped: %s" % pg.absent)
            return
        series_case(pg)
    finally:
        pg.close()


if __name__ == "__main__":
    sys.exit(run([
        ("series: the 16th send of 9 is held, across a milter restart", series_case),
        ("series: the same on a PostgreSQL register", series_pg_case),
        ("series: the shipped rule holds the sixth send of 9; released, it counts",
         shipped_case),
    ]))
