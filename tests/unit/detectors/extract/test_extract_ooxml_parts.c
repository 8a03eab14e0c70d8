/*
 * test_extract_ooxml_parts.c — the places of an office document where text
 * hides, on fixtures made by tests/fixtures/make_ooxml_parts.py: number
 * formats that keep a leading zero, hidden sheets, rows and columns,
 * legacy and threaded comments, formula results (xlsx); tables as rows,
 * text boxes read once, a Fallback that alone holds text, hidden text,
 * endnotes, an embedded workbook and an embedded .xls (docx); a slide
 * table, notes, legacy and modern comments (pptx); an embedded object of
 * an .odt.  And the character-reference decoding ahead of libxml2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <iconv.h>

#include <zip.h>

#include "extract/extract.h"
#include "extract/ooxml_sheet.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"
#include "tests/unit/lib/zipx_util.h"

extern const struct extractor extract_docx, extract_xlsx, extract_pptx, extract_odt;

static int
setup(void **state)
{
	zt_generate("parts");
	return 0;
}

static int
teardown(void **state)
{
	zt_fixtures_free();
	return 0;
}

/* The text extractor ex makes of fixture name (no part unscanned). */
static char *
text_of(const struct extractor *ex, const char *name)
{
	size_t len;
	unsigned char *data = zt_load(name, &len);
	char *why = NULL, *text;
	bool enc;

	text = zt_extract_text(ex, NULL, data, len, &why, &enc);
	if (getenv("ZT_DEBUG"))
		fprintf(stderr, "---- %s\n%s\n----\n", name, text);
	assert_null(why);
	assert_false(enc);
	free(data);
	return text;
}

/* The fixture scanned as an attachment: part "2" read in full with
 * extractor, emails and phones in the whole message. */
static void
scan_counts(const char *name, const char *extractor, unsigned emails, unsigned phones)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, "", name, NULL, NULL);
	const struct scan_result *r = mt_result(m);

	zt_dump(r);
	assert_string_equal(mt_part(r, "2")->extractor, extractor);
	for (size_t i = 0; i < r->nparts; i++)
		assert_null(r->parts[i].unscanned);
	assert_int_equal(scan_result_count(r, FT_EMAIL), emails);
	assert_int_equal(scan_result_count(r, FT_PHONE), phones);
	scan_msg_free(m);
	scan_engine_free(eng);
}

/* Number formats: digits and literals only are applied to integers;
 * anything else (decimals, dates, text, conditions, negative or decimal
 * values) leaves the value as stored. */
static void
test_numfmt_apply(void **state)
{
	char out[64];

	assert_true(ooxml_numfmt_apply("00000000000", "9012345678", out, sizeof(out)));
	assert_string_equal(out, "09012345678");
	assert_true(ooxml_numfmt_apply("000-0000-0000", "9012345678", out, sizeof(out)));
	assert_string_equal(out, "090-1234-5678");
	assert_true(ooxml_numfmt_apply("000\\-0000\\-0000", "8098765432", out, sizeof(out)));
	assert_string_equal(out, "080-9876-5432");
	assert_true(ooxml_numfmt_apply("00\"-\"0000\"-\"0000", "312345678", out, sizeof(out)));
	assert_string_equal(out, "03-1234-5678");
	assert_true(ooxml_numfmt_apply("[Blue]0000;[Red]-0000", "12", out, sizeof(out)));
	assert_string_equal(out, "0012");
	/* more digits than placeholders: the first one takes the rest */
	assert_true(ooxml_numfmt_apply("00-00", "123456", out, sizeof(out)));
	assert_string_equal(out, "1234-56");
	assert_true(ooxml_numfmt_apply("###-####", "12345", out, sizeof(out)));
	assert_string_equal(out, "1-2345");
	assert_true(ooxml_numfmt_apply("\"〒\"000-0000", "1000001", out, sizeof(out)));
	assert_string_equal(out, "〒100-0001");
	assert_false(ooxml_numfmt_apply("0.00", "612345678", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("#,##0", "1234", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("yyyy/mm/dd", "45000", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("@", "123", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("0%", "1", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("[<=9999999]000-0000;000-000-0000", "1234567", out,
	    sizeof(out)));
	assert_false(ooxml_numfmt_apply("00000", "-12", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("00000", "1.5", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("00000", "9.01E9", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("General", "12", out, sizeof(out)));
	assert_false(ooxml_numfmt_apply("0000", "12", out, 4));	/* does not fit */
}

/* The workbook's text: formatted numbers, shared and inline strings, a
 * formula's cached value, a date serial and a decimal left as stored,
 * the hidden row and column, the hidden and very hidden sheets, the
 * legacy and threaded comments. */
static void
test_xlsx_numfmt_hidden_comments(void **state)
{
	char *t = text_of(&extract_xlsx, "numfmt.xlsx");

	assert_non_null(strstr(t, "氏名\t携帯\t固定\tメール\t備考\n"
	    "田中 花子\t09012345678\t03-1234-5678\thanako.tanaka@example.co.jp\t45000\n"
	    "佐藤 次郎\t080-9876-5432\t612345678\tjiro.sato@example.co.jp\n"
	    "隠し行\t070-1111-2222\t\thidden.row@example.co.jp\n"
	    "隠し列\t\t\t\t\thidden.column@example.co.jp 090-3333-4444\n"));
	assert_non_null(strstr(t, "\fhidden.sheet@example.co.jp\t080-5555-6666\n"));
	assert_non_null(strstr(t, "\fvery.hidden@example.co.jp\t070-7777-8888\n"));
	assert_non_null(strstr(t, "連絡先 080-1212-3434"));
	assert_non_null(strstr(t, "至急 thread.comment@example.co.jp へ"));
	assert_null(strstr(t, "監査"));		/* a comment's author */
	assert_null(strstr(t, "LOWER"));	/* a formula */
	free(t);
	scan_counts("numfmt.xlsx", "xlsx", 7, 8);
}

/* Word: the table as rows of tab-separated cells (a merged cell keeps the
 * columns under the header), the text box once although the file holds
 * it twice, the Fallback read where the Choice is empty, hidden text,
 * endnotes; the embedded workbook and the embedded .xls are child parts
 * read as such. */
static void
test_docx_tables_textboxes_embeddings(void **state)
{
	char *t = text_of(&extract_docx, "tbox.docx");
	const char *box;
	struct scan_engine *eng;
	struct scan_msg *m;
	const struct scan_result *r;
	const struct scan_part *c;

	assert_non_null(strstr(t, "\f氏名\t携帯電話\tメール\n"
	    "山本 一郎\t090-1111-2222\tichiro.yamamoto@example.co.jp\n"
	    "未定\t\ttbd@example.co.jp\n\f"));
	assert_non_null(box = strstr(t, "テキストボックス 090-4545-6767"));
	assert_null(strstr(box + 1, "テキストボックス"));	/* once */
	assert_non_null(strstr(t, "代替のみ 080-2323-4545"));
	assert_non_null(strstr(t, "非表示 hidden.text@example.co.jp"));
	assert_non_null(strstr(t, "巻末注 endnote.person@example.co.jp"));
	free(t);

	m = zt_scan_fixture(&eng, NULL, "", "tbox.docx", NULL, NULL);
	r = mt_result(m);
	zt_dump(r);
	assert_null(mt_part(r, "2")->unscanned);
	assert_int_equal(mt_part(r, "2")->counts[FT_EMAIL], 5);
	assert_int_equal(mt_part(r, "2")->counts[FT_PHONE], 3);
	c = mt_part(r, "2/tbox.docx/word/embeddings/Microsoft_Excel_Worksheet1.xlsx");
	assert_non_null(c);
	assert_string_equal(c->extractor, "xlsx");
	assert_null(c->unscanned);
	assert_int_equal(c->counts[FT_EMAIL], 7);
	assert_int_equal(c->counts[FT_PHONE], 8);
	c = mt_part(r, "2/tbox.docx/word/embeddings/oleObject1.bin");
	assert_non_null(c);
	assert_string_equal(c->extractor, "ole");
	assert_null(c->unscanned);
	assert_int_equal(c->counts[FT_EMAIL], 1);
	assert_int_equal(c->counts[FT_PHONE], 1);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 13);
	assert_int_equal(scan_result_count(r, FT_PHONE), 12);
	scan_msg_free(m);
	scan_engine_free(eng);
}

/* PowerPoint: the slide's table as rows, notes, legacy and modern comments. */
static void
test_pptx_table_notes_comments(void **state)
{
	char *t = text_of(&extract_pptx, "deck.pptx");

	assert_non_null(strstr(t, "\f氏名\t携帯\tメール\n中川 四郎\t090-8080-9090\tshiro@example.co.jp\n"));
	assert_non_null(strstr(t, "発表者メモ notes.person@example.co.jp"));
	assert_non_null(strstr(t, "確認 080-6060-7070"));
	assert_non_null(strstr(t, "modern.comment@example.co.jp"));
	free(t);
	scan_counts("deck.pptx", "pptx", 3, 2);
}

/* OpenDocument: an embedded spreadsheet object is read after the text. */
static void
test_odt_embedded_object(void **state)
{
	char *t = text_of(&extract_odt, "embed.odt");

	assert_non_null(strstr(t, "本文 odt.body@example.co.jp\n"));
	assert_non_null(strstr(t, "\f氏名\t携帯\nodt.object@example.co.jp\t090-2424-3535\n"));
	free(t);
	scan_counts("embed.odt", "odt", 2, 1);
}

/* A .docx made here around one document.xml. */
static char *
docx_text(const char *document, char **why)
{
	static const char ct[] =
	    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	    "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
	    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
	const char *names[] = { "[Content_Types].xml", "word/document.xml" };
	const char *datas[] = { ct, document };
	size_t len;
	unsigned char *zip = zt_zip_build(names, datas, NULL, 2, &len);
	bool enc;
	char *text = zt_extract_text(&extract_docx, NULL, zip, len, why, &enc);

	free(zip);
	return text;
}

#define W_OPEN "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/" \
    "2006/main\"><w:body>"
#define W_CLOSE "</w:body></w:document>"

/* Character references are decoded ahead of libxml2 only where libxml2
 * would decode them, to the same text: in text and attribute values, not
 * in comments, CDATA or processing instructions; references to markup,
 * white space, controls and non-characters are left to libxml2 (which
 * decodes or refuses them itself); a reference cut by the 64 KB chunk
 * boundary is decoded whole; a document in another encoding is left alone. */
static void
test_charrefs(void **state)
{
	char *why, *t, *big, *want;
	size_t n, w = 0;

	t = docx_text("<?xml version=\"1.0\" encoding=\"UTF-8\"?><!-- &#27663; -->" W_OPEN
	    "<w:p><w:r><w:t>&#27663;&#x540D;&#12288;&#60;&#38;&#x3e;&amp;&#65;</w:t></w:r></w:p>"
	    "<w:p><w:r><w:t><![CDATA[&#27663;]]></w:t></w:r></w:p>"
	    "<?pi &#27663;?><w:p w:x=\"&#27663;&#34;\"><w:r><w:t>&#128512;|&#x10FFFF;</w:t></w:r>"
	    "</w:p>" W_CLOSE, &why);
	if (why)
		fprintf(stderr, "why: %s\n", why);
	assert_null(why);
	assert_string_equal(t, "氏名\u3000<&>&A\n&#27663;\n\U0001F600|\U0010FFFF\n");
	free(t);

	/* references libxml2 refuses stay refused */
	t = docx_text(W_OPEN "<w:p><w:r><w:t>&#xFFFE;</w:t></w:r></w:p>" W_CLOSE, &why);
	assert_non_null(why);
	free(why);
	free(t);
	t = docx_text(W_OPEN "<w:p><w:r><w:t>&#1;</w:t></w:r></w:p>" W_CLOSE, &why);
	assert_non_null(why);
	free(why);
	free(t);
	t = docx_text(W_OPEN "<w:p><w:r><w:t>&#xD800;</w:t></w:r></w:p>" W_CLOSE, &why);
	assert_non_null(why);
	free(why);
	free(t);

	/* references across the chunk boundaries, at every offset: random
	 * kanji as decimal and hex references between letters, against the
	 * text expected */
	big = malloc(400000);
	want = malloc(400000);
	assert_non_null(big);
	assert_non_null(want);
	n = (size_t)sprintf(big, "%s<w:p><w:r><w:t>", W_OPEN);
	for (uint32_t x = 2463534242u; n < 380000;) {
		unsigned cp;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		cp = 0x4e00 + x % 0x5000;
		n += (size_t)sprintf(big + n, x & 0x100000 ? "&#%u;" : "&#x%X;", cp);
		want[w++] = (char)(0xe0 | cp >> 12);
		want[w++] = (char)(0x80 | (cp >> 6 & 0x3f));
		want[w++] = (char)(0x80 | (cp & 0x3f));
		for (unsigned k = (x >> 24) % 3; k > 0; k--)
			big[n++] = want[w++] = (char)('a' + (x >> (k * 3)) % 26);
	}
	want[w++] = '\n';
	want[w] = '\0';
	sprintf(big + n, "</w:t></w:r></w:p>%s", W_CLOSE);
	t = docx_text(big, &why);
	if (why)
		fprintf(stderr, "why: %s\n", why);
	assert_null(why);
	assert_int_equal(strlen(t), w);
	assert_string_equal(t, want);
	free(t);
	free(big);
	free(want);

	/* another encoding: the references are libxml2's */
	t = docx_text("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" W_OPEN
	    "<w:p><w:r><w:t>&#27663;\xe9</w:t></w:r></w:p>" W_CLOSE, &why);
	assert_null(why);
	assert_string_equal(t, "氏\u00e9\n");
	free(t);
}

/* doc in UTF-16LE with a BOM (read by libxml2, not by the tokenizer). */
static char *
utf16(const char *doc, size_t *outlen)
{
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
	size_t in = strlen(doc), cap = in * 4 + 16, left = cap - 2;
	char *out = malloc(cap), *o = out + 2, *i = (char *)doc;

	assert_true(cd != (iconv_t)-1);
	assert_non_null(out);
	out[0] = (char)0xff;
	out[1] = (char)0xfe;
	assert_true(iconv(cd, &i, &in, &o, &left) != (size_t)-1);
	iconv_close(cd);
	*outlen = (size_t)(o - out);
	return out;
}

/* The text extractor ex makes of a zip holding member (n bytes) and,
 * when ct is not NULL, that [Content_Types].xml (zt_zip_build takes
 * strings: the zip is made here). */
static char *
zip_text_bytes(const struct extractor *ex, const char *ct, const char *member, const char *data,
    size_t n, char **why)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	zip_stat_t st;
	unsigned char *zip;
	char *text;
	bool enc;

	zip_error_init(&ze);
	assert_non_null(src = zip_source_buffer_create(NULL, 0, 0, &ze));
	assert_non_null(z = zip_open_from_source(src, ZIP_TRUNCATE, &ze));
	zip_source_keep(src);
	if (ct)
		assert_true(zip_file_add(z, "[Content_Types].xml",
		    zip_source_buffer(z, ct, strlen(ct), 0), 0) >= 0);
	assert_true(zip_file_add(z, member, zip_source_buffer(z, data, n, 0), 0) >= 0);
	assert_int_equal(zip_close(z), 0);
	assert_int_equal(zip_source_open(src), 0);
	assert_int_equal(zip_source_stat(src, &st), 0);
	zip = malloc(st.size);
	assert_int_equal(zip_source_read(src, zip, st.size), (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	text = zt_extract_text(ex, NULL, zip, st.size, why, &enc);
	free(zip);
	return text;
}

/* The text of document.xml given as n bytes. */
static char *
docx_text_bytes(const char *doc, size_t n, char **why)
{
	static const char ct[] =
	    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	    "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
	    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";

	return zip_text_bytes(&extract_docx, ct, "word/document.xml", doc, n, why);
}

/* The text of sheet n bytes long, as the only worksheet of an xlsx. */
static char *
xlsx_text_bytes(const char *sheet, size_t n, char **why)
{
	return zip_text_bytes(&extract_xlsx, NULL, "xl/worksheets/sheet1.xml", sheet, n, why);
}

#define NSW "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define SML "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""

/* A document of about 70 KB: open, pad bytes of padding in an attribute
 * (so that the 64 KB chunk's end falls pad bytes earlier in what
 * follows), then rows of what the walks treat each in its own way, then
 * close.  malloc'd. */
static char *
chunky(const char *open, size_t pad, const char *const *rows, size_t nrows, const char *close)
{
	size_t cap = 80000 + pad, n;
	char *d = malloc(cap);

	assert_non_null(d);
	n = (size_t)snprintf(d, cap, open, (int)pad, "");
	for (size_t i = 0; n < 70000; i++)
		n += (size_t)snprintf(d + n, cap - n, rows[i % nrows], (unsigned)i);
	snprintf(d + n, cap - n, "%s", close);
	return d;
}

/* The walks of UTF-8 members take the tokenizer's events as they come,
 * holding one back (a start until its end says it is empty, text until
 * it ends) and copying it when the chunk moves under it: with every chunk
 * boundary falling at every byte of the rows, the text is the one libxml2
 * (UTF-16) gives through the queue — empty cells, skipped formulas and
 * phonetic runs, text cut by a boundary, white space kept or dropped,
 * CDATA, references. */
static void
test_walk_chunk_edges(void **state)
{
	static const char *const cells[] = {
		"<row r=\"%u\"><c r=\"A1\" t=\"inlineStr\"><is><t>&#27663;&#21517; 山田</t></is></c>"
		"<c r=\"B1\" s=\"0\"></c><c r=\"C1\"/><c r=\"D1\"><f>SUM(A1:A9)</f><v>42</v></c>"
		"<c r=\"E1\" t=\"inlineStr\"><is><t xml:space=\"preserve\">  </t><rPh><t>ヤマ</t></rPh>"
		"<r><t>090-1234-5678</t></r></is></c></row>\n",
		"<row r=\"%u\"><c r=\"B2\" t=\"inlineStr\"><is><t><![CDATA[a<b]]>&amp;c</t></is></c>"
		"<c r=\"F2\"><v>3</v></c><c r=\"G2\" t=\"inlineStr\"><is><t>   </t></is></c></row>",
		/* what a UTF-8 sheet, read from the tokenizer's events, learns
		 * after the fact: empty elements (an <is/> inside <is>, <v/>,
		 * <t/>, <f/>, a row), white space kept or dropped by the run
		 * (split by a comment, inherited xml:space), text split by an
		 * element or a comment, a skipped extLst */
		"<row r=\"%u\"><c r=\"A3\" t=\"inlineStr\"><is><is/><t>nested</t></is></c>"
		"<c r=\"B3\"><v></v></c><c r=\"C3\"><v> </v></c><c r=\"D3\"><v>1<!-- c -->2</v></c>"
		"<c r=\"E3\" t=\"str\"><v xml:space=\"preserve\"> </v></c><c r=\"F3\"><v>7</v><v/></c>"
		"<c r=\"G3\" t=\"inlineStr\"><is><t/><t>after</t></is></c><c r=\"H3\"><f/><v>9</v></c>"
		"<c r=\"I3\"><extLst><ext><v>hidden</v></ext></extLst><v>5</v></c>"
		"<c r=\"J3\"><v>1<x/>2</v></c><c r=\"K3\" t=\"inlineStr\"><is><t>  <!-- -->  </t></is>"
		"</c><c r=\"L3\"></c><c r=\"M3\" t=\"b\"><v>1</v></c></row><row r=\"9\"/>"
		"<row xml:space=\"preserve\"><c r=\"B4\" t=\"str\"><v> </v></c><c t=\"s\"><v>0</v></c>"
		"<c r=\"D4\" t=\"inlineStr\"><is><t xml:space=\"default\"> </t></is></c></row>\n",
	};
	static const char *const paras[] = {
		"<w:p><w:r><w:t>第%u段 &#26085;本</w:t></w:r><w:r><w:t></w:t><w:tab/><w:t xml:space="
		"\"preserve\"> 住所 </w:t></w:r><w:r><w:t>  </w:t></w:r></w:p>",
		"<w:p><w:r><w:instrText>SKIP</w:instrText><w:t><![CDATA[x]]>y&lt;</w:t><w:br/></w:r></w:p>",
	};

	for (size_t pad = 0; pad < 260; pad += 1 + pad / 64) {
		for (int kind = 0; kind < 2; kind++) {
			char *doc = kind == 0 ?
			    chunky("<worksheet " SML "><sheetPr codeName=\"%*s\"/><sheetData>", pad, cells,
				3, "</sheetData></worksheet>") :
			    chunky("<w:document " NSW "><w:body><w:p w:rsidR=\"%*s\"/>", pad, paras, 2,
				"</w:body></w:document>");
			size_t n;
			char *w8 = NULL, *w16 = NULL, *u16 = utf16(doc, &n);
			char *t8 = kind == 0 ? xlsx_text_bytes(doc, strlen(doc), &w8) :
			    docx_text_bytes(doc, strlen(doc), &w8);
			char *t16 = kind == 0 ? xlsx_text_bytes(u16, n, &w16) :
			    docx_text_bytes(u16, n, &w16);

			if (w8 || w16 || strcmp(t8, t16) != 0)
				fprintf(stderr, "%s pad %zu: %s / %s\n", kind ? "docx" : "xlsx", pad,
				    w8 ? w8 : "-", w16 ? w16 : "-");
			assert_null(w8);
			assert_null(w16);
			assert_true(strlen(t8) > 5000);
			assert_non_null(strstr(t8, kind == 0 ? "氏名 山田" : "日本"));
			assert_null(strstr(t8, kind == 0 ? "SUM" : "SKIP"));
			if (kind == 0) {	/* the third row, cell by cell */
				assert_non_null(strstr(t8, "\nnested\t\t\t12\t \t7\tafter\t9\t5\t12"
				    "\t\t\tTRUE\n\t \n"));
				assert_null(strstr(t8, "hidden"));
			}
			assert_string_equal(t8, t16);
			free(t8);
			free(t16);
			free(u16);
			free(doc);
		}
	}
}

/* The tokenizer against libxml2: each document as UTF-8 (the tokenizer)
 * and as UTF-16 (libxml2) gives the same text, or both refuse it. */
static void
test_tokenizer_matches_libxml2(void **state)
{
	static const char *const good[] = {
		"<w:document " NSW "><w:body><w:p><w:r><w:t>a&amp;b&lt;c&gt;d&quot;e&apos;f"
		"&#x6c0f;&#21517;</w:t></w:r></w:p></w:body></w:document>",
		"<?xml version=\"1.0\" standalone=\"yes\"?>\r\n<!-- c --><w:document " NSW ">"
		"<w:body><w:p><w:r><w:t xml:space=\"preserve\"> 氏名\r\n\r住所 </w:t></w:r>"
		"<w:r><w:t><![CDATA[<x>&amp;]]></w:t></w:r></w:p><?pi x?></w:body></w:document>\n",
		/* a default namespace, a prefix rebound inside, attributes of all kinds */
		"<document xmlns=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
		"<body><p a='1' b = \"&#9;x&#10;\"><r><t>一</t></r></p><w:p " NSW "><w:r>"
		"<w:t>二</w:t></w:r></w:p><x:p xmlns:x=\"urn:other\"><x:t>三</x:t></x:p>"
		"<p><r><t>四</t></r></p></body></document>",
		/* text outside w:t, empty elements, a tab and a break */
		"<w:document " NSW "><w:body>outside<w:p><w:r><w:t/><w:t></w:t><w:t>x</w:t><w:tab/>"
		"<w:t>y</w:t><w:br/><w:t>z</w:t></w:r></w:p></w:body></w:document>",
		/* a byte-order mark */
		"\xef\xbb\xbf<?xml version=\"1.0\"?><w:document " NSW "><w:body>"
		"<w:p><w:r><w:t>bom</w:t></w:r></w:p></w:body></w:document>",
		/* an unbound prefix: no namespace, read all the same */
		"<w:document><w:body><w:p><w:r><w:t>unbound</w:t></w:r></w:p></w:body></w:document>",
	};
	static const char *const bad[] = {
		"<w:document " NSW "><w:body></w:document>",
		"<w:document " NSW " a=\"<\"/>",
		"<w:document " NSW "><!-- x </w:document>",
		"<w:document " NSW "/>text",
		"<w:document " NSW "/><w:document " NSW "/>",
		"<w:document " NSW "><w:t>&#0;</w:t></w:document>",
		"<w:document " NSW "><w:t>a & b</w:t></w:document>",
		"<w:document " NSW "><w:t>&nbsp;</w:t></w:document>",
		"<w:document " NSW " a=1/>",
		"<w:document " NSW "a=\"1\"/>",
		"<w:document " NSW "><w:t>\x01</w:t></w:document>",
		"",
		"<!-- only a comment -->",
		"<w:document " NSW "><w:t>cut",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t n;
		bool bom = strncmp(good[i], "\xef\xbb\xbf", 3) == 0;	/* utf16() writes its own */
		char *w8 = NULL, *w16 = NULL, *u16 = utf16(good[i] + (bom ? 3 : 0), &n);
		char *t8 = docx_text_bytes(good[i], strlen(good[i]), &w8);
		char *t16 = docx_text_bytes(u16, n, &w16);

		if (w8 || w16)
			fprintf(stderr, "good %zu: %s / %s\n", i, w8 ? w8 : "-", w16 ? w16 : "-");
		assert_null(w8);
		assert_null(w16);
		assert_string_equal(t8, t16);
		free(t8);
		free(t16);
		free(u16);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n;
		char *w8 = NULL, *w16 = NULL, *u16 = utf16(bad[i], &n);
		char *t8 = docx_text_bytes(bad[i], strlen(bad[i]), &w8);
		char *t16 = docx_text_bytes(u16, n, &w16);

		if (!w8 || !w16)
			fprintf(stderr, "bad %zu: %s / %s\n", i, w8 ? w8 : "-", w16 ? w16 : "-");
		assert_non_null(w8);
		assert_non_null(w16);
		free(w8);
		free(w16);
		free(t8);
		free(t16);
		free(u16);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numfmt_apply),
		cmocka_unit_test(test_xlsx_numfmt_hidden_comments),
		cmocka_unit_test(test_docx_tables_textboxes_embeddings),
		cmocka_unit_test(test_pptx_table_notes_comments),
		cmocka_unit_test(test_odt_embedded_object),
		cmocka_unit_test(test_charrefs),
		cmocka_unit_test(test_tokenizer_matches_libxml2),
		cmocka_unit_test(test_walk_chunk_edges),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
