/*
 * html_text.c — HTML to text.  The document is converted to UTF-8 first
 * (charset.h: our aliases and U+FFFD) and parsed as UTF-8 with its own
 * encoding hints ignored; the tree is walked without recursion.  The
 * values of alt and title attributes are text too (a picture's
 * alternative text, a tooltip), outside script and style.
 */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "text/charset.h"
#include "extract/html_text.h"
#include "extract/extract.h"

#define META_WINDOW 4096	/* bytes searched for a meta charset */

/* Elements whose content is never shown. */
static const char *const hidden[] = { "script", "style", "template", "noembed", NULL };

/* Elements that stand on lines of their own. */
static const char *const blocks[] = {
	"address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
	"div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
	"h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li", "main", "nav", "ol",
	"option", "p", "pre", "section", "table", "tbody", "tfoot", "thead", "title", "tr",
	"ul", "select", "textarea", "summary", "details", NULL
};

struct walk {
	struct textbuf *out;
	unsigned pre;		/* inside <pre>/<textarea>: keep whitespace */
	bool space;		/* a collapsed space is pending */
	bool full;		/* out refused more text */
};

static bool
in_list(const char *const *list, const xmlChar *name)
{
	for (size_t i = 0; list[i]; i++)
		if (strcasecmp(list[i], (const char *)name) == 0)
			return true;
	return false;
}

static char
last_char(const struct walk *w)
{
	return w->out->len ? w->out->buf[w->out->len - 1] : '\n';
}

static void
put(struct walk *w, const char *s, size_t n)
{
	if (!w->full && textbuf_append(w->out, s, n) < 0)
		w->full = true;
}

/* A line break, unless the text already ends in one. */
static void
newline(struct walk *w)
{
	w->space = false;
	if (last_char(w) != '\n')
		put(w, "\n", 1);
}

/* Text content: runs of white space become one space (none at a line
 * start), except inside <pre>. */
static void
text(struct walk *w, const char *s)
{
	size_t i = 0, n = strlen(s);

	if (w->pre) {
		put(w, s, n);
		return;
	}
	while (i < n && !w->full) {
		size_t run = strcspn(s + i, " \t\r\n\f\v");

		if (run == 0) {
			w->space = true;
			i++;
			continue;
		}
		if (w->space && last_char(w) != '\n' && last_char(w) != '\t')
			put(w, " ", 1);
		w->space = false;
		put(w, s + i, run);
		i += run;
	}
}

/* Attributes whose values a reader sees (a picture's text, a tooltip). */
static const char *const shown_attrs[] = { "alt", "title", NULL };

/* The shown attribute values of element n, as text apart from what is
 * around them (entities are decoded by the parser). */
static void
attr_text(struct walk *w, xmlNode *n)
{
	for (size_t i = 0; shown_attrs[i] && !w->full; i++) {
		xmlChar *v = xmlGetProp(n, (const xmlChar *)shown_attrs[i]);

		if (v && *v) {
			w->space = true;
			text(w, (const char *)v);
			w->space = true;
		}
		xmlFree(v);
	}
}

/* Entering node n: returns true when its children are to be skipped. */
static bool
enter(struct walk *w, xmlNode *n)
{
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content)
			text(w, (const char *)n->content);
		return true;
	}
	if (n->type != XML_ELEMENT_NODE || !n->name)
		return true;
	if (in_list(hidden, n->name))
		return true;
	if (in_list(blocks, n->name))
		newline(w);
	if (n->properties)
		attr_text(w, n);
	if (strcasecmp((const char *)n->name, "pre") == 0 ||
	    strcasecmp((const char *)n->name, "textarea") == 0)
		w->pre++;
	return false;
}

static void
leave(struct walk *w, xmlNode *n)
{
	const char *name = (const char *)n->name;

	if (n->type != XML_ELEMENT_NODE || !name || in_list(hidden, n->name))
		return;
	if ((strcasecmp(name, "pre") == 0 || strcasecmp(name, "textarea") == 0) && w->pre)
		w->pre--;
	if (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0) {
		w->space = false;
		put(w, "\t", 1);
	} else if (in_list(blocks, n->name))
		newline(w);
}

static void
walk_tree(struct walk *w, xmlDoc *doc)
{
	xmlNode *n = doc->children;

	while (n && !w->full) {
		if (!enter(w, n) && n->children) {
			n = n->children;
			continue;
		}
		for (;;) {
			leave(w, n);
			if (n->next) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (!n || n == (xmlNode *)doc) {
				n = NULL;
				break;
			}
		}
	}
}

/* The charset named by a meta tag near the start of the document, copied
 * into buf; false when there is none. */
static bool
meta_charset(const unsigned char *html, size_t len, char *buf, size_t buflen)
{
	size_t n = len < META_WINDOW ? len : META_WINDOW;
	const char *p = NULL, *end = (const char *)html + n;
	size_t k = 0;

	for (size_t i = 0; i + 7 <= n && !p; i++)
		if (strncasecmp((const char *)html + i, "charset", 7) == 0)
			p = (const char *)html + i;
	if (!p)
		return false;
	p += 7;
	while (p < end && (*p == ' ' || *p == '=' || *p == '"' || *p == '\''))
		p++;
	while (p < end && k + 1 < buflen && (isalnum((unsigned char)*p) || strchr("-_.:", *p)))
		buf[k++] = *p++;
	buf[k] = '\0';
	return k > 0;
}

int
html_text(const unsigned char *html, size_t len, const char *charset, struct textbuf *out)
{
	struct walk w = { .out = out };
	char meta[64];
	size_t ulen;
	char *u;
	xmlDoc *doc;

	if ((!charset || !*charset) && meta_charset(html, len, meta, sizeof(meta)))
		charset = meta;
	/* the source may be markup mostly: convert all of it, bounded by the
	 * (already bounded) input size */
	u = charset_to_utf8(html, len, charset, len * 3 + 16, &ulen, NULL);
	if (!u)
		return -1;
	for (size_t i = 0; i < ulen; i++)
		if (u[i] == '\0')
			u[i] = ' ';
	if (ulen > INT_MAX)
		ulen = INT_MAX;
	doc = htmlReadMemory(u, (int)ulen, NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	    HTML_PARSE_IGNORE_ENC | HTML_PARSE_NODEFDTD);
	free(u);
	if (!doc)
		return 0;	/* nothing the parser could read: no text */
	walk_tree(&w, doc);
	xmlFreeDoc(doc);
	return w.full ? -1 : 0;
}
