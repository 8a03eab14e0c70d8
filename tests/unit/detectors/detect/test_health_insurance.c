/*
 * test_health_insurance.c — health insurance cards: the insurer number
 * (8 digits, Luhn check digit, 保険者番号 before it) with the insured
 * person's 記号 and 番号; the insurer number alone is not counted.
 */
#include "tests/unit/lib/det_testutil.h"

static int setup(void **state)
{
	return dt_setup_type(FT_HEALTH_INSURANCE);
}

static void test_card_text(void **state)
{
	dt_expect("保険者番号 01130012 記号 1234 番号 56", "01130012/1234/56", NULL);
	dt_expect("保険者番号：06139992\n記号：健保東 番号：123", "06139992/健保東/123", NULL);
	dt_expect("記号 5678 番号 9 保険者番号 31113004", "31113004/5678/9", NULL);
	dt_expect("保険者番号 01270016、記号・番号 1234・56", "01270016/1234/56", NULL);
	dt_expect("保険者番号 01270016 記号番号 1234-56", "01270016/1234/56", NULL);
	dt_expect("保険者番号：０１１３００１２　記号：１２３４　番号：５６", "01130012/1234/56", NULL);
	dt_expect("Insurer number 39130018 記号 12 番号 345", "39130018/12/345", NULL);
}

static void test_check_digit(void **state)
{
	dt_none("保険者番号 01130013 記号 1234 番号 56");
	dt_none("保険者番号 06139993 記号 1234 番号 56");
	dt_none("保険者番号 39130019 記号 12 番号 345");
}

static void test_needs_the_card(void **state)
{
	dt_none("保険者番号 01130012");				/* an insurer: public */
	dt_none("保険者番号 01130012 の被保険者の皆様へ");
	dt_none("01130012 記号 1234 番号 56");			/* no 保険者番号 */
	dt_none("保険者番号 01130012 記号 1234");		/* no number */
	dt_none("保険者番号 01130012 記号 1234 番号 ABC");
	dt_none("保険者番号 01130012 記号 1234 番号 12345678901");
	dt_none("保険者番号 011300123 記号 1234 番号 56");	/* 9 digits */
	dt_none("保険者番号 1130012 記号 1234 番号 56");		/* 7 digits */
	dt_none("保険者番号 0113-0012 記号 1234 番号 56");
}

static void test_not_other_numbers(void **state)
{
	dt_none("保険者番号 記号 番号 03-1234-5678 090-1234-5678");
	dt_none("保険者番号 記号 番号 マイナンバー 123456789018");
	dt_none("保険者番号 20240102 記号 1 番号 2");	/* a date: check fails */
	dt_none("保険者番号 12,345,678 記号 1 番号 2");	/* an amount */
}

static void test_table(void **state)
{
	dt_expect("氏名\t保険者番号\t記号\t番号\n山田\t01130012\t1234\t56\n"
	    "鈴木\t06139992\t77\t8\n",
	    "01130012/1234/56", "06139992/77/8", NULL);
	dt_none("氏名\t保険者番号\n山田\t01130012\n");			/* insurers only */
	dt_none("氏名\t保険者番号\t記号\t番号\n山田\t01130013\t1234\t56\n");
}

static void test_distinct(void **state)
{
	/* one insurer, two people */
	assert_int_equal(dt_count("保険者番号 01130012 記号 1234 番号 56\n"
	    "保険者番号 01130012 記号 1234 番号 57\n"
	    "保険者番号 01130012 記号 1234 番号 56\n"), 2);
}

static void test_mask(void **state)
{
	dt_mask("01130012/1234/56", "01130012/***/***");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_text),
		cmocka_unit_test(test_check_digit),
		cmocka_unit_test(test_needs_the_card),
		cmocka_unit_test(test_not_other_numbers),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
