/*
 * test_drivers_license.c — driving licence numbers: 12 digits, a
 * commission code, the check digit (11th), 免許証 … within 100 characters.
 */
#include "tests/unit/lib/det_testutil.h"

#define F10 "文文文文文文文文文文"
#define F90 F10 F10 F10 F10 F10 F10 F10 F10 F10

static int setup(void **state)
{
	return dt_setup_type(FT_DRIVERS_LICENSE);
}

static void test_check_digit(void **state)
{
	dt_expect("運転免許証番号：309012345620", "309012345620", NULL);
	dt_expect("免許証 第450598765400号", "450598765400", NULL);
	dt_expect("免許番号 970123456780", "970123456780", NULL);
	dt_expect("免許証 300000000910", "300000000910", NULL);	/* remainder 0: 1 */
	dt_expect("免許証 300000000400", "300000000400", NULL);	/* remainder 1: 0 */
	dt_expect("免許証 309012345621", "309012345621", NULL);	/* reissued once */
	dt_none("運転免許証番号：309012345630");
	dt_none("免許証 450598765410");
	dt_none("免許証 300000000900");
	dt_none("免許証 300000000410");
}

static void test_commission_code(void **state)
{
	dt_none("免許証 159012345630");		/* 15: no such commission */
	dt_none("免許証 989012345600");
}

static void test_keywords(void **state)
{
	const char *yes[] = {
		"免許証", "運転免許", "免許番号", "Driver's License", "driver license",
		"DRIVERS LICENSE", "Driving Licence", "driving license",
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(buf, sizeof(buf), "%s: 309012345620", yes[i]);
		if (dt_count(buf) != 1)
			fail_msg("keyword %s not taken", yes[i]);
	}
	dt_none("309012345620");
	dt_none("番号 309012345620");
	dt_none("資格 309012345620");
	dt_expect("運転免許" F90 "文文文文文文309012345620", "309012345620", NULL);
	dt_none("運転免許" F90 "文文文文文文文309012345620");
}

static void test_not_other_numbers(void **state)
{
	dt_none("免許証 マイナンバー 123456789018 621498320257");	/* My Numbers */
	dt_none("免許証 3090123456201");			/* 13 digits */
	dt_none("免許証 03-1234-5678 090-1234-5678");
	dt_none("免許証 1-309012345620");
	dt_none("免許証 3090-1234-5620");			/* grouped: not printed so */
	dt_none("免許証 2024年1月2日 p.12 予算 309,012,345,620円");
}

static void test_column_header(void **state)
{
	dt_expect("氏名\t免許証番号\n山田\t309012345620\n鈴木\t450598765400\n",
	    "309012345620", "450598765400", NULL);
	dt_none("氏名\t受付番号\n山田\t309012345620\n");
}

static void test_mask(void **state)
{
	dt_mask("309012345620", "********5620");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_digit),
		cmocka_unit_test(test_commission_code),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_not_other_numbers),
		cmocka_unit_test(test_column_header),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
