/*
 * addrfold.c — folding an address-list value at address boundaries
 * (addrfold.h).
 */
#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "mime/addrfold.h"

/* The end of the address unit that starts at p: the blank that follows
 * the next top-level ',' (or ':' of a group's name, or ';' of its end),
 * or the string's end.  A unit after the first starts with that blank. */
static const char *unit_end(const char *p)
{
	int comment = 0;
	bool quoted = false, angle = false, literal = false;

	for (const char *q = p + (*p == ' '); *q; q++) {
		if (quoted) {
			if (*q == '\\' && q[1])
				q++;
			else if (*q == '"')
				quoted = false;
		} else if (comment) {
			if (*q == '\\' && q[1])
				q++;
			else if (*q == '(')
				comment++;
			else if (*q == ')')
				comment--;
		} else if (literal) {
			if (*q == ']')
				literal = false;
		} else if (*q == '"') {
			quoted = true;
		} else if (*q == '(') {
			comment = 1;
		} else if (*q == '[') {
			literal = true;
		} else if (*q == '<') {
			angle = true;
		} else if (*q == '>') {
			angle = false;
		} else if (!angle && (*q == ',' || *q == ':' || *q == ';') && q[1] == ' ') {
			return q + 1;
		}
	}
	return p + strlen(p);
}

/* The end of the word that starts at p within [p, e): the next blank after
 * p's own leading blank, or e. */
static const char *word_end(const char *p, const char *e)
{
	const char *q = p + (*p == ' ');

	while (q < e && *q != ' ')
		q++;
	return q;
}

/* Append [p, e) to out, breaking before its blanks where the line would
 * pass ADDRFOLD_SOFT; returns the new column. */
static size_t put_words(GString *out, const char *p, const char *e, size_t col, const char *nl)
{
	while (p < e) {
		const char *we = word_end(p, e);
		size_t len = (size_t)(we - p);

		if (*p == ' ' && col > 0 && col + len > ADDRFOLD_SOFT) {
			g_string_append(out, nl);
			col = 0;
		}
		g_string_append_len(out, p, (gssize)len);
		col += len;
		p = we;
	}
	return col;
}

char *addrfold(const char *value, size_t col, const char *nl)
{
	GString *out = g_string_sized_new(strlen(value) + strlen(value) / 16 + 8);
	const char *p = value;

	while (*p) {
		const char *ue = unit_end(p);
		size_t len = (size_t)(ue - p);

		/* a break before an address that does not fit: its blank
		 * starts the continuation line */
		if (*p == ' ' && col > 1 && col + len > ADDRFOLD_SOFT) {
			g_string_append(out, nl);
			col = 0;
		}
		if (col + len <= ADDRFOLD_SOFT) {
			g_string_append_len(out, p, (gssize)len);
			col += len;
		} else {
			col = put_words(out, p, ue, col, nl);
		}
		p = ue;
	}
	return g_string_free(out, FALSE);
}
