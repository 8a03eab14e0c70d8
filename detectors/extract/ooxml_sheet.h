/*
 * ooxml_sheet.h — SpreadsheetML parts as text: the shared-string table and
 * worksheets (used by ooxml.c).
 *
 * A worksheet row is a line; its cells are tab-separated and placed by
 * their reference ("C3": third column), so a cell boundary is always a
 * separator and columns stay aligned under the header row.  Values are
 * given as stored: shared strings (phonetic runs left out), inline
 * strings, numbers as written ("9012345678"), cached formula results,
 * booleans as TRUE/FALSE.  Tabs and line breaks inside a value become
 * spaces.  Formulas themselves are not read.
 */
#ifndef DLP_OOXML_SHEET_H
#define DLP_OOXML_SHEET_H

#include <stddef.h>

#include "extract/zipread.h"

struct textbuf;

/* The shared-string table: string i is buf + off[i], NUL-terminated. */
struct ooxml_sst {
	char *buf;
	size_t len, cap;
	size_t *off;
	size_t n, ncap;
};

/* Load the table from member e.  Returns 0, or -1 with why (t keeps what
 * was read, and must be freed either way). */
int ooxml_sst_load(struct zipread *zr, const struct zipread_entry *e, struct ooxml_sst *t,
    char *why, size_t whylen);
void ooxml_sst_free(struct ooxml_sst *t);

/* Append worksheet e as text to out.  Returns 0 (also when out is full),
 * or -1 with why. */
int ooxml_sheet_text(struct zipread *zr, const struct zipread_entry *e,
    const struct ooxml_sst *t, struct textbuf *out, char *why, size_t whylen);

#endif
