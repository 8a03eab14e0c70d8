/*
 * valueset.c — a set of distinct strings (normalized finding values).
 *
 * Values are copied, NUL-terminated, into chunks of VS_CHUNK bytes (one
 * malloc per chunk, not per value: a sheet adds thousands of values, and a
 * malloc cost as much as the rest of an add) and kept in an array in
 * insertion order; an open-addressing table (linear probing, power of two
 * size, load at most 1/2) maps hashes to array indexes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/valueset.h"

struct vs_item {
	char *s;		/* NUL-terminated copy */
	size_t len;		/* strlen-like length (bytes before the NUL) */
	uint64_t hash;		/* vs_hash() of s[0..len) */
};

#define VS_CHUNK 4096		/* bytes of copies a chunk holds at most (a longer value: its own) */

struct vs_chunk {
	struct vs_chunk *next;	/* the chunk filled before */
	size_t used, cap;	/* bytes of data[] */
	char data[];
};

struct valueset {
	struct vs_chunk *chunks;	/* the newest first */
	struct vs_item *items;	/* insertion order */
	size_t n, cap;		/* items used / allocated */
	uint32_t *slots;	/* 0 = empty, else index + 1 into items */
	size_t nslots;		/* power of two, 0 before the first add */
	bool incomplete;	/* a value was lost for lack of memory */
};

/* 8 bytes at a time (a multiply per word, not per byte: values of 60
 * characters are hashed on every add), mixed at the end so that the low
 * bits, the slot, depend on every byte. */
static uint64_t vs_hash(const char *s, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ len, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xC2B2AE3D27D4EB4FULL;
		h ^= h >> 29;
	}
	if (i < len) {
		/* the last 1-7 bytes as a little-endian word, as a memcpy into
		 * a zeroed one reads them (no call for a few bytes) */
		w = 0;
		for (size_t k = len; k > i; k--)
			w = w << 8 | (unsigned char)s[k - 1];
		h = (h ^ w) * 0xC2B2AE3D27D4EB4FULL;
	}
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDULL;
	h ^= h >> 33;
	return h;
}

/* A copy of s[0..len), NUL-terminated, in the set's chunks; NULL when out
 * of memory. */
static char *vs_copy(struct valueset *vs, const char *s, size_t len)
{
	struct vs_chunk *c = vs->chunks;
	char *p;

	if (c == NULL || c->cap - c->used < len + 1) {
		/* 256 bytes first, doubling up to VS_CHUNK: most sets hold a
		 * value or two */
		size_t cap = c == NULL ? 256 : c->cap * 2 > VS_CHUNK ? VS_CHUNK : c->cap * 2;

		if (cap < len + 1)
			cap = len + 1;

		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->next = vs->chunks;
		c->used = 0;
		c->cap = cap;
		vs->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

struct valueset *valueset_new(void)
{
	return calloc(1, sizeof(struct valueset));
}

/* Slot holding s, or the empty slot where it would go. */
static size_t vs_find(const struct valueset *vs, const char *s, size_t len, uint64_t h)
{
	size_t mask = vs->nslots - 1;
	size_t i = (size_t)h & mask;

	for (;;) {
		uint32_t k = vs->slots[i];
		if (k == 0)
			return i;
		const struct vs_item *it = &vs->items[k - 1];
		if (it->hash == h && it->len == len && memcmp(it->s, s, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

/* Double the slot table (or make the first one).  Returns 0 or -1; the set
 * is unchanged on failure. */
static int vs_grow(struct valueset *vs)
{
	size_t n = vs->nslots ? vs->nslots * 2 : 16;
	uint32_t *slots;

	if (n > UINT32_MAX)
		return -1;
	slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return -1;
	for (size_t k = 0; k < vs->n; k++) {
		size_t i = (size_t)vs->items[k].hash & (n - 1);
		while (slots[i] != 0)
			i = (i + 1) & (n - 1);
		slots[i] = (uint32_t)(k + 1);
	}
	free(vs->slots);
	vs->slots = slots;
	vs->nslots = n;
	return 0;
}

bool valueset_has(const struct valueset *vs, const char *s, size_t len)
{
	if (vs == NULL || vs->nslots == 0)
		return false;
	return vs->slots[vs_find(vs, s, len, vs_hash(s, len))] != 0;
}

/* valueset_add with s's hash h already known (a merge has it). */
static int vs_add(struct valueset *vs, const char *s, size_t len, uint64_t h)
{
	size_t slot = 0;
	bool found = false;	/* slot is where s goes */
	char *copy;

	if (vs->nslots != 0) {
		slot = vs_find(vs, s, len, h);
		if (vs->slots[slot] != 0)
			return 0;
		found = true;
	}
	if ((vs->n + 1) * 2 > vs->nslots) {
		if (vs_grow(vs) < 0)
			goto fail;
		found = false;
	}
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 8;
		struct vs_item *items = realloc(vs->items, cap * sizeof(*items));
		if (items == NULL)
			goto fail;
		vs->items = items;
		vs->cap = cap;
	}
	copy = vs_copy(vs, s, len);
	if (copy == NULL)
		goto fail;
	if (!found)
		slot = vs_find(vs, s, len, h);
	vs->items[vs->n] = (struct vs_item){ .s = copy, .len = len, .hash = h };
	vs->slots[slot] = (uint32_t)(vs->n + 1);
	vs->n++;
	return 1;
fail:
	vs->incomplete = true;
	return -1;
}

int valueset_add(struct valueset *vs, const char *s, size_t len)
{
	return vs_add(vs, s, len, vs_hash(s, len));
}

size_t valueset_count(const struct valueset *vs)
{
	return vs != NULL ? vs->n : 0;
}

const char *valueset_get(const struct valueset *vs, size_t i)
{
	return i < vs->n ? vs->items[i].s : NULL;
}

/* dst (never added to) becomes a copy of src: its values in one chunk,
 * its items in the same order, its slot table as it is (the same adds in
 * the same order would have made it).  0, or -1 with dst unchanged. */
static int vs_clone(struct valueset *dst, const struct valueset *src)
{
	size_t bytes = 0;
	struct vs_chunk *c;
	struct vs_item *items;
	uint32_t *slots;
	char *p;

	for (size_t i = 0; i < src->n; i++)
		bytes += src->items[i].len + 1;
	c = malloc(sizeof(*c) + bytes);
	items = malloc(src->n * sizeof(*items));
	slots = malloc(src->nslots * sizeof(*slots));
	if (c == NULL || items == NULL || slots == NULL) {
		free(c);
		free(items);
		free(slots);
		return -1;
	}
	c->next = NULL;
	c->used = c->cap = bytes;
	p = c->data;
	for (size_t i = 0; i < src->n; i++) {
		memcpy(p, src->items[i].s, src->items[i].len + 1);
		items[i] = (struct vs_item){ .s = p, .len = src->items[i].len,
		    .hash = src->items[i].hash };
		p += src->items[i].len + 1;
	}
	memcpy(slots, src->slots, src->nslots * sizeof(*slots));
	dst->chunks = c;
	dst->items = items;
	dst->n = dst->cap = src->n;
	dst->slots = slots;
	dst->nslots = src->nslots;
	return 0;
}

int valueset_merge(struct valueset *dst, const struct valueset *src)
{
	if (src == NULL)
		return 0;
	/* into an empty set (a message's first part with values, most
	 * often its only one): a copy, not an add per value */
	if (dst->n == 0 && dst->nslots == 0 && dst->chunks == NULL && src->n > 0 &&
	    vs_clone(dst, src) == 0) {
		if (src->incomplete)
			dst->incomplete = true;
		return 0;
	}
	for (size_t i = 0; i < src->n; i++)
		if (vs_add(dst, src->items[i].s, src->items[i].len, src->items[i].hash) < 0)
			return -1;
	if (src->incomplete)
		dst->incomplete = true;
	return 0;
}

void valueset_set_incomplete(struct valueset *vs)
{
	if (vs != NULL)
		vs->incomplete = true;
}

bool valueset_incomplete(const struct valueset *vs)
{
	return vs != NULL && vs->incomplete;
}

void valueset_free(struct valueset *vs)
{
	if (vs == NULL)
		return;
	for (struct vs_chunk *c = vs->chunks, *next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(vs->items);
	free(vs->slots);
	free(vs);
}
