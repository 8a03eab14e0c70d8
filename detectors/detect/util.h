/*
 * util.h — private helpers shared by the detectors (not a contract for
 * other modules; only detectors/det_*.c, context.c and textscan.c use it).
 */
#ifndef DLP_DET_UTIL_H
#define DLP_DET_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "detect/detector.h"


/* Compile pattern (PCRE2_UTF | extra) and JIT-compile it.  NULL with err
 * naming `what` on failure. */
pcre2_code *det_compile(const char *what, const char *pattern, uint32_t extra,
    char *err, size_t errlen);

/* A byte range [from, to) of the text being scanned. */
typedef void (*det_range_fn)(void *ctx, size_t from, size_t to);

/* pcre2_match over text[0..len) from offset `at` (opts added).  The text
 * must be valid UTF-8 and len and `at` on character boundaries: normalized
 * text is (normalize_text() replaces invalid bytes), so PCRE2's UTF check is
 * skipped.  Returns pcre2_match's code: > 0 on a match, PCRE2_ERROR_NOMATCH,
 * or another error. */
int det_match(const char *text, size_t len, const pcre2_code *re, size_t at, uint32_t opts,
    pcre2_match_data *md);

/* First occurrence of needle[0..nl) in h[0..n), or NULL: memchr for its
 * last byte, then a compare.  For short UTF-8 needles in Japanese text this
 * beats memmem: a third byte such as 0x92 (〒) or 0x9F (生) is rare, while
 * their lead bytes are everywhere. */
const char *det_find(const char *h, size_t n, const char *needle, size_t nl);

/* The ASCII digits of s[0..n), NUL-terminated, into out (cap bytes).
 * Returns their number, or (size_t)-1 when more than cap - 1. */
size_t det_digits(const char *s, size_t n, char *out, size_t cap);

/* Byte offset of the start of the character following the one at i. */
static inline size_t det_next_char(const char *text, size_t len, size_t i)
{
	i++;
	while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
		i++;
	return i;
}

/* Characters starting in the 8 bytes at p: the bytes that are no
 * continuation byte (10xxxxxx), counted in one word. */
static inline size_t det_starts8(const char *p)
{
	uint64_t w, cont;

	memcpy(&w, p, 8);
	cont = w & ~(w << 1) & 0x8080808080808080ULL;	/* bit 7 set, bit 6 clear */
	return 8 - (size_t)(((cont >> 7) * 0x0101010101010101ULL) >> 56);
}

/* Offset `n` characters before pos (or 0), and after pos (or len): where
 * a byte-by-byte step would stop; 8 bytes at a time while they hold fewer
 * characters than are left (the windows of context are 40 to 300
 * characters). */
static inline size_t det_chars_back(const char *text, size_t pos, size_t n)
{
	size_t k;

	while (pos >= 8 && n > (k = det_starts8(text + pos - 8)))
		pos -= 8, n -= k;
	while (pos > 0 && n > 0) {
		pos--;
		if (((unsigned char)text[pos] & 0xC0) != 0x80)
			n--;
	}
	return pos;
}

static inline size_t det_chars_fwd(const char *text, size_t len, size_t pos, size_t n)
{
	size_t q, k;

	if (pos >= len || n == 0)
		return pos;
	/* each step goes to the next character start after pos: the n-th
	 * one after pos, or len */
	for (q = pos + 1; q + 8 <= len && n > (k = det_starts8(text + q)); q += 8)
		n -= k;
	for (; q < len; q++)
		if (((unsigned char)text[q] & 0xC0) != 0x80 && --n == 0)
			return q;
	return len;
}

/* Offset of the first keyword lying entirely in text[from..to) (matched as
 * context.c says), or -1.  *kwlen receives the keyword's length. */
long det_keyword_find(const char *text, size_t len, size_t from, size_t to,
    const char *const *keywords, size_t *kwlen);

/* context_keyword_near() on one side only: a keyword lies entirely within
 * the `window` characters before start. */
int context_keyword_before(const char *text, size_t len, size_t start,
    const char *const *keywords, size_t window);

#define COL_MAX 512		/* header cells kept per table block */

/* Cache for context_column_header_c(): the table block last looked at and
 * the row being read (about 8 KB).  Set valid = 0 before the first call. */
struct colcache {
	int valid;
	size_t block_start, block_end;	/* bytes, '\f' excluded */
	size_t head_start, head_end;	/* header row, or head_start == head_end */
	char sep;			/* '\t' or ',', 0 when not tabular */
	size_t ncols;			/* header cells kept */
	size_t col_start[COL_MAX], col_end[COL_MAX];
	int row_valid;			/* the row fields below describe a line */
	size_t row_start, row_end;	/* that line */
	int row_has_sep;		/* it holds sep */
	size_t pos;			/* cells counted in [row_start, pos) */
	size_t idx;			/* separators before pos */
	int quoted;			/* pos is inside double quotes */
	size_t cell, prev;		/* start of the cell holding pos, of the one before */
};

/* Fill cc with the table block holding `at`: its bounds, header row and
 * separator (0 when the block is not a table). */
void context_block(const char *text, size_t len, size_t at, struct colcache *cc);

/* context_column_header() reusing what it found for earlier offsets of the
 * same text: linear work over a scan whose offsets mostly increase. */
int context_column_header_c(const char *text, size_t len, size_t at,
    const char *const *keywords, struct colcache *cc);

/* The cheap prefilter before the digit patterns: call fn(ctx, start, end)
 * on every cluster — a maximal run of ASCII digits and characters of seps —
 * holding at least min_digits digits, in text order.  Only about one byte
 * in min_digits is looked at outside clusters.  Over the text named by
 * det_text_begin() (detector.h; with min_digits >= 7 and seps among "-. ()+") the
 * text is walked once for all the detectors: its clusters of "-. ()+" are
 * listed at the first call, and each call looks only inside them. */
void det_digit_clusters(const char *text, size_t len, const char *seps, size_t min_digits,
    det_range_fn fn, void *ctx);

/* det_digit_clusters() for a detector whose values hold a run of min_run
 * digits: over the text named by det_text_begin() the clusters with no
 * such run may be left out (not all are: fn must still refuse them). */
void det_digit_clusters_run(const char *text, size_t len, const char *seps, size_t min_digits,
    size_t min_run, det_range_fn fn, void *ctx);

/* Is the digit run text[from..to) standing alone: no digit, and no digit
 * behind one of '-' '.' ',' '/', right before or right after it?  The
 * boundary rule of the keyword-bound identifiers (bank_account, passport,
 * drivers_license, residence_card, pension_number, health_insurance): an
 * amount 1,234,567, a reference 12-1234567 or a date is no identifier. */
int det_run_alone(const char *text, size_t len, size_t from, size_t to);

/* A keyword occurrence: keywords[k] starts at text offset `at`. */
typedef void (*det_hit_fn)(void *ctx, size_t at, size_t k);

/* Call fn on every occurrence of the keywords (matched as context.c says)
 * in text, found through anchors: every keyword must contain one of the
 * anchors (ASCII letters without case), and the text is searched for the
 * anchors only (give both cases of a letter: "b", "B"), one det_find()
 * pass each.  Occurrences come in order for each anchor, not overall. */
void det_keyword_hits(const char *text, size_t len, const char *const *keywords,
    const char *const *anchors, det_hit_fn fn, void *ctx);

/* Call fn on the rows (after the header row, to the block end) of every
 * table block whose header row holds a keyword. */
void det_keyword_tables(const char *text, size_t len, const char *const *keywords,
    det_range_fn fn, void *ctx);

/* When `at` lies in a data row of a table block (as
 * context_column_header() sees tables), the offset where the cell
 * `cells_before` cells before its own starts (the row's first cell at
 * most); else (size_t)-1. */
size_t context_cell_start(const char *text, size_t len, size_t at, size_t cells_before,
    struct colcache *cc);

#endif
