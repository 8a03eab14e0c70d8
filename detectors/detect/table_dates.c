/*
 * table_dates.c — a date split over cells (see table_dates.h).
 *
 * A 生年月日 header over three or four columns (a merged cell, often with
 * 元号 | 年 | 月 | 日 below it) holds a date in pieces.  The pieces, in
 * order, are read as:
 *   era      明治 大正 昭和 平成 令和, or M T S H R — alone in its cell
 *            (「昭和」「42」…) or with the year (「昭和42年」「S42」);
 *   year     1-2 digits or 元 after an era, else 4 digits starting 19 or
 *            20; a trailing 年 allowed;
 *   month    1-2 digits, a trailing 月 allowed;
 *   day      1-2 digits, a trailing 日 allowed;
 * and nothing else: every cell of the group is used, no cell holds
 * anything more (「42歳」「男」「2024年度」 end the reading), so three
 * columns of a budget (年度 | 予算 | 執行) are no date — and they are not
 * under a 生年月日 header anyway.  The result goes to the birth date
 * detector, which checks the calendar and the era's bounds.
 */
#include <stdio.h>
#include <string.h>

#include "detect/table_dates.h"

static const struct {
	const char *kanji;
	char letter;
} tbd_eras[] = {
	{ "明治", 'M' }, { "大正", 'T' }, { "昭和", 'S' }, { "平成", 'H' }, { "令和", 'R' },
};
#define TBD_NERAS (sizeof(tbd_eras) / sizeof(tbd_eras[0]))

/* A number of 1..max digits (or 元 when gen) at p[0..n), then the suffix
 * suf or nothing, filling all of it: its value, else -1. */
static int number(const char *p, size_t n, size_t max, int gen, const char *suf)
{
	size_t sl = strlen(suf), d = 0;
	int v = 0;

	if (n >= sl && sl > 0 && memcmp(p + n - sl, suf, sl) == 0)
		n -= sl;
	if (gen && n == 3 && memcmp(p, "元", 3) == 0)
		return 1;
	for (; d < n && d <= max && p[d] >= '0' && p[d] <= '9'; d++)
		v = v * 10 + (p[d] - '0');	/* at most max + 1 digits: no overflow */
	return d == n && d >= 1 && d <= max ? v : -1;
}

/* The era at the start of p[0..n): its index, *len its bytes; -1. */
static int era(const char *p, size_t n, size_t *len, int *letter)
{
	for (size_t i = 0; i < TBD_NERAS; i++) {
		if (n >= 6 && memcmp(p, tbd_eras[i].kanji, 6) == 0) {
			*len = 6;
			*letter = 0;
			return (int)i;
		}
		if (n >= 1 && p[0] == tbd_eras[i].letter) {
			*len = n >= 2 && p[1] == '.' ? 2 : 1;
			*letter = 1;
			return (int)i;
		}
	}
	return -1;
}

size_t tbd_split_date(const char *t, const size_t *s, const size_t *e, size_t n, char *out,
    size_t cap)
{
	size_t i = 0, el = 0;
	int er = -1, letter = 0, y, m, d, w;

	if (n < 3 || n > 4)
		return 0;
	er = era(t + s[0], e[0] - s[0], &el, &letter);
	if (er >= 0 && el == e[0] - s[0]) {	/* 「昭和」 alone */
		if (n != 4)
			return 0;
		i = 1;
		y = number(t + s[1], e[1] - s[1], 2, 1, "年");
	} else if (er >= 0) {			/* 「昭和42年」「S42」 */
		if (n != 3)
			return 0;
		y = number(t + s[0] + el, e[0] - s[0] - el, 2, 1, "年");
	} else {				/* 「1967」「1967年」 */
		if (n != 3)
			return 0;
		y = number(t + s[0], e[0] - s[0], 4, 0, "年");
		if (y < 1900 || y > 2099)
			return 0;
	}
	m = number(t + s[i + 1], e[i + 1] - s[i + 1], 2, 0, "月");
	d = number(t + s[i + 2], e[i + 2] - s[i + 2], 2, 0, "日");
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	if (er < 0)
		w = snprintf(out, cap, "%d年%d月%d日", y, m, d);
	else if (letter)
		w = snprintf(out, cap, "%c%d.%d.%d", tbd_eras[er].letter, y, m, d);
	else
		w = snprintf(out, cap, "%s%d年%d月%d日", tbd_eras[er].kanji, y, m, d);
	return w > 0 && (size_t)w < cap ? (size_t)w : 0;
}
