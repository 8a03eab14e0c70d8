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

That figure is cold: a fresh process pays, the first time it reads a
kind of part, for the code and dictionary pages the part touches, the
heap it grows, the symbols bound lazily and cold caches.  A worker pays
that once in [limits] worker_jobs messages and the daemon once, so the
columns "warm" give what a process that has scanned before pays: the
median CPU of one scan of the same mail in bench_warm (the engine built
from the same config, the mail in memory, one scan to warm up) less the
same of a.eml, and its ratio against the same floor.  The floors stay
whole runs of their tools; for pdftotext and mutool that includes their
own start-up, printed on the last line (a one-page PDF).

    floors.py MAILDIR DLPCTL CONF [REPS]

bench_warm is looked for as bench/bench_warm beside DLPCTL; without it
the warm columns are left out.
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
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    for _ in range(reps):  # after one run not counted: the files in the page cache
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


def pdf_tools(path):
    """[(name, argv)] of the PDF floors on path: pdftotext, and mutool when
    mupdf-tools is there."""
    tools = [("pdftotext", ["pdftotext", "-q", path, "/dev/null"])]
    if shutil.which("mutool"):
        tools.append(("mutool", ["mutool", "draw", "-q", "-F", "txt", "-o", "/dev/null", path]))
    return tools


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
        return [(name, cpu_of(argv, reps)) for name, argv in pdf_tools(path)]
    one = os.path.join(tmp, "one")
    with open(one, "w") as f:
        f.write("x")
    return [("cat", cpu_of(["cat", path], reps) - cpu_of(["cat", one], reps))]


def tiny_pdf(tmp):
    """A one-page PDF with one word: what the PDF tools' start-up costs."""
    text = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offs = b"%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    path = os.path.join(tmp, "tiny.pdf")
    with open(path, "wb") as f:
        f.write(out)
    return path


def warm(bench, conf, reps, emls):
    """{eml: median ms of one warm scan}, or {} without bench_warm."""
    if not os.path.exists(bench):
        return {}
    r = subprocess.run([bench, conf, str(reps)] + emls, capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        sys.stderr.write("floors.py: bench_warm: %s" % r.stderr)
        return {}
    return {l.rsplit(" ", 1)[0]: float(l.rsplit(" ", 1)[1]) for l in r.stdout.splitlines()}


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
        files = [(n, k, os.path.join(mail, n)) for n, k in FILES
                 if os.path.exists(os.path.join(mail, n))]
        emls = {n: wrap(p, tmp) for n, k, p in files}
        a_eml = os.path.join(mail, "a.eml")
        hot = warm(os.path.join(os.path.dirname(dlpctl), "bench", "bench_warm"), conf,
                   max(reps, 11), [a_eml] + [emls[n] for n, k, p in files])
        print("%-10s %9s %12s  %-14s %10s %7s %11s %7s" % (
            "file", "size", "dlpctl adds", "floor", "floor adds", "ratio", "warm adds", "ratio"))
        for name, kind, path in files:
            added = cpu_of(scan(emls[name]), reps) - base
            w = hot[emls[name]] - hot[a_eml] if hot else None
            for fname, ft in floors(path, kind, tmp, reps):
                line = "%-10s %7.0f KB %9.1f ms  %-14s %7.1f ms %7.2f" % (
                    name, os.path.getsize(path) / 1024, added * 1e3, fname, ft * 1e3,
                    added / ft if ft > 0 else float("nan"))
                if w is not None:
                    line += " %8.1f ms %7.2f" % (w, w / (ft * 1e3) if ft > 0 else float("nan"))
                print(line)
        if hot:
            print("warm: a.eml %.2f ms a scan in a process that has scanned before"
                  % hot[a_eml])
        print("the PDF floors' own start-up (a one-page PDF): " + ", ".join(
            "%s %.1f ms" % (t, cpu_of(argv, max(reps, 11)) * 1e3)
            for t, argv in pdf_tools(tiny_pdf(tmp))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
