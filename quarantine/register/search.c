/*
 * search.c — the words of reg_where.search (register.h), as both
 * backends match them: blank separated (space, tab, and the ideographic
 * space U+3000 that a Japanese input method types), each word a
 * substring that must be found in one of the incident's texts.
 */
#include <stdio.h>
#include <string.h>

#include "register/backend.h"

#define IDEO_SPACE "\xe3\x80\x80"	/* U+3000 in UTF-8 */

/* Bytes of blank at s: 1, 3 (U+3000), 0 when s is not blank. */
static size_t blank(const char *s)
{
	if (*s == ' ' || *s == '\t')
		return 1;
	return strncmp(s, IDEO_SPACE, 3) == 0 ? 3 : 0;
}

int reg_search_words(const char *s, char (*words)[REG_SEARCH_MAX + 1], char *err,
    size_t errlen)
{
	int n = 0;
	size_t b, len;

	if (!s)
		return 0;
	if (strlen(s) > REG_SEARCH_MAX) {
		snprintf(err, errlen, "search: longer than %d bytes", REG_SEARCH_MAX);
		return -1;
	}
	for (;;) {
		while ((b = blank(s)))
			s += b;
		if (!*s)
			return n;
		for (len = 0; s[len] && !blank(s + len); len++)
			;
		if (n == REG_SEARCH_WORDS) {
			snprintf(err, errlen, "search: more than %d words", REG_SEARCH_WORDS);
			return -1;
		}
		memcpy(words[n], s, len);
		words[n++][len] = '\0';
		s += len;
	}
}
