/*
 * zipxml_intern.c — the tokenizer's interned names (zipxml_tok.h): every
 * distinct element and attribute name and namespace URI of a part is kept
 * once, in blocks freed together, and found again by an open-addressing
 * hash table, so that a tag compares names by pointer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/zipxml_tok.h"

#define ZXT_MAX_INTERNED (1u << 20)	/* bytes of distinct names and URIs */
#define ZXT_BLOCK 8192u

static void
intern_fail(struct zxtok *t, const char *msg)
{
	if (t->why[0] == '\0')
		snprintf(t->why, sizeof(t->why), "XML error: %s", msg);
}

static uint32_t
hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static struct zxtok_name *
pool_new(struct zxtok *t, const char *s, size_t n)
{
	size_t sz = (sizeof(struct zxtok_name) + n + 1 + 7) & ~(size_t)7;
	struct zxtok_name *e;

	if (sz > t->pool_left) {
		size_t bs = sz > ZXT_BLOCK ? sz : ZXT_BLOCK;

		if (t->nblocks == t->blockcap) {
			size_t cap = t->blockcap ? t->blockcap * 2 : 16;
			void **b = realloc(t->blocks, cap * sizeof(*b));

			if (b == NULL)
				return NULL;
			t->blocks = b;
			t->blockcap = cap;
		}
		if ((t->pool = malloc(bs)) == NULL)
			return NULL;
		t->blocks[t->nblocks++] = t->pool;
		t->pool_left = bs;
	}
	e = (struct zxtok_name *)(void *)t->pool;
	memset(e, 0, sizeof(*e));
	memcpy(e->s, s, n);
	e->s[n] = '\0';
	e->len = (unsigned)n;
	t->pool += sz;
	t->pool_left -= sz;
	return e;
}

/* The interned entry of s[0..n), or NULL (t->why set). */
struct zxtok_name *
zxtok_intern_name(struct zxtok *t, const char *s, size_t n)
{
	uint32_t h = hash(s, n);
	size_t i;

	if (t->nused * 2 >= t->nslot) {
		size_t cap = t->nslot ? t->nslot * 2 : 256;
		struct zxtok_name **slot = calloc(cap, sizeof(*slot));

		if (slot == NULL) {
			intern_fail(t, "out of memory");
			return NULL;
		}
		for (size_t j = 0; j < t->nslot; j++) {
			struct zxtok_name *o = t->slot[j];

			if (o == NULL)
				continue;
			for (i = o->hash & (cap - 1); slot[i]; i = (i + 1) & (cap - 1))
				;
			slot[i] = o;
		}
		free(t->slot);
		t->slot = slot;
		t->nslot = cap;
	}
	for (i = h & (t->nslot - 1); t->slot[i]; i = (i + 1) & (t->nslot - 1)) {
		struct zxtok_name *o = t->slot[i];

		if (o->hash == h && o->len == n && memcmp(o->s, s, n) == 0)
			return o;
	}
	if ((t->interned += n + 1) > ZXT_MAX_INTERNED) {
		intern_fail(t, "too many distinct element and attribute names");
		return NULL;
	}
	if ((t->slot[i] = pool_new(t, s, n)) == NULL) {
		intern_fail(t, "out of memory");
		return NULL;
	}
	t->slot[i]->hash = h;
	t->nused++;
	return t->slot[i];
}

const char *
zxtok_intern(struct zxtok *t, const char *s, size_t n)
{
	struct zxtok_name *e = zxtok_intern_name(t, s, n);

	return e ? e->s : NULL;
}

void
zxtok_intern_free(struct zxtok *t)
{
	for (size_t i = 0; i < t->nblocks; i++)
		free(t->blocks[i]);
	free(t->blocks);
	free(t->slot);
}
