/*
 * xml.c — the text of an XML document (text/xml, application/xml;
 * the XML inside OOXML and ODF packages is their extractors' business).
 *
 * Read with libxml2's streaming xmlReader: text and CDATA nodes, attribute
 * values (not namespace declarations) and the literal values of the
 * internal entities declared in the DTD (so data put in an entity is seen
 * without expanding anything).  A leaf element's text ends with a tab, an
 * element holding elements ends with a newline: records come out one a
 * line, their fields split by tabs.
 * Safety: XML_PARSE_NONET, no entity substitution (no NOENT), no DTD
 * loading or validation: entity references are left as they are, so an
 * entity bomb ("billion laughs") costs its own size and an external
 * entity (file://, http://) is never read.  libxml2's own limits stay on
 * (no XML_PARSE_HUGE: depth 256, text nodes 10 MB).  Parser messages are
 * captured, never printed: the reader's structured handler, and for the
 * duration of the call this thread's libxml2 generic error function
 * (encoding errors bypass the reader), restored afterwards.
 * Encodings: the document's BOM or declaration; a declared Shift_JIS family
 * is read as CP932 (its superset), EUC-JP as EUC-JP-MS; with neither BOM
 * nor declaration, the MIME charset when there is one.
 * A document that does not parse to its end (truncated, not well-formed,
 * a byte invalid in its encoding — libxml2 often stops before delivering
 * any node) is read again as plain text, markup included (charset.h), and
 * marked unscanned "corrupt xml (read as plain text): <libxml2's first
 * error>": its text is matched all the same, and the policy learns that
 * its structure was broken.  An entity bomb is refused by libxml2 the same
 * way: its plain text is only its declarations.
 */
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "text/charset.h"
#include "extract/extract.h"

#define XML_DEPTH_BITS	1024		/* depths whose "has element child" is kept */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 wants one initialisation before threads use it. */
static void
xml_init_once(void)
{
	xmlInitParser();
}

struct xml {
	struct textbuf *out;
	bool full;
	char err[160];			/* libxml2's first error */
	unsigned char kids[XML_DEPTH_BITS / 8];
};

static void
put(struct xml *x, const char *s, size_t n)
{
	if (!x->full && textbuf_append(x->out, s, n) < 0)
		x->full = true;
}

/* A separator, unless the text already ends with whitespace. */
static void
sep(struct xml *x, char c)
{
	const struct textbuf *tb = x->out;

	if (tb->len == 0)
		return;
	char last = tb->buf[tb->len - 1];
	if (last == '\n' || (last == '\t' && c != '\n'))
		return;
	if (last == '\t' && c == '\n') {
		x->out->len--;		/* "a\t\n" → "a\n" */
		x->out->buf[x->out->len] = '\0';
	}
	put(x, &c, 1);
}

static void
kid_set(struct xml *x, int depth, bool v)
{
	if (depth < 0 || depth >= XML_DEPTH_BITS)
		return;
	if (v)
		x->kids[depth / 8] |= (unsigned char)(1u << (depth % 8));
	else
		x->kids[depth / 8] &= (unsigned char)~(1u << (depth % 8));
}

static bool
kid_get(const struct xml *x, int depth)
{
	return depth >= 0 && depth < XML_DEPTH_BITS && (x->kids[depth / 8] >> (depth % 8)) & 1;
}

static void
xml_error(void *data, xmlErrorPtr e)
{
	struct xml *x = data;

	if (x->err[0] == '\0' && e != NULL && e->level >= XML_ERR_ERROR) {
		snprintf(x->err, sizeof(x->err), "line %d: %s", e->line,
		    e->message != NULL ? e->message : "error");
		x->err[strcspn(x->err, "\n")] = '\0';
	}
}

/* libxml2's messages that bypass the reader's handler (encoding errors go
 * to the thread's generic error function, by default stderr). */
static void
xml_generic(void *data, const char *fmt, ...)
{
	struct xml *x = data;
	va_list ap;

	if (x == NULL || x->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	x->err[strcspn(x->err, "\n")] = '\0';
}

static void
entity_value(void *payload, void *data, const xmlChar *name)
{
	xmlEntityPtr e = payload;
	struct xml *x = data;

	if (e != NULL && e->etype == XML_INTERNAL_GENERAL_ENTITY && e->content != NULL) {
		put(x, (const char *)e->content, strlen((const char *)e->content));
		put(x, "\n", 1);
	}
}

static void
element(struct xml *x, xmlTextReaderPtr r)
{
	int depth = xmlTextReaderDepth(r);
	bool empty = xmlTextReaderIsEmptyElement(r) == 1;

	kid_set(x, depth - 1, true);
	kid_set(x, depth, false);
	while (xmlTextReaderMoveToNextAttribute(r) == 1) {
		const char *name = (const char *)xmlTextReaderConstName(r);
		const char *v = (const char *)xmlTextReaderConstValue(r);
		if (name == NULL || v == NULL || strncmp(name, "xmlns", 5) == 0 || v[0] == '\0')
			continue;
		put(x, v, strlen(v));
		sep(x, '\t');
	}
	xmlTextReaderMoveToElement(r);
	if (empty)
		sep(x, '\t');
}

/* The encoding to impose, or NULL to let libxml2 read the document's. */
static const char *
xml_encoding(const unsigned char *d, size_t len, const char *charset)
{
	static const char *const sjis[] = { "shift_jis", "shift-jis", "sjis", "x-sjis",
		"windows-31j", "ms_kanji", "cp932", "x-ms-cp932", "csshiftjis", NULL };
	char enc[32] = "";
	size_t n = len < 256 ? len : 256;
	const unsigned char *p, *end = d + n;

	if (len >= 2 && (d[0] == 0xFE || d[0] == 0xFF || d[0] == 0xEF || d[0] == 0 || d[1] == 0))
		return NULL;			/* BOM or UTF-16/32: libxml2 knows */
	if (n >= 5 && memcmp(d, "<?xml", 5) == 0 &&
	    (p = memmem(d, n, "encoding", 8)) != NULL) {
		p += 8;
		while (p < end && (*p == ' ' || *p == '=' || *p == '"' || *p == '\''))
			p++;
		for (size_t i = 0; p < end && i < sizeof(enc) - 1 && *p != '"' && *p != '\''; i++)
			enc[i] = (char)*p++;
	} else if (charset != NULL) {
		snprintf(enc, sizeof(enc), "%s", charset);
	}
	for (size_t i = 0; sjis[i] != NULL; i++)
		if (strcasecmp(enc, sjis[i]) == 0)
			return "CP932";
	if (strcasecmp(enc, "euc-jp") == 0 || strcasecmp(enc, "x-euc-jp") == 0)
		return "EUC-JP-MS";
	if (enc[0] != '\0' && charset != NULL && strcasecmp(enc, charset) == 0)
		return charset;			/* no declaration: the MIME charset */
	return NULL;
}

/* A document libxml2 cannot read to its end (one stray byte in the wrong
 * encoding stops it, often before any node): replace what the reader gave
 * with the whole document as text, markup and all, so that nothing in it
 * goes unmatched. */
static void
xml_plain(struct textbuf *out, size_t start, const unsigned char *d, size_t len,
    const char *enc)
{
	size_t n;
	char *t;

	out->len = start;
	if (out->buf != NULL)
		out->buf[start] = '\0';
	t = charset_to_utf8(d, len, enc, out->max - start, &n, NULL);
	if (t != NULL)
		textbuf_append(out, t, n);
	free(t);
}

static int
xml_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return mime != NULL && (strcmp(mime, "text/xml") == 0 ||
	    strcmp(mime, "application/xml") == 0);
}

/* Walk the document.  Returns 1 at the end, 0 when stopped, -1 on error. */
static int
xml_walk(struct inspect *in, xmlTextReaderPtr r, struct xml *x)
{
	unsigned long nodes = 0;
	int ret;

	while (!x->full && (ret = xmlTextReaderRead(r)) == 1) {
		if ((++nodes & 1023) == 0 && inspect_out_of_time(in))
			return 0;
		switch (xmlTextReaderNodeType(r)) {
		case XML_READER_TYPE_ELEMENT:
			element(x, r);
			break;
		case XML_READER_TYPE_END_ELEMENT:
			sep(x, kid_get(x, xmlTextReaderDepth(r)) ? '\n' : '\t');
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA: {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			if (v != NULL)
				put(x, v, strlen(v));
			break;
		}
		case XML_READER_TYPE_DOCUMENT_TYPE: {
			xmlDtdPtr dtd = (xmlDtdPtr)xmlTextReaderCurrentNode(r);
			if (dtd != NULL && dtd->type == XML_DTD_NODE && dtd->entities != NULL)
				xmlHashScan(dtd->entities, entity_value, x);
			break;
		}
		}
	}
	return x->full ? 0 : ret == 0 ? 1 : -1;
}

static int
xml_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	struct xml *x = calloc(1, sizeof(*x));
	xmlTextReaderPtr r = NULL;
	xmlGenericErrorFunc old = NULL;
	void *oldctx = NULL;
	bool swapped = false;
	size_t start = 0;
	int rc = -1, walk;

	if (x == NULL || len > INT_MAX) {
		inspect_unscanned(in, idx, x == NULL ? "out of memory" : "xml over 2 GB");
		goto done;
	}
	x->out = out;
	start = out->len;
	pthread_once(&xml_once, xml_init_once);
	old = xmlGenericError;
	oldctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(x, xml_generic);
	swapped = true;
	r = xmlReaderForMemory((const char *)data, (int)len, NULL,
	    xml_encoding(data, len, charset), XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (r == NULL) {
		inspect_unscanned(in, idx, "corrupt xml: cannot start the parser");
		goto done;
	}
	xmlTextReaderSetStructuredErrorHandler(r, xml_error, x);
	walk = xml_walk(in, r, x);
	if (walk < 0) {
		inspect_unscanned(in, idx, "corrupt xml (read as plain text): %s",
		    x->err[0] ? x->err : "parse error");
		xml_plain(out, start, data, len, xml_encoding(data, len, charset));
	} else if (walk == 0 && !x->full)
		inspect_unscanned(in, idx, "time budget exceeded in xml");
	else
		rc = 0;
done:
	if (r != NULL)
		xmlFreeTextReader(r);
	if (swapped)
		xmlSetGenericErrorFunc(oldctx, old);	/* this thread's, as it was */
	free(x);
	return rc;
}

const struct extractor extract_xml = {
	.name = "xml",
	.accepts = xml_accepts,
	.extract = xml_extract,
};
