/*
 * test_mynumber.c — My Number: check digit, shapes, the 13-digit Corporate
 * Number, the keyword window of 300 characters, table column headers.
 */
#include "tests/unit/lib/det_testutil.h"

static int setup(void **state)
{
	return dt_setup_type(FT_MY_NUMBER);
}

/* "<before><filler x n><number><filler x m><after>" */
static char *build(const char *before, int n, const char *number, int m, const char *after)
{
	size_t cap = strlen(before) + strlen(number) + strlen(after) + 3 * (size_t)(n + m) + 1;
	char *p = malloc(cap);
	size_t k = 0;

	assert_non_null(p);
	k += (size_t)snprintf(p + k, cap - k, "%s", before);
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(p + k, cap - k, "文");
	k += (size_t)snprintf(p + k, cap - k, "%s", number);
	for (int i = 0; i < m; i++)
		k += (size_t)snprintf(p + k, cap - k, "文");
	snprintf(p + k, cap - k, "%s", after);
	return p;
}

static void test_check_digit(void **state)
{
	dt_expect("マイナンバー：123456789018", "123456789018", NULL);
	dt_expect("個人番号 621498320257", "621498320257", NULL);
	dt_expect("個人番号 465281266333", "465281266333", NULL);
	dt_none("マイナンバー：123456789019");
	dt_none("マイナンバー：621498320258");
}

static void test_shapes(void **state)
{
	dt_expect("個人番号: 1234 5678 9018", "123456789018", NULL);
	dt_expect("個人番号: 1234-5678-9018", "123456789018", NULL);
	dt_expect("個人番号: 1234.5678.9018", "123456789018", NULL);
	dt_expect("個人番号：１２３４　５６７８　９０１８", "123456789018", NULL);
	dt_expect("個人番号：１２３４ー５６７８ー９０１８", "123456789018", NULL);
	dt_none("個人番号: 1234-5678 9018");	/* separators differ */
	dt_none("個人番号: 12345678 9018");
	dt_none("個人番号: 123-456-789-018");
}

static void test_not_in_longer_runs(void **state)
{
	dt_none("法人番号 1234567890183 (個人番号ではない)");	/* 13 digits */
	dt_none("個人番号 9123456789018");
	dt_none("個人番号 1234567890189");
	dt_none("個人番号 5-123456789018");
	dt_none("個人番号 123456789018-5");
	dt_none("個人番号 4111 1234 5678 9018");			/* card-like grouping */
	dt_none("個人番号 1234 5678 9018 1111");
	dt_none("個人番号 1.123456789018");
}

/* 法人番号: 13 digits, the check digit first (9 − Σ P·(1,2,1,2 … from the
 * right) mod 9).  Public data: never a My Number, whatever its last 12
 * digits are (here they are valid My Numbers) and whatever keyword is near. */
static void test_corporate_number(void **state)
{
	dt_none("国税庁 法人番号 7000012050002 マイナンバー");
	dt_none("法人番号：1123456789018（マイナンバーではありません）");
	dt_none("個人番号 8621498320257");
	dt_none("マイナンバー 4465281266333");
	dt_none("マイナンバー 1-1234-5678-9018");
	dt_none("マイナンバー 1 1234 5678 9018");
	dt_none("マイナンバー 1.1234.5678.9018");
	dt_none("法人番号\tマイナンバー\n1123456789018\t8621498320257\n");
	/* the My Number beside it still counts */
	dt_expect("法人番号 1123456789018、代表者の個人番号 621498320257", "621498320257", NULL);
}

static void test_keywords(void **state)
{
	const char *yes[] = {
		"マイナンバー", "個人番号", "共通番号", "マイナンバーカード", "個人番号カード",
		"個人識別番号", "個人識別ナンバー", "通知カード", "My Number", "MY NUMBER",
		"my number", "MyNumber", "mynumber", "Individual Number", "individual number",
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(buf, sizeof(buf), "%s 123456789018", yes[i]);
		if (dt_count(buf) != 1)
			fail_msg("keyword %s not taken", yes[i]);
		snprintf(buf, sizeof(buf), "123456789018 (%s)", yes[i]);
		if (dt_count(buf) != 1)
			fail_msg("keyword %s after not taken", yes[i]);
	}
	dt_none("番号 123456789018");
	dt_none("電話番号 123456789018");
	dt_none("numbers: 123456789018");
	dt_none("123456789018");
	dt_none("社員番号 123456789018 法人番号");
}

static void test_window_300_characters(void **state)
{
	/* keyword (6 chars) + 294 filler = 300 characters before: counted */
	char *a = build("マイナンバー", 294, "123456789018", 0, "");
	char *b = build("マイナンバー", 295, "123456789018", 0, "");
	char *c = build("", 0, "123456789018", 294, "マイナンバー");
	char *d = build("", 0, "123456789018", 295, "マイナンバー");

	assert_int_equal(dt_count(a), 1);
	assert_int_equal(dt_count(b), 0);
	assert_int_equal(dt_count(c), 1);
	assert_int_equal(dt_count(d), 0);
	free(a);
	free(b);
	free(c);
	free(d);
}

static void test_column_header(void **state)
{
	char *far = build("氏名,個人番号,備考\n山田,621498320257,x\n", 400, "", 0,
	    "\n鈴木,123456789018,y\n佐藤,x,465281266333\n");
	char *tsv = build("ID\tMy Number\n", 0, "", 0, "1\t123456789018\n2\t465281266333\n");
	char *sheet2 = build("ID\tMy Number\n1\t123456789018\n\fID\tメモ\n", 400, "", 0,
	    "\n2\t465281266333\n");

	dt_expect(far, "621498320257", "123456789018", NULL);	/* not the 備考 column */
	dt_expect(tsv, "123456789018", "465281266333", NULL);
	dt_expect(sheet2, "123456789018", NULL);
	dt_expect("\"氏名, 漢字\",\"個人番号\"\n\"山田, 太郎\",123456789018\n", "123456789018", NULL);
	free(far);
	free(tsv);
	free(sheet2);
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("マイナンバー 123456789018, 1234 5678 9018, 1234-5678-9018, "
	    "465281266333"), 2);
}

static void test_mask(void **state)
{
	dt_mask("123456789018", "****-****-9018");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_digit),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_not_in_longer_runs),
		cmocka_unit_test(test_corporate_number),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_window_300_characters),
		cmocka_unit_test(test_column_header),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
