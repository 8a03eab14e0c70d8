/*
 * zipxml_text.c — the table-driven markup-to-text walk of zipxml.h: the
 * rules of an extractor (ZX_TEXT, ZX_CELL, ZX_ROW …) turn the elements
 * that zipxml_walk reads into lines, tab-separated cells and form feeds.
 */
#include <stdint.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/zipxml.h"

#define ZX_MAX_REPEAT 16384u	/* columns a repeated cell may stand for */
#define ZX_MAX_SPACES 16u	/* spaces written for one text:s */
#define ZX_STACK 16		/* nested cells whose repeat count is kept */
#define ZX_MEMO 64		/* rule_find's answers kept (a power of two) */

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
	unsigned alt;		/* open mc:AlternateContent elements */
	size_t alt_len[ZX_STACK]; /* out->len at the start of each */
	struct rule_memo {	/* rule_find's answers by name and namespace */
		const char *name, *ns;
		const struct zxrule *rule;	/* NULL: no rule */
	} memo[ZX_MEMO];
};

static const struct zxrule *
rule_search(const struct zxrule *rules, const char *name, const char *ns)
{
	for (const struct zxrule *r = rules; r->name != NULL; r++) {
		if (strcmp(r->name, name) != 0)
			continue;
		if (r->ns == NULL)
			return r;
		if (ns != NULL && strcmp(ns, r->ns) == 0)
			return r;
	}
	return NULL;
}

/* The rule of the current element.  Its name and namespace are the same
 * pointers for every element of that name during the walk (interned by
 * the tokenizer, libxml2's dictionary strings), so an answer is kept by
 * pointer and the table searched once per distinct name. */
static const struct zxrule *
rule_find(struct walk *w)
{
	const char *name = zipxml_name(w->x);
	const char *ns = zipxml_ns(w->x);
	struct rule_memo *m = &w->memo[((uintptr_t)name >> 3 ^ (uintptr_t)ns >> 4) &
	    (ZX_MEMO - 1)];

	if (m->name != name || m->ns != ns) {
		m->name = name;
		m->ns = ns;
		m->rule = rule_search(w->rules, name, ns);
	}
	return m->rule;
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
	case ZX_ALT:
		if (!empty && w->alt > 0)
			w->alt--;
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
	case ZX_ALT:
		if (!empty) {
			if (w->alt < ZX_STACK)
				w->alt_len[w->alt] = w->out->len;
			w->alt++;
		}
		break;
	case ZX_FALLBACK:
		/* the same content as the Choice before it, for older readers:
		 * read only when the Choice gave no text (so a text box is read
		 * once, and a Fallback that alone holds text is still read) */
		if (w->alt > 0 && w->alt <= ZX_STACK && w->out->len > w->alt_len[w->alt - 1])
			*skip = true;
		return 0;
	case ZX_SPAN:
		if (w->cell > 0 && w->cell <= ZX_STACK)
			w->repeat[w->cell - 1] = rule_count(w, r, ZX_MAX_REPEAT);
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
	const char *v;

	switch (zipxml_type(w->x)) {
	case XML_READER_TYPE_ELEMENT:
		r = rule_find(w);
		return r ? walk_start(w, r, zipxml_empty(w->x), skip) : 0;
	case XML_READER_TYPE_END_ELEMENT:
		r = rule_find(w);
		return r ? walk_end(w, r, false) : 0;
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		if (w->text == 0 || (v = zipxml_value(w->x)) == NULL)
			return 0;
		return put(w, v, zipxml_value_len(w->x));
	default:
		return 0;
	}
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
