/*
 * test_extract_pdf.c — PDF attachments through the engine (pdf.c):
 * Japanese text with an embedded font, embedded files (a text and a PDF),
 * encrypted and owner-password PDFs,
 * a broken cross-reference table, truncated and garbage files, the text
 * limit, and concurrent scans.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detectors/scan.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"

static struct df_fixture fx;

static int
setup(void **state)
{
	return df_fixture_setup(state, &fx, "pdf", "application/pdf");
}

/* 20 addresses, 40 numbers: 20 full-width mobiles and 20 landlines. */
static void
test_people(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "people.pdf");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_expect_read(r, "people.pdf", "application/pdf", "pdf",
	    20, 40);

	assert_false(p->encrypted);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	assert_int_equal(scan_result_count(r, FT_PHONE), 40);
	assert_int_equal(r->encrypted, 0);
	assert_int_equal(r->unscanned, 0);
	scan_msg_free(m);
}

/* A tight table whose cells are drawn one by one, 3 pt apart, with no space
 * character between them: poppler's text layout puts a space where the
 * page has a gap, so the cells do not glue into one number.  (Cells drawn
 * touching, with no gap at all, do glue: "090-1200-560003-3300-7100";
 * the README says so.) */
static void
test_people_table(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "people_table.pdf");

	df_expect_read(mt_result(m), "people_table.pdf", NULL, NULL, 20, 40);
	scan_msg_free(m);
}

static void
test_clean(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "clean.pdf");
	const struct scan_result *r = mt_result(m);

	df_expect_clean(r, "clean.pdf");
	assert_int_equal(r->unscanned + r->encrypted, 0);
	scan_msg_free(m);
}

static void
test_encrypted(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "people_enc.pdf");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_part(r, "people_enc.pdf");

	assert_non_null(p);
	assert_true(p->encrypted);
	assert_int_equal(r->encrypted, 1);
	assert_int_equal(p->counts[FT_EMAIL], 0);
	assert_int_equal(scan_result_count(r, FT_PHONE), 0);
	scan_msg_free(m);
}

/* Files embedded in a PDF are child parts: a text list and a PDF (read
 * after the PDF reader's lock is released); with max_depth 1 they are not
 * opened and the PDF says so. */
static void
test_embedded_files(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "people_attach.pdf");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_part(r, "people_attach.pdf");
	const struct scan_part *txt = df_part(r, "list.txt"), *pdf = df_part(r, "inner.pdf");

	assert_non_null(p);
	assert_null(p->unscanned);
	assert_int_equal(p->counts[FT_EMAIL], 0);
	assert_non_null(txt);
	assert_non_null(pdf);
	assert_int_equal(strncmp(txt->path, p->path, strlen(p->path)), 0);
	assert_int_equal(txt->counts[FT_EMAIL], 20);
	assert_string_equal(pdf->extractor, "pdf");
	assert_int_equal(pdf->counts[FT_PHONE], 40);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	scan_msg_free(m);

	struct scan_limits lim = mt_limits();
	lim.max_depth = 1;
	struct df_fixture shallow = fx;
	shallow.eng = mt_engine(&lim);
	m = df_scan_file(&shallow, "people_attach.pdf");
	r = mt_result(m);
	df_expect_unscanned(r, "people_attach.pdf", "max_depth");
	assert_null(df_part(r, "list.txt"));
	assert_int_equal(scan_result_count(r, FT_EMAIL), 0);
	scan_msg_free(m);
	scan_engine_free(shallow.eng);
}

/* Only an owner password: opens without one, read, not counted encrypted. */
static void
test_owner_password(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "people_owner.pdf");
	const struct scan_part *p = df_expect_read(mt_result(m), "people_owner.pdf", NULL, NULL,
	    20, 40);

	assert_false(p->encrypted);
	scan_msg_free(m);
}

/* Every xref offset wrong: poppler rebuilds the table and the text is read. */
static void
test_broken_xref(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "people_brokenxref.pdf");

	df_expect_read(mt_result(m), "people_brokenxref.pdf", NULL, NULL, 20, 40);
	scan_msg_free(m);
}

/* A truncated and a garbage PDF next to a readable text part: both
 * unscanned with a reason, the text still counted. */
static void
test_truncated_and_garbage(void **state)
{
	static const char text[] = "連絡先 a.b@example.jp 090-1111-2222\n";
	size_t len;
	unsigned char *d = df_load(fx.dir, "people.pdf", &len);
	unsigned char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7919 % 251);
	memcpy(junk, "%PDF-1.4\n", 9);
	struct df_att a[] = {
		{ "cut.pdf", "application/pdf", d, len / 3 },
		{ "junk.pdf", "application/pdf", junk, sizeof(junk) },
		{ "note.txt", "text/plain; charset=utf-8", text, sizeof(text) - 1 },
	};
	struct scan_msg *m = df_scan(fx.eng, a, 3);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *cut = df_expect_unscanned(r, "cut.pdf", "corrupt pdf");

	df_expect_unscanned(r, "junk.pdf", NULL);
	assert_false(cut->encrypted);
	assert_int_equal(r->unscanned, 2);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);
	scan_msg_free(m);
	free(d);
}

/* The file from its last trailer on, behind a header: no objects left. */
static unsigned char *
trailer_only(const char *name, size_t *outlen)
{
	size_t len;
	unsigned char *d = df_load(fx.dir, name, &len), *t = NULL, *b;

	for (size_t i = len - 7; i > 0 && t == NULL; i--)
		if (memcmp(d + i, "trailer", 7) == 0)
			t = d + i;
	assert_non_null(t);
	*outlen = 9 + (size_t)(d + len - t);
	b = malloc(*outlen);
	memcpy(b, "%PDF-1.3\n", 9);
	memcpy(b + 9, t, (size_t)(d + len - t));
	free(d);
	return b;
}

/* Damaged encrypted PDFs: half of one (poppler still finds the encryption
 * and says so), and only the trailer of one (poppler fails on the catalog;
 * the trailer's /Encrypt key makes it encrypted).  The trailer of a plain
 * PDF is merely corrupt. */
static void
test_encrypted_damaged(void **state)
{
	size_t len, elen, plen;
	unsigned char *d = df_load(fx.dir, "people_enc.pdf", &len);
	unsigned char *etr = trailer_only("people_enc.pdf", &elen);
	unsigned char *ptr = trailer_only("people.pdf", &plen);
	size_t off = len / 2;
	unsigned char *half = malloc(len - off + 9);
	memcpy(half, "%PDF-1.3\n", 9);
	memcpy(half + 9, d + off, len - off);
	struct df_att a[] = {
		{ "enc-half.pdf", "application/pdf", half, len - off + 9 },
		{ "enc-trailer.pdf", "application/pdf", etr, elen },
		{ "plain-trailer.pdf", "application/pdf", ptr, plen },
	};
	struct scan_msg *m = df_scan(fx.eng, a, 3);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *h = df_part(r, "enc-half.pdf");
	const struct scan_part *e = df_part(r, "enc-trailer.pdf");
	const struct scan_part *p = df_expect_unscanned(r, "plain-trailer.pdf", "corrupt pdf");

	assert_non_null(h);
	assert_non_null(e);
	assert_true(h->encrypted);
	assert_true(e->encrypted);
	assert_null(e->unscanned);
	assert_false(p->encrypted);
	assert_int_equal(r->encrypted, 2);
	scan_msg_free(m);
	free(half);
	free(etr);
	free(ptr);
	free(d);
}

/* max_text_bytes reached: the part says so, the first page still counts. */
static void
test_text_limit(void **state)
{
	struct scan_limits lim = mt_limits();
	lim.max_text_bytes = 1500;
	struct df_fixture small = fx;
	small.eng = mt_engine(&lim);
	struct scan_msg *m = df_scan_file(&small, "people.pdf");
	const struct scan_part *p = df_expect_unscanned(mt_result(m), "people.pdf",
	    "max_text_bytes");

	assert_true(p->counts[FT_EMAIL] > 0);
	assert_true(p->counts[FT_EMAIL] < 20);
	scan_msg_free(m);
	scan_engine_free(small.eng);
}

/* poppler's complaints about broken PDFs go to GLib's log ("Poppler",
 * level INFO, which GLib's default handler prints on stdout): nothing may
 * reach stdout or stderr, even with G_MESSAGES_DEBUG=all. */
static void
test_quiet(void **state)
{
	size_t len;
	unsigned char *d = df_load(fx.dir, "people.pdf", &len);

	setenv("G_MESSAGES_DEBUG", "all", 1);
	df_quiet_begin();
	scan_msg_free(df_scan_file(&fx, "people_brokenxref.pdf"));
	scan_msg_free(df_scan_mem(&fx, d, len / 2, "cut.pdf"));
	long written = df_quiet_end();
	unsetenv("G_MESSAGES_DEBUG");
	free(d);
	assert_int_equal(written, 0);
}

static void *
scan_thread(void *arg)
{
	int *ok = arg;

	for (int i = 0; i < 5; i++) {
		struct scan_msg *m = df_scan_file(&fx, i % 2 ? "people.pdf" : "people_brokenxref.pdf");
		const struct scan_result *r = mt_result(m);
		if (scan_result_count(r, FT_EMAIL) != 20 || scan_result_count(r, FT_PHONE) != 40)
			*ok = 0;
		scan_msg_free(m);
	}
	return NULL;
}

/* Four threads share the engine and read PDFs at the same time (no lock:
 * pdf.c makes poppler's globals once; test_pdf_threads.c compares). */
static void
test_threads(void **state)
{
	pthread_t th[4];
	int ok[4];

	for (int i = 0; i < 4; i++) {
		ok[i] = 1;
		assert_int_equal(pthread_create(&th[i], NULL, scan_thread, &ok[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(ok[i], 1);
	}
}

/* Mutated and cut copies: always a result, never a word on stdout/stderr. */
static void
test_mutants(void **state)
{
	static const char *const files[] = { "people.pdf", "people_plain.pdf", "people_enc.pdf", NULL };

	df_expect_mutants(&fx, files, 16, 40);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_people),
		cmocka_unit_test(test_people_table),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_embedded_files),
		cmocka_unit_test(test_owner_password),
		cmocka_unit_test(test_broken_xref),
		cmocka_unit_test(test_truncated_and_garbage),
		cmocka_unit_test(test_encrypted_damaged),
		cmocka_unit_test(test_text_limit),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_mutants),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
