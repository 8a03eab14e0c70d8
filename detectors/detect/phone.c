/*
 * phone.c — Japanese telephone numbers.
 *
 * Shapes matched (normalized text; d = ASCII digit; S = one separator, '-',
 * ' ' or '.'):
 *   0d{1,4} S d{1,4} S d{3,4}        03-1234-5678, 0465 12 3456, 090.1234.5678
 *   0d{1,4} ( d{1,4} ) d{3,4}        03(1234)5678
 *   ( 0d{1,4} ) [' '] d{1,4} [S] d{3,4}   (03)1234-5678, (03) 1234 5678, (03)12345678
 *   0d{9,10}                         0312345678, 09012345678
 *   +81 [- ] [(0) [- ]] then a grouped or unseparated form without its 0:
 *                                    +81-90-1234-5678, +81 3 1234 5678,
 *                                    +81(0)3-1234-5678, +81312345678
 * The second digit is never 0 (00 is the international prefix).
 * Boundaries: the number is refused when a digit, or a digit and '-' or
 * '.', stands right before or after it (so it is not cut out of a longer
 * digit run, a reference number like 03-1234-5678-9012, a date or a decimal);
 * with a space separator, a digit and space after it, or before it unless
 * it starts with '+' or '(', refuse it too (a longer space-grouped number).
 * Validation, on the digits with +81 turned back into 0 (the "(0)" dropped)
 * and the digit groups G as written (the first group counting that 0):
 *   050, 070, 080, 090 (IP, mobile): 11 digits, G = 3-4-4 or unseparated;
 *   0120, 0570 (toll-free, navi-dial): 10 digits, G = 4-3-3 or 4-2-4;
 *   0800 (toll-free): 11 digits, G = 4-3-4;
 *   020 (M2M, pagers): refused;
 *   any other 0 + area code (fixed line): 10 digits, G = a-(6-a)-4 with the
 *   first group a = 2..5 digits (0 + area code of 1–4 digits);
 *   the parenthesised-first form may leave local and subscriber unseparated
 *   (G = 2 groups, the first as above); two separators may differ only
 *   when one is '-' (090.1234-5678, 090 1234-5678: escapes, or careless
 *   typing), never ' ' and '.' together.
 * Value: the digits ("0312345678").  Mask: the leading group (2 digits for a
 * fixed line, 3 for 050/070/080/090, 4 for 0120/0570/0800), "****", the last
 * 4 digits (3 for 0120/0570): "090-****-5678", "03-****-5678".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define B_LEFT "(?<![0-9]|[0-9][-.])"
#define B_RIGHT "(?![0-9]|[-.][0-9])"
#define GROUPED "(?:[-. ][0-9]{1,4}[-. ]|\\([0-9]{1,4}\\))[0-9]{3,4}"

static const char phone_pattern[] =
	B_LEFT "(?:"
	"\\+81[- ]?(?:\\(0\\)[- ]?)?[1-9][0-9]{0,3}" GROUPED
	"|\\+81[- ]?[1-9][0-9]{8,9}"
	"|\\(0[1-9][0-9]{0,3}\\) ?[0-9]{1,4}[-. ]?[0-9]{3,4}"
	"|0[1-9][0-9]{0,3}" GROUPED
	"|0[1-9][0-9]{8,9}"
	")" B_RIGHT;

struct phone_state {
	pcre2_code *re;
};

static void *phone_init(char *err, size_t errlen)
{
	struct phone_state *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		snprintf(err, errlen, "phone: out of memory");
		return NULL;
	}
	st->re = det_compile("phone", phone_pattern, 0, err, errlen);
	if (st->re == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

static void phone_free(void *state)
{
	struct phone_state *st = state;

	if (st == NULL)
		return;
	pcre2_code_free(st->re);
	free(st);
}

/* A candidate taken apart. */
struct phone_cand {
	char digits[16];	/* domestic digits, 0 restored */
	size_t n;		/* their number */
	size_t g[4];		/* digit group lengths as written */
	size_t ng;
	char sep[3];		/* separator after each group but the last */
	int paren;		/* written with parentheses */
};

/* Split s[0..n) into digit groups.  Returns 0, or -1 when it cannot be a
 * phone number's shape. */
static int phone_parse(const char *s, size_t n, struct phone_cand *c)
{
	size_t i = 0;
	int intl = 0;

	memset(c, 0, sizeof(*c));
	if (n > 0 && s[0] == '+') {
		intl = 1;
		i = 3;		/* "+81" */
		while (i < n && (s[i] == ' ' || s[i] == '-'))
			i++;
		if (i + 3 <= n && memcmp(s + i, "(0)", 3) == 0)
			i += 3;
		c->digits[c->n++] = '0';
	}
	while (i < n) {
		size_t start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (c->n + 1 >= sizeof(c->digits))
				return -1;
			c->digits[c->n++] = s[i++];
		}
		if (i > start) {
			if (c->ng == 4)
				return -1;
			c->g[c->ng] = i - start + (intl && c->ng == 0);
			c->ng++;
			continue;
		}
		if (s[i] == '(' || s[i] == ')')
			c->paren = 1;
		else if (c->ng >= 1 && c->ng <= 3 && c->sep[c->ng - 1] == 0)
			c->sep[c->ng - 1] = s[i];
		i++;
	}
	c->digits[c->n] = '\0';
	return 0;
}

/* Is the grouping acceptable: unseparated, two groups after a parenthesised
 * first one, or three groups whose lengths are one of want[0..nw). */
static int groups_ok(const struct phone_cand *c, const size_t (*want)[3], size_t nw)
{
	if (c->ng == 1)
		return !c->paren;
	if (c->ng == 2)		/* (03)12345678: only after a parenthesised group */
		return c->paren;
	if (c->ng != 3)
		return 0;
	for (size_t k = 0; k < nw; k++)
		if (c->g[0] == want[k][0] && c->g[1] == want[k][1] && c->g[2] == want[k][2])
			return 1;
	return 0;
}

static int phone_valid(const struct phone_cand *c)
{
	static const size_t mobile[][3] = { { 3, 4, 4 } };
	static const size_t tollfree[][3] = { { 4, 3, 3 }, { 4, 2, 4 } };
	static const size_t t0800[][3] = { { 4, 3, 4 } };
	static const size_t fixed[][3] = { { 2, 4, 4 }, { 3, 3, 4 }, { 4, 2, 4 }, { 5, 1, 4 } };
	const char *d = c->digits;

	if (c->n < 10 || d[0] != '0' || d[1] == '0')
		return 0;
	/* two different separators: only with a '-' among them (090.1234-5678,
	 * 090 1234-5678); never ' ' and '.' */
	if (!c->paren && c->ng == 3 && c->sep[0] != c->sep[1] &&
	    c->sep[0] != '-' && c->sep[1] != '-')
		return 0;
	if (memcmp(d, "0120", 4) == 0 || memcmp(d, "0570", 4) == 0)
		return c->n == 10 && groups_ok(c, tollfree, 2) && (c->ng != 2 || c->g[0] == 4);
	if (memcmp(d, "0800", 4) == 0)
		return c->n == 11 && groups_ok(c, t0800, 1) && (c->ng != 2 || c->g[0] == 4);
	if (d[2] == '0' && (d[1] == '5' || d[1] == '7' || d[1] == '8' || d[1] == '9'))
		return c->n == 11 && groups_ok(c, mobile, 1) && (c->ng != 2 || c->g[0] == 3);
	if (d[1] == '2' && d[2] == '0')
		return 0;
	if (c->ng == 2 && (c->g[0] < 2 || c->g[0] > 5))
		return 0;
	return c->n == 10 && groups_ok(c, fixed, 4);
}

/* With a space separator, a neighbouring digit-and-space means the groups
 * go on: a longer number. */
static int space_continues(const char *t, size_t len, size_t s, size_t e,
    const struct phone_cand *c)
{
	if (c->sep[0] != ' ' && c->sep[1] != ' ')
		return 0;
	if (t[s] != '+' && t[s] != '(' && s >= 2 && t[s - 1] == ' ' &&
	    t[s - 2] >= '0' && t[s - 2] <= '9')
		return 1;
	return e + 1 < len && t[e] == ' ' && t[e + 1] >= '0' && t[e + 1] <= '9';
}

struct phone_scan {
	const struct phone_state *st;
	const char *text;
	size_t len;
	pcre2_match_data *md;
	struct valueset *out;
};

/* Can a number of the pattern start in text[from..to)?  Each of its shapes
 * starts with '+' or with a '0' that no digit stands before and a digit 1-9
 * follows. */
static int phone_start_in(const char *t, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (t[i] == '+' || (t[i] == '0' && (i == 0 || t[i - 1] < '0' || t[i - 1] > '9') &&
		    i + 1 < to && t[i + 1] >= '1' && t[i + 1] <= '9'))
			return 1;
	return 0;
}

/* Digits at t[i..to) from i on: how many. */
static size_t digit_run(const char *t, size_t i, size_t to)
{
	size_t s = i;

	while (i < to && t[i] >= '0' && t[i] <= '9')
		i++;
	return i - s;
}

/* The digits of t[from..from + n) appended to c (n + c->n < 16: the
 * caller). */
static void cand_digits(struct phone_cand *c, const char *t, size_t from, size_t n)
{
	char *d = c->digits + c->n;

	for (size_t k = 0; k < n; k++)
		d[k] = t[from + k];
	c->n += n;
}

/* Is the whole cluster t[from..to) what the pattern matches first from
 * `from`?  Only the two shapes most numbers are written in are told, the
 * rest left to the pattern: 0[1-9] and 8 or 9 digits more, alone (its
 * last alternative: the grouped ones fail at the first non-digit they
 * want); or 0[1-9] with 0-3 digits more, a separator, 1-4 digits, the
 * same separator, 3-4 digits (GROUPED, its greedy counts taking each
 * group whole).  The cluster's ends are no cluster bytes, so no digit,
 * '-' or '.' stands next to it: both boundaries hold.  When it is, c is
 * what phone_parse() makes of it, from the groups found here. */
static int whole_match(const char *t, size_t from, size_t to, struct phone_cand *c)
{
	size_t g1, g2, g3, i;
	char sep;

	if (to - from < 10 || t[from] != '0' || t[from + 1] < '1' || t[from + 1] > '9')
		return 0;
	g1 = digit_run(t, from, to);
	if (g1 == to - from) {
		if (g1 != 10 && g1 != 11)
			return 0;
		memset(c, 0, sizeof(*c));
		cand_digits(c, t, from, g1);
		c->digits[c->n] = '\0';
		c->g[0] = g1;
		c->ng = 1;
		return 1;
	}
	i = from + g1;
	sep = t[i];
	if (g1 < 2 || g1 > 5 || (sep != '-' && sep != '.' && sep != ' '))
		return 0;
	g2 = digit_run(t, i + 1, to);
	i += 1 + g2;
	if (g2 < 1 || g2 > 4 || i >= to || t[i] != sep)
		return 0;
	g3 = digit_run(t, i + 1, to);
	if (g3 < 3 || g3 > 4 || i + 1 + g3 != to)
		return 0;
	/* at most 5 + 4 + 4 digits */
	memset(c, 0, sizeof(*c));
	cand_digits(c, t, from, g1);
	cand_digits(c, t, from + g1 + 1, g2);
	cand_digits(c, t, i + 1, g3);
	c->digits[c->n] = '\0';
	c->g[0] = g1, c->g[1] = g2, c->g[2] = g3;
	c->ng = 3;
	c->sep[0] = c->sep[1] = sep;
	return 1;
}

/* Match within one cluster text[from..to); the subject is cut one character
 * after it (that character is no digit, '-' or '.', so the lookahead sees
 * all it needs). */
static void phone_range(void *ctx, size_t from, size_t to)
{
	struct phone_scan *sc = ctx;
	const char *text = sc->text;
	size_t cut = to < sc->len ? det_next_char(text, sc->len, to) : to, at = from;
	struct phone_cand c;
	/* the first match told in C when it is the whole cluster (most are:
	 * a pattern match costs more than the rest of the work together),
	 * and taken apart there; such a cluster has a start, '0' [1-9] */
	int whole = whole_match(text, from, to, &c);

	if (!whole && !phone_start_in(text, from, to))
		return;
	while (at < to && (whole || det_match(text, cut, sc->st->re, at, 0, sc->md) > 0)) {
		int parsed = whole;
		size_t s = from, e = to;

		if (!whole) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);

			s = ov[0];
			e = ov[1];
		}
		whole = 0;
		if ((parsed || phone_parse(text + s, e - s, &c) == 0) && phone_valid(&c) &&
		    !space_continues(text, sc->len, s, e, &c)) {
			(void)valueset_add(sc->out, c.digits, c.n);
			at = e;
		} else {
			at = det_next_char(text, cut, s);
		}
	}
}

/* Prefilter: clusters of digits and separators holding 10 digits or more. */
static void phone_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct phone_scan sc = { .st = state, .text = text, .len = len, .out = out };

	sc.md = pcre2_match_data_create_from_pattern(sc.st->re, NULL);
	if (sc.md == NULL) {
		valueset_set_incomplete(out);
		return;
	}
	det_digit_clusters(text, len, "-. ()+", 10, phone_range, &sc);
	pcre2_match_data_free(sc.md);
}

static void phone_mask(const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value), head = 2, tail = 4;

	if (n >= 4 && (memcmp(value, "0120", 4) == 0 || memcmp(value, "0570", 4) == 0))
		head = 4, tail = 3;
	else if (n >= 4 && memcmp(value, "0800", 4) == 0)
		head = 4;
	else if (n == 11)
		head = 3;
	if (n < head + tail) {
		snprintf(out, outlen, "****");
		return;
	}
	snprintf(out, outlen, "%.*s-****-%s", (int)head, value, value + n - tail);
}

const struct detector det_phone = {
	.init = phone_init,
	.scan = phone_scan,
	.mask = phone_mask,
	.free = phone_free,
};
