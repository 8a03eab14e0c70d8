/*
 * email.c — mail addresses.
 *
 * Rule: at every '@' (found with memchr, the cheap prefilter), the local
 * part is the run of characters [A-Za-z0-9!#$%&'*+/=?^_`{|}~.-] ending just
 * before it, leading dots left out; the domain is the run of [A-Za-z0-9.-]
 * after it, less trailing dots and hyphens (sentence punctuation): the
 * shape [LOCAL]{1,64}@[A-Za-z0-9][A-Za-z0-9.-]{0,252}, read in C (no
 * pattern: this runs at every '@').  The candidate is then validated:
 *  - local part 1–64 characters (a longer run is refused, not cut), no
 *    leading, trailing or double dot;
 *  - domain of two labels or more, each 1–63 characters of [A-Za-z0-9-],
 *    not starting or ending with '-', the last one (TLD) letters only and at
 *    least 2 of them; the whole domain at most 253 characters;
 *  - the token is not glued to another '@' on either side ("a@b.jp@c.jp").
 * Quoted local parts, IP-literal domains and non-ASCII (IDN) addresses are
 * not looked for.
 * Value: the address lower-cased.  Mask: first character of the local part,
 * "***", "@domain" — "t***@example.com".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define MAX_LOCAL 64
#define MAX_DOMAIN 253

/* No state (the shape is read in C), but the registry wants one. */
struct email_state {
	int unused;
};

static void *email_init(char *err, size_t errlen)
{
	struct email_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		snprintf(err, errlen, "email: out of memory");
	return st;
}

static void email_free(void *state)
{
	free(state);
}

/* The class of each byte, a bit each: ASCII letters and digits, the
 * local part's symbols "!#$%&'*+/=?^_`{|}~.-", the domain's "." and "-"
 * (one load per byte: these run over every address's bytes). */
enum { C_ALNUM = 1, C_LOCAL = 2, C_DOMAIN = 4 };
#define C_AN (C_ALNUM | C_LOCAL | C_DOMAIN)
static const unsigned char email_cls[256] = {
	['0' ... '9'] = C_AN, ['A' ... 'Z'] = C_AN, ['a' ... 'z'] = C_AN,
	['!'] = C_LOCAL, ['#'] = C_LOCAL, ['$'] = C_LOCAL, ['%'] = C_LOCAL, ['&'] = C_LOCAL,
	['\''] = C_LOCAL, ['*'] = C_LOCAL, ['+'] = C_LOCAL, ['/'] = C_LOCAL, ['='] = C_LOCAL,
	['?'] = C_LOCAL, ['^'] = C_LOCAL, ['_'] = C_LOCAL, ['`'] = C_LOCAL, ['{'] = C_LOCAL,
	['|'] = C_LOCAL, ['}'] = C_LOCAL, ['~'] = C_LOCAL,
	['.'] = C_LOCAL | C_DOMAIN, ['-'] = C_LOCAL | C_DOMAIN,
};
#undef C_AN

static int is_alnum(unsigned char c)
{
	return email_cls[c] & C_ALNUM;
}

static int is_local(unsigned char c)
{
	return email_cls[c] & C_LOCAL;
}

static int is_domain(unsigned char c)
{
	return email_cls[c] & C_DOMAIN;
}

/* Local part s[0..n): no leading, trailing or double dot. */
static int local_ok(const char *s, size_t n)
{
	if (n == 0 || n > MAX_LOCAL || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return 0;
	return 1;
}

/* Domain s[0..n): labels and TLD as the header says (one pass: each
 * label ends at a '.' or at n, the last one must be letters). */
static int domain_ok(const char *s, size_t n)
{
	size_t labels = 0, ls = 0;
	int alpha = 1;

	if (n == 0 || n > MAX_DOMAIN)
		return 0;
	for (size_t i = 0;; i++) {
		if (i == n || s[i] == '.') {
			size_t l = i - ls;

			if (l == 0 || l > 63 || s[ls] == '-' || s[i - 1] == '-')
				return 0;
			labels++;
			if (i == n)
				return labels >= 2 && alpha && l >= 2;
			ls = i + 1;
			alpha = 1;
		} else if ((unsigned char)((s[i] | 32) - 'a') > 'z' - 'a') {
			alpha = 0;
		}
	}
}

/* Check the candidate around the '@' at `at`; add it when valid. */
static void email_try(const char *t, size_t len, size_t at, struct valueset *out)
{
	size_t s = at, e, dend, i;
	char val[MAX_LOCAL + 1 + MAX_DOMAIN + 1];

	while (s > 0 && is_local((unsigned char)t[s - 1]) && at - s <= MAX_LOCAL)
		s--;
	if (s > 0 && (is_local((unsigned char)t[s - 1]) || t[s - 1] == '@'))
		return;		/* local part too long, or glued to another '@' */
	while (s < at && t[s] == '.')
		s++;
	/* The shape from s: t[s..at) is all local characters, so
	 * [LOCAL]{1,64}@ holds when they are at most 64; then an alphanumeric,
	 * and the domain characters after it, as many as there are up to 252
	 * (what the PCRE2 pattern of that shape matched, anchored at s). */
	if (s == at || at - s > MAX_LOCAL || at + 1 >= len || !is_alnum((unsigned char)t[at + 1]))
		return;
	for (e = at + 2; e < len && e - (at + 2) < MAX_DOMAIN - 1 && is_domain((unsigned char)t[e]);
	    e++)
		;
	dend = e;
	while (dend < len && is_domain((unsigned char)t[dend]))
		dend++;
	if (dend < len && t[dend] == '@')
		return;
	while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-'))
		e--;
	if (!local_ok(t + s, at - s) || !domain_ok(t + at + 1, e - at - 1))
		return;
	/* lower case without a branch, 8 bytes at a time (t[s..e) is ASCII:
	 * no byte's sum below carries): adding 0x3F sets bit 7 of a byte 'A'
	 * or above, adding 0x25 of one '[' or above; 32 goes to the bytes
	 * with the first only, A-Z */
	for (i = s; i + 8 <= e; i += 8) {
		uint64_t w, up;

		memcpy(&w, t + i, 8);
		up = (w + 0x3F3F3F3F3F3F3F3FULL) & ~(w + 0x2525252525252525ULL) &
		    0x8080808080808080ULL;
		w += up >> 2;
		memcpy(val + (i - s), &w, 8);
	}
	for (; i < e; i++)
		val[i - s] = (char)(t[i] + ((unsigned char)(t[i] - 'A') < 26) * 32);
	(void)valueset_add(out, val, e - s);	/* a failure marks out incomplete */
}

static void email_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	const char *p = text, *end = text + len;

	(void)state;
	while ((p = memchr(p, '@', (size_t)(end - p))) != NULL) {
		email_try(text, len, (size_t)(p - text), out);
		p++;
	}
}

static void email_mask(const char *value, char *out, size_t outlen)
{
	const char *at = strchr(value, '@');

	if (at == NULL || at == value) {
		snprintf(out, outlen, "***");
		return;
	}
	snprintf(out, outlen, "%c***%s", value[0], at);
}

const struct detector det_email = {
	.init = email_init,
	.scan = email_scan,
	.mask = email_mask,
	.free = email_free,
};
