/*
 * normalize.c — NFKC (utf8proc) plus dash, space and zero-width folding.
 *
 * The text is walked once.  Runs of "fast" code points, which NFKC leaves
 * unchanged whatever surrounds them (combining class 0, mapped to themselves,
 * never the second half of a composition — the unit test checks every one of
 * them against utf8proc), are copied as they are:
 *   U+0001–007F (CR and NUL aside), U+00B0–00B1, U+00D7, U+00F7,
 *   U+2018–2019, U+201C–201D, U+2020–2022, U+2030, U+203B, U+2190–2199,
 *   U+25A0–26FF, U+3001–3029, U+3030–3035, U+303C–303F, U+3041–3096,
 *   U+309D–309E, U+30A0–30FE, U+4E00–9FFF.
 * So a line made only of them is copied without calling utf8proc.  Two
 * frequent compatibility characters are mapped by table, to what NFKC gives
 * (a single ASCII character): the full-width forms U+FF01–FF5E (digits,
 * letters, '－', '（', '：', '～' …) and the ideographic space U+3000.  Every
 * other run goes through utf8proc with UTF8PROC_STABLE | UTF8PROC_COMPAT |
 * UTF8PROC_COMPOSE — the steps of utf8proc_map (decompose each character,
 * order the marks, compose), without a malloc per run and with a linear
 * sort of combining marks where utf8proc's is quadratic —
 * together with the character output just before it, which a combining mark
 * in the run may compose with (NFKC of that character followed by the run
 * equals NFKC of the original character followed by the run, since its NFKD
 * is itself, or the one ASCII character of the table).  Invalid UTF-8 bytes
 * become U+FFFD first.
 *
 * Then, on the lines that need it (a run went through utf8proc, or 'ー'
 * follows a digit), folding:
 *  - a dash variant (U+2010–2015, U+2043, U+2212, U+2500–2501, U+2796,
 *    U+2E3A–2E3B, U+02D7, U+30FC 'ー'; NFKC has already turned U+FF0D,
 *    U+FE63, U+FE58, U+FE31–FE32, U+FF70 into one of these or '-') becomes
 *    '-' when it stands between two ASCII digits;
 *  - any other space (category Zs: NBSP, U+2000–200A, U+3000 … — most of
 *    which NFKC already makes ' ') becomes ' ';
 *  - zero-width and invisible format characters go: U+00AD, U+180E,
 *    U+200B–200F, U+202A–202E, U+2060–2064, U+2066–206F, U+FEFF,
 *    variation selectors U+FE00–FE0F and U+E0100–E01EF;
 *  - U+2028 and U+2029 become LF.
 * CR LF and CR become LF; NUL becomes a space.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "text/normalize.h"

#define NORM_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE)
#define PAD 64			/* zeroed bytes after the final NUL */

struct obuf {
	char *p;
	size_t len, cap;
};

/* Grow b for `more` bytes and the final NUL.  Returns 0 or -1. */
static int ob_grow(struct obuf *b, size_t more)
{
	size_t need = b->len + more + 1;
	size_t cap = b->cap;
	char *p;

	while (cap < need)
		cap = cap < 64 ? 64 : cap + cap / 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Make room for `more` bytes and the final NUL: inline when there is
 * (a call for every line end and every run cost more than the test).
 * Returns 0 or -1. */
static inline int ob_reserve(struct obuf *b, size_t more)
{
	return b->len + more + 1 <= b->cap ? 0 : ob_grow(b, more);
}

static int ob_put(struct obuf *b, const void *s, size_t n)
{
	if (ob_reserve(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

static inline int is_fast_cp(uint32_t c)
{
	if (c >= 0x3000 && c <= 0x30FF)
		return (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A0 && c <= 0x30FE) ||
		    (c >= 0x3001 && c <= 0x3029) || (c >= 0x3030 && c <= 0x3035) ||
		    (c >= 0x303C && c <= 0x303F) || c == 0x309D || c == 0x309E;
	if (c >= 0x4E00 && c <= 0x9FFF)
		return 1;
	if (c >= 0x2000 && c <= 0x2FFF)
		return c == 0x2018 || c == 0x2019 || c == 0x201C || c == 0x201D ||
		    (c >= 0x2020 && c <= 0x2022) || c == 0x2030 || c == 0x203B ||
		    (c >= 0x2190 && c <= 0x2199) || (c >= 0x25A0 && c <= 0x26FF);
	return c == 0xB0 || c == 0xB1 || c == 0xD7 || c == 0xF7;
}

enum fast_kind {
	FK_VERBATIM,		/* copied as it is */
	FK_MAPPED,		/* replaced by one ASCII byte */
	FK_LONG_VOWEL,		/* 'ー', copied; a dash when between digits */
};

/* Length of the fast multibyte character at s[0..n), or 0 when it is not
 * one (invalid UTF-8 included).  *kind says what it is; *map receives the
 * ASCII byte of a mapped character. */
static inline size_t fast_char(const unsigned char *s, size_t n, enum fast_kind *kind,
    unsigned char *map)
{
	unsigned char c = s[0];
	uint32_t cp;

	*kind = FK_VERBATIM;
	if (c >= 0xE2 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c >= 0xE5 && c <= 0xE9)	/* U+5000–9FFF */
			return 3;
		cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		if (cp >= 0xFF01 && cp <= 0xFF5E) {
			*kind = FK_MAPPED, *map = (unsigned char)(cp - 0xFEE0);
			return 3;
		}
		if (cp == 0x3000) {
			*kind = FK_MAPPED, *map = ' ';
			return 3;
		}
		if (cp == 0x30FC)
			*kind = FK_LONG_VOWEL;
		return is_fast_cp(cp) ? 3 : 0;
	}
	if (c == 0xC2 || c == 0xC3) {
		if (n < 2 || (s[1] & 0xC0) != 0x80)
			return 0;
		cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
		return is_fast_cp(cp) ? 2 : 0;
	}
	return 0;
}

static int is_dash(int32_t c)
{
	return (c >= 0x2010 && c <= 0x2015) || c == 0x2043 || c == 0x2212 ||
	    c == 0x2500 || c == 0x2501 || c == 0x2796 || c == 0x2E3A ||
	    c == 0x2E3B || c == 0x02D7 || c == 0x30FC;
}

static int is_invisible(int32_t c)
{
	return c == 0xAD || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
	    (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
	    (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF ||
	    (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF);
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Lead bytes of the characters fold_line() may change. */
static const unsigned char fold_lead[256] = {
	[0xC2] = 1, [0xCB] = 1, [0xE1] = 1, [0xE2] = 1, [0xE3] = 1, [0xEF] = 1, [0xF3] = 1,
};

/* Fold dashes, spaces and invisible characters of s[0..n) in place (the
 * text only shrinks).  s is valid UTF-8.  Returns the new length. */
static size_t fold_line(char *s, size_t n)
{
	size_t r = 0, w = 0;

	while (r < n) {
		size_t q = r;
		utf8proc_int32_t cp;
		utf8proc_ssize_t l;

		while (q < n && !fold_lead[(unsigned char)s[q]])
			q++;
		if (w != r)
			memmove(s + w, s + r, q - r);
		w += q - r;
		r = q;
		if (r >= n)
			break;
		l = utf8proc_iterate((const utf8proc_uint8_t *)s + r, (utf8proc_ssize_t)(n - r), &cp);
		if (l <= 0)
			l = 1, cp = -1;
		if (is_dash(cp) && w > 0 && is_digit(s[w - 1]) &&
		    r + (size_t)l < n && is_digit(s[r + (size_t)l])) {
			s[w++] = '-';
		} else if (cp >= 0 && is_invisible(cp)) {
			/* dropped */
		} else if (cp == 0x2028 || cp == 0x2029) {
			s[w++] = '\n';
		} else if (cp >= 0 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS) {
			s[w++] = ' ';
		} else {
			memmove(s + w, s + r, (size_t)l);
			w += (size_t)l;
		}
		r += (size_t)l;
	}
	return w;
}

/* Code points being normalized. */
struct cpbuf {
	utf8proc_int32_t *p;
	size_t n, cap;
	utf8proc_int32_t small[256];
};

static int cp_grow(struct cpbuf *d, size_t need)
{
	size_t cap = d->cap * 2 > need ? d->cap * 2 : need;
	utf8proc_int32_t *p = malloc(cap * sizeof(*p));

	if (p == NULL)
		return -1;
	memcpy(p, d->p, d->n * sizeof(*p));
	if (d->p != d->small)
		free(d->p);
	d->p = p;
	d->cap = cap;
	return 0;
}

/* Append the decomposition (NORM_OPTS) of every code point of s[0..n);
 * invalid bytes count as U+FFFD.  One slot is always left spare for
 * utf8proc_reencode().  Returns 0 or -1. */
static int cp_decompose(struct cpbuf *d, const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp), k;
		int bc = 0;

		if (l <= 0)
			cp = 0xFFFD, l = 1;
		for (;;) {
			k = utf8proc_decompose_char(cp, d->p + d->n,
			    (utf8proc_ssize_t)(d->cap - d->n - 1), NORM_OPTS, &bc);
			if (k < 0)
				return -1;
			if ((size_t)k < d->cap - d->n)
				break;
			if (cp_grow(d, d->n + (size_t)k + 1) < 0)
				return -1;
		}
		d->n += (size_t)k;
		i += (size_t)l;
	}
	return 0;
}

static int ccc(utf8proc_int32_t cp)
{
	return utf8proc_get_property(cp)->combining_class;
}

/* Stable sort of p[0..n) (non-starters) by combining class: insertion for
 * short runs, counting sort for long ones.  Returns 0 or -1. */
static int sort_marks(utf8proc_int32_t *p, size_t n)
{
	size_t count[257] = { 0 };
	utf8proc_int32_t *tmp;

	if (n <= 32) {
		for (size_t i = 1; i < n; i++) {
			utf8proc_int32_t v = p[i];
			size_t j = i;
			for (; j > 0 && ccc(p[j - 1]) > ccc(v); j--)
				p[j] = p[j - 1];
			p[j] = v;
		}
		return 0;
	}
	tmp = malloc(n * sizeof(*tmp));
	if (tmp == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		count[ccc(p[i]) + 1]++;
	for (size_t c = 1; c < 257; c++)
		count[c] += count[c - 1];
	for (size_t i = 0; i < n; i++)
		tmp[count[ccc(p[i])]++] = p[i];
	memcpy(p, tmp, n * sizeof(*tmp));
	free(tmp);
	return 0;
}

/* Canonical ordering, as utf8proc_decompose() does it but in linear time
 * (utf8proc's own exchange sort is quadratic in a run of marks). */
static int order_marks(struct cpbuf *d)
{
	size_t i = 0;

	while (i < d->n) {
		size_t j = i;
		while (j < d->n && ccc(d->p[j]) != 0)
			j++;
		if (j - i > 1 && sort_marks(d->p + i, j - i) < 0)
			return -1;
		i = j + 1;
	}
	return 0;
}

/* NFKC of pre[0..np) (valid UTF-8, one character) followed by s[0..n)
 * (any bytes) appended to b: decomposition, canonical ordering, then
 * utf8proc_reencode() composes — the steps of utf8proc_map().  Returns 0
 * or -1 on ENOMEM. */
static int nfkc_append(struct obuf *b, const char *pre, size_t np,
    const unsigned char *s, size_t n)
{
	struct cpbuf d = { .cap = 256 };
	utf8proc_ssize_t m;
	int rc = -1;

	d.p = d.small;
	if (cp_decompose(&d, (const unsigned char *)pre, np) < 0 ||
	    cp_decompose(&d, s, n) < 0 || order_marks(&d) < 0)
		goto done;
	/* reencode writes UTF-8 into the buffer's own storage (4 bytes a code
	 * point at most, plus the NUL in the spare slot). */
	m = utf8proc_reencode(d.p, (utf8proc_ssize_t)d.n, NORM_OPTS);
	if (m < 0)
		goto done;
	rc = ob_put(b, d.p, (size_t)m);
done:
	if (d.p != d.small)
		free(d.p);
	return rc;
}

struct norm {
	const unsigned char *in;
	size_t len, i;		/* input and position */
	struct obuf out;
	size_t line_start;	/* output offset where the current line starts */
	int dirty;		/* the current line needs fold_line() */
	size_t last_out;	/* bytes of the final, starter character ending out, or 0 */
};

/* End the current output line: fold it when needed. */
static void end_line(struct norm *st)
{
	if (st->dirty) {
		size_t n = st->out.len - st->line_start;
		st->out.len = st->line_start + fold_line(st->out.p + st->line_start, n);
		st->dirty = 0;
	}
}

/* 'ー' at input offset i: does a digit come before it in the output? */
static void note_long_vowel(struct norm *st, size_t span, size_t i)
{
	int prev = i > span ? st->in[i - 1] :
	    (st->out.len > 0 ? (unsigned char)st->out.p[st->out.len - 1] : 0);

	if (is_digit(prev))
		st->dirty = 1;
}

/* The 3-byte characters E3–E9 xx yy copied verbatim by one test: word
 * (lead - 0xE3) * 64 + (xx - 0x80) has bit (yy - 0x80) set when the
 * character is.  U+3000–30FF (words 0-3, bit k of them for U+3000 + k):
 * the fast code points of the block but U+3000 (mapped to ' ') and U+30FC
 * 'ー' (a dash between digits), which fast_char() handles; and all of
 * U+4E00–9FFF. */
static const uint64_t cjk_fast[7 * 64] = {
	[0] = 0xf03f03fffffffffeULL, [1] = 0xfffffffffffffffeULL,
	[2] = 0xffffffff607fffffULL, [3] = 0x6fffffffffffffffULL,
	[64 + 0x38 ... 64 + 0x3F] = ~0ULL,		/* E4 B8–BF: U+4E00–4FFF */
	[128 ... 7 * 64 - 1] = ~0ULL,			/* E5–E9: U+5000–9FFF */
};

/* End of the run of characters of cjk_fast at s[i..len). */
static inline size_t cjk_run(const unsigned char *s, size_t i, size_t len)
{
	const unsigned char *p = s + i, *end = s + len - 2;	/* len >= 3: the caller */

	while (p < end) {
		unsigned c = p[0] - 0xE3u, c1 = p[1] ^ 0x80u, c2 = p[2] ^ 0x80u;

		/* a lead E3–E9, two continuation bytes (0x80–0xBF: 0–0x3F once
		 * flipped), a character of the table */
		if (c > 6u || (c1 | c2) > 0x3Fu || !((cjk_fast[c * 64 + c1] >> c2) & 1))
			break;
		p += 3;
	}
	return (size_t)(p - s);
}

/* End of the run of ASCII bytes other than CR, LF and NUL at s[i..len):
 * 16 bytes at a time. */
static size_t ascii_run(const unsigned char *s, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n'), nul = _mm_setzero_si128();

	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(x,
		    _mm_cmpeq_epi8(x, cr)), _mm_or_si128(_mm_cmpeq_epi8(x, lf),
		    _mm_cmpeq_epi8(x, nul))));

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < len && s[i] < 0x80 && s[i] != '\r' && s[i] != '\n' && s[i] != 0)
		i++;
	return i;
}

/* Copy the run of fast (verbatim or table-mapped) characters at st->i.
 * Returns 0 or -1. */
static int copy_fast(struct norm *st)
{
	const unsigned char *s = st->in;
	const size_t len = st->len;
	size_t i = st->i, span = i;	/* verbatim bytes not yet copied: [span, i) */
	size_t last = st->last_out;	/* kept local: s may alias st */

	/* the run writes at most the bytes it reads: room for all of them
	 * once, so that a mapped character is stored without a check */
	if (ob_reserve(&st->out, len - i) < 0)
		return -1;
	while (i < len) {
		unsigned char c = s[i], map;
		enum fast_kind kind;
		size_t l;

		if (c < 0x80) {
			if (c == '\r' || c == '\n' || c == 0)
				break;
			i = ascii_run(s, i + 1, len), last = 1;
			continue;
		}
		/* the common cases inline, a run at a time: CJK U+4E00–9FFF, and
		 * U+3000–30FF (kana, Japanese punctuation) by bitmap */
		if (c >= 0xE3 && c <= 0xE9 && len - i >= 3) {
			size_t j = cjk_run(s, i, len);

			if (j > i) {
				i = j, last = 3;
				continue;
			}
		}
		/* the full-width forms U+FF01–FF5E (EF BC 81–BF, EF BD 80–9E)
		 * inline too: （）：％ and the full-width digits are frequent */
		if (c == 0xEF && len - i >= 3 && ((s[i + 1] == 0xBC && s[i + 2] >= 0x81 &&
		    s[i + 2] <= 0xBF) || (s[i + 1] == 0xBD && s[i + 2] >= 0x80 && s[i + 2] <= 0x9E))) {
			map = (unsigned char)(((s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu)) - 0xEE0u);
			l = 3, kind = FK_MAPPED;
		} else {
			l = fast_char(s + i, len - i, &kind, &map);
		}
		if (l == 0)
			break;
		if (kind == FK_MAPPED) {
			memcpy(st->out.p + st->out.len, s + span, i - span);
			st->out.len += i - span;
			st->out.p[st->out.len++] = (char)map;
			i += l, span = i, last = 1;
			continue;
		}
		if (kind == FK_LONG_VOWEL)
			note_long_vowel(st, span, i);
		i += l, last = l;
	}
	st->i = i;
	st->last_out = last;
	return ob_put(&st->out, s + span, i - span);
}

/* Normalize the run of other characters at st->i, with the character
 * output before it.  Returns 0 or -1. */
static int map_slow(struct norm *st)
{
	const unsigned char *s = st->in;
	size_t i = st->i, start = i;
	char pre[4];
	size_t np = st->last_out;
	unsigned char map;
	enum fast_kind kind;

	while (i < st->len && s[i] >= 0x80 && fast_char(s + i, st->len - i, &kind, &map) == 0)
		i++;
	st->out.len -= np;
	memcpy(pre, st->out.p + st->out.len, np);
	st->last_out = 0;
	st->dirty = 1;
	st->i = i;
	return nfkc_append(&st->out, pre, np, s + start, i - start);
}

char *normalize_text(const char *in, size_t len, size_t *outlen)
{
	struct norm st = { .in = (const unsigned char *)in, .len = len };

	if (ob_reserve(&st.out, len + len / 8 + 16) < 0)
		return NULL;
	while (st.i < len) {
		unsigned char c = st.in[st.i];

		if (c == '\r' || c == '\n') {
			end_line(&st);
			if (ob_reserve(&st.out, 1) < 0)
				goto fail;
			st.out.p[st.out.len++] = '\n';
			st.i += (c == '\r' && st.i + 1 < len && st.in[st.i + 1] == '\n') ? 2 : 1;
			st.line_start = st.out.len;
			st.last_out = 0;
		} else if (c == 0) {
			if (ob_put(&st.out, " ", 1) < 0)
				goto fail;
			st.i++;
			st.last_out = 0;
		} else if (c < 0x80 ||
		    fast_char(st.in + st.i, len - st.i, &(enum fast_kind){0}, &(unsigned char){0})) {
			if (copy_fast(&st) < 0)
				goto fail;
		} else if (map_slow(&st) < 0) {
			goto fail;
		}
	}
	end_line(&st);
	/* NUL, then zeroed padding: PCRE2's JIT reads whole SIMD blocks past
	 * the subject's end (harmless, but valgrind would see it read
	 * uninitialized bytes). */
	if (ob_reserve(&st.out, PAD) < 0)
		goto fail;
	memset(st.out.p + st.out.len, 0, PAD + 1);
	if (outlen != NULL)
		*outlen = st.out.len;
	return st.out.p;
fail:
	free(st.out.p);
	return NULL;
}
