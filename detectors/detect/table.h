/*
 * table.h — tables give context to their cells.
 *
 * A header row that names a kind (生年月日, 電話, 携帯, 住所, 口座番号,
 * 個人番号 … and English words) makes the values of its column count as
 * that kind, and a label cell makes the cells after it in its row count so
 * (a form: 「個人番号 | 1 | 2 | … 」).  Values split over cells are joined.
 * Tables are found in normalized text (normalize.h): lines of cells split
 * by tabs (spreadsheets, TSV, HTML and document tables), commas (CSV,
 * quotes respected), '|', or runs of spaces; sheets end at form feeds.
 *
 * table_context() does not decide on its own: every value it takes from a
 * table is written, behind the label of its kind, as one line of a text per
 * finding type ("生年月日 1967-01-02\n", "電話 09012345678\n"); the caller
 * runs that type's detector over it, so the detector's shapes, check digits
 * and boundaries decide as for any labelled value.  Only a postal address
 * without a postcode, which no detector reads, and a name column's lone
 * surnames and kana names, which the names detector does not count, are
 * added to their sets here.
 *
 * A value the caller's own pass over the text has already read as its
 * labelled line would be read is not written (table_values.c, read_before):
 * a phone or a 〒 address that is a whole cell, standing alone there.  The
 * detector would only add values already in the set: the result is the
 * same, for less work on a sheet of thousands of such cells.
 */
#ifndef DLP_TABLE_H
#define DLP_TABLE_H

#include <stddef.h>

#include "detectors/scan.h"

struct valueset;

/* A growing text of labelled lines for one finding type. */
struct table_text {
	char *p;		/* NUL-terminated when len > 0 */
	size_t len, cap;
};

/* Read the tables of text[0..len) (normalized, NUL-terminated): append the
 * values their headers and labels vouch for to out[type]; add postal
 * addresses without a postcode to sets[FT_POSTAL_ADDRESS] when it is not
 * NULL, and a name column's lone surnames and kana names to sets[FT_NAMES]
 * when it is not NULL.  A type's set that is not NULL must already hold
 * what its detector found in text[0..len) (textscan_run runs them first):
 * the values that pass read alike are not written again.  Returns 0, or -1 on ENOMEM (what was written so
 * far is kept). */
int table_context(const char *text, size_t len, struct table_text out[FT_COUNT],
    struct valueset *sets[FT_COUNT]);

/* Free the texts of out[] and zero them. */
void table_text_free(struct table_text out[FT_COUNT]);

#endif
