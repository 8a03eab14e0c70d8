#!/usr/bin/python3
"""make bench, part 4: each format against its floor, on the same file in
the same run (issue 13).

For every file: the CPU (user + system, of the process and its children,
median of REPS) that `dlpctl scan` of a mail carrying it adds over
`dlpctl scan` of the 4 KB mail a.eml, against what the floor adds:

  xlsx, docx, pptx, odt, ods, odp   `unzip -p FILE <its .xml members>` over
                                    `unzip -p FILE <its smallest member>`:
                                    inflate alone
  pdf                               `pdftotext FILE /dev/null` (poppler-utils)
                                    and `mutool draw -F txt` (mupdf-tools),
                                    whole runs (they read nothing else)
  txt, csv                          `cat FILE` over `cat` of a 1-byte file

ratio = dlpctl's added CPU / the floor's added CPU (issue 13's targets:
OOXML <= 3.0, PDF <= 1.0).  dlpctl scan reads attachments in its own
process (no worker pool), so this is the extraction engine itself; the
daemon's hand-off to a worker is measured by bench_pdf2 and bench_mta.py.

    floors.py MAILDIR DLPCTL CONF [REPS]
"""
import base64
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import zipfile

FILES = [("b.xlsx", "zip"), ("big.xlsx", "zip"), ("big.docx", "zip"), ("big.pptx", "zip"),
         ("big.odt", "zip"), ("big.ods", "zip"), ("big.odp", "zip"),
         ("c.pdf", "pdf"), ("text.pdf", "pdf"), ("big.csv", "text"), ("big.txt", "text")]


def cpu_of(argv, reps):
    """Median CPU seconds of argv (children's rusage), output discarded."""
    times = []
    for _ in range(reps):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    times.sort()
    return times[len(times) // 2]


def wrap(path, tmp):
    """A mail carrying path as a base64 attachment."""
    name = os.path.basename(path)
    with open(path, "rb") as f:
        b64 = base64.encodebytes(f.read()).decode()
    eml = os.path.join(tmp, name + ".eml")
    with open(eml, "w") as f:
        f.write("From: kakari@example.go.jp\r\nTo: a@partner.example.com\r\n"
                "Subject: bench\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfile\r\n"
                "--b\r\nContent-Type: application/octet-stream\r\n"
                "Content-Disposition: attachment; filename=\"%s\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n" % (name, b64))
    return eml


def floors(path, kind, tmp, reps):
    """[(name, added CPU seconds)] of the floor tools on path."""
    if kind == "zip":
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
        xml = [i.filename for i in infos if i.filename.endswith(".xml")]
        tiny = min(infos, key=lambda i: i.file_size).filename
        t = cpu_of(["unzip", "-p", path] + xml, reps) - cpu_of(["unzip", "-p", path, tiny], reps)
        return [("unzip -p xml", t)]
    if kind == "pdf":
        out = [("pdftotext", cpu_of(["pdftotext", "-q", path, "/dev/null"], reps))]
        if shutil.which("mutool"):
            out.append(("mutool", cpu_of(["mutool", "draw", "-q", "-F", "txt", "-o",
                                         "/dev/null", path], reps)))
        return out
    one = os.path.join(tmp, "one")
    with open(one, "w") as f:
        f.write("x")
    return [("cat", cpu_of(["cat", path], reps) - cpu_of(["cat", one], reps))]


def main():
    if len(sys.argv) < 4:
        raise SystemExit("usage: floors.py MAILDIR DLPCTL CONF [REPS]")
    mail, dlpctl, conf = sys.argv[1:4]
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    tmp = tempfile.mkdtemp(prefix="dlp-floors-")
    try:
        scan = lambda eml: [dlpctl, "scan", "--config", conf, eml]
        base = cpu_of(scan(os.path.join(mail, "a.eml")), reps)
        print("dlpctl scan of the 4 KB mail a.eml: %.1f ms CPU (start-up and a small mail)"
              % (base * 1e3))
        print("%-10s %9s %12s  %-14s %10s %7s" % ("file", "size", "dlpctl adds", "floor",
                                                   "floor adds", "ratio"))
        for name, kind in FILES:
            path = os.path.join(mail, name)
            if not os.path.exists(path):
                continue
            added = cpu_of(scan(wrap(path, tmp)), reps) - base
            for fname, ft in floors(path, kind, tmp, reps):
                print("%-10s %7.0f KB %9.1f ms  %-14s %7.1f ms %7.2f" % (
                    name, os.path.getsize(path) / 1024, added * 1e3, fname, ft * 1e3,
                    added / ft if ft > 0 else float("nan")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
