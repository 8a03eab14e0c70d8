/*
 * zipxml_int.h — what zipxml.c (the member, libxml2 and the queue) and
 * zipxml_direct.c (the tokenizer's events straight to the walk) share.
 * Not for the walks: they use zipxml.h.
 */
#ifndef DLP_ZIPXML_INT_H
#define DLP_ZIPXML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "extract/zipxml.h"

#define ZX_MAX_DEPTH 256		/* libxml2's xmlParserMaxDepth, not enforced by
				   its push parser in every release: ours */
#define ZX_DEPTH 512		/* xml:space states kept (sizeof space; libxml2 stops at 256) */

/* Append n bytes (and a NUL) to the arena; their offset, or (size_t)-1 on
 * ENOMEM. */
size_t zx_arena_put(struct zipxml *x, const char *s, size_t n);
/* x->attrs grown to room for n attributes.  0, or -1 on ENOMEM. */
int zx_attrs_grow(struct zipxml *x, size_t n);

/* Room for n attributes in x->attrs.  0, or -1 on ENOMEM.  (Inline, as
 * the rest here: both parsers call these for every element or text.) */
static inline int
zx_attrs_reserve(struct zipxml *x, size_t n)
{
	return n <= x->attrcap ? 0 : zx_attrs_grow(x, n);
}

/* xml:space="preserve" of the innermost open element (false outside). */
static inline bool
zx_parent_space(const struct zipxml *x)
{
	return x->depth > 0 && x->depth <= ZX_DEPTH ? x->space[x->depth - 1] : false;
}

/* xml:space of an element being opened: its parent's unless one of its
 * nattr SAX2 attributes (5 pointers each) says otherwise. */
static inline bool
zx_space(const struct zipxml *x, int nattr, const xmlChar **attrs)
{
	return zipxml_space(zx_parent_space(x), nattr, attrs);
}

/* An element opened (with its xml:space) and closed: the depth both
 * parsers' events carry. */
static inline void
zx_open(struct zipxml *x, bool preserve)
{
	if (x->depth < ZX_DEPTH)
		x->space[x->depth] = preserve;
	x->depth++;
}

static inline void
zx_close(struct zipxml *x)
{
	if (x->depth > 0)
		x->depth--;
}

/* The tokenizer's stopped(): a failure, or the walk asked to stop. */
bool zx_stopped(void *ctx);
/* The type of a text event e (e->text set): text, or white space
 * significant inside xml:space="preserve", else dropped white space. */
int zx_text_type(const struct zxev *e);

/* zipxml_direct.c: the tokenizer's callbacks; hand out the held event;
 * copy the held event's bytes to the arena before the chunk moves. */
extern const struct zxtok_cb zx_direct_cb;
void zx_direct_flush(struct zipxml *x);
void zx_direct_carry(struct zipxml *x);

#endif
