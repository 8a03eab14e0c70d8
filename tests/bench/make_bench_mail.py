#!/usr/bin/python3
"""The messages of `make bench` (tests/bench/bench_mta.py), written as
ready-to-send files (CRLF line ends, no envelope) into OUTDIR:

    a.eml    about 4 KB: a Japanese business mail in ISO-2022-JP (as Outlook
             sends Japanese), a few phone numbers and addresses in it;
    b.eml    about 200 KB: a short text part and a staff list .xlsx
             (openpyxl): distinct made-up people, one per row, with name,
             section, mobile, landline, mail address, postal address, note;
    c.eml    about 2 MB: a short text part and a PDF report (reportlab, IPA
             Gothic embedded): pages of Japanese text with a staff table on
             each page, and photo-like JPEG figures (most of the bytes, as in
             real reports of that size);
    big.eml  with --big MB: one attachment of about MB MB, a staff list
             .xlsx written as a stream over several sheets (rows until the
             file reaches the size), for the peak-memory measurement;
    --files  also the files of bench_extract.c, about 3-5 MB of every
             format the product reads (see extractor_files).

    /usr/bin/python3 tests/bench/make_bench_mail.py OUTDIR [--big MB] [--files]

Deterministic: a seeded PRNG, fixed dates and Message-IDs, so every run
sends the same bytes.  Needs Debian's python3-openpyxl, python3-reportlab,
python3-pil and fonts-ipafont-gothic (--files: python3-xlwt too).  All
data is made up.
"""
import io
import os
import random
import sys
import zipfile
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

FONT = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
SENDER = "kikaku-ka@example.go.jp"
RCPT = "soumu-ka@example.go.jp"
SHAPE = {}      # what each message holds, printed at the end
ATTACHED = {}   # the attachments of b and c, for --files

SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
            "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健太", "直子", "翔", "由美", "大輔", "恵",
         "誠", "彩", "拓也", "明美", "隆", "真由美", "浩二", "千尋", "悟", "陽子"]
SECTIONS = ["総務課", "企画課", "会計課", "人事課", "情報政策課", "広報室", "調査課", "監査室"]
CITIES = ["東京都千代田区霞が関", "東京都港区虎ノ門", "神奈川県横浜市中区日本大通",
          "埼玉県さいたま市浦和区高砂", "千葉県千葉市中央区市場町", "大阪府大阪市中央区大手前"]
SENTENCES = [
    "お世話になっております。", "標記の件について、下記のとおりご連絡いたします。",
    "令和7年度予算概算要求に係る資料を送付しますので、ご確認ください。",
    "ご多忙のところ恐縮ですが、よろしくお願いいたします。",
    "会議は本館第3会議室（8階）にて開催する予定です。",
    "添付資料をご参照のうえ、ご意見をお寄せください。",
    "各課室におかれましては、期限までにご提出願います。",
    "システムのメンテナンスに伴い、サービスを一時停止します。",
    "プロジェクトの進捗状況は概ね計画どおりです。",
    "関係省庁との調整結果について、以下のとおり共有します。",
    "前回の議事録（案）を送付いたします。修正点があればお知らせください。",
    "本件に関するお問い合わせは、担当までお願いします。",
    "なお、詳細は別紙のとおりです。", "以上、取り急ぎご報告まで。",
]


def person(rng, i):
    """One made-up person, distinct per i."""
    name = SURNAMES[rng.randrange(20)] + " " + GIVEN[rng.randrange(20)]
    return {
        "name": name,
        "section": SECTIONS[rng.randrange(len(SECTIONS))],
        "mobile": "090-%04d-%04d" % (1000 + i // 10000 % 9000, i % 10000),
        "land": "03-%04d-%04d" % (3000 + rng.randrange(6000), rng.randrange(10000)),
        "mail": "staff%05d@mail.example.com" % i,
        "addr": "〒%03d-%04d %s%d-%d-%d" % (100 + rng.randrange(900), rng.randrange(10000),
                                            CITIES[rng.randrange(len(CITIES))],
                                            1 + rng.randrange(5), 1 + rng.randrange(20),
                                            1 + rng.randrange(30)),
    }


def note(rng, n=24):
    return "".join(rng.choice(SENTENCES) for _ in range(2))[:n] + \
        "".join(chr(0x3041 + rng.randrange(80)) for _ in range(8))


def paragraph(rng, n):
    return "".join(rng.choice(SENTENCES) for _ in range(n))


def headers(msg, subject, mid):
    msg["From"] = formataddr(("企画課", SENDER), "iso-2022-jp")
    msg["To"] = formataddr(("総務課", RCPT), "iso-2022-jp")
    msg["Subject"] = Header(subject, "iso-2022-jp")
    msg["Date"] = "Tue, 25 Nov 2025 10:00:00 +0900"
    msg["Message-ID"] = "<%s@example.go.jp>" % mid
    msg["X-Mailer"] = "Microsoft Outlook 16.0"


def text_body(rng, target):
    """Japanese text of about target bytes in ISO-2022-JP, personal data in
    about one line in six."""
    lines = ["総務課 各位", "", "お疲れさまです。企画課の山本です。"]
    i = 0
    while len("\r\n".join(lines).encode("iso-2022-jp")) < target:
        i += 1
        if i % 6 == 0:
            p = person(rng, 100 + i)
            lines.append("連絡先：%s（%s）電話 %s、携帯 %s、%s" %
                         (p["name"], p["section"], p["land"], p["mobile"], p["mail"]))
        else:
            lines.append(paragraph(rng, 2))
    lines += ["", "――――――――――――――――", "企画課 山本 一郎",
              "電話 03-3581-0001（内線 2345）", "kikaku-ka@example.go.jp"]
    return "\r\n".join(lines)


def as_bytes(msg):
    data = msg.as_bytes()
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def mail_a(rng):
    body = text_body(rng, 3400)
    msg = MIMEText(body, "plain", "iso-2022-jp")
    headers(msg, "【ご連絡】来週の定例会議について", "bench-a")
    return as_bytes(msg)


def with_attachment(rng, subject, mid, text, data, filename, subtype):
    msg = MIMEMultipart()
    headers(msg, subject, mid)
    msg.attach(MIMEText(text, "plain", "iso-2022-jp"))
    part = MIMEApplication(data, subtype)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    msg.attach(part)
    return as_bytes(msg)


# ---------------------------------------------------------------- xlsx

def xlsx_rows(rng, start, n):
    for i in range(start, start + n):
        p = person(rng, i)
        yield [p["name"], p["section"], p["mobile"], p["land"], p["mail"], p["addr"], note(rng)]


def make_xlsx(rng, rows):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "職員名簿"
    ws.append(["氏名", "所属", "携帯電話", "電話番号", "メールアドレス", "住所", "備考"])
    for r in xlsx_rows(rng, 0, rows):
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sized_xlsx(seed, target):
    """The staff list with as many rows as make the file about target bytes."""
    rows = 100
    for _ in range(6):
        data = make_xlsx(random.Random(seed), rows)
        rows = max(10, int(rows * target / len(data)))
    return make_xlsx(random.Random(seed), rows), rows


def mail_b(rng):
    data, rows = sized_xlsx(2, 144_000)
    SHAPE["b"] = "%d rows, %d bytes of xlsx" % (rows, len(data))
    ATTACHED["b.xlsx"] = data
    return with_attachment(rng, "職員名簿（%d名）の送付" % rows, "bench-b",
                           "総務課 各位\r\n\r\n職員名簿を添付します。取扱いにご注意ください。\r\n",
                           data, "職員名簿.xlsx",
                           "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def big_xlsx(path, mb):
    """A staff list of about mb MB written as a stream (openpyxl would hold
    every row in memory): the columns of b's, and a note of random letters
    per row so that the file does not compress away, over several sheets
    of at most SHEET_XML bytes of XML each (the default max_member_bytes
    is 64 MB)."""
    rng = random.Random(5)
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    letters = str.maketrans("0123456789", "ghijklmnop")     # no digits in the notes
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;")
    SHEET_XML = 48_000_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        sheets, i = [], 0
        while z.fp.tell() < mb * 1_000_000:
            k = len(sheets) + 1
            sheets.append(k)
            with z.open("xl/worksheets/sheet%d.xml" % k, "w", force_zip64=True) as f:
                size = f.write(('<worksheet xmlns="%s"><sheetData>' % ns).encode())
                while size < SHEET_XML and z.fp.tell() < mb * 1_000_000:
                    out = []
                    for r in xlsx_rows(rng, i, 2000):
                        i += 1
                        r[-1] = rng.randbytes(24).hex().translate(letters)
                        out.append('<row r="%d">' % i + "".join(
                            '<c t="inlineStr"><is><t>%s</t></is></c>' % esc(v) for v in r)
                            + "</row>")
                    size += f.write("".join(out).encode())
                f.write(b"</sheetData></worksheet>")
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="%ssheet.main+xml"/>' % ct
                   + "".join('<Override PartName="/xl/worksheets/sheet%d.xml" '
                             'ContentType="%sworksheet+xml"/>' % (k, ct) for k in sheets)
                   + '</Types>')
        z.writestr("_rels/.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="%sofficeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>' % rel)
        z.writestr("xl/workbook.xml", '<workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets>'
                   '</workbook>' % (ns, rel[:-1], "".join(
                       '<sheet name="staff%d" sheetId="%d" r:id="rId%d"/>' % (k, k, k)
                       for k in sheets)))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships">%s</Relationships>' % "".join(
                       '<Relationship Id="rId%d" Type="%sworksheet" '
                       'Target="worksheets/sheet%d.xml"/>' % (k, rel, k) for k in sheets))
    SHAPE["big"] = "%d sheets, %d rows, %d bytes of xlsx" % (len(sheets), i,
                                                           os.path.getsize(path))


def mail_big(rng, mb, tmpdir):
    path = os.path.join(tmpdir, "big-attachment.xlsx.tmp")
    big_xlsx(path, mb)
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return with_attachment(rng, "職員名簿（全件）", "bench-big",
                           "総務課 各位\r\n\r\n全件の名簿です。\r\n", data, "職員名簿_全件.xlsx",
                           "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# ---------------------------------------------------------------- pdf

def figure(rng, w, h):
    """A photo-like JPEG (smooth shapes and grain), w x h pixels."""
    from PIL import Image, ImageDraw, ImageFilter
    img = Image.new("RGB", (w, h), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    d = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.randrange(20, 200)
        d.ellipse((x - r, y - r, x + r, y + r),
                  fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    img = img.filter(ImageFilter.GaussianBlur(3))
    grain = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
    img = Image.blend(img, grain, 0.18)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    buf.seek(0)
    return buf


def make_pdf(seed, pages, figures):
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    rng = random.Random(seed)
    if "IPAGothic" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("IPAGothic", FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    k = 0
    for pg in range(pages):
        c.setFont("IPAGothic", 9)
        y = 800
        c.drawString(40, y, "令和7年度 業務報告書　第%d章" % (pg + 1))
        y -= 16
        for _ in range(14):
            c.drawString(40, y, paragraph(rng, 2)[:58])
            y -= 12
        if pg < figures:
            c.drawImage(ImageReader(figure(rng, 480, 300)), 40, y - 300, 480, 300)
            y -= 312
        for _ in range(10 if pg < figures else 30):
            k += 1
            p = person(rng, 50000 + k)
            c.drawString(40, y, "%s  %s  %s  %s  %s" %
                         (p["name"], p["section"], p["mobile"], p["land"], p["mail"]))
            y -= 12
        c.showPage()
    c.save()
    return buf.getvalue()


def mail_c(rng):
    """About 2 MB of mail: the PDF about 1.45 MB before base64.  Figures are
    added one by one until the file reaches that size."""
    pages, figures = 40, 4
    data = make_pdf(3, pages, figures)
    while len(data) < 1_450_000 and figures < pages:
        per = len(data) / figures if figures else 100_000
        figures = min(pages, figures + max(1, int((1_450_000 - len(data)) / per / 2)))
        data = make_pdf(3, pages, figures)
    SHAPE["c"] = "%d pages, %d figures, %d bytes of PDF" % (pages, figures, len(data))
    ATTACHED["c.pdf"] = data
    return with_attachment(rng, "業務報告書（案）の送付", "bench-c",
                           "総務課 各位\r\n\r\n業務報告書（案）を添付します。\r\n",
                           data, "業務報告書.pdf", "pdf")


TEXT_PDF_PAGES = 850        # about 2 MB


def extractor_files(out):
    """The files of bench_extract.c, one or more a format the product reads:
    b's and c's attachments; big.xlsx, big.docx, big.pptx, big.odt,
    big.ods, big.odp and big.zip of about 5 MB (tests/fixtures/
    make_office_big.py); big.csv (CP932), big.txt, big.html, big.xml,
    big.rtf, big.xls, big.doc, big.ppt, big.tar.gz and fwd.eml of about
    3 MB (tests/fixtures/make_docs.py --bench); text.pdf (TEXT_PDF_PAGES
    pages of Japanese text and staff rows, IPA Gothic)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
    import make_docs
    import make_office_big
    for name, data in ATTACHED.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    make_office_big.make_big(out, 5)
    make_docs.bench(out, 3)
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    if "IPAGothic" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("IPAGothic", FONT))
    rng = random.Random(4)
    c = canvas.Canvas(os.path.join(out, "text.pdf"), invariant=1)     # no date, fixed ID
    for pg in range(TEXT_PDF_PAGES):
        c.setFont("IPAGothic", 9)
        y = 810
        c.drawString(30, y, "第%d頁 %s" % (pg + 1, paragraph(rng, 2)[:50]))
        for k in range(30):     # rows of a staff list
            y -= 14
            p = person(rng, 90000 + pg * 30 + k)
            c.drawString(30, y, " / ".join((p["name"], p["mobile"], p["land"], p["mail"])))
        for _ in range(20):
            y -= 14
            c.drawString(30, y, paragraph(rng, 2)[:58])
        c.showPage()
    c.save()


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        raise SystemExit("usage: make_bench_mail.py OUTDIR [--big MB] [--files]")
    out = args[0]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(1)
    files = {"a.eml": mail_a(rng), "b.eml": mail_b(rng), "c.eml": mail_c(rng)}
    if "--big" in args:
        files["big.eml"] = mail_big(rng, int(args[args.index("--big") + 1]), out)
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("%-8s %9d bytes" % (name, len(data)))
    for k in sorted(SHAPE):
        print("  %s: %s" % (k, SHAPE[k]))
    if "--files" in args:
        extractor_files(out)
        print("extractor files: %s" % ", ".join(sorted(
            f for f in os.listdir(out) if not f.endswith(".eml"))))


if __name__ == "__main__":
    main()
