/*
 * test_phone.c — Japanese phone numbers: every written form, +81, the
 * validator's groupings, and the look-alikes of ordinary ministry mail.
 */
#include "tests/unit/lib/det_testutil.h"

static int setup(void **state)
{
	return dt_setup_type(FT_PHONE);
}

static void test_fixed_lines(void **state)
{
	dt_expect("TEL 03-1234-5678", "0312345678", NULL);
	dt_expect("0465-12-3456", "0465123456", NULL);
	dt_expect("04992-1-2345", "0499212345", NULL);
	dt_expect("011-123-4567", "0111234567", NULL);
	dt_expect("03(1234)5678", "0312345678", NULL);
	dt_expect("(03)1234-5678", "0312345678", NULL);
	dt_expect("(03) 1234 5678", "0312345678", NULL);
	dt_expect("(0465)12-3456", "0465123456", NULL);
	dt_expect("(03)12345678", "0312345678", NULL);
	dt_expect("03 1234 5678", "0312345678", NULL);
	dt_expect("03.1234.5678", "0312345678", NULL);
	dt_expect("電話0312345678まで", "0312345678", NULL);
}

static void test_mobile_ip_tollfree(void **state)
{
	dt_expect("携帯 090-1234-5678", "09012345678", NULL);
	dt_expect("080 1234 5678", "08012345678", NULL);
	dt_expect("07012345678", "07012345678", NULL);
	dt_expect("050-1234-5678", "05012345678", NULL);
	dt_expect("0120-123-456", "0120123456", NULL);
	dt_expect("0120-12-3456", "0120123456", NULL);
	dt_expect("0800-123-4567", "08001234567", NULL);
	dt_expect("0570-123-456", "0570123456", NULL);
	dt_expect("0120123456", "0120123456", NULL);
}

static void test_international(void **state)
{
	dt_expect("+81-90-1234-5678", "09012345678", NULL);
	dt_expect("+81 3 1234 5678", "0312345678", NULL);
	dt_expect("+81(0)3-1234-5678", "0312345678", NULL);
	dt_expect("+81-3-1234-5678", "0312345678", NULL);
	dt_expect("+81 (0) 3-1234-5678", "0312345678", NULL);
	dt_expect("+819012345678", "09012345678", NULL);
	dt_expect("+81 120-123-456", "0120123456", NULL);
}

static void test_normalized_forms(void **state)
{
	dt_expect("０９０－１２３４－５６７８", "09012345678", NULL);
	dt_expect("０３ー１２３４ー５６７８", "0312345678", NULL);
	dt_expect("03−1234−5678", "0312345678", NULL);	/* minus sign */
	dt_expect("（０３）１２３４－５６７８", "0312345678", NULL);
	dt_expect("０３　１２３４　５６７８", "0312345678", NULL);	/* ideographic spaces */
	dt_expect("090\xE2\x80\x8B-1234-5678", "09012345678", NULL);	/* zero-width space */
}

static void test_wrong_groupings(void **state)
{
	dt_none("090-123-45678");		/* mobile must be 3-4-4 */
	dt_none("0901-234-5678");
	dt_none("090-1234-567");		/* 10 digits for a mobile */
	dt_none("0312-345-678");		/* 4-3-3 only for 0120 / 0570 */
	dt_none("03-123-45678");
	dt_none("0120-1234-56");
	dt_none("0800-12-34567");
	dt_none("03 1234.5678");		/* ' ' and '.' never mix */
	dt_none("090.1234 5678");
	dt_none("020-1234-5678");		/* M2M / pagers: refused */
	dt_none("020-123-4567");		/* and no area code 20 */
	dt_none("0901234567");			/* 090 + 7 digits */
	dt_none("031234567");			/* 9 digits */
}

static void test_look_alikes(void **state)
{
	dt_none("令和6年3月15日（金）に開催、期限は2024-03-15、2024/03/15 17:00");
	dt_none("予算額は1,234,567円、¥03,123,456、0.5%");
	dt_none("注文番号 0312345678901 を確認");		/* 13 digits */
	dt_none("参照 03-1234-5678-9012");
	dt_none("参照 9-03-1234-5678");
	dt_none("番号 1203-1234-5678");
	dt_none("〒100-8914 東京都千代田区永田町1-6-1");
	dt_none("〒060-0001");
	dt_none("受付 09:00-17:30, 0900-1730");
	dt_none("00-1234-5678 001-234-5678 0012345678");	/* 00: international prefix */
	dt_none("個人番号 0123 4567 8901 / 012345678901");	/* 12 digits */
	dt_none("4111 1111 1111 1111 / 4111-1111-1111-1111");
	dt_none("0312 3456 7890 12");				/* longer space grouping */
	dt_none("ver 0.3.1234.5678");
	dt_none("03-15-2024 06-12-2024");			/* M-D-Y dates */
}

static void test_boundaries_allow_text(void **state)
{
	dt_expect("TEL:03-1234-5678/FAX:03-1234-5679", "0312345678", "0312345679", NULL);
	dt_expect("電話（03-1234-5678）", "0312345678", NULL);
	dt_expect("No. 5 090-1234-5678", "09012345678", NULL);
	dt_expect("03-1234-5678.", "0312345678", NULL);
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("03-1234-5678 / 0312345678 / (03)1234-5678 / "
	    "+81-3-1234-5678 / ０３－１２３４－５６７８ / 03-1234-5679"), 2);
}

/* Escapes and careless typing: two different separators when one is '-';
 * parentheses around the first group with '-' after. */
static void test_mixed_separators(void **state)
{
	dt_expect("090.1234-5678", "09012345678", NULL);
	dt_expect("090 1234-5678", "09012345678", NULL);
	dt_expect("090-1234 5678", "09012345678", NULL);
	dt_expect("03-1234.5678", "0312345678", NULL);
	dt_expect("(090)1234-5678", "09012345678", NULL);
	dt_expect("（０９０）１２３４－５６７８", "09012345678", NULL);
	dt_none("090.123-45678");		/* the groups must still fit */
	dt_none("1 090 1234-5678");		/* a longer space-grouped run */
}

/* The whole-cluster fast path (a number that is its whole cluster is
 * taken apart without the pattern) finds what the pattern finds: every
 * grouping of 1-6, 0-5 and 0-5 digits with each separator, alone (the
 * fast path) and after '+' (a cluster it does not take: the pattern). */
static void test_whole_cluster_as_pattern(void **state)
{
	static const char second[] = "1235789";
	static const char seps[] = "-. ";
	char num[64], plus[80];

	for (const char *d = second; *d; d++)
		for (size_t g1 = 1; g1 <= 12; g1++)
			for (size_t g2 = 0; g2 <= 5; g2++)
				for (size_t g3 = 0; g3 <= (g2 ? 5u : 0u); g3++)
					for (const char *sp = seps; *sp; sp++) {
						size_t n = 0, k = 0;
						struct valueset *a, *b;

						if (g2 == 0 && (sp != seps || g1 < 6))
							continue;	/* unseparated: once */
						if (g2 != 0 && g1 > 6)
							continue;
						num[n++] = '0';
						for (k = 1; k < g1; k++)
							num[n++] = k == 1 ? *d : (char)('0' + (k * 7) % 10);
						if (g2 != 0) {
							num[n++] = *sp;
							for (k = 0; k < g2; k++)
								num[n++] = (char)('1' + k);
							if (g3 != 0)
								num[n++] = *sp;
							for (k = 0; k < g3; k++)
								num[n++] = (char)('5' + k % 5);
						}
						num[n] = '\0';
						snprintf(plus, sizeof(plus), "+%s", num);
						a = dt_find(num);
						b = dt_find(plus);
						if (valueset_count(a) != valueset_count(b))
							fail_msg("\"%s\": %zu values, \"%s\": %zu", num,
							    valueset_count(a), plus, valueset_count(b));
						for (k = 0; k < valueset_count(a); k++)
							assert_string_equal(valueset_get(a, k), valueset_get(b, k));
						valueset_free(a);
						valueset_free(b);
					}
	/* the shapes above do hold numbers, found both ways */
	assert_int_equal(dt_count("090-1234-5678"), 1);
	assert_int_equal(dt_count("+090-1234-5678"), 1);
	assert_int_equal(dt_count("0312345678"), 1);
	assert_int_equal(dt_count("+0312345678"), 1);
}

static void test_mask(void **state)
{
	dt_mask("09012345678", "090-****-5678");
	dt_mask("0312345678", "03-****-5678");
	dt_mask("0120123456", "0120-****-456");
	dt_mask("08001234567", "0800-****-4567");
	dt_mask("12", "****");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_lines),
		cmocka_unit_test(test_mobile_ip_tollfree),
		cmocka_unit_test(test_international),
		cmocka_unit_test(test_normalized_forms),
		cmocka_unit_test(test_wrong_groupings),
		cmocka_unit_test(test_look_alikes),
		cmocka_unit_test(test_boundaries_allow_text),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mixed_separators),
		cmocka_unit_test(test_whole_cluster_as_pattern),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
