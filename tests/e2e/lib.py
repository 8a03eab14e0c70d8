"""Shared helpers for the end-to-end tests: a private Postfix on 127.0.0.1
with its own config and queue under a temp dir, dlp-milter started from the
build tree with the shipped config (var_dir moved into the temp dir), a local
SMTP sink as the next hop, message builders, and a small test runner that
prints "ok NAME" / "FAIL NAME: why" and "N passed, N failed".
"""
import json
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from email.message import EmailMessage
from email.utils import make_msgid, formatdate

from sink import Sink

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
MILTER = os.path.join(BUILD, "dlp-milter")
DLPCTL = os.path.join(BUILD, "dlpctl")
SHIPPED_CONF = os.path.join(ROOT, "config", "dlp-milter.conf")


def program_for(user_dir, prog=DLPCTL):
    """A copy of prog in user_dir (made 0755), for a test that runs it as
    another user: the clone may sit in a directory that user cannot enter
    (root's home, 0700), so build/ is out of its reach."""
    os.chmod(user_dir, 0o755)
    dst = os.path.join(user_dir, os.path.basename(prog))
    if not os.path.exists(dst):
        shutil.copy2(prog, dst)
    os.chmod(dst, 0o755)
    return dst


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def wait_until(pred, timeout=20.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def stop_process(proc, sig=signal.SIGTERM):
    """Signal a child still running, wait 15 s for it, then kill it."""
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_config(shipped, var_dir, extra=""):
    """The shipped config with var_dir moved under the test's temp dir."""
    with open(shipped, encoding="utf-8") as f:
        text = f.read()
    text, n = re.subn(r"(?m)^\s*var_dir\s*=.*$", "var_dir = " + var_dir, text)
    if n == 0:
        text = re.sub(r"(?m)^\[general\]\s*$", "[general]\nvar_dir = " + var_dir, text, count=1)
    return text + "\n" + extra


class Milter:
    def __init__(self, tmp, conf_text, port=None):
        self.tmp = tmp
        self.port = port or free_port()
        self.conf = os.path.join(tmp, "dlp-milter.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(conf_text)
        self.log = os.path.join(tmp, "milter.log")
        self.proc = None

    def start(self):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [MILTER, "-f", "-c", self.conf, "-p", "inet:%d@127.0.0.1" % self.port],
            stdout=logf, stderr=logf, cwd=self.tmp)
        logf.close()
        if not wait_port(self.port):
            raise RuntimeError("dlp-milter did not listen; log:\n" + self.read_log())

    def stop(self, sig=signal.SIGTERM):
        stop_process(self.proc, sig)
        self.proc = None

    def kill(self):
        self.stop(signal.SIGKILL)

    def read_log(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""


MASTER_CF = """\
127.0.0.1:{smtp} inet n - n - - smtpd
127.0.0.1:{release} inet n - n - - smtpd
  -o smtpd_milters=
  -o syslog_name=postfix-release
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {tmp}/queue
data_directory = {tmp}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.dlp-test.invalid
mydomain = dlp-test.invalid
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{sink}
relay_domains =
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_milters = inet:127.0.0.1:{milter}
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 5s
milter_content_timeout = 120s
alias_maps =
alias_database =
local_recipient_maps =
biff = no
syslog_name = postfix-dlptest
maillog_file_prefixes = {tmp}
maillog_file = {tmp}/postfix.log
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtputf8_enable = no
message_size_limit = 104857600
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s
smtpd_recipient_limit = 20000
default_process_limit = 100
"""


class Postfix:
    """A private Postfix instance: smtpd on `smtp` (with the milter), a
    second smtpd on `release` without milters, relaying to the sink."""

    def __init__(self, tmp, milter_port, sink_port):
        self.tmp = os.path.join(tmp, "postfix")
        self.conf = os.path.join(self.tmp, "conf")
        os.makedirs(self.conf)
        os.makedirs(os.path.join(self.tmp, "queue"))
        data = os.path.join(self.tmp, "data")
        os.makedirs(data)
        pw = pwd.getpwnam("postfix")
        os.chown(data, pw.pw_uid, pw.pw_gid)
        self.smtp = free_port()
        self.release = free_port()
        subst = dict(tmp=self.tmp, smtp=self.smtp, release=self.release,
                     sink=sink_port, milter=milter_port)
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(**subst))
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(**subst))

    def postfix(self, *args, check=True):
        return subprocess.run(["postfix", "-c", self.conf] + list(args),
                              capture_output=True, text=True, check=check)

    def start(self):
        r = self.postfix("start", check=False)
        if r.returncode != 0 or not wait_port(self.smtp) or not wait_port(self.release):
            raise RuntimeError("postfix did not start: %s %s\n%s" %
                               (r.stdout, r.stderr, self.read_log()))

    def stop(self):
        self.postfix("stop", check=False)
        # Postfix's master exits asynchronously: wait for its pid file to go.
        pidfile = os.path.join(self.tmp, "queue", "pid", "master.pid")
        wait_until(lambda: not _pid_alive(pidfile), timeout=10)

    def set_main(self, key, value):
        """Set `key = value` in this instance's main.cf (before start)."""
        path = os.path.join(self.conf, "main.cf")
        with open(path) as f:
            text = f.read()
        text, n = re.subn(r"(?m)^%s\s*=.*$" % re.escape(key), "%s = %s" % (key, value), text)
        if n == 0:
            text += "%s = %s\n" % (key, value)
        with open(path, "w") as f:
            f.write(text)

    def queue_count(self):
        r = subprocess.run(["postqueue", "-c", self.conf, "-j"],
                           capture_output=True, text=True)
        return len([l for l in r.stdout.splitlines() if l.strip()])

    def flush(self):
        subprocess.run(["postqueue", "-c", self.conf, "-f"], capture_output=True)

    def read_log(self):
        try:
            with open(os.path.join(self.tmp, "postfix.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def _pid_alive(pidfile):
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
        os.kill(pid, 0)
        return True
    except (OSError, ValueError):
        return False


class Env:
    """Sink + dlp-milter + Postfix, started in that order, stopped in reverse."""

    def __init__(self, conf_extra="", conf_text=None):
        self.tmp = tempfile.mkdtemp(prefix="dlp-e2e-")
        os.chmod(self.tmp, 0o755)
        self.var = os.path.join(self.tmp, "var")
        self.sink = Sink(os.path.join(self.tmp, "sink"))
        text = conf_text or test_config(SHIPPED_CONF, self.var, conf_extra)
        self.milter = Milter(self.tmp, text)
        self.postfix = Postfix(self.tmp, self.milter.port, self.sink.port)

    def __enter__(self):
        try:
            self.milter.start()
            self.postfix.start()
        except Exception:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for f in (self.postfix.stop, self.milter.stop, self.sink.stop):
            try:
                f()
            except Exception:
                pass
        if os.environ.get("DLP_KEEP_TMP"):
            print("  kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- sending -------------------------------------------------------
    def send(self, msg, rcpts=None, sender=None, port=None):
        """SMTP to Postfix.  Returns (code, text) of the final answer: 250
        after DATA, or the first refusal."""
        raw = crlf(msg.as_bytes() if isinstance(msg, EmailMessage) else msg)
        if sender is None:
            sender = _first_addr(msg["From"]) if isinstance(msg, EmailMessage) else "sender@example.go.jp"
        if rcpts is None:
            rcpts = envelope_from_headers(msg)
        try:
            with smtplib.SMTP("127.0.0.1", port or self.postfix.smtp, timeout=180) as s:
                s.ehlo("client.dlp-test.invalid")
                code, text = s.mail(sender)
                if code >= 400:
                    return code, text.decode(errors="replace")
                for r in rcpts:
                    code, text = s.rcpt(r)
                    if code >= 400:
                        return code, text.decode(errors="replace")
                code, text = s.data(raw)
                return code, text.decode(errors="replace")
        except smtplib.SMTPResponseException as e:
            return e.smtp_code, e.smtp_error.decode(errors="replace")

    # --- observing -----------------------------------------------------
    def wait_sink(self, n, timeout=30):
        return wait_until(lambda: len(self.sink.messages) >= n, timeout)

    def quiet(self, seconds=2.0):
        """Give Postfix time to deliver anything it was going to."""
        time.sleep(seconds)
        return self.postfix.queue_count() == 0

    def incidents(self):
        path = os.path.join(self.var, "incidents.db")
        if not os.path.exists(path):
            return []
        con = sqlite3.connect(path)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute("SELECT * FROM incidents ORDER BY created")]
        finally:
            con.close()

    def quarantined(self):
        d = os.path.join(self.var, "quarantine", "msg")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def dlpctl(self, *args, check=True):
        return subprocess.run([DLPCTL, "-c", self.milter.conf] + list(args),
                              capture_output=True, text=True, check=check, cwd=self.tmp)

    def diag(self):
        return "\n--- milter log ---\n%s\n--- postfix log (tail) ---\n%s" % (
            self.milter.read_log()[-3000:], self.postfix.read_log()[-3000:])

    # --- quarantine workflow helpers (added for test_quarantine.py) -----
    def set_conf(self, section, key, value):
        """Set [section] key = value in the milter's config file (before
        start, or followed by a reload).  dlpctl reads the same file."""
        with open(self.milter.conf, encoding="utf-8") as f:
            text = f.read()
        with open(self.milter.conf, "w", encoding="utf-8") as f:
            f.write(conf_set(text, section, key, value))

    def use_release_port(self):
        """[release] relay = the Postfix listener without milters."""
        self.set_conf("release", "relay", "smtp://127.0.0.1:%d" % self.postfix.release)

    def conf_variant(self, name, changes):
        """A copy of the config with changes {(section, key): value}; its path."""
        with open(self.milter.conf, encoding="utf-8") as f:
            text = f.read()
        for (section, key), value in changes.items():
            text = conf_set(text, section, key, value)
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def dlpctl_with(self, conf, *args, env=None, check=False):
        """dlpctl with another config file (and environment)."""
        return subprocess.run([DLPCTL, "-c", conf] + list(args), capture_output=True, text=True,
                              check=check, cwd=self.tmp, env=env)

    def register(self, sql, params=()):
        """Run SQL on the register (rows as dicts); commits."""
        con = sqlite3.connect(os.path.join(self.var, "incidents.db"), timeout=30)
        con.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in con.execute(sql, params)]
            con.commit()
            return rows
        finally:
            con.close()

    def sink_to(self, addr):
        """Messages at the sink with addr among their envelope recipients."""
        return [m for m in list(self.sink.messages) if addr in m[1]]


# --- the installed daemon (added for tests/pkg/test_package.py) -----------
class SyslogListener:
    """A syslog receiver on /dev/log (a unix datagram socket), for a machine
    that has none: records (facility, severity, text) of every datagram.
    Refuses to start when /dev/log exists (a real syslog owns it)."""

    PATH = "/dev/log"

    def __init__(self):
        import threading
        if os.path.lexists(self.PATH) and self._stale():
            os.unlink(self.PATH)   # left by a test that was killed
        if os.path.lexists(self.PATH):
            raise RuntimeError("%s exists: a syslog daemon runs here" % self.PATH)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.PATH)
        os.chmod(self.PATH, 0o666)
        self.records = []
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _stale(self):
        """A socket file that nobody listens on any more."""
        import stat as st
        if not st.S_ISSOCK(os.lstat(self.PATH).st_mode):
            return False
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.connect(self.PATH)
            return False
        except ConnectionRefusedError:
            return True
        except OSError:
            return False
        finally:
            s.close()

    def _serve(self):
        while not self.stopped:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            m = re.match(rb"<(\d+)>(.*)", data, re.S)
            if m:
                pri = int(m.group(1))
                self.records.append((pri >> 3, pri & 7,
                                     m.group(2).decode("utf-8", "replace").rstrip("\n\0")))

    def lines(self, word=""):
        return [r for r in list(self.records) if word in r[2]]

    def close(self):
        self.stopped = True
        try:
            self.sock.close()
        finally:
            if os.path.exists(self.PATH):
                os.unlink(self.PATH)


class SystemMilter:
    """The installed /usr/sbin/dlp-milter, started as root the way an init
    script would (it detaches, switches to its user and writes its pid
    file), with the installed /etc/dlp-milter/dlp-milter.conf."""

    def __init__(self, conf="/etc/dlp-milter/dlp-milter.conf", binary="/usr/sbin/dlp-milter",
                 syslog=None):
        self.conf = conf
        self.binary = binary
        self.syslog = syslog
        self.pidfile = self.setting("milter", "pidfile")
        self.socket = self.setting("milter", "socket")
        self.pid = None

    def setting(self, section, key):
        cur = None
        with open(self.conf, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^\[([^\]]+)\]\s*$", line)
                if m:
                    cur = m.group(1).strip()
                m = re.match(r"^(\w+)\s*=\s*(.*?)\s*$", line)
                if m and cur == section and m.group(1) == key:
                    return m.group(2)
        return None

    def start(self):
        r = subprocess.run([self.binary, "-c", self.conf], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("dlp-milter did not start: %s%s" % (r.stdout, r.stderr))
        if not wait_until(lambda: _pid_alive(self.pidfile), timeout=15):
            raise RuntimeError("no pid file %s; log:\n%s" % (self.pidfile, self.read_log()))
        with open(self.pidfile) as f:
            self.pid = int(f.read().strip())
        path = self.socket[5:] if self.socket.startswith("unix:") else None
        if path and not wait_until(lambda: os.path.exists(path), timeout=15):
            raise RuntimeError("no socket %s" % path)

    def stop(self, sig=signal.SIGTERM):
        if self.pid is None:
            return
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass
        # Not our child (it detached): wait for /proc to lose it.
        if not wait_until(lambda: not os.path.exists("/proc/%d" % self.pid), timeout=20):
            os.kill(self.pid, signal.SIGKILL)
        self.pid = None

    def kill(self):
        self.stop(signal.SIGKILL)

    def read_log(self):
        if not self.syslog:
            return ""
        return "\n".join(r[2] for r in self.syslog.lines("dlp-milter"))


class PackageEnv(Env):
    """Sink + the installed dlp-milter (SystemMilter, on a unix socket) +
    a private Postfix whose smtpd_milters points at that socket.  The send
    and observe helpers of Env apply; var is the installed var_dir."""

    def __init__(self, milter):
        self.tmp = tempfile.mkdtemp(prefix="dlp-pkg-")
        os.chmod(self.tmp, 0o755)
        self.milter = milter
        self.var = milter.setting("general", "var_dir")
        self.sink = Sink(os.path.join(self.tmp, "sink"))
        self.postfix = Postfix(self.tmp, 0, self.sink.port)
        self.postfix.set_main("smtpd_milters", milter.socket)


def conf_set(text, section, key, value):
    """text with `key = value` in [section] (replaced, or added)."""
    lines = text.split("\n")
    out, cur, done = [], None, False
    for line in lines:
        m = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if m:
            if cur == section and not done:
                out.append("%s = %s" % (key, value))
                done = True
            cur = m.group(1).strip()
        elif cur == section and not done and re.match(r"^\s*%s\s*=" % re.escape(key), line):
            out.append("%s = %s" % (key, value))
            done = True
            continue
        out.append(line)
    if not done:
        if cur != section:
            out.append("[%s]" % section)
        out.append("%s = %s" % (key, value))
    return "\n".join(out)


class FakeSMTP:
    """A scripted SMTP server on 127.0.0.1 for failure cases: replies maps a
    verb (MAIL, RCPT, DATA, EOM for the end of data) to a reply line, or a
    callable (arg) -> line; stall=True accepts connections and says nothing."""

    def __init__(self, replies=None, stall=False):
        import threading
        self.replies = replies or {}
        self.stall = stall
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.transactions = []   # (mail, rcpts, data) accepted after DATA
        self.commands = []
        self.conns = []
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _reply(self, verb, arg, default):
        r = self.replies.get(verb, default)
        return r(arg) if callable(r) else r

    def _serve(self):
        import threading
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            if not self.stall:
                threading.Thread(target=self._session, args=(c,), daemon=True).start()

    def _session(self, c):
        f = c.makefile("rwb")
        try:
            def say(line):
                f.write(line.encode() + b"\r\n")
                f.flush()
            say("220 fake ESMTP")
            mail, rcpts = None, []
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.decode("latin-1").rstrip("\r\n")
                verb = cmd[:4].upper()
                self.commands.append(cmd)
                if verb == "EHLO":
                    say("250-fake\r\n250 8BITMIME")
                elif verb == "MAIL":
                    mail, rcpts = cmd, []
                    say(self._reply("MAIL", cmd, "250 ok"))
                elif verb == "RCPT":
                    r = self._reply("RCPT", cmd, "250 ok")
                    if r.startswith("2"):
                        rcpts.append(cmd)
                    say(r)
                elif verb == "DATA":
                    r = self._reply("DATA", cmd, "354 go")
                    say(r)
                    if not r.startswith("3"):
                        continue
                    data = bytearray()
                    while True:
                        l = f.readline()
                        if not l or l == b".\r\n":
                            break
                        data += l
                    r = self._reply("EOM", bytes(data), "250 queued")
                    if r.startswith("2"):
                        self.transactions.append((mail, rcpts, bytes(data)))
                    say(r)
                elif verb == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("250 ok")
        except OSError:
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def close(self):
        self.stopped = True
        try:
            self.sock.close()
        except OSError:
            pass
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def crlf(data):
    """Bytes with every line ending CRLF, as they travel in SMTP."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _first_addr(v):
    m = re.search(r"<([^>]+)>", v or "")
    return m.group(1) if m else (v or "").strip()


def envelope_from_headers(msg):
    from email.utils import getaddresses
    fields = []
    for h in ("To", "Cc", "Bcc"):
        fields += msg.get_all(h, []) if isinstance(msg, EmailMessage) else []
    return [a for _, a in getaddresses(fields) if a]


def make_message(sender, to, subject, body, cc=(), attachments=(), html=None):
    """attachments: (filename, bytes, maintype, subtype)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="example.go.jp")
    msg.set_content(body, charset="utf-8")
    if html:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    for name, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


# --- people lists (synthetic, deterministic) -----------------------------
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔", "愛", "大輔", "由美"]


def people(n, seed=1):
    """n synthetic people: (name, mobile, landline, email, address)."""
    out = []
    for i in range(n):
        k = i + seed * 1000
        name = FAMILY[i % 10] + " " + GIVEN[(i // 10 + seed) % 10]
        mobile = "090-%04d-%04d" % (1000 + k % 9000, (k * 7919) % 10000)
        land = "03-%04d-%04d" % (3000 + k % 6000, (k * 104729) % 10000)
        email = "person%03d.s%d@mail.example.com" % (i, seed)
        addr = "〒%03d-%04d 東京都千代田区霞が関%d-%d-%d" % (100 + i % 900, 8900 + i, 1 + i % 3, 1 + i % 9, 1 + i)
        out.append((name, mobile, land, email, addr))
    return out


def people_csv(rows, encoding="utf-8"):
    lines = ["氏名,携帯電話,電話,メール,住所"]
    for name, mobile, land, email, addr in rows:
        lines.append(",".join([name, mobile, land, email, addr]))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


# --- runner --------------------------------------------------------------
def run(tests):
    """tests: list of (name, fn).  Prints one line per test and the total."""
    passed = failed = 0
    only = os.environ.get("DLP_E2E_ONLY")
    for name, fn in tests:
        if only and only not in name:
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("ok   %-50s %5.1fs" % (name, time.time() - t0), flush=True)
        except Exception as e:
            failed += 1
            detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            print("FAIL %-50s %s" % (name, detail), flush=True)
            if not isinstance(e, AssertionError):
                traceback.print_exc()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


def check(cond, what, env=None):
    if not cond:
        raise AssertionError(what + (env.diag() if env is not None else ""))


# --- helpers for the fault, load and Sendmail tests ------------------------
def _milter_pid(self):
    return self.proc.pid if self.proc else None


def _milter_signal(self, sig):
    """Send sig to the running dlp-milter."""
    self.proc.send_signal(sig)


def _milter_log_size(self):
    try:
        return os.path.getsize(self.log)
    except OSError:
        return 0


def _milter_wait_log(self, text, timeout=20.0, start=0):
    """True once text appears in the milter's log after byte offset start."""
    def seen():
        return text in self.read_log().encode("utf-8", "replace")[start:].decode("utf-8", "replace")
    return wait_until(seen, timeout)


Milter.pid = property(_milter_pid)
Milter.signal = _milter_signal
Milter.log_size = _milter_log_size
Milter.wait_log = _milter_wait_log


def _postfix_postconf(self, **params):
    """Set main.cf parameters (before start, or followed by a reload)."""
    args = ["%s=%s" % (k, v) for k, v in params.items()]
    subprocess.run(["postconf", "-c", self.conf, "-e"] + args, check=True,
                   capture_output=True, text=True)


Postfix.postconf = _postfix_postconf


def rss_kb(pid, field="VmRSS"):
    """A size from /proc/PID/status in kB (VmRSS: resident set; RssAnon:
    its anonymous part, without mapped files), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def thread_count(pid):
    """Threads of a process, or None."""
    return rss_kb(pid, "Threads")


def tcp_sockets(port):
    """Established IPv4 TCP sockets whose local port is port, from
    /proc/net/tcp: a list of (remote_port, tx_queue, rx_queue)."""
    out = []
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            local, remote, state, queues = parts[1], parts[2], parts[3], parts[4]
            if state != "01" or int(local.split(":")[1], 16) != port:
                continue
            tx, rx = (int(x, 16) for x in queues.split(":"))
            out.append((int(remote.split(":")[1], 16), tx, rx))
    return out


def dot_stuff(data):
    """SMTP DATA transparency: a line starting with '.' gets one more."""
    data = crlf(data)
    if data.startswith(b"."):
        data = b"." + data
    return data.replace(b"\r\n.", b"\r\n..")


class Session:
    """One SMTP session driven step by step (to hold a transaction open, or
    to send DATA in pieces).  Every step returns (code, text)."""

    def __init__(self, port, helo="client.dlp-test.invalid", timeout=180):
        self.smtp = smtplib.SMTP("127.0.0.1", port, timeout=timeout)
        self.smtp.ehlo(helo)

    @staticmethod
    def _t(reply):
        return reply[0], reply[1].decode(errors="replace")

    def mail(self, sender):
        return self._t(self.smtp.mail(sender))

    def rcpt(self, rcpts):
        reply = (250, b"")
        for r in ([rcpts] if isinstance(rcpts, str) else rcpts):
            reply = self.smtp.rcpt(r)
            if reply[0] >= 400:
                break
        return self._t(reply)

    def data_start(self):
        self.smtp.putcmd("data")
        return self._t(self.smtp.getreply())

    def send_raw(self, data):
        """Message bytes, already dot-stuffed (dot_stuff)."""
        self.smtp.send(data)

    def data_end(self):
        """Terminate DATA; the MTA's answer for the message."""
        self.smtp.send(b"\r\n.\r\n")
        try:
            return self._t(self.smtp.getreply())
        except smtplib.SMTPServerDisconnected as e:
            return 0, "disconnected: %s" % e

    def rset(self):
        return self._t(self.smtp.rset())

    def close(self):
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        try:
            self.smtp.close()
        except OSError:
            pass


# --- Sendmail -----------------------------------------------------------------
# Debian's sendmail-bin conflicts with postfix, so tests/deps-sendmail.sh
# unpacks it (no install) into SENDMAIL_ROOT with a gethostname() shim:
# sendmail qualifies the host name before it reads its config, and sleeps a
# minute when the name has no dot.
SENDMAIL_ROOT = os.environ.get("DLP_SENDMAIL_ROOT", "/var/cache/dlp-milter-test/sendmail")
SENDMAIL_BIN = os.path.join(SENDMAIL_ROOT, "sendmail")
SENDMAIL_SHIM = os.path.join(SENDMAIL_ROOT, "fakehost.so")
SENDMAIL_CF_DIR = "/usr/share/sendmail/cf"

SENDMAIL_MC = """\
divert(-1)
# dlp-milter end-to-end test: Sendmail on 127.0.0.1, everything relayed to
# the sink, no DNS, queue and pid under the test's temp dir.
divert(0)dnl
include(`{cfdir}/m4/cf.m4')dnl
VERSIONID(`dlp-milter e2e')dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `mta.dlp-test.invalid')dnl
define(`confDONT_PROBE_INTERFACES', `true')dnl
define(`confSERVICE_SWITCH_FILE', `{tmp}/service.switch')dnl
define(`confHOSTS_FILE', `{tmp}/hosts')dnl
define(`QUEUE_DIR', `{tmp}/mqueue')dnl
define(`confPID_FILE', `{tmp}/sendmail.pid')dnl
define(`STATUS_FILE', `{tmp}/sendmail.st')dnl
define(`ALIAS_FILE', `')dnl
define(`confHELP_FILE', `')dnl
define(`confAUTH_MECHANISMS', `')dnl
define(`confREFUSE_LA', `1000')dnl
define(`confQUEUE_LA', `1000')dnl
define(`confDELAY_LA', `0')dnl
define(`confMIN_QUEUE_AGE', `0')dnl
define(`confTO_QUEUEWARN', `')dnl
define(`confTO_CONNECT', `5s')dnl
define(`confMAX_MESSAGE_SIZE', `104857600')dnl
define(`SMART_HOST', `relay:[127.0.0.1]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {sink}')dnl
FEATURE(`nocanonify')dnl
FEATURE(`accept_unresolvable_domains')dnl
FEATURE(`accept_unqualified_senders')dnl
FEATURE(`no_default_msa')dnl
DAEMON_OPTIONS(`Name=MTA, Family=inet, Addr=127.0.0.1, Port={smtp}')dnl
DAEMON_OPTIONS(`Name=DLP-release, Family=inet, Addr=127.0.0.1, Port={release}, InputMailFilters=')dnl
INPUT_MAIL_FILTER(`dlp-milter', `S=inet:{milter}@127.0.0.1, F=T, T=S:10s;R:2m;E:5m')dnl
MAILER(`smtp')dnl
"""


def sendmail_available():
    """'' when the unpacked Sendmail is there, else why not."""
    for p in (SENDMAIL_BIN, SENDMAIL_SHIM, os.path.join(SENDMAIL_CF_DIR, "m4", "cf.m4")):
        if not os.path.exists(p):
            return "%s missing: run `make deps` (tests/deps-sendmail.sh)" % p
    return ""


class Sendmail:
    """A private Sendmail (-bD, foreground): the MTA daemon on `smtp` with
    INPUT_MAIL_FILTER dlp-milter, a second daemon on `release` with no
    filters, everything relayed to the sink.  Same interface as Postfix."""

    def __init__(self, tmp, milter_port, sink_port):
        self.tmp = os.path.join(tmp, "sendmail")
        self.queue = os.path.join(self.tmp, "mqueue")
        os.makedirs(self.queue, mode=0o700)
        self.smtp = free_port()
        self.release = free_port()
        self.proc = None
        self.out = os.path.join(self.tmp, "sendmail.out")
        with open(os.path.join(self.tmp, "service.switch"), "w") as f:
            f.write("hosts files\naliases files\n")
        with open(os.path.join(self.tmp, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost mta.dlp-test.invalid\n")
        self.mc = os.path.join(self.tmp, "test.mc")
        self.cf = os.path.join(self.tmp, "test.cf")
        with open(self.mc, "w") as f:
            f.write(SENDMAIL_MC.format(cfdir=SENDMAIL_CF_DIR, tmp=self.tmp, sink=sink_port,
                                       smtp=self.smtp, release=self.release,
                                       milter=milter_port))
        with open(self.cf, "w") as f:
            subprocess.run(["m4", self.mc], stdout=f, check=True, cwd=SENDMAIL_CF_DIR)

    def start(self):
        why = sendmail_available()
        if why:
            raise RuntimeError(why)
        env = dict(os.environ, LD_PRELOAD=SENDMAIL_SHIM,
                   DLP_FAKE_HOSTNAME="mta.dlp-test.invalid",
                   RES_OPTIONS="timeout:1 attempts:1")
        outf = open(self.out, "ab")
        self.proc = subprocess.Popen([SENDMAIL_BIN, "-C", self.cf, "-bD", "-q1s"],
                                     stdout=outf, stderr=outf, env=env, cwd=self.tmp)
        outf.close()
        if not wait_port(self.smtp) or not wait_port(self.release):
            self.stop()
            raise RuntimeError("sendmail did not start:\n" + self.read_log())

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def queue_count(self):
        return len([n for n in os.listdir(self.queue) if n.startswith("qf")])

    def flush(self):
        pass    # -q1s runs the queue every second

    def read_log(self):
        try:
            with open(self.out, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class SendmailEnv(Env):
    """Sink + dlp-milter + Sendmail.  The MTA object is also reachable as
    self.postfix so that every Env helper (send, quiet, use_release_port,
    diag) works unchanged."""

    def __init__(self, conf_extra="", conf_text=None):
        self.tmp = tempfile.mkdtemp(prefix="dlp-e2e-sm-")
        os.chmod(self.tmp, 0o755)
        self.var = os.path.join(self.tmp, "var")
        self.sink = Sink(os.path.join(self.tmp, "sink"))
        text = conf_text or test_config(SHIPPED_CONF, self.var, conf_extra)
        self.milter = Milter(self.tmp, text)
        self.sendmail = self.postfix = Sendmail(self.tmp, self.milter.port, self.sink.port)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer")


def check_no_sanitizer_report(env):
    """Stop the milter (LeakSanitizer reports at exit) and check that its
    log holds no sanitizer report (make check SANITIZE=1)."""
    env.milter.stop()
    log = env.milter.read_log()
    bad = [l for l in log.splitlines() if any(m in l for m in SANITIZER_MARKS)]
    check(not bad, "sanitizer report in the milter log:\n" + "\n".join(bad[:20]))
