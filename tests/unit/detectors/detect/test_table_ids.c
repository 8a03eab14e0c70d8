/*
 * test_table_ids.c — the table pass (detect/table.c) for issue 14's
 * identifier columns (passport, pension, licence, residence card, health
 * insurance card, bank account), birth dates split over cells in era
 * form (table_dates.c), and lone surnames and kana names of a 氏名 column
 * (table_names.c); with the tables that must stay clean (budgets with
 * 年度 columns, page numbers, department lists, a 法人番号 column).
 * Each table stands after a greeting, and its later rows far from the
 * header (a 備考 column of prose), so that what counts is the column's
 * header, not a keyword near the value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/detector.h"
#include "tests/unit/lib/scan_expect.h"

/* A remark long enough that a row's value lies beyond every detector's
 * keyword window from the header (100 characters). */
#define FAR "本件については先日の打合せでご説明したとおりで、追って担当者から詳細をご連絡いたしますので、よろしくお願いいたします。"

static void test_passport_column(void **state)
{
	se_expect("お世話になります。\n\n氏名\t旅券番号\t備考\n山田 太郎\tTK1234567\t" FAR "\n"
	    "鈴木 一郎\tTR7654321\t" FAR "\n佐藤 花子\ttz 2345678\t" FAR "\n"
	    "高橋 美咲\t未取得\t" FAR "\n田中 進\tTK123456\t" FAR "\n", FT_PASSPORT,
	    "TK1234567", "TR7654321", "TZ2345678", NULL);
	se_expect("メンバー一覧\n\nName,Passport No.,Remarks\nTaro,TK1234567," FAR "\n"
	    "Jiro,TR7654321," FAR "\n", FT_PASSPORT, "TK1234567", "TR7654321", NULL);
	/* the same numbers under a product-code header: none */
	se_expect("お世話になります。\n\n品名\t品番\t備考\n用紙\tTK1234567\t" FAR "\n", FT_PASSPORT, NULL);
}

static void test_pension_licence_residence(void **state)
{
	se_expect("各位\n\n氏名\t基礎年金番号\t備考\n山田\t1234-567890\t" FAR "\n"
	    "鈴木\t2345678901\t" FAR "\n佐藤\t12345-67890\t" FAR "\n", FT_PENSION_NUMBER,
	    "1234567890", "2345678901", NULL);
	se_expect("各位\n\nName\tPension No.\tRemarks\nTaro\t1234-567890\t" FAR "\n"
	    "Jiro\t2345-678901\t" FAR "\n", FT_PENSION_NUMBER, "1234567890", "2345678901",
	    NULL);
	/* the licence's check digit decides: 309012345621 has a wrong one */
	se_expect("各位\n\n氏名\t運転免許証番号\t備考\n山田\t309012345620\t" FAR "\n"
	    "鈴木\t450598765400\t" FAR "\n佐藤\t309012345630\t" FAR "\n", FT_DRIVERS_LICENSE,
	    "309012345620", "450598765400", NULL);
	se_expect("各位\n\nName,Driver's licence No.,Remarks\nTaro,970123456780," FAR "\n",
	    FT_DRIVERS_LICENSE, "970123456780", NULL);
	se_expect("各位\n\n氏名\t在留カード番号\t備考\n山田\tAB12345678CD\t" FAR "\n"
	    "鈴木\tEF87654321GH\t" FAR "\n佐藤\tAB1234567CD\t" FAR "\n", FT_RESIDENCE_CARD,
	    "AB12345678CD", "EF87654321GH", NULL);
	se_expect("各位\n\n| Name | Residence card No. |\n| Taro | AB12345678CD |\n",
	    FT_RESIDENCE_CARD, "AB12345678CD", NULL);
	/* split over cells: a form's label, a merged header */
	se_expect("届出\n運転免許証番号\t3090\t1234\t5620\n", FT_DRIVERS_LICENSE, "309012345620",
	    NULL);
	se_expect("各位\n\n氏名\t基礎年金番号\t\t備考\n山田\t1234\t567890\t" FAR "\n",
	    FT_PENSION_NUMBER, "1234567890", NULL);
}

static void test_insurance_and_bank_columns(void **state)
{
	se_expect("各位\n\n氏名\t保険者番号\t記号\t番号\t備考\n山田\t01130012\t1234\t56\t" FAR "\n"
	    "鈴木\t06139992\t健保東\t123\t" FAR "\n佐藤\t01130013\t1234\t57\t" FAR "\n",
	    FT_HEALTH_INSURANCE, "01130012/1234/56", "06139992/健保東/123", NULL);
	se_expect("各位\n\n氏名,保険者番号,記号・番号,備考\n山田,01270016,1234・56," FAR "\n",
	    FT_HEALTH_INSURANCE, "01270016/1234/56", NULL);
	se_expect("各位\n\n氏名\t保険者番号\t被保険者証記号\t被保険者番号\n山田\t01130012\t1234\t56\n",
	    FT_HEALTH_INSURANCE, "01130012/1234/56", NULL);
	/* the insurer alone names an insurer */
	se_expect("各位\n\n支部\t保険者番号\n東京\t01130012\n", FT_HEALTH_INSURANCE, NULL);
	se_expect("振込先一覧\n\n氏名\t銀行名\t支店名\t種別\t口座番号\t備考\n山田\tみずほ\t新宿\t普通\t"
	    "1234567\t" FAR "\n鈴木\tりそな\t渋谷\t当座\t7654321\t" FAR "\n佐藤\tりそな\t渋谷\t"
	    "普通\t123456\t" FAR "\n", FT_BANK_ACCOUNT, "1234567", "7654321", NULL);
}

static void test_corporate_number_column(void **state)
{
	/* 1123456789018: its last 12 digits are a valid My Number */
	se_expect("取引先一覧\n\n法人名\t法人番号\t所在地\n株式会社A\t1123456789018\t東京都\n",
	    FT_MY_NUMBER, NULL);
	se_expect("取引先一覧\n\n法人番号\tマイナンバー\n1123456789018\t123456789018\n",
	    FT_MY_NUMBER, "123456789018", NULL);
	se_expect("取引先一覧\n\n法人番号\t個人番号\n1123456789018\t\n", FT_MY_NUMBER, NULL);
}

static void test_split_era_dates(void **state)
{
	const char *merged = "職員名簿\n\n氏名\t生年月日\t\t\t\t備考\n\t元号\t年\t月\t日\t\n"
	    "山田\t昭和\t42\t1\t2\t" FAR "\n鈴木\t平成\t元\t5\t3\t" FAR "\n"
	    "佐藤\t昭和\t65\t1\t2\t" FAR "\n";

	se_expect(merged, FT_BIRTH_DATE, "1967-01-02", "1989-05-03", NULL);
	se_expect("職員名簿\n\n氏名,生年月日,,,備考\n,年,月,日,\n山田,1967,1,2," FAR "\n"
	    "鈴木,1970年,12月,31日," FAR "\n", FT_BIRTH_DATE, "1967-01-02", "1970-12-31", NULL);
	se_expect("職員名簿\n\n氏名\t生年月日\t\t\n山田\tS42\t1\t2\n鈴木\t昭和42年\t1月\t3日\n"
	    "佐藤\tH1\t1\t7\n", FT_BIRTH_DATE, "1967-01-02", "1967-01-03", NULL);
	/* a form: the label, then the pieces */
	se_expect("申請書\n生年月日\t昭和\t42\t1\t2\n", FT_BIRTH_DATE, "1967-01-02", NULL);
	se_expect("申請書\n生年月日\t昭和\t42\t1\t2\t備考\t" FAR "\n", FT_BIRTH_DATE, "1967-01-02",
	    NULL);
	/* no 生年月日 header: a budget's 年度 | 月 | 日 and a schedule */
	se_clean("予算執行\n\n年度\t月\t日\t金額\n2024\t4\t1\t1234\n令和6\t5\t7\t2000\n");
	se_expect("職員名簿\n\n氏名\t生年月日\t\t\n山田\t42歳\t1\t2\n鈴木\t昭和\t男\t2\n",
	    FT_BIRTH_DATE, NULL);
	/* pieces of too many digits are no date (and were read to the end,
	 * past an int: make fuzz, UBSan) */
	se_expect("職員名簿\n\n氏名\t生年月日\t\t\t\n山田\t昭和\t44080044401234\t1\t2\n"
	    "鈴木\t1967\t1\t99999999999999999999\n佐藤\t44080044401234567\t1\t2\n",
	    FT_BIRTH_DATE, NULL);
}

static void test_lone_surnames(void **state)
{
	se_expect("出席者\n\n氏名\t所属\n佐藤\t総務課\n鈴木\t人事課\n高橋\t総務課\n佐藤\t会計課\n"
	    "やまだ たろう\t広報課\nヤマダ・ハナコ\t広報課\n", FT_NAMES, "佐藤", "鈴木", "高橋",
	    "やまだ たろう", "ヤマダ ハナコ", NULL);
	/* full names are MeCab's, counted once; the surname of one is not
	 * counted again */
	se_expect("名簿\n\n氏名\t所属\n山田 太郎\t総務課\n山田\t人事課\n", FT_NAMES, "山田 太郎",
	    NULL);
	/* not names: departments, numbers, sentences, placeholders, a kana
	 * column beside the names, and a Name that is a file name */
	se_expect("一覧\n\n氏名\t備考\n総務課\t\n12345\t\n未定\t\nなし\t\nテスト\t\n"
	    "佐藤さん\t\n本日は欠席とのご連絡をいただいております\t\n", FT_NAMES, NULL);
	se_expect("一覧\n\n氏名（フリガナ）\t所属\nサトウ\t総務課\n", FT_NAMES, NULL);
	/* a 名前 column of loanwords (a file list): none; a kana name: one */
	se_expect("一覧\n\n名前\t更新日\nメンバー\t4/1\nファイル\t4/2\nウェブ\t4/3\n"
	    "リョウコ\t4/4\n", FT_NAMES, "リョウコ", NULL);
	se_expect("files\n\nFile name\tSize\n佐藤\t12\n", FT_NAMES, NULL);
	/* no name header: surnames in prose or another column count nothing */
	se_expect("所属\t担当\n総務課\t佐藤\n", FT_NAMES, NULL);
}

static void test_clean_tables(void **state)
{
	se_clean("令和6年度 予算\n\n費目\t年度\t予算額\tページ\n通信運搬費\t2024\t1234567\t12\n"
	    "旅費\t2023\t2345678\t13\n");
	se_clean("目次\n\n章\tページ\n第1章\t1\n第2章\t12\n第3章\t123\n");
	se_clean("組織一覧\n\n部署名\t所在地\t内線\n総務課\t本館2階\t1234\n人事課\t本館3階\t2345\n");
	se_clean("保険料\n\n年度\t保険料\t年金額\n2024\t123456\t1234567890\n");
	se_clean("| 項目 | パスポート申請 | 備考 |\n| 手数料 | 16000 | 10年 |\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passport_column),
		cmocka_unit_test(test_pension_licence_residence),
		cmocka_unit_test(test_insurance_and_bank_columns),
		cmocka_unit_test(test_corporate_number_column),
		cmocka_unit_test(test_split_era_dates),
		cmocka_unit_test(test_lone_surnames),
		cmocka_unit_test(test_clean_tables),
	};

	return cmocka_run_group_tests(tests, se_setup, se_teardown);
}
