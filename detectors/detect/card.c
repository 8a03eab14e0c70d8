/*
 * card.c — payment card numbers.
 *
 * Shapes (normalized text): 14–19 digits in a row, or grouped with the same
 * separator (' ' or '-') throughout: 4-4-4-4, 4-4-4-4-3, 4-6-5, 4-6-4.
 * Boundaries: refused when a digit, or a digit and '-' or '.', stands right
 * before or after it (for a grouped form also a digit and its separator).
 * When a 4-4-4-4-3 candidate fails, its first 16 digits are tried (a card
 * number followed by a 3-digit code).
 * Validation: Luhn, and an issuer prefix with its length:
 *   Visa 4 — 16 or 19 digits;  Mastercard 51–55, 2221–2720 — 16;
 *   JCB 3528–3589 — 16;  American Express 34, 37 — 15;
 *   Diners Club 300–305, 36, 38 — 14;
 * a grouped number must use its length's grouping (16: 4-4-4-4,
 * 19: 4-4-4-4-3, 15: 4-6-5, 14: 4-6-4).
 * Value: the digits.  Mask: first 4 and last 4 digits shown, the others '*',
 * in the grouping of the length: "4111-****-****-1111", "3714-******-*8431".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

static const char card_pattern[] =
	"(?<![0-9]|[0-9][-.])(?:"
	"[0-9]{14,19}(?![0-9]|[-.][0-9])"
	"|[0-9]{4}([- ])[0-9]{4}\\1[0-9]{4}\\1[0-9]{4}(?:\\1[0-9]{3})?"
	"(?![0-9]|[-.][0-9]|\\1[0-9])"
	"|[0-9]{4}([- ])[0-9]{6}\\2[0-9]{4,5}(?![0-9]|[-.][0-9]|\\2[0-9]))";

struct card_state {
	pcre2_code *re;
};

static void *card_init(char *err, size_t errlen)
{
	struct card_state *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		snprintf(err, errlen, "credit_card: out of memory");
		return NULL;
	}
	st->re = det_compile("credit_card", card_pattern, 0, err, errlen);
	if (st->re == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

static void card_free(void *state)
{
	struct card_state *st = state;

	if (st == NULL)
		return;
	pcre2_code_free(st->re);
	free(st);
}

static int luhn_ok(const char *d, size_t n)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++) {
		int v = d[n - 1 - i] - '0';
		if (i % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return sum % 10 == 0;
}

/* The leading k digits as a number. */
static int prefix(const char *d, int k)
{
	int v = 0;

	for (int i = 0; i < k; i++)
		v = v * 10 + (d[i] - '0');
	return v;
}

/* Does the issuer of d use n digits? */
static int issuer_ok(const char *d, size_t n)
{
	int p2 = prefix(d, 2), p3 = prefix(d, 3), p4 = prefix(d, 4);

	if (d[0] == '4')
		return n == 16 || n == 19;
	if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
		return n == 16;
	if (p4 >= 3528 && p4 <= 3589)
		return n == 16;
	if (p2 == 34 || p2 == 37)
		return n == 15;
	if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38)
		return n == 14;
	return 0;
}

/* Digit group lengths of s[0..n), as a string like "4445" ('6' for 6). */
static void grouping(const char *s, size_t n, char *g, size_t cap)
{
	size_t k = 0, run = 0;

	for (size_t i = 0; i <= n && k + 1 < cap; i++) {
		if (i < n && s[i] >= '0' && s[i] <= '9') {
			run++;
		} else if (run > 0) {
			g[k++] = run > 9 ? '+' : (char)('0' + run);
			run = 0;
		}
	}
	g[k] = '\0';
}

static int card_valid(const char *s, size_t n, const char *d, size_t nd)
{
	char g[8];
	static const char *const want[] = { "4444", "44443", "465", "464" };
	const char *w;

	if (nd < 14 || nd > 19 || !luhn_ok(d, nd) || !issuer_ok(d, nd))
		return 0;
	grouping(s, n, g, sizeof(g));
	if (strlen(g) == 1)
		return 1;
	w = nd == 16 ? want[0] : nd == 19 ? want[1] : nd == 15 ? want[2] : want[3];
	return strcmp(g, w) == 0;
}

struct card_scan {
	const struct card_state *st;
	const char *text;
	size_t len;
	pcre2_match_data *md;
	struct valueset *out;
};

/* Validate the match [s, s + n) and add it. */
static void card_check(struct card_scan *sc, size_t s, size_t n)
{
	const char *text = sc->text;
	char d[24];
	size_t nd = det_digits(text + s, n, d, sizeof(d));

	if (nd == (size_t)-1 || (s >= 2 && text[s - 1] == ' ' && text[s - 2] >= '0' &&
	    text[s - 2] <= '9' && memchr(text + s, ' ', n) != NULL))
		return;		/* a space-grouped number going on to the left */
	if (card_valid(text + s, n, d, nd))
		(void)valueset_add(sc->out, d, nd);
	else if (nd == 19 && n == 23 && (text[s + 19] == ' ' || text[s + 19] == '-') &&
	    card_valid(text + s, 19, d, 16))
		(void)valueset_add(sc->out, d, 16);	/* 4-4-4-4 then a code */
}

/* Match within one cluster text[from..to), the subject cut one character
 * after it. */
static void card_range(void *ctx, size_t from, size_t to)
{
	struct card_scan *sc = ctx;
	size_t cut = to < sc->len ? det_next_char(sc->text, sc->len, to) : to, at = from;

	while (at < to && det_match(sc->text, cut, sc->st->re, at, 0, sc->md) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);

		at = ov[1];
		card_check(sc, ov[0], ov[1] - ov[0]);
	}
}

/* Prefilter: clusters of digits, spaces, '-' and '.' holding 14 digits or
 * more. */
static void card_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct card_scan sc = { .st = state, .text = text, .len = len, .out = out };

	sc.md = pcre2_match_data_create_from_pattern(sc.st->re, NULL);
	if (sc.md == NULL) {
		valueset_set_incomplete(out);
		return;
	}
	det_digit_clusters(text, len, "- .", 14, card_range, &sc);
	pcre2_match_data_free(sc.md);
}

static void card_mask(const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value), k = 0, pos = 0;
	const char *g = n == 15 ? "465" : n == 14 ? "464" : n == 19 ? "44443" : "4444";
	char buf[40];

	if (n < 14 || n > 19 || (n != 16 && n != 19 && n != 15 && n != 14))
		g = "";
	for (const char *p = g; *p && k + 8 < sizeof(buf); p++) {
		if (p != g)
			buf[k++] = '-';
		for (int i = 0; i < *p - '0' && pos < n; i++, pos++)
			buf[k++] = (pos < 4 || pos >= n - 4) ? value[pos] : '*';
	}
	if (*g == '\0')
		k = (size_t)snprintf(buf, sizeof(buf), "****");
	buf[k] = '\0';
	snprintf(out, outlen, "%s", buf);
}

const struct detector det_card = {
	.init = card_init,
	.scan = card_scan,
	.mask = card_mask,
	.free = card_free,
};
