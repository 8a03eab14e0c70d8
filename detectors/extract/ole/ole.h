/*
 * ole.h — readers of the streams of legacy Office files (OLE2 compound
 * documents), used by ole.c, and the text helpers they share (text.c).
 * Internal to extract/ole/.
 *
 * Each reader takes the bytes of one stream (already bounded by
 * max_member_bytes), appends text to out and says whether the stream is
 * encrypted.  A reader returns 0 when it understood the stream, or -1 when
 * it did not (unknown version, broken structure): the caller then falls
 * back to ole_strings() on the same bytes.  Readers stop early, returning
 * 0, once out is full or the time budget is spent.
 */
#ifndef DLP_OLE_H
#define DLP_OLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inspect;
struct textbuf;

/* UTF-16 code units to UTF-8 text, surrogate pairs joined, lone
 * surrogates as U+FFFD. */
struct ole_u16 {
	struct textbuf *out;
	unsigned hi;		/* pending high surrogate, or 0 */
	bool full;		/* out refused more text */
};
void ole_u16_put(struct ole_u16 *u, unsigned cu);
void ole_u16_flush(struct ole_u16 *u);
/* Put a code point (BMP or not) as UTF-8. */
void ole_put_cp(struct ole_u16 *u, unsigned cp);
/* Bytes of a single-byte or double-byte Windows code page (932, 1252 …)
 * converted to UTF-8 and appended. */
void ole_put_cp_bytes(struct ole_u16 *u, unsigned codepage, const unsigned char *s,
    size_t n);

static inline unsigned ole_le16(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }
static inline uint32_t ole_le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Word 97–2003: the text of the piece table (CLX in the table stream).
 * tbl0/tbl1 are the 0Table and 1Table streams (either may be NULL). */
int ole_word_text(struct inspect *in, const unsigned char *wd, size_t wdlen,
    const unsigned char *tbl0, size_t tbl0len, const unsigned char *tbl1, size_t tbl1len,
    struct textbuf *out, bool *encrypted);
/* Excel 5–2003 (BIFF5, BIFF8): cells of every sheet, Workbook or Book stream. */
int ole_xls_text(struct inspect *in, const unsigned char *wb, size_t len,
    struct textbuf *out, bool *encrypted);
/* PowerPoint 97–2003: text atoms of the PowerPoint Document stream. */
int ole_ppt_text(struct inspect *in, const unsigned char *doc, size_t len,
    struct textbuf *out, bool *encrypted);
/* Any stream: runs of at least 4 printable UTF-16LE characters, then runs
 * of at least 4 printable ASCII / CP932 characters, one run a line. */
void ole_strings(struct inspect *in, const unsigned char *d, size_t len, struct textbuf *out);

#endif
