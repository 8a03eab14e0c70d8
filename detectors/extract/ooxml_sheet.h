/*
 * ooxml_sheet.h — SpreadsheetML parts as text: the shared-string table and
 * worksheets (used by ooxml.c).
 *
 * A worksheet row is a line; its cells are tab-separated and placed by
 * their reference ("C3": third column), so a cell boundary is always a
 * separator and columns stay aligned under the header row.  Values are
 * given as shown where it matters and as stored otherwise: shared strings
 * (phonetic runs left out), inline strings, integers in their cell's
 * number format when that format is digits and literals only
 * ("000-0000-0000" on 9012345678 gives "090-1234-5678": a leading zero
 * kept by format), other numbers as written, cached formula results,
 * booleans as TRUE/FALSE.  Tabs and line breaks inside a value become
 * spaces.  Formulas themselves are not read.  Hidden rows, columns and
 * sheets are in the part like any other and are read like any other.
 */
#ifndef DLP_OOXML_SHEET_H
#define DLP_OOXML_SHEET_H

#include <stdbool.h>
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

/* The number formats of xl/styles.xml: cell style (xf) i has number
 * format xf_fmt[i]; custom formats are (id, code) pairs. */
struct ooxml_styles {
	unsigned *xf_fmt;
	size_t nxf, xfcap;
	struct ooxml_numfmt { unsigned id; char *code; } *fmt;
	size_t nfmt, fmtcap;
	bool loaded;
};

/* Load the styles from member e.  Returns 0, or -1 with why (st keeps
 * what was read, and must be freed either way). */
int ooxml_styles_load(struct zipread *zr, const struct zipread_entry *e,
    struct ooxml_styles *st, char *why, size_t whylen);
void ooxml_styles_free(struct ooxml_styles *st);

/* Format the integer v ("9012345678") by the number format code ("000-0000-0000")
 * into out.  Returns true when the code is one that is only digit
 * placeholders ('0', '#') and literals (quoted, escaped, or one of
 * " -()/+:$^&'~{}<>=!"), with at most a colour in brackets, and v is an
 * unsigned integer; false otherwise (the value is then given as stored). */
bool ooxml_numfmt_apply(const char *code, const char *v, char *out, size_t outlen);

/* Append worksheet e as text to out (st may be NULL: no number formats).
 * Returns 0 (also when out is full), or -1 with why. */
int ooxml_sheet_text(struct zipread *zr, const struct zipread_entry *e,
    const struct ooxml_sst *t, const struct ooxml_styles *st, struct textbuf *out, char *why,
    size_t whylen);

#endif
