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
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
DLPCTL = os.path.join(BUILD, "dlpctl")
def makefile_pkgs():
    """The Makefile's PKGS, so that the helper links what the programs link."""
    mk = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                           "Makefile"), encoding="utf-8").read()
    m = re.search(r"^PKGS :=((?:.*\\\n)*.*)$", mk, re.M)
    return " ".join(m.group(1).replace("\\\n", " ").split())


PKGS = makefile_pkgs()

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


def run(args, stdin=None, user=None, prog=None):
    pre = None
    if user:
        pw = pwd.getpwnam(user)

        def pre():
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
    p = subprocess.run([prog or DLPCTL] + args, input=stdin, capture_output=True, preexec_fn=pre,
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
 * store it and register it with created = T0 + 60 * i; print the ids.
 * From the third message on, ids end in "ZZ": a tail that is not unique. */
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
		    (i >= 5 && (inc.id[13] = inc.id[14] = 'Z') != 'Z') ||
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


def mecab_libs():
    """MeCab has no pkg-config file: mecab-config, as the Makefile asks it."""
    try:
        out = subprocess.run(["mecab-config", "--libs"], capture_output=True, text=True).stdout
    except OSError:
        out = ""
    return out.split() or ["-lmecab", "-lstdc++"]


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
        ["-Wl,--end-group"] + pkg_config("--libs") + mecab_libs() + ["-lpthread", "-lm"]
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
    # A Subject whose encoded-word decodes to a line break and a header:
    # dlpctl must show it escaped, never as a line of its own.
    import base64
    evil = base64.b64encode("会議\r\nBcc: someone@evil.example\x1b[2J".encode()).decode()
    # Its body is ISO-2022-JP, as Japanese mail often is: show --text
    # prints it decoded.
    ctrl = message(["partner@outside.example"], subject="=?UTF-8?B?%s?=" % evil,
                   body="BODYMARK", attach=("people.csv", rows))
    jis = "会議の資料です。連絡先 090-1111-2222\r\n".encode("iso-2022-jp")
    ctrl = ctrl.replace(b"charset=utf-8\r\nContent-Transfer-Encoding: 8bit",
                        b"charset=iso-2022-jp\r\nContent-Transfer-Encoding: 7bit", 1)
    ctrl_eml = write("ctrl.eml", ctrl.replace(b"BODYMARK", jis))

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

    def t_bare_attachment():
        import io
        import zipfile
        import openpyxl
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["氏名", "電話"])
        for i in range(20):
            ws.append(["職員%02d" % i, "090-3456-%04d" % (7000 + i * 3)])
        buf = io.BytesIO()
        wb.save(buf)
        xlsx = write("名簿.xlsx", buf.getvalue())
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w") as z:
            z.writestr("people.xlsx", buf.getvalue())
        zpath = write("people.zip", zbuf.getvalue())
        csv = write("people.csv", rows.encode())
        for path in (xlsx, zpath, csv):
            rc, out, err = run(["scan", "--config", conf, path])
            assert rc == 0, (path, err)
            assert out.startswith("input: %s is not a mail message: scanned as the attachment"
                                  " of a message from dlpctl-scan@example.go.jp to an external"
                                  " recipient\n" % path), out
            assert "verdict: hold" in out and "phone              20" in out, out
            assert "corrupt zip" not in out and "unscanned 0" in out, out
        assert "名簿.xlsx" in run(["scan", "--config", conf, xlsx])[1], "its own file name"
        # internal recipients given: scanned so, and said so
        j, out = scan_json(["scan", "--config", conf, "--json", "--rcpt",
                            "colleague@example.go.jp", zpath])
        assert j["input"] == "attachment" and j["recipients"]["external"] == 0, j
        assert j["findings"]["phone"] == 20, j["findings"]
        # the shipped rules' reasons as the notice fills them
        shipped = os.path.join(ROOT, "config", "dlp-milter.conf")
        rc, out, err = run(["scan", "--config", shipped, xlsx])
        assert rc == 0 and "重複を除き 20 件" in out and "{" not in out, (err, out)
        # a real message is still read as one
        j, _ = scan_json(["scan", "--config", conf, "--json", people_eml])
        assert j["input"] == "message", j
    case("scan_bare_attachment", t_bare_attachment)

    def t_own_numbers_excluded():
        sig = write("sig.eml", message(["partner@outside.example"], body=(
            "連絡先 090-3456-7000\n--\n総務課 kakari@example.go.jp\n"
            "代表 03-5253-1111 / 03-5253-4321\n")))
        own = write("own.conf", (CONF.format(var=var) + "").replace(
            "var_dir = %s" % var, "var_dir = %s\nown_numbers = 03-5253-*\n"
            "internal_addresses = exclude" % var).encode())
        j, out = scan_json(["scan", "--config", own, "--json", sig])
        assert j["findings"]["phone"] == 1 and j["findings"]["email"] == 0, j["findings"]
        assert j["samples"]["phone"]["excluded"] == 2, j["samples"]
        assert j["samples"]["email"]["excluded"] == 1, j["samples"]
        rc, out, err = run(["scan", "--config", own, sig])
        assert rc == 0, err
        assert "phone               2  excluded, the organisation's own: 03-****-1111, " \
            "03-****-4321" in out, out
        assert "03-5253" not in out, "an excluded number in full"
        j, _ = scan_json(["scan", "--config", conf, "--json", sig])
        assert j["findings"]["phone"] == 3 and j["findings"]["email"] == 1, j["findings"]
    case("scan_own_numbers_excluded_but_listed", t_own_numbers_excluded)

    # list and show on a register filled through the library.
    try:
        helper = build_helper(tmp)
        t0 = 1795000000
        p = subprocess.run([helper, conf, str(t0), mynumber_eml, mass_eml, people_eml, ctrl_eml],
                           capture_output=True, text=True)
        ids = p.stdout.split()
        fill_err = p.stderr if p.returncode else None
    except subprocess.CalledProcessError as e:
        ids, fill_err = [], "helper build failed: %s" % e.stderr.decode()[-600:]

    def need_fill():
        assert fill_err is None and len(ids) == 4, "fill: %s" % fill_err

    def rows_of(out):
        """The id column of list's rows, under its header row."""
        lines = out.splitlines()
        assert lines and lines[0].split()[:3] == ["ID", "CREATED", "ACTION/STATUS"], out
        assert lines[0].rstrip().endswith("SUBJECT"), lines[0]
        return [l.split()[0] for l in lines[1:]], lines[1:]

    def t_list():
        need_fill()
        rc, out, err = run(["-c", conf, "list"])
        assert rc == 0, err
        got, lines = rows_of(out)
        assert got == ids[::-1], out   # newest first
        assert "reject/rejected" in lines[3] and "my_number" in lines[3], lines[3]
        assert "hold/held" in lines[1] and "personal_data" in lines[1], lines[1]
        assert "phone=20" in lines[1], lines[1]
        assert lines[2].rstrip().endswith("説明会のご案内"), lines[2]   # the subject
        rc, out, _ = run(["-c", conf, "list", "--status", "held"])
        assert rows_of(out)[0] == [ids[3], ids[2], ids[1]], out
        since = subprocess.run(["date", "-d", "@%d" % (t0 + 60), "+%Y-%m-%d %H:%M:%S"],
                               capture_output=True, text=True).stdout.strip()
        rc, out, _ = run(["-c", conf, "list", "--since", since])
        assert rows_of(out)[0] == [ids[3], ids[2], ids[1]], (since, out)
        rc, _, err = run(["-c", conf, "list", "--status", "lost"])
        assert rc == 1 and "unknown status" in err, (rc, err)
    case("list_order_and_filters", t_list)

    def t_list_text_filters():
        need_fill()
        for args, want in ((["--subject", "説明会"], [ids[1]]),
                           (["--rule", "my_number"], [ids[0]]),
                           (["--rule", "personal"], []),          # a rule name, whole
                           (["--rcpt", "SOMEONE@Partner"], ids[::-1]),  # any case
                           (["--rcpt", "boss@"], []),
                           (["--sender", "TARO@example"], ids[::-1]),
                           (["--sender", "hanako"], []),
                           (["--rule", "personal_data", "--subject", "連絡"], [ids[2]])):
            rc, out, err = run(["-c", conf, "list"] + args)
            assert rc == 0, (args, err)
            got = rows_of(out)[0] if out else []
            assert got == want, (args, got, want, out)
            if not want:
                assert "no incident matches" in err, (args, err)
    case("list_sender_rcpt_rule_subject", t_list_text_filters)

    def t_control_chars_escaped():
        need_fill()
        rc, out, err = run(["-c", conf, "list", "--rule", "personal_data"])
        assert rc == 0, err
        assert "会議\\r\\nBcc: someone@evil.example\\e[2J" in out, out
        assert not any(l.startswith("Bcc") for l in out.splitlines()), out
        assert "\x1b" not in out and "\r" not in out, repr(out)
        rc, out, err = run(["-c", conf, "show", ids[3]])
        assert rc == 0, err
        assert "subject:    会議\\r\\nBcc: someone@evil.example\\e[2J" in out, out
        assert not any(l.startswith("Bcc") for l in out.splitlines()), out
        assert "\x1b" not in out and "\r" not in out, repr(out)
    case("list_and_show_escape_control_characters", t_control_chars_escaped)

    def t_id_as_typed():
        need_fill()
        full = ids[1]
        for typed in (full.lower(), full[-6:], full[-6:].lower(), full[-4:]):
            rc, out, err = run(["-c", conf, "show", "--json", typed])
            assert rc == 0 and json.loads(out)["id"] == full, (typed, rc, err)
        rc, _, err = run(["-c", conf, "show", "20990101-NOSUCH"])
        assert rc == 2 and "no incident" in err, (rc, err)
        rc, _, err = run(["-c", conf, "show", ""])
        assert rc == 1 and "is not an incident id" in err, (rc, err)
        assert ids[2].endswith("ZZ") and ids[3].endswith("ZZ"), ids
        rc, _, err = run(["-c", conf, "show", "zz"])
        assert rc == 1 and "is the end of 2 incident ids" in err, (rc, err)
        assert ids[2] in err and ids[3] in err, err
        # release and delete find the incident the same way: the reject is
        # refused as not held, by its full id
        rc, _, err = run(["-c", conf, "release", ids[0][-6:].lower(), "--reason", "x"])
        assert rc == 4 and ids[0] in err, (rc, err)
        rc, _, err = run(["-c", conf, "delete", ids[0][-5:].lower()])
        assert rc == 4 and ids[0] in err, (rc, err)
    case("incident_id_any_case_and_unique_tail", t_id_as_typed)

    def t_list_json():
        need_fill()
        rc, out, err = run(["-c", conf, "list", "--json"])
        assert rc == 0, err
        a = json.loads(out)
        assert [x["id"] for x in a] == ids[::-1], a
        assert a[3]["action"] == "reject" and a[3]["status"] == "rejected", a[3]
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
        # the view itself is in the history: who looked, before it was shown
        assert [h["action"] for h in j["history"]] == ["created rejected",
                                                       "viewed the incident (json)"], j["history"]
        assert MY_NUMBER not in out, "full My Number in show --json"
        rc, _, err = run(["-c", conf, "show", "20990101-NOSUCH"])
        assert rc == 2 and "no incident" in err, (rc, err)
    case("show_json_and_not_found", t_show_json)

    def t_broken_rule_keeps_register_commands():
        need_fill()
        with open(conf) as f:
            good = f.read()
        broken = write("broken.conf", (good + "\n[rule typo]\nwhen = external_visibel >= 5\n"
                                       "action = hold\n").encode())
        line = good.count("\n") + 3     # the `when` line of the appended rule
        for args in (["list"], ["show", ids[2]], ["report", "--summary"], ["stats"]):
            rc, out, err = run(["-c", broken] + args)
            assert rc == 0, (args, rc, err)
            assert "warning: config %s has errors in its rules" % broken in err, err
            assert "%s:%d:" % (broken, line) in err, (line, err)
            assert out, (args, "no output")
        rc, out, err = run(["-c", broken, "release", ids[0], "--reason", "x"])
        assert rc == 4 and "warning: config" in err, (rc, err)   # got to the register
        # scan needs the rules: there the same typo is an error
        rc, _, err = run(["-c", broken, "scan", mass_eml])
        assert rc == 1 and "%s:%d:" % (broken, line) in err, (rc, err)
        # outside the rules (a bad var_dir line) nothing runs on a guess
        bad_var = write("badvar.conf", good.replace("var_dir = ", "var_dir = \n#").encode()
                        + b"[general]\nbogus_key = 1\n")
        rc, _, err = run(["-c", bad_var, "list"])
        assert rc == 1 and "dlpctl: config %s:" % bad_var in err, (rc, err)
    case("broken_rule_keeps_register_commands", t_broken_rule_keeps_register_commands)

    def t_config_named_when_not_given():
        d = tempfile.mkdtemp(prefix="cwdconf.", dir=tmp)
        os.mkdir(os.path.join(d, "config"))
        with open(os.path.join(d, "config", "dlp-milter.conf"), "w") as f:
            f.write(CONF.format(var="./var"))
        p = subprocess.run([DLPCTL, "list"], cwd=d, capture_output=True, text=True,
                           env=dict(os.environ, DLP_MILTER_CONF=""))
        if os.path.exists("/etc/dlp-milter/dlp-milter.conf"):
            assert "using config/dlp-milter.conf" not in p.stderr, p.stderr
        else:
            assert "no -c FILE, $DLP_MILTER_CONF or /etc/dlp-milter/dlp-milter.conf: using " \
                "config/dlp-milter.conf" in p.stderr, p.stderr
            assert "var_dir ./var is relative to the current directory: %s/./var" % d \
                in p.stderr, p.stderr
    case("config_fallback_and_relative_var_dir_said", t_config_named_when_not_given)

    def t_show_text_and_audit():
        need_fill()
        rc, out, err = run(["-c", conf, "show", "--text", ids[3][-6:]])
        assert rc == 0, err
        assert "会議の資料です。連絡先 ***-****-**22" in out, out     # ISO-2022-JP decoded
        assert "--- 2  people.csv (text) ---" in out, out
        assert "--- subject (header) ---\n会議\\r\\nBcc: s******@evil.example\\e[2J\n" in out, out
        assert "職員00,***-****-**00" in out, out
        assert "090-3456-7000" not in out and "090-1111-2222" not in out, "a value in full"
        rc, out, err = run(["-c", conf, "show", "--text", "--unmasked", ids[3]])
        assert rc == 0 and "090-1111-2222" in out and "090-3456-7000" in out, out
        rc, _, err = run(["-c", conf, "show", "--unmasked", ids[3]])
        assert rc == 1 and "--unmasked goes with --text" in err, (rc, err)
        rc, _, err = run(["-c", conf, "show", "--raw", ids[3]])
        assert rc == 0, err
        rc, out, err = run(["-c", conf, "audit", "--incident", ids[3].lower(), "--json"])
        assert rc == 0, err
        rows = json.loads(out)
        acts = [r["action"] for r in rows]
        assert acts[0] == "created held", acts
        for want in ("viewed the text (masked)", "viewed the text unmasked",
                     "viewed the stored message"):
            assert want in acts, (want, acts)
        viewers = {r["actor"] for r in rows if r["action"].startswith("viewed")}
        assert len(viewers) == 1 and "dlp-milter" not in viewers and "" not in viewers, rows
        rc, out, err = run(["-c", conf, "audit"])
        assert rc == 0, err
        lines = out.splitlines()
        assert any(ids[0] in l and "created rejected" in l for l in lines), out
        assert any(ids[3] in l and "viewed the stored message" in l for l in lines), out
        rc, out, err = run(["-c", conf, "audit", "--actor", "dlp-milter", "--json"])
        assert rc == 0 and all(r["actor"] == "dlp-milter" for r in json.loads(out)), out
        rc, out, err = run(["-c", conf, "audit", "--until", "2000-01-01"])
        assert rc == 0 and out == "" and "no audit row matches" in err, (rc, out, err)
    case("show_text_masked_and_views_audited", t_show_text_and_audit)

    def listed(args):
        rc, out, err = run(["-c", conf, "list"] + args)
        assert rc == 0, (args, err)
        got = rows_of(out)[0] if out else []
        if not got:
            assert "no incident matches" in err, (args, err)
        return got

    # The subjects: ids[0] 連絡 (rejected), ids[1] 説明会のご案内, ids[2] 連絡
    # with people.csv, ids[3] 会議\r\n… with people.csv; one sender, the
    # same two envelope recipients.
    def t_list_search():
        need_fill()
        for words, want in (("説明会", [ids[1]]),               # Japanese, a substring
                            ("連絡", [ids[2], ids[0]]),
                            ("PEOPLE.CSV", [ids[3], ids[2]]),   # a file name, any case
                            ("people.csv 連絡", [ids[2]]),      # every word
                            ("people.csv\u3000会議", [ids[3]]),  # the ideographic space
                            ("  会議  ", [ids[3]]),
                            ("Partner.Example taro@", ids[::-1]),  # recipient, sender
                            ("people.csv 説明会", []),
                            ("%", []), ("_", []),               # letters, not LIKE's
                            ("my_number", [])):                 # rules are not searched
            assert listed(["--search", words]) == want, (words, want)
        # with the other filters and the order
        assert listed(["-q", "連絡", "--status", "held"]) == [ids[2]]
        assert listed(["--search", "people.csv", "--subject", "会議"]) == [ids[3]]
        assert listed(["--search", "people.csv", "--sort", "time", "--asc"]) == [ids[2], ids[3]]
        rc, out, err = run(["-c", conf, "list", "--search", "説明会", "--json"])
        assert rc == 0 and [j["id"] for j in json.loads(out)] == [ids[1]], (rc, out, err)
    case("list_search", t_list_search)

    def t_list_sort():
        need_fill()
        subj = {ids[0]: "連絡", ids[1]: "説明会のご案内", ids[2]: "連絡", ids[3]: "会議"}
        by_subject = sorted(ids, key=lambda i: (subj[i], i))   # code points, ties by id
        status = {i: "rejected" if i == ids[0] else "held" for i in ids}
        by_status = sorted(ids, key=lambda i: (status[i], i))
        rc, out, err = run(["-c", conf, "list", "--json"])
        assert rc == 0, err
        fired = {j["id"]: [r["name"] for r in j["rules"]] for j in json.loads(out)}
        first = {i: fired[i][0] for i in ids}                  # the first rule that fired
        assert len(set(first.values())) > 1, first
        by_rule = sorted(ids, key=lambda i: (first[i], i))
        for args, want in ((["--sort", "time"], ids[::-1]),
                           (["--sort", "time", "--asc"], ids),
                           (["--sort", "time", "--desc"], ids[::-1]),
                           (["--asc"], ids),
                           (["--sort", "subject"], by_subject),        # A to Z first
                           (["--sort", "subject", "--desc"], by_subject[::-1]),
                           (["--desc", "--sort", "subject"], by_subject[::-1]),
                           (["--sort", "status"], by_status),
                           (["--sort", "status", "--desc"], by_status[::-1]),
                           (["--sort", "sender"], sorted(ids)),         # one sender: by id
                           (["--sort", "rule"], by_rule),
                           (["--sort", "rule", "--desc"], by_rule[::-1]),
                           (["--sort", "recipients", "--asc"], sorted(ids)),
                           (["--sort", "recipients"], sorted(ids)[::-1]),  # largest first
                           (["--sort", "subject", "--rule", "personal_data"],
                            [i for i in by_subject if "personal_data" in fired[i]])):
            assert listed(args) == want, (args, listed(args), want)
    case("list_sort_both_directions", t_list_sort)

    def t_list_search_sort_refused():
        need_fill()
        for args, said in ((["--sort", "size"], 'unknown sort "size" '
                            "(time|sender|subject|rule|status|recipients)"),
                           (["--sort", "rcpt"], "unknown sort"),
                           (["--asc", "--desc"], "--asc and --desc do not mix"),
                           (["--search", " ".join("w%d" % i for i in range(9))],
                            "--search: more than 8 words"),
                           (["--search", "あ" * 86], "--search: longer than 256 bytes"),
                           (["--search", "a\tb"], "--search: a control character"),
                           (["--search", "\x1b[2J"], "--search: a control character"),
                           (["--search", "\udcff"], "--search: not valid UTF-8"),
                           (["--search"], "requires an argument")):
            rc, out, err = run(["-c", conf, "list"] + args)
            assert rc == 1 and out == "" and said in err, (args, rc, out, err)
        # at the limits: 8 words, 256 bytes
        assert listed(["--search", " ".join(["連絡"] * 8)]) == [ids[2], ids[0]]
        assert listed(["--search", "x" * 256]) == []
        rc, out, err = run(["-c", conf, "list", "-h"])
        assert rc == 0 and "--search WORDS" in out and "--sort KEY" in out and "--asc" in out, out
    case("list_search_sort_bad_values_refused", t_list_search_sort_refused)

    def t_list_search_reason():
        need_fill()
        rc, out, err = run(["-c", conf, "delete", ids[2], "--reason", "誤送信 100% 確認済み"])
        assert rc == 0, (rc, out, err)
        assert listed(["--search", "誤送信"]) == [ids[2]]
        assert listed(["--search", "100%"]) == [ids[2]]
        assert listed(["--search", "%"]) == [ids[2]]             # a letter, not LIKE's
        assert listed(["--search", "確認済み 連絡"]) == [ids[2]]   # a reason and a subject
        assert listed(["--search", "誤送信", "--status", "held"]) == []
        # the daemon's own rows are not searched: "created held" is its action,
        # and no reason of it names the rule
        assert listed(["--search", "created"]) == []
    case("list_search_finds_a_reason", t_list_search_reason)

    def t_permission():
        need_fill()
        # a copy in tmp (0755): build/ may be out of nobody's reach (a
        # clone in root's home, 0700)
        prog = os.path.join(tmp, "dlpctl")
        shutil.copy2(DLPCTL, prog)
        os.chmod(prog, 0o755)
        rc, out, err = run(["-c", conf, "list"], user="nobody", prog=prog)
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
