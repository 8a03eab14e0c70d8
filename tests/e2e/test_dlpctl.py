#!/usr/bin/python3
"""End-to-end tests of dlpctl: scan on generated messages, list and show on
a register filled through the library (a small C program compiled here
against build/lib*.a: scan, incident_from_scan, store_put, reg_insert).

Usage: /usr/bin/python3 tests/e2e/test_dlpctl.py   (BUILD=build by default)
Prints "ok NAME" or "FAIL NAME: why" per case, then "N passed, N failed".
"""
import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
DLPCTL = os.path.join(BUILD, "dlpctl")
PKGS = ("gmime-3.0 libpcre2-8 libmagic libzip sqlite3 libutf8proc uchardet jansson "
        "inih libxml-2.0 poppler-glib libgsf-1 libcurl libarchive milter libpq")

CONF = """[general]
internal_domains = example.go.jp
var_dir = {var}

[rule my_number]
when = my_number > 0
action = reject
reason = マイナンバーを含むメールは送信できません。

[rule mass_recipients]
when = external_visible >= 50
action = hold
reason = 外部の宛先が多すぎます。BCC を使ってください。

[rule personal_data]
when = personal_items >= 10
action = hold
reason = 個人情報が多く含まれています。
"""

MY_NUMBER = "123456789018"

passed = failed = 0


def case(name, fn):
    global passed, failed
    try:
        fn()
    except AssertionError as e:
        failed += 1
        print("FAIL %s: %s" % (name, str(e).replace("\n", " | ")[:400]))
    except Exception as e:  # a crash of the case itself is a failure too
        failed += 1
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
    else:
        passed += 1
        print("ok %s" % name)


def run(args, stdin=None, user=None):
    pre = None
    if user:
        pw = pwd.getpwnam(user)

        def pre():
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
    p = subprocess.run([DLPCTL] + args, input=stdin, capture_output=True, preexec_fn=pre,
                       env=dict(os.environ, DLP_MILTER_CONF=""))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def scan_json(args, stdin=None):
    rc, out, err = run(args, stdin)
    assert rc == 0, "exit %d: %s" % (rc, err)
    try:
        return json.loads(out), out
    except ValueError as e:
        raise AssertionError("not JSON (%s): %s" % (e, out[:200]))


def message(to, cc=(), body="よろしくお願いします。\n", subject="連絡", attach=None):
    hdr = ["From: Taro Yamada <taro@example.go.jp>",
           "To: " + ",\r\n ".join(to)]
    if cc:
        hdr.append("Cc: " + ", ".join(cc))
    hdr += ["Subject: " + subject, "Message-ID: <e2e-%d@example.go.jp>" % len(to),
            "MIME-Version: 1.0"]
    if not attach:
        hdr += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        return ("\r\n".join(hdr) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()
    name, data = attach
    import base64
    b64 = base64.encodebytes(data.encode()).decode().replace("\n", "\r\n")
    hdr.append('Content-Type: multipart/mixed; boundary="zz"')
    parts = ["--zz\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\n" + body.replace("\n", "\r\n"),
             '--zz\r\nContent-Type: text/csv; name="%s"\r\n'
             'Content-Disposition: attachment; filename="%s"\r\n'
             "Content-Transfer-Encoding: base64\r\n\r\n%s" % (name, name, b64),
             "--zz--\r\n"]
    return ("\r\n".join(hdr) + "\r\n\r\n" + "\r\n".join(parts)).encode()


HELPER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/conf.h"
#include "config/policy.h"
#include "detectors/feed.h"
#include "detectors/scan.h"
#include "quarantine/incident.h"
#include "register/register.h"
#include "quarantine/store.h"

/* helper CONF T0 EML...: scan each message as the daemon would, then
 * store it and register it with created = T0 + 60 * i; print the ids. */
int main(int argc, char **argv)
{
	char err[8192], db[4096], qdir[4096];
	struct conf *cf = conf_load(argv[1], err, sizeof(err));
	struct scan_options opt;
	struct scan_engine *eng;
	struct reg *rg;
	long t0 = atol(argv[2]);

	if (!cf) { fprintf(stderr, "%s\n", err); return 1; }
	conf_scan_options(cf, &opt);
	if (!(eng = scan_engine_new(&opt, err, sizeof(err)))) { fprintf(stderr, "%s\n", err); return 1; }
	conf_var_path(cf, "incidents.db", db, sizeof(db));
	conf_var_path(cf, "quarantine", qdir, sizeof(qdir));
	if (!(rg = reg_open(db, REG_RW, err, sizeof(err))) || store_init(qdir, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err); return 1;
	}
	for (int i = 3; i < argc; i++) {
		struct scan_msg *m = scan_msg_new(eng);
		const struct scan_result *r;
		long counters[SC_COUNT];
		struct verdict v;
		struct incident inc;
		FILE *fp = fopen(argv[i], "rb");

		if (!fp || scan_msg_envfrom(m, "taro@example.go.jp") < 0 ||
		    scan_msg_rcpt(m, "someone@partner.example") < 0 ||
		    scan_msg_rcpt(m, "colleague@example.go.jp") < 0 || feed_file(m, fp) < 0 ||
		    !(r = scan_msg_eom(m))) { fprintf(stderr, "scan %s failed\n", argv[i]); return 1; }
		fclose(fp);
		scan_result_counters(r, counters);
		policy_decide(cf, counters, &v);
		if (v.action != ACT_HOLD && v.action != ACT_REJECT) {
			fprintf(stderr, "%s: verdict %s\n", argv[i], action_name(v.action)); return 1;
		}
		if (incident_from_scan(&inc, r, &v, "QID", v.action, (time_t)(t0 + 60 * (i - 3)),
		    err, sizeof(err)) < 0 ||
		    (v.action == ACT_HOLD && store_put(qdir, inc.id, scan_msg_spool(m), err, sizeof(err)) < 0) ||
		    reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err); return 1;
		}
		printf("%s\n", inc.id);
		incident_clear(&inc);
		scan_msg_free(m);
	}
	reg_close(rg);
	scan_engine_free(eng);
	conf_unref(cf);
	return 0;
}
"""


def pkg_config(*args):
    return subprocess.run(["pkg-config"] + list(args) + PKGS.split(), capture_output=True,
                          check=True, text=True).stdout.split()


def build_helper(tmp):
    src = os.path.join(tmp, "fill.c")
    exe = os.path.join(tmp, "fill")
    with open(src, "w") as f:
        f.write(HELPER)
    # the rooms' include paths and libraries as the Makefile builds them
    # (build/lib/lib<room>.a); a group, since the helper needs no order
    libs = sorted(glob.glob(os.path.join(BUILD, "lib", "lib*.a")))
    cmd = ["cc", "-std=gnu11", "-D_GNU_SOURCE"] + \
        ["-I" + os.path.join(ROOT, d) for d in ("", "detectors", "quarantine")] + \
        pkg_config("--cflags") + ["-o", exe, src, "-Wl,--start-group"] + libs + \
        ["-Wl,--end-group"] + pkg_config("--libs") + ["-lpthread", "-lm"]
    if BUILD.rstrip("/").endswith("-san"):
        cmd[1:1] = ["-fsanitize=address,undefined"]
    subprocess.run(cmd, check=True, capture_output=True)
    return exe


def main():
    if not os.access(DLPCTL, os.X_OK):
        print("FAIL setup: %s not built (make)" % DLPCTL)
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="test_dlpctl.")
    os.chmod(tmp, 0o755)
    var = os.path.join(tmp, "var")
    os.mkdir(var, 0o700)
    conf = os.path.join(tmp, "dlp-milter.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(var=var))

    def write(name, data):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    mynumber_eml = write("mynumber.eml", message(
        ["partner@outside.example"],
        body="お世話になっております。\n私のマイナンバーは %s-%s-%s です。\n" %
        (MY_NUMBER[:4], MY_NUMBER[4:8], MY_NUMBER[8:])))
    mass_to = ["user%03d@ext%d.example" % (i, i % 7) for i in range(144)]
    mass_eml = write("mass.eml", message(mass_to, subject="説明会のご案内"))
    internal_eml = write("internal.eml", message(["colleague@example.go.jp"],
                                                 cc=["boss@sub.example.go.jp"]))
    rows = "氏名,電話\n" + "".join("職員%02d,090-3456-%04d\n" % (i, 7000 + i * 3)
                                   for i in range(20))
    people_eml = write("people.eml", message(["partner@outside.example"],
                                             attach=("people.csv", rows)))

    def t_mynumber_reject():
        j, out = scan_json(["scan", "--config", conf, "--json", mynumber_eml])
        assert j["verdict"] == "reject", j["verdict"]
        assert "my_number" in j["rules"], j["rules"]
        assert j["findings"]["my_number"] == 1, j["findings"]
        assert MY_NUMBER not in out, "full My Number in output"
        assert "%s-%s-%s" % (MY_NUMBER[:4], MY_NUMBER[4:8], MY_NUMBER[8:]) not in out
        for k in ("recipients", "parts"):
            assert k in j, k
        assert j["recipients"]["external"] == 1, j["recipients"]
    case("scan_mynumber_reject", t_mynumber_reject)

    def t_mass_hold():
        j, _ = scan_json(["-c", conf, "scan", "--json", mass_eml])
        assert j["verdict"] == "hold", j["verdict"]
        assert j["rules"] == ["mass_recipients"], j["rules"]
        r = j["recipients"]
        assert r["recipients"] == 144 and r["external"] == 144, r
        assert r["external_visible"] == 144 and r["external_domains"] == 7, r
    case("scan_144_external_hold", t_mass_hold)

    def t_internal_pass():
        j, _ = scan_json(["scan", "--json", "--config", conf, internal_eml])
        assert j["verdict"] == "pass", j["verdict"]
        assert j["rules"] == [], j["rules"]
        assert j["recipients"]["recipients"] == 2, j["recipients"]
        assert j["recipients"]["external"] == 0, j["recipients"]
        assert isinstance(j["parts"], list) and len(j["parts"]) >= 1, j["parts"]
    case("scan_internal_pass", t_internal_pass)

    def t_options_after_file():
        a, _ = scan_json(["scan", mass_eml, "--json", "--config", conf])
        b, _ = scan_json(["scan", "--config", conf, "--json", mass_eml])
        assert a == b, "differs"
    case("scan_options_after_file", t_options_after_file)

    def t_rcpt_override():
        j, _ = scan_json(["scan", "--config", conf, "--json", mass_eml,
                          "--rcpt", "colleague@example.go.jp", "--from", "x@example.go.jp"])
        r = j["recipients"]
        assert r["recipients"] == 1 and r["external"] == 0, r
        assert r["external_visible"] == 144, r  # the To header is still visible
        assert j["sender"] == "x@example.go.jp", j["sender"]
    case("scan_rcpt_and_from_override", t_rcpt_override)

    def t_bcc_envelope():
        eml = write("bcc.eml", (
            "From: taro@example.go.jp\r\nTo: Colleague <colleague@example.go.jp>\r\n"
            "Bcc: hidden@outside.example, Group: g1@other.example, g2@other.example;\r\n"
            "Subject: bcc\r\n\r\nhello\r\n").encode())
        j, _ = scan_json(["scan", "--config", conf, "--json", eml])
        r = j["recipients"]
        assert r["recipients"] == 4 and r["external"] == 3, r
        assert r["external_visible"] == 0 and r["external_domains"] == 2, r
        assert j["sender"] == "taro@example.go.jp", j["sender"]
    case("scan_envelope_from_to_cc_bcc", t_bcc_envelope)

    def t_stdin():
        with open(mynumber_eml, "rb") as f:
            data = f.read()
        a, _ = scan_json(["scan", "--config", conf, "--json", "-"], stdin=data)
        b, _ = scan_json(["scan", "--config", conf, "--json", mynumber_eml])
        a.pop("file")
        b.pop("file")
        assert a == b, "stdin result differs from file result"
    case("scan_stdin", t_stdin)

    def t_attachment_parts():
        j, out = scan_json(["scan", "--config", conf, "--json", people_eml])
        assert j["verdict"] == "hold", j["verdict"]
        assert "personal_data" in j["rules"], j["rules"]
        assert j["findings"]["phone"] == 20, j["findings"]
        csv = [p for p in j["parts"] if p.get("filename") == "people.csv"]
        assert csv and csv[0]["findings"]["phone"] == 20, j["parts"]
        assert "090-3456-7000" not in out and "09034567000" not in out, "full phone"
        samples = j["samples"]["phone"]["samples"]
        assert 1 <= len(samples) <= 3 and all("*" in s for s in samples), samples
    case("scan_attachment_parts_masked", t_attachment_parts)

    def t_plain():
        rc, out, err = run(["scan", "--config", conf, people_eml])
        assert rc == 0, err
        assert "verdict: hold" in out, out
        assert "personal_data (hold)" in out, out
        assert "people.csv" in out and "phone=20" in out, out
        assert "090-3456-7000" not in out and "09034567000" not in out, "full phone"
        assert "recipients: 1 (external 1" in out, out
    case("scan_plain_output", t_plain)

    def t_errors():
        rc, _, err = run(["scan", "--config", conf, os.path.join(tmp, "nope.eml")])
        assert rc == 2 and "No such file" in err, (rc, err)
        rc, _, err = run(["scan", "--config", conf])
        assert rc == 1 and "FILE missing" in err, (rc, err)
        rc, _, err = run(["scan", "--bogus", mass_eml])
        assert rc == 1, (rc, err)
        rc, out, _ = run(["scan", "-h"])
        assert rc == 0 and out.startswith("usage: dlpctl scan"), (rc, out)
        rc, _, err = run(["frobnicate"])
        assert rc == 1 and "unknown command" in err, (rc, err)
        bad = write("bad.conf", b"[general]\ninternal_domains = example.go.jp\n"
                    b"[rule x]\nwhen = my_numbr > 0\naction = reject\n")
        rc, _, err = run(["scan", "--config", bad, mass_eml])
        assert rc == 1 and "bad.conf:" in err, (rc, err)
    case("scan_errors_and_exit_codes", t_errors)

    # list and show on a register filled through the library.
    try:
        helper = build_helper(tmp)
        t0 = 1795000000
        p = subprocess.run([helper, conf, str(t0), mynumber_eml, mass_eml, people_eml],
                           capture_output=True, text=True)
        ids = p.stdout.split()
        fill_err = p.stderr if p.returncode else None
    except subprocess.CalledProcessError as e:
        ids, fill_err = [], "helper build failed: %s" % e.stderr.decode()[-600:]

    def need_fill():
        assert fill_err is None and len(ids) == 3, "fill: %s" % fill_err

    def t_list():
        need_fill()
        rc, out, err = run(["-c", conf, "list"])
        assert rc == 0, err
        lines = out.splitlines()
        assert [l.split()[0] for l in lines] == ids[::-1], out   # newest first
        assert "reject/rejected" in lines[2] and "my_number" in lines[2], lines[2]
        assert "hold/held" in lines[0] and "personal_data" in lines[0], lines[0]
        assert "phone=20" in lines[0], lines[0]
        rc, out, _ = run(["-c", conf, "list", "--status", "held"])
        assert [l.split()[0] for l in out.splitlines()] == [ids[2], ids[1]], out
        since = subprocess.run(["date", "-d", "@%d" % (t0 + 60), "+%Y-%m-%d %H:%M:%S"],
                               capture_output=True, text=True).stdout.strip()
        rc, out, _ = run(["-c", conf, "list", "--since", since])
        assert [l.split()[0] for l in out.splitlines()] == [ids[2], ids[1]], (since, out)
        rc, _, err = run(["-c", conf, "list", "--status", "lost"])
        assert rc == 1 and "unknown status" in err, (rc, err)
    case("list_order_and_filters", t_list)

    def t_list_json():
        need_fill()
        rc, out, err = run(["-c", conf, "list", "--json"])
        assert rc == 0, err
        a = json.loads(out)
        assert [x["id"] for x in a] == ids[::-1], a
        assert a[2]["action"] == "reject" and a[2]["status"] == "rejected", a[2]
        assert MY_NUMBER not in out, "full My Number in list --json"
    case("list_json", t_list_json)

    def t_show():
        need_fill()
        rc, out, err = run(["-c", conf, "show", ids[2]])
        assert rc == 0, err
        for want in ("incident:   " + ids[2], "status:     held", "sender:     taro@example.go.jp",
                     "queue id:   QID", "personal_data (hold): 個人情報", "people.csv",
                     "someone@partner.example", "history:", "dlp-milter   created held",
                     "stored:     " + var):
            assert want in out, "missing %r in:\n%s" % (want, out)
        assert "090-3456-7000" not in out, "full phone in show"
        rc, out, err = run(["-c", conf, "show", ids[0]])
        assert rc == 0 and "stored:     no" in out, out   # a reject keeps no copy
    case("show_plain", t_show)

    def t_show_json():
        need_fill()
        rc, out, err = run(["-c", conf, "show", "--json", ids[0]])
        assert rc == 0, err
        j = json.loads(out)
        assert j["id"] == ids[0] and j["status"] == "rejected", j
        assert j["rules"][0]["name"] == "my_number", j["rules"]
        assert j["findings"]["my_number"]["count"] == 1, j["findings"]
        assert all("*" in s for s in j["findings"]["my_number"]["samples"]), j["findings"]
        assert [h["action"] for h in j["history"]] == ["created rejected"], j["history"]
        assert MY_NUMBER not in out, "full My Number in show --json"
        rc, _, err = run(["-c", conf, "show", "20990101-NOSUCH"])
        assert rc == 2 and "no incident" in err, (rc, err)
    case("show_json_and_not_found", t_show_json)

    def t_permission():
        need_fill()
        rc, out, err = run(["-c", conf, "list"], user="nobody")
        assert rc == 3, (rc, err)
        assert "cannot open register %s/incidents.db" % var in err, err
        assert "permission denied — run dlpctl as the dlp-milter user or root" in err, err
    if os.geteuid() == 0:
        case("list_permission_denied", t_permission)

    shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
