/*
 * xls.c — the cells of an Excel 5–2003 workbook ([MS-XLS], BIFF5 and
 * BIFF8), read from its Workbook (or Book) stream.
 *
 * Read: the shared string table (SST, across CONTINUE records), and the
 * cells LABELSST, LABEL, RSTRING, NUMBER, RK, MULRK and FORMULA (its cached
 * result, a STRING record for text); numbers formatted as dates (built-in
 * date formats, or FORMAT strings with y/d/e/g) are written yyyy/mm/dd in
 * the workbook's date system (1900 or 1904), other numbers as integers or
 * %.15g; the text of comments and text boxes (TXO + CONTINUE).  One sheet
 * after another, separated by '\f'; a sheet's rows as lines, cells split by
 * tabs at their column (empty cells give empty fields).  BIFF5 strings are
 * bytes of the workbook's CODEPAGE (932 → CP932).
 * Not read: sheet names, headers and footers, charts, data validation
 * lists, defined names, VBA.  A FILEPASS record (RC4, CryptoAPI or XOR
 * obfuscation — also Excel's default "VelvetSweatshop" password for
 * structure protection) makes the workbook encrypted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract/extract.h"
#include "extract/ole/ole.h"

enum {
	R_FORMULA = 0x0006, R_EOF = 0x000A, R_DATEMODE = 0x0022, R_FILEPASS = 0x002F,
	R_CONTINUE = 0x003C, R_CODEPAGE = 0x0042, R_MULRK = 0x00BD, R_RSTRING = 0x00D6,
	R_XF = 0x00E0, R_SST = 0x00FC, R_LABELSST = 0x00FD, R_TXO = 0x01B6,
	R_NUMBER = 0x0203, R_LABEL = 0x0204, R_STRING = 0x0207, R_RK = 0x027E,
	R_FORMAT = 0x041E, R_BOF = 0x0809,
};
#define BOF_WORKSHEET	0x0010
#define BOF_MACROSHEET	0x0040
#define MAX_PAD		256	/* tabs written for a column jump */

struct seg {
	const unsigned char *p;
	size_t len;
};

/* A record and the CONTINUE records after it, read as one byte sequence. */
struct chain {
	struct seg *seg;
	size_t nseg, cur, pos;
};

struct xls {
	struct ole_u16 u;		/* cell text out */
	unsigned biff;			/* 5 or 8 */
	unsigned codepage;
	bool date1904;
	struct textbuf sst;		/* shared strings, UTF-8, NUL-separated */
	size_t *sstoff;
	size_t nsst, capsst;
	unsigned short *xf;		/* XF index → number format */
	size_t nxf, capxf;
	unsigned char datefmt[65536 / 8];
	bool any;			/* a cell was written in this sheet */
	uint32_t row;
	unsigned col;
	bool sheet_seen;
	bool want_string;		/* a FORMULA's text result follows */
	unsigned txo_cch;		/* TXO waiting for its text */
};

/* ------------------------------------------------------------ chain */

static size_t
chain_read(struct chain *c, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n && c->cur < c->nseg) {
		struct seg *s = &c->seg[c->cur];
		size_t k = s->len - c->pos < n - got ? s->len - c->pos : n - got;
		if (buf != NULL)
			memcpy(buf + got, s->p + c->pos, k);
		got += k;
		c->pos += k;
		if (c->pos == s->len) {
			c->cur++;
			c->pos = 0;
		}
	}
	return got;
}

/* Characters of a string whose array may be split over segments: each
 * continuation segment starts with a new option byte (high-byte flag). */
static int
chain_chars(struct chain *c, size_t cch, bool high, struct ole_u16 *u)
{
	while (cch > 0) {
		if (c->cur >= c->nseg)
			return -1;
		struct seg *s = &c->seg[c->cur];
		size_t avail = s->len - c->pos, w = high ? 2 : 1, n = avail / w, i;
		if (n == 0) {
			if (avail > 0 || ++c->cur >= c->nseg)
				return -1;
			c->pos = 0;
			unsigned char grbit;
			if (chain_read(c, &grbit, 1) != 1)
				return -1;
			high = grbit & 1;
			continue;
		}
		if (n > cch)
			n = cch;
		for (i = 0; i < n; i++) {
			const unsigned char *p = s->p + c->pos + i * w;
			ole_u16_put(u, high ? ole_le16(p) : p[0]);
		}
		c->pos += n * w;	/* at a segment's end, the next loop */
		cch -= n;		/* moves on and reads its option byte */
	}
	return 0;
}

/* One XLUnicodeRichExtendedString of the SST into the string arena. */
static int
sst_string(struct xls *x, struct chain *c)
{
	unsigned char h[3], b[4];
	size_t runs = 0, ext = 0;
	struct ole_u16 u = { .out = &x->sst };

	if (chain_read(c, h, 3) != 3)
		return -1;
	if (h[2] & 0x08) {
		if (chain_read(c, b, 2) != 2)
			return -1;
		runs = ole_le16(b);
	}
	if (h[2] & 0x04) {
		if (chain_read(c, b, 4) != 4)
			return -1;
		ext = ole_le32(b);
	}
	if (x->nsst == x->capsst) {
		size_t cap = x->capsst ? x->capsst * 2 : 256;
		size_t *n = realloc(x->sstoff, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		x->sstoff = n;
		x->capsst = cap;
	}
	x->sstoff[x->nsst++] = x->sst.len;
	if (chain_chars(c, ole_le16(h), h[2] & 1, &u) < 0)
		return -1;
	ole_u16_flush(&u);
	textbuf_putc(&x->sst, '\0');
	if (chain_read(c, NULL, runs * 4) != runs * 4 || chain_read(c, NULL, ext) != ext)
		return -1;
	return 0;
}

/* The SST record at d[pos] and its CONTINUE records.  Reads what it can. */
static void
sst_parse(struct xls *x, const unsigned char *d, size_t len, size_t pos)
{
	struct chain c = { 0 };
	size_t cap = 0, p = pos;

	while (p + 4 <= len) {
		unsigned type = ole_le16(d + p), rl = ole_le16(d + p + 2);
		if ((p != pos && type != R_CONTINUE) || rl > len - p - 4)
			break;
		if (c.nseg == cap) {
			cap = cap ? cap * 2 : 16;
			struct seg *n = realloc(c.seg, cap * sizeof(*n));
			if (n == NULL)
				break;
			c.seg = n;
		}
		c.seg[c.nseg++] = (struct seg){ d + p + 4, rl };
		p += 4 + rl;
	}
	if (c.nseg > 0 && chain_read(&c, NULL, 8) == 8)
		while (c.cur < c.nseg && !x->sst.truncated && sst_string(x, &c) == 0)
			;
	free(c.seg);
}

/* ------------------------------------------------------------ cells */

static void
cell_at(struct xls *x, uint32_t row, unsigned col)
{
	unsigned pad;

	if (x->any && row != x->row) {
		ole_u16_put(&x->u, '\n');
		x->col = 0;
		pad = col;
	} else if (x->any) {
		pad = col > x->col ? col - x->col : 1;
	} else {
		pad = col;
	}
	for (unsigned i = 0; i < pad && i < MAX_PAD; i++)
		ole_u16_put(&x->u, '\t');
	x->any = true;
	x->row = row;
	x->col = col;
}

static void
put_ascii(struct xls *x, const char *s)
{
	while (*s)
		ole_u16_put(&x->u, (unsigned char)*s++);
}

/* Days since 1970-01-01 to y/m/d (H. Hinnant's civil_from_days). */
static void
civil(long z, long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

static bool
xf_is_date(const struct xls *x, unsigned xf)
{
	if (xf >= x->nxf)
		return false;
	unsigned f = x->xf[xf];
	if ((f >= 14 && f <= 17) || f == 22 || (f >= 27 && f <= 36) || (f >= 50 && f <= 58))
		return true;
	return (x->datefmt[f / 8] >> (f % 8)) & 1;
}

static void
put_number(struct xls *x, double v, unsigned xf)
{
	char buf[48];

	if (!isfinite(v))
		return;
	if (xf_is_date(x, xf) && v >= 1 && v < 2958466) {
		long days = (long)v, z, y;
		unsigned m, d;
		if (x->date1904)
			z = days - 24107;		/* serial 0 = 1904-01-01 */
		else
			z = (days >= 61 ? days - 1 : days) - 25568; /* 1 = 1900-01-01,
							 * 60 = Lotus's 1900-02-29 */
		civil(z, &y, &m, &d);
		snprintf(buf, sizeof(buf), "%04ld/%02u/%02u", y, m, d);
	} else if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, sizeof(buf), "%.0f", v);
	} else {
		snprintf(buf, sizeof(buf), "%.15g", v);
	}
	put_ascii(x, buf);
}

static double
rk_value(uint32_t rk)
{
	double v;

	if (rk & 2) {
		v = (double)((int32_t)rk >> 2);
	} else {
		uint64_t bits = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
		memcpy(&v, &bits, sizeof(v));
	}
	return rk & 1 ? v / 100 : v;
}

/* A string in a cell record: BIFF8 XLUnicodeString, BIFF5 bytes in the
 * code page (cch u16 or, for FORMAT in BIFF5, u8). */
static void
put_record_string(struct xls *x, struct ole_u16 *u, const unsigned char *p, size_t n,
    bool cch8)
{
	size_t cch, i;

	if (n < (cch8 ? 1u : 2u))
		return;
	cch = cch8 ? p[0] : ole_le16(p);
	p += cch8 ? 1 : 2;
	n -= cch8 ? 1 : 2;
	if (x->biff == 5) {
		ole_put_cp_bytes(u, x->codepage, p, cch < n ? cch : n);
		return;
	}
	if (n < 1)
		return;
	bool high = p[0] & 1;
	p++;
	n--;
	for (i = 0; i < cch && (i + 1) * (high ? 2 : 1) <= n; i++)
		ole_u16_put(u, high ? ole_le16(p + 2 * i) : p[i]);
	ole_u16_flush(u);
}

/* Mark FORMAT ifmt as a date when its code, outside quotes, brackets and
 * escapes, has y or d, or a Japanese era ("ge", "gg", "ee"); "General"
 * and the exponent 'E' do not count. */
static void
format_record(struct xls *x, const unsigned char *p, size_t n)
{
	struct textbuf tb = { .max = 256 };
	struct ole_u16 u = { .out = &tb };
	bool q = false, date = false;
	char prev = 0;
	int br = 0;

	if (n < 3)
		return;
	unsigned ifmt = ole_le16(p);
	put_record_string(x, &u, p + 2, n - 2, x->biff == 5);
	for (size_t i = 0; i < tb.len && !date; i++) {
		char c = tb.buf[i];
		if (c == '"')
			q = !q;
		else if (q)
			continue;
		else if (c == '\\')
			i++;
		else if (c == '[')
			br++;
		else if (c == ']' && br > 0)
			br--;
		else if (br)
			continue;
		else if ((c == 'G' || c == 'g') && tb.len - i >= 7 &&
		    strncasecmp(tb.buf + i, "general", 7) == 0)
			i += 6;
		else if (strchr("yYdD", c) != NULL)
			date = true;
		else if ((c == 'e' || c == 'g') && (prev == 'g' || prev == 'e'))
			date = true;
		prev = c;
	}
	if (date)
		x->datefmt[ifmt / 8] |= (unsigned char)(1u << (ifmt % 8));
	textbuf_free(&tb);
}

static void
xf_record(struct xls *x, const unsigned char *p, size_t n)
{
	if (n < 4)
		return;
	if (x->nxf == x->capxf) {
		size_t cap = x->capxf ? x->capxf * 2 : 64;
		unsigned short *a = realloc(x->xf, cap * sizeof(*a));
		if (a == NULL)
			return;
		x->xf = a;
		x->capxf = cap;
	}
	x->xf[x->nxf++] = (unsigned short)ole_le16(p + 2);
}

static void
txo_text(struct xls *x, const unsigned char *p, size_t n)
{
	size_t i, cch = x->txo_cch;

	x->txo_cch = 0;
	if (n < 1)
		return;
	bool high = p[0] & 1;
	ole_u16_put(&x->u, '\n');
	for (i = 0; i < cch && 1 + (i + 1) * (high ? 2 : 1) <= n; i++)
		ole_u16_put(&x->u, high ? ole_le16(p + 1 + 2 * i) : p[1 + i]);
	ole_u16_put(&x->u, '\n');
	x->any = false;
}

static void
bof_record(struct xls *x, const unsigned char *p, size_t n)
{
	unsigned vers = n >= 2 ? ole_le16(p) : 0, dt = n >= 4 ? ole_le16(p + 2) : 0;

	if (x->biff == 0)
		x->biff = vers == 0x0500 ? 5 : 8;
	if (dt != BOF_WORKSHEET && dt != BOF_MACROSHEET)
		return;
	if (x->sheet_seen)
		ole_u16_put(&x->u, '\f');
	x->sheet_seen = true;
	x->any = false;
}

/* A cell: text (shared or inline), number, RK numbers, formula result. */
static void
cell_record(struct xls *x, unsigned type, const unsigned char *p, size_t n)
{
	double v;

	if (n < 6 || (type == R_NUMBER && n < 14) || (type == R_FORMULA && n < 14) ||
	    (type == R_LABELSST && n < 10) || (type == R_RK && n < 10))
		return;
	if (type != R_MULRK)
		cell_at(x, ole_le16(p), ole_le16(p + 2));
	switch (type) {
	case R_LABELSST: {
		uint32_t i = ole_le32(p + 6);
		if (i < x->nsst) {
			const char *s = x->sst.buf + x->sstoff[i];
			ole_u16_flush(&x->u);
			if (textbuf_append(x->u.out, s, strlen(s)) < 0)
				x->u.full = true;
		}
		break;
	}
	case R_LABEL: case R_RSTRING:
		put_record_string(x, &x->u, p + 6, n - 6, false);
		break;
	case R_NUMBER:
		memcpy(&v, p + 6, sizeof(v));	/* IEEE 754, little-endian host */
		put_number(x, v, ole_le16(p + 4));
		break;
	case R_RK:
		put_number(x, rk_value(ole_le32(p + 6)), ole_le16(p + 4));
		break;
	case R_MULRK:				/* row, first col, (xf, rk)*, last col */
		for (size_t k = 4; k + 6 <= n - 2; k += 6) {
			cell_at(x, ole_le16(p), ole_le16(p + 2) + (unsigned)(k - 4) / 6);
			put_number(x, rk_value(ole_le32(p + k + 2)), ole_le16(p + k));
		}
		break;
	case R_FORMULA:				/* cached result; 0xFFFF: not a number */
		if (ole_le16(p + 12) != 0xFFFF) {
			memcpy(&v, p + 6, sizeof(v));
			put_number(x, v, ole_le16(p + 4));
		} else {
			x->want_string = p[6] == 0;	/* text: a STRING record follows */
		}
		break;
	}
}

/* One record.  Returns 1 when the workbook is encrypted. */
static int
xls_record(struct xls *x, unsigned type, const unsigned char *p, size_t n,
    const unsigned char *d, size_t len, size_t pos)
{
	bool want = x->want_string;

	/* a FORMULA's STRING may follow its SHRFMLA, ARRAY or TABLE record */
	if (type != 0x04BC && type != 0x0221 && type != 0x0236)
		x->want_string = false;
	switch (type) {
	case R_BOF: bof_record(x, p, n); break;
	case R_FILEPASS: return 1;
	case R_CODEPAGE: if (n >= 2) x->codepage = ole_le16(p); break;
	case R_DATEMODE: if (n >= 2) x->date1904 = ole_le16(p) == 1; break;
	case R_FORMAT: format_record(x, p, n); break;
	case R_XF: xf_record(x, p, n); break;
	case R_SST: sst_parse(x, d, len, pos); break;
	case R_LABELSST: case R_LABEL: case R_RSTRING: case R_NUMBER: case R_RK:
	case R_MULRK: case R_FORMULA:
		cell_record(x, type, p, n);
		break;
	case R_STRING:
		if (want)
			put_record_string(x, &x->u, p, n, false);
		break;
	case R_TXO:
		x->txo_cch = n >= 12 ? ole_le16(p + 10) : 0;
		return 0;
	case R_CONTINUE:
		if (x->txo_cch > 0)
			txo_text(x, p, n);
		return 0;
	}
	x->txo_cch = 0;
	return 0;
}

int
ole_xls_text(struct inspect *in, const unsigned char *d, size_t len,
    struct textbuf *out, bool *encrypted)
{
	struct xls *x;
	size_t pos = 0, nrec = 0;

	if (len < 8 || ole_le16(d) != R_BOF)
		return -1;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -1;
	x->u.out = out;
	x->codepage = 1252;
	x->sst.max = out->max;
	while (pos + 4 <= len && !x->u.full) {
		unsigned type = ole_le16(d + pos), rl = ole_le16(d + pos + 2);
		if (rl > len - pos - 4)
			break;			/* truncated stream: keep what was read */
		if (xls_record(x, type, d + pos + 4, rl, d, len, pos)) {
			*encrypted = true;
			break;
		}
		pos += 4 + rl;
		if ((++nrec & 4095) == 0 && inspect_out_of_time(in))
			break;
	}
	ole_u16_flush(&x->u);
	textbuf_free(&x->sst);
	free(x->sstoff);
	free(x->xf);
	free(x);
	return 0;
}
