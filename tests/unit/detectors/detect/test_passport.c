/*
 * test_passport.c — passport numbers: two letters and seven digits with
 * 旅券/パスポート/Passport within 100 characters; codes, longer runs and
 * other numbers not.
 */
#include "tests/unit/lib/det_testutil.h"

#define F10 "文文文文文文文文文文"
#define F90 F10 F10 F10 F10 F10 F10 F10 F10 F10

static int setup(void **state)
{
	return dt_setup_type(FT_PASSPORT);
}

static void test_keywords(void **state)
{
	dt_expect("旅券番号：TK1234567", "TK1234567", NULL);
	dt_expect("パスポート番号 tk 1234567", "TK1234567", NULL);
	dt_expect("Passport No. MZ7654321 (expires 2030)", "MZ7654321", NULL);
	dt_expect("PASSPORT: AB0000001", "AB0000001", NULL);
	dt_expect("ＴＫ１２３４５６７（旅券）", "TK1234567", NULL);	/* full width */
	dt_expect("旅券番号 TK1234567、TR7654321", "TK1234567", "TR7654321", NULL);
}

static void test_no_keyword(void **state)
{
	dt_none("TK1234567");
	dt_none("型番 AB1234567 の部品");
	dt_none("passports1 TK1234567");	/* glued: not the word */
	/* keyword (5 characters) + 95 filler = 100 before: in */
	dt_expect("パスポート" F90 "文文文文文TK1234567", "TK1234567", NULL);
	dt_none("パスポート" F90 "文文文文文文TK1234567");
}

static void test_shape(void **state)
{
	dt_none("旅券番号 TK12345678");		/* 8 digits */
	dt_none("旅券番号 TK123456");		/* 6 digits */
	dt_none("旅券番号 T1234567");		/* one letter */
	dt_none("旅券番号 XTK1234567");		/* three letters */
	dt_none("旅券番号 TK1234567A");		/* a letter after */
	dt_none("旅券番号 TK1234567-1");
	dt_none("旅券番号 TK  1234567");		/* two spaces */
	dt_none("旅券番号 AB12345678CD");	/* a residence card */
}

static void test_not_other_numbers(void **state)
{
	dt_none("パスポート 電話 03-1234-5678 090-1234-5678 0312345678");
	dt_none("パスポート 2024年1月2日 p.1234567 予算 1234567千円");
	dt_none("パスポート マイナンバー 123456789018");
}

static void test_column_header(void **state)
{
	dt_expect("氏名,旅券番号,国籍\n山田,TK1234567,日本\n鈴木,TR7654321,日本\n",
	    "TK1234567", "TR7654321", NULL);
	dt_none("氏名,品番\n山田,TK1234567\n");
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("旅券 TK1234567 tk1234567 TK 1234567 TR1234567"), 2);
}

static void test_mask(void **state)
{
	dt_mask("TK1234567", "TK*****67");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_no_keyword),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_not_other_numbers),
		cmocka_unit_test(test_column_header),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
