"""The Debian package, end to end (make check-package; needs root).

`make install` into a DESTDIR; then the .deb built by `make deb`: its
contents and declared dependencies, installed on this machine with dpkg;
the installed daemon (/usr/sbin/dlp-milter with /etc/dlp-milter/
dlp-milter.conf, set for the test: a unix socket for the postfix group and
the private Postfix's release port) started as root the way an init script
would, running as the dlp-milter user behind a private Postfix: clean,
reject, hold, release with the installed dlpctl; the process's ids and
capabilities; owners and modes of everything under /var/lib/dlp-milter
and /run/dlp-milter; syslog (facility mail, then local3 after a SIGHUP);
`dlpctl stats`; the man pages rendered by man-db without a warning; the
systemd unit checked by systemd-analyze; then dpkg --purge, which must
leave nothing behind (files, directories, the user and its group).
"""
import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import lib  # noqa: E402
from lib import check, make_message, wait_until  # noqa: E402

ROOT = lib.ROOT
DEB_DIR = os.path.join(ROOT, os.environ.get("DEB_DIR", "build/deb"))
PKG = "dlp-milter"
CONF = "/etc/dlp-milter/dlp-milter.conf"
VAR = "/var/lib/dlp-milter"
RUN = "/run/dlp-milter"
USER = "dlp-milter"
SBIN_MILTER = "/usr/sbin/dlp-milter"
SBIN_CTL = "/usr/sbin/dlpctl"
MANPAGES = ["/usr/share/man/man8/dlp-milter.8.gz", "/usr/share/man/man8/dlpctl.8.gz",
            "/usr/share/man/man8/dlp-web.8.gz", "/usr/share/man/man5/dlp-milter.conf.5.gz"]
UNIT = "/lib/systemd/system/dlp-milter.service"
TMPFILES = "/usr/lib/tmpfiles.d/dlp-milter.conf"
WANTS = "/etc/systemd/system/multi-user.target.wants/dlp-milter.service"
SBIN_WEB = "/usr/sbin/dlp-web"
WEB_UNIT = "/lib/systemd/system/dlp-web.service"
INSTALLED = [SBIN_MILTER, SBIN_CTL, SBIN_WEB, CONF, UNIT, WEB_UNIT, TMPFILES] + MANPAGES
FAC_MAIL, FAC_LOCAL3 = 2, 19          # syslog facility numbers

state = {}


def sh(*cmd, check_rc=True, **kw):
    r = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    if check_rc and r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                     r.stderr))
    return r


def deb_file():
    debs = [d for d in glob.glob(os.path.join(DEB_DIR, "dlp-milter_*.deb"))]
    check(len(debs) == 1, "one dlp-milter_*.deb in %s: %s" % (DEB_DIR, debs))
    return debs[0]


def package_installed():
    r = sh("dpkg-query", "-W", "-f=${Status}", PKG, check_rc=False)
    return r.returncode == 0 and r.stdout.endswith(" installed")


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def owner(path):
    st = os.lstat(path)
    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name


# --- make install -----------------------------------------------------------
def test_make_install_destdir():
    dest = tempfile.mkdtemp(prefix="dlp-destdir-")
    try:
        def install():
            return sh("make", "--no-print-directory", "-C", ROOT, "install",
                      "DESTDIR=" + dest, "PREFIX=/usr/local")
        install()
        for rel, m in [("usr/local/sbin/dlp-milter", 0o755), ("usr/local/sbin/dlpctl", 0o755),
                       ("usr/local/sbin/dlp-web", 0o755),
                       ("usr/local/share/man/man8/dlp-web.8", 0o644),
                       ("usr/local/lib/systemd/system/dlp-web.service", 0o644),
                       ("usr/local/share/man/man8/dlp-milter.8", 0o644),
                       ("usr/local/share/man/man8/dlpctl.8", 0o644),
                       ("usr/local/share/man/man5/dlp-milter.conf.5", 0o644),
                       ("etc/dlp-milter/dlp-milter.conf", 0o644),
                       ("etc/dlp-milter/notice-hold.txt", 0o644),
                       ("usr/local/lib/systemd/system/dlp-milter.service", 0o644),
                       ("usr/local/lib/tmpfiles.d/dlp-milter.conf", 0o644),
                       ("var/lib/dlp-milter", 0o700)]:
            p = os.path.join(dest, rel)
            check(os.path.exists(p), "installed: " + rel)
            check(mode(p) == m, "%s mode %o, want %o" % (rel, mode(p), m))
        conf = os.path.join(dest, "etc/dlp-milter/dlp-milter.conf")
        text = open(conf, encoding="utf-8").read()
        for line in ["var_dir = /var/lib/dlp-milter", "user = dlp-milter",
                     "group = dlp-milter", "pidfile = /run/dlp-milter/dlp-milter.pid",
                     "templates = ."]:
            check(re.search(r"(?m)^%s$" % re.escape(line), text), "installed config: " + line)
        # As root, -n also looks the user up: before the package made it,
        # that is the one problem (the file itself loaded, or it would say).
        r = sh(os.path.join(lib.BUILD, "dlp-milter"), "-n", "-c", conf, check_rc=False)
        if sh("getent", "passwd", USER, check_rc=False).returncode == 0:
            check(r.returncode == 0, "installed config passes -n: " + r.stderr)
        else:
            check(r.returncode == 1 and r.stderr.strip() == "%s: [milter] user: no user '%s'"
                  % (conf, USER), "installed config passes -n but for the user: " + r.stderr)
        for t in glob.glob(os.path.join(ROOT, "config", "notice-*.txt")):
            check(open(t, "rb").read() == open(os.path.join(
                dest, "etc/dlp-milter", os.path.basename(t)), "rb").read(), "template " + t)
        unit = open(os.path.join(dest, "usr/local/lib/systemd/system/dlp-milter.service")).read()
        check("ExecStart=/usr/local/sbin/dlp-milter -F -c /etc/dlp-milter/dlp-milter.conf" in unit
              and "@" not in unit, "unit paths filled in")
        # An edited config (and template) survive a second install.
        with open(conf, "a") as f:
            f.write("\n# edited by the admin\n")
        with open(os.path.join(dest, "etc/dlp-milter/notice-hold.txt"), "w") as f:
            f.write("Subject: mine\n\nmine\n")
        r = install()
        check("kept the existing" in r.stdout, "install says it kept the config: " + r.stdout)
        check(open(conf).read().endswith("# edited by the admin\n"), "edited config kept")
        check(open(os.path.join(dest, "etc/dlp-milter/notice-hold.txt")).read() ==
              "Subject: mine\n\nmine\n", "edited template kept")
        check(os.path.exists(conf + ".new"), "the new config beside it, as .new")
    finally:
        shutil.rmtree(dest, ignore_errors=True)


# --- the .deb ---------------------------------------------------------------
def test_deb_built_outside_tree():
    deb_file()
    parent = os.path.dirname(ROOT)
    left = [p for pat in ("dlp-milter_*", "dlp-milter-dbgsym_*") for p in
            glob.glob(os.path.join(parent, pat)) + glob.glob(os.path.join(ROOT, pat))]
    check(not left, "no build products beside or in the tree: %s" % left)
    for p in ("debian/dlp-milter", "debian/.debhelper", "debian/files",
              "debian/debhelper-build-stamp", "debian/dlp-milter.substvars"):
        check(not os.path.exists(os.path.join(ROOT, p)), "tree clean of " + p)
    check(not os.path.exists(os.path.join(DEB_DIR, "src")), "the build copy is removed")


def test_deb_contents():
    deb = deb_file()
    info = sh("dpkg-deb", "-f", deb, "Depends").stdout
    for dep in ("libmilter1.0.1", "libc6", "libgmime-3.0-0", "libsqlite3-0", "libpcre2-8-0",
                "libcurl4", "libjansson4", "adduser"):
        check(dep in info, "Depends names %s: %s" % (dep, info))
    files = sh("dpkg-deb", "-c", deb).stdout
    for path in INSTALLED + ["/etc/dlp-milter/notice-hold.txt",
                             "/etc/dlp-milter/notice-released.txt"]:
        check(re.search(r" \.%s$" % re.escape(path), files, re.M), "in the .deb: " + path)
    check(not re.search(r" \./var/", files), "var_dir is made by the postinst, not shipped")
    conffiles = sh("dpkg-deb", "-I", deb, "conffiles").stdout.split()
    check(CONF in conffiles and "/etc/dlp-milter/notice-admin.txt" in conffiles,
          "conffiles: %s" % conffiles)
    for script in ("postinst", "postrm"):
        check(sh("dpkg-deb", "-I", deb, script).returncode == 0, "has a " + script)


def test_install():
    if package_installed():
        print("  (a dlp-milter package was installed: purging it first)")
        sh("dpkg", "--purge", PKG)
    r = sh("dpkg", "-i", deb_file(), check_rc=False)
    if r.returncode != 0:   # missing dependencies: let apt bring them
        sh("apt-get", "-f", "install", "-y", "--no-install-recommends",
           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    check(package_installed(), "installed: " + r.stdout + r.stderr)
    state["installed"] = True
    for p in INSTALLED:
        check(os.path.exists(p), "installed file " + p)
    pw = pwd.getpwnam(USER)
    check(pw.pw_uid < 1000, "system user (uid %d)" % pw.pw_uid)
    check(pw.pw_shell in ("/usr/sbin/nologin", "/bin/false"), "no login: " + pw.pw_shell)
    check(grp.getgrgid(pw.pw_gid).gr_name == USER, "its own group")
    for d in (VAR, VAR + "/quarantine", VAR + "/spool"):
        check(owner(d) == (USER, USER) and mode(d) == 0o700,
              "%s: %s %o" % (d, owner(d), mode(d)))
    check(owner(RUN) == (USER, USER) and mode(RUN) == 0o755, "tmpfiles made " + RUN)
    check(os.path.islink(WANTS), "the unit is enabled")
    check(sh(SBIN_MILTER, "-n", "-c", CONF).returncode == 0, "installed config is good")


def test_unit_verifies():
    r = sh("systemd-analyze", "verify", UNIT, check_rc=False)
    check(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
          "systemd-analyze verify: %s%s" % (r.stdout, r.stderr))
    unit = open(UNIT).read()
    for line in ("ExecStart=/usr/sbin/dlp-milter -F -c /etc/dlp-milter/dlp-milter.conf",
                 "ExecReload=/bin/kill -HUP $MAINPID", "ProtectSystem=strict",
                 "ReadWritePaths=/var/lib/dlp-milter -/run/dlp-milter", "PrivateTmp=yes",
                 "NoNewPrivileges=yes", "ProtectHome=yes", "CapabilityBoundingSet=CAP_SETUID"):
        check(line in unit, "unit has " + line)


def test_man_pages():
    for page in MANPAGES:
        r = sh("man", "--warnings", "-l", page, env=dict(os.environ, MANROFFSEQ="",
                                                          MANWIDTH="80", LC_ALL="C.UTF-8"))
        check(r.stderr == "", "%s renders without warnings: %s" % (page, r.stderr))
        check("NAME" in r.stdout and "SEE ALSO" in r.stdout, page + " has its sections")
    for args in (["dlp-milter"], ["dlpctl"], ["5", "dlp-milter.conf"]):
        r = sh("man", "-w", *args)
        check(r.stdout.strip() in MANPAGES, "man -w %s: %s" % (args, r.stdout))
    text = sh("man", "5", "dlp-milter.conf", env=dict(os.environ, MANWIDTH="200")).stdout
    check("socket_group (string; default empty)" in text, "conf page lists the keys")


# --- the installed daemon ----------------------------------------------------
def setup_conf():
    """The installed config, set for the test: a unix socket for the postfix
    group; the release port comes when Postfix has one."""
    text = open(CONF, encoding="utf-8").read()
    state["conf_orig"] = text
    text = lib.conf_set(text, "milter", "socket", "unix:%s/dlp-milter.sock" % RUN)
    text = lib.conf_set(text, "milter", "socket_group", "postfix")
    with open(CONF, "w", encoding="utf-8") as f:
        f.write(text)


def edit_conf(section, key, value):
    text = open(CONF, encoding="utf-8").read()
    with open(CONF, "w", encoding="utf-8") as f:
        f.write(lib.conf_set(text, section, key, value))


def test_refuses_root_without_user():
    tmpconf = tempfile.mktemp(suffix=".conf")
    with open(tmpconf, "w") as f:
        f.write(lib.conf_set(open(CONF).read(), "milter", "user", ""))
    try:
        r = sh(SBIN_MILTER, "-f", "-c", tmpconf, "-p", "inet:%d@127.0.0.1" % lib.free_port(),
               check_rc=False, timeout=20)
        check(r.returncode == 1 and "refusing to run as root" in r.stderr,
              "root without [milter] user: %d %s" % (r.returncode, r.stderr))
        r = sh(SBIN_MILTER, "-n", "-c", tmpconf, check_rc=False)
        check(r.returncode == 1 and "refusing to run as root" in r.stderr,
              "-n as root says so too: %d %s" % (r.returncode, r.stderr))
    finally:
        os.unlink(tmpconf)


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


def run_daemon_scenarios():
    pw = pwd.getpwnam(USER)
    syslog = state["syslog"]
    milter = lib.SystemMilter(syslog=syslog)
    with lib.PackageEnv(milter) as env:
        edit_conf("release", "relay", "smtp://127.0.0.1:%d" % env.postfix.release)
        os.kill(milter.pid, signal.SIGHUP)
        check(wait_until(lambda: syslog.lines("configuration reloaded"), 10), "reloaded")
        state["env_diag"] = env.diag

        # Who runs: the dlp-milter user, every id, no capability, no root group.
        st = proc_status(milter.pid)
        check(st["Uid"] == [str(pw.pw_uid)] * 4, "Uid: %s" % st["Uid"])
        check(st["Gid"] == [str(pw.pw_gid)] * 4, "Gid: %s" % st["Gid"])
        check("0" not in st.get("Groups", []), "Groups: %s" % st.get("Groups"))
        check(st["CapEff"] == ["0000000000000000"] and st["CapPrm"] == ["0000000000000000"],
              "no capabilities: %s %s" % (st["CapEff"], st["CapPrm"]))
        ps = sh("ps", "-o", "user=", "-p", str(milter.pid)).stdout.strip()
        check(ps == USER, "ps says " + ps)
        sock = RUN + "/dlp-milter.sock"
        check(owner(sock) == (USER, "postfix") and mode(sock) == 0o660,
              "socket %s %o" % (owner(sock), mode(sock)))
        check(owner(milter.pidfile) == (USER, USER), "pid file is the user's")

        # clean
        code, text = env.send(make_message("a@example.go.jp", ["b@partner.example.com"],
                                           "meeting", "See you at ten."))
        check(code == 250 and wait_until(lambda: env.sink_to("b@partner.example.com"), 20),
              "clean passes: %d %s" % (code, text), env)
        # reject
        code, text = env.send(make_message("a@example.go.jp", ["c@partner.example.com"],
                                           "number", "マイナンバーは 1234 5678 9018 です。"))
        check(code == 550 and "incident" in text, "My Number rejected: %d %s" % (code, text))
        # hold
        to = ["p%02d@ext%d.example" % (i, i % 3) for i in range(12)]
        code, text = env.send(make_message("a@example.go.jp", to, "to all", "hello all"))
        check(code == 250 and env.quiet(2) and not any(env.sink_to(a) for a in to),
              "mass mail held: %d %s" % (code, text), env)
        held = json.loads(sh(SBIN_CTL, "list", "--status", "held", "--json").stdout)
        check(len(held) == 1, "one held: %s" % held)
        hid = held[0]["id"]
        msg = os.path.join(VAR, "quarantine", "msg", hid + ".eml")
        check(owner(msg) == (USER, USER) and mode(msg) == 0o600, "held copy %s" % msg)
        # release, with the installed dlpctl as root
        r = sh(SBIN_CTL, "release", hid, "--reason", "package test")
        check(wait_until(lambda: len(env.sink_to(to[0])) == 1, 20),
              "released mail arrives: " + r.stdout, env)
        check(all(len(env.sink_to(a)) == 1 for a in to), "to all 12", env)
        data = env.sink_to(to[0])[0][2]
        show = json.loads(sh(SBIN_CTL, "show", hid, "--json").stdout)
        tok = [h["reason"] for h in show["history"] if h["action"] == "release sent as"]
        check(tok and ("X-DLP-Released: %s\r\n" % tok[0]).encode() in data,
              "trace header: the token of the audit trail")
        check(show["status"] == "released", "released: %s" % show["status"])
        by = [h["actor"] for h in show["history"] if "releas" in h["action"]]
        check(by and all(a == "root" for a in by),
              "the release is the admin's (root), not the switched-to user's: %s" % by)
        check_var_ownership(pw)
        check_syslog_and_reload(env, milter, syslog)
        check_stats()
        check_unprivileged_dlpctl()
        pid, pidfile = milter.pid, milter.pidfile
    # Env closed: the daemon got SIGTERM.
    check(not os.path.exists("/proc/%d" % pid), "daemon stopped")
    check(not os.path.exists(pidfile), "pid file removed at exit")
    check(not os.path.exists(RUN + "/dlp-milter.sock"), "socket removed at exit")
    out = sh(SBIN_CTL, "stats").stdout
    check("stopped at" in out, "stats says the daemon stopped: " + out)
    # A daemon that died without its last write: the counters are stale.
    path = os.path.join(VAR, "stats.json")
    st = os.stat(path)
    d = json.load(open(path))
    d["stopped"], d["updated_epoch"] = False, int(time.time()) - 100
    with open(path, "w") as f:
        json.dump(d, f)
    os.chown(path, st.st_uid, st.st_gid)
    out = sh(SBIN_CTL, "stats").stdout
    check("STALE: not updated for 10" in out, "stale counters said so: " + out)
    check(json.loads(sh(SBIN_CTL, "stats", "--json").stdout)["daemon"]["state"] == "stale",
          "state stale in JSON")


def check_var_ownership(pw):
    """Everything under var_dir is the user's: directories 0700, files 0600."""
    for base, dirs, files in os.walk(VAR):
        for d in dirs + ["."]:
            p = os.path.normpath(os.path.join(base, d))
            check(os.lstat(p).st_uid == pw.pw_uid and mode(p) == 0o700,
                  "%s: %s %o" % (p, owner(p), mode(p)))
        for f in files:
            p = os.path.join(base, f)
            check(os.lstat(p).st_uid == pw.pw_uid and os.lstat(p).st_gid == pw.pw_gid and
                  mode(p) == 0o600, "%s: %s %o" % (p, owner(p), mode(p)))
    for f in ("incidents.db", "stats.json"):
        check(os.path.exists(os.path.join(VAR, f)), f + " exists")


def check_syslog_and_reload(env, milter, syslog):
    tag = "dlp-milter[%d]: " % milter.pid
    verdicts = syslog.lines("verdict=")
    check(len(verdicts) >= 3 and all(r[0] == FAC_MAIL for r in verdicts),
          "verdict lines with facility mail: %s" % verdicts)
    check(all(tag in r[2] for r in verdicts), "tagged %s: %s" % (tag, verdicts[:1]))
    check(any("action=hold" in r[2] and "incident=" in r[2] for r in verdicts), "hold line")
    check(not any("9018" in r[2] for r in syslog.records), "no personal value in the log")
    # SIGHUP with another facility: applied at once; a start-only key: named.
    edit_conf("general", "log_facility", "local3")
    edit_conf("milter", "socket_group", USER)
    os.kill(milter.pid, signal.SIGHUP)
    check(wait_until(lambda: syslog.lines("log facility changed from mail to local3"), 10),
          "facility change logged")
    check(wait_until(lambda: syslog.lines("socket_group changed"), 5) and
          "next restart" in syslog.lines("socket_group changed")[0][2], "restart needed said")
    n = len(syslog.lines("verdict="))
    code, _ = env.send(make_message("a@example.go.jp", ["d@partner.example.com"], "x", "fine"))
    check(code == 250 and wait_until(lambda: len(syslog.lines("verdict=")) > n, 10),
          "one more verdict line")
    last = syslog.lines("verdict=")[-1]
    check(last[0] == FAC_LOCAL3, "after reload the facility is local3: %s" % (last,))
    edit_conf("milter", "socket_group", "postfix")


def check_stats():
    def counters():
        r = sh(SBIN_CTL, "stats", "--json")
        return json.loads(r.stdout)
    check(wait_until(lambda: counters()["daemon"].get("messages", 0) >= 4, timeout=15),
          "live counters reach 4 messages: %s" % counters())
    c = counters()
    d, reg = c["daemon"], c["register"]
    check(d["state"] == "running" and d["age"] <= 15, "running, fresh: %s" % d)
    check(d["actions"]["accept"] >= 2 and d["actions"]["hold"] == 1 and
          d["actions"]["reject"] == 1, "actions: %s" % d["actions"])
    check(d["errors"] == 0 and d["tempfails"] == 0, "no errors")
    s = d["scan_ms"]
    check(s["count"] == d["messages"] and 0 < s["p50"] <= s["p90"] <= s["p99"] <= s["max"],
          "percentiles: %s" % s)
    check(reg["incidents"] == 2 and reg["by_rule"].get("mass_recipients") == 1 and
          reg["by_rule"].get("my_number") == 1 and reg["by_status"].get("released") == 1,
          "register counts: %s" % reg)
    out = sh(SBIN_CTL, "stats").stdout
    check(re.search(r"running \(counters of \d+ s ago\)", out) and "p99" in out and
          "mass_recipients 1" in out, "plain stats: " + out)
    print("  $ dlpctl stats\n" + "".join("  " + l for l in out.splitlines(True)), end="")


def check_unprivileged_dlpctl():
    nobody = pwd.getpwnam("nobody")

    def as_nobody():
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
    r = subprocess.run([SBIN_CTL, "list"], capture_output=True, text=True,
                       preexec_fn=as_nobody, cwd="/")
    check(r.returncode == 3 and "permission denied — run dlpctl as the dlp-milter user or root"
          in r.stderr, "nobody is told plainly: %d %s" % (r.returncode, r.stderr))


def test_installed_daemon():
    if not state.get("installed"):
        raise AssertionError("not installed")
    try:
        state["syslog"] = lib.SyslogListener()
    except RuntimeError as e:
        raise AssertionError("cannot listen for syslog: %s" % e)
    try:
        setup_conf()
        run_daemon_scenarios()
    finally:
        state["syslog"].close()


# --- purge -------------------------------------------------------------------
def test_purge_leaves_nothing():
    sh("dpkg", "--purge", PKG)
    state["installed"] = False
    check(not package_installed(), "not installed")
    left = [p for p in INSTALLED + ["/etc/dlp-milter", VAR, RUN, WANTS] if os.path.lexists(p)]
    check(not left, "left behind: %s" % left)
    for getent in (["passwd", USER], ["group", USER]):
        check(sh("getent", *getent, check_rc=False).returncode == 2, "%s removed" % getent)
    st = sh("dpkg-query", "-W", "-f=${db:Status-Abbrev}", PKG, check_rc=False).stdout.strip()
    check(st in ("", "pn"), "dpkg forgot it: %r" % st)


def main():
    if os.geteuid() != 0:
        print("test_package: needs root (dpkg -i)")
        print("0 passed, 1 failed")
        return 1
    tests = [
        ("package: make install DESTDIR, config kept", test_make_install_destdir),
        ("package: built outside the tree", test_deb_built_outside_tree),
        ("package: contents, Depends, conffiles", test_deb_contents),
        ("package: dpkg -i, user, directories", test_install),
        ("package: systemd unit verifies", test_unit_verifies),
        ("package: man pages render without warnings", test_man_pages),
        ("package: root without user refused", test_refuses_root_without_user),
        ("package: installed daemon end to end", test_installed_daemon),
        ("package: purge leaves nothing behind", test_purge_leaves_nothing),
    ]
    try:
        rc = lib.run(tests)
    finally:
        if "conf_orig" in state and state.get("installed"):
            with open(CONF, "w", encoding="utf-8") as f:
                f.write(state["conf_orig"])
        if state.get("installed") or package_installed():
            subprocess.run(["dpkg", "--purge", PKG], capture_output=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
