/*
 * test_names_load.c — the prefilter table that names_table.c loads from
 * Noun.name.csv is the table the plain way builds: each line's class
 * searched for anywhere after the surface, each surface converted by its
 * own iconv call.  And jis_decode's table of characters gives what iconv
 * gives, for every 2-byte EUC-JP character, and hands the rest to iconv;
 * jis_cps gives the code points cp3() reads in iconv's output, or hands
 * the surface on.  names_table.c is included for its static loader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "detectors/detect/names_table.c"

/* The loader as it was: one search per class, one iconv call a surface. */
static int ref_load(struct nm_table *st)
{
	static const char sei[] = ",名詞,固有名詞,人名,姓,", mei[] = ",名詞,固有名詞,人名,名,";
	FILE *f = fopen(NM_CSV, "rb");
	char *raw = malloc(NM_CSV_MAX), sei_e[64], mei_e[64];
	iconv_t from = iconv_open("UTF-8", "EUC-JP"), to = iconv_open("EUC-JP", "UTF-8");
	long sei_n, mei_n;
	size_t n, used = 0;

	assert_non_null(f);
	assert_non_null(raw);
	assert_true(from != (iconv_t)-1 && to != (iconv_t)-1);
	n = fread(raw, 1, NM_CSV_MAX, f);
	sei_n = nm_to_euc(to, sei, sei_e, sizeof(sei_e));
	mei_n = nm_to_euc(to, mei, mei_e, sizeof(mei_e));
	assert_true(sei_n > 0 && mei_n > 0);
	for (char *p = raw, *end = raw + n; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *c1 = memchr(p, ',', ll);
		char utf[6 * NM_MAXCH], *in = p, *o = utf;
		size_t inleft, outleft = sizeof(utf);
		int s = -1;

		if (c1 && det_find(c1, ll - (size_t)(c1 - p), sei_e, (size_t)sei_n))
			s = 1;
		else if (c1 && det_find(c1, ll - (size_t)(c1 - p), mei_e, (size_t)mei_n))
			s = 0;
		if (s >= 0 && (inleft = (size_t)(c1 - p)) <= 3 * NM_MAXCH) {
			assert_true(iconv(from, &in, &inleft, &o, &outleft) != (size_t)-1);
			assert_int_equal(nm_entry(st, utf, (size_t)(o - utf), s, &used), 0);
		}
		p += ll + 1;
	}
	iconv_close(from);
	iconv_close(to);
	free(raw);
	fclose(f);
	return used > 0 ? 0 : -1;
}

static struct nm_table *new_state(void)
{
	struct nm_table *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	assert_non_null(st->keys = calloc((size_t)1 << NM_BITS, sizeof(*st->keys)));
	assert_non_null(st->flags = calloc((size_t)1 << NM_BITS, 1));
	return st;
}

static void test_same_table(void **state)
{
	struct nm_table *a = new_state(), *b = new_state();
	char err[256];

	(void)state;
	assert_int_equal(nm_load(a, err, sizeof(err)), 0);
	assert_int_equal(ref_load(b), 0);
	assert_memory_equal(a->keys, b->keys, sizeof(*a->keys) << NM_BITS);
	assert_memory_equal(a->flags, b->flags, (size_t)1 << NM_BITS);
	assert_memory_equal(a->first, b->first, sizeof(a->first));
	assert_memory_equal(a->sei2, b->sei2, sizeof(a->sei2));
	assert_memory_equal(a->mei2, b->mei2, sizeof(a->mei2));
	nm_table_free(a);
	nm_table_free(b);
	free(a);
	free(b);
}

/* jis_decode against one iconv call over the same surface: the length
 * (or both refusing) and the bytes. */
static void same_decode(iconv_t cd, struct nm_jis *jis, const char *e, size_t n)
{
	char got[6 * NM_MAXCH + 4], want[6 * NM_MAXCH], *in = (char *)e, *o = want;
	size_t inleft = n, outleft = sizeof(want);
	long gl = jis_decode(cd, jis, e, n, got, sizeof(got) - 4);
	long wl = iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1 ? -1 : o - want;

	assert_int_equal(gl, wl);
	if (wl > 0)
		assert_memory_equal(got, want, (size_t)wl);
}

/* jis_cps against iconv and cp3(): the code points when the output is
 * 1-4 characters cp3() reads, else 0 (the surface handed on). */
static void same_cps(iconv_t cd, struct nm_jis *jis, const char *e, size_t n)
{
	char want[6 * NM_MAXCH], *in = (char *)e, *o = want;
	size_t inleft = n, outleft = sizeof(want), wl, nc;
	unsigned cp[NM_MAXCH];

	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		assert_int_equal(jis_cps(cd, jis, e, n, cp), 0);
		return;
	}
	wl = (size_t)(o - want);
	if ((nc = jis_cps(cd, jis, e, n, cp)) == 0)
		return;		/* handed on: jis_decode's and nm_entry's, tested above */
	assert_int_equal(wl, 3 * nc);
	for (size_t k = 0; k < nc; k++)
		assert_int_equal(cp[k], cp3(want, wl, 3 * k));
}

static void test_decode(void **state)
{
	iconv_t cd = iconv_open("UTF-8", "EUC-JP");
	struct nm_jis *jis = calloc(NM_JIS_N, sizeof(*jis));
	/* half-width kana (0x8E), JIS X 0212 (0x8F), cut and stray bytes:
	 * iconv's own path */
	static const char *const odd[] = {
		"\x8E\xB1", "\xB5\xC8\x8F\xB0\xA1", "\xB5", "\xB5\xC8\xB5", "\xA1\x20",
		"\x80\xA1", "\xFF\xFF", "a\xB5\xC8", "",
	};

	(void)state;
	assert_true(cd != (iconv_t)-1);
	assert_non_null(jis);
	/* every 2-byte code twice (converted, then from the table), alone
	 * and between ASCII */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned a = 0xA1; a <= 0xFE; a++)
			for (unsigned b = 0xA1; b <= 0xFE; b++) {
				char e[4] = { 'x', (char)a, (char)b, 'y' };

				same_decode(cd, jis, e + 1, 2);
				same_decode(cd, jis, e, 4);
				same_cps(cd, jis, e + 1, 2);
			}
	for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
		same_decode(cd, jis, odd[k], strlen(odd[k]));
		same_cps(cd, jis, odd[k], strlen(odd[k]));
	}
	/* four characters, and five (too many: handed on) */
	same_cps(cd, jis, "\xBB\xB3\xC5\xC4\xC2\xC0\xCF\xBA", 8);	/* 山田太郎 */
	assert_int_equal(jis_cps(cd, jis, "\xBB\xB3\xC5\xC4\xC2\xC0\xCF\xBA", 8,
	    (unsigned[NM_MAXCH]){ 0 }), 4);
	assert_int_equal(jis_cps(cd, jis, "\xBB\xB3\xC5\xC4\xC2\xC0\xCF\xBA\xA4\xA2", 10,
	    (unsigned[NM_MAXCH]){ 0 }), 0);
	free(jis);
	iconv_close(cd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_table),
		cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
