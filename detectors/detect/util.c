/*
 * util.c — small helpers shared by the detectors: PCRE2 compile and
 * match wrappers, digit extraction, UTF-8 character stepping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

pcre2_code *det_compile(const char *what, const char *pattern, uint32_t extra,
    char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | extra,
	    &code, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s: pattern error at %zu: %s", what, (size_t)off, (char *)msg);
		return NULL;
	}
	code = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if (code != 0) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s: JIT compile failed: %s", what, (char *)msg);
		pcre2_code_free(re);
		return NULL;
	}
	return re;
}

int det_match(const char *text, size_t len, const pcre2_code *re, size_t at, uint32_t opts,
    pcre2_match_data *md)
{
	return pcre2_match(re, (PCRE2_SPTR)text, len, at, opts | PCRE2_NO_UTF_CHECK, md, NULL);
}

/* The clusters of text[from..to) with in[] (2 digit, 1 separator, 0 other),
 * `span` = min_digits: bytes outside [from, to) are never looked at, so
 * the range must start and end at bytes that are no cluster bytes (or at
 * the text's ends). */
static void clusters_in(const unsigned char *t, size_t from, size_t to,
    const unsigned char in[256], size_t min_digits, size_t span, det_range_fn fn, void *ctx)
{
	size_t i = from;

	/* A cluster with min_digits digits is at least that many bytes long,
	 * so probing one byte in every `span` finds all of them: when the
	 * probe is no cluster byte, no such cluster starts at or before it. */
	while (i + span <= to) {
		size_t p = i + span - 1, s, e, n = 0;

		if (!in[t[p]]) {
			i = p + 1;
			continue;
		}
		for (s = p; s > from && in[t[s - 1]]; s--)
			;
		for (e = s; e < to && in[t[e]]; e++)
			n += in[t[e]] == 2;
		if (n >= min_digits)
			fn(ctx, s, e);
		i = e + 1;
	}
}

/* The clusters of no separator in text[from..to): its runs of digits. */
static void runs_in(const unsigned char *t, size_t from, size_t to, size_t min_digits,
    det_range_fn fn, void *ctx)
{
	for (size_t i = from; i < to;) {
		size_t e = i;

		while (e < to && t[e] >= '0' && t[e] <= '9')
			e++;
		if (e - i >= min_digits)
			fn(ctx, i, e);
		i = e + 1;
	}
}

/* The text being scanned by every detector in turn (det_text_begin), and
 * its clusters of DIX_SEPS holding DIX_MIN digits or more, found at the
 * first det_digit_clusters() call over it.  One per thread. */
#define DIX_SEPS "-. ()+"
#define DIX_MIN 7

struct dix_cluster {
	size_t s, e;		/* bytes */
	size_t digits;		/* digits in it */
	size_t longest;		/* its longest run of digits */
};

static __thread struct {
	const char *text;
	size_t len;
	int built;		/* 1 list made, -1 out of memory: scan directly */
	struct dix_cluster *c;
	size_t n, cap;
} dix;

void det_text_begin(const char *text, size_t len)
{
	dix.text = text;
	dix.len = len;
	dix.built = 0;
	dix.n = 0;
}

void det_text_end(void)
{
	free(dix.c);
	memset(&dix, 0, sizeof(dix));
}

/* Offset of the first ASCII digit in t[i..len), or len: 16 bytes at a
 * time (digits are a few bytes in a hundred of Japanese text). */
static size_t next_digit(const unsigned char *t, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8('0' - 1), hi = _mm_set1_epi8('9' + 1);

	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(x, lo),
		    _mm_cmplt_epi8(x, hi)));

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < len; i++)
		if (t[i] >= '0' && t[i] <= '9')
			break;
	return i;
}

/* The clusters of DIX_SEPS in the text, from its digits: each digit found
 * starts a cluster, which runs on to the first byte that is neither digit
 * nor separator and back over the separators before it (to that byte of
 * the cluster before, at most). */
static void dix_build(void)
{
	const unsigned char *t = (const unsigned char *)dix.text;
	unsigned char in[256] = { 0 };
	size_t len = dix.len, pos = 0;

	for (int c = '0'; c <= '9'; c++)
		in[c] = 2;
	for (const char *p = DIX_SEPS; *p; p++)
		in[(unsigned char)*p] = 1;
	dix.built = 1;
	while ((pos = next_digit(t, pos, len)) < len) {
		struct dix_cluster c = { .s = pos };
		size_t e = pos, run = 0;

		for (; e < len && in[t[e]]; e++) {
			if (in[t[e]] == 2) {
				c.digits++;
				if (++run > c.longest)
					c.longest = run;
			} else {
				run = 0;
			}
		}
		pos = e + 1;
		if (c.digits < DIX_MIN)
			continue;
		c.e = e;
		while (c.s > 0 && in[t[c.s - 1]] == 1)
			c.s--;
		if (dix.n == dix.cap) {
			size_t cap = dix.cap ? dix.cap * 2 : 256;
			struct dix_cluster *p = realloc(dix.c, cap * sizeof(*p));

			if (p == NULL) {
				dix.built = -1;
				return;
			}
			dix.c = p;
			dix.cap = cap;
		}
		dix.c[dix.n++] = c;
	}
}

void det_digit_clusters(const char *text, size_t len, const char *seps, size_t min_digits,
    det_range_fn fn, void *ctx)
{
	unsigned char in[256] = { 0 };
	const unsigned char *t = (const unsigned char *)text;
	size_t span = min_digits > 0 ? min_digits : 1;
	int sub = text == dix.text && len == dix.len && min_digits >= DIX_MIN;
	size_t nseps = 0;

	for (int c = '0'; c <= '9'; c++)
		in[c] = 2;
	for (; *seps; seps++) {
		if (strchr(DIX_SEPS, *seps) == NULL)
			sub = 0;
		nseps += !in[(unsigned char)*seps];
		in[(unsigned char)*seps] = 1;
	}
	if (sub && dix.built == 0)
		dix_build();
	if (!sub || dix.built < 0) {
		clusters_in(t, 0, len, in, min_digits, span, fn, ctx);
		return;
	}
	/* Every cluster of seps (a subset of DIX_SEPS) lies inside one cluster
	 * of DIX_SEPS, holding at least its digits, and is maximal there as in
	 * the text: the bytes around that cluster are no DIX_SEPS bytes. */
	for (size_t k = 0; k < dix.n; k++) {
		const struct dix_cluster *c = &dix.c[k];

		if (c->digits < min_digits || (nseps == 0 && c->longest < min_digits))
			continue;
		if (nseps == sizeof(DIX_SEPS) - 1)
			fn(ctx, c->s, c->e);	/* the same separators: the same cluster */
		else if (nseps == 0)
			runs_in(t, c->s, c->e, min_digits, fn, ctx);
		else
			clusters_in(t, c->s, c->e, in, min_digits, span, fn, ctx);
	}
}

const char *det_find(const char *h, size_t n, const char *needle, size_t nl)
{
	unsigned char last;
	size_t i;

	if (nl == 0 || nl > n)
		return nl == 0 ? h : NULL;
	last = (unsigned char)needle[nl - 1];
	for (i = nl - 1; i < n;) {
		const char *p = memchr(h + i, last, n - i);
		if (p == NULL)
			return NULL;
		i = (size_t)(p - h);
		if (memcmp(h + i + 1 - nl, needle, nl - 1) == 0)
			return h + i + 1 - nl;
		i++;
	}
	return NULL;
}

size_t det_digits(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		if (k + 1 >= cap)
			return (size_t)-1;
		out[k++] = s[i];
	}
	if (cap > 0)
		out[k] = '\0';
	return k;
}

static int det_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int det_joiner(char c)
{
	return c == '-' || c == '.' || c == ',' || c == '/';
}

int det_run_alone(const char *text, size_t len, size_t from, size_t to)
{
	if (from > 0 && (det_isdigit(text[from - 1]) ||
	    (from > 1 && det_joiner(text[from - 1]) && det_isdigit(text[from - 2]))))
		return 0;
	return !(to < len && (det_isdigit(text[to]) ||
	    (to + 1 < len && det_joiner(text[to]) && det_isdigit(text[to + 1]))));
}
