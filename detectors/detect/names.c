/*
 * names.c — person names (人名): a surname followed by a given name, as
 * MeCab with the IPADIC dictionary tags them (名詞,固有名詞,人名,姓 then
 * 名詞,固有名詞,人名,名).
 *
 * MeCab is slow next to the patterns (about 20 MB/s against 100+ for the
 * whole pipeline), so it reads only where a name can be: a prefilter walks
 * the text once and looks every kanji up in a table of IPADIC's own
 * person-name entries (Noun.name.csv, the source of the same dictionary,
 * loaded at init): a dictionary surname (1-4 characters, starting with a
 * kanji) followed — directly, or after one space, tab or comma — by a
 * dictionary given name, or after one space by kana.  MeCab can tag 姓 and
 * 名 only on dictionary words, so the prefilter loses none of what it would
 * find.  Two bitmaps in cache (the 1-character surnames; the first two
 * characters of the longer ones, hashed) answer most kanji; the table is
 * looked at only behind them.  Each candidate is parsed with up to NM_CTX
 * characters of context on each side (the run of kanji and kana around
 * it: ASCII and Japanese punctuation end it; a tab or comma inside the
 * candidate reads as a space), and a window already parsed in the same
 * text is not parsed again (an address repeated on every row).
 *
 * What counts (after MeCab): a 姓 node directly followed by a 名 node, at
 * most one space between, together at least 3 characters unless a space
 * separates them (「山田太郎」「林 優子」「中村 愛」, not a glued 2-character
 * 「林進」); a 1-character 名 glued to one more kanji noun takes it
 * (「森 悠斗」: 悠 + 斗); after a space, a kana noun of 2-4 characters
 * standing alone is a given name too (「山口 さくら」).  Not: a surname
 * alone (「佐藤さん」, 「田中製作所」: a mail names its colleagues, a list names
 * people in full), a name followed by a place suffix (町, 市, 区 …: 「山田町」
 * is MeCab's 地域 anyway), names in katakana or Latin letters.
 * Value: surname, one space, given name ("山田 太郎").  Mask: the surname and
 * "**" ("山田 **").
 *
 * State: one MeCab model and tagger and one prefilter table per process,
 * shared by every textscan (reference counted); a lattice per scan call,
 * so threads may scan at once (MeCab's documented use).  The dictionary is
 * opened and mapped at init: in a sandbox worker, before Landlock and
 * seccomp close the file system.
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mecab.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "detect/names_lookup.h"
#include "detect/util.h"
#include "detect/valueset.h"

#define NM_DICDIR "/var/lib/mecab/dic/ipadic-utf8"
#define NM_CSV "/usr/share/mecab/dic/ipadic/Noun.name.csv"
#define NM_CSV_MAX (16u << 20)	/* bytes of Noun.name.csv read (it has 1.3 MB) */
#define NM_MAXCH 4		/* characters of a surname or given name in the table */
#define NM_CTX 8		/* characters of context on each side given to MeCab */
#define NM_WIN 512		/* bytes of a window (2 * NM_CTX + 9 characters fit) */
#define NM_CACHE 4096		/* windows remembered per scan */
#define NM_BITS 17		/* hash table of 2^17 keys */
#define NM_PAIR_BITS 18		/* bitmap of the 2-character keys' hashes (32 KB) */
#define CP_BASE 0x3000u
#define CP_END 0xA000u

enum { F_SEI = 1, F_SEI_PRE = 2, F_MEI = 4, F_MEI_PRE = 8 };

struct nm_state {
	mecab_model_t *model;
	mecab_t *tagger;
	uint64_t *keys;		/* 2-4 code points packed 16 bits each; 0 = empty */
	uint8_t *flags;
	uint8_t first[CP_END - CP_BASE];	/* flags of 1-character strings */
	uint64_t sei1[(CP_END - CP_BASE) / 64];	/* 1-character surnames */
	uint64_t sei2[((size_t)1 << NM_PAIR_BITS) / 64];	/* first 2 characters of the
						   longer surnames, hashed */
	uint64_t mei2[((size_t)1 << NM_PAIR_BITS) / 64];	/* the same of given names */
};

static pthread_mutex_t nm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nm_state *nm_shared;
static unsigned nm_refs;

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

static int is_kanji(unsigned cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || cp == 0x3005;	/* 々 */
}

static int is_kana(unsigned cp)
{
	return (cp >= 0x3041 && cp <= 0x309F) || (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC;
}

static size_t slot(uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> (64 - NM_BITS));
}

static size_t pair_bit(uint64_t key)
{
	return (size_t)((key * 0xC2B2AE3D27D4EB4FULL) >> (64 - NM_PAIR_BITS));
}

static int bit(const uint64_t *map, size_t b)
{
	return (int)((map[b / 64] >> (b % 64)) & 1);
}

/* Flags of a string of 2-4 characters. */
static inline uint8_t nm_lookup(const struct nm_state *st, uint64_t key)
{
	size_t mask = ((size_t)1 << NM_BITS) - 1;

	for (size_t i = slot(key);; i = (i + 1) & mask) {
		if (st->keys[i] == key)
			return st->flags[i];
		if (st->keys[i] == 0)
			return 0;
	}
}

static int nm_insert(struct nm_state *st, uint64_t key, uint8_t f, size_t *used)
{
	size_t mask = ((size_t)1 << NM_BITS) - 1;

	for (size_t i = slot(key);; i = (i + 1) & mask) {
		if (st->keys[i] == key) {
			st->flags[i] |= f;
			return 0;
		}
		if (st->keys[i] == 0) {
			if (++*used > mask / 10 * 7)
				return -1;	/* the dictionary grew past the table */
			st->keys[i] = key;
			st->flags[i] = f;
			return 0;
		}
	}
}

/* One entry of Noun.name.csv, its surface as nc code points of
 * [CP_BASE, CP_END), a surname (sei) or a given name. */
static int nm_entry_cps(struct nm_state *st, const unsigned *cp, size_t nc, int s, size_t *used)
{
	uint64_t key = 0;

	for (size_t k = 0; k < nc; k++)
		if (!(is_kanji(cp[k]) || is_kana(cp[k]) || cp[k] == 0x30F6))
			return 0;
	if (s && !is_kanji(cp[0]))
		return 0;		/* surnames in katakana: foreign names, not looked for */
	for (size_t k = 0; k < nc; k++) {
		uint8_t f = k + 1 == nc ? (s ? F_SEI : F_MEI) : (s ? F_SEI_PRE : F_MEI_PRE);

		key |= (uint64_t)cp[k] << (16 * k);
		if (k == 0) {
			st->first[cp[0] - CP_BASE] |= f;
			if (s && nc == 1)
				st->sei1[(cp[0] - CP_BASE) / 64] |= (uint64_t)1 << ((cp[0] - CP_BASE) % 64);
		}
		else if (nm_insert(st, key, f, used) < 0)
			return -1;
		if (k == 1)
			(s ? st->sei2 : st->mei2)[pair_bit(key) / 64] |= (uint64_t)1 << (pair_bit(key) % 64);
	}
	return 0;
}

/* The same with the surface s[0..len) in UTF-8: 1-4 characters of 3
 * bytes in [CP_BASE, CP_END), or no entry. */
static int nm_entry(struct nm_state *st, const char *line, size_t len, int s, size_t *used)
{
	unsigned cp[NM_MAXCH];
	size_t nc = 0;

	if (len % 3 != 0 || len / 3 > NM_MAXCH || len == 0)
		return 0;
	for (size_t i = 0; i < len; i += 3)
		if (!(cp[nc++] = cp3(line, len, i)))
			return 0;
	return nm_entry_cps(st, cp, nc, s, used);
}

/* s (UTF-8) in EUC-JP, NUL-terminated, into out[cap]: its length, or -1. */
static long nm_to_euc(iconv_t cd, const char *s, char *out, size_t cap)
{
	char *in = (char *)s, *o = out;
	size_t inleft = strlen(s), outleft = cap - 1;

	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1)
		return -1;
	*o = '\0';
	return o - out;
}

/* Offsets in the line p[0..ll) of its first comma and of its 4th (ll
 * when it has none), 16 bytes at a time: four memchr calls a line cost
 * 2.5 million instructions for the file. */
static void nm_commas(const char *p, size_t ll, size_t *first, size_t *fourth)
{
	size_t i = 0, k = 0;

	*first = *fourth = ll;
#ifdef __SSE2__
	for (; i + 16 <= ll; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')));

		for (; m; m &= m - 1) {
			size_t at = i + (size_t)__builtin_ctz(m);

			if (k++ == 0)
				*first = at;
			if (k == 4) {
				*fourth = at;
				return;
			}
		}
	}
#endif
	for (; i < ll; i++)
		if (p[i] == ',') {
			if (k++ == 0)
				*first = i;
			if (k == 4) {
				*fourth = i;
				return;
			}
		}
}

/* The class of a line of Noun.name.csv whose first comma is c1 (n bytes
 * from it to the line's end; col: the 4th comma, or n): 1 a surname, 0 a
 * given name, -1 neither.  The rule is "sei (else mei) anywhere from
 * c1"; in the file's own shape (surface,lid,rid,cost,名詞,固有名詞,人名,
 * 姓|名|一般,…) the column at the 4th comma answers it: a line with mei
 * there holds sei only after it (no field before, or inside mei, reads
 * 名詞 followed by sei's fields), so only that tail is searched; other
 * lines are searched whole (a search cost 130 instructions a line, 7
 * million for the file). */
static int nm_class(const char *c1, size_t n, size_t col, const char *sei, size_t sei_n,
    const char *mei, size_t mei_n)
{
	if (col < n && n - col >= sei_n && memcmp(c1 + col, sei, sei_n) == 0)
		return 1;
	if (col < n && n - col >= mei_n && memcmp(c1 + col, mei, mei_n) == 0)
		return det_find(c1 + col + mei_n - 1, n - col - mei_n + 1, sei, sei_n) ? 1 : 0;
	if (det_find(c1, n, sei, sei_n))
		return 1;
	return det_find(c1, n, mei, mei_n) ? 0 : -1;
}

/* The UTF-8 of the 2-byte EUC-JP characters (JIS X 0208, both bytes
 * 0xA1-0xFE) met in the surfaces, each converted at its first sight:
 * len 0 not yet, NM_JIS_BAD no conversion of 1-4 bytes; cp its code point
 * when that is one character of 3 bytes in [CP_BASE, CP_END) (as cp3()
 * reads it), else 0. */
#define NM_JIS_N (94 * 94)
#define NM_JIS_BAD 0xFF
struct nm_jis {
	unsigned char len, b[4];
	uint16_t cp;
};

static void jis_one(iconv_t from, struct nm_jis *j, const unsigned char *c)
{
	char in2[2] = { (char)c[0], (char)c[1] }, *in = in2, *o = (char *)j->b;
	size_t inleft = 2, outleft = sizeof(j->b);

	j->len = iconv(from, &in, &inleft, &o, &outleft) == (size_t)-1 || inleft != 0 ||
	    o == (char *)j->b ? NM_JIS_BAD : (unsigned char)(o - (char *)j->b);
	j->cp = j->len == 3 ? (uint16_t)cp3((const char *)j->b, 3, 0) : 0;
}

/* The code points of the surface e[0..n) when it is 1 to NM_MAXCH 2-byte
 * characters that convert to characters cp3() reads: their number, into
 * cp[]; else 0, and the surface goes through jis_decode() and nm_entry()
 * (ASCII, 0x8E and 0x8F characters, cut bytes, longer surfaces: rare).
 * The table's code points spare the UTF-8 written and read again (2
 * million instructions for the file). */
static size_t jis_cps(iconv_t from, struct nm_jis *jis, const char *e, size_t n, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)e;
	size_t nc = 0;

	if (n == 0 || n % 2 != 0 || n / 2 > NM_MAXCH)
		return 0;
	for (size_t i = 0; i < n; i += 2) {
		struct nm_jis *j;

		if (u[i] < 0xA1 || u[i] == 0xFF || u[i + 1] < 0xA1 || u[i + 1] == 0xFF)
			return 0;
		j = &jis[(size_t)(u[i] - 0xA1u) * 94 + (u[i + 1] - 0xA1u)];
		if (j->len == 0)
			jis_one(from, j, u + i);
		if (j->len == NM_JIS_BAD || j->cp == 0)
			return 0;
		cp[nc++] = j->cp;
	}
	return nc;
}

/* One surface e[0..n) into UTF-8, out[cap] (and 4 bytes of slack): through
 * jis while it holds ASCII and 2-byte characters that convert, else by
 * iconv over the whole surface, as each was once converted (an iconv call
 * a surface cost 575 instructions of set-up, 18 million for the file; its
 * 79,478 characters are 2,538 different ones, and EUC-JP has no shift
 * state: a character converts alone as in its surface).  Returns the
 * length, or -1 when iconv refuses the surface. */
static long jis_decode(iconv_t from, struct nm_jis *jis, const char *e, size_t n,
    char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)e;
	char *in = (char *)e, *op = out;
	size_t inleft = n, outleft = cap, o = 0, i;

	for (i = 0; i < n; i++) {
		struct nm_jis *j;

		if (u[i] < 0x80) {
			if (o == cap)
				break;
			out[o++] = (char)u[i];
			continue;
		}
		if (u[i] < 0xA1 || u[i] == 0xFF || i + 1 >= n || u[i + 1] < 0xA1 || u[i + 1] == 0xFF)
			break;
		j = &jis[(size_t)(u[i] - 0xA1u) * 94 + (u[i + 1] - 0xA1u)];
		if (j->len == 0)
			jis_one(from, j, u + i);
		if (j->len == NM_JIS_BAD || j->len > cap - o)
			break;
		memcpy(out + o, j->b, sizeof(j->b));
		o += j->len;
		i++;
	}
	if (i >= n)
		return (long)o;
	if (iconv(from, &in, &inleft, &op, &outleft) == (size_t)-1)
		return -1;
	return op - out;
}

/* Noun.name.csv (EUC-JP) into the table.  The file is read in its own
 * encoding: each line's class column (surface,lid,rid,cost,名詞,固有名詞,
 * 人名,姓|名,…) is matched in EUC-JP and only its surface, the first
 * field, is converted to UTF-8 (converting the whole 2.4 MB file took
 * 100 million instructions at every start of a process that scans). */
static int nm_load(struct nm_state *st, char *err, size_t errlen)
{
	static const char sei[] = ",名詞,固有名詞,人名,姓,", mei[] = ",名詞,固有名詞,人名,名,";
	FILE *f = fopen(NM_CSV, "rb");
	char *raw = NULL, sei_e[64], mei_e[64];
	struct nm_jis *jis = NULL;
	long sei_n, mei_n;
	size_t n = 0, used = 0;
	iconv_t from = (iconv_t)-1, to = (iconv_t)-1;
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "names: %s: %s (package mecab-ipadic)", NM_CSV, strerror(errno));
		return -1;
	}
	if (!(raw = malloc(NM_CSV_MAX)) || !(jis = calloc(NM_JIS_N, sizeof(*jis))))
		goto nomem;
	n = fread(raw, 1, NM_CSV_MAX, f);
	if ((from = iconv_open("UTF-8", "EUC-JP")) == (iconv_t)-1 ||
	    (to = iconv_open("EUC-JP", "UTF-8")) == (iconv_t)-1) {
		snprintf(err, errlen, "names: iconv EUC-JP: %s", strerror(errno));
		goto out;
	}
	if ((sei_n = nm_to_euc(to, sei, sei_e, sizeof(sei_e))) <= 0 ||
	    (mei_n = nm_to_euc(to, mei, mei_e, sizeof(mei_e))) <= 0) {
		snprintf(err, errlen, "names: iconv EUC-JP: %s", strerror(errno));
		goto out;
	}
	for (char *p = raw, *end = raw + n; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p), sl, k1, k4, nc;
		const char *c1;
		char utf[6 * NM_MAXCH + 4];
		unsigned cp[NM_MAXCH];
		long ul;
		int s, er;

		nm_commas(p, ll, &k1, &k4);
		c1 = k1 < ll ? p + k1 : NULL;
		s = c1 ? nm_class(c1, ll - k1, k4 < ll ? k4 - k1 : ll - k1, sei_e, (size_t)sei_n,
		    mei_e, (size_t)mei_n) : -1;

		/* EUC-JP has 1-3 bytes a character: a longer surface has more
		 * than NM_MAXCH; 3 * NM_MAXCH bytes are at most 1.5 times as
		 * many in UTF-8 */
		if (s >= 0 && (sl = (size_t)(c1 - p)) <= 3 * NM_MAXCH) {
			if ((nc = jis_cps(from, jis, p, sl, cp)) > 0)
				er = nm_entry_cps(st, cp, nc, s, &used);
			else if ((ul = jis_decode(from, jis, p, sl, utf, sizeof(utf) - 4)) < 0) {
				snprintf(err, errlen, "names: %s: not EUC-JP", NM_CSV);
				goto out;
			} else
				er = nm_entry(st, utf, (size_t)ul, s, &used);
			if (er < 0) {
				snprintf(err, errlen, "names: %s: more entries than the table holds", NM_CSV);
				goto out;
			}
		}
		p += ll + 1;
	}
	if (used == 0) {
		snprintf(err, errlen, "names: %s: no person names in it", NM_CSV);
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "names: out of memory");
out:
	if (from != (iconv_t)-1)
		iconv_close(from);
	if (to != (iconv_t)-1)
		iconv_close(to);
	free(jis);
	free(raw);
	fclose(f);
	return rc;
}

static void nm_destroy(struct nm_state *st)
{
	if (!st)
		return;
	if (st->tagger)
		mecab_destroy(st->tagger);
	if (st->model)
		mecab_model_destroy(st->model);
	free(st->keys);
	free(st->flags);
	free(st);
}

static struct nm_state *nm_build(char *err, size_t errlen)
{
	struct nm_state *st = calloc(1, sizeof(*st));

	if (!st || !(st->keys = calloc((size_t)1 << NM_BITS, sizeof(*st->keys))) ||
	    !(st->flags = calloc((size_t)1 << NM_BITS, 1))) {
		snprintf(err, errlen, "names: out of memory");
		goto fail;
	}
	if (nm_load(st, err, errlen) < 0)
		goto fail;
	if (!(st->model = mecab_model_new2("-d " NM_DICDIR)) ||
	    !(st->tagger = mecab_model_new_tagger(st->model))) {
		snprintf(err, errlen, "names: MeCab with %s: %s (package mecab-ipadic-utf8)",
		    NM_DICDIR, mecab_strerror(NULL));
		goto fail;
	}
	return st;
fail:
	nm_destroy(st);
	return NULL;
}

static void *nm_init(char *err, size_t errlen)
{
	struct nm_state *st;

	pthread_mutex_lock(&nm_lock);
	if (!nm_shared)
		nm_shared = nm_build(err, errlen);
	if ((st = nm_shared) != NULL)
		nm_refs++;
	pthread_mutex_unlock(&nm_lock);
	return st;
}

static void nm_free(void *state)
{
	pthread_mutex_lock(&nm_lock);
	if (state && state == nm_shared && --nm_refs == 0) {
		nm_destroy(nm_shared);
		nm_shared = NULL;
	}
	pthread_mutex_unlock(&nm_lock);
}

/* ---- one scan ---- */

struct nm_scan {
	const struct nm_state *st;
	const char *text;
	size_t len;
	struct valueset *out;
	mecab_lattice_t *lat;	/* made at the first candidate */
	struct valueset *seen;	/* windows parsed */
	size_t win_start, win_end;	/* the last window */
	int failed;
};

/* Is the character at t[i] part of a candidate's context?  Kanji and kana
 * are: a phrase of them is what MeCab needs to tell a name from a place or
 * a word, and the same phrase is parsed once.  The line, ASCII (digits,
 * spaces, punctuation), other scripts and Japanese punctuation (the CJK
 * symbols U+3000..U+303F but 々, and ・) stop it. */
static int in_phrase(const char *t, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)t + i;

	if (i + 3 > len || u[0] < 0xE3 || u[0] > 0xE9 || (u[1] & 0xC0) != 0x80 ||
	    (u[2] & 0xC0) != 0x80)
		return 0;
	return u[0] != 0xE3 || ((u[1] != 0x80 || u[2] == 0x85) && (u[1] != 0x83 || u[2] != 0xBB));
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Characters of s[0..n) when every one is a 3-byte kanji (surname) or
 * kanji/kana (given name: kinds 1) or kana only (kinds 2); 0 when not. */
static size_t nm_chars(const char *s, size_t n, int kinds)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i += 3, c++) {
		unsigned cp = cp3(s, n, i);

		if (!cp || (kinds == 0 && !is_kanji(cp) && cp != 0x30F6 && cp != 0x30CE &&
		    cp != 0x30B1 && cp != 0x30C4) ||
		    (kinds == 1 && !is_kanji(cp) && !is_kana(cp)) || (kinds == 2 && !is_kana(cp)))
			return 0;
	}
	return n % 3 == 0 ? c : 0;
}

static int is_nor(const mecab_node_t *n)
{
	return n && n->stat == MECAB_NOR_NODE;
}

static int glued(const mecab_node_t *n)
{
	return n && n->stat != MECAB_EOS_NODE && n->rlength == n->length;
}

/* The name whose surname is node a, or 0: writes "姓 名" into v. */
static size_t nm_pair(const mecab_node_t *a, char *v, size_t cap)
{
	const mecab_node_t *b = a->next, *c;
	size_t sc, gc, gap, glen;
	int kana = 0;

	if (!is_nor(a) || !starts_with(a->feature, "名詞,固有名詞,人名,姓") || !b ||
	    b->stat == MECAB_EOS_NODE || !(sc = nm_chars(a->surface, a->length, 0)))
		return 0;
	gap = (size_t)(b->rlength - b->length);
	if (gap > 1)
		return 0;
	glen = b->length;
	c = b->next;
	if (is_nor(b) && starts_with(b->feature, "名詞,固有名詞,人名,名") &&
	    (gc = nm_chars(b->surface, b->length, 1)) != 0) {
		if (sc + gc < 3 && gap == 0)
			return 0;
		/* 悠 + 斗: a 1-character given name takes one glued kanji noun */
		if (gc == 1 && glued(c) && c->length == 3 && nm_chars(c->surface, 3, 0) &&
		    starts_with(c->feature, "名詞,") && !starts_with(c->feature, "名詞,接尾") &&
		    !starts_with(c->feature, "名詞,固有名詞,人名,姓")) {
			glen += 3, gc++;
			c = c->next;
		}
	} else if (gap == 1 && (gc = nm_chars(b->surface, b->length, 2)) >= 2 && gc <= 4 &&
	    starts_with(b->feature, "名詞,") && !starts_with(b->feature, "名詞,接尾") &&
	    !starts_with(b->feature, "名詞,非自立") && !starts_with(b->feature, "名詞,代名詞")) {
		kana = 1;	/* 山口 さくら: kana standing alone after the surname */
	} else
		return 0;
	if (glued(c) && (starts_with(c->feature, "名詞,接尾,地域") ||
	    (kana && !starts_with(c->feature, "名詞,接尾,人名") && !starts_with(c->feature, "記号"))))
		return 0;
	if (a->length + 1 + glen + 1 > cap)
		return 0;
	memcpy(v, a->surface, a->length);
	v[a->length] = ' ';
	memcpy(v + a->length + 1, b->surface, glen);
	v[a->length + 1 + glen] = '\0';
	return a->length + 1 + glen;
}

/* Parse text[from..to) (tabs and commas read as spaces) and add its names. */
static void nm_window(struct nm_scan *sc, size_t from, size_t to)
{
	char buf[NM_WIN], v[NM_WIN + 2];
	size_t n = to - from;

	if (n >= sizeof(buf))
		return;
	memcpy(buf, sc->text + from, n);
	if (memchr(buf, '\t', n) != NULL || memchr(buf, ',', n) != NULL)
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\t' || buf[i] == ',')
				buf[i] = ' ';
	buf[n] = '\0';
	if (!sc->seen)
		sc->seen = valueset_new();	/* at the first candidate: most texts have none */
	if (sc->seen && valueset_count(sc->seen) < NM_CACHE) {
		int r = valueset_add(sc->seen, buf, n);
		if (r == 0)
			return;		/* the same window: the same names */
	}
	if (!sc->lat && !(sc->lat = mecab_model_new_lattice(sc->st->model))) {
		sc->failed = 1;
		return;
	}
	mecab_lattice_set_sentence2(sc->lat, buf, n);
	if (!mecab_parse_lattice(sc->st->tagger, sc->lat))
		return;
	for (const mecab_node_t *a = mecab_lattice_get_bos_node(sc->lat); a; a = a->next) {
		size_t vl = nm_pair(a, v, sizeof(v));

		if (vl && valueset_add(sc->out, v, vl) < 0)
			sc->failed = 1;
	}
}

/* A candidate from `at` to `end`: parse it in its context, once. */
static void nm_candidate(struct nm_scan *sc, size_t at, size_t end)
{
	const char *t = sc->text;
	size_t from = at, to = end;

	if (at >= sc->win_start && end <= sc->win_end)
		return;			/* inside the window parsed last */
	for (int k = 0; k < NM_CTX && from >= 3 && in_phrase(t, sc->len, from - 3); k++)
		from -= 3;
	for (int k = 0; k < NM_CTX && in_phrase(t, sc->len, to); k++)
		to += 3;
	sc->win_start = from;
	sc->win_end = to;
	nm_window(sc, from, to);
}

/* After a surname ending at `at`: a given name (dictionary) or kana after a
 * space?  Returns where the candidate ends, or 0. */
static size_t nm_given(const struct nm_state *st, const char *t, size_t len, size_t at,
    size_t sur_chars)
{
	size_t q = at, end = 0;
	int sep = 0;
	unsigned cp;
	uint8_t f;
	uint64_t key;

	if (q < len && (t[q] == ' ' || t[q] == '\t' || t[q] == ','))
		q++, sep = 1;
	if (!(cp = cp3(t, len, q)))
		return 0;
	if (sep && t[at] == ' ' && is_kana(cp))
		return q + 3;
	f = st->first[cp - CP_BASE];
	if (!sep && sur_chars == 1 && !(f & F_MEI_PRE))
		return 0;	/* a glued 1-character surname needs 2 more */
	key = cp;
	for (size_t k = 1, p = q + 3; f; k++, p += 3) {
		if (f & F_MEI)
			end = p;
		if (!(f & F_MEI_PRE) || k == NM_MAXCH || !(cp = cp3(t, len, p)))
			break;
		key |= (uint64_t)cp << (16 * k);
		if (k == 1 && !bit(st->mei2, pair_bit(key)))
			break;
		f = nm_lookup(st, key);
	}
	if (!end)
		return 0;
	if (!sep && sur_chars + (end - q) / 3 < 3)
		return 0;	/* 2 characters glued: 東京, 京都 … are no names */
	return end;
}

/* A kanji starts at i: every dictionary surname starting there that a
 * given name follows is a candidate.  Most kanji start none: two bitmaps
 * (in cache) answer them — the 1-character surnames (14 % of the kanji of
 * ordinary text) and the first two characters of the longer ones (5 %). */
static inline __attribute__((always_inline)) void nm_at(struct nm_scan *sc, size_t i,
    int near_end)
{
	const struct nm_state *st = sc->st;
	const unsigned char *u = (const unsigned char *)sc->text + i;
	unsigned c1, c2;
	size_t end;
	uint64_t key;
	uint8_t f, f1;

	if (near_end && i + 6 > sc->len)
		return;
	c1 = ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
	f1 = st->first[c1 - CP_BASE];
	if (!(f1 & (F_SEI | F_SEI_PRE)))
		return;		/* no surname starts with c1 (F_SEI: sei1's bit) */
	if (u[3] < 0xE3 || u[3] > 0xE9) {
		/* after a 1-character surname, a separator may lead to a name */
		if ((u[3] == ' ' || u[3] == '\t' || u[3] == ',') && (f1 & F_SEI) &&
		    (end = nm_given(st, sc->text, sc->len, i + 3, 1)) != 0)
			nm_candidate(sc, i, end);
		return;		/* valid UTF-8: a lead byte, so the next 2 follow */
	}
	c2 = ((u[3] & 0x0Fu) << 12) | ((u[4] & 0x3Fu) << 6) | (u[5] & 0x3Fu);
	/* a glued 1-character surname needs a given name of 2 characters or
	 * more: c2 must start one (nm_given asks the same) */
	if ((f1 & F_SEI) && (st->first[c2 - CP_BASE] & F_MEI_PRE)) {
		/* ... and c2 with the next character must start one (the first
		 * test nm_given makes, made here without the call) */
		unsigned c3 = cp3(sc->text, sc->len, i + 6);

		if (c3 && bit(st->mei2, pair_bit(c2 | (uint64_t)c3 << 16)) &&
		    (end = nm_given(st, sc->text, sc->len, i + 3, 1)) != 0)
			nm_candidate(sc, i, end);
	}
	key = c1 | (uint64_t)c2 << 16;
	if (!bit(st->sei2, pair_bit(key)))
		return;
	f = nm_lookup(st, key);
	for (size_t k = 2, p = i + 6; f; k++, p += 3) {
		unsigned cp;

		if ((f & F_SEI) && (end = nm_given(st, sc->text, sc->len, p, k)) != 0)
			nm_candidate(sc, i, end);
		if (!(f & F_SEI_PRE) || k == NM_MAXCH || !(cp = cp3(sc->text, sc->len, p)))
			break;
		key |= (uint64_t)cp << (16 * k);
		f = nm_lookup(st, key);
	}
}

/* Bit k set when byte base + k is a lead byte of U+4000..U+9FFF (E4..E9,
 * never a continuation byte): the kanji, found 16 bytes at a time. */
static uint32_t kanji_leads(const unsigned char *u, size_t len, size_t base)
{
	uint32_t m = 0;

#ifdef __SSE2__
	if (base + 16 <= len) {
		__m128i x = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(u + base)),
		    _mm_set1_epi8((char)0xE4));

		return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x,
		    _mm_set1_epi8(5)), x));
	}
#endif
	for (size_t k = 0; k < 16 && base + k < len; k++)
		if ((unsigned)(u[base + k] - 0xE4) < 6)
			m |= 1u << k;
	return m;
}

static void nm_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct nm_scan sc = { .st = state, .text = text, .len = len, .out = out };
	const unsigned char *u = (const unsigned char *)text;

	size_t base = 0;

	/* away from the end a kanji has the 6 bytes nm_at reads without a check */
	for (; base + 16 + 6 <= len; base += 16)
		for (uint32_t m = kanji_leads(u, len, base); m; m &= m - 1)
			nm_at(&sc, base + (size_t)__builtin_ctz(m), 0);
	for (; base < len; base += 16)
		for (uint32_t m = kanji_leads(u, len, base); m; m &= m - 1)
			nm_at(&sc, base + (size_t)__builtin_ctz(m), 1);
	if (sc.lat)
		mecab_lattice_destroy(sc.lat);
	valueset_free(sc.seen);
	if (sc.failed)
		valueset_set_incomplete(out);
}

static void nm_mask(const char *value, char *out, size_t outlen)
{
	const char *sp = strchr(value, ' ');

	if (sp && (size_t)(sp - value) < 40)
		snprintf(out, outlen, "%.*s **", (int)(sp - value), value);
	else
		snprintf(out, outlen, "** **");
}

const struct detector det_names = {
	.init = nm_init,
	.scan = nm_scan,
	.mask = nm_mask,
	.free = nm_free,
};

/* ---- for the table pass (names_lookup.h) ---- */

int names_surname_known(const char *s, size_t n)
{
	const struct nm_state *st = nm_shared;
	uint64_t key = 0;
	size_t nc = 0;

	if (st == NULL)
		return -1;
	if (n == 0 || n % 3 != 0 || n / 3 > NM_MAXCH)
		return 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned cp = cp3(s, n, i);

		if (cp == 0 || !(is_kanji(cp) || is_kana(cp)) || (nc == 0 && !is_kanji(cp)))
			return 0;
		key |= (uint64_t)cp << (16 * nc++);
	}
	if (nc == 1)
		return (st->first[key - CP_BASE] & F_SEI) != 0;
	return (nm_lookup(st, key) & F_SEI) != 0;
}
