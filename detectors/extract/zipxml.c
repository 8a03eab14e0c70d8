/*
 * zipxml.c — bounded XML reading of archive members (see zipxml.h): the
 * member inflated a chunk at a time and fed to the tokenizer
 * (zipxml_tok.c) for UTF-8, its events straight to the walk
 * (zipxml_direct.c), or to libxml2's SAX2 push parser for other encodings,
 * its events through the queue here.  The markup-to-text walk over it is
 * zipxml_text.c.
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
#include "extract/zipxml_int.h"


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

/* ---- the SAX2 push parser and its event queue ----
 *
 * The member's bytes are inflated into a chunk and pushed to libxml2's
 * SAX2 parser (no reader, no node per element); its callbacks append
 * events (element start and end, text) to a queue that zipxml_next() hands
 * out one by one, with one event of lookahead so that an element followed
 * at once by its end is reported empty (as <a/> is) and consecutive text
 * arrives as one value.  Names and namespaces are libxml2's dictionary
 * strings (valid while the parser lives); attribute values and text are
 * copied into the queue's arena, which is emptied whenever the queue is.
 * Text that is only white space is significant inside xml:space="preserve"
 * and dropped (XML_READER_TYPE_WHITESPACE) elsewhere, as the reader did. */

#define ZX_CHUNK 65536		/* bytes inflated and pushed at a time */


size_t
zx_arena_put(struct zipxml *x, const char *s, size_t n)
{
	size_t off = x->alen;

	if (x->alen + n + 1 > x->acap) {
		size_t cap = x->acap ? x->acap : 65536;
		char *p;

		while (cap < x->alen + n + 1)
			cap *= 2;
		if (!(p = realloc(x->arena, cap)))
			return (size_t)-1;
		x->arena = p;
		x->acap = cap;
	}
	memcpy(x->arena + x->alen, s, n);
	x->alen += n;
	x->arena[x->alen++] = '\0';
	return off;
}

int
zx_attrs_grow(struct zipxml *x, size_t n)
{
	size_t cap = x->attrcap ? x->attrcap : 256;
	struct zxattr *p;

	while (cap < n)
		cap *= 2;
	if (!(p = realloc(x->attrs, cap * sizeof(*p))))
		return -1;
	x->attrs = p;
	x->attrcap = cap;
	return 0;
}

static struct zxev *
ev_new(struct zipxml *x, int type)
{
	if (x->nev == x->evcap) {
		size_t cap = x->evcap ? x->evcap * 2 : 256;
		struct zxev *p = realloc(x->ev, cap * sizeof(*p));

		if (!p) {
			x->nomem = true;
			xmlStopParser(x->ctxt);
			return NULL;
		}
		x->ev = p;
		x->evcap = cap;
	}
	memset(&x->ev[x->nev], 0, sizeof(x->ev[0]));
	x->ev[x->nev].type = type;
	return &x->ev[x->nev++];
}

static void
refuse(struct zipxml *x)
{
	x->refused = true;
	xmlStopParser(x->ctxt);
}

static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
    int nns, const xmlChar **nss, int nattr, int ndef, const xmlChar **attrs)
{
	struct zipxml *x = ctx;
	bool preserve;
	struct zxev *e;

	if (x->depth >= ZX_MAX_DEPTH) {
		snprintf(x->why, sizeof(x->why), "XML nested deeper than %d elements", ZX_MAX_DEPTH);
		x->failed = true;
		xmlStopParser(x->ctxt);
		return;
	}
	if (!(e = ev_new(x, XML_READER_TYPE_ELEMENT)))
		return;
	e->name = (const char *)local;
	e->ns = (const char *)uri;
	e->depth = x->depth;
	e->attr0 = x->nattrs;
	preserve = zx_space(x, nattr, attrs);
	for (int i = 0; i < nattr; i++, attrs += 5) {
		size_t n = (size_t)(attrs[4] - attrs[3]), off;

		if (zx_attrs_reserve(x, x->nattrs + 1) != 0) {
			x->nomem = true;
			xmlStopParser(x->ctxt);
			return;
		}
		if ((off = zx_arena_put(x, (const char *)attrs[3], n)) == (size_t)-1) {
			x->nomem = true;
			xmlStopParser(x->ctxt);
			return;
		}
		x->attrs[x->nattrs++] = (struct zxattr){ (const char *)attrs[0], NULL, off, n };
		e = &x->ev[x->nev - 1];		/* ev_new may not move it, but be plain */
		e->nattr++;
	}
	zx_open(x, preserve);
}

static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct zipxml *x = ctx;
	struct zxev *e;

	zx_close(x);
	if (!(e = ev_new(x, XML_READER_TYPE_END_ELEMENT)))
		return;
	e->name = (const char *)local;
	e->ns = (const char *)uri;
	e->depth = x->depth;
}

static void
on_text(void *ctx, const xmlChar *s, int n)
{
	struct zipxml *x = ctx;
	struct zxev *e = x->nev > x->head ? &x->ev[x->nev - 1] : NULL;
	size_t off;

	if (n <= 0)
		return;
	if (e && e->type == XML_READER_TYPE_TEXT &&
	    e->off + e->len + 1 == x->alen) {
		/* more of the last text: extend it in place */
		x->alen--;			/* its NUL */
		if (zx_arena_put(x, (const char *)s, (size_t)n) == (size_t)-1) {
			x->alen++;
			x->nomem = true;
			xmlStopParser(x->ctxt);
			return;
		}
		e->len += (size_t)n;
		return;
	}
	if ((off = zx_arena_put(x, (const char *)s, (size_t)n)) == (size_t)-1 ||
	    !(e = ev_new(x, XML_READER_TYPE_TEXT))) {
		x->nomem = true;
		xmlStopParser(x->ctxt);
		return;
	}
	e->off = off;
	e->len = (size_t)n;
	e->depth = x->depth;
	e->preserve = zx_parent_space(x);
}

/* Any entity but the five predefined ones (which libxml2 resolves itself). */
static xmlEntityPtr
on_entity(void *ctx, const xmlChar *name)
{
	refuse(ctx);
	return NULL;
}

static void
on_subset(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
	refuse(ctx);
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

static xmlSAXHandler sax_handler = {
	.initialized = XML_SAX2_MAGIC,
	.startElementNs = on_start,
	.endElementNs = on_end,
	.characters = on_text,
	.cdataBlock = on_text,
	.ignorableWhitespace = on_text,
	.getEntity = on_entity,
	.getParameterEntity = on_entity,
	.internalSubset = on_subset,
	.externalSubset = on_subset,
	.serror = xml_error,
};

int
zipxml_open(struct zipxml *x, struct zipread *zr, const struct zipread_entry *e)
{
	memset(x, 0, sizeof(*x));
	x->head = 0;
	x->cur = -1;
	pthread_once(&xml_once, xml_init);
	if (zipread_check(zr, e, true, x->why, sizeof(x->why)) != 0)
		return -1;
	if (zipread_stream_open(&x->st, zr, e) != 0) {
		snprintf(x->why, sizeof(x->why), "%s", x->st.why);
		return -1;
	}
	zxtok_init(&x->tok);
	x->chunkcap = ZX_CHUNK;
	if (!(x->chunk = malloc(ZX_CHUNK)) ||
	    !(x->ctxt = xmlCreatePushParserCtxt(&sax_handler, x, NULL, 0, NULL))) {
		snprintf(x->why, sizeof(x->why), "cannot start the XML parser");
		zipxml_close(x);
		return -1;
	}
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	return 0;
}

/* ---- UTF-8 members: our tokenizer, not libxml2 ----
 *
 * libxml2's push parser costs far more than inflating: it looks at every
 * character of non-ASCII text one by one, and hands each character
 * reference to characters() on its own (openpyxl writes every Japanese
 * character as one, "&#27663;&#21517;": a sheet of names was one callback,
 * one queue extension and one reference parse per character).  A member
 * in UTF-8 (no XML declaration, or one saying UTF-8: every OOXML and ODF
 * writer's) is therefore read by zipxml_tok.c, which makes the same SAX2
 * events with the same checks that matter here (zipxml_tok.h), and
 * libxml2 reads the others (UTF-16, legacy encodings). */

#define ZX_MAX_TOKEN (16u << 20)	/* a tag longer than this is refused */

/* Decide from the first bytes whether the member is UTF-8. */
static void
utf8_check(struct zipxml *x, const char *p, size_t n)
{
	const char *end, *enc;
	size_t i = 0;

	x->checked = true;
	x->utf8 = false;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if (i >= n || p[i] != '<')
		return;				/* UTF-16, or not XML at all */
	if (n - i >= 5 && memcmp(p + i, "<?xml", 5) == 0) {
		if (!(end = memmem(p + i, n - i < 512 ? n - i : 512, "?>", 2)))
			return;
		enc = memmem(p + i, (size_t)(end - p - i), "encoding", 8);
		if (enc) {
			enc += 8;
			while (enc < end && (*enc == ' ' || *enc == '=' || *enc == '\t' ||
			    *enc == '\r' || *enc == '\n'))
				enc++;
			if (enc + 6 >= end || (*enc != '"' && *enc != '\'') ||
			    (strncasecmp(enc + 1, "utf-8", 5) != 0 || enc[6] != *enc))
				return;
		}
	}
	x->utf8 = true;
}

bool
zx_stopped(void *ctx)
{
	struct zipxml *x = ctx;

	return x->failed || x->nomem || x->refused || x->node_rc != 0;
}

static const struct zxtok_cb tok_cb = {
	.start = on_start, .end = on_end, .text = on_text, .stopped = zx_stopped,
};

/* Push n bytes of chunk to the tokenizer; what it left is carried. */
static int
tok_push(struct zipxml *x, size_t n, bool eof)
{
	long used = x->tcb ? zxtok_feed(&x->tok, x->chunk, n, eof, x->tcb, x->tctx) :
	    zxtok_feed(&x->tok, x->chunk, n, eof, x->node ? &zx_direct_cb : &tok_cb, x);

	zx_direct_carry(x);
	if (used < 0) {
		if (x->tok.refused)
			x->refused = true;
		else if (x->why[0] == '\0')
			snprintf(x->why, sizeof(x->why), "%s", x->tok.why);
		return -1;
	}
	x->carry = n - (size_t)used;
	if (x->carry > 0 && used > 0)
		memmove(x->chunk, x->chunk + used, x->carry);
	if (x->carry == x->chunkcap) {		/* one token fills the chunk */
		char *p;

		if (x->chunkcap * 2 > ZX_MAX_TOKEN) {
			snprintf(x->why, sizeof(x->why), "XML tag longer than %u MB",
			    ZX_MAX_TOKEN >> 20);
			return -1;
		}
		if ((p = realloc(x->chunk, x->chunkcap * 2)) == NULL) {
			x->nomem = true;
			return -1;
		}
		x->chunk = p;
		x->chunkcap *= 2;
	}
	return 0;
}

/* Inflate one chunk and push it (to the tokenizer for UTF-8, else to
 * libxml2).  0, or -1 when the stream or the parser failed (x->failed set;
 * x->eof at the end). */
static int
feed(struct zipxml *x)
{
	long r = zipread_stream_read(&x->st, x->chunk + x->carry, x->chunkcap - x->carry);
	size_t n;
	int rc;

	if (r < 0) {
		x->failed = true;
		return -1;
	}
	if (x->guard != G_DONE &&
	    guard_scan(x, (const unsigned char *)x->chunk + x->carry, (size_t)r) != 0) {
		x->refused = true;
		x->failed = true;
		snprintf(x->st.why, sizeof(x->st.why), "XML with a DTD, refused");
		return -1;
	}
	n = x->carry + (size_t)r;
	if (!x->checked && n > 0)
		utf8_check(x, x->chunk, n);
	if (r == 0)
		x->eof = true;
	if (x->utf8) {
		if (tok_push(x, n, r == 0) != 0 || x->refused || x->nomem || x->failed) {
			x->failed = true;
			return -1;
		}
		return 0;
	}
	rc = xmlParseChunk(x->ctxt, x->chunk, (int)r, r == 0);
	if (rc != 0 || x->refused || x->nomem || !x->ctxt->wellFormed) {
		x->failed = true;
		return -1;
	}
	return 0;
}

/* Drop the consumed events; the arena goes with them once none is left
 * (a kept event's strings are copied down to the arena's start). */
static void
compact(struct zipxml *x)
{
	size_t keep = x->nev - x->head;

	if (x->head == 0)
		return;
	if (keep == 0) {
		x->nev = x->head = 0;
		x->alen = 0;
		x->nattrs = 0;
		return;
	}
	if (keep == 1) {
		struct zxev e = x->ev[x->head];
		size_t a0 = x->nattrs;

		if (e.type != XML_READER_TYPE_ELEMENT && e.type != XML_READER_TYPE_END_ELEMENT &&
		    e.type != 0) {
			memmove(x->arena, x->arena + e.off, e.len + 1);
			e.off = 0;
			x->alen = e.len + 1;
		} else if (e.type == XML_READER_TYPE_ELEMENT && e.nattr > 0) {
			size_t base = x->attrs[e.attr0].off, end = x->alen;
			memmove(x->arena, x->arena + base, end - base);
			x->alen = end - base;
			for (size_t i = 0; i < e.nattr; i++) {
				x->attrs[i] = x->attrs[e.attr0 + i];
				x->attrs[i].off -= base;
			}
			e.attr0 = 0;
			a0 = e.nattr;
		} else {
			x->alen = 0;
			a0 = 0;
		}
		x->nattrs = a0;
		x->ev[0] = e;
		x->nev = 1;
		x->head = 0;
	}
}

/* The reason once the queue ran dry after a failure. */
static int
fail_reason(struct zipxml *x)
{
	if (x->refused)
		snprintf(x->why, sizeof(x->why), "XML with a DTD or entities, refused");
	else if (x->st.why[0] != '\0')		/* our limit or I/O reason first */
		snprintf(x->why, sizeof(x->why), "%s", x->st.why);
	else if (x->nomem)
		snprintf(x->why, sizeof(x->why), "out of memory");
	else if (x->why[0] == '\0')
		snprintf(x->why, sizeof(x->why), "XML error");
	return -1;
}

/* Make sure events head and head+1 are queued, unless the input ended. */
static void
lookahead(struct zipxml *x)
{
	while (x->nev - x->head < 2 && !x->eof && !x->failed) {
		compact(x);
		feed(x);
	}
}

int
zipxml_next(struct zipxml *x, bool skip)
{
	struct zxev *e;

	if (x->cur >= 0) {
		struct zxev *c = &x->ev[x->cur];
		bool skipping = skip && c->type == XML_READER_TYPE_ELEMENT && !c->empty;
		unsigned depth = c->depth;

		x->head = (size_t)x->cur + 1;
		x->cur = -1;
		x->curp = NULL;
		while (skipping) {		/* past the element's end */
			lookahead(x);
			if (x->head == x->nev)
				return x->failed ? fail_reason(x) : 0;
			e = &x->ev[x->head++];
			skipping = !(e->type == XML_READER_TYPE_END_ELEMENT && e->depth == depth);
		}
	}
	for (;;) {
		lookahead(x);
		if (x->head == x->nev)
			return x->failed ? fail_reason(x) : 0;
		e = &x->ev[x->head];
		if (e->type != 0)
			break;
		x->head++;
	}
	if (e->type == XML_READER_TYPE_ELEMENT && x->head + 1 < x->nev) {
		struct zxev *n = &x->ev[x->head + 1];
		if (n->type == XML_READER_TYPE_END_ELEMENT && n->depth == e->depth) {
			e->empty = true;
			n->type = 0;
		}
	} else if (e->type == XML_READER_TYPE_TEXT) {
		e->text = x->arena + e->off;
		e->type = zx_text_type(e);
	}
	x->cur = (long)x->head;
	x->curp = e;
	return 1;
}

void
zipxml_close(struct zipxml *x)
{
	if (x == NULL)
		return;
	if (x->ctxt != NULL)
		xmlFreeParserCtxt(x->ctxt);
	x->ctxt = NULL;
	zxtok_free(&x->tok);
	free(x->chunk);
	free(x->arena);
	free(x->ev);
	free(x->attrs);
	x->chunk = x->arena = NULL;
	x->ev = NULL;
	x->attrs = NULL;
	zipread_stream_close(&x->st);
}

static const struct zxev *
current(const struct zipxml *x)
{
	return zipxml_cur(x);
}

size_t
zipxml_attr(struct zipxml *x, const char *local, char *buf, size_t buflen)
{
	const struct zxev *e = current(x);
	size_t n = 0;

	buf[0] = '\0';
	if (!e || e->type != XML_READER_TYPE_ELEMENT)
		return 0;
	for (size_t i = 0; i < e->nattr; i++) {
		const struct zxattr *a = &x->attrs[e->attr0 + i];

		if (a->local[0] != local[0] || strcmp(a->local, local) != 0)
			continue;
		n = a->len < buflen - 1 ? a->len : buflen - 1;
		memcpy(buf, a->v ? a->v : x->arena + a->off, n);
		buf[n] = '\0';
		break;
	}
	return n;
}

/* zipxml_walk and zipxml_walk_tok: a UTF-8 member to cb (when not NULL)
 * or straight to node, any other through the queue to node. */
static int
walk(struct zipread *zr, const struct zipread_entry *e, const struct zxtok_cb *cb,
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
	x.tcb = cb;		/* a UTF-8 member: to cb, or straight to node */
	x.tctx = ctx;
	x.node = cb ? NULL : node;
	x.node_ctx = ctx;
	feed(&x);		/* the first chunk says which parser reads it */
	if (x.utf8 && cb) {
		while (!x.eof && !x.failed)
			feed(&x);
		rc = x.failed && cb->stopped(ctx) ? 1 : 0;
		ret = rc == 0 && x.failed ? fail_reason(&x) : 0;
	} else if (x.utf8) {
		while (!x.eof && !x.failed)
			feed(&x);
		zx_direct_flush(&x);	/* the events before a failure are handed out */
		rc = x.node_rc;
		ret = rc == 0 && x.failed ? fail_reason(&x) : 0;
	} else {
		x.node = NULL;
		x.tcb = NULL;
		while (rc == 0 && (ret = zipxml_next(&x, skip)) == 1) {
			skip = false;
			rc = node(&x, ctx, &skip);
		}
	}
	if (rc < 0 || (rc == 0 && ret < 0)) {
		snprintf(why, whylen, "%s: %s", e->name, x.why);
		rc = -1;
	}
	zipxml_close(&x);
	return rc < 0 ? -1 : 0;
}

int
zipxml_walk(struct zipread *zr, const struct zipread_entry *e,
    int (*node)(struct zipxml *x, void *ctx, bool *skip), void *ctx, char *why,
    size_t whylen)
{
	return walk(zr, e, NULL, node, ctx, why, whylen);
}

int
zipxml_walk_tok(struct zipread *zr, const struct zipread_entry *e, const struct zxtok_cb *cb,
    int (*node)(struct zipxml *x, void *ctx, bool *skip), void *ctx, char *why,
    size_t whylen)
{
	return walk(zr, e, cb, node, ctx, why, whylen);
}
