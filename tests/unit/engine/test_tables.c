/*
 * test_tables.c — tables give context to their cells, through the whole
 * engine: a table in a plain-text body (tabs, then full-width spaces), a
 * CSV attachment with quoted cells, an HTML table with paragraphs in its
 * cells, and the fixtures of make_docs.py's tables group (an .xlsx whose
 * header is its third row, with date cells, numbers that lost their 0 and a
 * form sheet of one digit per cell; the same list as .ods and as a .docx
 * table); masked samples in the JSON; and the clean tables — a budget, a
 * schedule, an order list — that must find nothing.
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

#define TOP "From: a@example.go.jp\r\nTo: b@example.com\r\nSubject: list\r\nMIME-Version: 1.0\r\n"

static struct df_fixture fx;

static int
setup(void **state)
{
	return df_fixture_setup(state, &fx, "tables", "application/octet-stream");
}

/* Counts of the five kinds in r. */
static void
expect_counts(const struct scan_result *r, size_t phone, size_t birth, size_t bank,
    size_t postal, size_t mynum)
{
	assert_int_equal(scan_result_count(r, FT_PHONE), phone);
	assert_int_equal(scan_result_count(r, FT_BIRTH_DATE), birth);
	assert_int_equal(scan_result_count(r, FT_BANK_ACCOUNT), bank);
	assert_int_equal(scan_result_count(r, FT_POSTAL_ADDRESS), postal);
	assert_int_equal(scan_result_count(r, FT_MY_NUMBER), mynum);
}

static void
test_body_tables(void **state)
{
	struct scan_msg *m = mt_scan_str(fx.eng, TOP
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "関係者各位\r\n\r\n名簿を送ります。\r\n\r\n"
	    "氏名\t生年月日\t携帯\t住所\r\n"
	    "山田\t1967年1月2日\t9012345601\t千代田区永田町1-6-1\r\n"
	    "佐藤\tS45.2.3\t90-1234-5602\t横浜市中区本町6-50-10\r\n\r\n"
	    "氏名　　生年月日　　口座番号\r\n"
	    "鈴木　　昭和50年3月4日　　1234563\r\n\r\n以上\r\n");

	expect_counts(mt_result(m), 2, 3, 1, 2, 0);
	scan_msg_free(m);
}

static void
test_csv_attachment(void **state)
{
	const char *csv = "\"No\",\"氏名\",\"住所\",\"携帯電話\",\"生年月日\"\r\n"
	    "1,\"山田, 太郎\",\"千代田区永田町1-6-1, 3階\",9012345601,19670102\r\n"
	    "2,\"佐藤, 花子\",\"横浜市中区本町6-50-10\",8012345602,1970/2/3\r\n";
	struct scan_msg *m = df_scan_mem(&fx, csv, strlen(csv), "名簿.csv");
	const struct scan_result *r = mt_result(m);

	expect_counts(r, 2, 2, 0, 2, 0);
	assert_int_equal(df_part(r, "名簿.csv")->counts[FT_PHONE], 2);
	scan_msg_free(m);
}

static void
test_html_table(void **state)
{
	struct scan_msg *m = mt_scan_str(fx.eng, TOP
	    "Content-Type: text/html; charset=utf-8\r\n\r\n"
	    "<html><body><p>名簿です。</p><table>"
	    "<tr><th>氏名</th><th><p>生年月日</p></th><th>電話番号</th><th></th><th></th></tr>"
	    "<tr><td><p>山田</p><p>太郎</p></td><td>1967/1/2</td>"
	    "<td>090</td><td>1234</td><td>5601</td></tr>"
	    "<tr><td>佐藤<br>花子</td><td><div>1970/2/3</div></td>"
	    "<td>3</td><td>1234</td><td>5602</td></tr>"
	    "</table></body></html>\r\n");

	expect_counts(mt_result(m), 2, 2, 0, 0, 0);
	scan_msg_free(m);
}

static void
test_xlsx_ods_docx(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "tables.xlsx");
	const struct scan_result *r = mt_result(m);

	/* 5 mobiles + the form's 090-9876-5432, 5 date cells (serials),
	 * 5 accounts, 5 addresses without a code, the form's My Number
	 * written one digit per cell */
	expect_counts(r, 6, 5, 5, 5, 1);
	assert_string_equal(df_part(r, "tables.xlsx")->extractor, "xlsx");
	scan_msg_free(m);

	m = df_scan_file(&fx, "tables.ods");
	expect_counts(mt_result(m), 5, 5, 5, 5, 0);
	scan_msg_free(m);

	m = df_scan_file(&fx, "tables.docx");
	expect_counts(mt_result(m), 5, 5, 5, 5, 0);
	scan_msg_free(m);
}

static void
test_masked_samples(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "tables.xlsx");
	const struct scan_result *r = mt_result(m);
	json_t *fs = result_json_findings_samples(r, 5);
	char *dump = json_dumps(fs, 0);
	char samples[5][64];

	assert_int_equal(scan_result_samples(r, FT_POSTAL_ADDRESS, samples, 5), 5);
	assert_string_equal(samples[0], "千代田区***");
	assert_int_equal(scan_result_samples(r, FT_PHONE, samples, 1), 1);
	assert_string_equal(samples[0], "090-****-5601");
	/* nothing in full leaves the process */
	assert_null(strstr(dump, "永田町"));
	assert_null(strstr(dump, "09012345601"));
	assert_null(strstr(dump, "1967-01-02"));
	assert_null(strstr(dump, "1234561"));
	free(dump);
	json_decref(fs);
	scan_msg_free(m);
}

static void
test_clean_tables(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "clean_tables.xlsx");

	df_expect_clean(mt_result(m), "clean_tables.xlsx");
	scan_msg_free(m);
	m = mt_scan_str(fx.eng, TOP "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "令和6年度 予算執行状況\r\n\r\n費目\t年度\t予算額\t執行額\tページ\r\n"
	    "通信運搬費\t2024\t1234567\t7654321\t12\r\n電話料\t2024\t9012345\t312345678\t13\r\n\r\n"
	    "日付,件名,場所\r\n2024/4/1,入庁式,講堂\r\n1967/1/2,記念式典,本館\r\n\r\n"
	    "注文番号　　品名　　金額\r\n1234567　　用紙　　5000\r\n\r\n"
	    "ご連絡は電話, メールのどちらでも構いません。\r\n");
	for (int t = 0; t < FT_COUNT; t++)
		assert_int_equal(scan_result_count(mt_result(m), (enum finding_type)t), 0);
	scan_msg_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_tables),
		cmocka_unit_test(test_csv_attachment),
		cmocka_unit_test(test_html_table),
		cmocka_unit_test(test_xlsx_ods_docx),
		cmocka_unit_test(test_masked_samples),
		cmocka_unit_test(test_clean_tables),
	};

	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
