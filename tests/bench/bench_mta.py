#!/usr/bin/python3
"""Messages per second through a real Postfix, and dlp-milter's peak memory.

One private Postfix on 127.0.0.1 (its main.cf and master.cf made from
tests/e2e/lib.py's templates, queue under a temp dir) with three smtpd
listeners that differ only in their milter:

    none    no milter
    naive   build/bench/naive-milter (tests/bench/naive_milter.c): every
            stage, a reply to each, accept at end of message
    dlp     build/dlp-milter with the shipped rules, recipients internal

Postfix relays everything to Postfix's smtp-sink; Postfix's smtp-source is
the client.  One measurement: smtp-source sends N copies of a message over S
parallel sessions (one message per SMTP session, as mail clients submit)
and the clock stops when smtp-sink has received all N — so the figure is
whole-MTA throughput, receiving, filtering, queueing and relaying.  The
three listeners are measured in turn, in a rotating order, REPS times; the
table gives the median messages/s, the spread (min–max) and the ratios.

Memory: VmHWM (/proc/PID/status) of a freshly started dlp-milter before and
after (1) 50 concurrent SMTP sessions of message b (smtp-source -s 50) and
(2) one message with a 50 MB attachment.

    /usr/bin/python3 tests/bench/bench_mta.py MAILDIR [--reps R] [--quick]
        MAILDIR from tests/bench/make_bench_mail.py (a.eml b.eml c.eml big.eml)

Every process it starts (Postfix, milters, smtp-sink) is stopped on the way
out, also on an error or SIGINT/SIGTERM.
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import lib  # noqa: E402

NAIVE = os.path.join(lib.BUILD, "bench", "naive-milter")
SENDER = "kikaku-ka@example.go.jp"
RCPT = "soumu-ka@example.go.jp"          # internal: no rule fires, every part is scanned
CONFIGS = ("none", "naive", "dlp")

# (message, messages per measurement, parallel sessions)
LOADS = {"a": (600, 8), "b": (300, 8), "c": (60, 4)}
QUICK = {"a": (150, 8), "b": (80, 8), "c": (20, 4)}


class SmtpSink:
    """Postfix's smtp-sink on 127.0.0.1; counts received messages (-c)."""

    def __init__(self):
        self.port = lib.free_port()
        self.count = 0
        self.proc = subprocess.Popen(
            ["smtp-sink", "-c", "-u", "nobody", "-m", "512", "127.0.0.1:%d" % self.port, "512"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        if not lib.wait_port(self.port):
            raise RuntimeError("smtp-sink did not listen")

    def _read(self):
        buf = b""
        while True:
            b = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") else \
                self.proc.stdout.read(1)
            if not b:
                return
            buf += b
            for m in re.finditer(rb"mesg=(\d+)", buf):
                self.count = int(m.group(1))
            buf = buf[-64:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Proc:
    """A milter process listening on 127.0.0.1:port, output to a log file."""

    def __init__(self, argv, port, log, cwd):
        self.argv, self.port, self.log, self.cwd = argv, port, log, cwd
        self.proc = None

    def start(self):
        with open(self.log, "ab") as f:
            self.proc = subprocess.Popen(self.argv, stdout=f, stderr=f, cwd=self.cwd)
        if not lib.wait_port(self.port):
            raise RuntimeError("%s did not listen; see %s" % (self.argv[0], self.log))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def children(self):
        """pids of the processes the milter started (dlp-milter's sandbox
        workers), live now."""
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
        return out

    def cpu_s(self):
        """User + system CPU seconds used so far: all threads, the workers
        it reaped and the workers alive now."""
        def fields(pid):
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()
        f = fields(self.proc.pid)
        ticks = int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
        for c in self.children():
            try:
                cf = fields(c)
                ticks += int(cf[11]) + int(cf[12])
            except (OSError, IndexError):
                pass
        return ticks / os.sysconf("SC_CLK_TCK")

    def hwm_kb(self):
        """(VmHWM, VmRSS) in kB of the daemon, and the sum of VmHWM of its
        live workers."""
        def status(pid):
            out = {"VmHWM": 0, "VmRSS": 0}
            try:
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith(("VmHWM:", "VmRSS:")):
                            out[line.split(":")[0]] = int(line.split()[1])
            except OSError:
                pass
            return out
        out = status(self.proc.pid)
        self.workers_hwm = sum(status(c)["VmHWM"] for c in self.children())
        return out["VmHWM"], out["VmRSS"]

    def rss_together_kb(self):
        """(VmRSS, Pss) in kB of the daemon plus every worker alive, now.
        Pss (smaps_rollup) counts a page shared by n processes (the MeCab
        dictionary and the libraries, mapped by the daemon and by each
        worker) as 1/n in each, so its sum is the memory they take
        together; VmRSS counts such a page once per process."""
        def mem(pid):
            rss = pss = 0
            try:
                with open("/proc/%d/smaps_rollup" % pid) as f:
                    for line in f:
                        if line.startswith("Rss:"):
                            rss = int(line.split()[1])
                        elif line.startswith("Pss:"):
                            pss = int(line.split()[1])
            except OSError:
                pass
            return rss, pss
        got = [mem(p) for p in [self.proc.pid] + self.children()]
        return sum(r for r, _ in got), sum(p for _, p in got)


class PeakSampler:
    """The highest daemon + workers VmRSS and Pss seen, sampled every 20 ms
    while it runs (workers that were replaced during the run were counted
    while they lived, which their VmHWM at the end cannot say)."""

    def __init__(self, proc):
        self.proc, self.rss, self.pss, self.done = proc, 0, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.is_set():
            rss, pss = self.proc.rss_together_kb()
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            self.done.wait(0.02)

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.rss, self.pss


def master_cf(ports):
    """lib.MASTER_CF with its smtpd listeners replaced by ours."""
    tmpl = lib.MASTER_CF.format(smtp=0, release=0)
    services, skip = [], False
    for line in tmpl.splitlines():
        if line.startswith("127.0.0.1:"):
            skip = True
            continue
        if skip and line.startswith((" ", "\t")):
            continue
        skip = False
        services.append(line)
    own = []
    for name in CONFIGS:
        own.append("127.0.0.1:%d inet n - n - - smtpd" % ports[name])
        milter = "inet:127.0.0.1:%d" % ports[name + "_milter"] if name != "none" else ""
        own.append("  -o smtpd_milters=%s" % milter)
        own.append("  -o syslog_name=postfix-%s" % name)
    return "\n".join(own + services) + "\n"


class Bench:
    def __init__(self, maildir):
        self.maildir = maildir
        self.tmp = tempfile.mkdtemp(prefix="dlp-bench-")
        os.chmod(self.tmp, 0o755)
        self.sink = None
        self.naive = self.dlp = None
        self.pf = None
        self.ports = {n: lib.free_port() for n in CONFIGS}
        self.ports["naive_milter"] = lib.free_port()
        self.ports["dlp_milter"] = lib.free_port()

    # --- setting up ---------------------------------------------------
    def dlp_conf(self, extra=""):
        var = os.path.join(self.tmp, "var")
        return lib.test_config(lib.SHIPPED_CONF, var, extra)

    def start(self):
        self.sink = SmtpSink()
        self.naive = Proc([NAIVE, "inet:%d@127.0.0.1" % self.ports["naive_milter"]],
                          self.ports["naive_milter"], os.path.join(self.tmp, "naive.log"), self.tmp)
        self.naive.start()
        self.dlp = self.new_dlp("")
        pfdir = os.path.join(self.tmp, "postfix")
        self.pf = lib.Postfix(self.tmp, self.ports["dlp_milter"], self.sink.port)
        with open(os.path.join(self.pf.conf, "main.cf")) as f:
            main = f.read()
        main = re.sub(r"(?m)^smtpd_milters\s*=.*$", "smtpd_milters =", main)
        with open(os.path.join(self.pf.conf, "main.cf"), "w") as f:
            f.write(main)
        with open(os.path.join(self.pf.conf, "master.cf"), "w") as f:
            f.write(master_cf(self.ports))
        self.pf.smtp, self.pf.release = self.ports["none"], self.ports["dlp"]
        self.pf.start()
        assert os.path.isdir(pfdir)

    def new_dlp(self, extra):
        """A fresh dlp-milter on the dlp port (the old one stopped first)."""
        if self.dlp:
            self.dlp.stop()
        conf = os.path.join(self.tmp, "dlp-milter.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(self.dlp_conf(extra))
        p = Proc([lib.MILTER, "-f", "-c", conf, "-p", "inet:%d@127.0.0.1" % self.ports["dlp_milter"]],
                 self.ports["dlp_milter"], os.path.join(self.tmp, "milter.log"), self.tmp)
        p.start()
        return p

    def close(self):
        for f in (lambda: self.pf and self.pf.stop(), lambda: self.dlp and self.dlp.stop(),
                  lambda: self.naive and self.naive.stop(), lambda: self.sink and self.sink.stop()):
            try:
                f()
            except Exception as e:   # keep stopping the others
                print("cleanup:", e, file=sys.stderr)
        if os.environ.get("DLP_KEEP_TMP"):
            print("kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- measuring ----------------------------------------------------
    def wait_idle(self, timeout=120):
        """Until the sink has stopped receiving and the queue is empty."""
        last, deadline = -1, time.time() + timeout
        while time.time() < deadline:
            if self.sink.count == last and self.pf.queue_count() == 0:
                return
            last = self.sink.count
            time.sleep(0.3)
        raise RuntimeError("Postfix did not drain its queue")

    def send(self, msg, port, n, sessions, timeout=600):
        """smtp-source n copies of msg over sessions sessions; returns
        (seconds until smtp-source ended, seconds until the sink had all)."""
        self.wait_idle()
        c0 = self.sink.count
        t0 = time.monotonic()
        r = subprocess.run(["smtp-source", "-m", str(n), "-s", str(sessions),
                            "-F", os.path.join(self.maildir, msg + ".eml"),
                            "-f", SENDER, "-t", RCPT, "127.0.0.1:%d" % port],
                           capture_output=True, text=True, timeout=timeout)
        t1 = time.monotonic()
        if r.returncode != 0:
            raise RuntimeError("smtp-source failed (%d): %s%s" % (r.returncode, r.stdout, r.stderr))
        deadline = t1 + timeout
        while self.sink.count < c0 + n:
            if time.monotonic() > deadline:
                raise RuntimeError("sink got %d of %d" % (self.sink.count - c0, n))
            time.sleep(0.002)
        return t1 - t0, time.monotonic() - t0

    def dlp_lines(self):
        with open(self.dlp.log, encoding="utf-8", errors="replace") as f:
            return [l for l in f if "verdict=" in l]

    def throughput(self, loads, reps, out):
        results = {}   # (msg, cfg) -> [msgs/s]
        accept = {}    # (msg, cfg) -> [msgs/s at smtp-source's end]
        self.cpu = {}  # (msg, cfg) -> [milter CPU ms per message]
        for msg, (n, s) in loads.items():
            for cfg in CONFIGS:     # warm-up: processes, caches
                self.send(msg, self.ports[cfg], max(4, n // 10), s)
            for rep in range(reps):
                order = CONFIGS[rep % 3:] + CONFIGS[:rep % 3]
                for cfg in order:
                    before = len(self.dlp_lines())
                    milter = {"naive": self.naive, "dlp": self.dlp}.get(cfg)
                    c0 = milter.cpu_s() if milter else 0
                    ta, tall = self.send(msg, self.ports[cfg], n, s)
                    if milter:
                        self.cpu.setdefault((msg, cfg), []).append(
                            (milter.cpu_s() - c0) * 1000 / n)
                    results.setdefault((msg, cfg), []).append(n / tall)
                    accept.setdefault((msg, cfg), []).append(n / ta)
                    if cfg == "dlp":
                        self.check_scanned(msg, before, n)
                print("  %s rep %d: %s" % (msg, rep + 1, "  ".join(
                    "%s %.1f" % (c, results[(msg, c)][-1]) for c in CONFIGS)), file=sys.stderr)
        return results, accept

    def check_scanned(self, msg, before, n):
        """Every message of the run had a verdict line, passed, with findings
        and nothing unscanned: the scan really ran."""
        lines = self.dlp_lines()[before:]
        if len(lines) != n:
            raise RuntimeError("dlp-milter logged %d verdicts for %d messages" % (len(lines), n))
        for l in lines:
            if "verdict=pass" not in l or "findings=-" in l or "unscanned=0" not in l:
                raise RuntimeError("unexpected verdict line: " + l)
        self.last_line[msg] = lines[-1].strip()

    def memory(self, big_mb):
        rows = []
        self.dlp = self.new_dlp("")
        base = self.dlp.hwm_kb()[0]
        base_rss, base_pss = self.dlp.rss_together_kb()
        sampler = PeakSampler(self.dlp)
        self.send("b", self.ports["dlp"], 500, 50)
        peak_rss, peak_pss = sampler.stop()
        peak = self.dlp.hwm_kb()[0]
        rows.append(("50 sessions of b (smtp-source -s 50, 500 messages)", base, peak))
        rows.append(("  its sandbox workers together (VmHWM summed)", 0, self.dlp.workers_hwm))
        rows.append(("  daemon + workers (VmHWM of each summed)", base, peak + self.dlp.workers_hwm))
        rows.append(("  daemon + workers at one moment, VmRSS (20 ms samples)", base_rss,
                     peak_rss))
        rows.append(("  daemon + workers at one moment, Pss: the memory taken", base_pss,
                     peak_pss))
        if big_mb and os.path.exists(os.path.join(self.maildir, "big.eml")):
            size = os.path.getsize(os.path.join(self.maildir, "big.eml"))
            # max_message_bytes raised so that the message is inspected at all
            self.dlp = self.new_dlp("")
            with open(os.path.join(self.tmp, "dlp-milter.conf"), encoding="utf-8") as f:
                text = f.read()
            text = lib.conf_set(text, "limits", "max_message_bytes", "128M")
            with open(os.path.join(self.tmp, "dlp-milter.conf"), "w", encoding="utf-8") as f:
                f.write(text)
            self.dlp.stop()
            self.dlp.start()
            base = self.dlp.hwm_kb()[0]
            before = len(self.dlp_lines())
            t0 = time.monotonic()
            self.send("big", self.ports["dlp"], 1, 1)
            t = time.monotonic() - t0
            line = self.dlp_lines()[before:]
            rows.append(("one %d MB attachment (%.1f MB message, %.1f s)" %
                         (big_mb, size / 1e6, t), base, self.dlp.hwm_kb()[0]))
            self.big_line = line[-1].strip() if line else "(no verdict line)"
        return rows


def fmt_table(results, accept, cpu):
    lines = ["messages/s through Postfix (median of the runs, min-max in brackets; "
             "ratio = median / median of 'none'); accepted = at smtp-source's end;",
             "milter CPU = CPU time of the milter process and its workers per message (median)",
             "%-4s %-6s %22s %8s %10s %16s %12s" % ("msg", "milter", "msgs/s [min-max]",
                                                    "ratio", "vs naive", "accepted msgs/s",
                                                    "milter CPU")]
    for msg in sorted({m for m, _ in results}):
        base = statistics.median(results[(msg, "none")])
        naive = statistics.median(results[(msg, "naive")])
        for cfg in CONFIGS:
            v = results[(msg, cfg)]
            med = statistics.median(v)
            c = cpu.get((msg, cfg))
            lines.append("%-4s %-6s %8.1f [%5.1f-%5.1f] %7.2fx %10s %16.1f %12s" % (
                msg, cfg, med, min(v), max(v), med / base,
                "%.2fx" % (med / naive) if cfg == "dlp" else "",
                statistics.median(accept[(msg, cfg)]),
                "%.2f ms" % statistics.median(c) if c else "-"))
    return lines


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    maildir = args[0]
    reps = int(args[args.index("--reps") + 1]) if "--reps" in args else 5
    quick = "--quick" in args
    big_mb = int(args[args.index("--big") + 1]) if "--big" in args else 50
    loads = QUICK if quick else LOADS
    only = os.environ.get("BENCH_ONLY")
    if only:
        loads = {k: v for k, v in loads.items() if k in only}

    def stop(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    b = Bench(maildir)
    b.last_line = {}
    b.big_line = None
    try:
        b.start()
        out = []
        sizes = ", ".join("%s %s bytes" % (m, os.path.getsize(os.path.join(maildir, m + ".eml")))
                          for m in loads)
        print("messages: %s; N and sessions: %s; %d runs each" % (
            sizes, ", ".join("%s %d/%d" % (m, n, s) for m, (n, s) in loads.items()), reps))
        results, accept = b.throughput(loads, reps, out)
        for l in fmt_table(results, accept, b.cpu):
            print(l)
        print("dlp-milter's log line for the last message of each kind (the scan ran):")
        for m in sorted(b.last_line):
            print("  %s: %s" % (m, re.sub(r"^.*?verdict=", "verdict=", b.last_line[m])))
        if not os.environ.get("BENCH_NO_MEMORY"):
            rows = b.memory(big_mb)
            print("dlp-milter peak memory (VmHWM of a freshly started daemon):")
            for what, base, peak in rows:
                print("  %-58s before %6.1f MB  peak %6.1f MB" % (what, base / 1024, peak / 1024))
            if b.big_line:
                print("  big: %s" % re.sub(r"^.*?verdict=", "verdict=", b.big_line))
    finally:
        b.close()


if __name__ == "__main__":
    main()
