/*
 * bank_account.c — bank account numbers (口座番号).
 *
 * Shape (normalized text): a run of exactly 7 digits (the account number of
 * a Japanese bank, 普通・当座), standing alone (det_run_alone: no digit, and
 * no digit behind '-' '.' ',' '/', next to it) and not followed, after one
 * space at most, by a unit: 円 千 万 億 % 人 件 個 (an amount or a count).
 * There is no check digit, so the context carries it all (required):
 *   - a keyword naming the account — 口座 (口座番号, 振込口座, 口座名義 …),
 *     普通預金, 当座預金, 貯蓄預金, Account No, Account Number, Bank
 *     Account — within 30 characters before or after the number; or
 *   - 普通, 当座, 支店 or 本店 right before it: between the word and the
 *     number only spaces, ':' '(' ')' '・' '/' '-' '.' and the words 預金,
 *     口座, 番号, No, 普通, 当座 (so 「新宿支店 普通 1234567」 counts,
 *     「普通交付税 1234567」 of a budget table does not); or
 *   - the number in a table column headed 口座 or Account.
 * Value: the 7 digits (the bank and the branch are not part of it).
 * Mask: "****" + the last 3 digits ("****567").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define BA_DIGITS 7
#define BA_WINDOW 30

static const char *const ba_keywords[] = {
	"口座", "普通預金", "当座預金", "貯蓄預金", "Account No", "Account Number",
	"Bank Account", NULL,
};

static const char *const ba_headers[] = { "口座", "Account", NULL };

/* Words that may stand between 普通/当座/支店 and the number, and the
 * words themselves. */
static const char *const ba_fill[] = {
	"：", "（", "）", "・", "預金", "口座", "番号", "No", "NO", "no", NULL,
};
static const char *const ba_near[] = { "普通", "当座", "支店", "本店", NULL };

static const char *const ba_units[] = {
	"円", "千", "万", "億", "%", "人", "件", "個", NULL,
};

static int ba_state_dummy;

static void *ba_init(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return &ba_state_dummy;
}

static void ba_free(void *state)
{
	(void)state;
}

/* Length of the word of list ending at text[pos], or 0. */
static size_t ends_with(const char *text, size_t pos, const char *const *list, size_t *k)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		size_t n = strlen(list[i]);

		if (n <= pos && memcmp(text + pos - n, list[i], n) == 0) {
			if (k != NULL)
				*k = i;
			return n;
		}
	}
	return 0;
}

/* 普通, 当座, 支店 or 本店 right before `at`, through fillers only. */
static int ba_word_before(const char *text, size_t at)
{
	size_t p = at, n;

	for (int steps = 0; steps < 12 && p > 0; steps++) {
		char c = text[p - 1];

		if (c == ' ' || c == '\t' || c == ':' || c == '(' || c == ')' || c == '/' ||
		    c == '-' || c == '.') {
			p--;
		} else if (ends_with(text, p, ba_near, NULL) > 0) {
			return 1;
		} else if ((n = ends_with(text, p, ba_fill, NULL)) > 0) {
			p -= n;
		} else {
			return 0;
		}
	}
	return 0;
}

static int ba_unit_after(const char *text, size_t len, size_t end)
{
	if (end < len && text[end] == ' ')
		end++;
	for (size_t i = 0; ba_units[i] != NULL; i++) {
		size_t n = strlen(ba_units[i]);

		if (end + n <= len && memcmp(text + end, ba_units[i], n) == 0)
			return 1;
	}
	return 0;
}

struct ba_scan {
	const char *text;
	size_t len;
	struct colcache *cc;	/* the scan's own (not zeroed: 8 KB; valid = 0) */
	struct valueset *out;
};

static void ba_range(void *ctx, size_t from, size_t to)
{
	struct ba_scan *sc = ctx;
	const char *t = sc->text;

	if (to - from != BA_DIGITS || !det_run_alone(t, sc->len, from, to) ||
	    ba_unit_after(t, sc->len, to))
		return;
	if (ba_word_before(t, from) ||
	    context_keyword_near(t, sc->len, from, to, ba_keywords, BA_WINDOW) ||
	    context_column_header_c(t, sc->len, from, ba_headers, sc->cc))
		(void)valueset_add(sc->out, t + from, BA_DIGITS);
}

/* Prefilter: runs of 7 digits or more. */
static void ba_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct colcache cc;
	struct ba_scan sc = { .text = text, .len = len, .out = out, .cc = &cc };

	cc.valid = 0;
	(void)state;
	det_digit_clusters(text, len, "", BA_DIGITS, ba_range, &sc);
}

static void ba_mask(const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value);

	snprintf(out, outlen, "****%s", n >= 3 ? value + n - 3 : "***");
}

const struct detector det_bank_account = {
	.init = ba_init,
	.scan = ba_scan,
	.mask = ba_mask,
	.free = ba_free,
};
