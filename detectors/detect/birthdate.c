/*
 * birthdate.c — birth dates.
 *
 * Shapes (normalized text; spaces allowed around 年, 月, 日):
 *   YYYY-M-D, YYYY/M/D, YYYY.M.D (the same separator twice; month and day
 *   1 or 2 digits; YYYY starting 19 or 20);  YYYY年M月D日;
 *   明治|大正|昭和|平成|令和 N年M月D日 (N 1–2 digits, or 元 for 1);
 *   M|T|S|H|R [.] N.M.D (also with '/' or '-', the same twice: S55.1.2,
 *   H2.3.4, R1.5.1) — the letter not glued to another ASCII letter or digit.
 * Numeric forms are refused when a digit, or a digit and '-', '.' or '/',
 * stands right before or after them.
 * An era date is converted to the Gregorian calendar (明治 1 = 1868,
 * 大正 1 = 1912, 昭和 1 = 1926, 平成 1 = 1989, 令和 1 = 2019) and must lie
 * within the era: 大正 from 1912-07-30, 昭和 1926-12-25 to 1989-01-07,
 * 平成 1989-01-08 to 2019-04-30, 令和 from 2019-05-01, 明治 to 1912-07-30.
 * Validation: a real calendar date, year from 1900 to the current year.
 * Context (required), one of:
 *  - a keyword — 生年月日, 誕生日, 生まれ, DOB, D.O.B., date of birth,
 *    birth date, birthdate, birthday (ASCII letters in any case, not glued to
 *    other letters) — lying within the 40 characters before the date;
 *  - the date followed (after at most one space) by 生まれ, or, for a date
 *    ending in 日, by 生 that is not followed by a kanji or kana
 *    ("昭和55年1月2日生", "1980年4月1日生まれ");
 *  - the date standing in a table column whose header cell holds a keyword
 *    (tables as context_column_header() sees them).  In a table row the
 *    first rule only looks inside the date's own cell and the cell before
 *    it (a label in a form, "生年月日<TAB>1980/04/01"): a registration date
 *    in the column next to a birth date is not a birth date.
 * Value: ISO date "1980-04-01".  Mask: year kept, "1980-**-**".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define WINDOW 40
#define MAX_DATE 48		/* bytes of the longest date written */

static const char *const bd_keywords[] = {
	"生年月日", "誕生日", "生まれ", "DOB", "D.O.B.", "date of birth",
	"birth date", "birthdate", "birthday", NULL,
};
/* Searched for in one pass through the anchors: the keywords, then the
 * suffixes (生まれ is both). */
static const char *const bd_search[] = {
	"生年月日", "誕生日", "生まれ", "DOB", "D.O.B.", "date of birth",
	"birth date", "birthdate", "birthday", "日生", NULL,
};
#define BD_UMARE 2		/* bd_search[BD_UMARE] is 生まれ */
#define BD_HISEI 9		/* bd_search[BD_HISEI] is 日生 */
static const char *const bd_anchors[] = { "生", "b", "B", NULL };

#define SP " ?"
static const char bd_pattern[] =
	"(?<![0-9]|[0-9][-./])((?:19|20)[0-9]{2})([-/.])([0-9]{1,2})\\2([0-9]{1,2})"
	"(?![0-9]|[-./][0-9])"
	"|(?<![0-9])((?:19|20)[0-9]{2})" SP "年" SP "([0-9]{1,2})" SP "月" SP
	"([0-9]{1,2})" SP "日"
	"|(明治|大正|昭和|平成|令和)" SP "([0-9]{1,2}|元)" SP "年" SP "([0-9]{1,2})" SP
	"月" SP "([0-9]{1,2})" SP "日"
	"|(?<![A-Za-z0-9])([MTSHR])\\.? ?([0-9]{1,2})([-/.])([0-9]{1,2})\\14([0-9]{1,2})"
	"(?![0-9]|[-./][0-9])";

struct era {
	const char *name;	/* kanji */
	char abbr;		/* letter */
	int base;		/* Gregorian year of year 1 */
	int from, to;		/* first and last day, YYYYMMDD */
};

static const struct era eras[] = {
	{ "明治", 'M', 1868, 18680125, 19120730 },
	{ "大正", 'T', 1912, 19120730, 19261225 },
	{ "昭和", 'S', 1926, 19261225, 19890107 },
	{ "平成", 'H', 1989, 19890108, 20190430 },
	{ "令和", 'R', 2019, 20190501, 99991231 },
};

struct bd_state {
	pcre2_code *re;
};

static void *bd_init(char *err, size_t errlen)
{
	struct bd_state *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		snprintf(err, errlen, "birth_date: out of memory");
		return NULL;
	}
	st->re = det_compile("birth_date", bd_pattern, 0, err, errlen);
	if (st->re == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

static void bd_free(void *state)
{
	struct bd_state *st = state;

	if (st == NULL)
		return;
	pcre2_code_free(st->re);
	free(st);
}

/* Value of capture group g: digits as a number, 元 as 1; -1 when unset. */
static int group_int(const char *t, const PCRE2_SIZE *ov, int g)
{
	int v = 0;

	if (ov[2 * g] == PCRE2_UNSET)
		return -1;
	if (memcmp(t + ov[2 * g], "元", 3) == 0)
		return 1;
	for (PCRE2_SIZE i = ov[2 * g]; i < ov[2 * g + 1]; i++)
		v = v * 10 + (t[i] - '0');
	return v;
}

static int days_in(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dm[m - 1];
}

static int current_year(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL)
		return 2100;
	return tm.tm_year + 1900;
}

/* The era a match names (group 8: kanji, group 12: letter), or NULL. */
static const struct era *match_era(const char *t, const PCRE2_SIZE *ov)
{
	for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
		if (ov[16] != PCRE2_UNSET && memcmp(t + ov[16], eras[i].name, 6) == 0)
			return &eras[i];
		if (ov[24] != PCRE2_UNSET && t[ov[24]] == eras[i].abbr)
			return &eras[i];
	}
	return NULL;
}

/* The ISO date of the match into iso[11].  Returns 0, or -1 when it is no
 * valid birth date. */
static int bd_date(const char *t, const PCRE2_SIZE *ov, char iso[11])
{
	const struct era *era = match_era(t, ov);
	int y, m, d, ymd;

	if (ov[2] != PCRE2_UNSET)
		y = group_int(t, ov, 1), m = group_int(t, ov, 3), d = group_int(t, ov, 4);
	else if (ov[10] != PCRE2_UNSET)
		y = group_int(t, ov, 5), m = group_int(t, ov, 6), d = group_int(t, ov, 7);
	else if (ov[16] != PCRE2_UNSET)
		y = group_int(t, ov, 9), m = group_int(t, ov, 10), d = group_int(t, ov, 11);
	else
		y = group_int(t, ov, 13), m = group_int(t, ov, 15), d = group_int(t, ov, 16);
	if (era != NULL) {
		if (y < 1)
			return -1;
		y += era->base - 1;
	}
	if (y < 1900 || y > current_year() || m < 1 || m > 12 || d < 1 || d > days_in(y, m))
		return -1;
	ymd = y * 10000 + m * 100 + d;
	if (era != NULL && (ymd < era->from || ymd > era->to))
		return -1;
	snprintf(iso, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
	return 0;
}

struct bd_scan {
	const struct bd_state *st;
	const char *text;
	size_t len;
	pcre2_match_data *md;
	struct colcache *cc;	/* the scan's own (not zeroed: 8 KB; valid = 0) */
	struct valueset *out;
	size_t need_end;	/* suffix mode: the date must end here (or one space before) */
};

/* Is the date [s, e) in context? */
static int bd_context(struct bd_scan *sc, size_t s, size_t e)
{
	if (sc->need_end != 0)
		return e == sc->need_end || (e + 1 == sc->need_end && sc->text[e] == ' ');
	size_t cell = context_cell_start(sc->text, sc->len, s, 1, sc->cc);
	size_t from = det_chars_back(sc->text, s, WINDOW);

	if (cell == (size_t)-1)
		return det_keyword_find(sc->text, sc->len, from, s, bd_keywords, NULL) >= 0;
	/* in a table: the column header, or a keyword in the date's cell or
	 * the one before (a label in a form) */
	return context_column_header_c(sc->text, sc->len, s, bd_keywords, sc->cc) ||
	    det_keyword_find(sc->text, sc->len, from > cell ? from : cell, s, bd_keywords,
	    NULL) >= 0;
}

/* Check every date in text[from..to) (the subject cut at `to`). */
static void bd_range(void *ctx, size_t from, size_t to)
{
	struct bd_scan *sc = ctx;
	size_t at = from;

	while (at < to && det_match(sc->text, to, sc->st->re, at, 0, sc->md) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
		char iso[11];

		if (bd_date(sc->text, ov, iso) == 0 && bd_context(sc, ov[0], ov[1])) {
			(void)valueset_add(sc->out, iso, 10);
			at = ov[1];
		} else {
			at = det_next_char(sc->text, to, ov[0]);
		}
	}
}

/* Kana or kanji at t[i] (3-byte UTF-8)? */
static int is_kanji_kana(const char *t, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)t + i;
	unsigned cp;

	if (len - i < 3 || (u[0] & 0xF0) != 0xE0)
		return 0;
	cp = ((unsigned)(u[0] & 0x0F) << 12) | ((unsigned)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
	return (cp >= 0x3041 && cp <= 0x30FF) || (cp >= 0x4E00 && cp <= 0x9FFF) || cp == 0x3005;
}

/* A keyword or suffix at `at`: look for the dates it vouches for. */
static void bd_hit(void *ctx, size_t at, size_t k)
{
	struct bd_scan *sc = ctx;
	const char *t = sc->text;
	size_t kl = strlen(bd_search[k]), end = at, after = at + kl;

	if (k != BD_HISEI) {	/* a keyword: the date starts within WINDOW characters */
		bd_range(sc, at, det_chars_fwd(t, sc->len, at + kl, WINDOW + MAX_DATE));
		if (k != BD_UMARE)
			return;
	} else {	/* 日生: the date ends with its 日; no kanji or kana after 生 */
		end += 3;
		if (!(sc->len - after >= 6 && memcmp(t + after, "まれ", 6) == 0) &&
		    is_kanji_kana(t, sc->len, after))
			return;
	}
	sc->need_end = end;
	bd_range(sc, det_chars_back(t, at, MAX_DATE / 2), end);
	sc->need_end = 0;
}

static void bd_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct colcache cc;
	struct bd_scan sc = { .st = state, .text = text, .len = len, .out = out, .cc = &cc };

	cc.valid = 0;
	sc.md = pcre2_match_data_create_from_pattern(sc.st->re, NULL);
	if (sc.md == NULL) {
		valueset_set_incomplete(out);
		return;
	}
	det_keyword_hits(text, len, bd_search, bd_anchors, bd_hit, &sc);
	det_keyword_tables(text, len, bd_keywords, bd_range, &sc);
	pcre2_match_data_free(sc.md);
}

static void bd_mask(const char *value, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.4s-**-**", value);
}

const struct detector det_birthdate = {
	.init = bd_init,
	.scan = bd_scan,
	.mask = bd_mask,
	.free = bd_free,
};
