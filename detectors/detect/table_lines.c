/*
 * table_lines.c — the lines of the table pass's text and the candidate
 * lines (table_int.h).
 *
 * Candidate lines.  Only lines that may hold a keyword cell are looked at:
 * lines holding one of the anchors 生 話 携 住 所在 郵 口座 個 マイナ 旅券
 * パスポ 保険 年金 免許 在留 氏名 名前 (each found at its least frequent
 * byte, some sharing one: one pass, 16 bytes at a time, looks for those
 * bytes and the separators together), and lines
 * holding a tab, a comma or '|' that hold an upper-case ASCII letter or
 * start the text, a sheet or a paragraph (a CSV's header row
 * "name,phone,mail"), where the English words are looked for.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "detect/table_cells.h"
#include "detect/table_int.h"

/* Every non-ASCII word above holds one of these (メール needs none: a
 * mail column adds nothing), each looked for at its byte `at`, the one
 * least frequent in Japanese text (not 0x80-0x83, the middle bytes of
 * punctuation, kana and 、。). */
static const struct {
	const char *a;
	size_t at;
} tb_anchors[] = {
	{ "生", 2 }, { "話", 1 }, { "携", 1 }, { "住", 1 }, { "所在", 5 }, { "郵", 2 },
	{ "口座", 2 }, { "個", 2 }, { "マイナ", 2 },
	/* the identifiers' and the names' words; several anchors share a byte */
	{ "旅券", 5 }, { "パスポ", 8 }, { "保険", 2 }, { "年金", 5 }, { "免許", 2 },
	{ "在留", 2 }, { "氏名", 2 }, { "名前", 2 },
};
#define TB_NANCHORS (sizeof(tb_anchors) / sizeof(tb_anchors[0]))

/* Start of the line holding `at` (after '\n' or '\f'). */
size_t tb_line_start(const char *t, size_t at)
{
	const char *nl = memrchr(t, '\n', at);
	size_t s = nl != NULL ? (size_t)(nl - t) + 1 : 0;
	const char *ff = at > s ? memrchr(t + s, '\f', at - s) : NULL;

	return ff != NULL ? (size_t)(ff - t) + 1 : s;
}

/* End of the line holding `at` (its '\n' or '\f', or len). */
size_t tb_line_end(const char *t, size_t len, size_t at)
{
	const char *nl = at < len ? memchr(t + at, '\n', len - at) : NULL;
	size_t e = nl != NULL ? (size_t)(nl - t) : len;
	const char *ff = e > at ? memchr(t + at, '\f', e - at) : NULL;

	return ff != NULL ? (size_t)(ff - t) : e;
}

/* ---- candidate lines ---- */

static void cand_push(struct tb *tb, size_t ls)
{
	if (tb->ncand == tb->capcand) {
		size_t cap = tb->capcand ? tb->capcand * 2 : 64;
		size_t *p = realloc(tb->cand, cap * sizeof(*p));

		if (p == NULL) {
			tb->err = 1;
			return;
		}
		tb->cand = p;
		tb->capcand = cap;
	}
	tb->cand[tb->ncand++] = ls;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The anchors (bit i: tb_anchors[i]) whose byte `at` byte c is; 0 for
 * none (cand_bytes looks for the same bytes; keep both in step with
 * tb_anchors). */
#define A(i) (1u << (i))
static const uint32_t tb_anchor_of[256] = {
	[0x9F] = A(0), [0xA9] = A(1), [0x90] = A(2), [0xBD] = A(3), [0xA8] = A(4) | A(14),
	[0xB5] = A(5), [0xA3] = A(6), [0x8B] = A(7), [0x9E] = A(8), [0xB8] = A(9),
	[0x9D] = A(10) | A(11), [0x91] = A(12), [0x8D] = A(13) | A(16), [0x8F] = A(15),
};
#undef A

/* The byte before each anchor's byte `at` (one or two anchors share a
 * byte: tb_prev[c][0], [1]; tb_prev_any[c] when more do), made from
 * tb_anchors at the first call: a byte found where an anchor's is, with
 * none of these before it, starts no anchor (most bytes found are the
 * middle or last bytes of other characters). */
static unsigned char tb_prev[256][2], tb_prev_any[256];
static pthread_once_t tb_prev_once = PTHREAD_ONCE_INIT;

static void tb_prev_make(void)
{
	for (size_t i = 0; i < TB_NANCHORS; i++) {
		unsigned char c = (unsigned char)tb_anchors[i].a[tb_anchors[i].at];
		unsigned char b = (unsigned char)tb_anchors[i].a[tb_anchors[i].at - 1];

		if (tb_prev[c][0] == 0 || tb_prev[c][0] == b)
			tb_prev[c][0] = b;
		else if (tb_prev[c][1] == 0 || tb_prev[c][1] == b)
			tb_prev[c][1] = b;
		else
			tb_prev_any[c] = 1;
	}
}

/* Bit k set when byte base + k is one of the bytes looked for: each
 * anchor's byte `at`, tab, comma, '|' (16 bytes at a time). */
static uint32_t cand_bytes(const unsigned char *u, size_t len, size_t base)
{
	uint32_t m = 0;

#ifdef __SSE2__
	if (base + 16 <= len) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + base));
#define EQ(c) _mm_cmpeq_epi8(x, _mm_set1_epi8((char)(c)))
		__m128i r = _mm_or_si128(_mm_or_si128(_mm_or_si128(EQ('\t'), EQ(',')),
		    _mm_or_si128(EQ('|'), EQ(0x9F))), _mm_or_si128(_mm_or_si128(EQ(0xA9), EQ(0x90)),
		    _mm_or_si128(EQ(0xBD), EQ(0xA8))));

		r = _mm_or_si128(r, _mm_or_si128(_mm_or_si128(EQ(0xB5), EQ(0xA3)),
		    _mm_or_si128(EQ(0x8B), EQ(0x9E))));
		r = _mm_or_si128(r, _mm_or_si128(_mm_or_si128(_mm_or_si128(EQ(0xB8), EQ(0x9D)),
		    _mm_or_si128(EQ(0x91), EQ(0x8D))), EQ(0x8F)));
#undef EQ
		return (uint32_t)_mm_movemask_epi8(r);
	}
#endif
	for (size_t k = 0; k < 16 && base + k < len; k++) {
		unsigned char c = u[base + k];

		if (tb_anchor_of[c] || c == '\t' || c == ',' || c == '|')
			m |= 1u << k;
	}
	return m;
}

/* Lines that may hold a keyword cell, sorted, each once.  One pass finds
 * every byte an anchor is looked for at and every separator, in order; a
 * line taken goes on from its end, and a line's separators are weighed
 * once. */
void tb_candidates(struct tb *tb)
{
	const char *t = tb->t;
	const unsigned char *u = (const unsigned char *)t;
	size_t n = 0, s_ls = 1, s_le = 0;	/* the line weighed last (empty: none) */

	pthread_once(&tb_prev_once, tb_prev_make);
	for (size_t base = 0, next; base < tb->len && !tb->err; base = next) {
		next = base + 16;
		for (uint32_t m = cand_bytes(u, tb->len, base); m; m &= m - 1) {
			size_t p = base + (size_t)__builtin_ctz(m), ls = 0, le = 0;
			unsigned char c = u[p];
			uint32_t am = tb_anchor_of[c];

			if (am == 0) {	/* tab, comma, '|' */
				int top;

				if (p >= s_ls && p <= s_le)
					continue;	/* its line is weighed */
				if (c == ',' && p > 0 && tbc_is_digit(t[p - 1]) && tbc_is_digit(t[p + 1]))
					continue;	/* 1,234,567: an amount, no cell */
				s_ls = tb_line_start(t, p);
				s_le = tb_line_end(t, tb->len, p);
				/* a line with a capital, or the first of its block or
				 * after a blank line (a lower-case CSV header) */
				top = s_ls == 0 || t[s_ls - 1] == '\f' || (s_ls >= 2 && t[s_ls - 2] == '\n');
				if (!tbc_ascii_words(t, s_ls, s_le, top))
					continue;
				ls = s_ls, le = s_le;
			} else {
				size_t at = 0;
				unsigned char b = p > 0 ? u[p - 1] : 0;	/* every at >= 1 */

				if (b != tb_prev[c][0] && b != tb_prev[c][1] && !tb_prev_any[c])
					continue;
				for (; am; am &= am - 1) {
					unsigned ai = (unsigned)__builtin_ctz(am);
					const char *an = tb_anchors[ai].a;
					size_t k = tb_anchors[ai].at;

					if (p < k)
						continue;
					at = p - k;
					/* the first two bytes inline: most bytes found
					 * are in other characters */
					if (t[at] == an[0] && t[at + 1] == an[1] &&
					    at + strlen(an) <= tb->len && memcmp(t + at, an, strlen(an)) == 0)
						break;
				}
				if (am == 0)
					continue;
				ls = tb_line_start(t, at);
				le = tb_line_end(t, tb->len, at);
			}
			cand_push(tb, ls);
			next = le + 1;	/* the line is taken: on from its end */
			break;
		}
	}
	if (tb->err || tb->ncand == 0)
		return;
	qsort(tb->cand, tb->ncand, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < tb->ncand; i++)
		if (n == 0 || tb->cand[n - 1] != tb->cand[i])
			tb->cand[n++] = tb->cand[i];
	tb->ncand = n;
}
