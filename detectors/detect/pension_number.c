/*
 * pension_number.c — basic pension numbers (基礎年金番号).
 *
 * Shape (normalized text): 4 digits and 6 digits, as on the 年金手帳 and
 * the 基礎年金番号通知書 — "1234-567890", "1234 567890" — or the 10 digits
 * in a row.  Boundaries: the number stands alone (det_run_alone at both
 * ends: no digit, no digit behind '-' '.' ',' '/'), and in the grouped form
 * no further group joined by the same separator (a reference
 * 12-1234-567890 or a space-grouped longer number is none).
 * There is no public check digit: the context is required — 基礎年金番号,
 * 年金番号, 年金手帳, Pension Number (ASCII without case; Basic Pension
 * Number too) within 30 characters before or after, or the number in a
 * table column headed so.
 * Value: the 10 digits.  Mask: "****-**" + the last 4 ("****-**7890").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define PN_DIGITS 10
#define PN_WINDOW 30

static const char *const pn_keywords[] = {
	"基礎年金番号", "年金番号", "年金手帳", "Pension Number", NULL,
};

static int pn_state_dummy;

static void *pn_init(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return &pn_state_dummy;
}

static void pn_free(void *state)
{
	(void)state;
}

static int pn_digit(char c)
{
	return c >= '0' && c <= '9';
}

struct pn_scan {
	const char *text;
	size_t len;
	struct colcache *cc;	/* the scan's own (not zeroed: 8 KB; valid = 0) */
	struct valueset *out;
};

/* Length of the digit run at t[i..to). */
static size_t run_at(const char *t, size_t i, size_t to)
{
	size_t j = i;

	while (j < to && pn_digit(t[j]))
		j++;
	return j - i;
}

static void pn_try(struct pn_scan *sc, size_t s, size_t e)
{
	char d[PN_DIGITS + 1];

	if (!det_run_alone(sc->text, sc->len, s, e) ||
	    det_digits(sc->text + s, e - s, d, sizeof(d)) != PN_DIGITS)
		return;
	if (context_keyword_near(sc->text, sc->len, s, e, pn_keywords, PN_WINDOW) ||
	    context_column_header_c(sc->text, sc->len, s, pn_keywords, sc->cc))
		(void)valueset_add(sc->out, d, PN_DIGITS);
}

/* The digit groups of the cluster text[from..to): a group of 10, or a group
 * of 4, one separator and a group of 6 with no group joined on either side
 * by that separator. */
static void pn_range(void *ctx, size_t from, size_t to)
{
	struct pn_scan *sc = ctx;
	const char *t = sc->text;
	size_t i = from;

	while (i < to) {
		size_t n, m;

		if (!pn_digit(t[i])) {
			i++;
			continue;
		}
		n = run_at(t, i, to);
		if (n == PN_DIGITS) {
			pn_try(sc, i, i + n);
		} else if (n == 4 && i + 5 < to && (t[i + 4] == '-' || t[i + 4] == ' ') &&
		    (m = run_at(t, i + 5, to)) == 6) {
			char c = t[i + 4];
			int joined_before = i >= 2 && t[i - 1] == c && pn_digit(t[i - 2]);
			int joined_after = i + 11 < sc->len && t[i + 11] == c &&
			    i + 12 < sc->len && pn_digit(t[i + 12]);

			if (!joined_before && !joined_after)
				pn_try(sc, i, i + 11);
		}
		i += n;
	}
}

/* Prefilter: clusters of digits, '-' and spaces holding 10 digits or more
 * (and a run of 6). */
static void pn_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct colcache cc;
	struct pn_scan sc = { .text = text, .len = len, .out = out, .cc = &cc };

	cc.valid = 0;
	(void)state;
	/* a group of 10, or of 4 and 6: a run of 6 digits at least */
	det_digit_clusters_run(text, len, "- ", PN_DIGITS, 6, pn_range, &sc);
}

static void pn_mask(const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value);

	snprintf(out, outlen, "****-**%s", n >= 4 ? value + n - 4 : "****");
}

const struct detector det_pension_number = {
	.init = pn_init,
	.scan = pn_scan,
	.mask = pn_mask,
	.free = pn_free,
};
