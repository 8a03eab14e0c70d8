/*
 * zipxml_tok_int.h — what the tokenizer's two files share: zipxml_tok.c
 * (the feed, text, the common tags read in one pass) and zipxml_tag.c
 * (any tag the general way).  Not for other files: they use zipxml_tok.h.
 */
#ifndef DLP_ZIPXML_TOK_INT_H
#define DLP_ZIPXML_TOK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "extract/zipxml_tok.h"

/* Byte classes: 0 plain, 1 '<', 2 '&', 3 '\r', 4 a control (not XML),
 * 5 a UTF-8 lead byte, 6 a byte that cannot start a character, 7 a quote,
 * 8 white space ('\t' '\n'). */
static const unsigned char cls[256] = {
	4, 4, 4, 4, 4, 4, 4, 4, 4, 8, 8, 4, 4, 3, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	0, 0, 7, 0, 0, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	[0x40 ... 0x7f] = 0,
	[0x80 ... 0xc1] = 6,
	[0xc2 ... 0xf4] = 5,
	[0xf5 ... 0xff] = 6,
};

static inline long
fail(struct zxtok *t, const char *msg)
{
	if (t->why[0] == '\0')
		snprintf(t->why, sizeof(t->why), "XML error: %s", msg);
	return -1;
}

/* Bytes of names: letters, digits, '_' ':' '-' '.', and UTF-8. */
static const unsigned char name_tab[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['_'] = 1, [':'] = 1,
	['-'] = 1, ['.'] = 1, [0x80 ... 0xff] = 1,
};

static inline bool
name_byte(unsigned char c)
{
	return name_tab[c];
}

static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* s[0..n) equals t[0..n): names are short, a call to memcmp costs more
 * than the bytes. */
static inline bool
same(const char *s, const char *t, size_t n)
{
	if (n > 16)
		return memcmp(s, t, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != t[i])
			return false;
	return true;
}

/* The bindings made inside the element just closed (t->depth its depth)
 * undone. */
static inline void
ns_pop(struct zxtok *t)
{
	if (t->nns > 0 && t->ns[t->nns - 1].depth >= t->depth) {
		do
			t->nns--;
		while (t->nns > 0 && t->ns[t->nns - 1].depth >= t->depth);
		t->ns_epoch++;
	}
}

/* zipxml_tag.c: the tag at p ('<', not "<!" nor "<?") the general way,
 * its end found first: the bytes it takes (to its '>'), 0 when the
 * buffer ends first (carried; at eof an error), -1 on an error. */
long zxtok_tag(struct zxtok *t, char *p, char *end, bool eof, const struct zxtok_cb *cb,
    void *ctx);
/* Decode the attribute value v[0..n) in place (references, white space
 * made spaces); its new length, or -1. */
long zxtok_attr_value(struct zxtok *t, char *v, size_t n);
/* The namespace bound to prefix (NULL: the default) at this point. */
const char *zxtok_ns_find(struct zxtok *t, const char *prefix, bool *bound);

#endif
