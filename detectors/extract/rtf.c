/*
 * rtf.c — the text of an RTF document.
 *
 * Read: the document text with \par, \line, \sect, \page, \row → newline
 * and \tab, \cell → tab; \'hh escapes decoded in the code page of the
 * current font (its \fcharset or \cpg in the font table: 128 → CP932 …)
 * or else the document's \ansicpg (932 → CP932, default 1252); a CP932
 * lead byte escaped and its trail byte written literally is joined; \uN
 * escapes (negative N as N+65536, surrogate pairs joined) with the \ucN
 * fallback characters skipped; typographic control words (\emdash,
 * \lquote …) as their characters; field instructions (HYPERLINK
 * "mailto:…") with the text.
 * Not read: groups marked ignorable ({\* …}) and the destinations that hold
 * no document text — font, colour, style, list and revision tables, \info,
 * \pict and \objdata (pictures and embedded objects), themes, data stores;
 * \binN data is skipped.
 * Bounds: group nesting deeper than RTF_MAX_DEPTH stops the reading (the
 * part is unscanned, the text read so far still scanned); text up to
 * max_text_bytes; time checked every 64 KB.  A document that ends with
 * groups still open is read but unscanned "truncated rtf"; one with binary
 * bytes in its text is unscanned "corrupt rtf".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "text/charset.h"
#include "extract/extract.h"

#define RTF_MAX_DEPTH	256
#define RTF_MAX_FONTS	512
#define RTF_PEND	64		/* \'hh bytes converted together */

struct rtf_state {
	unsigned uc;			/* \ucN: fallback characters after \uN */
	int font;			/* \fN, -1 = none */
	bool skip;			/* destination without text */
	bool fonttbl;			/* inside the font table */
};

struct rtf_font {
	int num;
	unsigned cp;
};

struct rtf {
	struct inspect *in;
	struct textbuf *out;
	const unsigned char *p, *end;
	struct rtf_state st[RTF_MAX_DEPTH + 1];
	int depth;
	bool group_start;		/* just after '{': a destination may follow */
	bool star;			/* \* seen at the start of this group */
	unsigned ansicpg;
	int deff;
	struct rtf_font fonts[RTF_MAX_FONTS];
	int nfonts;
	unsigned char pend[RTF_PEND];
	size_t npend;
	unsigned pend_cp;
	unsigned skip_chars;		/* \uN fallback still to skip */
	unsigned hi;			/* pending high surrogate */
	size_t binary;			/* stray control bytes in text */
	bool full, deep;
};

/* Destinations that hold no document text. */
static const char *const skip_dest[] = {
	"colortbl", "stylesheet", "info", "pict", "objdata", "datafield", "themedata",
	"colorschememapping", "latentstyles", "datastore", "xmlnstbl", "listtable",
	"listoverridetable", "rsidtbl", "generator", "filetbl", "revtbl", "pgdsctbl",
	"nonshppict", "bkmkstart", "bkmkend", "mmathPr", "fontemb", "fontfile",
	"private", "userprops", "blipuid", "panose", "falt", "template", "docvar",
	"pntext", "pntxta", "pntxtb", "listtext", "objclass", "objname", "wgrffmtfilter",
	"passwordhash", "protusertbl", "defchp", "defpap", "xmlopen", "xmlattrname",
	"xmlattrvalue", "factoidname", "atrfstart", "atrfend", "atnid", "atnauthor",
	NULL,
};

static void
put_utf8(struct rtf *r, const char *s, size_t n)
{
	if (!r->full && textbuf_append(r->out, s, n) < 0)
		r->full = true;
}

static void
put_cp(struct rtf *r, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp == 0)
		return;
	/* utf8proc writes the UTF-8 form; 0 bytes for a code point that is none */
	if ((n = (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)b)) == 0)
		return;
	put_utf8(r, b, n);
}

/* Convert the pending code page bytes. */
static void
flush(struct rtf *r)
{
	char name[16];
	size_t n;
	char *t;

	if (r->npend == 0)
		return;
	snprintf(name, sizeof(name), "CP%u", r->pend_cp);
	t = charset_to_utf8(r->pend, r->npend, name, RTF_PEND * 4, &n, NULL);
	if (t != NULL)
		put_utf8(r, t, n);
	else
		r->full = true;
	free(t);
	r->npend = 0;
}

static void
put_unit(struct rtf *r, unsigned cu)
{
	flush(r);
	if (cu >= 0xD800 && cu <= 0xDBFF) {
		if (r->hi)
			put_cp(r, 0xFFFD);
		r->hi = cu;
		return;
	}
	if (cu >= 0xDC00 && cu <= 0xDFFF) {
		put_cp(r, r->hi ? 0x10000 + ((r->hi - 0xD800) << 10) + (cu - 0xDC00) : 0xFFFD);
		r->hi = 0;
		return;
	}
	if (r->hi)
		put_cp(r, 0xFFFD);
	r->hi = 0;
	put_cp(r, cu);
}

static unsigned
charset_cp(long charset, unsigned ansicpg)
{
	switch (charset) {
	case 0: return 1252;
	case 2: return 1252;		/* symbol */
	case 77: return 10000;
	case 128: return 932;
	case 129: return 949;
	case 134: return 936;
	case 136: return 950;
	case 161: return 1253;
	case 162: return 1254;
	case 177: return 1255;
	case 178: return 1256;
	case 186: return 1257;
	case 204: return 1251;
	case 222: return 874;
	case 238: return 1250;
	default: return ansicpg;
	}
}

/* Code page of the current font, or the document's. */
static unsigned
current_cp(const struct rtf *r)
{
	int f = r->st[r->depth].font;

	for (int i = 0; f >= 0 && i < r->nfonts; i++)
		if (r->fonts[i].num == f)
			return r->fonts[i].cp ? r->fonts[i].cp : r->ansicpg;
	return r->ansicpg;
}

static bool
dbcs_cp(unsigned cp)
{
	return cp == 932 || cp == 936 || cp == 949 || cp == 950;
}

/* A byte of the current code page (from \'hh or written literally). */
static void
put_byte(struct rtf *r, unsigned char b)
{
	unsigned cp = current_cp(r);

	if (r->npend > 0 && (cp != r->pend_cp || r->npend == RTF_PEND))
		flush(r);
	r->pend_cp = cp;
	r->pend[r->npend++] = b;
}

/* 1 when the pending bytes end with a lead byte waiting for its trail. */
static bool
lead_pending(const struct rtf *r)
{
	size_t i = 0;

	if (r->npend == 0 || !dbcs_cp(r->pend_cp))
		return false;
	while (i < r->npend) {
		unsigned char c = r->pend[i];
		bool lead = r->pend_cp == 932 ? (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC)
		    : c >= 0x81 && c <= 0xFE;
		if (!lead)
			i++;
		else if (i + 1 == r->npend)
			return true;
		else
			i += 2;
	}
	return false;
}

static void
fonttbl_word(struct rtf *r, const char *w, bool has, long n)
{
	if (strcmp(w, "f") == 0 && has && r->nfonts < RTF_MAX_FONTS)
		r->fonts[r->nfonts++] = (struct rtf_font){ (int)n, 0 };
	else if (strcmp(w, "fcharset") == 0 && has && r->nfonts > 0)
		r->fonts[r->nfonts - 1].cp = n == 1 ? 0 : charset_cp(n, 0);
	else if (strcmp(w, "cpg") == 0 && has && r->nfonts > 0 && n > 0 && n < 70000)
		r->fonts[r->nfonts - 1].cp = (unsigned)n;
}

/* Control words that stand for a character. */
static unsigned
word_char(const char *w)
{
	static const struct { const char *w; unsigned cp; } map[] = {
		{ "par", '\n' }, { "line", '\n' }, { "sect", '\n' }, { "page", '\n' },
		{ "row", '\n' }, { "nestrow", '\n' }, { "lbr", '\n' }, { "tab", '\t' },
		{ "cell", '\t' }, { "nestcell", '\t' }, { "emdash", 0x2014 },
		{ "endash", 0x2013 }, { "emspace", ' ' }, { "enspace", ' ' },
		{ "qmspace", ' ' }, { "bullet", 0x2022 }, { "lquote", 0x2018 },
		{ "rquote", 0x2019 }, { "ldblquote", 0x201C }, { "rdblquote", 0x201D },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(w, map[i].w) == 0)
			return map[i].cp;
	return 0;
}

static void
control_word(struct rtf *r, const char *w, bool has, long n)
{
	struct rtf_state *s = &r->st[r->depth];
	unsigned c;

	r->group_start = false;
	if (r->skip_chars > 0) {
		r->skip_chars--;
		return;
	}
	if (s->skip)
		return;
	if (s->fonttbl) {
		fonttbl_word(r, w, has, n);
		return;
	}
	for (size_t i = 0; skip_dest[i] != NULL; i++)
		if (strcmp(w, skip_dest[i]) == 0) {
			flush(r);
			s->skip = true;
			return;
		}
	if ((c = word_char(w)) != 0) {
		put_unit(r, c);
	} else if (strcmp(w, "fonttbl") == 0) {
		s->fonttbl = true;
	} else if (strcmp(w, "u") == 0 && has) {
		put_unit(r, (unsigned)(n < 0 ? n + 65536 : n) & 0xFFFF);
		r->skip_chars = s->uc;
	} else if (strcmp(w, "uc") == 0 && has) {
		s->uc = n >= 0 && n < 16 ? (unsigned)n : 1;
	} else if (strcmp(w, "ansicpg") == 0 && has && n > 0 && n < 70000) {
		r->ansicpg = (unsigned)n;
	} else if (strcmp(w, "deff") == 0 && has) {
		r->deff = (int)n;
	} else if (strcmp(w, "f") == 0 && has) {
		s->font = (int)n;
	} else if (strcmp(w, "plain") == 0) {
		s->font = r->deff;
	}
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A literal character of the text (or the operand of \\ \{ \}). */
static void
text_char(struct rtf *r, unsigned char c)
{
	const struct rtf_state *s = &r->st[r->depth];

	r->group_start = false;
	if (r->skip_chars > 0) {
		r->skip_chars--;
		return;
	}
	if (s->skip || s->fonttbl)
		return;
	if (c < 0x20 && c != '\t') {
		r->binary++;
		return;
	}
	if (c >= 0x80 || (c >= 0x40 && lead_pending(r)))
		put_byte(r, c);
	else
		put_unit(r, c);
}

/* After a backslash: a control word, symbol or \'hh. */
static void
control(struct rtf *r)
{
	const unsigned char *p = r->p + 1, *end = r->end;
	char w[33];
	size_t wl = 0;

	if (p >= end) {
		r->p = p;
		return;
	}
	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
		bool has = false, neg = false;
		long n = 0;
		while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			if (wl < sizeof(w) - 1)
				w[wl++] = (char)*p;
			p++;
		}
		w[wl] = '\0';
		if (p < end && *p == '-' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
			neg = true;
			p++;
		}
		for (int k = 0; p < end && *p >= '0' && *p <= '9'; p++, k++)
			if (k < 10) {
				n = n * 10 + (*p - '0');
				has = true;
			}
		if (neg)
			n = -n;
		if (p < end && *p == ' ')
			p++;
		r->p = p;
		if (strcmp(w, "bin") == 0 && has && n > 0) {
			r->p = (size_t)n < (size_t)(end - p) ? p + n : end;
			return;
		}
		control_word(r, w, has, n);
		return;
	}
	r->p = p + 1;
	switch (*p) {
	case '\'':
		if (p + 2 < end && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			r->p = p + 3;
			r->group_start = false;
			if (r->skip_chars > 0)
				r->skip_chars--;
			else if (!r->st[r->depth].skip && !r->st[r->depth].fonttbl)
				put_byte(r, (unsigned char)(hexval(p[1]) << 4 | hexval(p[2])));
		}
		return;
	case '\\': case '{': case '}':
		text_char(r, *p);
		return;
	case '*':
		if (r->group_start)
			r->st[r->depth].skip = true;
		return;
	case '~':
		text_char(r, ' ');
		return;
	case '_':
		text_char(r, '-');
		return;
	case '\r': case '\n':
		control_word(r, "par", false, 0);
		return;
	default:			/* \- \| \: and the like */
		control_word(r, "", false, 0);
		return;
	}
}

/* Read the whole document.  Returns the open group count at the end. */
static int
rtf_run(struct rtf *r)
{
	unsigned long steps = 0;

	while (r->p < r->end && !r->full) {
		unsigned char c = *r->p;
		if ((++steps & 0xFFFF) == 0 && inspect_out_of_time(r->in))
			return -1;
		if (c == '{') {
			flush(r);
			if (r->depth == RTF_MAX_DEPTH) {
				r->deep = true;
				return -1;
			}
			r->st[r->depth + 1] = r->st[r->depth];
			r->depth++;
			r->group_start = true;
			r->skip_chars = 0;
			r->p++;
		} else if (c == '}') {
			flush(r);
			r->skip_chars = 0;
			r->group_start = false;
			r->p++;
			if (r->depth > 0 && --r->depth == 0)
				return 0;	/* end of the document */
		} else if (c == '\\') {
			control(r);
		} else if (c == '\r' || c == '\n') {
			r->p++;
		} else {
			text_char(r, c);
			r->p++;
		}
	}
	return r->depth;
}

static const unsigned char *
rtf_start(const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *end = data + len;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end && (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t'))
		p++;
	return end - p >= 5 && memcmp(p, "{\\rtf", 5) == 0 ? p : NULL;
}

static int
rtf_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	if (mime != NULL && (strcmp(mime, "text/rtf") == 0 || strcmp(mime, "application/rtf") == 0))
		return 1;
	return rtf_start(data, len) != NULL;
}

static int
rtf_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	struct rtf *r = calloc(1, sizeof(*r));
	int open, rc = -1;

	if (r == NULL) {
		inspect_unscanned(in, idx, "out of memory");
		return -1;
	}
	r->in = in;
	r->out = out;
	r->p = rtf_start(data, len);
	r->end = data + len;
	r->ansicpg = 1252;
	r->st[0] = (struct rtf_state){ .uc = 1, .font = -1 };
	if (r->p == NULL) {
		inspect_unscanned(in, idx, "corrupt rtf: no {\\rtf header");
		goto done;
	}
	open = rtf_run(r);
	flush(r);
	if (r->hi)
		put_cp(r, 0xFFFD);
	if (r->deep)
		inspect_unscanned(in, idx, "rtf nested deeper than %d groups", RTF_MAX_DEPTH);
	else if (open < 0)
		inspect_unscanned(in, idx, "time budget exceeded in rtf");
	else if (r->binary > 16 && r->binary * 100 > len)
		inspect_unscanned(in, idx, "corrupt rtf: %zu binary bytes in its text", r->binary);
	else if (open > 0 && !r->full)
		inspect_unscanned(in, idx, "truncated rtf: %d groups not closed", open);
	else
		rc = 0;
done:
	free(r);
	return rc;
}

const struct extractor extract_rtf = {
	.name = "rtf",
	.accepts = rtf_accepts,
	.extract = rtf_extract,
};
