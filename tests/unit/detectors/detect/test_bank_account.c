/*
 * test_bank_account.c — bank account numbers: 7 digits with a keyword
 * (口座, 普通預金 … within 30 characters), or 普通/当座/支店 right before,
 * or a column headed 口座; amounts, phones, dates and longer numbers not.
 */
#include "tests/unit/lib/det_testutil.h"

#define F4 "文文文文"
#define F28 F4 F4 F4 F4 F4 F4 F4

static int setup(void **state)
{
	return dt_setup_type(FT_BANK_ACCOUNT);
}

static void test_keywords(void **state)
{
	dt_expect("口座番号：1234567", "1234567", NULL);
	dt_expect("振込先 みずほ銀行 新宿支店 普通 7654321", "7654321", NULL);
	dt_expect("三井住友銀行 丸の内支店（普通）0012345", "0012345", NULL);
	dt_expect("当座 No.2345678", "2345678", NULL);
	dt_expect("普通預金 3456789 ヤマダ タロウ", "3456789", NULL);
	dt_expect("新宿支店 4567890", "4567890", NULL);
	dt_expect("1234567 (口座名義 ヤマダタロウ)", "1234567", NULL);
	dt_expect("Bank account: 1234567", "1234567", NULL);
	dt_expect("ACCOUNT NO. 1234567", "1234567", NULL);
	dt_expect("口座番号：１２３４５６７", "1234567", NULL);	/* full width */
}

static void test_no_keyword(void **state)
{
	dt_none("1234567");
	dt_none("受付番号 1234567");
	dt_none("お問い合わせ番号 1234567 をご確認ください");
	/* keyword (2 characters) + 28 filler = 30 characters before: in */
	dt_expect("口座" F28 "1234567", "1234567", NULL);
	dt_none("口座" F28 "文1234567");
	dt_expect("1234567" F28 "口座", "1234567", NULL);
	dt_none("1234567文" F28 "口座");
}

static void test_weak_words_only_next_to_it(void **state)
{
	/* budget tables: 普通 of 普通交付税, amounts with units and commas */
	dt_none("普通交付税 1234567");
	dt_none("普通交付税\t1234567\n特別交付税\t2345678\n");
	dt_none("当座の資金として 1234567");
	dt_none("普通預金 1234567円");
	dt_none("口座振替 1234567 件");
	dt_none("口座数 1,234,567");
	dt_none("普通預金残高 1234567千円");
	dt_none("支店の来店者 1234567人");
}

static void test_not_other_numbers(void **state)
{
	dt_none("口座番号 12345678");			/* 8 digits */
	dt_none("口座番号 123456");			/* 6 digits */
	dt_none("口座 電話 03-1234-5678 090-1234-5678");	/* phones */
	dt_none("口座 電話 0312345678");
	dt_none("口座 123-4567");			/* postcode */
	dt_none("口座 12-1234567");			/* a reference */
	dt_none("口座 1234567-1");
	dt_none("口座 2024/1234567");
	dt_none("口座番号 マイナンバー 123456789018");	/* My Number */
	dt_none("普通 2024年1月2日");			/* a date */
	dt_none("普通 p.12 1234567.5");			/* a decimal */
}

static void test_column_header(void **state)
{
	dt_expect("氏名\t銀行\t口座番号\n山田\tみずほ\t1234567\n鈴木\t三井\t2345678\n",
	    "1234567", "2345678", NULL);
	dt_none("氏名\t予算額\n山田\t1234567\n鈴木\t2345678\n");
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("口座番号 1234567、口座番号 1234567、普通 7654321"), 2);
}

static void test_mask(void **state)
{
	dt_mask("1234567", "****567");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_no_keyword),
		cmocka_unit_test(test_weak_words_only_next_to_it),
		cmocka_unit_test(test_not_other_numbers),
		cmocka_unit_test(test_column_header),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
