/*
 * unescape_address.c — addresses written to get past a filter
 * (unescape.c's overview): an at written as a word, a mark or '@' with
 * blanks or brackets, dots written as words; the local part read
 * backwards, the domain forwards, folded to a plain address.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "text/unescape_int.h"

#define MAX_LABELS 32		/* domain labels read */
#define LOCAL_MAX 64		/* characters of a local part */

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
		unescape_edit(ed, a, b, "@", 1);
	for (size_t k = 0; k < nd; k++)
		unescape_edit(ed, dots[k].s, dots[k].e, ".", 1);
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

/* Is ドット in t[0..len)?  memchr for its last byte, 0x88, then a
 * compare.  0x88 is rare enough in Japanese text that glibc's memchr
 * beats det_find's test of the last two bytes 16 at a time: det_find
 * here cost 0.16 M instructions more on b.xlsx. */
static bool has_dotto(const char *t, size_t len)
{
	static const char dotto[] = "ドット";
	const char *p, *end = t + len;

	for (p = t; (p = memchr(p, dotto[8], (size_t)(end - p))) != NULL; p++)
		if (p - t >= 8 && memcmp(p - 8, dotto, 9) == 0)
			return true;
	return false;
}

void find_addresses(const char *t, size_t len, struct edits *ed)
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
