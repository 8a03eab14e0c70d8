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
	unsigned kinds;		/* the separators in it: bit k for DIX_SEPS[k] */
};

/* The bits set in x.  Not __builtin_popcountll: without -mpopcnt (not in
 * the amd64 baseline) that is a libgcc call; the SWAR sum is a dozen
 * instructions inline. */
static inline size_t popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
	return (size_t)((x * 0x0101010101010101ULL) >> 56);
}

/* Bit k for DIX_SEPS[k] ("-. ()+"), 0 for any other byte. */
static const unsigned char dix_kind[256] = {
	['-'] = 1, ['.'] = 2, [' '] = 4, ['('] = 8, [')'] = 16, ['+'] = 32,
};

/* The lists a call looks at instead of every cluster (its clusters in text
 * order): the clusters a run of DIX_MIN digits is in (the calls with no
 * separators want one of min_digits >= DIX_MIN), and those with 10 and 12
 * digits or more. */
enum { DIX_RUN, DIX_D10, DIX_D12, DIX_LISTS };

static __thread struct {
	const char *text;
	size_t len;
	int built;		/* 1 list made, -1 out of memory: scan directly */
	struct dix_cluster *c;
	size_t n, cap;
	size_t *list[DIX_LISTS];	/* indexes into c; NULL: look at all */
	size_t nlist[DIX_LISTS];
	size_t *lists;		/* the memory of list[] */
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
	free(dix.lists);
	memset(&dix, 0, sizeof(dix));
}

/* Fill dix.list[] from the clusters kept (left NULL when out of memory:
 * the calls then look at every cluster). */
static void dix_lists(void)
{
	size_t *p;

	if (dix.n == 0 || dix.n > SIZE_MAX / DIX_LISTS / sizeof(*p) ||
	    (p = malloc(DIX_LISTS * dix.n * sizeof(*p))) == NULL)
		return;
	dix.lists = p;
	for (int l = 0; l < DIX_LISTS; l++) {
		dix.list[l] = p + (size_t)l * dix.n;
		dix.nlist[l] = 0;
	}
	for (size_t k = 0; k < dix.n; k++) {
		const struct dix_cluster *c = &dix.c[k];

		if (c->longest >= DIX_MIN)
			dix.list[DIX_RUN][dix.nlist[DIX_RUN]++] = k;
		if (c->digits >= 10)
			dix.list[DIX_D10][dix.nlist[DIX_D10]++] = k;
		if (c->digits >= 12)
			dix.list[DIX_D12][dix.nlist[DIX_D12]++] = k;
	}
}

/* Keep the cluster t[s..e) holding `digits` digits when they are DIX_MIN
 * or more: its longest run of digits counted, the kinds of its separators
 * noted.  When the cluster lies in the 64 bytes at t[base..], dbits and
 * sbits are its digits and separators there (else both 0: it is read byte
 * by byte).  Returns 0, or -1 when out of memory (dix.built is then -1). */
static int dix_keep(const unsigned char *t, size_t s, size_t e, size_t digits,
    uint64_t dbits, uint64_t sbits, size_t base)
{
	struct dix_cluster c = { .s = s, .e = e, .digits = digits };
	size_t run = 0;

	if (digits < DIX_MIN)
		return 0;
	if (dbits != 0) {
		/* each step shortens every run of digits by one */
		for (uint64_t x = dbits; x; x &= x >> 1)
			c.longest++;
		for (uint64_t x = sbits; x; x &= x - 1)
			c.kinds |= dix_kind[t[base + (size_t)__builtin_ctzll(x)]];
	} else {
		for (size_t i = s; i < e; i++) {
			if (t[i] >= '0' && t[i] <= '9') {
				if (++run > c.longest)
					c.longest = run;
			} else {
				run = 0;
				c.kinds |= dix_kind[t[i]];
			}
		}
	}
	if (dix.n == dix.cap) {
		size_t cap = dix.cap ? dix.cap * 2 : 256;
		struct dix_cluster *p = realloc(dix.c, cap * sizeof(*p));

		if (p == NULL) {
			dix.built = -1;
			return -1;
		}
		dix.c = p;
		dix.cap = cap;
	}
	dix.c[dix.n++] = c;
	return 0;
}

/* The 64 bytes at t[i..i + 64) (zeros past len) as two bit masks: *digits
 * the ASCII digits, *in the digits and DIX_SEPS bytes. */
static void dix_masks(const unsigned char *t, size_t i, size_t len, uint64_t *digits,
    uint64_t *in)
{
	unsigned char tail[64];
	const unsigned char *p = t + i;
	uint64_t d = 0, c = 0;

	if (len - i < 64) {
		memset(tail, 0, sizeof(tail));
		memcpy(tail, p, len - i);
		p = tail;
	}
#ifdef __SSE2__
	for (int k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		__m128i dg = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
		    _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
		/* "-. ()+": ' ', or 0x28-0x2E but '*' and ',' */
		__m128i sp = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
		    _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('*')),
		    _mm_cmpeq_epi8(x, _mm_set1_epi8(','))),
		    _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('(' - 1)),
		    _mm_cmplt_epi8(x, _mm_set1_epi8('.' + 1)))));

		d |= (uint64_t)(unsigned)_mm_movemask_epi8(dg) << (16 * k);
		c |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(dg, sp)) << (16 * k);
	}
#else
	for (int k = 0; k < 64; k++) {
		int dg = p[k] >= '0' && p[k] <= '9';
		d |= (uint64_t)dg << k;
		c |= (uint64_t)(dg || (p[k] && strchr(DIX_SEPS, p[k]) != NULL)) << k;
	}
#endif
	*digits = d;
	*in = c;
}

/* The clusters of DIX_SEPS in the text: the maximal runs of digits and
 * separators holding a digit, found 64 bytes at a time from two bit masks
 * (digits; digits and separators): a run is cut out of the masks, and
 * followed byte by byte only where it crosses the 64 bytes' ends. */
static void dix_build(void)
{
	const unsigned char *t = (const unsigned char *)dix.text;
	unsigned char in[256] = { 0 };
	size_t len = dix.len, pos = 0, last_end = 0;	/* the last cluster's end */

	for (int c = '0'; c <= '9'; c++)
		in[c] = 2;
	for (const char *p = DIX_SEPS; *p; p++)
		in[(unsigned char)*p] = 1;
	dix.built = 1;
	while (pos < len) {
		uint64_t d, c, next = 0;

		dix_masks(t, pos, len, &d, &c);
		while (d) {
			unsigned k = (unsigned)__builtin_ctzll(d);
			uint64_t above = ~c & ((~(uint64_t)0) << k);	/* non-cluster bytes from k */
			uint64_t nb = ~c & ~((~(uint64_t)0) << k);	/* ... below k */
			size_t s = nb ? pos + 64 - (size_t)__builtin_clzll(nb) : pos, e, n;

			/* a run reaching back to pos: its separators before pos */
			if (s == pos)
				while (s > last_end && in[t[s - 1]] == 1)
					s--;
			if (above) {
				unsigned ee = (unsigned)__builtin_ctzll(above);
				uint64_t run = (((uint64_t)1 << ee) - 1) & ((~(uint64_t)0) << k);
				uint64_t dr = d & run, sr;

				e = pos + ee;
				d &= ~run;
				last_end = e;
				/* most runs are too short to hold DIX_MIN digits */
				if (e - s < DIX_MIN)
					continue;
				n = popcount64(dr);
				/* its separators, from s on (before pos: read bytewise) */
				sr = s < pos ? 0 : c & ~dr & (((uint64_t)1 << ee) - 1) &
				    ((~(uint64_t)0) << (s - pos));
				if (dix_keep(t, s, e, n, s < pos ? 0 : dr, sr, pos) < 0)
					return;
				continue;
			}
			/* the run goes on past these 64 bytes */
			n = popcount64(d & ((~(uint64_t)0) << k));
			e = pos + 64;
			while (e < len && in[t[e]]) {
				n += in[t[e]] == 2;
				e++;
			}
			if (dix_keep(t, s, e, n, 0, 0, 0) < 0)
				return;
			last_end = e;
			next = e;
			break;
		}
		pos = next ? next : pos + 64;
	}
	dix_lists();
}

/* det_digit_clusters(), leaving out (in the shared list) the clusters of
 * DIX_SEPS with no run of min_run digits: every cluster inside them has
 * none either. */
static void clusters(const char *text, size_t len, const char *seps, size_t min_digits,
    size_t min_run, det_range_fn fn, void *ctx)
{
	unsigned char in[256] = { 0 };
	const unsigned char *t = (const unsigned char *)text;
	size_t span = min_digits > 0 ? min_digits : 1;
	int sub = text == dix.text && len == dix.len && min_digits >= DIX_MIN;
	size_t nseps = 0;
	unsigned want = 0;	/* the kinds of seps */

	for (int c = '0'; c <= '9'; c++)
		in[c] = 2;
	for (; *seps; seps++) {
		if (strchr(DIX_SEPS, *seps) == NULL)
			sub = 0;
		nseps += !in[(unsigned char)*seps];
		in[(unsigned char)*seps] = 1;
		want |= dix_kind[(unsigned char)*seps];
	}
	if (sub && dix.built == 0)
		dix_build();
	if (!sub || dix.built < 0) {
		clusters_in(t, 0, len, in, min_digits, span, fn, ctx);
		return;
	}
	/* Every cluster of seps (a subset of DIX_SEPS) lies inside one cluster
	 * of DIX_SEPS, holding at least its digits, and is maximal there as in
	 * the text: the bytes around that cluster are no DIX_SEPS bytes.  The
	 * clusters that cannot hold one of min_digits are skipped in a list. */
	const size_t *list = nseps == 0 ? dix.list[DIX_RUN] : min_digits >= 12 ?
	    dix.list[DIX_D12] : min_digits >= 10 ? dix.list[DIX_D10] : NULL;
	size_t nl = list == NULL ? dix.n : nseps == 0 ? dix.nlist[DIX_RUN] : min_digits >= 12 ?
	    dix.nlist[DIX_D12] : dix.nlist[DIX_D10];

	/* with no separator a cluster is a run: one of min_digits */
	size_t need_run = nseps == 0 && min_digits > min_run ? min_digits : min_run;

	for (size_t j = 0; j < nl; j++) {
		const struct dix_cluster *c = &dix.c[list != NULL ? list[j] : j];

		if (c->digits < min_digits || c->longest < need_run)
			continue;
		if ((c->kinds & ~want) == 0)
			fn(ctx, c->s, c->e);	/* only separators of seps: the same cluster */
		else if (nseps == 0)
			runs_in(t, c->s, c->e, min_digits, fn, ctx);
		else
			clusters_in(t, c->s, c->e, in, min_digits, span, fn, ctx);
	}
}

void det_digit_clusters(const char *text, size_t len, const char *seps, size_t min_digits,
    det_range_fn fn, void *ctx)
{
	clusters(text, len, seps, min_digits, 0, fn, ctx);
}

void det_digit_clusters_run(const char *text, size_t len, const char *seps, size_t min_digits,
    size_t min_run, det_range_fn fn, void *ctx)
{
	clusters(text, len, seps, min_digits, min_run, fn, ctx);
}

const char *det_find(const char *h, size_t n, const char *needle, size_t nl)
{
	unsigned char last;
	size_t i;

	if (nl == 0 || nl > n)
		return nl == 0 ? h : NULL;
	last = (unsigned char)needle[nl - 1];
	i = nl - 1;
#ifdef __SSE2__
	/* 16 candidate ends at a time: the last byte and the byte before it
	 * both match (the last byte of a kanji alone is everywhere: a memchr
	 * call for each would return every few dozen bytes) */
	if (nl >= 2) {
		const __m128i vl = _mm_set1_epi8((char)last), vp = _mm_set1_epi8(needle[nl - 2]);

		for (; i + 16 <= n; i += 16) {
			__m128i e = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
			__m128i p = _mm_loadu_si128((const __m128i *)(const void *)(h + i - 1));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(e, vl),
			    _mm_cmpeq_epi8(p, vp)));

			for (; m; m &= m - 1) {
				size_t at = i + (size_t)__builtin_ctz(m) + 1 - nl;

				if (memcmp(h + at, needle, nl - 2) == 0)
					return h + at;
			}
		}
	}
#endif
	while (i < n) {
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
