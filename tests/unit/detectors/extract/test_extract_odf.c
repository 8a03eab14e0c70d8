/*
 * test_extract_odf.c — .odt/.ods/.odp through the whole engine (counts per
 * part and per message), their text layout through the extractor itself,
 * encryption, and broken packages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract/extract.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"
#include "tests/unit/lib/zipx_util.h"

#define BODY "添付を確認してください。連絡先 office.desk@kaisha-honbu.co.jp"
#define T_ODT "application/vnd.oasis.opendocument.text"
#define T_ODS "application/vnd.oasis.opendocument.spreadsheet"
#define T_ODP "application/vnd.oasis.opendocument.presentation"

extern const struct extractor extract_odt, extract_ods, extract_odp;

static void
check_people(const char *fixture, const char *detected, const char *extractor,
    unsigned emails, unsigned phones)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, "", fixture, NULL, NULL);

	zt_expect_read(mt_result(m), detected, extractor, emails, phones);
	scan_msg_free(m);
	scan_engine_free(eng);
}

/* Body, heading, table, page header and footer (styles.xml), footnote,
 * comment, and items split by text:s, text:tab and text:line-break. */
static void
test_odt_people(void **state)
{
	check_people("people.odt", T_ODT, "odt", 20, 40);
}

/* Two sheets, string and number cells, repeated empty cells and rows. */
static void
test_ods_people(void **state)
{
	check_people("people.ods", T_ODS, "ods", 20, 40);
}

/* Two slides and the notes of the first. */
static void
test_odp_people(void **state)
{
	check_people("people.odp", T_ODP, "odp", 20, 40);
}

static void
test_odf_clean(void **state)
{
	check_people("clean.odt", T_ODT, "odt", 0, 0);
	check_people("clean.ods", T_ODS, "ods", 0, 0);
	check_people("clean.odp", T_ODP, "odp", 0, 0);
}

static char *
text_of(const struct extractor *ex, const char *fixture)
{
	size_t len;
	unsigned char *data = zt_load(fixture, &len);
	char *why, *text;
	bool enc;

	text = zt_extract_text(ex, NULL, data, len, &why, &enc);
	assert_null(why);
	assert_false(enc);
	free(data);
	if (getenv("ZT_DEBUG"))
		fprintf(stderr, "%s\n", text);
	return text;
}

/* Sheets: the header row first, cells tab-separated with the repeated
 * gap kept (bounded), a repeated cell's value once, trailing empty cells
 * and the million repeated empty rows dropped, sheets between form feeds. */
static void
test_ods_layout(void **state)
{
	char *text = text_of(&extract_ods, "people.ods");

	assert_memory_equal(text, "氏名\t携帯電話\t固定電話\tメールアドレス\t\t\t\t1001\n",
	    strlen("氏名\t携帯電話\t固定電話\tメールアドレス\t\t\t\t1001\n"));
	assert_non_null(strstr(text, "\n\f氏名\t携帯電話\t固定電話\tメールアドレス\t\t\t\t1001\n"
	    "加藤 誠\t090-3270-5510\t03-4330-6430\tkato.11@kaisha-meibo.co.jp\t\t\t\t1002\n"));
	assert_true(strlen(text) < 4000);
	free(text);
}

/* Text: spaces, tabs and line breaks in place; the table between form
 * feeds; the note citation and the comment's author left out. */
static void
test_odt_layout(void **state)
{
	char *text = text_of(&extract_odt, "people.odt");

	assert_non_null(strstr(text, "清水 悟   090-3406-5758\t03-4514-6534\n"
	    "shimizu.19@kaisha-meibo.co.jp\n"));
	assert_non_null(strstr(text, "\f氏名\t携帯電話\t固定電話\tメールアドレス\n"));
	assert_non_null(strstr(text, "脚注つき 井上 隆"));	/* no citation "1" glued */
	assert_null(strstr(text, "監査"));
	assert_non_null(strstr(text, "加藤 誠 携帯"));	/* page header, styles.xml */
	free(text);
}

/* A password-protected .odt: counted encrypted, not read. */
static void
test_odt_encrypted(void **state)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, BODY, "encrypted.odt", NULL, NULL);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "2");

	zt_dump(r);
	assert_true(p->encrypted);
	assert_string_equal(p->filename, "encrypted.odt");
	assert_int_equal(r->encrypted, 1);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
	assert_int_equal(scan_result_count(r, FT_PHONE), 0);
	scan_msg_free(m);
	scan_engine_free(eng);
}

/* Truncated, corrupt and damaged packages: unscanned (libzip's reason, or
 * libxml2's for bytes that inflate to garbage), no crash, and the body of
 * the same message still counts. */
static void
test_odf_broken(void **state)
{
	static const char *const files[] = {
		"truncated.odt", "corrupt.odt", "damaged.odt", "truncated.ods", "corrupt.ods",
		"damaged.ods", "truncated.odp", "corrupt.odp", "damaged.odp", NULL
	};

	zt_expect_broken(BODY, files, "XML error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odt_people),
		cmocka_unit_test(test_ods_people),
		cmocka_unit_test(test_odp_people),
		cmocka_unit_test(test_odf_clean),
		cmocka_unit_test(test_ods_layout),
		cmocka_unit_test(test_odt_layout),
		cmocka_unit_test(test_odt_encrypted),
		cmocka_unit_test(test_odf_broken),
	};

	return cmocka_run_group_tests(tests, zt_setup, zt_teardown);
}
