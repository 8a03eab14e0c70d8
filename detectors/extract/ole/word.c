/*
 * word.c — the text of a Word 97–2003 document ([MS-DOC]).
 *
 * The FIB at the start of the WordDocument stream says whether the file is
 * encrypted (fEncrypted, set for both RC4 and XOR obfuscation) and where the
 * CLX lies in the table stream (0Table or 1Table, by fWhichTblStm).  The
 * CLX's piece table maps every character position of the document (main
 * text, footnotes, headers, comments, text boxes) to bytes of the
 * WordDocument stream, 8-bit "compressed" (CP1252) or UTF-16LE.  The
 * pieces are read in order; Word's special characters become plain text:
 * paragraph and line marks → newline, cell marks → tab (a cell mark right
 * after another, the end of a table row → newline), non-breaking hyphen →
 * '-'; field marks become spaces, so field codes (HYPERLINK "mailto:…")
 * are read with the text; pictures, object anchors and the like are
 * dropped.  Word 6/95 files (no piece table of this kind) are not read
 * here: the caller falls back to strings.
 */
#include <string.h>

#include "extract/extract.h"
#include "extract/ole/ole.h"

#define FIB_IDENT_97	0xA5EC
#define FIB_F_ENCRYPTED	0x0100
#define FIB_F_TABLE1	0x0200
#define CLX_FC_INDEX	33		/* fcClx: 34th pair of FibRgFcLcb */

/* CP1252 0x80..0x9F (the "compressed" text of [MS-DOC] 2.4.1). */
static const unsigned short cp1252_80[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

struct word_out {
	struct ole_u16 u;
	unsigned prev;		/* previous character, for row ends */
};

static void
word_char(struct word_out *w, unsigned c)
{
	unsigned prev = w->prev;

	w->prev = c;
	switch (c) {
	case 0x0D: case 0x0B: case 0x0C:
		ole_u16_put(&w->u, '\n');
		return;
	case 0x07:
		ole_u16_put(&w->u, prev == 0x07 ? '\n' : '\t');
		return;
	case 0x09:
		ole_u16_put(&w->u, '\t');
		return;
	case 0x1E:
		ole_u16_put(&w->u, '-');
		return;
	case 0x13: case 0x14: case 0x15:
		ole_u16_put(&w->u, ' ');
		return;
	}
	if (c < 0x20)
		return;		/* optional hyphen, picture, anchors, NUL … */
	ole_u16_put(&w->u, c);
}

/* The FIB fields needed: flags and the CLX location.  -1 if not Word 97+. */
static int
word_fib(const unsigned char *wd, size_t len, unsigned *flags, uint32_t *fc, uint32_t *lcb)
{
	size_t pos;

	if (len < 34 || ole_le16(wd) != FIB_IDENT_97)
		return -1;
	*flags = ole_le16(wd + 0x0A);
	pos = 32;
	pos += 2 + 2 * (size_t)ole_le16(wd + pos);		/* csw, fibRgW */
	if (pos + 2 > len)
		return -1;
	pos += 2 + 4 * (size_t)ole_le16(wd + pos);		/* cslw, fibRgLw */
	if (pos + 2 > len)
		return -1;
	if (ole_le16(wd + pos) <= CLX_FC_INDEX)		/* cbRgFcLcb */
		return -1;
	pos += 2 + 8 * CLX_FC_INDEX;
	if (pos + 8 > len)
		return -1;
	*fc = ole_le32(wd + pos);
	*lcb = ole_le32(wd + pos + 4);
	return 0;
}

/* Find the PlcPcd in the CLX: skip Prc entries, return the Pcdt's body. */
static const unsigned char *
word_plcpcd(const unsigned char *clx, size_t len, size_t *plclen)
{
	size_t p = 0;

	while (p < len) {
		if (clx[p] == 0x01) {			/* Prc: cbGrpprl, GrpPrl */
			if (p + 3 > len)
				return NULL;
			int16_t cb = (int16_t)ole_le16(clx + p + 1);
			if (cb < 0)
				return NULL;
			p += 3 + (size_t)cb;
		} else if (clx[p] == 0x02) {		/* Pcdt: lcb, PlcPcd */
			if (p + 5 > len)
				return NULL;
			uint32_t lcb = ole_le32(clx + p + 1);
			if (lcb > len - p - 5)
				return NULL;
			*plclen = lcb;
			return clx + p + 5;
		} else {
			return NULL;
		}
	}
	return NULL;
}

/* Append one piece; -1 when it lies outside the stream. */
static int
word_piece(struct word_out *w, const unsigned char *wd, size_t wdlen, uint32_t fc,
    uint32_t ncp)
{
	int compressed = (fc & 0x40000000u) != 0;
	size_t off = fc & 0x3FFFFFFFu, i;

	if (compressed)
		off /= 2;
	size_t bytes = compressed ? ncp : (size_t)ncp * 2;
	if (off > wdlen || bytes > wdlen - off)
		return -1;
	for (i = 0; i < ncp && !w->u.full; i++) {
		unsigned c;
		if (compressed) {
			c = wd[off + i];
			if (c >= 0x80 && c <= 0x9F)
				c = cp1252_80[c - 0x80];
		} else {
			c = ole_le16(wd + off + 2 * i);
		}
		word_char(w, c);
	}
	return 0;
}

int
ole_word_text(struct inspect *in, const unsigned char *wd, size_t wdlen,
    const unsigned char *tbl0, size_t tbl0len, const unsigned char *tbl1, size_t tbl1len,
    struct textbuf *out, bool *encrypted)
{
	struct word_out w = { .u = { .out = out } };
	const unsigned char *tbl, *plc;
	size_t tbllen, plclen, n, i;
	unsigned flags;
	uint32_t fc, lcb;

	if (word_fib(wd, wdlen, &flags, &fc, &lcb) < 0)
		return -1;
	if (flags & FIB_F_ENCRYPTED) {
		*encrypted = true;
		return 0;
	}
	tbl = flags & FIB_F_TABLE1 ? tbl1 : tbl0;
	tbllen = flags & FIB_F_TABLE1 ? tbl1len : tbl0len;
	if (tbl == NULL || fc > tbllen || lcb > tbllen - fc)
		return -1;
	plc = word_plcpcd(tbl + fc, lcb, &plclen);
	if (plc == NULL || plclen < 16 || (plclen - 4) % 12 != 0)
		return -1;
	n = (plclen - 4) / 12;			/* n+1 CPs, then n 8-byte PCDs */
	for (i = 0; i < n && !w.u.full; i++) {
		uint32_t cp0 = ole_le32(plc + 4 * i), cp1 = ole_le32(plc + 4 * (i + 1));
		const unsigned char *pcd = plc + 4 * (n + 1) + 8 * i;
		if (cp1 < cp0 || word_piece(&w, wd, wdlen, ole_le32(pcd + 2), cp1 - cp0) < 0)
			return -1;
		if ((i & 255) == 255 && inspect_out_of_time(in))
			break;
	}
	ole_u16_flush(&w.u);
	return 0;
}
