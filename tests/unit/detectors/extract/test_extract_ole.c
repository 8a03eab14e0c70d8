/*
 * test_extract_ole.c — legacy Office and other OLE2 attachments through the
 * engine (ole.c and its readers): Word, Excel (LibreOffice- and
 * xlwt-made, dates), PowerPoint, encrypted legacy files and encrypted OOXML,
 * Outlook-style property streams, embedded objects, truncated and mutated
 * files, the stream size limit.  Synthetic compound files are written with
 * libgsf's own writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>

#include "detectors/scan.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"

static struct df_fixture fx;		/* generated fixtures */
static struct df_fixture office;	/* the committed ones (tests/fixtures/office/) */

static int
setup(void **state)
{
	static char dir[1024];

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/office", df_srcdir());
	df_fixture_setup(state, &fx, "xls tar", "application/octet-stream");
	office = fx;
	office.dir = dir;
	return 0;
}

static void
expect_people(const struct df_fixture *f, const char *file, const char *mime)
{
	struct scan_msg *m = df_scan_file(f, file);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_expect_read(r, file, mime, "ole", 20, 40);

	assert_false(p->encrypted);
	assert_int_equal(r->unscanned + r->encrypted, 0);
	scan_msg_free(m);
}

static void
expect_clean(const struct df_fixture *f, const char *file)
{
	struct scan_msg *m = df_scan_file(f, file);

	df_expect_clean(mt_result(m), file);
	scan_msg_free(m);
}

static void
expect_encrypted(const char *file, const char *mime)
{
	struct scan_msg *m = df_scan_file(&office, file);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_part(r, file);

	assert_non_null(p);
	assert_string_equal(p->detected_type, mime);
	assert_true(p->encrypted);
	assert_int_equal(r->encrypted, 1);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 0);
	assert_int_equal(scan_result_count(r, FT_PHONE), 0);
	scan_msg_free(m);
}

static void
test_doc(void **state)
{
	expect_people(&office, "people.doc", "application/msword");
	expect_clean(&office, "clean.doc");
}

static void
test_xls(void **state)
{
	expect_people(&office, "people.xls", "application/vnd.ms-excel");
	expect_people(&fx, "people_xlwt.xls", "application/vnd.ms-excel");
	expect_clean(&office, "clean.xls");
	expect_clean(&fx, "clean_xlwt.xls");
}

/* Date cells (format YYYY/MM/DD) under a 生年月日 header are birth dates. */
static void
test_xls_dates(void **state)
{
	size_t len;
	unsigned char *d = df_load(fx.dir, "people_xlwt.xls", &len);
	struct scan_msg *m = df_scan_mem(&fx, d, len, "dates.xls");

	assert_int_equal(scan_result_count(mt_result(m), FT_BIRTH_DATE), 20);
	scan_msg_free(m);
	free(d);
}

static void
test_ppt(void **state)
{
	expect_people(&office, "people.ppt", "application/vnd.ms-powerpoint");
	expect_clean(&office, "clean.ppt");
}

static void
test_encrypted(void **state)
{
	expect_encrypted("people_enc.doc", "application/msword");
	expect_encrypted("people_enc.xls", "application/vnd.ms-excel");
	expect_encrypted("people_enc.docx", "application/encrypted");
	expect_encrypted("people_enc.xlsx", "application/encrypted");
}

/* ---- synthetic compound files ---- */

struct ent {
	const char *path;		/* "stream" or "storage/stream" */
	const void *data;
	size_t len;
};

static unsigned char *
ole_build(const struct ent *e, size_t n, size_t *len)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *root = gsf_outfile_msole_new(mem), *dir = NULL;
	char dirname[64] = "";
	unsigned char *out;

	assert_non_null(root);
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(e[i].path, '/'), *name = e[i].path;
		GsfOutfile *parent = root;
		if (slash != NULL) {
			size_t k = (size_t)(slash - e[i].path);
			if (dir == NULL || strlen(dirname) != k || strncmp(dirname, e[i].path, k)) {
				if (dir != NULL) {
					gsf_output_close(GSF_OUTPUT(dir));
					g_object_unref(dir);
				}
				snprintf(dirname, sizeof(dirname), "%.*s", (int)k, e[i].path);
				dir = GSF_OUTFILE(gsf_outfile_new_child(root, dirname, TRUE));
			}
			parent = dir;
			name = slash + 1;
		}
		GsfOutput *s = gsf_outfile_new_child(parent, name, FALSE);
		assert_true(gsf_output_write(s, e[i].len, e[i].data));
		gsf_output_close(s);
		g_object_unref(s);
	}
	if (dir != NULL) {
		gsf_output_close(GSF_OUTPUT(dir));
		g_object_unref(dir);
	}
	gsf_output_close(GSF_OUTPUT(root));
	g_object_unref(root);
	*len = (size_t)gsf_output_size(mem);
	out = malloc(*len);
	memcpy(out, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), *len);
	g_object_unref(mem);			/* closed with root */
	return out;
}

/* UTF-16LE of an ASCII/UTF-8 string into buf; returns the byte length. */
static size_t
utf16(const char *s, unsigned char *buf, size_t cap)
{
	glong n = 0;
	gunichar2 *u = g_utf8_to_utf16(s, -1, NULL, &n, NULL);
	size_t bytes = (size_t)n * 2;

	assert_true(bytes <= cap);
	for (glong i = 0; i < n; i++) {
		buf[2 * i] = (unsigned char)(u[i] & 0xFF);
		buf[2 * i + 1] = (unsigned char)(u[i] >> 8);
	}
	g_free(u);
	return bytes;
}

static void
put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void
put32(unsigned char *p, uint32_t v) { put16(p, v & 0xFFFF); put16(p + 2, v >> 16); }

/* A PowerPoint Document stream: DocumentContainer holding one
 * TextCharsAtom, then (crypt) a CryptSession10Container. */
static size_t
ppt_stream(unsigned char *b, const char *text, bool crypt)
{
	size_t tl = utf16(text, b + 16, 400), n;

	put16(b, 0x000F);
	put16(b + 2, 0x03E8);
	put32(b + 4, (uint32_t)(8 + tl));
	put16(b + 8, 0x0000);
	put16(b + 10, 0x0FA0);
	put32(b + 12, (uint32_t)tl);
	n = 16 + tl;
	if (crypt) {
		put16(b + n, 0x000F);
		put16(b + n + 2, 0x2F14);
		put32(b + n + 4, 0);
		n += 8;
	}
	return n;
}

static size_t
current_user(unsigned char *b, uint32_t token)
{
	memset(b, 0, 32);
	put16(b + 2, 0x0FF6);
	put32(b + 4, 24);
	put32(b + 8, 0x14);
	put32(b + 12, token);
	return 32;
}

static const struct scan_part *
scan_built(struct scan_msg **m, const struct ent *e, size_t n, const char *name)
{
	size_t len;
	unsigned char *d = ole_build(e, n, &len);

	*m = df_scan_mem(&fx, d, len, name);
	free(d);
	return df_part(mt_result(*m), name);
}

/* PowerPoint encryption: the Current User token, or a CryptSession10
 * container; the same stream without them is read. */
static void
test_ppt_encryption(void **state)
{
	static const char text[] = "担当 ppt.user@example.jp";
	unsigned char doc[512], cu_enc[32], cu[32];
	size_t dl = ppt_stream(doc, text, false);
	struct ent enc_token[] = {
		{ "Current User", cu_enc, current_user(cu_enc, 0xF3D1C4DFu) },
		{ "PowerPoint Document", doc, dl },
	};
	struct ent plain[] = {
		{ "Current User", cu, current_user(cu, 0xE391C05Fu) },
		{ "PowerPoint Document", doc, dl },
	};
	unsigned char doc2[512];
	struct ent crypt10[] = {
		{ "Current User", cu, 32 },
		{ "PowerPoint Document", doc2, ppt_stream(doc2, text, true) },
	};
	struct scan_msg *m;
	const struct scan_part *p;

	p = scan_built(&m, enc_token, 2, "token.ppt");
	assert_non_null(p);
	assert_true(p->encrypted);
	assert_int_equal(p->counts[FT_EMAIL], 0);
	scan_msg_free(m);

	p = scan_built(&m, crypt10, 2, "crypt10.ppt");
	assert_non_null(p);
	assert_true(p->encrypted);
	assert_int_equal(p->counts[FT_EMAIL], 0);
	scan_msg_free(m);

	p = scan_built(&m, plain, 2, "plain.ppt");
	assert_non_null(p);
	assert_false(p->encrypted);
	assert_null(p->unscanned);
	assert_int_equal(p->counts[FT_EMAIL], 1);
	scan_msg_free(m);
}

/* Streams no reader knows (an Outlook .msg keeps its body and subject in
 * property streams): UTF-16 and 8-bit strings are read. */
static void
test_property_streams(void **state)
{
	unsigned char body[512];
	static const char subj[] = "\x01\x02tel 03-5555-6666 \x03";
	struct ent e[] = {
		{ "__substg1.0_1000001F", body,
		    utf16("本文 連絡先 msg.user@example.jp 携帯 090-3333-4444", body, sizeof(body)) },
		{ "__substg1.0_0037001E", subj, sizeof(subj) - 1 },
		{ "__properties_version1.0", "\0\0\0\0\x01\0\0\0", 8 },
	};
	struct scan_msg *m;

	scan_built(&m, e, 3, "mail.msg");
	df_expect_read(mt_result(m), "mail.msg", NULL, NULL, 1, 2);
	scan_msg_free(m);
}

/* An OOXML-style package embedded in a storage ("Package": here a .gz of
 * the list) and a Packager object (\1Ole10Native) become child parts. */
static void
test_embedded(void **state)
{
	static const char file[] = "embedded1@example.jp\nembedded2@example.jp\n";
	size_t glen;
	unsigned char *gz = df_load(fx.dir, "people.txt.gz", &glen);
	unsigned char native[512];
	size_t n = 0;
	memset(native, 0, sizeof(native));
	n = 4;
	put16(native + n, 2);
	n += 2;
	memcpy(native + n, "list.txt", 9);
	n += 9;
	memcpy(native + n, "C:\\tmp\\list.txt", 16);
	n += 16;
	put32(native + n, 0x00030000);
	n += 4;
	put32(native + n, 16);
	n += 4;
	memcpy(native + n, "C:\\tmp\\list.txt", 16);
	n += 16;
	put32(native + n, sizeof(file) - 1);
	n += 4;
	memcpy(native + n, file, sizeof(file) - 1);
	n += sizeof(file) - 1;
	put32(native, (uint32_t)(n - 4));
	struct ent e[] = {
		{ "ObjectPool/Package", gz, glen },
		{ "Packaged/\001Ole10Native", native, n },
	};
	const struct ent *e2 = e;
	struct scan_msg *m;
	const struct scan_part *p = scan_built(&m, e, 2, "host.doc");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *pkg = df_part_suffix(r, "/ObjectPool/Package");
	const struct scan_part *txt = df_part(r, "list.txt");

	assert_non_null(p);
	assert_non_null(pkg);
	assert_string_equal(pkg->detected_type, "application/gzip");
	assert_non_null(txt);
	assert_int_equal(txt->counts[FT_EMAIL], 2);
	assert_non_null(df_part_suffix(r, "ObjectPool/Package/people.txt"));
	assert_int_equal(scan_result_count(r, FT_EMAIL), 22);
	assert_int_equal(scan_result_count(r, FT_PHONE), 40);
	scan_msg_free(m);

	/* max_depth 1: the attachment (depth 1) may not open its objects */
	struct scan_limits lim = mt_limits();
	lim.max_depth = 1;
	struct scan_engine *shallow = mt_engine(&lim);
	size_t len;
	unsigned char *d = ole_build(e2, 2, &len);
	struct df_att a = { "host.doc", "application/msword", d, len };
	m = df_scan(shallow, &a, 1);
	r = mt_result(m);
	df_expect_unscanned(r, "host.doc", "max_depth");
	assert_null(df_part(r, "list.txt"));
	scan_msg_free(m);
	scan_engine_free(shallow);
	free(d);
	free(gz);
}

/* Append a BIFF record to b at *n. */
static void
rec(unsigned char *b, size_t *n, unsigned type, const void *body, size_t len)
{
	put16(b + *n, type);
	put16(b + *n + 2, (unsigned)len);
	memcpy(b + *n + 4, body, len);
	*n += 4 + len;
}

/* Records LibreOffice and xlwt do not write: inline LABEL strings, a
 * formula's cached text (STRING), a comment's text (TXO + CONTINUE), and a
 * BIFF5 workbook whose LABEL bytes are CP932 (０９０－１２３４－５６７８). */
static void
test_biff_records(void **state)
{
	unsigned char wb[1024], book[512], r[128];
	size_t n = 0, m = 0;
	static const unsigned char bof8g[] = { 0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0 };
	static const unsigned char bof8s[] = { 0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0 };
	static const unsigned char bof5g[] = { 0x00, 0x05, 0x05, 0x00, 0, 0, 0, 0 };
	static const unsigned char bof5s[] = { 0x00, 0x05, 0x10, 0x00, 0, 0, 0, 0 };
	static const unsigned char cp932[] = { 0xA4, 0x03 };
	static const unsigned char sjis[] = "\x82\x4f\x82\x58\x82\x4f\x81\x7c\x82\x50\x82\x51"
	    "\x82\x52\x82\x53\x81\x7c\x82\x54\x82\x55\x82\x56\x82\x57";

	rec(wb, &n, 0x0809, bof8g, 8);
	rec(wb, &n, 0x000A, "", 0);
	rec(wb, &n, 0x0809, bof8s, 8);
	memset(r, 0, sizeof(r));			/* LABEL row 0 col 0: x@example.jp */
	put16(r + 6, 12);
	r[8] = 0;
	memcpy(r + 9, "x@example.jp", 12);
	rec(wb, &n, 0x0204, r, 21);
	memset(r, 0, sizeof(r));			/* FORMULA row 0 col 1, text result */
	put16(r + 2, 1);
	r[6] = 0;
	put16(r + 12, 0xFFFF);
	rec(wb, &n, 0x0006, r, 22);
	memset(r, 0, sizeof(r));			/* STRING, UTF-16: y@example.jp */
	put16(r, 12);
	r[2] = 1;
	for (int i = 0; i < 12; i++)
		r[3 + 2 * i] = (unsigned char)"y@example.jp"[i];
	rec(wb, &n, 0x0207, r, 27);
	memset(r, 0, sizeof(r));			/* TXO, 20 characters of text */
	put16(r + 10, 20);
	rec(wb, &n, 0x01B6, r, 18);
	r[0] = 0;
	memcpy(r + 1, "comment z@example.jp", 20);
	rec(wb, &n, 0x003C, r, 21);
	rec(wb, &n, 0x000A, "", 0);

	rec(book, &m, 0x0809, bof5g, 8);
	rec(book, &m, 0x0042, cp932, 2);
	rec(book, &m, 0x000A, "", 0);
	rec(book, &m, 0x0809, bof5s, 8);
	memset(r, 0, sizeof(r));			/* BIFF5 LABEL: cch, bytes */
	put16(r + 6, sizeof(sjis) - 1);
	memcpy(r + 8, sjis, sizeof(sjis) - 1);
	rec(book, &m, 0x0204, r, 8 + sizeof(sjis) - 1);
	rec(book, &m, 0x000A, "", 0);

	struct ent e8[] = { { "Workbook", wb, n } };
	struct ent e5[] = { { "Book", book, m } };
	struct scan_msg *msg;
	const struct scan_part *p = scan_built(&msg, e8, 1, "biff8.xls");
	assert_non_null(p);
	assert_null(p->unscanned);
	assert_int_equal(p->counts[FT_EMAIL], 3);
	scan_msg_free(msg);

	p = scan_built(&msg, e5, 1, "biff5.xls");
	assert_non_null(p);
	assert_null(p->unscanned);
	assert_int_equal(p->counts[FT_PHONE], 1);
	scan_msg_free(msg);
}

/* A truncated .doc and a .xls whose header sector is destroyed, next to a
 * good .ppt: both broken ones unscanned, the .ppt still counted. */
static void
test_truncated_corrupt(void **state)
{
	size_t dl, xl, pl;
	unsigned char *doc = df_load(office.dir, "people.doc", &dl);
	unsigned char *xls = df_load(office.dir, "people.xls", &xl);
	unsigned char *ppt = df_load(office.dir, "people.ppt", &pl);
	memset(xls + 0x30, 0xFF, 0x1D0);	/* directory start, FAT count, DIFAT */
	struct df_att a[] = {
		{ "cut.doc", "application/msword", doc, dl / 2 },
		{ "broken.xls", "application/vnd.ms-excel", xls, xl },
		{ "good.ppt", "application/vnd.ms-powerpoint", ppt, pl },
	};
	struct scan_msg *m = df_scan(fx.eng, a, 3);
	const struct scan_result *r = mt_result(m);

	df_expect_unscanned(r, "cut.doc", NULL);
	df_expect_unscanned(r, "broken.xls", NULL);
	assert_int_equal(r->unscanned, 2);
	assert_int_equal(df_part(r, "good.ppt")->counts[FT_EMAIL], 20);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	assert_int_equal(scan_result_count(r, FT_PHONE), 40);
	scan_msg_free(m);
	free(doc);
	free(xls);
	free(ppt);
}

/* Mutated and truncated copies of every kind: no crash (ASan/valgrind
 * watch the reads), always a result, and not a word on stdout or stderr
 * (libgsf warns through GLib's default log domain when a stream cannot be
 * opened). */
static void
test_mutations(void **state)
{
	static const char *const files[] = {
		"people.doc", "people.xls", "people.ppt", "people_enc.docx", NULL,
	};
	uint32_t seed = 12345;
	int missing = 0;

	df_quiet_begin();
	for (size_t f = 0; files[f] != NULL; f++) {
		size_t len;
		unsigned char *orig = df_load(office.dir, files[f], &len), *d = malloc(len);
		for (int k = 0; k < 40; k++) {
			size_t n = len;
			memcpy(d, orig, len);
			for (int j = 0; j < 8; j++) {
				seed = seed * 1103515245u + 12345u;
				size_t pos = 512 + (seed >> 8) % (len - 512);
				d[pos] = (unsigned char)(seed >> 3);
			}
			if (k % 4 == 3)
				n = len * (size_t)(k + 1) / 44;
			struct df_att a = { "mutant.bin", "application/octet-stream", d, n };
			struct scan_msg *m = df_scan(fx.eng, &a, 1);
			const struct scan_result *r = mt_result(m);
			if (r == NULL || df_part(r, "mutant.bin") == NULL)
				missing++;
			scan_msg_free(m);
		}
		free(d);
		free(orig);
	}
	assert_int_equal(df_quiet_end(), 0);
	assert_int_equal(missing, 0);
}

/* Streams over max_member_bytes are left out: the part says so. */
static void
test_stream_limit(void **state)
{
	struct scan_limits lim = mt_limits();
	lim.max_member_bytes = 2048;
	struct df_fixture small = office;
	small.eng = mt_engine(&lim);
	struct scan_msg *m = df_scan_file(&small, "people.doc");
	const struct scan_part *p = df_expect_unscanned(mt_result(m), "people.doc",
	    "max_member_bytes");

	assert_int_equal(p->counts[FT_EMAIL], 0);
	scan_msg_free(m);
	scan_engine_free(small.eng);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc),
		cmocka_unit_test(test_xls),
		cmocka_unit_test(test_xls_dates),
		cmocka_unit_test(test_ppt),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_ppt_encryption),
		cmocka_unit_test(test_property_streams),
		cmocka_unit_test(test_embedded),
		cmocka_unit_test(test_biff_records),
		cmocka_unit_test(test_truncated_corrupt),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_stream_limit),
	};

	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
