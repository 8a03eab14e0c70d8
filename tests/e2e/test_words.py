"""End to end through a real Postfix: the policy's own words.  A
dictionary of the ministry's marks ([dictionary secret]), a named pattern
([pattern staff_id]) and a list of partner domains ([list partners]) with
the rule pair "to partners up to 20 items, to anyone else 10"; the
attachments are read in the sandboxed workers, so the dictionary is
matched there too, and a reload gives the workers the new words.
"""
import io
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lib import MILTER, Env, check, make_message, people, run, wait_until

import docx
import openpyxl

SENDER = "kikaku@example.go.jp"
PARTNER = ["tanaka@partner.example.com", "suzuki@branch.partner.example.com"]
OTHER = ["sato@other.example.net"]
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")

WORDS = """
[list partners]
domains = partner.example.com

[dictionary secret]
words = 秘, 極秘, 取扱注意, 部外秘

[pattern staff_id]
regex = STAFF-[0-9]{6}

[rule partners_volume]
when = recipient_domains in partners and personal_items > 20
action = hold
reason = 取引先あてでも個人情報が多すぎます。

[rule others_volume]
when = external > 0 and not recipient_domains in partners and personal_items > 10
action = hold
reason = 取引先以外あてに個人情報が多すぎます。

[rule secret_document]
when = external > 0 and dictionary.secret >= 1
action = hold
reason = 秘密区分の表示がある文書です。

[list finance]
groups = 経理課

[rule finance_ids]
when = external > 0 and sender_group in finance and pattern.staff_id >= 1
action = reject
reason = 経理課からは職員番号を外部へ送れません。

[rule staff_ids]
when = external > 0 and pattern.staff_id >= 3
action = hold
reason = 職員番号が含まれています。
"""

env = None


def body(n):
    rows = ["%d. %s" % (i + 1, mobile) for i, (_, mobile, _, _, _) in enumerate(people(n, seed=3))]
    return "関係者各位\n名簿をお送りします。\n" + "\n".join(rows) + "\n"


def xlsx_with(cells):
    wb = openpyxl.Workbook()
    ws = wb.active
    for c in cells:
        ws.append([c])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_with(paragraphs):
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def last_row(before):
    rows = env.incidents()
    check(len(rows) == before + 1, "one register row (%d before, %d now)" % (before, len(rows)), env)
    return rows[-1]


def delivered(subject):
    return any(subject.encode() in data or b"Subject:" in data for _, _, data in env.sink.messages)


def test_partner_15_delivered():
    env.sink.clear()
    before = len(env.incidents())
    msg = make_message(SENDER, PARTNER, "名簿（取引先）", body(15))
    code, text = env.send(msg)
    check(code == 250, "accepted: %d %s" % (code, text), env)
    check(env.wait_sink(1), "15 items to partners (a subdomain too) delivered", env)
    check(len(env.incidents()) == before, "no incident", env)


def test_other_15_held():
    env.sink.clear()
    before = len(env.incidents())
    msg = make_message(SENDER, OTHER, "名簿（他社）", body(15))
    code, text = env.send(msg)
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    row = last_row(before)
    names = sorted(r["name"] for r in json.loads(row["rules"]))
    check(row["status"] == "held" and names == ["others_volume"], "held by others_volume: %r" % names)
    check(env.quiet(2) and not env.sink.messages, "nothing reached the sink", env)


def test_partner_and_other_held():
    env.sink.clear()
    before = len(env.incidents())
    msg = make_message(SENDER, PARTNER[:1] + OTHER, "名簿（混在）", body(15))
    env.send(msg)
    row = last_row(before)
    names = sorted(r["name"] for r in json.loads(row["rules"]))
    check(names == ["others_volume"], "one recipient is no partner: held %r" % names)


def test_partner_25_held():
    before = len(env.incidents())
    env.send(make_message(SENDER, PARTNER, "名簿（多数）", body(25)))
    row = last_row(before)
    names = sorted(r["name"] for r in json.loads(row["rules"]))
    check(names == ["partners_volume"], "25 items to partners: held %r" % names)


def worker_parts():
    r = env.dlpctl("stats", "--json", check=False)
    try:
        return (json.loads(r.stdout)["daemon"].get("workers") or {}).get("parts", 0)
    except ValueError:
        return 0


def test_docx_secret_held():
    env.sink.clear()
    before = len(env.incidents())
    parts0 = worker_parts()
    data = docx_with(["【極秘】令和7年度 組織改編案", "本資料の取扱いには注意してください。"])
    msg = make_message(SENDER, PARTNER, "資料送付", "資料を添付します。\n",
                       attachments=[("改編案.docx", data) + DOCX])
    code, text = env.send(msg)
    check(code == 250, "accepted (held): %d %s" % (code, text), env)
    row = last_row(before)
    names = sorted(r["name"] for r in json.loads(row["rules"]))
    check(names == ["secret_document"], "held by the dictionary rule: %r" % names)
    f = json.loads(row["findings"])
    check(f.get("dictionary.secret", {}).get("count") == 1 and
          f["dictionary.secret"]["samples"] == ["極秘"], "the register has the word: %r" % f)
    parts = json.loads(row["parts"])
    x = [p for p in parts if (p.get("filename") or "").endswith(".docx")]
    check(x and x[0]["extractor"] == "docx", "read by the docx extractor: %r" % x)
    check(wait_until(lambda: worker_parts() > parts0, 10), "in a worker: parts %d -> %d" % (
        parts0, worker_parts()), env)
    check(env.milter.wait_log("findings=dictionary.secret:1 ", 5),
          "the log line counts it (the count, not the word)", env)
    shown = env.dlpctl("show", row["id"]).stdout
    check("dictionary.secret" in shown and "極秘" in shown, "dlpctl show has it: %s" % shown)
    stored = os.path.join(env.var, "quarantine", "msg", row["id"] + ".eml")
    out = env.dlpctl("scan", stored).stdout
    check("dictionary.secret     1  極秘" in out and "secret_document" in out,
          "dlpctl scan prints the count: %s" % out)


def test_xlsx_marks_and_ids_held():
    before = len(env.incidents())
    data = xlsx_with(["㊙ 人事異動内示", "STAFF-100001", "STAFF-100002", "STAFF-100003",
                      "STAFF-100001"])
    env.send(make_message(SENDER, OTHER, "内示", "添付のとおり。\n",
                          attachments=[("内示.xlsx", data) + XLSX]))
    row = last_row(before)
    names = sorted(r["name"] for r in json.loads(row["rules"]))
    check(names == ["secret_document", "staff_ids"], "both rules: %r" % names)
    f = json.loads(row["findings"])
    ids = f.get("pattern.staff_id", {})
    check(ids.get("count") == 3, "3 distinct staff ids: %r" % ids)
    check(all("*" in s and "10000" not in s for s in ids.get("samples", [])),
          "the pattern's samples are masked: %r" % ids)
    check("STAFF-100001" not in json.dumps(row, ensure_ascii=False), "no full id in the register")


def test_sender_group_from_register():
    env.sink.clear()
    env.dlpctl("approver", "member", "keiri@example.go.jp", "経理課")
    msg = make_message("keiri@example.go.jp", OTHER, "精算", "職員番号 STAFF-200001 の精算です。\n")
    code, text = env.send(msg, sender="keiri@example.go.jp")
    check(code == 550 and "finance_ids" in text, "a member of 経理課: rejected: %d %s" % (code, text), env)
    msg = make_message(SENDER, OTHER, "精算", "職員番号 STAFF-200001 の精算です。\n")
    code, text = env.send(msg)
    check(code == 250 and env.wait_sink(1), "a sender in no group: delivered: %d %s" % (code, text), env)
    path = os.path.join(env.tmp, "seisan.eml")
    with open(path, "wb") as f:
        f.write(bytes(msg))
    out = env.dlpctl("scan", "--from", "keiri@example.go.jp", "--rcpt", OTHER[0], path).stdout
    check("sender_group in finance: yes" in out and "finance_ids" in out,
          "dlpctl scan asks the register too: %s" % out)


def test_clean_words_delivered():
    env.sink.clear()
    before = len(env.incidents())
    data = docx_with(["秘書課の山本です。", "秘密保持契約書の案をお送りします。", "神秘的な景色でした。"])
    sheet = xlsx_with(["便秘薬の在庫", "秘書課 内線 1234"])
    msg = make_message(SENDER, OTHER, "契約書案", "秘書課です。よろしくお願いします。\n",
                       attachments=[("契約書案.docx", data) + DOCX, ("在庫.xlsx", sheet) + XLSX])
    code, text = env.send(msg)
    check(code == 250, "accepted: %d %s" % (code, text), env)
    check(env.wait_sink(1), "秘書課, 秘密保持, 神秘, 便秘: no mark, delivered", env)
    check(len(env.incidents()) == before, "no incident", env)


def test_reload_new_words_reach_workers():
    env.sink.clear()
    text = open(env.milter.conf, encoding="utf-8").read()
    with open(env.milter.conf, "w", encoding="utf-8") as f:
        f.write(text.replace("words = 秘, 極秘, 取扱注意, 部外秘", "words = 秘, 極秘, 取扱注意, 部外秘\n\t社外秘"))
    start = env.milter.log_size()
    r = env.dlpctl("reload", check=False)
    check(r.returncode == 0 and "words changed: dictionary.secret" in r.stdout,
          "dlpctl reload says the words changed: %s%s" % (r.stdout, r.stderr), env)
    check(env.milter.wait_log("configuration reloaded", 15, start), "reloaded", env)
    check(env.milter.wait_log("words changed: dictionary.secret", 5, start),
          "the log says the words changed", env)
    before = len(env.incidents())
    data = docx_with(["社外秘 営業戦略メモ"])
    env.send(make_message(SENDER, PARTNER, "メモ", "添付します。\n",
                          attachments=[("メモ.docx", data) + DOCX]))
    row = last_row(before)
    names = sorted(r["name"] for r in json.loads(row["rules"]))
    check(names == ["secret_document"], "the new word is matched in the worker: %r" % names)


def test_check_and_errors():
    bad = env.conf_variant("bad.conf", {("pattern staff_id", "regex"): "STAFF-([0-9]{6}"})
    line = open(bad, encoding="utf-8").read().split("\n").index("regex = STAFF-([0-9]{6}") + 1
    r = subprocess.run([MILTER, "-n", "-c", bad], capture_output=True, text=True)
    want = "%s:%d:24: pattern staff_id: missing closing parenthesis at offset 15" % (bad, line)
    check(r.returncode != 0 and want in r.stdout + r.stderr,
          "dlp-milter -n: FILE:LINE:COL and PCRE2's message: %s%s" % (r.stdout, r.stderr))
    bad = env.conf_variant("bad2.conf", {("rule secret_document", "when"): "dictionary.secrets >= 1"})
    line = open(bad, encoding="utf-8").read().split("\n").index("when = dictionary.secrets >= 1") + 1
    r = subprocess.run([MILTER, "-n", "-c", bad], capture_output=True, text=True)
    check(r.returncode != 0 and "%s:%d:19: rule 'secret_document': when: unknown dictionary "
          "'secrets'" % (bad, line) in r.stdout + r.stderr, "an unknown dictionary in when: %s%s" % (r.stdout, r.stderr))
    r = subprocess.run([MILTER, "-n", "-c", env.milter.conf], capture_output=True, text=True)
    check(r.returncode == 0, "the test's config checks: %s%s" % (r.stdout, r.stderr))


def main():
    global env
    env = Env(conf_extra=WORDS)
    # the pair above takes the place of the shipped personal_data_volume
    with open(env.milter.conf, encoding="utf-8") as f:
        text = f.read()
    with open(env.milter.conf, "w", encoding="utf-8") as f:
        f.write(text.replace("when = external > 0 and personal_items >= 10\n",
                             "when = external > 0 and personal_items >= 10000\n"))
    env.set_conf("limits", "workers", "2")
    with env:
        return run([
            ("words: 15 items to partners delivered", test_partner_15_delivered),
            ("words: 15 items to another domain held", test_other_15_held),
            ("words: a partner and another domain held", test_partner_and_other_held),
            ("words: 25 items to partners held", test_partner_25_held),
            ("words: docx with 極秘 held (worker), show and scan", test_docx_secret_held),
            ("words: xlsx with ㊙ and staff ids held, masked", test_xlsx_marks_and_ids_held),
            ("words: sender_group from the register (dlpctl approver member)",
             test_sender_group_from_register),
            ("words: 秘書課, 秘密保持 … delivered", test_clean_words_delivered),
            ("words: dlpctl reload, new word matched in the workers", test_reload_new_words_reach_workers),
            ("words: dlp-milter -n: bad regex, unknown dictionary", test_check_and_errors),
        ])


if __name__ == "__main__":
    sys.exit(main())
