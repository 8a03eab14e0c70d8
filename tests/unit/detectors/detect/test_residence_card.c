/*
 * test_residence_card.c — residence card numbers: two letters, eight
 * digits, two letters, with 在留カード … within 100 characters.
 */
#include "tests/unit/lib/det_testutil.h"

#define F10 "文文文文文文文文文文"
#define F90 F10 F10 F10 F10 F10 F10 F10 F10 F10

static int setup(void **state)
{
	return dt_setup_type(FT_RESIDENCE_CARD);
}

static void test_keywords(void **state)
{
	dt_expect("在留カード番号：AB12345678CD", "AB12345678CD", NULL);
	dt_expect("特別永住者証明書 ab12345678cd", "AB12345678CD", NULL);
	dt_expect("Residence card No. XY00000001ZZ", "XY00000001ZZ", NULL);
	dt_expect("ＡＢ１２３４５６７８ＣＤ（在留カード）", "AB12345678CD", NULL);
	dt_none("AB12345678CD");
	dt_none("管理番号 AB12345678CD");
	/* keyword (5 characters) + 95 filler = 100 before: in */
	dt_expect("在留カード" F90 "文文文文文AB12345678CD", "AB12345678CD", NULL);
	dt_none("在留カード" F90 "文文文文文文AB12345678CD");
}

static void test_shape(void **state)
{
	dt_none("在留カード AB1234567CD");		/* 7 digits */
	dt_none("在留カード AB123456789CD");		/* 9 digits */
	dt_none("在留カード A12345678CD");		/* one letter before */
	dt_none("在留カード AB12345678C");		/* one letter after */
	dt_none("在留カード XAB12345678CD");
	dt_none("在留カード AB12345678CDE");
	dt_none("在留カード AB12345678CD9");
	dt_none("在留カード AB 12345678 CD");
	dt_none("在留カード 旅券 TK1234567");		/* a passport */
}

static void test_not_other_numbers(void **state)
{
	dt_none("在留カード 電話 03-1234-5678 090-1234-5678 マイナンバー 123456789018");
	dt_none("在留カード 2024年1月2日 p.12 予算 12345678千円");
}

static void test_column_header(void **state)
{
	dt_expect("氏名\t在留カード番号\n山田\tAB12345678CD\n鈴木\tEF87654321GH\n",
	    "AB12345678CD", "EF87654321GH", NULL);
	dt_none("氏名\t品番\n山田\tAB12345678CD\n");
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("在留カード AB12345678CD ab12345678cd AB12345678CE"), 2);
}

static void test_mask(void **state)
{
	dt_mask("AB12345678CD", "AB********CD");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_not_other_numbers),
		cmocka_unit_test(test_column_header),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
