/*
 * ooxml.c — Office Open XML: .docx/.xlsx/.pptx and the macro and
 * template variants (.docm/.xlsm/.pptm …), by detected type (rows "docx",
 * "xlsx", "pptx"), and any zip whose [Content_Types].xml and main part say
 * it is one (row "ooxml": libmagic names only packages whose entries come
 * in Office's order, others are application/zip or octet-stream).
 *
 * Parts are chosen by their content type in [Content_Types].xml (by name
 * when that file is missing), read as streams (zipxml.h: no DTD, no
 * entities, bounded bytes and time) and turned into text:
 *  - word: the main document (body, tables, text boxes: w:txbxContent is
 *    inside it), headers, footers, footnotes, endnotes, comments.  w:t and
 *    w:delText are text, w:tab a tab, w:br/w:cr and paragraph ends line
 *    breaks; table cells are tab-separated, rows end lines, tables stand
 *    between form feeds; w:gridSpan stands for that many cells.  A text
 *    box in mc:AlternateContent is read once: the mc:Fallback only when
 *    its mc:Choice gave no text.  Ruby text (furigana) and field codes are
 *    skipped; hidden (w:vanish) text is read.
 *  - spreadsheet: shared strings (without their phonetic runs), every
 *    worksheet in name order: a row is a line, cells are tab-separated and
 *    placed by their reference (a cell boundary is always a separator, so
 *    adjacent cells never glue), values as written (shared or inline
 *    strings, numbers, cached formula results) except integers in a
 *    number format of digits and literals (xl/styles.xml), given as shown
 *    ("000-0000-0000": 090-1234-5678); sheets are separated by '\f', so a
 *    sheet's first line is its header row.  Hidden sheets, rows and
 *    columns are read like the others.  Legacy and threaded comments too.
 *  - presentation: slides and notes in name order (a:t, a:p line breaks,
 *    tables as above), legacy and modern comments.
 *  - embedded objects (any part under an "embeddings" folder): child parts,
 *    inspected by content.
 * Limits: each XML part counts as an archive member, streamed through the
 * XML reader as it inflates and never held whole, so it is bound by
 * max_ratio, max_expanded_bytes and the time budget but not by
 * max_member_bytes (a 10 MB .xlsx holds an 80 MB sheet); at most
 * max_members parts are read.  A part that fails (limit, corrupt
 * data, XML error, DTD) marks the package unscanned with the part's name
 * and reason, and the other parts are still read; a package with
 * zip-encrypted entries counts encrypted.
 * Not read: slide layouts and masters (templates), charts, SmartArt data,
 * document properties, VBA projects, number formats other than digits and
 * literals (a date is its serial).  Encrypted OOXML is an OLE2 file, not
 * handled here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract/extract.h"
#include "extract/ooxml_sheet.h"
#include "extract/zipread.h"
#include "extract/zipxml.h"

enum okind {
	OK_NONE, OK_WORD_MAIN, OK_WORD, OK_STYLES, OK_SST, OK_SHEET, OK_XLCOMMENT, OK_SLIDE, OK_NOTES,
	OK_PPTCOMMENT, OK_EMBED
};

/* A part to read, in reading order. */
struct opart {
	uint64_t index;
	enum okind kind;
	const char *name;	/* libzip's, valid while the archive is open */
};

/* [Content_Types].xml: defaults by extension, overrides by part name. */
struct ctypes {
	char **key;		/* "xml" or "/word/document.xml" (lower case) */
	char **type;		/* content type, lower case */
	size_t n, cap;
};

/* Markup compatibility: mc:AlternateContent holds an mc:Choice and an
 * mc:Fallback of the same content (a text box as DrawingML, then as VML). */
#define MC_NS "http://schemas.openxmlformats.org/markup-compatibility/2006"

static const struct zxrule word_rules[] = {
	{ "t", NULL, ZX_TEXT, NULL }, { "delText", NULL, ZX_TEXT, NULL },
	{ "tab", NULL, ZX_TAB, NULL }, { "br", NULL, ZX_BREAK, NULL },
	{ "cr", NULL, ZX_BREAK, NULL }, { "p", NULL, ZX_PARA, NULL },
	{ "tc", NULL, ZX_CELL, NULL }, { "tr", NULL, ZX_ROW, NULL },
	{ "tbl", NULL, ZX_TABLE, NULL }, { "pPr", NULL, ZX_SKIP, NULL },
	{ "rPr", NULL, ZX_SKIP, NULL }, { "tblPr", NULL, ZX_SKIP, NULL },
	{ "gridSpan", NULL, ZX_SPAN, "val" }, { "sectPr", NULL, ZX_SKIP, NULL },
	{ "instrText", NULL, ZX_SKIP, NULL }, { "rt", NULL, ZX_SKIP, NULL },
	{ "AlternateContent", MC_NS, ZX_ALT, NULL }, { "Fallback", MC_NS, ZX_FALLBACK, NULL },
	{ "tblGrid", NULL, ZX_SKIP, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct zxrule slide_rules[] = {
	{ "t", NULL, ZX_TEXT, NULL }, { "br", NULL, ZX_BREAK, NULL },
	{ "p", NULL, ZX_PARA, NULL }, { "tc", NULL, ZX_CELL, NULL },
	{ "tr", NULL, ZX_ROW, NULL }, { "tbl", NULL, ZX_TABLE, NULL },
	{ "pPr", NULL, ZX_SKIP, NULL }, { "rPr", NULL, ZX_SKIP, NULL },
	{ "endParaRPr", NULL, ZX_SKIP, NULL }, { "text", NULL, ZX_PARA, NULL },
	{ "AlternateContent", MC_NS, ZX_ALT, NULL }, { "Fallback", MC_NS, ZX_FALLBACK, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct zxrule xlcomment_rules[] = {
	{ "t", NULL, ZX_TEXT, NULL }, { "comment", NULL, ZX_PARA, NULL },
	{ "text", NULL, ZX_PARA, NULL },	/* threaded comments */
	{ "mentions", NULL, ZX_SKIP, NULL },
	{ "rPh", NULL, ZX_SKIP, NULL }, { "rPr", NULL, ZX_SKIP, NULL },
	{ "authors", NULL, ZX_SKIP, NULL }, { NULL, NULL, 0, NULL }
};

/* ---- which package is it ---- */

static int
ooxml_mime_kind(const char *mime)
{
	static const struct { const char *prefix; int kind; } map[] = {
		{ "application/vnd.openxmlformats-officedocument.wordprocessingml", 'w' },
		{ "application/vnd.openxmlformats-officedocument.spreadsheetml", 'x' },
		{ "application/vnd.openxmlformats-officedocument.presentationml", 'p' },
		{ "application/vnd.ms-word.document.macroenabled", 'w' },
		{ "application/vnd.ms-word.template.macroenabled", 'w' },
		{ "application/vnd.ms-excel.sheet.macroenabled", 'x' },
		{ "application/vnd.ms-excel.template.macroenabled", 'x' },
		{ "application/vnd.ms-powerpoint.presentation.macroenabled", 'p' },
		{ "application/vnd.ms-powerpoint.slideshow.macroenabled", 'p' },
		{ "application/vnd.ms-powerpoint.template.macroenabled", 'p' },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncasecmp(mime, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].kind;
	return 0;
}

/* The kind of a zip that libmagic did not name: an OPC package with
 * [Content_Types].xml and a Word, Excel or PowerPoint main part. */
static int
ooxml_peek_kind(const unsigned char *data, size_t len)
{
	static const struct { const char *part; int kind; } mains[] = {
		{ "word/document.xml", 'w' }, { "xl/workbook.xml", 'x' },
		{ "ppt/presentation.xml", 'p' },
	};
	struct zipread zr;
	char why[160];
	int kind = 0;

	if (len < 4 || memcmp(data, "PK\3\4", 4) != 0)
		return 0;
	if (zipread_open(&zr, NULL, 0, "zip", data, len, why, sizeof(why)) != 0)
		return 0;
	if (zipread_locate(&zr, "[Content_Types].xml") >= 0)
		for (size_t i = 0; i < sizeof(mains) / sizeof(mains[0]) && !kind; i++)
			if (zipread_locate(&zr, mains[i].part) >= 0)
				kind = mains[i].kind;
	zipread_close(&zr);
	return kind;
}

static int
docx_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return ooxml_mime_kind(mime) == 'w';
}

static int
xlsx_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return ooxml_mime_kind(mime) == 'x';
}

static int
pptx_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return ooxml_mime_kind(mime) == 'p';
}

/* A package libmagic did not name (one look at the central directory). */
static int
opc_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return (strcmp(mime, "application/zip") == 0 ||
	    strcmp(mime, "application/octet-stream") == 0) && ooxml_peek_kind(data, len) != 0;
}

/* ---- [Content_Types].xml ---- */

static void
ctypes_free(struct ctypes *ct)
{
	for (size_t i = 0; i < ct->n; i++) {
		free(ct->key[i]);
		free(ct->type[i]);
	}
	free(ct->key);
	free(ct->type);
	memset(ct, 0, sizeof(*ct));
}

static char *
lower_dup(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

/* Add key (an extension, or a part name starting with '/') → type. */
static int
ctypes_add(struct ctypes *ct, const char *key, const char *type)
{
	if (ct->n == ct->cap) {
		size_t cap = ct->cap ? ct->cap * 2 : 32;
		char **k = realloc(ct->key, cap * sizeof(*k)), **t;

		if (k == NULL)
			return -1;
		ct->key = k;
		t = realloc(ct->type, cap * sizeof(*t));
		if (t == NULL)
			return -1;
		ct->type = t;
		ct->cap = cap;
	}
	ct->key[ct->n] = lower_dup(key);
	ct->type[ct->n] = lower_dup(type);
	if (ct->key[ct->n] == NULL || ct->type[ct->n] == NULL) {
		free(ct->key[ct->n]);
		free(ct->type[ct->n]);
		return -1;
	}
	ct->n++;
	return 0;
}

static int
ctypes_node(struct zipxml *x, void *ctx, bool *skip)
{
	char key[512], type[256];
	const char *n = zipxml_name(x);
	bool def = strcmp(n, "Default") == 0;

	if (zipxml_type(x) != XML_READER_TYPE_ELEMENT ||
	    (!def && strcmp(n, "Override") != 0))
		return 0;
	if (zipxml_attr(x, def ? "Extension" : "PartName", key, sizeof(key)) == 0 ||
	    zipxml_attr(x, "ContentType", type, sizeof(type)) == 0)
		return 0;
	if (ctypes_add(ctx, key, type) != 0) {
		snprintf(x->why, sizeof(x->why), "out of memory");
		return -1;
	}
	return 0;
}

/* Read [Content_Types].xml.  Returns 0 (ct empty when there is none), or
 * -1 with why when it cannot be read. */
static int
ctypes_load(struct zipread *zr, struct ctypes *ct, char *why, size_t whylen)
{
	struct zipread_entry e;
	int64_t i = zipread_locate(zr, "[Content_Types].xml");

	memset(ct, 0, sizeof(*ct));
	if (i < 0)
		return 0;
	if (zipread_stat(zr, (uint64_t)i, &e) != 0) {
		snprintf(why, whylen, "[Content_Types].xml unreadable");
		return -1;
	}
	return zipxml_walk(zr, &e, ctypes_node, ct, why, whylen);
}

/* Content type of member name: its override, else its extension's default. */
static const char *
ctypes_of(const struct ctypes *ct, const char *name)
{
	const char *dot = strrchr(name, '.'), *def = NULL;

	for (size_t i = 0; i < ct->n; i++) {
		const char *k = ct->key[i];

		if (k[0] == '/' && strcasecmp(k + 1, name) == 0)
			return ct->type[i];
		if (k[0] != '/' && dot && strcasecmp(k, dot + 1) == 0)
			def = ct->type[i];
	}
	return def;
}

static bool
ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The kind of a part by its content type (lower case). */
static enum okind
kind_of_type(const char *t)
{
	if (strstr(t, "wordprocessingml.") || strstr(t, "ms-word.")) {
		if (ends(t, ".main+xml"))
			return OK_WORD_MAIN;
		if (ends(t, ".header+xml") || ends(t, ".footer+xml") || ends(t, ".footnotes+xml") ||
		    ends(t, ".endnotes+xml") || ends(t, ".comments+xml"))
			return OK_WORD;
	} else if (strstr(t, "spreadsheetml.")) {
		if (ends(t, ".worksheet+xml"))
			return OK_SHEET;
		if (ends(t, ".sharedstrings+xml"))
			return OK_SST;
		if (ends(t, ".styles+xml"))
			return OK_STYLES;
		if (ends(t, ".comments+xml"))
			return OK_XLCOMMENT;
	} else if (strcmp(t, "application/vnd.ms-excel.threadedcomments+xml") == 0) {
		return OK_XLCOMMENT;
	} else if (strcmp(t, "application/vnd.ms-powerpoint.comments+xml") == 0) {
		return OK_PPTCOMMENT;	/* modern comments (ppt/comments/modernComment_*.xml) */
	} else if (strstr(t, "presentationml.")) {
		if (ends(t, ".slide+xml"))
			return OK_SLIDE;
		if (ends(t, ".notesslide+xml"))
			return OK_NOTES;
		if (ends(t, ".comments+xml"))
			return OK_PPTCOMMENT;
	}
	return OK_NONE;
}

/* The kind of a part by its name, when there is no [Content_Types].xml. */
static enum okind
kind_of_name(const char *n)
{
	static const struct { const char *prefix; enum okind kind; } map[] = {
		{ "word/document", OK_WORD_MAIN }, { "word/header", OK_WORD },
		{ "word/footer", OK_WORD }, { "word/footnotes", OK_WORD },
		{ "word/endnotes", OK_WORD }, { "word/comments", OK_WORD },
		{ "xl/sharedStrings", OK_SST }, { "xl/worksheets/sheet", OK_SHEET },
		{ "xl/comments", OK_XLCOMMENT }, { "xl/threadedComments/", OK_XLCOMMENT },
		{ "xl/styles", OK_STYLES }, { "ppt/slides/slide", OK_SLIDE },
		{ "ppt/notesSlides/notesSlide", OK_NOTES }, { "ppt/comments/", OK_PPTCOMMENT },
	};

	if (!ends(n, ".xml"))
		return OK_NONE;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(n, map[i].prefix, strlen(map[i].prefix)) == 0 &&
		    !strchr(n + strlen(map[i].prefix), '/'))
			return map[i].kind;
	return OK_NONE;
}

static enum okind
part_kind(const struct ctypes *ct, const struct zipread_entry *e)
{
	const char *t;

	if (strstr(e->name, "/embeddings/") && !e->is_dir)
		return OK_EMBED;
	if (ct->n == 0)
		return kind_of_name(e->name);
	t = ctypes_of(ct, e->name);
	return t ? kind_of_type(t) : OK_NONE;
}

/* ---- reading the parts ---- */

/* strcmp with digit runs compared as numbers: sheet2 < sheet10. */
static int
natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			size_t na, nb;

			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			na = strspn(a, "0123456789");
			nb = strspn(b, "0123456789");
			if (na != nb)
				return na < nb ? -1 : 1;
			for (int c; na > 0; na--, a++, b++)
				if ((c = *a - *b) != 0)
					return c;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++, b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int
opart_cmp(const void *pa, const void *pb)
{
	const struct opart *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return natcmp(a->name, b->name);
}

/* The parts to read, sorted.  Returns the count, or -1 with why. */
static long
parts_list(struct zipread *zr, const struct ctypes *ct, struct opart **out, char *why,
    size_t whylen)
{
	struct opart *v = NULL;
	size_t n = 0, cap = 0;

	for (uint64_t i = 0; i < zr->n; i++) {
		struct zipread_entry e;
		enum okind k;

		if (zipread_stat(zr, i, &e) != 0 || e.is_dir || (k = part_kind(ct, &e)) == OK_NONE)
			continue;
		if (n == cap) {
			struct opart *p = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*p));

			if (p == NULL) {
				free(v);
				snprintf(why, whylen, "out of memory");
				return -1;
			}
			v = p;
		}
		v[n].index = i;
		v[n].kind = k;
		v[n++].name = e.name;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), opart_cmp);
	*out = v;
	return (long)n;
}

/* Read one part into out (or as a child part).  Returns 0, or -1 with why. */
static int
part_read(struct zipread *zr, const struct opart *p, struct ooxml_sst *sst,
    struct ooxml_styles *styles, bool *sheet_seen, unsigned depth, struct textbuf *out, char *why,
    size_t whylen)
{
	struct zipread_entry e;

	if (zipread_stat(zr, p->index, &e) != 0) {
		snprintf(why, whylen, "%s unreadable", p->name);
		return -1;
	}
	if (e.encryption != 0) {	/* not OOXML's own encryption (OLE2): zip's */
		inspect_encrypted(zr->in, zr->idx);
		return 0;
	}
	switch (p->kind) {
	case OK_SST:
		return sst->n || sst->len ? 0 : ooxml_sst_load(zr, &e, sst, why, whylen);
	case OK_STYLES:
		return styles->loaded ? 0 : ooxml_styles_load(zr, &e, styles, why, whylen);
	case OK_SHEET:
		if (*sheet_seen && zipxml_sep(out, '\f') != 0)
			return 0;
		*sheet_seen = true;
		return ooxml_sheet_text(zr, &e, sst, styles, out, why, whylen);
	case OK_EMBED:
		if (depth + 1 > zr->in->opt->limits.max_depth) {
			snprintf(why, whylen, "embedded object nested deeper than max_depth (%u)",
			    zr->in->opt->limits.max_depth);
			return -1;
		}
		return zipread_child(zr, &e, depth) == 0 ? 0 : 1;
	case OK_WORD_MAIN:
	case OK_WORD:
		zipxml_sep(out, '\n');
		return zipxml_text(zr, &e, word_rules, out, why, whylen);
	case OK_XLCOMMENT:
		zipxml_sep(out, '\f');
		return zipxml_text(zr, &e, xlcomment_rules, out, why, whylen);
	default:
		zipxml_sep(out, '\n');
		return zipxml_text(zr, &e, slide_rules, out, why, whylen);
	}
}

/* Read every part; the first failure marks the package unscanned, the
 * other parts are still read. */
static void
parts_read(struct zipread *zr, const struct opart *v, size_t n, unsigned depth,
    struct textbuf *out)
{
	struct inspect *in = zr->in;
	struct ooxml_sst sst;
	struct ooxml_styles styles;
	unsigned max = in->opt->limits.max_members;
	bool sheet_seen = false;
	char why[256];
	int rc;

	memset(&sst, 0, sizeof(sst));
	memset(&styles, 0, sizeof(styles));
	for (size_t i = 0; i < n && !out->truncated; i++) {
		if (i == max) {
			inspect_unscanned(in, zr->idx, "more than %u parts to read", max);
			break;
		}
		if (inspect_out_of_time(in)) {
			inspect_unscanned(in, zr->idx, "time budget exceeded");
			break;
		}
		why[0] = '\0';
		rc = part_read(zr, &v[i], &sst, &styles, &sheet_seen, depth, out, why, sizeof(why));
		if (rc > 0)
			break;	/* max_parts: marked by zipread_child */
		if (rc < 0)
			inspect_unscanned(in, zr->idx, "%s", why);
	}
	ooxml_sst_free(&sst);
	ooxml_styles_free(&styles);
}

static int
ooxml_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	const char *kind = in->res->parts[idx].extractor;
	struct zipread zr;
	struct ctypes ct;
	struct opart *v = NULL;
	char why[256];
	long n;

	kind = kind ? kind : "ooxml";
	if (zipread_open(&zr, in, idx, kind, data, len, why, sizeof(why)) != 0) {
		inspect_unscanned(in, idx, "corrupt %s: %s", kind, why);
		return -1;
	}
	if (ctypes_load(&zr, &ct, why, sizeof(why)) != 0)
		inspect_unscanned(in, idx, "%s", why);	/* parts are then found by name */
	n = parts_list(&zr, &ct, &v, why, sizeof(why));
	if (n < 0)
		inspect_unscanned(in, idx, "%s", why);
	else if (n == 0)
		inspect_unscanned(in, idx, "no %s text part found", kind);
	else
		parts_read(&zr, v, (size_t)n, depth, out);
	free(v);
	ctypes_free(&ct);
	zipread_close(&zr);
	return in->res->parts[idx].unscanned ? -1 : 0;
}

const struct extractor extract_docx = { "docx", docx_accepts, ooxml_extract };
const struct extractor extract_xlsx = { "xlsx", xlsx_accepts, ooxml_extract };
const struct extractor extract_pptx = { "pptx", pptx_accepts, ooxml_extract };
const struct extractor extract_ooxml = { "ooxml", opc_accepts, ooxml_extract };
