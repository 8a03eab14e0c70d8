/*
 * test_terms.c — dictionaries and named patterns (text/terms.h): the
 * neighbour rules of one-kanji and ASCII words, full-width and half-width
 * forms, occurrences against distinct values, the masks, compile errors
 * with PCRE2's offset, and the match budget on a catastrophic pattern.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/valueset.h"
#include "text/terms.h"

/* Run one term over text: its hits, distinct count into *distinct. */
static unsigned long run1(enum term_kind kind, const char *src, const char *text,
    size_t *distinct, int *spent)
{
	struct term_def d = { kind, "t", src };
	char err[256];
	struct terms *t = terms_new(&d, 1, err, sizeof(err), NULL, NULL);
	unsigned long hits = 0;
	struct valueset *vs = valueset_new();
	int rc;

	if (!t)
		fail_msg("compile: %s", err);
	rc = terms_run(t, text, strlen(text), &hits, &vs, NULL);
	assert_true(rc >= 0);
	if (spent)
		*spent = rc;
	if (distinct)
		*distinct = valueset_count(vs);
	valueset_free(vs);
	terms_free(t);
	return hits;
}

static unsigned long dict(const char *words, const char *text)
{
	return run1(TERM_DICT, words, text, NULL, NULL);
}

#define SECRET "秘\n極秘\n取扱注意\n部外秘"

static void test_one_kanji_marks(void **state)
{
	(void)state;
	assert_int_equal(dict(SECRET, "【秘】会議資料"), 1);
	assert_int_equal(dict(SECRET, "(秘) 人事案"), 1);
	assert_int_equal(dict(SECRET, "（秘）人事案"), 1);	/* full-width brackets */
	assert_int_equal(dict(SECRET, "「秘」"), 1);
	assert_int_equal(dict(SECRET, "㊙ 人事"), 1);		/* NFKC: ㊙ is 秘 */
	assert_int_equal(dict(SECRET, "秘"), 1);
	assert_int_equal(dict(SECRET, "これは秘です"), 1);	/* kana neighbours */
}

static void test_one_kanji_inside_words(void **state)
{
	(void)state;
	assert_int_equal(dict(SECRET, "秘書課の田中です"), 0);
	assert_int_equal(dict(SECRET, "秘密保持契約"), 0);
	assert_int_equal(dict(SECRET, "便秘薬"), 0);
	assert_int_equal(dict(SECRET, "神秘的"), 0);
}

static void test_longer_words(void **state)
{
	(void)state;
	assert_int_equal(dict(SECRET, "極秘"), 1);
	assert_int_equal(dict(SECRET, "【極秘】取扱注意事項"), 2);
	assert_int_equal(dict(SECRET, "部外秘資料"), 1);
	/* 極秘 is one occurrence, not 極秘 and 秘 */
	assert_int_equal(dict(SECRET, "極秘です"), 1);
	/* occurrences: the same word three times */
	assert_int_equal(dict(SECRET, "【秘】【秘】【秘】"), 3);
}

static void test_width_forms(void **state)
{
	size_t d = 0;

	(void)state;
	assert_int_equal(dict("CONFIDENTIAL", "ＣＯＮＦＩＤＥＮＴＩＡＬ report"), 1);
	assert_int_equal(dict("CONFIDENTIAL", "this is confidential."), 1);
	assert_int_equal(dict("ＣＯＮＦＩＤＥＮＴＩＡＬ", "Confidential"), 1);
	assert_int_equal(dict("ゴクヒ", "ｺﾞｸﾋ扱い"), 1);	/* half-width katakana */
	assert_int_equal(run1(TERM_DICT, "secret", "Secret SECRET secret", &d, NULL), 3);
	assert_int_equal(d, 3);		/* as written: three spellings */
}

static void test_ascii_boundaries(void **state)
{
	(void)state;
	assert_int_equal(dict("secret", "the secretary"), 0);
	assert_int_equal(dict("secret", "topsecret"), 0);
	assert_int_equal(dict("secret", "top-secret!"), 1);
	assert_int_equal(dict("secret", "秘密secret資料"), 1);
}

static void test_clean_text(void **state)
{
	(void)state;
	assert_int_equal(dict(SECRET, "お世話になっております。秘書課の佐藤です。"
	    "来週の会議の件、よろしくお願いいたします。神秘的な夜景でした。"), 0);
}

static void test_pattern_distinct(void **state)
{
	size_t d = 0;
	unsigned long h = run1(TERM_PATTERN, "EMP-[0-9]{6}",
	    "EMP-123456, EMP-654321 and EMP-123456 again; ＥＭＰ－１１１１１１", &d, NULL);

	(void)state;
	assert_int_equal(h, 4);		/* occurrences (full-width folded by NFKC) */
	assert_int_equal(d, 3);		/* the pattern's counter: distinct values */
}

static void test_mask(void **state)
{
	char out[64];

	(void)state;
	terms_mask(TERM_PATTERN, "EMP-123456", out, sizeof(out));
	assert_string_equal(out, "E********6");
	terms_mask(TERM_PATTERN, "山田太郎", out, sizeof(out));
	assert_string_equal(out, "山**郎");
	terms_mask(TERM_PATTERN, "ab", out, sizeof(out));
	assert_string_equal(out, "**");
	terms_mask(TERM_DICT, "極秘", out, sizeof(out));
	assert_string_equal(out, "極秘");
}

static void test_compile_errors(void **state)
{
	struct term_def d[2] = { { TERM_DICT, "ok", "a" }, { TERM_PATTERN, "bad", "ab(c" } };
	char err[256];
	size_t bad = 9;
	long off = 0;

	(void)state;
	assert_null(terms_new(d, 2, err, sizeof(err), &bad, &off));
	assert_int_equal(bad, 1);
	assert_int_equal(off, 4);
	assert_non_null(strstr(err, "pattern bad: missing closing parenthesis at offset 4"));
	d[1] = (struct term_def){ TERM_DICT, "empty", " \n \n" };
	assert_null(terms_new(d, 2, err, sizeof(err), &bad, &off));
	assert_string_equal(err, "dictionary empty: no words");
}

/* (a+)+$ on 30000 a's and a b: exponential backtracking, stopped by the
 * match limit: the run finishes, nothing is counted, the budget is
 * reported as spent. */
static void test_catastrophic(void **state)
{
	size_t n = 30000, d = 9;
	char *text = malloc(n + 2);
	int spent = 0;

	(void)state;
	memset(text, 'a', n);
	text[n] = 'b';
	text[n + 1] = '\0';
	assert_int_equal(run1(TERM_PATTERN, "(a+)+$", text, &d, &spent), 0);
	assert_int_equal(d, 0);
	assert_int_equal(spent, 1);
	/* a sane pattern on the same text: no budget spent */
	assert_int_equal(run1(TERM_PATTERN, "ab", text, &d, &spent), 1);
	assert_int_equal(spent, 0);
	free(text);
}

/* Many matches: counted up to TERMS_MAX_MATCHES, then the count stops;
 * the text is read (no budget spent): a spreadsheet of 20,000 staff
 * numbers is "at least 10,000", not unscanned. */
static void test_match_cap(void **state)
{
	size_t n = TERMS_MAX_MATCHES + 10, d = 0;
	char *text = malloc(2 * n + 1);
	int spent = 0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		memcpy(text + 2 * i, "x ", 2);
	text[2 * n] = '\0';
	assert_int_equal(run1(TERM_PATTERN, "x", text, &d, &spent), TERMS_MAX_MATCHES);
	assert_int_equal(spent, 0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_kanji_marks),
		cmocka_unit_test(test_one_kanji_inside_words),
		cmocka_unit_test(test_longer_words),
		cmocka_unit_test(test_width_forms),
		cmocka_unit_test(test_ascii_boundaries),
		cmocka_unit_test(test_clean_text),
		cmocka_unit_test(test_pattern_distinct),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_catastrophic),
		cmocka_unit_test(test_match_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
