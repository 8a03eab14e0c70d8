/*
 * test_card.c — payment cards: published test numbers, groupings, Luhn,
 * issuer prefixes and lengths, look-alikes, masks.
 */
#include "tests/unit/lib/det_testutil.h"

static int setup(void **state)
{
	return dt_setup_type(FT_CREDIT_CARD);
}

static void test_published_numbers(void **state)
{
	dt_expect("4111111111111111", "4111111111111111", NULL);
	dt_expect("4012888888881881", "4012888888881881", NULL);
	dt_expect("5555555555554444", "5555555555554444", NULL);
	dt_expect("3528000700000000", "3528000700000000", NULL);
	dt_expect("371449635398431", "371449635398431", NULL);
	dt_expect("30569309025904", "30569309025904", NULL);
	dt_none("4012888888881882");			/* Luhn fails */
}

static void test_groupings(void **state)
{
	dt_expect("カード番号 4111 1111 1111 1111 有効期限 12/27", "4111111111111111", NULL);
	dt_expect("4111-1111-1111-1111", "4111111111111111", NULL);
	dt_expect("3714 496353 98431", "371449635398431", NULL);
	dt_expect("3714-496353-98431", "371449635398431", NULL);
	dt_expect("3056 930902 5904", "30569309025904", NULL);
	dt_expect("２２２２　４０００　７０００　０００５", "2222400070000005", NULL);	/* MC 2-series */
	dt_expect("4111 1111 1111 1111 003", "4111111111111111003", NULL);	/* Visa 19 */
	dt_none("4111-1111 1111-1111");			/* mixed separators */
	dt_none("3714 4963 5398 431");			/* Amex written 4-4-4-3 */
	dt_none("4111 111111 111111");			/* Visa 16 written 4-6-6 */
	dt_none("41111 11111 11111 1");
}

static void test_code_after_number(void **state)
{
	/* 4-4-4-4 then a 3-digit code that does not make a valid 19-digit number */
	dt_expect("4012 8888 8888 1881 123", "4012888888881881", NULL);
}

static void test_issuer_and_length(void **state)
{
	dt_none("6011111111111117");	/* Discover: not an issuer looked for */
	dt_none("4222222222222");		/* Visa 13 digits: not looked for */
	dt_none("5105105105105100123");	/* Mastercard is 16 digits */
	dt_none("37144963539843");		/* Amex with 14 digits */
	dt_none("3530111333300000555");	/* JCB of 19 digits */
	dt_none("1234567812345670");		/* Luhn-valid, no issuer */
	dt_expect("5105105105105100", "5105105105105100", NULL);
	dt_expect("3530111333300000", "3530111333300000", NULL);
	dt_expect("36227206271667", "36227206271667", NULL);	/* Diners 36, 14 digits */
}

static void test_look_alikes(void **state)
{
	dt_none("注文番号 94111111111111111");		/* inside a longer run */
	dt_none("41111111111111112");
	dt_none("ref 1-4111111111111111");
	dt_none("4111111111111111-2");
	dt_none("8 4111 1111 1111 1111");		/* a longer space grouping */
	dt_none("0312345678 09012345678");
	dt_none("123456789018");
	dt_none("2024-03-15 1,234,567円");
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("4111111111111111 / 4111 1111 1111 1111 / "
	    "4111-1111-1111-1111 / 5555555555554444"), 2);
}

static void test_mask(void **state)
{
	dt_mask("4111111111111111", "4111-****-****-1111");
	dt_mask("371449635398431", "3714-******-*8431");
	dt_mask("30569309025904", "3056-******-5904");
	dt_mask("4111111111111111003", "4111-****-****-***1-003");
	dt_mask("123", "****");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_numbers),
		cmocka_unit_test(test_groupings),
		cmocka_unit_test(test_code_after_number),
		cmocka_unit_test(test_issuer_and_length),
		cmocka_unit_test(test_look_alikes),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
