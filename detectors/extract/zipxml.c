/*
 * zipxml.c — bounded XML reading of archive members and the table-driven
 * markup-to-text walk (see zipxml.h).
 *
 * Read: elements, attributes asked for, text and CDATA.  Not read: DTDs
 * (a part with a DOCTYPE or an entity reference is refused), processing
 * instructions, comments, anything outside the rules given.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "extract/extract.h"
#include "extract/zipxml.h"

#define ZX_MAX_REPEAT 16384u	/* columns a repeated cell may stand for */
#define ZX_MAX_SPACES 16u	/* spaces written for one text:s */
#define ZX_STACK 16		/* nested cells whose repeat count is kept */

/* DOCTYPE guard over the prolog: skips NUL bytes so UTF-16 is seen too. */
enum { G_SCAN, G_LT, G_BANG, G_DONE };

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void
xml_init(void)
{
	xmlInitParser();
}

/* Scan the prolog bytes; -1 on "<!" not starting a comment (a DOCTYPE). */
static int
guard_scan(struct zipxml *x, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n && x->guard != G_DONE; i++) {
		unsigned char c = p[i];

		if (c == 0)
			continue;
		switch (x->guard) {
		case G_SCAN:
			if (c == '<')
				x->guard = G_LT;
			break;
		case G_LT:
			x->guard = c == '!' ? G_BANG : c == '?' ? G_SCAN : G_DONE;
			break;
		case G_BANG:
			if (c != '-')
				return -1;
			x->guard = G_SCAN;
			break;
		}
	}
	return 0;
}

static int
xml_read(void *ctx, char *buf, int len)
{
	struct zipxml *x = ctx;
	long r;

	if (len <= 0)
		return 0;
	r = zipread_stream_read(&x->st, buf, (size_t)len);
	if (r < 0)
		return -1;
	if (x->guard != G_DONE && guard_scan(x, (const unsigned char *)buf, (size_t)r) != 0) {
		x->refused = true;
		snprintf(x->st.why, sizeof(x->st.why), "XML with a DTD, refused");
		return -1;
	}
	return (int)r;
}

/* Keep libxml2's first error as the reason; nothing goes to stderr. */
static void
xml_error(void *arg, xmlErrorPtr err)
{
	struct zipxml *x = arg;
	size_t n;

	if (err == NULL || err->level < XML_ERR_ERROR || x->why[0] != '\0')
		return;
	snprintf(x->why, sizeof(x->why), "XML error line %d: %s", err->line,
	    err->message ? err->message : "?");
	for (char *p = x->why; *p; p++)	/* one line */
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	n = strlen(x->why);
	while (n > 0 && x->why[n - 1] == ' ')
		x->why[--n] = '\0';
}

int
zipxml_open(struct zipxml *x, struct zipread *zr, const struct zipread_entry *e)
{
	memset(x, 0, sizeof(*x));
	pthread_once(&xml_once, xml_init);
	if (zipread_check(zr, e, true, x->why, sizeof(x->why)) != 0)
		return -1;
	if (zipread_stream_open(&x->st, zr, e) != 0) {
		snprintf(x->why, sizeof(x->why), "%s", x->st.why);
		return -1;
	}
	x->r = xmlReaderForIO(xml_read, NULL, x, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	if (x->r == NULL) {
		snprintf(x->why, sizeof(x->why), "%s",
		    x->st.why[0] ? x->st.why : "cannot start the XML reader");
		zipread_stream_close(&x->st);
		return -1;
	}
	xmlTextReaderSetStructuredErrorHandler(x->r, xml_error, x);
	return 0;
}

int
zipxml_next(struct zipxml *x, bool skip)
{
	int ret, t;

	ret = skip ? xmlTextReaderNext(x->r) : xmlTextReaderRead(x->r);
	if (ret < 0) {
		if (x->st.why[0] != '\0')	/* our limit or I/O reason first */
			snprintf(x->why, sizeof(x->why), "%s", x->st.why);
		else if (x->why[0] == '\0')
			snprintf(x->why, sizeof(x->why), "XML error");
		return -1;
	}
	if (ret == 0)
		return 0;
	t = xmlTextReaderNodeType(x->r);
	if (t == XML_READER_TYPE_DOCUMENT_TYPE || t == XML_READER_TYPE_ENTITY_REFERENCE ||
	    t == XML_READER_TYPE_ENTITY) {
		x->refused = true;
		snprintf(x->why, sizeof(x->why), "XML with a DTD or entities, refused");
		return -1;
	}
	return 1;
}

void
zipxml_close(struct zipxml *x)
{
	if (x == NULL)
		return;
	if (x->r != NULL)
		xmlFreeTextReader(x->r);
	x->r = NULL;
	zipread_stream_close(&x->st);
}

const char *
zipxml_name(struct zipxml *x)
{
	const xmlChar *n = xmlTextReaderConstLocalName(x->r);

	return n ? (const char *)n : "";
}

size_t
zipxml_attr(struct zipxml *x, const char *local, char *buf, size_t buflen)
{
	size_t n = 0;

	buf[0] = '\0';
	if (xmlTextReaderMoveToFirstAttribute(x->r) != 1)
		return 0;
	do {
		const xmlChar *k = xmlTextReaderConstLocalName(x->r);
		const xmlChar *v;

		if (k == NULL || strcmp((const char *)k, local) != 0)
			continue;
		v = xmlTextReaderConstValue(x->r);
		if (v != NULL) {
			n = strnlen((const char *)v, buflen - 1);
			memcpy(buf, v, n);
			buf[n] = '\0';
		}
		break;
	} while (xmlTextReaderMoveToNextAttribute(x->r) == 1);
	xmlTextReaderMoveToElement(x->r);
	return n;
}

int
zipxml_sep(struct textbuf *out, char c)
{
	if (out->len == 0 || out->buf[out->len - 1] == c)
		return 0;
	return textbuf_putc(out, c);
}

/* State of one markup-to-text walk. */
struct walk {
	struct zipxml *x;
	const struct zxrule *rules;
	struct textbuf *out;
	unsigned text;		/* open ZX_TEXT elements */
	unsigned cell;		/* open cells */
	size_t tabs;		/* cell separators not written yet */
	bool ff;		/* a form feed not written yet */
	bool space;		/* a space between paragraphs of a cell not written yet */
	bool first_cell;	/* no cell started in the current row */
	bool row_content;	/* the current row has text */
	unsigned repeat[ZX_STACK]; /* repeat count of each open cell */
};

static const struct zxrule *
rule_find(struct walk *w)
{
	const char *name = zipxml_name(w->x);
	const xmlChar *ns = NULL;
	bool ns_read = false;

	for (const struct zxrule *r = w->rules; r->name != NULL; r++) {
		if (strcmp(r->name, name) != 0)
			continue;
		if (r->ns == NULL)
			return r;
		if (!ns_read) {
			ns = xmlTextReaderConstNamespaceUri(w->x->r);
			ns_read = true;
		}
		if (ns != NULL && strcmp((const char *)ns, r->ns) == 0)
			return r;
	}
	return NULL;
}

/* Write the pending separators, then s[0..n). */
static int
put(struct walk *w, const char *s, size_t n)
{
	if (w->ff) {
		w->ff = false;
		if (zipxml_sep(w->out, '\f') != 0)
			return -1;
	}
	for (; w->tabs > 0; w->tabs--)
		if (textbuf_putc(w->out, '\t') != 0)
			return -1;
	if (w->space) {
		w->space = false;
		if (textbuf_putc(w->out, ' ') != 0)
			return -1;
	}
	w->row_content = true;
	return textbuf_append(w->out, s, n);
}

/* The count attribute of rule r, bounded to 1..max. */
static unsigned
rule_count(struct walk *w, const struct zxrule *r, unsigned max)
{
	char v[24];
	unsigned long n;

	if (r->count == NULL || zipxml_attr(w->x, r->count, v, sizeof(v)) == 0)
		return 1;
	n = strtoul(v, NULL, 10);
	return n < 1 ? 1 : n > max ? max : (unsigned)n;
}

/* The end of an element with rule r (empty: it had no start of its own). */
static int
walk_end(struct walk *w, const struct zxrule *r, bool empty)
{
	switch (r->act) {
	case ZX_TEXT:
		if (!empty && w->text > 0)
			w->text--;
		return 0;
	case ZX_PARA:
		if (!empty && w->text > 0)
			w->text--;
		if (w->cell == 0)
			return textbuf_putc(w->out, '\n');
		w->space = true;	/* written only if more text follows in the cell */
		return 0;
	case ZX_CELL:
		w->space = false;
		if (w->cell > 0)
			w->cell--;
		if (w->cell < ZX_STACK)
			w->tabs += w->repeat[w->cell] - 1;
		if (w->tabs > ZX_MAX_REPEAT)
			w->tabs = ZX_MAX_REPEAT;
		return 0;
	case ZX_ROW:
		w->tabs = 0;
		w->first_cell = true;
		if (!w->row_content)
			return 0;
		w->row_content = false;
		return textbuf_putc(w->out, '\n');
	case ZX_TABLE:
		w->ff = w->out->len > 0;
		w->tabs = 0;
		return 0;
	default:
		return 0;
	}
}

static const char spaces[ZX_MAX_SPACES + 1] = "                ";

/* The start of an element with rule r; *skip set for ZX_SKIP. */
static int
walk_start(struct walk *w, const struct zxrule *r, bool empty, bool *skip)
{
	int rc = 0;

	switch (r->act) {
	case ZX_TEXT:
	case ZX_PARA:
		w->text += !empty;
		break;
	case ZX_SKIP:
		*skip = true;
		return 0;
	case ZX_TAB:
		rc = put(w, "\t", 1);
		break;
	case ZX_BREAK:
		rc = put(w, w->cell ? " " : "\n", 1);
		break;
	case ZX_SPACES:
	case ZX_NOTE:
		rc = put(w, spaces, r->act == ZX_NOTE ? 1 : rule_count(w, r, ZX_MAX_SPACES));
		break;
	case ZX_CELL:
		w->space = false;
		if (!w->first_cell)
			w->tabs++;
		w->first_cell = false;
		if (w->cell < ZX_STACK)
			w->repeat[w->cell] = rule_count(w, r, ZX_MAX_REPEAT);
		w->cell++;
		break;
	case ZX_ROW:
		w->tabs = 0;
		w->first_cell = true;
		w->row_content = false;
		break;
	case ZX_TABLE:
		w->ff = w->out->len > 0;
		break;
	default:
		break;
	}
	if (rc == 0 && empty)
		rc = walk_end(w, r, true);
	return rc;
}

/* One node; -1 once out is full. */
static int
walk_node(struct walk *w, bool *skip)
{
	const struct zxrule *r;
	const xmlChar *v;

	switch (xmlTextReaderNodeType(w->x->r)) {
	case XML_READER_TYPE_ELEMENT:
		r = rule_find(w);
		return r ? walk_start(w, r, xmlTextReaderIsEmptyElement(w->x->r) == 1, skip) : 0;
	case XML_READER_TYPE_END_ELEMENT:
		r = rule_find(w);
		return r ? walk_end(w, r, false) : 0;
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		if (w->text == 0 || (v = xmlTextReaderConstValue(w->x->r)) == NULL)
			return 0;
		return put(w, (const char *)v, strlen((const char *)v));
	default:
		return 0;
	}
}

int
zipxml_walk(struct zipread *zr, const struct zipread_entry *e,
    int (*node)(struct zipxml *x, void *ctx, bool *skip), void *ctx, char *why,
    size_t whylen)
{
	struct zipxml x;
	bool skip = false;
	int ret, rc = 0;

	if (zipxml_open(&x, zr, e) != 0) {
		snprintf(why, whylen, "%s: %s", e->name, x.why);
		return -1;
	}
	while (rc == 0 && (ret = zipxml_next(&x, skip)) == 1) {
		skip = false;
		rc = node(&x, ctx, &skip);
	}
	if (rc < 0 || (rc == 0 && ret < 0)) {
		snprintf(why, whylen, "%s: %s", e->name, x.why);
		rc = -1;
	}
	zipxml_close(&x);
	return rc < 0 ? -1 : 0;
}

static int
text_node(struct zipxml *x, void *ctx, bool *skip)
{
	struct walk *w = ctx;

	w->x = x;
	return walk_node(w, skip) != 0 ? 1 : 0;	/* 1: out is full */
}

int
zipxml_text(struct zipread *zr, const struct zipread_entry *e, const struct zxrule *rules,
    struct textbuf *out, char *why, size_t whylen)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	w.rules = rules;
	w.out = out;
	w.first_cell = true;
	return zipxml_walk(zr, e, text_node, &w, why, whylen);
}
