/*
 * test_pension_number.c — basic pension numbers: 4-6 digits (or 10 in a
 * row) with 基礎年金番号 … within 30 characters.
 */
#include "tests/unit/lib/det_testutil.h"

#define F4 "文文文文"
#define F24 F4 F4 F4 F4 F4 F4

static int setup(void **state)
{
	return dt_setup_type(FT_PENSION_NUMBER);
}

static void test_shapes(void **state)
{
	dt_expect("基礎年金番号：1234-567890", "1234567890", NULL);
	dt_expect("基礎年金番号 1234 567890", "1234567890", NULL);
	dt_expect("年金番号 1234567890", "1234567890", NULL);
	dt_expect("年金手帳の番号は１２３４ー５６７８９０です", "1234567890", NULL);
	dt_expect("Basic pension number: 4321-098765", "4321098765", NULL);
	dt_none("基礎年金番号 123-4567890");
	dt_none("基礎年金番号 12345-67890");
	dt_none("基礎年金番号 1234-56789");
	dt_none("基礎年金番号 1234-5678901");
	dt_none("基礎年金番号 12345678901");
	dt_none("基礎年金番号 12-1234-567890");		/* a longer reference */
	dt_none("基礎年金番号 1234-567890-1");
	dt_none("基礎年金番号 1234 567890 1234");
	dt_none("基礎年金番号 1234.567890");
}

static void test_keywords(void **state)
{
	dt_none("1234-567890");
	dt_none("受付番号 1234-567890");
	dt_none("年金 1234-567890");
	/* keyword (4 characters) + 26 filler = 30 characters: in */
	dt_expect("年金手帳" F24 "文文1234-567890", "1234567890", NULL);
	dt_none("年金手帳" F24 "文文文1234-567890");
	dt_expect("1234-567890" F24 "文文年金手帳", "1234567890", NULL);
	dt_none("1234-567890" F24 "文文文年金手帳");
}

static void test_not_other_numbers(void **state)
{
	dt_none("基礎年金番号 電話 03-1234-5678 090-1234-5678");	/* phones */
	dt_none("基礎年金番号 (03)1234-5678");
	dt_none("年金番号 マイナンバー 123456789018");		/* My Number */
	dt_none("年金番号 2024-01-02 p.12 予算 1,234,567,890円");
}

static void test_column_header(void **state)
{
	dt_expect("氏名,基礎年金番号\n山田,1234-567890\n鈴木,2345-678901\n",
	    "1234567890", "2345678901", NULL);
	dt_none("氏名,整理番号\n山田,1234-567890\n");
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("年金番号 1234-567890 1234567890 1234 567890"), 1);
}

static void test_mask(void **state)
{
	dt_mask("1234567890", "****-**7890");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_not_other_numbers),
		cmocka_unit_test(test_column_header),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
