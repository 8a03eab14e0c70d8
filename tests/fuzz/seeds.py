#!/usr/bin/python3
"""Build the seed corpus of every fuzz target (tests/fuzz/fuzz_entry.h).

    /usr/bin/python3 tests/fuzz/seeds.py OUTDIR [MIME_CORPUS_DIR]

OUTDIR/fixtures gets the generated fixtures (tests/fixtures/make_office.py
and make_docs.py); OUTDIR/TARGET/ the seeds of each target.  The mail corpus
(read, never copied into the repository) seeds `mime`; the fixtures seed the
extractors, also wrapped as attachments of a message for `mime`.  html and
text seeds start with the selector byte of their declared charset (the
index in fuzz_charsets[] of fuzz_entry.c).  xmltok gets the XML parts
(.xml, .rels) of the OOXML fixtures, read out of them here, and a few
hand-made edge cases, each after a byte that seeds the chunking
(tests/fuzz/fuzz_xmltok.c).  Files larger than the target's
-max_len (MAX_LEN, as in run.sh) are left out.  Runs in a few seconds.
"""
import base64
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import people  # noqa: E402

# must match fuzz_charsets[] in fuzz_entry.c
CHARSETS = [None, "utf-8", "iso-2022-jp", "shift_jis", "euc-jp", "utf-16", "utf-16le",
            "windows-1252", "iso-8859-1", "x-unknown-charset", "utf-7", "cp932", "gb18030",
            "iso-2022-jp-2", "us-ascii", "utf-32"]

# must match run.sh
MAX_LEN = {"mime": 1 << 20, "zip": 256 << 10, "ooxml": 256 << 10, "odf": 256 << 10,
           "pdf": 256 << 10, "ole": 256 << 10, "rtf": 128 << 10, "xml": 128 << 10,
           "archive": 256 << 10, "html": 128 << 10, "text": 64 << 10, "inspect": 256 << 10,
           "textscan": 64 << 10, "conf": 64 << 10, "expr": 4096, "xmltok": 128 << 10}

EXT = {"zip": [".zip"], "ooxml": [".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm"],
       "odf": [".odt", ".ods", ".odp"], "pdf": [".pdf"], "ole": [".doc", ".xls", ".ppt"],
       "rtf": [".rtf"], "xml": [".xml"], "archive": [".tar", ".gz", ".bz2", ".xz", ".tgz"]}


def put(outdir, target, data, name=None):
    if len(data) > MAX_LEN[target]:
        return
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def people_text():
    lines = ["氏名,携帯,固定,メール"]
    for name, mobile, land, mail in people.people():
        lines.append("%s,%s,%s,%s" % (name, mobile, land, mail))
    return "\n".join(lines) + "\n"


def charset_seeds(outdir):
    text = people_text() + "〒100-8926 東京都千代田区霞が関2-1-2 生年月日 1980年4月1日\n"
    rows = "".join("<tr><td>%s</td><td>%s</td><td><b>%s</b></td><td><a href=\"mailto:%s\">"
                   "%s</a></td></tr>" % (n, m, l, e, e) for n, m, l, e in people.people())
    for i, cs in enumerate(CHARSETS):
        html = ("<html><head><meta charset=\"%s\"><title>名簿</title></head><body><table>%s"
                "</table><script>var x = '090-0000-0000';</script></body></html>"
                % (cs or "utf-8", rows))
        enc = cs if cs and cs not in ("x-unknown-charset", "utf-7") else "utf-8"
        if enc in ("windows-1252", "iso-8859-1", "us-ascii"):
            body = text.encode("ascii", "replace")
            page = html.encode("ascii", "xmlcharrefreplace")
        else:
            body = text.encode(enc, "replace")
            page = html.encode(enc, "replace")
        put(outdir, "text", bytes([i]) + body)
        put(outdir, "html", bytes([i]) + page)
    # broken ISO-2022-JP escapes, a lone UTF-8 lead byte, a BOM only
    put(outdir, "text", bytes([2]) + b"\x1b$B$3$s\x1b(Babc\x1b$B$K$A\x1b(J\x1b$(Q!!\x1b")
    put(outdir, "text", bytes([0]) + b"\xef\xbb\xbf\xe3\x81")
    put(outdir, "text", bytes([0]) + b"\xff\xfe0\x009\x000\x00-\x00")


def textscan_seeds(outdir):
    put(outdir, "textscan", people_text().encode())
    put(outdir, "textscan", "マイナンバー 1234 5678 9018 カード 4111-1111-1111-1111 "
        "〒１００－８９２６ 東京都千代田区霞が関２丁目１－２ 生年月日：昭和55年4月1日 "
        "ＴＥＬ：０３－３５８１－４１１１ mail: ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ\n".encode())


def conf_seeds(outdir):
    for p in [os.path.join(ROOT, "config", "dlp-milter.conf")] + \
            sorted(glob.glob(os.path.join(ROOT, "tests", "unit", "data", "conf", "*.conf"))):
        with open(p, "rb") as f:
            data = f.read()
        put(outdir, "conf", data)
        for line in data.decode("utf-8", "replace").splitlines():
            if line.startswith("when"):
                put(outdir, "expr", line.split("=", 1)[1].strip().encode())
    for e in ["not (email > 3 or phone >= 2) and external_visible != 0",
              "((((recipients))))", "unscanned", "attachments < 2147483647"]:
        put(outdir, "expr", e.encode())


# hand-made xmltok documents: the edges of what the tokenizer accepts
XMLTOK_EDGES = [
    b'\xef\xbb\xbf<?xml version="1.0"?><a/>',
    b'<r xmlns="u" xmlns:p="v"><p:x p:a="1" b=\'2\'/><y xmlns="">t</y></r>',
    b'<a>&amp;&lt;&gt;&quot;&apos;&#65;&#x3042;&#x1F600;</a>',
    b'<a><![CDATA[\xf0\x9f\x98\x80]]\xe3\x81\x82]]></a>',
    b'<a>\r\n\r<!-- c -- c --><?pi x?>\xe6\xb0\x8f\xe5\x90\x8d</a>',
    b'<a>&ent;</a>',
    b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
    b'<a>' * 300 + b'</a>' * 300,
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b'<w:body><w:p><w:r><w:t xml:space="preserve"> \xe5\xb1\xb1\xe7\x94\xb0 </w:t>'
    b'</w:r></w:p></w:body></w:document>',
]


def xmltok_seeds(outdir, files):
    """The XML parts of the OOXML fixtures, each with a chunking byte."""
    n = 0
    for p in files:
        if not any(p.endswith(e) for e in EXT["ooxml"]):
            continue
        try:
            z = zipfile.ZipFile(p)
            for info in z.infolist():
                if info.filename.endswith((".xml", ".rels")) and info.file_size <= MAX_LEN["xmltok"]:
                    n += 1
                    put(outdir, "xmltok", bytes([n % 256]) + z.read(info))
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError,
                zlib.error):
            continue
    for i, doc in enumerate(XMLTOK_EDGES):
        put(outdir, "xmltok", bytes([i * 37 % 256]) + doc)


def message(name, data):
    b64 = base64.encodebytes(data).decode()
    return ("From: Taro <taro@example.go.jp>\r\nTo: someone@example.com\r\n"
            "Subject: =?UTF-8?B?5ZCN57C/?=\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n添付します。\r\n"
            "--b1\r\nContent-Type: application/octet-stream; name=\"%s\"\r\n"
            "Content-Disposition: attachment; filename=\"%s\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s--b1--\r\n"
            % (name, name, b64.replace("\n", "\r\n"))).encode()


def fixture_seeds(outdir):
    fx = os.path.join(outdir, "fixtures")
    os.makedirs(fx, exist_ok=True)
    py = "/usr/bin/python3"
    subprocess.run([py, os.path.join(ROOT, "tests", "fixtures", "make_office.py"), fx],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([py, os.path.join(ROOT, "tests", "fixtures", "make_docs.py"), fx],
                   check=True, stdout=subprocess.DEVNULL)
    files = sorted(glob.glob(os.path.join(fx, "*"))) + \
        sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "office", "*")))
    for p in files:
        with open(p, "rb") as f:
            data = f.read()
        name = os.path.basename(p)
        for target, exts in EXT.items():
            if any(name.endswith(e) for e in exts):
                put(outdir, target, data, name)
        put(outdir, "inspect", data, name)
        put(outdir, "mime", message(name, data), name + ".eml")
    xmltok_seeds(outdir, files)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 else None
    for t in MAX_LEN:
        shutil.rmtree(os.path.join(outdir, t), ignore_errors=True)
    fixture_seeds(outdir)
    charset_seeds(outdir)
    textscan_seeds(outdir)
    conf_seeds(outdir)
    if corpus and os.path.isdir(corpus):
        for p in sorted(glob.glob(os.path.join(corpus, "*"))):
            if os.path.basename(p) in ("README.md", "SOURCES.tsv", "LICENSES"):
                continue
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    put(outdir, "mime", f.read())
    else:
        print("seeds: no mail corpus (%s): mime gets the fixture messages only" % corpus,
              file=sys.stderr)
    for t in sorted(MAX_LEN):
        d = os.path.join(outdir, t)
        n = len(os.listdir(d)) if os.path.isdir(d) else 0
        print("seeds: %-9s %5d files" % (t, n))


if __name__ == "__main__":
    main()
