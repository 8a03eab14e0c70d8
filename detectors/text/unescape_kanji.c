/*
 * unescape_kanji.c — kanji digits (unescape.c's overview): probing one
 * byte in 30 (ten kanji are 30 bytes); a run of kanji digits with single
 * separators between them (ー, '-', U+2010–2015, U+2212, one space), 10
 * to 12 digits, at most three separators, no positional numeral
 * (十百千万億兆) and no ASCII digit next to it, not all the same digit,
 * not the digits counted up or down, becomes its ASCII digits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "text/unescape_int.h"

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
	unescape_edit(ed, s, e, rep, n);
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

void find_kanji(const char *text, size_t len, struct edits *ed)
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
