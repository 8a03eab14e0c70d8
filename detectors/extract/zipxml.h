/*
 * zipxml.h — bounded XML reading of archive members (OOXML and ODF parts)
 * and a table-driven markup-to-text walk.
 *
 * A member is parsed as a stream: inflated a chunk at a time
 * (zipread_stream_read) into the package tokenizer (zipxml_tok.h) when it
 * is UTF-8, as every OOXML and ODF writer's is, else into libxml2's SAX2
 * push parser.  The tokenizer's events go straight to the walk's node
 * function (one held back, to tell an empty element); libxml2's are queued
 * and handed out one by one by zipxml_next().  No reader, no node per
 * element, never the whole part in memory: memory stays flat whatever its
 * size, and the bytes are bounded by the zipread limits and the time
 * budget.
 * Safety: XML_PARSE_NONET, no entity substitution, no DTD loading; and a
 * part with a DOCTYPE (OOXML and ODF never have one) is refused before
 * libxml2 sees it, so an entity-expansion bomb ends as a refused part.
 * libxml2's own limits stay on (no XML_PARSE_HUGE): text nodes of at most
 * 10 MB, nesting of at most 256 elements.
 */
#ifndef DLP_ZIPXML_H
#define DLP_ZIPXML_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "extract/zipread.h"
#include "extract/zipxml_tok.h"

struct textbuf;

/* A queued attribute and event (zipxml.c's queue; here so that the
 * accessors below are inline: the walks call them for every node). */
struct zxattr {
	const char *local;		/* dictionary string */
	const char *v;			/* value, or NULL: at off in the arena */
	size_t off, len;
};

struct zxev {
	int type;			/* XML_READER_TYPE_*; 0: dropped */
	const char *name, *ns;		/* dictionary strings (elements) */
	const char *text;		/* text, NUL-terminated, once handed out */
	size_t off, len;		/* text in the arena while queued */
	size_t attr0, nattr;		/* attributes in x->attrs */
	unsigned depth;
	bool empty, preserve;
};

/* An XML member being read (fields private to zipxml.c but for why and
 * the current event, read by the inline accessors). */
struct zipxml {
	struct zipread_stream st;
	xmlParserCtxtPtr ctxt;	/* the SAX2 push parser */
	char *chunk;		/* inflated bytes being pushed */
	struct zxev *ev;	/* queued events */
	size_t nev, evcap, head; /* events [head, nev) not handed out yet */
	long cur;		/* the event zipxml_next returned, or -1 */
	const struct zxev *curp;	/* the current event (zipxml_cur), or NULL */
	struct zxattr *attrs;	/* attributes of queued elements */
	size_t nattrs, attrcap;
	char *arena;		/* attribute values and text of queued events */
	size_t alen, acap;
	unsigned depth;		/* open elements while parsing */
	bool space[512];	/* xml:space="preserve" per open element */
	bool eof, failed, nomem;
	int guard;		/* DOCTYPE guard state over the prolog */
	bool checked;		/* the encoding was looked at */
	bool utf8;		/* UTF-8: read by tok, not by libxml2 */
	struct zxtok tok;	/* the tokenizer of UTF-8 members */
	size_t chunkcap;	/* size of chunk (grows for a tag longer than it) */
	size_t carry;		/* bytes at the chunk's start kept from the last one */
	bool refused;		/* a DTD or an entity: the part is refused */
	/* zipxml_walk of a UTF-8 member: the tokenizer's events go straight
	 * to node, one held back (zipxml.c, "straight to the walk") */
	int (*node)(struct zipxml *x, void *ctx, bool *skip);
	void *node_ctx;
	int node_rc;		/* node's first non-zero return */
	int pend;		/* the event held back: 0 none, 1 a start, 2 text */
	struct zxev pev;
	const char *ptext;	/* its text in the chunk (not pend_arena) */
	bool pend_arena;	/* its bytes copied to the arena */
	bool skipping;		/* node asked to skip the element at skip_depth */
	unsigned skip_depth;
	/* zipxml_walk_tok of a UTF-8 member: the walk's own handlers */
	const struct zxtok_cb *tcb;
	void *tctx;
	char why[200];		/* reason once zipxml_next returned -1 */
};

/* Open member e.  Returns 0, or -1 with the reason in x->why (x needs no
 * close then). */
int zipxml_open(struct zipxml *x, struct zipread *zr, const struct zipread_entry *e);
/* Advance to the next node (skip: past the current element's subtree).
 * Returns 1, 0 at the end, or -1 with the reason in x->why (after the
 * nodes read before the error). */
int zipxml_next(struct zipxml *x, bool skip);
/* The current node, as xmlTextReader would name it: its type
 * (XML_READER_TYPE_ELEMENT, _END_ELEMENT, _TEXT, _SIGNIFICANT_WHITESPACE
 * inside xml:space="preserve", _WHITESPACE elsewhere), whether an element
 * is empty (<a/> or <a></a>), the text of a text node (NUL-terminated, or
 * NULL), an element's namespace URI (or NULL). */
static inline const struct zxev *
zipxml_cur(const struct zipxml *x)
{
	return x->curp;
}

static inline int
zipxml_type(const struct zipxml *x)
{
	const struct zxev *e = zipxml_cur(x);

	return e ? e->type : 0;
}

static inline bool
zipxml_empty(const struct zipxml *x)
{
	const struct zxev *e = zipxml_cur(x);

	return e && e->empty;
}

static inline const char *
zipxml_value(const struct zipxml *x)
{
	const struct zxev *e = zipxml_cur(x);

	return e && e->type != XML_READER_TYPE_ELEMENT && e->type != XML_READER_TYPE_END_ELEMENT ?
	    e->text : NULL;
}

/* The length of zipxml_value's text (0 when it is NULL). */
static inline size_t
zipxml_value_len(const struct zipxml *x)
{
	return zipxml_value(x) ? zipxml_cur(x)->len : 0;
}

static inline const char *
zipxml_ns(const struct zipxml *x)
{
	const struct zxev *e = zipxml_cur(x);

	return e ? e->ns : NULL;
}

void zipxml_close(struct zipxml *x);

/* Read member e node by node: node(x, ctx, &skip) for each node (set skip
 * to pass the current element's subtree).  node returns 0 to go on, 1 to
 * stop early (out full, found what it looked for), or -1 to fail with its
 * reason in x->why.  Returns 0 (also when node stopped it), or -1 with
 * "NAME: reason" in why.  Every reader of an XML member goes through it. */
int zipxml_walk(struct zipread *zr, const struct zipread_entry *e,
    int (*node)(struct zipxml *x, void *ctx, bool *skip), void *ctx, char *why,
    size_t whylen);

/* zipxml_walk for a walk that also takes the tokenizer's events itself,
 * as they come (zipxml_tok.h; no held event, no node, so nothing is said
 * to be empty and text comes in as many pieces as the tokenizer gives): a
 * UTF-8 member goes to cb with ctx, any other to node through libxml2's
 * queue, and the two must read the same (the walk's tests compare them).
 * cb->stopped(ctx) true is the walk's early stop, node's 1: it cannot fail
 * with a reason of its own.  Returns as zipxml_walk. */
int zipxml_walk_tok(struct zipread *zr, const struct zipread_entry *e, const struct zxtok_cb *cb,
    int (*node)(struct zipxml *x, void *ctx, bool *skip), void *ctx, char *why,
    size_t whylen);

/* xml:space of an element opened inside one whose xml:space is preserve:
 * preserve unless one of its nattr SAX2 attributes (5 pointers each:
 * local, prefix, URI, value, end) says otherwise. */
static inline bool
zipxml_space(bool preserve, int nattr, const unsigned char **attrs)
{
	for (int i = 0; i < nattr; i++, attrs += 5)
		if (attrs[1] && strcmp((const char *)attrs[1], "xml") == 0 &&
		    strcmp((const char *)attrs[0], "space") == 0)
			preserve = attrs[4] - attrs[3] == 8 && memcmp(attrs[3], "preserve", 8) == 0;
	return preserve;
}

/* What an element means for the text. */
enum zxact {
	ZX_TEXT = 1,	/* text nodes inside it are text */
	ZX_SKIP,	/* ignore the element and its subtree */
	ZX_TAB,		/* a tab */
	ZX_BREAK,	/* a line break */
	ZX_SPACES,	/* spaces: count attribute (default 1) */
	ZX_PARA,	/* a paragraph: holds text; line break at its end (a space in a cell) */
	ZX_CELL,	/* a table cell: tab between cells, count attribute = repeat */
	ZX_ROW,		/* a table row: line break after a row with content */
	ZX_TABLE,	/* a table or sheet: form feed before and after */
	ZX_NOTE,	/* a note or comment anchored in text: a space before */
	ZX_ALT,		/* mc:AlternateContent: a Choice, then a Fallback of the same content */
	ZX_FALLBACK,	/* mc:Fallback: read only when the Choice before it gave no text */
	ZX_SPAN		/* w:gridSpan: the open cell stands for count columns */
};

/* One row of a rule table, matched on the element's local name (and the
 * namespace when ns is not NULL); tables end with a NULL name. */
struct zxrule {
	const char *name;	/* local name */
	const char *ns;		/* namespace URI, or NULL for any */
	enum zxact act;
	const char *count;	/* local name of a count attribute, or NULL */
};

/* Append the text of member e to out by the rules.  Returns 0 (also when
 * out is full: out->truncated), or -1 with the reason in why. */
int zipxml_text(struct zipread *zr, const struct zipread_entry *e, const struct zxrule *rules,
    struct textbuf *out, char *why, size_t whylen);

/* Separator helpers shared with the spreadsheet walk: append c unless out
 * is empty or already ends with c. */
int zipxml_sep(struct textbuf *out, char c);

/* Local name of the current node as a C string (never NULL). */
static inline const char *
zipxml_name(const struct zipxml *x)
{
	const struct zxev *e = zipxml_cur(x);

	return e && e->name ? e->name : "";
}

/* The current element's attributes: how many, and the local name, value
 * (not NUL-terminated) and length of attribute i, for a walk that reads
 * several of them in one pass. */
static inline size_t
zipxml_nattr(const struct zipxml *x)
{
	const struct zxev *e = zipxml_cur(x);

	return e && e->type == XML_READER_TYPE_ELEMENT ? e->nattr : 0;
}

static inline const char *
zipxml_attr_at(const struct zipxml *x, size_t i, const char **value, size_t *len)
{
	const struct zxattr *a = &x->attrs[zipxml_cur(x)->attr0 + i];

	*value = a->v ? a->v : x->arena + a->off;
	*len = a->len;
	return a->local;
}

/* Copy the value of the current element's attribute of local name local
 * (any namespace) into buf (truncated to buflen, NUL-terminated).
 * Returns its length, 0 when absent. */
size_t zipxml_attr(struct zipxml *x, const char *local, char *buf, size_t buflen);

#endif
