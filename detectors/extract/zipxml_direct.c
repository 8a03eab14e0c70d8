/*
 * zipxml_direct.c — a UTF-8 member's tokenizer events straight to
 * zipxml_walk's node function, without the event queue (see zipxml.h and
 * the comment below); zipxml.c feeds the tokenizer and holds the rest.
 */
#include <stdio.h>
#include <string.h>

#include "extract/zipxml.h"
#include "extract/zipxml_int.h"

/* zipxml_walk of a UTF-8 member needs no queue: the tokenizer's events go
 * to the walk's node function as they come, with their text and attribute
 * values where the tokenizer decoded them, in the chunk.  One event is held
 * back, which is all the queue's lookahead gave: a start, until the next
 * event says whether it is empty (its end at once: handed out empty, the
 * end dropped), and text, until the next event ends it (consecutive text
 * is one value).  The held event's bytes are copied to the arena only when
 * the chunk moves under it (il_carry, at the end of each push).  A node
 * asking to skip an element drops the events up to its end.  The events,
 * their order and their values are the queue's (zipxml_next), one by one. */

/* Text that is only white space: significant inside xml:space="preserve",
 * else white space (the reader drops it). */
int
zx_text_type(const struct zxev *e)
{
	for (size_t i = 0; i < e->len; i++)
		if (e->text[i] != ' ' && e->text[i] != '\t' && e->text[i] != '\n' &&
		    e->text[i] != '\r')
			return XML_READER_TYPE_TEXT;
	return e->preserve ? XML_READER_TYPE_SIGNIFICANT_WHITESPACE : XML_READER_TYPE_WHITESPACE;
}

static void
il_nomem(struct zipxml *x)
{
	x->nomem = true;
	x->failed = true;
}

/* Hand e to the node function as the current event. */
static void
il_deliver(struct zipxml *x, const struct zxev *e)
{
	bool skip = false;
	int rc;

	if (x->node_rc != 0)
		return;
	x->curp = e;
	rc = x->node(x, x->node_ctx, &skip);
	x->curp = NULL;
	if (rc != 0)
		x->node_rc = rc;
	else if (skip && e->type == XML_READER_TYPE_ELEMENT && !e->empty) {
		x->skipping = true;
		x->skip_depth = e->depth;
	}
}

/* Hand out the held event (a start as it is marked: not empty unless its
 * end came). */
void
zx_direct_flush(struct zipxml *x)
{
	struct zxev *e = &x->pev;

	if (x->pend == 0)
		return;
	x->pend = 0;
	if (e->type == XML_READER_TYPE_TEXT) {
		if (x->pend_arena) {
			e->text = x->arena + e->off;
		} else {
			/* the tokenizer is past the text: its end may be a
			 * terminator (the '<' after it is read already) */
			((char *)x->ptext)[e->len] = '\0';
			e->text = x->ptext;
		}
		e->type = zx_text_type(e);
	}
	il_deliver(x, e);
	if (x->pend_arena) {
		x->alen = 0;
		x->pend_arena = false;
	}
}

/* The chunk is about to move: copy the held event's bytes to the arena. */
void
zx_direct_carry(struct zipxml *x)
{
	size_t off;

	if (x->pend == 0 || x->pend_arena)
		return;
	if (x->pend == 2) {
		if ((off = zx_arena_put(x, x->ptext, x->pev.len)) == (size_t)-1) {
			il_nomem(x);
			x->pend = 0;
			return;
		}
		x->pev.off = off;
	} else {
		for (size_t i = 0; i < x->pev.nattr; i++) {
			struct zxattr *a = &x->attrs[i];

			if ((off = zx_arena_put(x, a->v, a->len)) == (size_t)-1) {
				il_nomem(x);
				x->pend = 0;
				return;
			}
			a->off = off;
			a->v = NULL;
		}
	}
	x->pend_arena = true;
}

static void
il_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
    int nns, const xmlChar **nss, int nattr, int ndef, const xmlChar **attrs)
{
	struct zipxml *x = ctx;
	bool preserve;

	zx_direct_flush(x);
	if (x->depth >= ZX_MAX_DEPTH) {
		snprintf(x->why, sizeof(x->why), "XML nested deeper than %d elements", ZX_MAX_DEPTH);
		x->failed = true;
		return;
	}
	preserve = zx_space(x, nattr, attrs);
	if (!x->skipping && x->node_rc == 0) {
		if (zx_attrs_reserve(x, (size_t)nattr) != 0) {
			il_nomem(x);
			return;
		}
		for (int i = 0; i < nattr; i++, attrs += 5)
			x->attrs[i] = (struct zxattr){ (const char *)attrs[0], (const char *)attrs[3],
			    0, (size_t)(attrs[4] - attrs[3]) };
		x->pev = (struct zxev){ .type = XML_READER_TYPE_ELEMENT, .name = (const char *)local,
		    .ns = (const char *)uri, .depth = x->depth, .nattr = (size_t)nattr };
		x->pend = 1;
		x->pend_arena = false;
	}
	zx_open(x, preserve);
}

static void
il_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct zipxml *x = ctx;

	zx_close(x);
	if (x->skipping) {
		if (x->depth == x->skip_depth)
			x->skipping = false;
		return;
	}
	if (x->pend == 1) {		/* <a></a>: empty, as <a/> */
		x->pev.empty = true;
		zx_direct_flush(x);
		return;
	}
	zx_direct_flush(x);
	if (!x->skipping)
		il_deliver(x, &(struct zxev){ .type = XML_READER_TYPE_END_ELEMENT,
		    .name = (const char *)local, .ns = (const char *)uri, .depth = x->depth });
}

static void
il_text(void *ctx, const xmlChar *s, int n)
{
	struct zipxml *x = ctx;

	if (n <= 0 || x->skipping)
		return;
	if (x->pend == 1)
		zx_direct_flush(x);
	if (x->skipping || x->node_rc != 0)
		return;
	if (x->pend == 2) {		/* more of the same text */
		zx_direct_carry(x);
		if (x->pend == 0)
			return;
		x->alen--;		/* its NUL */
		if (zx_arena_put(x, (const char *)s, (size_t)n) == (size_t)-1) {
			il_nomem(x);
			return;
		}
		x->pev.len += (size_t)n;
		return;
	}
	x->pev = (struct zxev){ .type = XML_READER_TYPE_TEXT, .len = (size_t)n, .depth = x->depth,
	    .preserve = zx_parent_space(x) };
	x->ptext = (const char *)s;
	x->pend = 2;
	x->pend_arena = false;
}

const struct zxtok_cb zx_direct_cb = {
	.start = il_start, .end = il_end, .text = il_text, .stopped = zx_stopped,
};
