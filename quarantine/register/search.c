/*
 * search.c — the words of reg_where.search (register.h), as both
 * backends match them: blank separated (space, tab, and the ideographic
 * space U+3000 that a Japanese input method types), each word a
 * substring that must be found in one of the incident's texts.
 */
#include <stdio.h>
#include <string.h>

#include "register/backend.h"

const struct reg_order_name reg_orders[REG_ORDER_COUNT] = {
	[REG_ORDER_CREATED] = { "time", NULL, false },
	[REG_ORDER_SENDER] = { "sender", NULL, true },
	[REG_ORDER_SUBJECT] = { "subject", NULL, true },
	[REG_ORDER_RULE] = { "rule", NULL, true },
	[REG_ORDER_STATUS] = { "status", NULL, true },
	[REG_ORDER_RECIPIENTS] = { "recipients", "rcpts", false },
};

int reg_order_named(const char *word)
{
	for (int i = 0; word && i < REG_ORDER_COUNT; i++)
		if (strcmp(word, reg_orders[i].word) == 0 ||
		    (reg_orders[i].alias && strcmp(word, reg_orders[i].alias) == 0))
			return i;
	return -1;
}

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
