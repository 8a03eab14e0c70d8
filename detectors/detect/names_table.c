/*
 * names_table.c — Noun.name.csv (EUC-JP) into the names detector's
 * prefilter table (names_table.h), once a process.
 *
 * The file is read in its own encoding: each line's class column is
 * matched in EUC-JP, and only the surface is converted, each 2-byte
 * character once through a 94x94 table of what iconv gives for it; a
 * surface of other bytes goes through iconv whole.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "detect/names_table.h"
#include "detect/util.h"

static int nm_insert(struct nm_table *st, uint64_t key, uint8_t f, size_t *used)
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
static int nm_entry_cps(struct nm_table *st, const unsigned *cp, size_t nc, int s, size_t *used)
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
		if (k == 0)
			st->first[cp[0] - CP_BASE] |= f;
		else if (nm_insert(st, key, f, used) < 0)
			return -1;
		if (k == 1)
			(s ? st->sei2 : st->mei2)[pair_bit(key) / 64] |= (uint64_t)1 << (pair_bit(key) % 64);
	}
	return 0;
}

/* The same with the surface s[0..len) in UTF-8: 1-4 characters of 3
 * bytes in [CP_BASE, CP_END), or no entry. */
static int nm_entry(struct nm_table *st, const char *line, size_t len, int s, size_t *used)
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
static int nm_load(struct nm_table *st, char *err, size_t errlen)
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

int nm_table_load(struct nm_table *t, char *err, size_t errlen)
{
	if (!(t->keys = calloc((size_t)1 << NM_BITS, sizeof(*t->keys))) ||
	    !(t->flags = calloc((size_t)1 << NM_BITS, 1))) {
		snprintf(err, errlen, "names: out of memory");
		nm_table_free(t);
		return -1;
	}
	if (nm_load(t, err, errlen) < 0) {
		nm_table_free(t);
		return -1;
	}
	return 0;
}

void nm_table_free(struct nm_table *t)
{
	free(t->keys);
	free(t->flags);
	t->keys = NULL;
	t->flags = NULL;
}
