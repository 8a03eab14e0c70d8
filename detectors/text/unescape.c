/*
 * unescape.c — fold escaped digits and addresses (unescape.h) in place.
 *
 * Each kind of escape has its own finder, all cheap on ordinary text:
 *  - spaced digits: clusters of [0-9 -] found by probing one byte in 16
 *    (ten single digits one space apart span 19 bytes, "03 - 1234 - 5678"
 *    16) with a blank within 4 bytes of the probe, then read as tokens:
 *    a maximal sequence of one-character tokens (a digit or a lone
 *    '-'), 1 to 3 spaces apart, holding 10 to 12 digits and at most three
 *    '-' (one space joins, 2–3 spaces or a spaced '-' make a '-'), not all
 *    the same digit (a placeholder), not the digits counted up or down
 *    (0 1 2 … 9: a list of digits); and digit groups joined by a '-'
 *    with one or two blanks around it lose the blanks;
 *  - line ends: at every LF (memchr), a digit and '-' before it (trailing
 *    blanks aside), or a digit before it and '-' digit after it; blanks
 *    and '>' quoting at the start of the next line go too, and a digit
 *    must follow;
 *  - kanji digits: probing one byte in 30 (ten kanji are 30 bytes); a run
 *    of kanji digits with single separators between them (ー, '-', U+2010–
 *    2015, U+2212, one space), 10 to 12 digits, at most three separators,
 *    no positional numeral (十百千万億兆) and no ASCII digit next to it,
 *    not all the same digit (〇〇〇〇… is a form's placeholder), not the
 *    digits counted up or down (〇一二三四五六七八九 lists the numerals).
 *    A shorter or longer run (一二三, 第一二三号, a listing) is prose;
 *  - addresses: memchr for 't' and 'T' ("at" after a blank or an opening
 *    bracket, the letters of every written at but one), memchr for the
 *    last byte of アットマーク's マ, memchr for '@' (in brackets, with a blank beside it, or
 *    with written dots after it).  Around the at: the local part, read
 *    backwards ([A-Za-z0-9._%+-] and bracketed dots), and the domain, read
 *    forwards (labels of [A-Za-z0-9-] joined by '.' or a written dot), two
 *    labels or more and a top-level label of 2+ letters.  With the bare
 *    word " at ", one more sign is required: dots written as words or
 *    brackets too, or a local part of pieces joined by . _ - + or %, each
 *    holding a letter ("taro.yamada").  "look at example.com", "the mail
 *    system at host mail.example.co.jp" and "Agent v0.13 at df.example.jp"
 *    (bounces) are left alone.
 * The finders record edits (a byte range and its shorter replacement);
 * edits are sorted and applied in one compaction pass, an edit that
 * overlaps an earlier one dropped.  The spaced digits, the line ends and
 * the applying are here; the kanji digits are unescape_kanji.c, the
 * addresses unescape_address.c, what they share unescape_int.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/unescape.h"
#include "text/unescape_int.h"

void unescape_edit(struct edits *ed, size_t s, size_t e, const char *rep, size_t n)
{
	struct edit *x;

	if (ed->nomem || n > REP_MAX || n > e - s)
		return;
	if (ed->n == ed->cap) {
		size_t cap = ed->cap ? ed->cap * 2 : 16;
		struct edit *v = realloc(ed->v, cap * sizeof(*v));

		if (v == NULL) {
			ed->nomem = true;
			return;
		}
		ed->v = v;
		ed->cap = cap;
	}
	x = &ed->v[ed->n++];
	x->s = s;
	x->e = e;
	x->n = (unsigned char)n;
	memcpy(x->rep, rep, n);
}

/* ---- spaced digits ---- */

/* One sequence of one-character tokens text[s..e) (its first and last a
 * digit), tokens tok[0..nt) at their offsets. */
static void spaced_fold(const char *t, const size_t *tok, size_t nt, struct edits *ed)
{
	char rep[REP_MAX];
	size_t n = 0, digits = 0, seps = 0;

	for (size_t k = 0; k < nt; k++) {
		char c = t[tok[k]];

		if (c == '-') {
			if (++seps > MAX_SEPS)
				return;
			rep[n++] = '-';
			continue;
		}
		if (k > 0 && t[tok[k - 1]] != '-' && tok[k] - tok[k - 1] > 2) {
			if (++seps > MAX_SEPS)
				return;
			rep[n++] = '-';
		}
		if (++digits > MAX_DIGITS)
			return;
		rep[n++] = c;
	}
	if (digits >= MIN_DIGITS && !one_digit(rep, n) && !ruler(rep, n))
		unescape_edit(ed, tok[0], tok[nt - 1] + 1, rep, n);
}

/* A sequence of one-character tokens ends: fold it unless it is too long
 * to be one number.  Trailing '-' tokens are left out. */
static void spaced_flush(const char *t, size_t *tok, size_t *nt, bool *over, struct edits *ed)
{
	while (*nt > 0 && t[tok[*nt - 1]] == '-')
		(*nt)--;
	if (*nt > 0 && !*over)
		spaced_fold(t, tok, *nt, ed);
	*nt = 0;
	*over = false;
}

static bool all_digits(const char *t, size_t s, size_t e)
{
	for (size_t i = s; i < e; i++)
		if (!is_digit((unsigned char)t[i]))
			return false;
	return e > s;
}

/* Groups of 1 to 5 digits joined by a spaced '-' in the cluster text[s..e):
 * "090 - 1234 - 5678" → "090-1234-5678" (the detectors then judge the
 * shape as for any hyphenated number). */
static void spaced_dashes(const char *t, size_t s, size_t e, struct edits *ed)
{
	const char *p = t + s, *end = t + e;

	while ((p = memchr(p, '-', (size_t)(end - p))) != NULL) {
		size_t i = (size_t)(p - t), a = i, b = i + 1, ps, ne;

		p++;
		while (a > s && t[a - 1] == ' ' && i - a < 2)
			a--;
		while (b < e && t[b] == ' ' && b - i <= 2)
			b++;
		if (a == i || b == i + 1 || a == s || b == e)
			continue;
		for (ps = a; ps > s && t[ps - 1] != ' '; ps--)
			;
		for (ne = b; ne < e && t[ne] != ' '; ne++)
			;
		if (all_digits(t, ps, a) && all_digits(t, b, ne) && a - ps <= 5 && ne - b <= 5)
			unescape_edit(ed, a, b, "-", 1);
	}
}

#define TOK_MAX (2 * (MAX_DIGITS + MAX_SEPS) + 2)

/* The sequences of one-character tokens, 1 to 3 spaces apart, in the
 * cluster text[s..e). */
static void spaced_cluster(const char *t, size_t s, size_t e, struct edits *ed)
{
	size_t tok[TOK_MAX], nt = 0, i = s;
	bool over = false;

	while (i < e) {
		size_t a = i;
		bool single;

		while (i < e && t[i] != ' ')
			i++;
		single = i - a == 1;
		if (!single || (nt > 0 && a - tok[nt - 1] - 1 > 3) ||
		    (t[a] == '-' && nt > 0 && t[tok[nt - 1]] == '-'))
			spaced_flush(t, tok, &nt, &over, ed);
		if (single && !(nt == 0 && t[a] == '-')) {
			if (nt == TOK_MAX)
				over = true, nt = 0;
			tok[nt++] = a;
		}
		while (i < e && t[i] == ' ')
			i++;
	}
	spaced_flush(t, tok, &nt, &over, ed);
	spaced_dashes(t, s, e, ed);
}

/* A blank within 4 bytes of t[p]: every byte of a run this finder folds
 * has one (single digits one space apart; groups of 5 digits at most
 * around a spaced '-'), so a probe with none is in no such run. */
/* A blank in q[0..9), as 0 or 1 without a branch: 8 bytes at once (a
 * zero byte in w ^ "        " is a blank), then the ninth. */
static unsigned blank9(const char *q)
{
	uint64_t w;

	memcpy(&w, q, 8);
	w ^= 0x2020202020202020ULL;
	return (((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0) |
	    (q[8] == ' ');
}

static bool blank_near(const char *t, size_t len, size_t p)
{
	size_t a = p >= 4 ? p - 4 : 0, b = p + 5 <= len ? p + 5 : len;

	if (b - a < 9)
		return memchr(t + a, ' ', b - a) != NULL;
	return blank9(t + a);
}

static void find_spaced(const char *t, size_t len, struct edits *ed)
{
	static unsigned char in[256];
	const size_t span = 16;	/* "03 - 1234 - 5678" is 16 bytes */
	size_t i = 0;

	if (!in['0']) {
		for (int c = '0'; c <= '9'; c++)
			in[c] = 1;
		in[' '] = in['-'] = 1;
	}
	while (i + span <= len) {
		size_t p = i + span - 1, s, e;

		/* one branch for both tests away from the text's ends: the
		 * probe goes either way on text with numbers */
		if (p >= 4 && p + 5 <= len ? !(in[(unsigned char)t[p]] & blank9(t + p - 4)) :
		    (!in[(unsigned char)t[p]] || !blank_near(t, len, p))) {
			i = p + 1;
			continue;
		}
		for (s = p; s > 0 && in[(unsigned char)t[s - 1]]; s--)
			;
		for (e = p; e < len && in[(unsigned char)t[e]]; e++)
			;
		if (e - s >= span && memchr(t + s, ' ', e - s) != NULL)	/* no blank: no escape */
			spaced_cluster(t, s, e, ed);
		i = e + 1;
	}
}

/* ---- numbers broken over a line end ---- */

static void find_breaks(const char *t, size_t len, struct edits *ed)
{
	const char *p = t, *end = t + len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t i = (size_t)(p - t), j = i + 1, k = i;

		p++;
		while (k > 0 && (t[k - 1] == ' ' || t[k - 1] == '\t'))
			k--;
		while (j < len && (t[j] == ' ' || t[j] == '\t' || t[j] == '>'))
			j++;
		if (k < 2 || j >= len)
			continue;
		if ((t[k - 1] == '-' && is_digit((unsigned char)t[k - 2]) &&
		    is_digit((unsigned char)t[j])) ||
		    (is_digit((unsigned char)t[k - 1]) && t[j] == '-' && j + 1 < len &&
		    is_digit((unsigned char)t[j + 1])))
			unescape_edit(ed, k, j, "", 0);
	}
}
/* ---- applying the edits ---- */

static int edit_cmp(const void *x, const void *y)
{
	const struct edit *a = x, *b = y;

	return a->s < b->s ? -1 : a->s > b->s ? 1 : (a->e < b->e ? -1 : a->e > b->e);
}

size_t unescape_text(char *t, size_t len)
{
	struct edits ed = { 0 };
	size_t r = 0, w = 0;

	find_spaced(t, len, &ed);
	find_breaks(t, len, &ed);
	find_kanji(t, len, &ed);
	find_addresses(t, len, &ed);
	if (ed.nomem || ed.n == 0) {
		free(ed.v);
		return len;
	}
	qsort(ed.v, ed.n, sizeof(*ed.v), edit_cmp);
	for (size_t k = 0; k < ed.n; k++) {
		const struct edit *x = &ed.v[k];

		if (x->s < r)
			continue;	/* overlaps the one before */
		memmove(t + w, t + r, x->s - r);
		w += x->s - r;
		memcpy(t + w, x->rep, x->n);
		w += x->n;
		r = x->e;
	}
	memmove(t + w, t + r, len - r);
	w += len - r;
	memset(t + w, 0, len - w + 1);
	free(ed.v);
	return w;
}
