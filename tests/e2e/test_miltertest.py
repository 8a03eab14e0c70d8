"""Protocol-level cases with Debian's miltertest (tests/milter/*.lua),
against dlp-milter started with the shipped config: the milter replies
themselves, without an MTA in between."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from lib import Milter, ROOT, SHIPPED_CONF, test_config, wait_until

LUA = os.path.join(ROOT, "tests", "milter")


def unwritable_quarantine(var):
    q = os.path.join(var, "quarantine")
    os.makedirs(os.path.join(q, "msg"), exist_ok=True)
    tmp = os.path.join(q, "tmp")
    if os.path.isdir(tmp):
        os.rmdir(tmp)
    with open(tmp, "w") as f:
        f.write("not a directory\n")


SETUP = {"test_tempfail.lua": unwritable_quarantine}


def log_checks(out, log):
    """The EXPECTLOG lines of a script, checked against the filter's log."""
    lines = []
    for l in out.splitlines():
        if l.startswith("EXPECTLOG\t"):
            _, qid, text, cname = l.split("\t", 3)
            hit = any(ll.split("dlp-milter: ", 1)[-1].startswith(qid + ": ") and text in ll
                      for ll in log.splitlines())
            lines.append(("ok   " if hit else "FAIL ") + cname + ("" if hit else ": not in the log"))
    return lines


def run_script(name):
    tmp = tempfile.mkdtemp(prefix="dlp-mt-")
    var = os.path.join(tmp, "var")
    m = Milter(tmp, test_config(SHIPPED_CONF, var))
    m.start()
    try:
        if name in SETUP:
            # The socket listens before the daemon has made var/quarantine:
            # wait for its first stats.json (written once it runs), or the
            # setup races the start and the daemon refuses to start.
            wait_until(lambda: os.path.exists(os.path.join(var, "stats.json")), 30)
            SETUP[name](var)
        script = os.path.join(tmp, name)
        with open(script, "w") as f:
            f.write("dofile(%r)\n" % os.path.join(LUA, "lib.lua"))
            f.write(open(os.path.join(LUA, name), encoding="utf-8").read())
        r = subprocess.run(["miltertest", "-D", "SOCK=inet:%d@127.0.0.1" % m.port, "-s", script],
                           capture_output=True, text=True, timeout=120)
    finally:
        m.stop()
        log = m.read_log()
        shutil.rmtree(tmp, ignore_errors=True)
    out = r.stdout + r.stderr
    if os.environ.get("DLP_MT_VERBOSE"):
        print(out)
    done = any(l.endswith(" failed") and " passed, " in l for l in out.splitlines())
    if r.returncode != 0 or not done:
        print("FAIL %s: miltertest exited %d before the end\n%s\n%s" % (
            name, r.returncode, out, log[-2000:]))
        return 0, 1
    results = [l for l in out.splitlines() if l.startswith(("ok ", "FAIL "))]
    results += log_checks(out, log)
    for l in results:
        print("%s (%s)" % (l, name), flush=True)
    p = sum(l.startswith("ok ") for l in results)
    f = len(results) - p
    if f:
        print(log[-3000:])
    return p, f


def main():
    passed = failed = 0
    for name in sorted(os.listdir(LUA)):
        if name.startswith("test_") and name.endswith(".lua"):
            p, f = run_script(name)
            passed, failed = passed + p, failed + f
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
