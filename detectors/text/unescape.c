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
 * overlaps an earlier one dropped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text/unescape.h"

#define REP_MAX 32		/* bytes of one replacement */
#define MIN_DIGITS 10		/* a phone number (fixed line) */
#define MAX_DIGITS 12		/* a My Number, a driver's licence */
#define MAX_SEPS 3
#define MAX_LABELS 32		/* domain labels read */
#define LOCAL_MAX 64		/* characters of a local part */

struct edit {
	size_t s, e;		/* text[s..e) is replaced */
	unsigned char n;	/* by rep[0..n) */
	char rep[REP_MAX];
};

struct edits {
	struct edit *v;
	size_t n, cap;
	bool nomem;
};

static void add_edit(struct edits *ed, size_t s, size_t e, const char *rep, size_t n)
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

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
	return (c | 32) >= 'a' && (c | 32) <= 'z';
}

/* A domain label's bytes (letters, digits, '-'), and a local part's (those
 * and . _ % +): a table, one load for each byte the address walks read. */
enum { U_LABEL = 1, U_LOCAL = 2 };
static const unsigned char addr_cls[256] = {
	['0' ... '9'] = U_LABEL | U_LOCAL, ['A' ... 'Z'] = U_LABEL | U_LOCAL,
	['a' ... 'z'] = U_LABEL | U_LOCAL, ['-'] = U_LABEL | U_LOCAL,
	['.'] = U_LOCAL, ['_'] = U_LOCAL, ['%'] = U_LOCAL, ['+'] = U_LOCAL,
};

static bool is_label(unsigned char c)
{
	return addr_cls[c] & U_LABEL;
}

static bool is_local(unsigned char c)
{
	return addr_cls[c] & U_LOCAL;
}

/* rep[0..n) holds one digit only, repeated: a placeholder (〇〇〇〇…,
 * "0 0 0 0 …"), never a number. */
static bool one_digit(const char *rep, size_t n)
{
	char d = 0;

	for (size_t i = 0; i < n; i++)
		if (is_digit((unsigned char)rep[i])) {
			if (d && rep[i] != d)
				return false;
			d = rep[i];
		}
	return true;
}

/* rep[0..n) counts up or down one by one (0 1 2 … 9, 〇一二…九): a list of
 * the digits themselves, never a number. */
static bool ruler(const char *rep, size_t n)
{
	int step = 0, prev = -1;

	for (size_t i = 0; i < n; i++) {
		int d;
		if (!is_digit((unsigned char)rep[i]))
			continue;
		d = rep[i] - '0';
		if (prev >= 0) {
			int s = (d - prev + 10) % 10;
			if ((s != 1 && s != 9) || (step && s != step))
				return false;
			step = s;
		}
		prev = d;
	}
	return true;
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
		add_edit(ed, tok[0], tok[nt - 1] + 1, rep, n);
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
			add_edit(ed, a, b, "-", 1);
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
			add_edit(ed, k, j, "", 0);
	}
}

/* ---- kanji digits ---- */

/* The code point of the 3-byte character at t[i] (0 when it is none). */
static unsigned cp3(const unsigned char *t, size_t len, size_t i)
{
	if (i + 3 > len || (t[i] & 0xF0) != 0xE0 || (t[i + 1] & 0xC0) != 0x80 ||
	    (t[i + 2] & 0xC0) != 0x80)
		return 0;
	return ((unsigned)(t[i] & 0x0F) << 12) | ((unsigned)(t[i + 1] & 0x3F) << 6) |
	    (t[i + 2] & 0x3F);
}

static int kanji_digit(unsigned cp)
{
	if (cp < 0x3007 || (cp > 0x3007 && cp < 0x4E00))
		return -1;
	switch (cp) {
	case 0x3007: case 0x96F6: return 0;	/* 〇 零 */
	case 0x4E00: return 1;
	case 0x4E8C: return 2;
	case 0x4E09: return 3;
	case 0x56DB: return 4;
	case 0x4E94: return 5;
	case 0x516D: return 6;
	case 0x4E03: return 7;
	case 0x516B: return 8;
	case 0x4E5D: return 9;
	default: return -1;
	}
}

static bool kanji_positional(unsigned cp)
{
	return cp == 0x5341 || cp == 0x767E || cp == 0x5343 || cp == 0x4E07 ||
	    cp == 0x5104 || cp == 0x5146;	/* 十 百 千 万 億 兆 */
}

/* What the character at t[i] is inside a kanji number: 'd' a digit
 * (*dig set), '-' or ' ' a separator, 0 neither; *l its length. */
static int kanji_class(const unsigned char *t, size_t len, size_t i, int *dig, size_t *l)
{
	unsigned cp;

	*l = 1;
	if (t[i] == '-' || t[i] == ' ')
		return t[i];
	if (t[i] < 0xE2 || (t[i] > 0xE5 && t[i] != 0xE9))
		return 0;	/* no lead byte of a digit or a dash */
	cp = cp3(t, len, i);
	if (cp == 0)
		return 0;
	*l = 3;
	if ((*dig = kanji_digit(cp)) >= 0)
		return 'd';
	if (cp == 0x30FC || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
		return '-';
	return 0;
}

static size_t char_start(const unsigned char *t, size_t i)
{
	while (i > 0 && (t[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* The run holding the kanji digit at p: fold it when it is a number.
 * Returns the offset where the run ends (past p). */
static size_t kanji_run(const unsigned char *t, size_t len, size_t p, struct edits *ed)
{
	char rep[REP_MAX];
	size_t s = p, e, l, l2, n = 0, digits = 0, seps = 0;
	int dig, prev = 0, c;

	/* back over digits and single separators between digits */
	while (s > 0) {
		size_t q = char_start(t, s - 1), q2;

		c = kanji_class(t, len, q, &dig, &l);
		if (c == 'd' && q + l == s) {
			s = q;
			continue;
		}
		if (!c || q + l != s || q == 0)
			break;
		q2 = char_start(t, q - 1);
		if (kanji_class(t, len, q2, &dig, &l2) != 'd' || q2 + l2 != q)
			break;
		s = q2;
	}
	for (e = s;;) {
		c = e < len ? kanji_class(t, len, e, &dig, &l) : 0;
		if (c == 'd') {
			if (digits < MAX_DIGITS + 1)
				rep[n++] = (char)('0' + dig);
			digits++;
			e += l;
			prev = c;
			continue;
		}
		if (c && prev == 'd' && e + l < len &&
		    kanji_class(t, len, e + l, &dig, &l2) == 'd') {
			if (seps < MAX_SEPS + 1)
				rep[n++] = (char)c;
			seps++;
			e += l;
			prev = c;
			continue;
		}
		break;
	}
	if (digits < MIN_DIGITS || digits > MAX_DIGITS || seps > MAX_SEPS || one_digit(rep, n) ||
	    ruler(rep, n))
		return e;
	if (s > 0) {
		size_t q = char_start(t, s - 1);
		if (is_digit(t[q]) || kanji_positional(cp3(t, len, q)))
			return e;
	}
	if (e < len && (is_digit(t[e]) || kanji_positional(cp3(t, len, e))))
		return e;
	add_edit(ed, s, e, rep, n);
	return e;
}

/* Bytes of the UTF-8 of the kanji digits and the separators between them:
 * a probe on any other byte is in no run. */
static const unsigned char kanji_byte[256] = {
	[' '] = 1, ['-'] = 1, [0x80] = 1, [0x83] = 1, [0x85] = 1, [0x87] = 1, [0x88] = 1,
	[0x89] = 1, [0x8C] = 1, [0x90] = 1, [0x91] = 1, [0x92] = 1, [0x93] = 1, [0x94] = 1,
	[0x95] = 1, [0x9B] = 1, [0x9D] = 1, [0xAB] = 1, [0xAD] = 1, [0xB6] = 1, [0xB8] = 1,
	[0xB9] = 1, [0xBA] = 1, [0xBC] = 1, [0xE2] = 1, [0xE3] = 1, [0xE4] = 1, [0xE5] = 1,
	[0xE9] = 1,
};

static void find_kanji(const char *text, size_t len, struct edits *ed)
{
	const unsigned char *t = (const unsigned char *)text;
	const size_t span = 3 * MIN_DIGITS;
	size_t i = 0;

	while (i + span <= len) {
		size_t p, l;
		int dig, c;

		if (!kanji_byte[t[i + span - 1]]) {
			i += span;
			continue;
		}
		p = char_start(t, i + span - 1);
		c = kanji_class(t, len, p, &dig, &l);

		if (c && c != 'd' && p + l < len) {	/* a separator: the digit after it */
			p += l;
			c = kanji_class(t, len, p, &dig, &l);
		}
		if (c != 'd') {
			i += span;
			continue;
		}
		i = kanji_run(t, len, p, ed);
	}
}

/* ---- addresses ---- */

enum at_kind { AT_MARK, AT_WORD };

/* Length of a bracketed word w ("at", "dot", "@") at t[i]: an opener,
 * blanks, w without case, blanks, the matching closer; 0 when none. */
static size_t bracketed(const char *t, size_t len, size_t i, const char *w)
{
	static const char open[] = "[({<", close[] = "])}>";
	const char *o = i < len ? memchr(open, t[i], 4) : NULL;
	size_t j = i + 1, wl = strlen(w);

	if (o == NULL || t[i] == '\0')
		return 0;
	while (j < len && t[j] == ' ')
		j++;
	if (j + wl > len || strncasecmp(t + j, w, wl) != 0)
		return 0;
	j += wl;
	while (j < len && t[j] == ' ')
		j++;
	return j < len && t[j] == close[o - open] ? j + 1 - i : 0;
}

/* Length of a written dot at t[i] ("[dot]", " dot ", "ドット" with the
 * blanks around it) followed by a label character; 0 when none. */
static size_t written_dot(const char *t, size_t len, size_t i)
{
	size_t j = i, k;

	while (j < len && t[j] == ' ')
		j++;
	if ((k = bracketed(t, len, j, "dot")) != 0)
		j += k;
	else if (j + 9 <= len && memcmp(t + j, "ドット", 9) == 0)
		j += 9;
	else if (j > i && j + 4 <= len && strncasecmp(t + j, "dot ", 4) == 0)
		j += 3;
	else
		return 0;
	while (j < len && t[j] == ' ')
		j++;
	if (j >= len || !is_label((unsigned char)t[j]))
		return 0;
	return j - i;
}

/* The same, ending at t[e] (a bracketed dot or ドット right before a
 * local-part character). */
static size_t written_dot_before(const char *t, size_t e)
{
	static const char *const forms[] = { "[dot]", "(dot)", "{dot}", "<dot>", "ドット", NULL };
	char last = e > 0 ? t[e - 1] : '\0';

	/* each form ends in ] ) } > or ト's last byte (no letter: compared
	 * as it is): most local parts are preceded by none of them */
	if (last != ']' && last != ')' && last != '}' && last != '>' && last != '\x88')
		return 0;
	for (size_t k = 0; forms[k]; k++) {
		size_t n = strlen(forms[k]);
		if (e >= n && strncasecmp(t + e - n, forms[k], n) == 0)
			return n;
	}
	return 0;
}

/* A local part s[0..n) that only an address has: joined by . _ - + or %,
 * every piece holding a letter ("taro.yamada", "t_yamada2"; not "v0.13",
 * "10.30", "host"). */
static bool local_marked(const char *s, size_t n)
{
	size_t seps = 0;
	bool letter = false;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || !(is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]))) {
			if (!letter)
				return false;
			seps += i < n;
			letter = false;
		} else if (is_alpha((unsigned char)s[i])) {
			letter = true;
		}
	}
	return seps > 0;
}

/* An at written at text[a..b) (blanks around it included): fold the
 * address around it when there is one. */
static void try_address(const char *t, size_t len, size_t a, size_t b, enum at_kind kind,
    struct edits *ed)
{
	struct { size_t s, e; } dots[MAX_LABELS * 2];
	size_t nd = 0, ls = a, i = b, labels = 0, last = 0;
	bool written = false;

	/* the local part, backwards (64 characters at most, written dots
	 * aside: a longer run is no local part, and the work stays linear) */
	while (ls > 0) {
		size_t k;
		if (a - ls > 2 * LOCAL_MAX)
			return;
		if (is_local((unsigned char)t[ls - 1])) {
			ls--;
		} else if ((k = written_dot_before(t, ls)) != 0 && ls - k > 0 &&
		    is_local((unsigned char)t[ls - k - 1]) && nd < MAX_LABELS) {
			dots[nd].s = ls - k, dots[nd].e = ls, nd++;
			written = true;
			ls -= k;
		} else {
			break;
		}
	}
	if (ls == a || (ls > 0 && t[ls - 1] == '@'))
		return;
	/* the domain, forwards */
	for (;;) {
		size_t s = i, k;

		while (i < len && is_label((unsigned char)t[i]))
			i++;
		if (i == s || labels == MAX_LABELS)
			return;
		labels++;
		last = s;
		if (i + 1 < len && t[i] == '.' && is_label((unsigned char)t[i + 1])) {
			i++;
			continue;
		}
		if ((k = written_dot(t, len, i)) != 0 && nd < MAX_LABELS * 2) {
			dots[nd].s = i, dots[nd].e = i + k, nd++;
			written = true;
			i += k;
			continue;
		}
		break;
	}
	if (labels < 2 || i - last < 2)
		return;
	for (size_t q = last; q < i; q++)
		if (!is_alpha((unsigned char)t[q]))
			return;
	if (kind == AT_WORD && !written && !local_marked(t + ls, a - ls))
		return;
	if (nd == 0 && b - a == 1 && t[a] == '@')
		return;		/* a plain address: nothing to fold */
	if (b - a > 1 || t[a] != '@')
		add_edit(ed, a, b, "@", 1);
	for (size_t k = 0; k < nd; k++)
		add_edit(ed, dots[k].s, dots[k].e, ".", 1);
}

/* The at at t[s..e): widen it over the blanks on both sides. */
static void at_found(const char *t, size_t len, size_t s, size_t e, enum at_kind kind,
    struct edits *ed)
{
	while (s > 0 && t[s - 1] == ' ')
		s--;
	while (e < len && t[e] == ' ')
		e++;
	try_address(t, len, s, e, kind, ed);
}

static bool is_open(char c)
{
	return c == '[' || c == '(' || c == '{' || c == '<';
}

/* "at" (any case) at t[i..i+2): a bracketed at ("[at]", "( at )"), or the
 * word between blanks. */
static void at_letters(const char *t, size_t len, size_t i, struct edits *ed)
{
	size_t s = i, e = i + 2, k;

	while (s > 0 && t[s - 1] == ' ')
		s--;
	if (s > 0 && is_open(t[s - 1]) && (k = bracketed(t, len, s - 1, "at")) != 0) {
		at_found(t, len, s - 1, s - 1 + k, AT_MARK, ed);
		return;
	}
	if (i > 0 && t[i - 1] == ' ' && e < len && t[e] == ' ')
		at_found(t, len, i, e, AT_WORD, ed);
}

static const char at_mark[] = "アットマーク";
#define MARK_KEY 11		/* at_mark[11], the last byte of マ: rare in text */

/* First アットマーク in h[0..n), or NULL: memchr for its rarest byte (memmem
 * meets its lead bytes everywhere in Japanese text). */
static const char *find_mark(const char *h, size_t n)
{
	const size_t ml = sizeof(at_mark) - 1;

	for (size_t i = MARK_KEY; i < n;) {
		const char *q = memchr(h + i, at_mark[MARK_KEY], n - i);

		if (q == NULL)
			return NULL;
		i = (size_t)(q - h);
		if (i - MARK_KEY + ml <= n && memcmp(h + i - MARK_KEY, at_mark, ml) == 0)
			return h + i - MARK_KEY;
		i++;
	}
	return NULL;
}

/* Is ドット in t[0..len)?  (memchr for its last byte, 0x88.) */
static bool has_dotto(const char *t, size_t len)
{
	static const char dotto[] = "ドット";
	const char *p, *end = t + len;

	for (p = t; (p = memchr(p, dotto[8], (size_t)(end - p))) != NULL; p++)
		if (p - t >= 8 && memcmp(p - 8, dotto, 9) == 0)
			return true;
	return false;
}

static void find_addresses(const char *t, size_t len, struct edits *ed)
{
	const size_t ml = sizeof(at_mark) - 1;
	const char *p, *end = t + len;
	/* a written dot (written_dot(), written_dot_before()) may be in the
	 * text: it holds "dot" in any case, or ドット */
	bool dots = false;

	/* the letters t/T: "at" before them makes a bracketed or spaced at,
	 * "dot" a written dot */
	for (const char *c = "tT"; *c; c++)
		for (p = t; (p = memchr(p, *c, (size_t)(end - p))) != NULL; p++) {
			size_t i = (size_t)(p - t);
			if (i > 0 && (t[i - 1] | 32) == 'a')
				at_letters(t, len, i - 1, ed);
			if (i > 1 && (t[i - 1] | 32) == 'o' && (t[i - 2] | 32) == 'd')
				dots = true;
		}
	if (!dots)
		dots = has_dotto(t, len);
	for (p = t; (p = find_mark(p, (size_t)(end - p))) != NULL; p++)
		at_found(t, len, (size_t)(p - t), (size_t)(p - t) + ml, AT_MARK, ed);
	/* '@' in brackets or with a blank beside it */
	for (p = t; (p = memchr(p, '@', (size_t)(end - p))) != NULL; p++) {
		size_t i = (size_t)(p - t), s = i, k;

		while (s > 0 && t[s - 1] == ' ')
			s--;
		if (s > 0 && is_open(t[s - 1]) && (k = bracketed(t, len, s - 1, "@")) != 0)
			at_found(t, len, s - 1, s - 1 + k, AT_MARK, ed);
		else if (dots || s < i || (i + 1 < len && t[i + 1] == ' '))
			at_found(t, len, i, i + 1, AT_MARK, ed);	/* blanks, written dots */
		/* else a plain '@', no blank beside it and no written dot in
		 * the text: try_address() would find nothing to fold */
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
