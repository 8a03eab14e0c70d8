/*
 * test_normalize.c — NFKC, dash/space/zero-width folding, line ends, bad
 * bytes; the fast-path ranges checked against utf8proc; and a differential
 * test against a plain reference (whole lines through utf8proc_map).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <utf8proc.h>

#include "text/normalize.h"

#define OPTS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE)

static void expect_n(const char *in, size_t len, const char *want)
{
	size_t n = 12345;
	char *out = normalize_text(in, len, &n);

	assert_non_null(out);
	if (strcmp(out, want) != 0)
		fail_msg("normalize(\"%.*s\") = \"%s\", want \"%s\"", (int)len, in, out, want);
	assert_int_equal(n, strlen(want));
	free(out);
}

static void expect(const char *in, const char *want)
{
	expect_n(in, strlen(in), want);
}

static void test_full_width(void **state)
{
	expect("０９０－１２３４－５６７８", "090-1234-5678");
	expect("ＴＥＬ：（０３）１２３４", "TEL:(03)1234");
	expect("ｍｙ＠ｅｘａｍｐｌｅ．ｊｐ", "my@example.jp");
	expect("ｶﾞｷﾞｸﾞ", "ガギグ");		/* half-width kana, voiced */
	expect("㈱①㍻", "(株)1平成");
	expect("〶100", "〒100");
}

static void test_plain_copied(void **state)
{
	expect("", "");
	expect("お世話になっております。", "お世話になっております。");
	expect("データベース・サーバー「本番」※要確認", "データベース・サーバー「本番」※要確認");
	expect("plain ASCII\ttab\fform feed", "plain ASCII\ttab\fform feed");
	expect("□■○●★☆→×÷±°", "□■○●★☆→×÷±°");
}

static void test_dashes_between_digits(void **state)
{
	expect("03ー1234ー5678", "03-1234-5678");
	expect("０３ー１２３４", "03-1234");
	expect("1‐2‑3‒4–5—6―7−8﹣9－0", "1-2-3-4-5-6-7-8-9-0");
	expect("1─2━3ｰ4", "1-2-3-4");
	/* not between digits: kept */
	expect("データ", "データ");
	expect("1ー番", "1ー番");
	expect("Aー1", "Aー1");
	expect("10 — 20", "10 — 20");
	expect("ー1", "ー1");
	expect("1ー", "1ー");
}

static void test_spaces_and_invisibles(void **state)
{
	expect("a　b", "a b");			/* ideographic space */
	expect("a\xC2\xA0" "b", "a b");		/* NBSP */
	expect("a\xE2\x80\x89" "b", "a b");	/* thin space */
	expect("a\xE1\x9A\x80" "b", "a b");	/* Ogham space mark, Zs kept by NFKC */
	expect("09\xE2\x80\x8B" "0\xE2\x80\x8C" "1\xE2\x80\x8D" "2\xEF\xBB\xBF" "3\xC2\xAD" "4",
	    "0901234");
	expect("葛\xEF\xB8\x80" "飾", "葛飾");	/* variation selector */
	expect("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c", "a\nb\nc");
}

static void test_line_ends_and_nul(void **state)
{
	expect("a\r\nb\rc\nd", "a\nb\nc\nd");
	expect("\r\r\n", "\n\n");
	expect_n("a\0b", 3, "a b");
	expect_n("０\0１", 7, "0 1");
	expect_n("ｶ\0ﾞ", 7, "カ ゙");
}

static void test_invalid_utf8(void **state)
{
	expect("x\xFFy", "x\xEF\xBF\xBDy");
	expect("x\xC0\xAFy", "x\xEF\xBF\xBD\xEF\xBF\xBDy");		/* overlong */
	expect("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");	/* surrogate */
	expect("あ\xE3\x81", "あ\xEF\xBF\xBD\xEF\xBF\xBD");		/* truncated */
	expect("\xE3\xE3\x81\x82", "\xEF\xBF\xBDあ");
}

static void test_composition(void **state)
{
	expect("か\xE3\x82\x99", "が");		/* combining voiced mark */
	expect("e\xCC\x81", "\xC3\xA9");
	expect("Ｅ\xCC\x81", "\xC3\x89");	/* mapped full-width letter + mark */
	expect("\xCC\x81", "\xCC\x81");		/* a mark alone */
	expect("ﬁ", "fi");
}

/* The fast ranges of normalize.c's header comment. */
static const uint32_t fast_ranges[][2] = {
	{ 0x01, 0x7F }, { 0xB0, 0xB1 }, { 0xD7, 0xD7 }, { 0xF7, 0xF7 },
	{ 0x2018, 0x2019 }, { 0x201C, 0x201D }, { 0x2020, 0x2022 }, { 0x2030, 0x2030 },
	{ 0x203B, 0x203B }, { 0x2190, 0x2199 }, { 0x25A0, 0x26FF }, { 0x3001, 0x3029 },
	{ 0x3030, 0x3035 }, { 0x303C, 0x303F }, { 0x3041, 0x3096 }, { 0x309D, 0x309E },
	{ 0x30A0, 0x30FE }, { 0x4E00, 0x9FFF },
};
#define NRANGES (sizeof(fast_ranges) / sizeof(fast_ranges[0]))

static int in_fast(int32_t c)
{
	for (size_t r = 0; r < NRANGES; r++)
		if ((uint32_t)c >= fast_ranges[r][0] && (uint32_t)c <= fast_ranges[r][1])
			return 1;
	return 0;
}

/* Every fast code point: NFKC maps it to itself, it is a starter, and no
 * canonical decomposition in Unicode has it after its first place (so it
 * never composes with what precedes it). */
static void test_fast_ranges_against_utf8proc(void **state)
{
	for (size_t r = 0; r < NRANGES; r++) {
		for (uint32_t c = fast_ranges[r][0]; c <= fast_ranges[r][1]; c++) {
			utf8proc_uint8_t in[8], *out = NULL;
			utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)c, in);
			utf8proc_ssize_t m = utf8proc_map(in, n, &out, OPTS);

			if (m != n || memcmp(in, out, (size_t)n) != 0)
				fail_msg("U+%04X is changed by NFKC", c);
			free(out);
			if (utf8proc_get_property((utf8proc_int32_t)c)->combining_class != 0)
				fail_msg("U+%04X is not a starter", c);
			/* and normalize_text copies it */
			if (c != '\r' && c != '\n') {
				size_t k;
				char *o = normalize_text((const char *)in, (size_t)n, &k);
				assert_non_null(o);
				if (k != (size_t)n || memcmp(o, in, k) != 0)
					fail_msg("U+%04X not copied", c);
				free(o);
			}
		}
	}
	for (int32_t a = 0; a < 0x110000; a++) {
		utf8proc_int32_t d[8];
		int bc = 0;
		utf8proc_ssize_t k = utf8proc_decompose_char(a, d, 8, UTF8PROC_DECOMPOSE, &bc);

		for (utf8proc_ssize_t j = 1; j < k && j < 8; j++)
			if (in_fast(d[j]))
				fail_msg("U+%04X decomposes with fast U+%04X second", a, d[j]);
	}
}

/* Reference: clean bytes, whole lines through utf8proc_map, then fold. */
static int ref_dash(int32_t c)
{
	return (c >= 0x2010 && c <= 0x2015) || c == 0x2043 || c == 0x2212 || c == 0x2500 ||
	    c == 0x2501 || c == 0x2796 || c == 0x2E3A || c == 0x2E3B || c == 0x02D7 ||
	    c == 0x30FC;
}

static int ref_invisible(int32_t c)
{
	return c == 0xAD || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
	    (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
	    (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFE00 && c <= 0xFE0F) ||
	    (c >= 0xE0100 && c <= 0xE01EF);
}

static size_t ref_line(const char *line, size_t n, char *out)
{
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t ml = n ? utf8proc_map((const utf8proc_uint8_t *)line, (utf8proc_ssize_t)n,
	    &m, OPTS) : 0;
	size_t o = 0;

	assert_true(ml >= 0);
	for (utf8proc_ssize_t i = 0; i < ml;) {
		utf8proc_int32_t c, next = -1;
		utf8proc_ssize_t l = utf8proc_iterate(m + i, ml - i, &c);
		if (i + l < ml)
			utf8proc_iterate(m + i + l, ml - i - l, &next);
		if (ref_dash(c) && o > 0 && out[o - 1] >= '0' && out[o - 1] <= '9' &&
		    next >= '0' && next <= '9')
			out[o++] = '-';
		else if (ref_invisible(c))
			;
		else if (c == 0x2028 || c == 0x2029)
			out[o++] = '\n';
		else if (utf8proc_category(c) == UTF8PROC_CATEGORY_ZS)
			out[o++] = ' ';
		else
			o += (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)out + o);
		i += l;
	}
	free(m);
	return o;
}

static char *reference(const char *in, size_t len, size_t *outlen)
{
	char *clean = malloc(len * 3 + 1), *out = malloc(len * 18 + 16);
	size_t c = 0, o = 0, start = 0;

	assert_non_null(clean);
	assert_non_null(out);
	for (size_t i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)in + i,
		    (utf8proc_ssize_t)(len - i), &cp);
		if (l <= 0) {
			memcpy(clean + c, "\xEF\xBF\xBD", 3), c += 3, i++;
		} else if (cp == '\r') {
			clean[c++] = '\n';
			i += (i + 1 < len && in[i + 1] == '\n') ? 2 : 1;
		} else if (cp == 0) {
			clean[c++] = ' ', i++;
		} else {
			memcpy(clean + c, in + i, (size_t)l), c += (size_t)l, i += (size_t)l;
		}
	}
	for (size_t i = 0; i <= c; i++) {
		if (i == c || clean[i] == '\n') {
			o += ref_line(clean + start, i - start, out + o);
			if (i < c)
				out[o++] = '\n';
			start = i + 1;
		}
	}
	out[o] = '\0';
	free(clean);
	*outlen = o;
	return out;
}

static const char *const pool[] = {
	"0", "1", "9", "a", "Z", "-", " ", ".", "(", "\t", "\r", "\n", "\r\n", "あ", "ア",
	"漢", "ー", "ー", "「", "。", "０", "９", "Ａ", "－", "（", "　", "\xC2\xA0",
	"\xE2\x80\x8B", "−", "‐", "—", "─", "\xE3\x82\x99", "\xCC\x81", "ｶ", "ﾞ", "ｰ", "㈱",
	"①", "ﬁ", "\xFF", "\xE3", "\xE3\x81", "\xED\xA0\x80", "\xF0\x9F\x98\x80", "é",
	"\xE2\x80\xA8", "\xEF\xB8\x8F", "Ω", "〒", "℡", "ｱ",
};

/* normalize_text() agrees with the reference on random mixtures. */
static void test_differential(void **state)
{
	uint64_t rng = 88172645463325252ULL;
	char in[512];

	for (int t = 0; t < 20000; t++) {
		size_t len = 0, n1, n2;
		int parts;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		parts = (int)(rng % 40);
		for (int k = 0; k < parts; k++) {
			const char *p;
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			p = pool[rng % (sizeof(pool) / sizeof(pool[0]))];
			memcpy(in + len, p, strlen(p));
			len += strlen(p);
		}
		if (rng % 5 == 0)
			in[len++] = '\0';	/* a NUL too */
		char *a = normalize_text(in, len, &n1), *b = reference(in, len, &n2);
		assert_non_null(a);
		if (n1 != n2 || memcmp(a, b, n1) != 0)
			fail_msg("differs on \"%.*s\": \"%s\" vs reference \"%s\"", (int)len, in, a, b);
		free(a);
		free(b);
	}
}

/* Long runs of combining marks (sorted by a counting sort past 32 marks)
 * come out as utf8proc orders them. */
static void test_long_mark_runs(void **state)
{
	static const char *const marks[] = { "\xE3\x82\x99", "\xCC\x81", "\xEF\xBE\x9E",
	    "\xCC\xA3", "\xD6\xB0" };
	char in[8192];
	size_t len = 0, n1, n2;
	uint64_t rng = 42;

	memcpy(in, "か", 3), len = 3;
	for (int i = 0; i < 1500; i++) {
		const char *m;
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		m = marks[rng % 5];
		memcpy(in + len, m, strlen(m));
		len += strlen(m);
	}
	char *a = normalize_text(in, len, &n1), *b = reference(in, len, &n2);
	assert_non_null(a);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	free(a);
	free(b);
}

/* Whatever the input, the output is valid UTF-8 with no NUL or CR. */
static void test_output_always_valid(void **state)
{
	uint64_t rng = 1234567;
	unsigned char in[300];

	for (int t = 0; t < 5000; t++) {
		size_t len, n;
		char *out;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		len = rng % sizeof(in);
		for (size_t i = 0; i < len; i++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			in[i] = (unsigned char)(rng >> 24);
		}
		out = normalize_text((const char *)in, len, &n);
		assert_non_null(out);
		assert_int_equal(out[n], '\0');
		for (size_t i = 0; i < n;) {
			utf8proc_int32_t cp;
			utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)out + i,
			    (utf8proc_ssize_t)(n - i), &cp);
			assert_true(l > 0);
			assert_true(cp != 0 && cp != '\r');
			i += (size_t)l;
		}
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_width),
		cmocka_unit_test(test_plain_copied),
		cmocka_unit_test(test_dashes_between_digits),
		cmocka_unit_test(test_spaces_and_invisibles),
		cmocka_unit_test(test_line_ends_and_nul),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_composition),
		cmocka_unit_test(test_fast_ranges_against_utf8proc),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_long_mark_runs),
		cmocka_unit_test(test_output_always_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
