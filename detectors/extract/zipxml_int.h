/*
 * zipxml_int.h — what zipxml.c (the member, libxml2 and the queue) and
 * zipxml_direct.c (the tokenizer's events straight to the walk) share.
 * Not for the walks: they use zipxml.h.
 */
#ifndef DLP_ZIPXML_INT_H
#define DLP_ZIPXML_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "extract/zipxml.h"

#define ZX_MAX_DEPTH 256		/* libxml2's xmlParserMaxDepth, not enforced by
				   its push parser in every release: ours */
#define ZX_DEPTH 512		/* xml:space states kept (sizeof space; libxml2 stops at 256) */

/* Append n bytes (and a NUL) to the arena; their offset, or (size_t)-1 on
 * ENOMEM. */
size_t zx_arena_put(struct zipxml *x, const char *s, size_t n);
/* Room for n attributes in x->attrs.  0, or -1 on ENOMEM. */
int zx_attrs_reserve(struct zipxml *x, size_t n);
/* xml:space of an element: preserve (its parent's) unless one of its
 * nattr SAX2 attributes (5 pointers each) says otherwise. */
bool zx_space(bool preserve, int nattr, const xmlChar **attrs);
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
