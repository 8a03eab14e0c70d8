/*
 * unescape_int.h — what the finders of unescape.c, unescape_kanji.c and
 * unescape_address.c share: the edits they record (a byte range and its
 * shorter replacement, applied by unescape_text) and the digit tests.
 */
#ifndef DLP_UNESCAPE_INT_H
#define DLP_UNESCAPE_INT_H

#include <stdbool.h>
#include <stddef.h>

#define REP_MAX 32		/* bytes of one replacement */
#define MIN_DIGITS 10		/* a phone number (fixed line) */
#define MAX_DIGITS 12		/* a My Number, a driver's licence */
#define MAX_SEPS 3

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

/* Record that text[s..e) becomes rep[0..n) (n <= REP_MAX and no longer
 * than the range; else, or out of memory, nothing). */
void unescape_edit(struct edits *ed, size_t s, size_t e, const char *rep, size_t n);

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* rep[0..n) holds one digit only, repeated: a placeholder (〇〇〇〇…,
 * "0 0 0 0 …"), never a number. */
static inline bool one_digit(const char *rep, size_t n)
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
static inline bool ruler(const char *rep, size_t n)
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

/* The finders (each records its edits, in any order). */
void find_kanji(const char *text, size_t len, struct edits *ed);
void find_addresses(const char *t, size_t len, struct edits *ed);

#endif
