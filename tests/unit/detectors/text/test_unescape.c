/*
 * test_unescape.c — the escapes folded before the detectors (unescape.h):
 * spaced digits, numbers broken over a line end, kanji digit runs, written
 * ats and dots; what is left alone (prose, tables, dates, listings); and
 * through the whole pipeline, that an escaped value counts as the same
 * value as the plain one and that clean text counts nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/detector.h"
#include "detect/valueset.h"
#include "tests/unit/lib/scan_expect.h"
#include "text/normalize.h"
#include "text/textscan.h"
#include "text/unescape.h"

/* in normalized, then folded, must read want. */
static void folds(const char *in, const char *want)
{
	size_t n, m;
	char *s = normalize_text(in, strlen(in), &n);

	assert_non_null(s);
	m = unescape_text(s, n);
	if (m != strlen(want) || memcmp(s, want, m) != 0)
		fail_msg("\"%s\" folded to \"%.*s\", want \"%s\"", in, (int)m, s, want);
	assert_int_equal(s[m], '\0');
	for (size_t i = m; i <= n; i++)	/* what the text gave up is zeroed */
		assert_int_equal(s[i], '\0');
	free(s);
}

/* in is left as normalize_text() makes it. */
static void stays(const char *in)
{
	size_t n;
	char *s = normalize_text(in, strlen(in), &n);

	assert_non_null(s);
	folds(in, s);
	free(s);
}

static void test_spaced_digits(void **state)
{
	folds("0 9 0 1 2 3 4 5 6 7 8", "09012345678");
	folds("携帯 ０　９　０　１　２　３　４　５　６　７　８ まで", "携帯 09012345678 まで");
	folds("0 9 0  1 2 3 4  5 6 7 8", "090-1234-5678");	/* wider gaps: groups */
	folds("0 9 0 - 1 2 3 4 - 5 6 7 8", "090-1234-5678");
	folds("0 3 1 2 3 4 5 6 7 8", "0312345678");
	folds("1 2 3 4 5 6 7 8 9 0 1 8", "123456789018");
	folds("TEL 090 - 1234 - 5678", "TEL 090-1234-5678");
	folds("TEL ０３　－　１２３４　－　５６７８", "TEL 03-1234-5678");
	stays("pp. 12 - 34");				/* too short to be looked at */
	stays("a - b - c");
	stays("p. 1 2 3");
	stays("2 0 2 4 年 1 月 2 日");
	stays("1 2 3 4 5 6 7 8 9 10");			/* column numbers */
	stays("0 9 0 1 2 3 4 5 6");			/* 9 digits */
	stays("1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6");	/* a ruler, 16 digits */
	stays("0 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5");
	stays("3 4 5 6\t0 1 2 3\t4 5 6 7");		/* tabs are cells: no run */
	stays("0 0 0 0 0 0 0 0 0 0 0 0");		/* a placeholder */
	stays("0 1 2 3 4 5 6 7 8 9");			/* the digits listed */
	stays("9 8 7 6 5 4 3 2 1 0 9");
}

static void test_line_breaks(void **state)
{
	folds("TEL 090-1234-\n5678", "TEL 090-1234-5678");
	folds("TEL 090-1234-\r\n> 5678", "TEL 090-1234-5678");
	folds("> TEL 090-1234- \n>> 5678", "> TEL 090-1234-5678");
	folds("TEL 03-1234\n-5678", "TEL 03-1234-5678");
	stays("合計 1,234\n5,678");			/* no '-': two lines of figures */
	stays("090-1234-\n\n5678");			/* a blank line between */
	stays("項目-\nあ");
	stays("1\n- 項目");				/* a list item */
}

static void test_kanji_digits(void **state)
{
	folds("〇九〇一二三四五六七八", "09012345678");
	folds("電話 〇三ー一二三四ー五六七八 まで", "電話 03-1234-5678 まで");
	folds("零九〇‐一二三四‐五六七八", "090-1234-5678");
	folds("個人番号 一二三四五六七八九〇一八", "個人番号 123456789018");
	folds("〇九〇 一二三四 五六七八", "090 1234 5678");
	folds("一二三四 五六七八 九〇一八", "1234 5678 9018");
	stays("〇〇〇〇〇〇〇〇〇〇〇〇");		/* a form's placeholder */
	stays("漢数字は〇一二三四五六七八九と書く");	/* the numerals listed */
	stays("一二三四五");				/* a listing */
	stays("第一二三号");
	stays("二〇二四年一二月");
	stays("一千二百三十四万五千六百七十八九〇一二");	/* positional */
	stays("九九九九九九九九九九九九九");		/* 13 digits */
	stays("〇九〇一二三四五六七八十");		/* glued to 十 */
	stays("〇一二三四五六七八九1");			/* glued to an ASCII digit */
	stays("一ー二ー三ー四ー五ー六ー七ー八ー九ー〇");	/* too many separators */
}

static void test_addresses(void **state)
{
	folds("taro[at]example.go.jp", "taro@example.go.jp");
	folds("taro(at)example.go.jp", "taro@example.go.jp");
	folds("taro (at) example.go.jp", "taro@example.go.jp");
	folds("taro［ａｔ］example.go.jp", "taro@example.go.jp");
	folds("taro{AT}example.go.jp", "taro@example.go.jp");
	folds("taro<at>example.go.jp", "taro@example.go.jp");
	folds("taro[@]example.go.jp", "taro@example.go.jp");
	folds("taro ＠ example.go.jp", "taro@example.go.jp");
	folds("taroアットマークexample.go.jp", "taro@example.go.jp");
	folds("taro アットマーク example.go.jp", "taro@example.go.jp");
	folds("taro[at]example[dot]go[dot]jp", "taro@example.go.jp");
	folds("taro[dot]yamada(at)example(dot)co(dot)jp", "taro.yamada@example.co.jp");
	folds("taro at example dot go dot jp", "taro@example.go.jp");
	folds("taro AT example DOT com", "taro@example.com");
	folds("taro@exampleドットcom", "taro@example.com");
	folds("taro.yamada at example.com", "taro.yamada@example.com");
	folds("taro-y at example.co.jp", "taro-y@example.co.jp");
	folds("t_yamada at example.org.", "t_yamada@example.org.");
	/* the bare word: no address unless it is one beyond doubt */
	stays("meet at the station");
	stays("taro at example.go.jp");			/* as "host at mail.example.go.jp" */
	stays("This is the mail system at host mail.example.co.jp.");
	stays("This is the DragonFly Mail Agent v0.13 at df.example.jp.");
	stays("the meeting at 10.30 at hall.example.jp");
	stays("look at example.com for details");
	stays("available at www.example.go.jp");
	stays("arrive at 10 dot 30");
	stays("at home. Then we left");
	stays("(attention) at noon");
	stays("[at] the start");
	stays("@taro said");
	stays("price @ 100 yen");
	stays("taro[at]localhost");			/* one label */
	stays("taro[at]example.c0m");			/* the TLD must be letters */
	/* a plain '@' is only read for written dots when the text has one
	 * somewhere ("dot" in any case, ドット): each form, far from the
	 * plain addresses around it */
	folds("a@b.jp x taro@example[DoT]com y c@d.jp", "a@b.jp x taro@example.com y c@d.jp");
	folds("a@b.jp x taro@example(dot)com", "a@b.jp x taro@example.com");
	folds("taro{DOT}yamada@example.com a@b.jp", "taro.yamada@example.com a@b.jp");
	folds("a@b.jp 山田 taro@exampleドットcom", "a@b.jp 山田 taro@example.com");
	folds("a@b.jp taroドットyamada@example.com", "a@b.jp taro.yamada@example.com");
	stays("a@b.jp taro@example.com c@d.jp");
	stays("a@b.jp taro@example.com dotted, ドッ and ット: no dot");
}

static void assert_values(const struct se_found *f, enum finding_type t, const char *const *want)
{
	size_t n = 0;

	for (; want[n] != NULL; n++)
		if (!valueset_has(f->v[t], want[n], strlen(want[n])))
			fail_msg("%s: %s not found", finding_type_name(t), want[n]);
	if (valueset_count(f->v[t]) != n)
		fail_msg("%s: %zu values, want %zu (first: %s)", finding_type_name(t),
		    valueset_count(f->v[t]), n, valueset_get(f->v[t], 0));
}

static void assert_nothing(const struct se_found *f)
{
	for (int t = 0; t < FT_COUNT; t++)
		if (valueset_count(f->v[t]) != 0)
			fail_msg("%s: %zu values (first: %s), want none", finding_type_name(t),
			    valueset_count(f->v[t]), valueset_get(f->v[t], 0));
}

/* Every escape counts as the plain value: distinct counting sees one. */
static void test_escapes_count_as_plain(void **state)
{
	struct se_found f;
	const char *phones[] = { "09012345678", "0312345678", "09087654321", "0465123456", NULL };
	const char *mails[] = { "taro@example.go.jp", "hanako.sato@example.co.jp", NULL };
	const char *mn[] = { "123456789018", NULL };

	se_scan("担当: 090-1234-5678 / 0 9 0 1 2 3 4 5 6 7 8 / 〇九〇ー一二三四ー五六七八\n"
	    "代表 (03)1234-5678、03.1234-5678、〇三一二三四五六七八\n"
	    "携帯 090 8765-4321、支所 0465-12-\n> 3456\n"
	    "taro@example.go.jp, taro[at]example.go.jp, TARO at example dot go dot jp\n"
	    "This is the mail system at host mail.example.co.jp.\n"
	    "hanako.sato アットマーク example.co.jp\n"
	    "個人番号 一二三四五六七八九〇一八（123456789018）\n", &f);
	assert_values(&f, FT_PHONE, phones);
	assert_values(&f, FT_EMAIL, mails);
	assert_values(&f, FT_MY_NUMBER, mn);
	se_release(&f);
}

/* Kanji digits beside a keyword are still held to the check digit. */
static void test_kanji_my_number_check_digit(void **state)
{
	struct se_found f;
	const char *none[] = { NULL };

	se_scan("個人番号 一二三四五六七八九〇一九\nマイナンバー 一 二 三 四 五 六 七 八 九 〇 一 八\n",
	    &f);
	assert_values(&f, FT_MY_NUMBER, none);
	se_release(&f);
	se_scan("個人番号 〇〇〇〇〇〇〇〇〇〇〇〇（記入例）\n", &f);	/* a placeholder */
	assert_values(&f, FT_MY_NUMBER, none);
	se_release(&f);
	se_scan("一二三四五六七八九〇一八\n", &f);	/* no keyword */
	assert_values(&f, FT_MY_NUMBER, none);
	se_release(&f);
}

/* Clean mail: budget tables, dates, page numbers, times, versions, ISBNs,
 * spaced years, kanji numerals in prose, "at" in English.  Nothing counts. */
static void test_clean_text_counts_nothing(void **state)
{
	struct se_found f;

	se_scan("令和6年度 予算額（単位：千円）\n"
	    "項目\t令和5年度\t令和6年度\t増減\n"
	    "人件費\t1,234,567\t1,245,678\t11,111\n"
	    "物件費\t 987,654\t 976,543\t-11,111\n"
	    "合計 2 2 2 2 2 2 1\n"
	    "1 2 3 4 5 6 7 8 9 10 11 12（月）\n"
	    "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    "開催日 2024 年 1 月 2 日（火）10:00-11:30、2 0 2 4 年度\n"
	    "資料 p. 1 2 3、pp. 12-34、第一二三号、一二三四五の順に確認\n"
	    "第一回 二〇二四年一二月一〇日 一千二百三十四万円\n"
	    "ISBN 978-4-12-345678-9、ISBN978-4-87311-778-2\n"
	    "ver. 1.2.3、v10.0.19045、build 22621.2428\n"
	    "Let's meet at the station at 10:30; look at example.com for details.\n"
	    "The office is at www.example.go.jp. Arrive at 9 dot 30.\n"
	    "文書番号 2024-0123-\n4567-8、整理番号 12 34 56 78 90\n", &f);
	assert_nothing(&f);
	se_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spaced_digits),
		cmocka_unit_test(test_line_breaks),
		cmocka_unit_test(test_kanji_digits),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_escapes_count_as_plain),
		cmocka_unit_test(test_kanji_my_number_check_digit),
		cmocka_unit_test(test_clean_text_counts_nothing),
	};

	return cmocka_run_group_tests(tests, se_setup, se_teardown);
}
