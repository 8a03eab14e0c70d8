/*
 * test_table.c — tables give context to their cells (detect/table.c),
 * through the whole text pipeline: header columns in tab, comma, '|' and
 * space tables inside a body, the 0 a spreadsheet dropped, Excel date
 * serials, addresses without a postcode, values split over cells, one
 * character per cell beside a label, and the clean tables that must stay
 * clean (budgets, schedules, order lists, prose with commas).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/detector.h"
#include "detect/table_cells.h"
#include "detect/table_int.h"
#include "tests/unit/lib/scan_expect.h"

static void test_birth_column_in_body(void **state)
{
	const char *body = "お世話になります。\n以下の通りです。\n\n"
	    "氏名\t生年月日\t備考\n山田\t1967年1月2日\t\n鈴木\t1967/1/3\t\n"
	    "佐藤\tS42.1.4\t\n田中\t昭和42年1月5日\t\n高橋\t19670106\t\n\nよろしくお願いします。\n";

	se_expect(body, FT_BIRTH_DATE, "1967-01-02", "1967-01-03", "1967-01-04", "1967-01-05",
	    "1967-01-06", NULL);
	/* the same dates without the header are no birth dates */
	se_expect("山田\t1967年1月2日\n鈴木\t1967/1/3\n", FT_BIRTH_DATE, NULL);
}

static void test_excel_serial_dates(void **state)
{
	/* an .xlsx date cell is a serial: 24474 is 1967-01-02 */
	se_expect("職員名簿\n氏名\t生年月日\n山田\t24474\n鈴木\t24475\n", FT_BIRTH_DATE,
	    "1967-01-02", "1967-01-03", NULL);
	se_expect("氏名\t年齢\n山田\t24474\n", FT_BIRTH_DATE, NULL);
	se_expect("氏名\t生年月日\n山田\t1967\n", FT_BIRTH_DATE, NULL);	/* a year alone */
}

static void test_phone_column_restores_zero(void **state)
{
	se_expect("氏名\t携帯\n山田\t9012345678\n鈴木\t90-1234-5679\n佐藤\t312345678\n",
	    FT_PHONE, "09012345678", "09012345679", "0312345678", NULL);
	se_expect("No,氏名,電話番号（自宅）\n1,山田,312345678\n", FT_PHONE, "0312345678", NULL);
	/* no phone header: a bare number stays a number */
	se_expect("氏名\t番号\n山田\t9012345678\n", FT_PHONE, NULL);
	/* not a phone even with its 0 back */
	se_expect("氏名\t電話\n山田\t1234567\n鈴木\t20123456789\n", FT_PHONE, NULL);
}

static void test_csv_quotes(void **state)
{
	const char *csv = "\"氏名, 漢字\",\"住所\",\"電話\"\r\n"
	    "\"山田, 太郎\",\"千代田区永田町1-6-1, 3階\",\"9012345678\"\r\n";

	se_expect(csv, FT_PHONE, "09012345678", NULL);
	se_expect(csv, FT_POSTAL_ADDRESS, "千代田区永田町1-6-1, 3階", NULL);
}

static void test_bank_and_postal_columns(void **state)
{
	se_expect("氏名\t銀行\t口座番号\n山田\tみずほ\t1234567\n鈴木\tりそな\t7654321\n",
	    FT_BANK_ACCOUNT, "1234567", "7654321", NULL);
	se_expect("名簿\n\n氏名\t住所\n山田\t横浜市中区本町6-50-10\n鈴木\t東京都千代田区\n"
	    "佐藤\t区分2\n", FT_POSTAL_ADDRESS, "横浜市中区本町6-50-10", NULL);
	/* the postcode column goes with the address */
	se_expect("氏名\t郵便番号\t住所\n山田\t100-8914\t東京都千代田区永田町1-6-1\n",
	    FT_POSTAL_ADDRESS, "100-8914 東京都千代田区永田町1-6-1", NULL);
	/* a mail column is not an address column */
	se_expect("氏名\tE-mail address\n山田\t港区芝公園4-2-8\n", FT_POSTAL_ADDRESS, NULL);
}

static void test_other_separators(void **state)
{
	se_expect("| 氏名 | 携帯 |\n|---|---|\n| 山田 | 9012345678 |\n", FT_PHONE, "09012345678",
	    NULL);
	se_expect("氏名　　生年月日　　携帯\n山田 太郎　　1967/1/2　　9012345678\n", FT_BIRTH_DATE,
	    "1967-01-02", NULL);
	se_expect("氏名　生年月日　携帯\n山田　1967/1/2　9012345678\n", FT_PHONE, "09012345678",
	    NULL);
	/* spaces: a row must have as many cells as the header */
	se_expect("氏名 携帯\n山田 太郎 9012345678\n", FT_PHONE, NULL);
	se_expect("Name,DOB,Mobile\nTaro,1967-01-02,90-1234-5678\n", FT_PHONE, "09012345678", NULL);
	se_expect("Name,DOB,Mobile\nTaro,1967-01-02,90-1234-5678\n", FT_BIRTH_DATE, "1967-01-02",
	    NULL);
}

static void test_split_cells(void **state)
{
	/* under one (merged) header */
	se_expect("氏名\t電話番号\t\t\n山田\t090\t1234\t5678\n", FT_PHONE, "09012345678", NULL);
	/* after a label */
	se_expect("電話\t090\t1234\t5678\n", FT_PHONE, "09012345678", NULL);
	se_expect("連絡先\t\t電話\t0\t9\t0\t1\t2\t3\t4\t5\t6\t7\t8\n", FT_PHONE, "09012345678",
	    NULL);
	se_expect("個人番号\t1\t2\t3\t4\t5\t6\t7\t8\t9\t0\t1\t8\n", FT_MY_NUMBER, "123456789018",
	    NULL);
	se_expect("個人番号,1234,5678,9018\n", FT_MY_NUMBER, "123456789018", NULL);
	/* the check digit still applies */
	se_expect("個人番号\t1\t2\t3\t4\t5\t6\t7\t8\t9\t0\t1\t9\n", FT_MY_NUMBER, NULL);
	se_expect("生年月日\t1967年\t1月\t2日\n", FT_BIRTH_DATE, "1967-01-02", NULL);
	se_expect("住所\t〒100-8914\t東京都千代田区永田町1-6-1\n", FT_POSTAL_ADDRESS,
	    "100-8914 東京都千代田区永田町1-6-1", NULL);
	/* two whole numbers in a merged group: each counts */
	se_expect("氏名\t電話\t\n山田\t03-1234-5678\t090-1234-5678\n", FT_PHONE, "0312345678",
	    "09012345678", NULL);
}

/* A data row that is also a candidate line (an anchor in it) is read as a
 * row of its table and, when it holds a label, for its labels too; one
 * whose anchor is only in prose is read once, as a row. */
static void test_labels_in_data_rows(void **state)
{
	const char *body = "氏名\t住所\t電話\t備考\n"
	    "山田\t港区芝公園4-2-8\t312345678\t生年月日\t1967年\t1月\t2日\n"
	    "鈴木\t港区芝公園4-2-9\t312345679\t住所は変更の予定があります\n"
	    "佐藤\t港区芝公園4-2-7\t312345670\t生まれは東京です\n";

	se_expect(body, FT_BIRTH_DATE, "1967-01-02", NULL);
	se_expect(body, FT_PHONE, "0312345678", "0312345679", "0312345670", NULL);
}

/* The candidate lines (table_lines.c) are the lines holding an anchor:
 * random lines of the anchors' characters, characters sharing their
 * bytes and others, against a plain search for every anchor. */
static void test_candidate_lines(void **state)
{
	static const char *const anchors[] = {
		"生", "話", "携", "住", "所在", "郵", "口座", "個", "マイナ", "旅券", "パスポ",
		"保険", "年金", "免許", "在留", "氏名", "名前",
	};
	static const char *const pool[] = {
		"生", "話", "携", "住", "所", "在", "郵", "口", "座", "個", "マ", "イ", "ナ", "旅",
		"券", "パ", "ス", "ポ", "保", "険", "年", "金", "免", "許", "留", "氏", "名", "前",
		"の", "は", "日", "本", "語", "ー", "。", "性", "活", "託", "住", "戸", "銀", "a",
		"1", " ", "\n", "\n",
	};
	uint64_t rng = 0x2545F4914F6CDD1DULL;

	for (int round = 0; round < 3000; round++) {
		char *t = malloc(1024);
		size_t len = 0, want, k = 0, ls = 0;
		struct tb tb = { 0 };

		assert_non_null(t);
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		want = (size_t)(rng % 900);
		while (len < want) {
			const char *c;

			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			c = pool[rng % (sizeof(pool) / sizeof(pool[0]))];
			memcpy(t + len, c, strlen(c));
			len += strlen(c);
		}
		tb.t = t;
		tb.len = len;
		tb_candidates(&tb);
		assert_false(tb.err);
		for (size_t i = 0; i <= len; i++) {
			size_t le;
			int hit = 0;

			if (i < len && t[i] != '\n')
				continue;
			le = i;
			for (size_t a = 0; a < sizeof(anchors) / sizeof(anchors[0]) && !hit; a++) {
				size_t al = strlen(anchors[a]);

				for (size_t q = ls; q + al <= le && !hit; q++)
					hit = memcmp(t + q, anchors[a], al) == 0;
			}
			if (hit) {
				if (k >= tb.ncand || tb.cand[k] != ls)
					fail_msg("round %d: the line at %zu not a candidate", round, ls);
				k++;
			} else if (k < tb.ncand && tb.cand[k] == ls) {
				fail_msg("round %d: the line at %zu a candidate", round, ls);
			}
			ls = i + 1;
		}
		assert_int_equal(k, tb.ncand);
		free(tb.cand);
		free(t);
	}
}

static void test_keyword_cells(void **state)
{
	/* a cost or a date about the keyword names nothing */
	se_expect("項目\t電話料\n4月\t312345678\n", FT_PHONE, NULL);
	se_expect("氏名\t住所変更日\n山田\t港区芝公園4-2-8\n", FT_POSTAL_ADDRESS, NULL);
	se_expect("氏名\t口座名義\t口座番号\n山田\tヤマダ\t1234567\n", FT_BANK_ACCOUNT, "1234567",
	    NULL);
	se_expect("氏名\t携帯電話番号\n山田\t9012345678\n", FT_PHONE, "09012345678", NULL);
	se_expect("Name\tPhone No.\nTaro\t9012345678\n", FT_PHONE, "09012345678", NULL);
	se_expect("name,phone,mail\nTaro,9012345678,t@example.jp\n", FT_PHONE, "09012345678",
	    NULL);
}

static void test_clean_tables(void **state)
{
	se_clean("令和6年度 予算執行状況\n\n費目\t年度\t予算額\t執行額\tページ\n"
	    "通信運搬費\t2024\t1234567\t7654321\t12\n"
	    "電話料\t2024\t9012345\t312345678\t13\n"
	    "旅費\t2023\t2345678\t1234567\t14\n");
	se_clean("日付,件名,場所\n2024/4/1,入庁式,講堂\n1967/1/2,記念式典,本館\n"
	    "2024/5/7,定例会議,第三会議室\n");
	se_clean("注文番号\t品名\t数量\t金額\n1234567\t用紙\t10\t5000\n7654321\tトナー\t2\t18000\n");
	se_clean("ご連絡は電話, メールのどちらでも構いません。\n"
	    "9012345678, 1234567 は注文番号です。\n");
	se_clean("| 会議 | 日時 | 場所 |\n| 定例 | 2024/4/1 | 本館 |\n");
}

/* tbc_is_piece's byte table is the predicate it replaced (digits and
 * strchr("-+()", c), the NUL matching too), on every byte, alone and
 * after a digit; an empty cell is no piece. */
static void test_piece_bytes(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		char one[2] = { (char)c, '1' };
		int want = (c >= '0' && c <= '9') || strchr("-+()", c) != NULL;

		assert_int_equal(tbc_is_piece(one, 0, 1), want);
		assert_int_equal(tbc_is_piece(one, 0, 2), want);
	}
	assert_int_equal(tbc_is_piece("1", 0, 0), 0);
	assert_int_equal(tbc_is_piece("(03)1234-5678", 0, 13), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_birth_column_in_body),
		cmocka_unit_test(test_excel_serial_dates),
		cmocka_unit_test(test_phone_column_restores_zero),
		cmocka_unit_test(test_csv_quotes),
		cmocka_unit_test(test_bank_and_postal_columns),
		cmocka_unit_test(test_other_separators),
		cmocka_unit_test(test_split_cells),
		cmocka_unit_test(test_labels_in_data_rows),
		cmocka_unit_test(test_candidate_lines),
		cmocka_unit_test(test_keyword_cells),
		cmocka_unit_test(test_clean_tables),
		cmocka_unit_test(test_piece_bytes),
	};

	return cmocka_run_group_tests(tests, se_setup, se_teardown);
}
