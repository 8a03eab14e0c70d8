/*
 * passport.c — passport numbers (旅券番号).
 *
 * Shape (normalized text): two ASCII letters and seven digits, the letters
 * right before the digits or one space apart — "TK1234567", "tk 1234567"
 * (the Japanese passport; full-width letters and digits are ASCII after
 * normalization).  Boundaries: no ASCII letter or digit right before the
 * letters, and after the digits no letter, no digit and no digit behind
 * '-' '.' ',' '/' (det_run_alone): a product code AB12345678 or
 * XAB1234567 is none.
 * There is no public check digit: the context is required — 旅券, パスポート
 * or Passport (旅券番号, パスポート番号, Passport No. …; ASCII without case,
 * not glued to other letters) within 100 characters before or after, or
 * the number in a table column headed so.
 * Value: the letters upper-cased and the digits, "TK1234567".
 * Mask: the letters, "*****" and the last 2 digits ("TK*****67").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define PP_DIGITS 7
#define PP_WINDOW 100

static const char *const pp_keywords[] = { "旅券", "パスポート", "Passport", NULL };

static int pp_state_dummy;

static void *pp_init(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return &pp_state_dummy;
}

static void pp_free(void *state)
{
	(void)state;
}

static int pp_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int pp_alnum(char c)
{
	return pp_letter(c) || (c >= '0' && c <= '9');
}

struct pp_scan {
	const char *text;
	size_t len;
	struct colcache *cc;	/* the scan's own (not zeroed: 8 KB; valid = 0) */
	struct valueset *out;
};

static void pp_range(void *ctx, size_t from, size_t to)
{
	struct pp_scan *sc = ctx;
	const char *t = sc->text;
	size_t l = from;
	char v[PP_DIGITS + 3];

	if (to - from != PP_DIGITS || !det_run_alone(t, sc->len, from, to) ||
	    (to < sc->len && pp_letter(t[to])))
		return;
	if (l > 0 && t[l - 1] == ' ')
		l--;
	if (l < 2 || !pp_letter(t[l - 1]) || !pp_letter(t[l - 2]) ||
	    (l > 2 && pp_alnum(t[l - 3])))
		return;
	if (!context_keyword_near(t, sc->len, l - 2, to, pp_keywords, PP_WINDOW) &&
	    !context_column_header_c(t, sc->len, l - 2, pp_keywords, sc->cc))
		return;
	for (int i = 0; i < 2; i++) {
		char c = t[l - 2 + i];

		v[i] = (char)(c >= 'a' ? c - 32 : c);
	}
	memcpy(v + 2, t + from, PP_DIGITS);
	(void)valueset_add(sc->out, v, PP_DIGITS + 2);
}

/* Prefilter: runs of 7 digits or more; the letters are looked at after. */
static void pp_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct colcache cc;
	struct pp_scan sc = { .text = text, .len = len, .out = out, .cc = &cc };

	cc.valid = 0;
	(void)state;
	det_digit_clusters(text, len, "", PP_DIGITS, pp_range, &sc);
}

static void pp_mask(const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value);

	if (n == PP_DIGITS + 2)
		snprintf(out, outlen, "%.2s*****%s", value, value + n - 2);
	else
		snprintf(out, outlen, "*********");
}

const struct detector det_passport = {
	.init = pp_init,
	.scan = pp_scan,
	.mask = pp_mask,
	.free = pp_free,
};
