/*
 * ooxml_sheet.c — SpreadsheetML shared strings and worksheets as text
 * (see ooxml_sheet.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/ooxml_sheet.h"
#include "extract/zipxml.h"

#define SHEET_MAX_COL 16383	/* XFD, Excel's last column */

/* ---- shared strings ---- */

void
ooxml_sst_free(struct ooxml_sst *t)
{
	if (t == NULL)
		return;
	free(t->buf);
	free(t->off);
	memset(t, 0, sizeof(*t));
}

static int
sst_bytes(struct ooxml_sst *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *p;

		while (cap < t->len + n + 1)
			cap *= 2;
		if ((p = realloc(t->buf, cap)) == NULL)
			return -1;
		t->buf = p;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return 0;
}

/* Close the string that started at start. */
static int
sst_push(struct ooxml_sst *t, size_t start)
{
	if (sst_bytes(t, "", 1) != 0)	/* the NUL */
		return -1;
	if (t->n == t->ncap) {
		size_t cap = t->ncap ? t->ncap * 2 : 256;
		size_t *o = realloc(t->off, cap * sizeof(*o));

		if (o == NULL)
			return -1;
		t->off = o;
		t->ncap = cap;
	}
	t->off[t->n++] = start;
	return 0;
}

/* One node of sharedStrings.xml; *skip for phonetic runs.  -1 on ENOMEM. */
static int
sst_node(struct zipxml *x, struct ooxml_sst *t, bool *in_si, unsigned *in_t, size_t *start,
    bool *skip)
{
	int type = zipxml_type(x);
	const char *n = zipxml_name(x);
	const char *v;

	if (type == XML_READER_TYPE_ELEMENT) {
		bool empty = zipxml_empty(x);

		if (strcmp(n, "rPh") == 0 || strcmp(n, "phoneticPr") == 0) {
			*skip = true;
		} else if (strcmp(n, "si") == 0) {
			*start = t->len;
			*in_si = !empty;
			*in_t = 0;
			if (empty)
				return sst_push(t, *start);
		} else if (strcmp(n, "t") == 0 && *in_si && !empty) {
			(*in_t)++;
		}
	} else if (type == XML_READER_TYPE_END_ELEMENT) {
		if (strcmp(n, "t") == 0 && *in_t > 0)
			(*in_t)--;
		else if (strcmp(n, "si") == 0 && *in_si) {
			*in_si = false;
			return sst_push(t, *start);
		}
	} else if (*in_t > 0 && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
	    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
		if ((v = zipxml_value(x)) != NULL)
			return sst_bytes(t, (const char *)v, strlen((const char *)v));
	}
	return 0;
}

struct sst_walk {
	struct ooxml_sst *t;
	bool in_si;
	unsigned in_t;
	size_t start;
};

static int
sst_walk_node(struct zipxml *x, void *ctx, bool *skip)
{
	struct sst_walk *s = ctx;

	if (sst_node(x, s->t, &s->in_si, &s->in_t, &s->start, skip) != 0) {
		snprintf(x->why, sizeof(x->why), "out of memory");
		return -1;
	}
	return 0;
}

int
ooxml_sst_load(struct zipread *zr, const struct zipread_entry *e, struct ooxml_sst *t,
    char *why, size_t whylen)
{
	struct sst_walk s = { .t = t };

	return zipxml_walk(zr, e, sst_walk_node, &s, why, whylen);
}

/* ---- number formats (xl/styles.xml) ---- */

void
ooxml_styles_free(struct ooxml_styles *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->nfmt; i++)
		free(st->fmt[i].code);
	free(st->fmt);
	free(st->xf_fmt);
	memset(st, 0, sizeof(*st));
}

struct styles_walk {
	struct ooxml_styles *st;
	bool in_xfs;		/* inside cellXfs (not cellStyleXfs) */
};

#define STYLES_MAX 65536	/* cell styles and formats kept (Excel allows 64000) */

static int
styles_node(struct zipxml *x, void *ctx, bool *skip)
{
	struct styles_walk *sw = ctx;
	struct ooxml_styles *st = sw->st;
	const char *n = zipxml_name(x);
	char v[512];
	int type = zipxml_type(x);

	if (type == XML_READER_TYPE_END_ELEMENT) {
		if (strcmp(n, "cellXfs") == 0)
			sw->in_xfs = false;
		return 0;
	}
	if (type != XML_READER_TYPE_ELEMENT)
		return 0;
	if (strcmp(n, "cellXfs") == 0) {
		sw->in_xfs = !zipxml_empty(x);
	} else if (strcmp(n, "xf") == 0 && sw->in_xfs && st->nxf < STYLES_MAX) {
		if (st->nxf == st->xfcap) {
			size_t cap = st->xfcap ? st->xfcap * 2 : 64;
			unsigned *p = realloc(st->xf_fmt, cap * sizeof(*p));

			if (p == NULL)
				goto nomem;
			st->xf_fmt = p;
			st->xfcap = cap;
		}
		st->xf_fmt[st->nxf++] = zipxml_attr(x, "numFmtId", v, sizeof(v)) ?
		    (unsigned)strtoul(v, NULL, 10) : 0;
		*skip = true;	/* alignment, protection */
	} else if (strcmp(n, "numFmt") == 0 && st->nfmt < STYLES_MAX &&
	    zipxml_attr(x, "numFmtId", v, sizeof(v))) {
		unsigned id = (unsigned)strtoul(v, NULL, 10);

		if (zipxml_attr(x, "formatCode", v, sizeof(v)) == 0)
			return 0;
		if (st->nfmt == st->fmtcap) {
			size_t cap = st->fmtcap ? st->fmtcap * 2 : 16;
			struct ooxml_numfmt *p = realloc(st->fmt, cap * sizeof(*p));

			if (p == NULL)
				goto nomem;
			st->fmt = p;
			st->fmtcap = cap;
		}
		if ((st->fmt[st->nfmt].code = strdup(v)) == NULL)
			goto nomem;
		st->fmt[st->nfmt++].id = id;
	} else if (strcmp(n, "fonts") == 0 || strcmp(n, "fills") == 0 ||
	    strcmp(n, "borders") == 0 || strcmp(n, "dxfs") == 0 || strcmp(n, "extLst") == 0 ||
	    strcmp(n, "cellStyleXfs") == 0 || strcmp(n, "colors") == 0) {
		*skip = true;
	}
	return 0;
nomem:
	snprintf(x->why, sizeof(x->why), "out of memory");
	return -1;
}

int
ooxml_styles_load(struct zipread *zr, const struct zipread_entry *e,
    struct ooxml_styles *st, char *why, size_t whylen)
{
	struct styles_walk sw = { .st = st };

	st->loaded = true;
	return zipxml_walk(zr, e, styles_node, &sw, why, whylen);
}

/* The custom format code of cell style xf, or NULL (a built-in format:
 * none of them keeps a leading zero). */
static const char *
styles_code(const struct ooxml_styles *st, unsigned long xf)
{
	unsigned id;

	if (st == NULL || xf >= st->nxf || (id = st->xf_fmt[xf]) < 164)
		return NULL;
	for (size_t i = 0; i < st->nfmt; i++)
		if (st->fmt[i].id == id)
			return st->fmt[i].code;
	return NULL;
}

#define NUMFMT_MAX_PH 32	/* digit placeholders in a format we apply */

bool
ooxml_numfmt_apply(const char *code, const char *v, char *out, size_t outlen)
{
	/* the template: literals as they are, placeholders as '\1' ('0') and
	 * '\2' ('#') */
	char tpl[128];
	size_t nt = 0, nph = 0, nd = strlen(v), o = 0;
	long k;

	if (nd == 0 || nd > 30 || strspn(v, "0123456789") != nd)
		return false;
	for (const char *p = code; *p && *p != ';'; p++) {
		if (nt + 1 >= sizeof(tpl))
			return false;
		if (*p == '0' || *p == '#') {
			tpl[nt++] = *p == '0' ? '\1' : '\2';
			if (++nph > NUMFMT_MAX_PH)
				return false;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (nt + 1 >= sizeof(tpl))
					return false;
				tpl[nt++] = *p;
			}
			if (*p != '"')
				return false;
		} else if (*p == '\\' && p[1] != '\0') {
			tpl[nt++] = *++p;
		} else if (*p == '[') {		/* a colour only: [Red], [Color10] */
			const char *q = p + 1;

			while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
			    (*q >= '0' && *q <= '9'))
				q++;
			if (*q != ']' || q == p + 1 || !((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z'))
				return false;
			p = q;
		} else if ((*p == '_' || *p == '*') && p[1] != '\0') {
			p++;			/* padding and fill: nothing to read */
		} else if (strchr(" -()/+:$^&'~{}<>=!", *p)) {
			tpl[nt++] = *p;
		} else {
			return false;		/* decimals, exponents, dates, text, %, ',' */
		}
	}
	if (nph == 0)
		return false;
	/* digits right to left into placeholders; the first one takes the rest */
	k = (long)nd - (long)nph;	/* digits left of the first placeholder */
	for (size_t i = 0, ph = 0; i < nt; i++) {
		if (tpl[i] != '\1' && tpl[i] != '\2') {
			if (o + 1 >= outlen)
				return false;
			out[o++] = tpl[i];
			continue;
		}
		if (ph++ == 0 && k > 0) {	/* the leading digits */
			if (o + (size_t)k + 1 >= outlen)
				return false;
			memcpy(out + o, v, (size_t)k);
			o += (size_t)k;
		}
		{
			long d = (long)ph - 1 + ((long)nd - (long)nph);	/* its digit */

			if (o + 2 >= outlen)
				return false;
			if (d >= 0)
				out[o++] = v[d];
			else if (tpl[i] == '\1')
				out[o++] = '0';
		}
	}
	out[o] = '\0';
	return true;
}

/* ---- worksheets ---- */

/* What the last start did to the cell state, for its end to undo when it
 * follows at once: an empty element (<v/>, <v></v>) is one node to the
 * reader, with no end, and changes nothing but a cell's place. */
enum sheet_last { SL_NONE, SL_CELL, SL_V, SL_IS, SL_T };

/* State of one worksheet walk. */
struct sheetw {
	struct zipxml *x;
	const struct ooxml_sst *sst;
	const struct ooxml_styles *styles;
	struct textbuf *out;
	struct textbuf val;	/* the current cell's value as stored */
	long last_col;		/* column of the last cell written in the row, or -1 */
	long prev_col;		/* column of the last cell seen in the row, or -1 */
	long col;		/* column of the current cell */
	char type[16];		/* its t attribute */
	long xf;		/* its s attribute (cell style), or -1 */
	bool in_c, in_is;
	unsigned in_v, in_t;
	bool row_content;	/* the row has a value written */
	/* a UTF-8 sheet read from the tokenizer's events (sheet_tok) */
	unsigned depth;		/* open elements */
	bool space[ZXT_MAX_DEPTH + 1];	/* their xml:space="preserve" */
	bool skipping;		/* inside a skipped element (a formula, a phonetic run) */
	unsigned skip_depth;	/* its depth */
	bool fresh;		/* an element just opened: empty if its end comes next */
	enum sheet_last last;	/* what its start did */
	bool is_before;		/* in_is before an <is> opened */
	bool run, run_ws, run_keep;	/* in a run of text (white space so far; kept) */
	size_t run0;		/* the value's length before the run */
	bool trunc0;		/* and whether it was cut */
	bool stop;		/* out is full (or ENOMEM): stop */
};

/* Column index of a reference such as "AB12" (0-based), or -1. */
static long
ref_col(const char *r)
{
	long c = 0;
	const char *p = r;

	for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
		c = c * 26 + ((*p | 0x20) - 'a' + 1);
		if (c > SHEET_MAX_COL + 1)
			c = SHEET_MAX_COL + 1;
	}
	return p == r ? -1 : c - 1;
}

/* Append v with tabs and line breaks made spaces. */
static int
put_value(struct textbuf *out, const char *v)
{
	while (*v) {
		size_t n = strcspn(v, "\t\r\n");

		if (n && textbuf_append(out, v, n) != 0)
			return -1;
		v += n;
		if (*v) {
			if (textbuf_putc(out, ' ') != 0)
				return -1;
			v++;
		}
	}
	return 0;
}

/* Write the current cell, placed by its column. */
static int
cell_end(struct sheetw *w)
{
	const char *v = w->val.len ? w->val.buf : "";
	char shown[96];
	long tabs;

	w->in_c = false;
	w->prev_col = w->col;
	if (strcmp(w->type, "s") == 0) {
		char *end;
		unsigned long i = strtoul(v, &end, 10);

		v = (end != v && i < w->sst->n) ? w->sst->buf + w->sst->off[i] : "";
	} else if (strcmp(w->type, "b") == 0) {
		v = strcmp(v, "1") == 0 ? "TRUE" : strcmp(v, "0") == 0 ? "FALSE" : v;
	} else if (w->xf >= 0 && strcmp(w->type, "n") == 0) {
		const char *code = styles_code(w->styles, (unsigned long)w->xf);

		if (code && ooxml_numfmt_apply(code, v, shown, sizeof(shown)))
			v = shown;
	}
	if (*v == '\0')
		return 0;
	tabs = w->last_col < 0 ? w->col : w->col - w->last_col;
	if (tabs < 0 || (tabs == 0 && w->last_col >= 0))
		tabs = 1;	/* out of order: still a separator */
	for (; tabs > 0; tabs--)
		if (textbuf_putc(w->out, '\t') != 0)
			return -1;
	w->last_col = w->col;
	w->row_content = true;
	return put_value(w->out, v);
}

/* Copy v[0..n) into buf (cut to its size), NUL-terminated. */
static void
attr_copy(char *buf, size_t size, const char *v, size_t n)
{
	n = n < size - 1 ? n : size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
}

/* A cell's r, t and s: the first of each, as zipxml_attr takes it (an
 * empty value counts as none), of any namespace. */
struct cell_attrs {
	char r[16], s[16];
	size_t rn, tn, sn;
	bool got_r, got_t, got_s;
};

static void
cell_attr(struct sheetw *w, struct cell_attrs *c, const char *a, const char *v, size_t len)
{
	if (a[0] == '\0' || a[1] != '\0')
		return;
	if (a[0] == 'r' && !c->got_r) {
		attr_copy(c->r, sizeof(c->r), v, len);
		c->rn = len;
		c->got_r = true;
	} else if (a[0] == 't' && !c->got_t) {
		attr_copy(w->type, sizeof(w->type), v, len);
		c->tn = len;
		c->got_t = true;
	} else if (a[0] == 's' && !c->got_s) {
		attr_copy(c->s, sizeof(c->s), v, len);
		c->sn = len;
		c->got_s = true;
	}
}

static void
cell_begin(struct sheetw *w, const struct cell_attrs *c, bool empty)
{
	w->col = c->rn ? ref_col(c->r) : -1;
	if (w->col < 0)
		w->col = w->prev_col + 1 > SHEET_MAX_COL ? SHEET_MAX_COL : w->prev_col + 1;
	if (c->tn == 0)
		snprintf(w->type, sizeof(w->type), "n");
	w->xf = w->styles && c->sn ? strtol(c->s, NULL, 10) : -1;
	w->val.len = 0;
	w->in_v = w->in_t = 0;
	w->in_is = false;
	w->in_c = !empty;
	if (empty)
		w->prev_col = w->col;
}

static void
cell_start(struct sheetw *w, bool empty)
{
	struct cell_attrs c = { .rn = 0 };

	/* r, t and s in one pass over the attributes */
	for (size_t i = 0, n = zipxml_nattr(w->x); i < n; i++) {
		const char *v;
		size_t len;
		const char *a = zipxml_attr_at(w->x, i, &v, &len);

		cell_attr(w, &c, a, v, len);
	}
	cell_begin(w, &c, empty);
}

/* n is the name lit (its first byte tried first: most elements are told
 * apart by it, without a call). */
#define NAME_IS(n, lit) ((n)[0] == (lit)[0] && strcmp((n), (lit)) == 0)

static int
sheet_element(struct sheetw *w, const char *n, bool *skip)
{
	bool empty = zipxml_empty(w->x);

	if (NAME_IS(n, "row")) {
		w->last_col = w->prev_col = -1;
		w->row_content = false;
	} else if (NAME_IS(n, "c")) {
		cell_start(w, empty);
	} else if (!w->in_c || empty) {
		return 0;
	} else if (NAME_IS(n, "v")) {
		w->in_v++;
	} else if (NAME_IS(n, "is")) {
		w->in_is = true;
	} else if (NAME_IS(n, "t") && w->in_is) {
		w->in_t++;
	} else if (NAME_IS(n, "f") || NAME_IS(n, "rPh") || NAME_IS(n, "extLst")) {
		*skip = true;
	}
	return 0;
}

/* One node; -1 once out is full. */
static int
sheet_node(struct sheetw *w, bool *skip)
{
	int type = zipxml_type(w->x);
	const char *n = zipxml_name(w->x);
	const char *v;

	switch (type) {
	case XML_READER_TYPE_ELEMENT:
		return sheet_element(w, n, skip);
	case XML_READER_TYPE_END_ELEMENT:
		if (NAME_IS(n, "v") && w->in_v > 0)
			w->in_v--;
		else if (NAME_IS(n, "t") && w->in_t > 0)
			w->in_t--;
		else if (NAME_IS(n, "is"))
			w->in_is = false;
		else if (NAME_IS(n, "c") && w->in_c)
			return cell_end(w);
		else if (NAME_IS(n, "row") && w->row_content) {
			w->row_content = false;
			return textbuf_putc(w->out, '\n');
		}
		return 0;
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		if ((w->in_v || w->in_t) && (v = zipxml_value(w->x)) != NULL &&
		    textbuf_append(&w->val, (const char *)v, zipxml_value_len(w->x)) != 0 &&
		    !w->val.truncated)
			return -1;	/* ENOMEM; an over-long value is cut */
		return 0;
	default:
		return 0;
	}
}

static int
sheet_walk_node(struct zipxml *x, void *ctx, bool *skip)
{
	struct sheetw *w = ctx;

	w->x = x;
	return sheet_node(w, skip) != 0 ? 1 : 0;	/* 1: out is full */
}

/* ---- a UTF-8 worksheet from the tokenizer's events ----
 *
 * The worksheet is most of an xlsx, and most of it is markup: a cell is
 * three elements for a few bytes of value.  So a UTF-8 sheet (every
 * writer's) takes the tokenizer's events as they come (zipxml_walk_tok),
 * without the held event and node of zipxml_direct.c, and reads them
 * exactly as sheet_node reads the nodes of the same sheet through libxml2
 * (an encoding other than UTF-8): what the node walk learns from the
 * lookahead is learnt here after the fact, cheaply, because the sheet
 * needs so little of it.  An element whose end comes next is empty: its
 * start's effect on the cell is undone (enum sheet_last), its end not
 * read.  A run of text that is only white space outside
 * xml:space="preserve" is the reader's ignorable white space: it is
 * appended as it comes and taken back when the run ends so. */

/* The run of text, if any, ends here (a tag). */
static void
run_end(struct sheetw *w)
{
	if (!w->run)
		return;
	w->run = false;
	if (w->run_ws && !w->run_keep) {
		w->val.len = w->run0;
		if (w->val.buf)
			w->val.buf[w->val.len] = '\0';
		w->val.truncated = w->trunc0;
	}
}

static bool
all_ws(const unsigned char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

static void
tok_start(void *ctx, const unsigned char *local, const unsigned char *prefix,
    const unsigned char *uri, int nns, const unsigned char **nss, int nattr, int ndef,
    const unsigned char **attrs)
{
	struct sheetw *w = ctx;
	const char *n = (const char *)local;
	unsigned d = w->depth;

	run_end(w);
	w->space[d + 1 <= ZXT_MAX_DEPTH ? d + 1 : ZXT_MAX_DEPTH] =
	    zipxml_space(d > 0 && w->space[d], nattr, attrs);
	w->depth = d + 1;
	w->fresh = true;
	w->last = SL_NONE;
	if (w->skipping)
		return;
	if (NAME_IS(n, "row")) {
		w->last_col = w->prev_col = -1;
		w->row_content = false;
	} else if (NAME_IS(n, "c")) {
		struct cell_attrs c = { .rn = 0 };

		for (int i = 0; i < nattr; i++, attrs += 5)
			cell_attr(w, &c, (const char *)attrs[0], (const char *)attrs[3],
			    (size_t)(attrs[4] - attrs[3]));
		cell_begin(w, &c, false);
		w->last = SL_CELL;
	} else if (!w->in_c) {
		return;
	} else if (NAME_IS(n, "v")) {
		w->in_v++;
		w->last = SL_V;
	} else if (NAME_IS(n, "is")) {
		w->is_before = w->in_is;
		w->in_is = true;
		w->last = SL_IS;
	} else if (NAME_IS(n, "t") && w->in_is) {
		w->in_t++;
		w->last = SL_T;
	} else if (NAME_IS(n, "f") || NAME_IS(n, "rPh") || NAME_IS(n, "extLst")) {
		w->skipping = true;
		w->skip_depth = d;
	}
}

static void
tok_end(void *ctx, const unsigned char *local, const unsigned char *prefix,
    const unsigned char *uri)
{
	struct sheetw *w = ctx;
	const char *n = (const char *)local;
	bool fresh = w->fresh;

	run_end(w);
	w->fresh = false;
	if (w->depth > 0)
		w->depth--;
	if (w->skipping) {
		if (w->depth == w->skip_depth)
			w->skipping = false;
		return;
	}
	if (fresh) {		/* empty: the reader's one node, no end */
		switch (w->last) {
		case SL_CELL:
			w->in_c = false;
			w->prev_col = w->col;
			break;
		case SL_V:
			w->in_v--;
			break;
		case SL_IS:
			w->in_is = w->is_before;
			break;
		case SL_T:
			w->in_t--;
			break;
		case SL_NONE:
			break;
		}
		return;
	}
	if (NAME_IS(n, "v") && w->in_v > 0) {
		w->in_v--;
	} else if (NAME_IS(n, "t") && w->in_t > 0) {
		w->in_t--;
	} else if (NAME_IS(n, "is")) {
		w->in_is = false;
	} else if (NAME_IS(n, "c") && w->in_c) {
		if (cell_end(w) != 0)
			w->stop = true;
	} else if (NAME_IS(n, "row") && w->row_content) {
		w->row_content = false;
		if (textbuf_putc(w->out, '\n') != 0)
			w->stop = true;
	}
}

static void
tok_text(void *ctx, const unsigned char *s, int n)
{
	struct sheetw *w = ctx;

	if (n <= 0)
		return;
	w->fresh = false;
	if (w->skipping || !(w->in_v || w->in_t))
		return;
	if (!w->run) {
		w->run = w->run_ws = true;
		w->run_keep = w->depth > 0 && w->space[w->depth <= ZXT_MAX_DEPTH ? w->depth :
		    ZXT_MAX_DEPTH];
		w->run0 = w->val.len;
		w->trunc0 = w->val.truncated;
	}
	if (w->run_ws && !all_ws(s, n))
		w->run_ws = false;
	if (textbuf_append(&w->val, (const char *)s, (size_t)n) != 0 && !w->val.truncated)
		w->stop = true;		/* ENOMEM; an over-long value is cut */
}

static bool
tok_stopped(void *ctx)
{
	return ((struct sheetw *)ctx)->stop;
}

static const struct zxtok_cb sheet_tok = {
	.start = tok_start, .end = tok_end, .text = tok_text, .stopped = tok_stopped,
};

int
ooxml_sheet_text(struct zipread *zr, const struct zipread_entry *e,
    const struct ooxml_sst *t, const struct ooxml_styles *st, struct textbuf *out, char *why,
    size_t whylen)
{
	struct sheetw w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.sst = t;
	w.styles = st && st->nxf ? st : NULL;
	w.out = out;
	w.val.max = out->max;
	w.last_col = w.prev_col = -1;
	ret = zipxml_walk_tok(zr, e, &sheet_tok, sheet_walk_node, &w, why, whylen);
	textbuf_free(&w.val);
	return ret;
}
