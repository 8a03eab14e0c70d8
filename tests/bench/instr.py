#!/usr/bin/python3
"""make bench, part 4b: each format against its floor in instructions
(issue 13), counted by valgrind --tool=callgrind, which does not move with
the machine's load as CPU time does.

For every file: the instructions `dlpctl scan` of a mail carrying it adds
over `dlpctl scan` of the 4 KB mail a.eml (start-up, MeCab's dictionary, a
small mail), against the floor measured the same way in the same run:

  xlsx, docx      `unzip -p FILE <its .xml members>` over
                  `unzip -p FILE <its smallest member>`: inflate alone
  pdf             `pdftotext FILE /dev/null`, the whole run

and where the added instructions went (inclusive counts of the engine's
stages, from the same profile):

  inflate         libzip's reads (zlib, CRC) under the extractor
  xml tokenizing  zipxml_tok.c (references, names) without its callbacks
  text building   the tokenizer's callbacks (straight to the walk, or a
                  worksheet's own; for libxml2's members the event queue),
                  the walk of the parts
                  (sheet cells and rows, paragraphs), text appended
  detectors       normalization and every detector over the text
                  (inspect_text)
  poppler         poppler_page_get_text (PDF: the text of every page)
  other           MIME, base64, libmagic, the rest of the extractor

    instr.py MAILDIR DLPCTL CONF [FILE...]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

from floors import wrap  # the same mail around the file as floors.py

FILES = [("b.xlsx", "zip"), ("big.docx", "zip"), ("c.pdf", "pdf")]


def profile(argv, tmp, tag):
    """(total instructions, {function: inclusive instructions}) of argv."""
    out = os.path.join(tmp, "cg." + tag)
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                       capture_output=True, text=True, check=False)
    total, incl = 0, {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        what = m.group(2)
        if what.startswith("PROGRAM TOTALS"):
            total = n
            continue
        fm = re.match(r"[^:]*:([^ \[]+)", what)
        if fm:
            name = fm.group(1)
            incl[name] = max(incl.get(name, 0), n)
    return total, incl


def split(incl):
    """The stages of a scan, from inclusive counts."""
    g = lambda f: incl.get(f, 0)
    inflate = g("zipread_stream_read")
    # the tokenizer's callbacks: the walk's (straight to it, or a
    # worksheet's own) or the queue's
    tok = g("zxtok_feed") - sum(g(f) for f in ("il_start", "il_end", "il_text",
                                               "on_start", "on_end", "on_text",
                                               "tok_start", "tok_end", "tok_text"))
    walks = g("zipxml_walk") + g("zipxml_walk_tok")
    walk = walks - inflate - tok if walks else 0
    return [("inflate", inflate), ("xml tokenizing", tok), ("text building", walk),
            ("detectors", g("inspect_text")), ("poppler", g("poppler_page_get_text"))]


def main():
    if len(sys.argv) < 4:
        raise SystemExit("usage: instr.py MAILDIR DLPCTL CONF [FILE...]")
    mail, dlpctl, conf = sys.argv[1:4]
    files = [f for f in FILES if len(sys.argv) == 4 or f[0] in sys.argv[4:]]
    if not shutil.which("valgrind"):
        print("valgrind not installed: skipped")
        return
    tmp = tempfile.mkdtemp(prefix="dlp-instr-")
    try:
        scan = lambda eml: [dlpctl, "scan", "--config", conf, eml]
        base, _ = profile(scan(os.path.join(mail, "a.eml")), tmp, "a")
        print("dlpctl scan of the 4 KB mail a.eml: %.1f M instructions" % (base / 1e6))
        print("%-10s %12s  %-14s %11s %7s   split of what dlpctl adds (M)" % (
            "file", "dlpctl adds", "floor", "floor adds", "ratio"))
        for name, kind in files:
            path = os.path.join(mail, name)
            if not os.path.exists(path):
                continue
            total, incl = profile(scan(wrap(path, tmp)), tmp, name)
            added = total - base
            if kind == "zip":
                with zipfile.ZipFile(path) as z:
                    infos = z.infolist()
                xml = [i.filename for i in infos if i.filename.endswith(".xml")]
                tiny = min(infos, key=lambda i: i.file_size).filename
                f1, _ = profile(["unzip", "-p", path] + xml, tmp, name + ".uz")
                f0, _ = profile(["unzip", "-p", path, tiny], tmp, name + ".uz0")
                fname, floor = "unzip -p xml", f1 - f0
            else:
                if not shutil.which("pdftotext"):
                    continue
                floor, _ = profile(["pdftotext", "-q", path, "/dev/null"], tmp, name + ".pt")
                fname = "pdftotext"
            parts = [(k, v) for k, v in split(incl) if v > 0]
            rest = added - sum(v for _, v in parts)
            print("%-10s %10.1f M  %-14s %9.1f M %7.2f   %s, other %.1f" % (
                name, added / 1e6, fname, floor / 1e6, added / floor if floor else float("nan"),
                ", ".join("%s %.1f" % (k, v / 1e6) for k, v in parts), rest / 1e6))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
