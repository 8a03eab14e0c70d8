/*
 * test_context.c — keyword windows (counted in characters) and table
 * column headers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/detector.h"

static const char *const kw[] = { "個人番号", "My Number", "DOB", NULL };

/* text = prefix + "[X]" + suffix; is a keyword within window of "[X]"? */
static int near(const char *prefix, const char *suffix, size_t window)
{
	char buf[4096];
	size_t start, end;
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	start = (size_t)n;
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "[X]");
	end = (size_t)n;
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", suffix);
	return context_keyword_near(buf, (size_t)n, start, end, kw, window);
}

/* n copies of s */
static char *rep(const char *s, int n)
{
	size_t l = strlen(s);
	char *p = malloc(l * (size_t)n + 1);

	assert_non_null(p);
	for (int i = 0; i < n; i++)
		memcpy(p + l * (size_t)i, s, l);
	p[l * (size_t)n] = '\0';
	return p;
}

static void test_near_counts_characters(void **state)
{
	char *fill10 = rep("漢", 10), *fill11 = rep("漢", 11), *buf;

	/* keyword (4 chars) + 10 kanji = 14 characters before */
	buf = NULL;
	assert_true(asprintf(&buf, "個人番号%s", fill10) > 0);
	assert_true(near(buf, "", 14));
	assert_false(near(buf, "", 13));
	free(buf);
	assert_true(asprintf(&buf, "%s個人番号", fill11) > 0);
	assert_true(near("", buf, 15));
	assert_false(near("", buf, 14));
	free(buf);
	free(fill10);
	free(fill11);
}

static void test_near_ascii_case_and_words(void **state)
{
	assert_true(near("my number: ", "", 20));
	assert_true(near("MY NUMBER ", "", 20));
	assert_true(near("", " (dob)", 20));
	assert_false(near("Adobe ", "", 20));		/* not a word of its own */
	assert_false(near("DOBS ", "", 20));
	assert_true(near("D.O.B: DOB-", "", 20));
	assert_false(near("個人", "番号", 50));	/* split by the value */
	assert_false(near("", "", 300));
}

static int col(const char *text, const char *at_marker)
{
	const char *p = strstr(text, at_marker);

	assert_non_null(p);
	return context_column_header(text, strlen(text), (size_t)(p - text), kw);
}

static void test_column_header_tabs(void **state)
{
	const char *t = "氏名\t個人番号\t電話\n山田\t111\t222\n鈴木\t333\t444\n";

	assert_true(col(t, "111"));
	assert_true(col(t, "333"));
	assert_false(col(t, "222"));
	assert_false(col(t, "山田"));
	assert_false(col(t, "個人番号"));	/* the header itself */
}

static void test_column_header_csv_quotes(void **state)
{
	const char *t = "\n\n , ,\n\"氏名, 漢字\",DOB,メモ\n\"山田, 太郎\",1980-01-02,\"a,b\"\n"
	    "鈴木,1990-02-03,x\n";

	assert_true(col(t, "1980-01-02"));	/* quoted comma is no separator */
	assert_true(col(t, "1990-02-03"));
	assert_false(col(t, "a,b"));
	assert_false(col(t, "鈴木"));
}

static void test_column_header_sheets(void **state)
{
	const char *t = "ID\tMy Number\n1\tAAA\n\f" "ID\t備考\n2\tBBB\n\f\n" "x\tmy number\n3\tCCC";

	assert_true(col(t, "AAA"));
	assert_false(col(t, "BBB"));		/* the second sheet has its own header */
	assert_true(col(t, "CCC"));
}

static void test_column_header_not_table(void **state)
{
	const char *t = "個人番号について\n本文 AAA です\n";
	const char *u = "個人番号\tx\nAAA は本文\n";	/* the value's line has no tab */

	assert_false(col(t, "AAA"));
	assert_false(col(u, "AAA"));
	assert_false(col("a\tb\nc\tAAA\t個人番号", "AAA"));	/* keyword not in header */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_near_counts_characters),
		cmocka_unit_test(test_near_ascii_case_and_words),
		cmocka_unit_test(test_column_header_tabs),
		cmocka_unit_test(test_column_header_csv_quotes),
		cmocka_unit_test(test_column_header_sheets),
		cmocka_unit_test(test_column_header_not_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
