/*
 * names_table.h — the names detector's prefilter table: IPADIC's own
 * person-name entries (Noun.name.csv), surnames and given names of 1-4
 * characters keyed by their code points, loaded once a process by
 * names_table.c and read by names.c's scan and names_surname_known().
 */
#ifndef DLP_NAMES_TABLE_H
#define DLP_NAMES_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define NM_CSV "/usr/share/mecab/dic/ipadic/Noun.name.csv"
#define NM_CSV_MAX (16u << 20)	/* bytes of Noun.name.csv read (it has 1.3 MB) */
#define NM_MAXCH 4		/* characters of a surname or given name in the table */
#define NM_BITS 17		/* hash table of 2^17 keys */
#define NM_PAIR_BITS 18		/* bitmap of the 2-character keys' hashes (32 KB) */
#define CP_BASE 0x3000u
#define CP_END 0xA000u

enum { F_SEI = 1, F_SEI_PRE = 2, F_MEI = 4, F_MEI_PRE = 8 };

struct nm_table {
	uint64_t *keys;		/* 2-4 code points packed 16 bits each; 0 = empty */
	uint8_t *flags;
	uint8_t first[CP_END - CP_BASE];	/* flags of 1-character strings */
	uint64_t sei2[((size_t)1 << NM_PAIR_BITS) / 64];	/* first 2 characters of the
						   longer surnames, hashed */
	uint64_t mei2[((size_t)1 << NM_PAIR_BITS) / 64];	/* the same of given names */
};

/* The table's storage made and Noun.name.csv loaded into it: 0, or -1
 * with the reason in err (the table then freed). */
int nm_table_load(struct nm_table *t, char *err, size_t errlen);
void nm_table_free(struct nm_table *t);

/* Code point of the 3-byte character at t[i] when it lies in
 * [CP_BASE, CP_END), else 0. */
static inline unsigned cp3(const char *text, size_t len, size_t i)
{
	const unsigned char *t = (const unsigned char *)text + i;

	if (i + 3 > len || t[0] < 0xE3 || t[0] > 0xE9 || (t[1] & 0xC0) != 0x80 ||
	    (t[2] & 0xC0) != 0x80)
		return 0;
	return ((t[0] & 0x0Fu) << 12) | ((t[1] & 0x3Fu) << 6) | (t[2] & 0x3Fu);
}

static inline int is_kanji(unsigned cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || cp == 0x3005;	/* 々 */
}

static inline int is_kana(unsigned cp)
{
	return (cp >= 0x3041 && cp <= 0x309F) || (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC;
}

static inline size_t slot(uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> (64 - NM_BITS));
}

static inline size_t pair_bit(uint64_t key)
{
	return (size_t)((key * 0xC2B2AE3D27D4EB4FULL) >> (64 - NM_PAIR_BITS));
}

static inline int bit(const uint64_t *map, size_t b)
{
	return (int)((map[b / 64] >> (b % 64)) & 1);
}

/* Flags of a string of 2-4 characters. */
static inline uint8_t nm_lookup(const struct nm_table *st, uint64_t key)
{
	size_t mask = ((size_t)1 << NM_BITS) - 1;

	for (size_t i = slot(key);; i = (i + 1) & mask) {
		if (st->keys[i] == key)
			return st->flags[i];
		if (st->keys[i] == 0)
			return 0;
	}
}

#endif
