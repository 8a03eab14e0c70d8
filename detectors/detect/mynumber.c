/*
 * mynumber.c — Individual Numbers (My Number, 個人番号).
 *
 * Shapes (normalized text): 12 digits in a row, or 4-4-4 with the same
 * separator twice (' ', '-' or '.').  Boundaries: refused when a digit, or
 * a digit and '-' or '.', stands right before or after it — and for the
 * grouped form a digit and the separator, as in a longer grouped number
 * (a card number) — so a 13-digit Corporate Number (法人番号) is never read
 * as 12 digits plus one.
 * Check digit (the 12th): with the 11 others P11..P1 from left to right and
 * weights 6,5,4,3,2,7,6,5,4,3,2, r = Σ P·w mod 11; check = 0 when r ≤ 1,
 * else 11 − r.
 * Context (required): a keyword — マイナンバー, 個人番号, 共通番号,
 * マイナンバーカード, 個人番号カード, 個人識別番号, 個人識別ナンバー,
 * 通知カード, My Number, MyNumber, Individual Number (ASCII letters in any
 * case, not glued to other ASCII letters) — lying within 300 characters
 * before or after the number
 * (context_keyword_near), or the number standing in a table column whose
 * header cell holds one (context_column_header).
 * Value: the 12 digits.  Mask: "****-****-" + last 4 ("****-****-9018").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define WINDOW 300

static const char *const mn_keywords[] = {
	"マイナンバー", "個人番号", "共通番号", "個人識別番号", "個人識別ナンバー",
	"通知カード", "My Number", "MyNumber", "Individual Number", NULL,
};

static const char mn_pattern[] =
	"(?<![0-9]|[0-9][-.])[0-9]{12}(?![0-9]|[-.][0-9])"
	"|(?<![0-9]|[0-9][-. ])[0-9]{4}([-. ])[0-9]{4}\\1[0-9]{4}(?![0-9]|[-. ][0-9])";

struct mn_state {
	pcre2_code *re;
};

static void *mn_init(char *err, size_t errlen)
{
	struct mn_state *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		snprintf(err, errlen, "my_number: out of memory");
		return NULL;
	}
	st->re = det_compile("my_number", mn_pattern, 0, err, errlen);
	if (st->re == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

static void mn_free(void *state)
{
	struct mn_state *st = state;

	if (st == NULL)
		return;
	pcre2_code_free(st->re);
	free(st);
}

/* The check digit rule on 12 ASCII digits. */
static int mn_check(const char *d)
{
	static const int w[11] = { 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
	int r = 0, check;

	for (int i = 0; i < 11; i++)
		r += (d[i] - '0') * w[i];
	r %= 11;
	check = r <= 1 ? 0 : 11 - r;
	return d[11] - '0' == check;
}

struct mn_scan {
	const struct mn_state *st;
	const char *text;
	size_t len;
	pcre2_match_data *md;
	struct colcache *cc;	/* the scan's own (not zeroed: 8 KB; valid = 0) */
	struct valueset *out;
};

static size_t run_len(const char *t, size_t i, size_t to)
{
	size_t n = 0;

	while (i + n < to && t[i + n] >= '0' && t[i + n] <= '9')
		n++;
	return n;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Does the cluster text[from..to) hold a number the pattern matches: a
 * run of exactly 12 digits, or runs of exactly 4, 4 and 4 one separator
 * apart (the same twice), with no separator and digit joined on either
 * side?  The pattern runs only when it does. */
static int mn_shape_in(const char *t, size_t len, size_t from, size_t to)
{
	for (size_t i = from, n; i < to; i += n ? n : 1) {
		size_t e;
		int joined_before;

		if (!(n = run_len(t, i, to)))
			continue;
		joined_before = i >= 2 && (t[i - 1] == '-' || t[i - 1] == '.' || t[i - 1] == ' ') &&
		    is_digit(t[i - 2]);
		if (n == 12) {
			e = i + 12;
			if (!(i >= 2 && (t[i - 1] == '-' || t[i - 1] == '.') && is_digit(t[i - 2])) &&
			    !(e + 1 < len && (t[e] == '-' || t[e] == '.') && is_digit(t[e + 1])))
				return 1;
		} else if (n == 4 && !joined_before && i + 14 <= to && run_len(t, i + 5, to) == 4 &&
		    t[i + 9] == t[i + 4] && run_len(t, i + 10, to) == 4) {
			e = i + 14;
			if (!(e + 1 < len && (t[e] == '-' || t[e] == '.' || t[e] == ' ') &&
			    is_digit(t[e + 1])))
				return 1;
		}
	}
	return 0;
}

/* Check every number in the cluster text[from..to); the subject is cut one
 * character after it, all the lookahead needs. */
static void mn_range(void *ctx, size_t from, size_t to)
{
	struct mn_scan *sc = ctx;
	size_t cut = to < sc->len ? det_next_char(sc->text, sc->len, to) : to, at = from;

	if (!mn_shape_in(sc->text, sc->len, from, to))
		return;
	while (at < to && det_match(sc->text, cut, sc->st->re, at, 0, sc->md) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
		char d[16];

		at = ov[1];
		if (det_digits(sc->text + ov[0], ov[1] - ov[0], d, sizeof(d)) != 12 || !mn_check(d))
			continue;
		if (context_keyword_near(sc->text, sc->len, ov[0], ov[1], mn_keywords, WINDOW) ||
		    context_column_header_c(sc->text, sc->len, ov[0], mn_keywords, sc->cc))
			(void)valueset_add(sc->out, d, 12);
	}
}

/* Prefilter: clusters of digits, spaces, '-' and '.' holding 12 digits or
 * more; the context is checked only for numbers with a valid check digit. */
static void mn_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct colcache cc;
	struct mn_scan sc = { .st = state, .text = text, .len = len, .out = out, .cc = &cc };

	cc.valid = 0;
	sc.md = pcre2_match_data_create_from_pattern(sc.st->re, NULL);
	if (sc.md == NULL) {
		valueset_set_incomplete(out);
		return;
	}
	det_digit_clusters(text, len, "-. ", 12, mn_range, &sc);
	pcre2_match_data_free(sc.md);
}

static void mn_mask(const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value);

	snprintf(out, outlen, "****-****-%s", n >= 4 ? value + n - 4 : "****");
}

const struct detector det_mynumber = {
	.init = mn_init,
	.scan = mn_scan,
	.mask = mn_mask,
	.free = mn_free,
};
