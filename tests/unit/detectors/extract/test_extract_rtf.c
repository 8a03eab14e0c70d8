/*
 * test_extract_rtf.c — RTF attachments through the engine (rtf.c):
 * CP932 \'hh escapes with \ansicpg932 and \fcharset128, \uN escapes, skipped
 * destinations, \bin, trail bytes written literally, truncated, deeply
 * nested and binary RTF.
 */
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
	return df_fixture_setup(state, &fx, "rtf", "application/rtf");
}

/* The list in CP932 escapes (mobiles in full-width digits) and in \uN
 * escapes: 20 addresses, 40 numbers each. */
static void
test_people(void **state)
{
	static const char *const files[] = { "people_932.rtf", "people_u.rtf", NULL };

	for (size_t i = 0; files[i] != NULL; i++) {
		struct scan_msg *m = df_scan_file(&fx, files[i]);
		df_expect_read(mt_result(m), files[i], "text/rtf", "rtf", 20, 40);
		scan_msg_free(m);
	}
}

/* Numbers and addresses in the style sheet, \info, \*\generator and a
 * \pict are not document text. */
static void
test_clean_with_noise(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "clean.rtf");

	df_expect_clean(mt_result(m), "clean.rtf");
	scan_msg_free(m);
}

/* \uc2 with two fallback escapes, a surrogate pair (\uc1), \bin data holding an
 * address, a CP932 lead byte escaped with its trail byte written as is
 * (０ = 82 4F: "\'82O"), \fcharset128 with \ansicpg1252: two addresses
 * (not hidden@) and one number (０９０－１２３４－５６７８). */
static void
test_escapes(void **state)
{
	static const char rtf[] =
	    "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}{\\f1\\fcharset128 Gothic;}}"
	    "\\uc2 \\u12354\\'82\\'a0 {\\uc1 \\u-10179?\\u-8694?} ok\\par "
	    "{\\bin22 hidden@example.jp 1234}visible@example.jp\\par "
	    "{\\f1 \\'82O\\'82X\\'82O\\'81|\\'82P\\'82Q\\'82R\\'82S\\'81|\\'82T\\'82U\\'82V\\'82W}\\par "
	    "{\\f1 \\'82\\'60\\'82\\'61}\\tab last@example.jp\\par}";
	struct scan_msg *m = df_scan_mem(&fx, rtf, sizeof(rtf) - 1, "escapes.rtf");
	const struct scan_result *r = mt_result(m);
	char samples[4][64];

	df_expect_read(r, "escapes.rtf", NULL, NULL, 2, 1);
	assert_int_equal(scan_result_samples(r, FT_PHONE, samples, 4), 1);
	assert_non_null(strstr(samples[0], "5678"));
	scan_msg_free(m);
}

/* A cut RTF (groups left open) next to a text part: the RTF is unscanned,
 * what it held before the cut and the text part are counted. */
static void
test_truncated(void **state)
{
	static const char text[] = "other@example.jp\n";
	size_t len;
	unsigned char *d = df_load(fx.dir, "people_932.rtf", &len);
	struct df_att a[] = {
		{ "cut.rtf", "application/rtf", d, len / 2 },
		{ "note.txt", "text/plain", text, sizeof(text) - 1 },
	};
	struct scan_msg *m = df_scan(fx.eng, a, 2);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_expect_unscanned(r, "cut.rtf", "truncated rtf");

	assert_true(p->counts[FT_EMAIL] > 0);
	assert_true(p->counts[FT_EMAIL] < 20);
	assert_int_equal(df_part(r, "note.txt")->counts[FT_EMAIL], 1);
	assert_int_equal(r->unscanned, 1);
	scan_msg_free(m);
	free(d);
}

/* 100 000 nested groups stop at the depth bound; binary bytes make it
 * corrupt.  Neither crashes; both are unscanned. */
static void
test_deep_and_binary(void **state)
{
	size_t n = 100000, len = 6 + n + 32;
	char *deep = malloc(len);
	memcpy(deep, "{\\rtf1", 6);
	memset(deep + 6, '{', n);
	memcpy(deep + 6 + n, "deep@example.jp", 15);
	len = 6 + n + 15;
	unsigned char bin[4096];
	memcpy(bin, "{\\rtf1 ", 7);
	for (size_t i = 7; i < sizeof(bin); i++)
		bin[i] = (unsigned char)((i * 131) % 256);
	struct df_att a[] = {
		{ "deep.rtf", "application/rtf", deep, len },
		{ "binary.rtf", "application/rtf", bin, sizeof(bin) },
	};
	struct scan_msg *m = df_scan(fx.eng, a, 2);
	const struct scan_result *r = mt_result(m);

	df_expect_unscanned(r, "deep.rtf", "nested deeper");
	df_expect_unscanned(r, "binary.rtf", NULL);
	assert_int_equal(r->unscanned, 2);
	scan_msg_free(m);
	free(deep);
}

/* Mutated and cut copies: always a result, never a word on stdout/stderr. */
static void
test_mutants(void **state)
{
	static const char *const files[] = { "people_932.rtf", "people_u.rtf", NULL };

	df_expect_mutants(&fx, files, 8, 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_people),
		cmocka_unit_test(test_clean_with_noise),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_deep_and_binary),
		cmocka_unit_test(test_mutants),
	};

	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
