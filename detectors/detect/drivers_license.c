/*
 * drivers_license.c — driving licence numbers (運転免許証番号).
 *
 * Shape (normalized text): a run of exactly 12 digits standing alone (no
 * digit, and no digit behind '-' '.' ',' '/', next to it: det_run_alone),
 * as printed on the licence (「第 301234567890 号」).
 * Structure: digits 1–2 the code of the public safety commission that
 * issued the first licence — 10–14 (北海道 and its four areas), 20–25,
 * 30, 40–55, 60–65, 70–74, 80–83, 90–97, or 00 (a foreign licence
 * converted); 3–4 the year; 5–10 a serial; 11 the check digit; 12 the
 * number of reissues.
 * Check digit (the 11th): with the first ten digits d1..d10 and weights
 * 5,4,3,2,7,6,5,4,3,2, check = (11 − Σ d·w mod 11) mod 10 — a remainder of
 * 0 gives 1, of 1 gives 0 (published from the numbers themselves; the
 * police do not document it).  About 1 random number in 10 passes, so the
 * context is required too: 免許証, 運転免許, 免許番号, Driver's License,
 * Driver License, Drivers License, Driving Licence, Driving License
 * (ASCII without case) within 100 characters before or after, or the
 * number in a table column headed so.
 * Value: the 12 digits.  Mask: "********" + the last 4 ("********5620").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define DL_DIGITS 12
#define DL_WINDOW 100

static const char *const dl_keywords[] = {
	"免許証", "運転免許", "免許番号", "Driver's License", "Driver License",
	"Drivers License", "Driving Licence", "Driving License", NULL,
};

static int dl_state_dummy;

static void *dl_init(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return &dl_state_dummy;
}

static void dl_free(void *state)
{
	(void)state;
}

/* Is cc the code of a public safety commission? */
static int dl_commission(int cc)
{
	return cc == 0 || (cc >= 10 && cc <= 14) || (cc >= 20 && cc <= 25) || cc == 30 ||
	    (cc >= 40 && cc <= 55) || (cc >= 60 && cc <= 65) || (cc >= 70 && cc <= 74) ||
	    (cc >= 80 && cc <= 83) || (cc >= 90 && cc <= 97);
}

/* The check digit rule on 12 ASCII digits. */
static int dl_check(const char *d)
{
	static const int w[10] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
	int s = 0;

	for (int i = 0; i < 10; i++)
		s += (d[i] - '0') * w[i];
	return d[10] - '0' == (11 - s % 11) % 10;
}

struct dl_scan {
	const char *text;
	size_t len;
	struct colcache *cc;	/* the scan's own (not zeroed: 8 KB; valid = 0) */
	struct valueset *out;
};

static void dl_range(void *ctx, size_t from, size_t to)
{
	struct dl_scan *sc = ctx;
	const char *d = sc->text + from;

	if (to - from != DL_DIGITS || !det_run_alone(sc->text, sc->len, from, to) ||
	    !dl_commission((d[0] - '0') * 10 + (d[1] - '0')) || !dl_check(d))
		return;
	if (context_keyword_near(sc->text, sc->len, from, to, dl_keywords, DL_WINDOW) ||
	    context_column_header_c(sc->text, sc->len, from, dl_keywords, sc->cc))
		(void)valueset_add(sc->out, d, DL_DIGITS);
}

/* Prefilter: runs of 12 digits or more. */
static void dl_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct colcache cc;
	struct dl_scan sc = { .text = text, .len = len, .out = out, .cc = &cc };

	cc.valid = 0;
	(void)state;
	det_digit_clusters(text, len, "", DL_DIGITS, dl_range, &sc);
}

static void dl_mask(const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value);

	snprintf(out, outlen, "********%s", n >= 4 ? value + n - 4 : "****");
}

const struct detector det_drivers_license = {
	.init = dl_init,
	.scan = dl_scan,
	.mask = dl_mask,
	.free = dl_free,
};
