/*
 * health_insurance.c — health insurance card data (保険者番号・記号・番号).
 *
 * What counts is a card: the insurer number together with the insured
 * person's 記号 (symbol) and 番号 (number).  The insurer number alone names
 * an insurer (協会けんぽ 東京支部, a health insurance society), which is
 * public, and is not counted.
 * Insurer number (normalized text): a run of exactly 8 digits standing
 * alone (det_run_alone) — 法別番号 (2), 都道府県番号 (2), 保険者別番号 (3)
 * and the check digit — with 保険者番号 or Insurer Number within 20
 * characters before it, or in a table column headed so.
 * Check digit (the 8th): from the 7th digit leftwards the digits are
 * multiplied by 2, 1, 2, 1 …, the digits of each product summed (the Luhn
 * rule); check = 10 − (sum mod 10), 0 when the sum ends in 0.
 * 記号 and 番号: in text, the word 記号 within 60 characters after the
 * insurer number (else before it: on a card written 記号 … 保険者番号 …,
 * a next card within 60 characters would lend its 記号), then (after
 * spaces, ':' or '：') the symbol — up to 20 bytes of anything but spaces, tabs, commas, line ends and '・' — and
 * then 番号 (not 保険者番号), or the written-together 記号・番号 / 記号番号
 * followed by "symbol・number" / "symbol-number" / "symbol number"; the
 * number is 1–10 digits.  In a table: the insurer number's cell followed by
 * two cells (the symbol, then the number of 1–10 digits), the header row
 * holding 記号.
 * Value: insurer, symbol and number joined by '/' ("01130012/1234/56").
 * Mask: the insurer number shown, symbol and number as three '*' each
 * (the insurer number, then "/", "***", "/", "***").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define HI_DIGITS 8
#define HI_WINDOW 20
#define HI_CARD_WINDOW 60
#define HI_SYM_MAX 20

static const char *const hi_keywords[] = { "保険者番号", "Insurer Number", NULL };
static const char *const hi_symbol_kw[] = { "記号", NULL };

static int hi_state_dummy;

static void *hi_init(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return &hi_state_dummy;
}

static void hi_free(void *state)
{
	(void)state;
}

static int hi_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The Luhn check over 8 ASCII digits, the last the check digit. */
static int hi_check(const char *d)
{
	int sum = 0;

	for (int i = 0; i < HI_DIGITS; i++) {
		int v = d[HI_DIGITS - 1 - i] - '0';

		if (i % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return sum % 10 == 0;
}

static int starts(const char *t, size_t len, size_t at, const char *w)
{
	size_t n = strlen(w);

	return at + n <= len && memcmp(t + at, w, n) == 0;
}

/* Skip spaces, ':' and '：' from at. */
static size_t skip_sep(const char *t, size_t len, size_t at)
{
	for (;;) {
		if (at < len && (t[at] == ' ' || t[at] == ':' || t[at] == '\t'))
			at++;
		else if (starts(t, len, at, "："))
			at += strlen("：");
		else
			return at;
	}
}

/* End of a symbol token from at: up to HI_SYM_MAX bytes, stopping at a
 * space, tab, comma, line end, '・', '-' when `dash`, or 番号. */
static size_t symbol_end(const char *t, size_t len, size_t at, int dash)
{
	size_t e = at;

	while (e < len && e - at < HI_SYM_MAX && t[e] != ' ' && t[e] != '\t' && t[e] != ',' &&
	    t[e] != '\n' && t[e] != '\f' && !(dash && t[e] == '-') &&
	    !starts(t, len, e, "・") && !starts(t, len, e, "番号"))
		e = det_next_char(t, len, e);
	return e - at > HI_SYM_MAX ? at : e;
}

static size_t digits_end(const char *t, size_t len, size_t at)
{
	size_t e = at;

	while (e < len && hi_digit(t[e]) && e - at <= 10)
		e++;
	return (e - at >= 1 && e - at <= 10 && !(e < len && hi_digit(t[e]))) ? e : at;
}

struct hi_scan {
	const char *text;
	size_t len;
	struct colcache *cc;	/* the scan's own (not zeroed: 8 KB; valid = 0) */
	struct valueset *out;
};

static void hi_add(struct hi_scan *sc, const char *ins, size_t ss, size_t se, size_t ns, size_t ne)
{
	char v[HI_DIGITS + HI_SYM_MAX + 16];
	int n = snprintf(v, sizeof(v), "%.8s/%.*s/%.*s", ins, (int)(se - ss), sc->text + ss,
	    (int)(ne - ns), sc->text + ns);

	if (n > 0 && (size_t)n < sizeof(v))
		(void)valueset_add(sc->out, v, (size_t)n);
}

/* The first card (記号 symbol, 番号 number) whose 記号 lies in
 * text[lo..hi): added, 1; else 0. */
static int hi_card_in(struct hi_scan *sc, const char *ins, size_t lo, size_t hi)
{
	const char *t = sc->text;
	size_t kl;
	long k = det_keyword_find(t, sc->len, lo, hi, hi_symbol_kw, &kl);

	while (k >= 0) {
		size_t p = (size_t)k + kl, ss, se, ns, ne;
		int together = 0;

		if (starts(t, sc->len, p, "・番号")) {
			p += strlen("・番号");
			together = 1;
		} else if (starts(t, sc->len, p, "番号")) {
			p += strlen("番号");
			together = 1;
		}
		ss = skip_sep(t, sc->len, p);
		se = symbol_end(t, sc->len, ss, together);
		if (se > ss) {
			p = se;
			if (together) {
				if (starts(t, sc->len, p, "・"))
					p += strlen("・");
				else if (p < sc->len && (t[p] == '-' || t[p] == ' '))
					p++;
				else
					p = sc->len;
			} else {
				p = skip_sep(t, sc->len, p);
				if (!starts(t, sc->len, p, "番号"))
					p = sc->len;
				else
					p = skip_sep(t, sc->len, p + strlen("番号"));
			}
			ns = p;
			ne = p < sc->len ? digits_end(t, sc->len, p) : p;
			if (ne > ns) {
				hi_add(sc, ins, ss, se, ns, ne);
				return 1;
			}
		}
		k = det_keyword_find(t, sc->len, (size_t)k + kl, hi, hi_symbol_kw, &kl);
	}
	return 0;
}

/* 記号 … 番号 … near the insurer number text[from..to), after it first
 * (a list of cards: each line's own), then before it. */
static int hi_card_text(struct hi_scan *sc, const char *ins, size_t from, size_t to)
{
	const char *t = sc->text;

	return hi_card_in(sc, ins, to, det_chars_fwd(t, sc->len, to, HI_CARD_WINDOW)) ||
	    hi_card_in(sc, ins, det_chars_back(t, from, HI_CARD_WINDOW), from);
}

/* In a table whose header holds 記号: the two cells after the insurer's. */
static void hi_card_row(struct hi_scan *sc, const char *ins, size_t to)
{
	const char *t = sc->text;
	char sep = sc->cc->sep;
	size_t ss, se, ns, ne;

	if (sep == 0 || to >= sc->len || t[to] != sep ||
	    det_find(t + sc->cc->head_start, sc->cc->head_end - sc->cc->head_start, "記号",
	    strlen("記号")) == NULL)
		return;
	ss = to + 1;
	se = ss;
	while (se < sc->len && t[se] != sep && t[se] != '\n' && se - ss <= HI_SYM_MAX)
		se++;
	if (se == ss || se - ss > HI_SYM_MAX || se >= sc->len || t[se] != sep)
		return;
	ns = se + 1;
	ne = digits_end(t, sc->len, ns);
	if (ne > ns && (ne == sc->len || t[ne] == sep || t[ne] == '\n' || t[ne] == '\r'))
		hi_add(sc, ins, ss, se, ns, ne);
}

static void hi_range(void *ctx, size_t from, size_t to)
{
	struct hi_scan *sc = ctx;
	const char *d = sc->text + from;

	if (to - from != HI_DIGITS || !det_run_alone(sc->text, sc->len, from, to) || !hi_check(d))
		return;
	if (context_keyword_before(sc->text, sc->len, from, hi_keywords, HI_WINDOW) &&
	    hi_card_text(sc, d, from, to))
		return;
	if (context_column_header_c(sc->text, sc->len, from, hi_keywords, sc->cc))
		hi_card_row(sc, d, to);
}

/* Prefilter: runs of 8 digits or more. */
static void hi_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct colcache cc;
	struct hi_scan sc = { .text = text, .len = len, .out = out, .cc = &cc };

	cc.valid = 0;
	(void)state;
	det_digit_clusters(text, len, "", HI_DIGITS, hi_range, &sc);
}

static void hi_mask(const char *value, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.8s/***/***", strlen(value) >= HI_DIGITS ? value : "********");
}

const struct detector det_health_insurance = {
	.init = hi_init,
	.scan = hi_scan,
	.mask = hi_mask,
	.free = hi_free,
};
