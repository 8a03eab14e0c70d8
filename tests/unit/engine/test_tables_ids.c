/*
 * test_tables_ids.c — issue 14's table columns through the whole engine,
 * on the fixtures of make_docs.py's tables14 group: an .xlsx whose header
 * (its third row, under a title) names 旅券番号, 基礎年金番号, 運転免許証番号,
 * 在留カード番号, 保険者番号 | 記号 | 番号, 銀行名 | 支店名 | 口座番号 and a
 * 生年月日 merged over 元号 | 年 | 月 | 日, with five people's lone surnames
 * in its 氏名 column; the same people's era dates in a .docx table under a
 * merged header; and a clean .xlsx of budgets (年度 and 年 | 月 | 日
 * columns), page numbers, departments and 法人番号.  Counts, masked
 * samples, and nothing in full in the JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "detectors/result_json.h"
#include "detectors/scan.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"

static struct df_fixture fx;

static int
setup(void **state)
{
	return df_fixture_setup(state, &fx, "tables14", "application/octet-stream");
}

static void
expect_sample(const struct scan_result *r, enum finding_type t, const char *want)
{
	char samples[1][64];

	assert_int_equal(scan_result_samples(r, t, samples, 1), 1);
	assert_string_equal(samples[0], want);
}

static void
test_xlsx_identifier_columns(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "ids.xlsx");
	const struct scan_result *r = mt_result(m);
	json_t *fs = result_json_findings_samples(r, 5);
	char *dump = json_dumps(fs, 0);

	(void)state;
	assert_int_equal(scan_result_count(r, FT_PASSPORT), 5);
	assert_int_equal(scan_result_count(r, FT_PENSION_NUMBER), 5);
	assert_int_equal(scan_result_count(r, FT_DRIVERS_LICENSE), 5);
	assert_int_equal(scan_result_count(r, FT_RESIDENCE_CARD), 5);
	assert_int_equal(scan_result_count(r, FT_HEALTH_INSURANCE), 5);
	assert_int_equal(scan_result_count(r, FT_BANK_ACCOUNT), 5);
	assert_int_equal(scan_result_count(r, FT_BIRTH_DATE), 5);	/* 昭和 | 43 | 2 | 3 … */
	assert_int_equal(scan_result_count(r, FT_NAMES), 5);		/* 佐藤, 鈴木 … alone */
	assert_int_equal(scan_result_count(r, FT_MY_NUMBER), 0);
	assert_int_equal(scan_result_count(r, FT_PHONE), 0);
	expect_sample(r, FT_PASSPORT, "TK*****61");
	expect_sample(r, FT_PENSION_NUMBER, "****-**7801");
	expect_sample(r, FT_HEALTH_INSURANCE, "01130012/***/***");
	expect_sample(r, FT_BIRTH_DATE, "1968-**-**");
	expect_sample(r, FT_NAMES, "** **");
	assert_string_equal(df_part(r, "ids.xlsx")->extractor, "xlsx");
	/* nothing in full leaves the process */
	assert_null(strstr(dump, "TK1234561"));
	assert_null(strstr(dump, "1234-567801"));
	assert_null(strstr(dump, "AB12345671CD"));
	assert_null(strstr(dump, "1968-02-03"));
	assert_null(strstr(dump, "佐藤"));
	free(dump);
	json_decref(fs);
	scan_msg_free(m);
}

static void
test_docx_era_dates(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "ids.docx");
	const struct scan_result *r = mt_result(m);

	(void)state;
	assert_int_equal(scan_result_count(r, FT_BIRTH_DATE), 5);
	assert_int_equal(scan_result_count(r, FT_NAMES), 5);
	expect_sample(r, FT_BIRTH_DATE, "1968-**-**");
	scan_msg_free(m);
}

static void
test_clean(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "clean14.xlsx");

	(void)state;
	df_expect_clean(mt_result(m), "clean14.xlsx");
	scan_msg_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xlsx_identifier_columns),
		cmocka_unit_test(test_docx_era_dates),
		cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
