/*
 * residence_card.c — residence card numbers (在留カード番号).
 *
 * Shape (normalized text): two ASCII letters, eight digits, two ASCII
 * letters, written together — "AB12345678CD" (the number of the 在留カード
 * and of the 特別永住者証明書; full-width characters are ASCII after
 * normalization).  Boundaries: no ASCII letter or digit right before or
 * right after the twelve characters.
 * The check character of the number is not published: the context is
 * required — 在留カード, 特別永住者証明書, Residence Card (ASCII without case)
 * within 100 characters before or after, or the number in a table column
 * headed so.
 * Value: the 12 characters, letters upper-cased ("AB12345678CD").
 * Mask: the letters shown, the digits '*' ("AB********CD").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define RC_DIGITS 8
#define RC_LEN 12
#define RC_WINDOW 100

static const char *const rc_keywords[] = {
	"在留カード", "特別永住者証明書", "Residence Card", NULL,
};

static int rc_state_dummy;

static void *rc_init(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return &rc_state_dummy;
}

static void rc_free(void *state)
{
	(void)state;
}

static int rc_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int rc_alnum(char c)
{
	return rc_letter(c) || (c >= '0' && c <= '9');
}

struct rc_scan {
	const char *text;
	size_t len;
	struct colcache *cc;	/* the scan's own (not zeroed: 8 KB; valid = 0) */
	struct valueset *out;
};

static void rc_range(void *ctx, size_t from, size_t to)
{
	struct rc_scan *sc = ctx;
	const char *t = sc->text;
	size_t s = from - 2, e = to + 2;
	char v[RC_LEN];

	if (to - from != RC_DIGITS || from < 2 || e > sc->len ||
	    !rc_letter(t[s]) || !rc_letter(t[s + 1]) || !rc_letter(t[to]) || !rc_letter(t[to + 1]) ||
	    (s > 0 && rc_alnum(t[s - 1])) || (e < sc->len && rc_alnum(t[e])))
		return;
	if (!context_keyword_near(t, sc->len, s, e, rc_keywords, RC_WINDOW) &&
	    !context_column_header_c(t, sc->len, s, rc_keywords, sc->cc))
		return;
	for (size_t i = 0; i < RC_LEN; i++)
		v[i] = (char)(t[s + i] >= 'a' ? t[s + i] - 32 : t[s + i]);
	(void)valueset_add(sc->out, v, RC_LEN);
}

/* Prefilter: runs of 8 digits or more; the letters are looked at after. */
static void rc_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct colcache cc;
	struct rc_scan sc = { .text = text, .len = len, .out = out, .cc = &cc };

	cc.valid = 0;
	(void)state;
	det_digit_clusters(text, len, "", RC_DIGITS, rc_range, &sc);
}

static void rc_mask(const char *value, char *out, size_t outlen)
{
	if (strlen(value) == RC_LEN)
		snprintf(out, outlen, "%.2s********%s", value, value + 10);
	else
		snprintf(out, outlen, "************");
}

const struct detector det_residence_card = {
	.init = rc_init,
	.scan = rc_scan,
	.mask = rc_mask,
	.free = rc_free,
};
