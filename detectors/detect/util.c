/*
 * util.c — small helpers shared by the detectors: PCRE2 compile and
 * match wrappers, digit extraction, UTF-8 character stepping.
 */
#include <stdio.h>
#include <string.h>

#include "detect/util.h"

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

void det_digit_clusters(const char *text, size_t len, const char *seps, size_t min_digits,
    det_range_fn fn, void *ctx)
{
	unsigned char in[256] = { 0 };
	const unsigned char *t = (const unsigned char *)text;
	size_t span = min_digits > 0 ? min_digits : 1, i = 0;

	for (int c = '0'; c <= '9'; c++)
		in[c] = 2;
	for (; *seps; seps++)
		in[(unsigned char)*seps] = 1;
	/* A cluster with min_digits digits is at least that many bytes long,
	 * so probing one byte in every `span` finds all of them: when the
	 * probe is no cluster byte, no such cluster starts at or before it. */
	while (i + span <= len) {
		size_t p = i + span - 1, s, e, n = 0;

		if (!in[t[p]]) {
			i = p + 1;
			continue;
		}
		for (s = p; s > 0 && in[t[s - 1]]; s--)
			;
		for (e = s; e < len && in[t[e]]; e++)
			n += in[t[e]] == 2;
		if (n >= min_digits)
			fn(ctx, s, e);
		i = e + 1;
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

size_t det_next_char(const char *text, size_t len, size_t i)
{
	i++;
	while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
		i++;
	return i;
}

size_t det_chars_back(const char *text, size_t pos, size_t n)
{
	while (pos > 0 && n > 0) {
		pos--;
		if (((unsigned char)text[pos] & 0xC0) != 0x80)
			n--;
	}
	return pos;
}

size_t det_chars_fwd(const char *text, size_t len, size_t pos, size_t n)
{
	while (pos < len && n > 0) {
		pos = det_next_char(text, len, pos);
		n--;
	}
	return pos;
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
