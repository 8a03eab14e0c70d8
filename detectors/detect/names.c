/*
 * names.c — person names (人名): a surname followed by a given name, as
 * MeCab with the IPADIC dictionary tags them (名詞,固有名詞,人名,姓 then
 * 名詞,固有名詞,人名,名).
 *
 * MeCab is slow next to the patterns (about 20 MB/s against 100+ for the
 * whole pipeline), so it reads only where a name can be: a prefilter walks
 * the text once and looks every kanji up in a table of IPADIC's own
 * person-name entries (Noun.name.csv, the source of the same dictionary,
 * loaded at init by names_table.c): a dictionary surname (1-4 characters, starting with a
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
#include "detect/names_table.h"
#include "detect/util.h"
#include "detect/valueset.h"

#define NM_DICDIR "/var/lib/mecab/dic/ipadic-utf8"
#define NM_CTX 8		/* characters of context on each side given to MeCab */
#define NM_WIN 512		/* bytes of a window (2 * NM_CTX + 9 characters fit) */
#define NM_CACHE 4096		/* windows remembered per scan */

struct nm_state {
	struct nm_table tab;	/* the prefilter (names_table.c) */
	mecab_model_t *model;
	mecab_t *tagger;
};

static pthread_mutex_t nm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nm_state *nm_shared;
static unsigned nm_refs;

static void nm_destroy(struct nm_state *st)
{
	if (!st)
		return;
	if (st->tagger)
		mecab_destroy(st->tagger);
	if (st->model)
		mecab_model_destroy(st->model);
	nm_table_free(&st->tab);
	free(st);
}

static struct nm_state *nm_build(char *err, size_t errlen)
{
	struct nm_state *st = calloc(1, sizeof(*st));

	if (!st) {
		snprintf(err, errlen, "names: out of memory");
		return NULL;
	}
	if (nm_table_load(&st->tab, err, errlen) < 0)
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
static size_t nm_given(const struct nm_table *st, const char *t, size_t len, size_t at,
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
	const struct nm_table *st = &sc->st->tab;
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
		return;		/* no surname starts with c1 */
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
	const struct nm_table *st = nm_shared ? &nm_shared->tab : NULL;
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
