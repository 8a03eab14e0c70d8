/*
 * test_util.c — the detectors' shared digit clusters (detect/util.c):
 * det_digit_clusters() over the text named by det_text_begin() (the list
 * found once, 64 bytes at a time) must give the clusters the direct walk
 * gives, for every set of separators and digit count the detectors use
 * (and so for each list of the clusters a call may look at alone):
 * clusters across the 64-byte steps, separators before a step, the text's
 * last bytes, random mixes; with a run of digits asked for, only clusters
 * without one left out.  And det_find() against memmem(): needles of
 * 1 to 12 bytes (UTF-8 characters, their last two bytes everywhere).
 * det_chars_back() and det_chars_fwd() (8 bytes at a time) against the
 * byte-by-byte steps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/util.h"

struct ranges {
	size_t n;
	size_t v[2 * 4096];
};

static void collect(void *ctx, size_t from, size_t to)
{
	struct ranges *r = ctx;

	assert_true(r->n + 2 <= sizeof(r->v) / sizeof(r->v[0]));
	r->v[r->n++] = from;
	r->v[r->n++] = to;
}

/* The separators and digit counts of the detectors' calls. */
static const struct {
	const char *seps;
	size_t min;
} calls[] = {
	{ "-. ()+", 10 }, { "-. ()+", 7 }, { "-. ", 12 }, { "- ", 10 }, { "-", 7 },
	{ "", 7 }, { "", 12 }, { "- ", 14 }, { ".-", 8 }, { "-. ()+", 3 },
	/* each of the shared lists (a run of 7, 10 and 12 digits), at and
	 * above its threshold */
	{ "", 8 }, { "", 10 }, { "- .", 14 }, { "-. ()+", 11 }, { "-. ()+", 12 }, { "-", 13 },
};

/* Every call over text[0..len): directly, then shared; the same ranges. */
static void same_clusters(const char *text, size_t len)
{
	static struct ranges direct, shared;

	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		direct.n = shared.n = 0;
		det_digit_clusters(text, len, calls[c].seps, calls[c].min, collect, &direct);
		det_text_begin(text, len);
		det_digit_clusters(text, len, "-. ()+", 10, collect, &(struct ranges){ 0 });
		det_digit_clusters(text, len, calls[c].seps, calls[c].min, collect, &shared);
		det_text_end();
		if (direct.n != shared.n || memcmp(direct.v, shared.v, direct.n * sizeof(size_t)))
			fail_msg("seps \"%s\" min %zu: %zu ranges directly, %zu shared, text \"%.*s\"",
			    calls[c].seps, calls[c].min, direct.n / 2, shared.n / 2, (int)len, text);
	}
}

static void test_simple(void **state)
{
	static struct ranges r;
	const char *t = "TEL 03-1234-5678 ok (090) 1234 5678, no 12345";

	same_clusters(t, strlen(t));
	det_text_begin(t, strlen(t));
	r.n = 0;
	det_digit_clusters(t, strlen(t), "-. ()+", 10, collect, &r);
	det_text_end();
	assert_int_equal(r.n, 4);
	assert_int_equal(r.v[0], 3);		/* the space before 03 is a separator */
	assert_int_equal(r.v[1], 17);		/* and the one after 5678 */
	assert_int_equal(r.v[2], 19);
	assert_int_equal(r.v[3], 35);
}

/* A cluster placed at every offset around the 64-byte steps and the end. */
static void test_boundaries(void **state)
{
	static const char *const pieces[] = {
		"03-1234-5678", "  (03) 1234 5678 ", "123456789012", "1-2-3-4-5-6-7",
		"--..  0120 333 444", "4111 1111 1111 1111", "1234567", "+81 90 1234 5678",
	};
	char buf[300];

	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++)
		for (size_t off = 0; off < 200; off++) {
			size_t n = strlen(pieces[k]);

			memset(buf, 'x', sizeof(buf));
			memcpy(buf + off, pieces[k], n);
			same_clusters(buf, off + n);		/* at the end */
			same_clusters(buf, off + n + 1);	/* one byte after */
			same_clusters(buf, sizeof(buf));
		}
}

/* A run of digits and separators longer than 64 bytes, and clusters
 * touching each other across a single other byte. */
static void test_long_runs(void **state)
{
	char buf[600];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)("0123456789- ."[i % 13]);
	same_clusters(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = i % 9 == 8 ? 'a' : (char)('0' + i % 10);
	same_clusters(buf, sizeof(buf));
	memset(buf, ' ', sizeof(buf));
	memcpy(buf + 63, "1234567", 7);
	same_clusters(buf, sizeof(buf));
}

/* Text of random length below cap, of bytes from alphabet[0..na), by
 * xorshift from *rng: its length. */
static size_t random_text(uint64_t *rng, const char *alphabet, size_t na, char *buf, size_t cap)
{
	size_t len = 0, want;

	*rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
	want = (size_t)(*rng % cap);
	while (len < want) {
		*rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
		buf[len++] = alphabet[*rng % na];
	}
	return len;
}

static void test_random(void **state)
{
	static const char alphabet[] = "0123456789012345678901234567890123456789-. ()+,/*x\xE3\x80\x81";
	uint64_t rng = 0x2545F4914F6CDD1DULL;
	char buf[400];

	for (int round = 0; round < 20000; round++) {
		size_t len = random_text(&rng, alphabet, sizeof(alphabet) - 1, buf, sizeof(buf));

		same_clusters(buf, len);
	}
}

/* The longest run of digits in text[s..e). */
static size_t longest_run(const char *text, size_t s, size_t e)
{
	size_t best = 0, run = 0;

	for (size_t i = s; i < e; i++) {
		run = text[i] >= '0' && text[i] <= '9' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* det_digit_clusters_run() over the shared list: the direct clusters in
 * order, only some of those with no run of min_run left out. */
static void run_clusters(const char *text, size_t len, const char *seps, size_t min,
    size_t min_run)
{
	static struct ranges direct, shared;
	size_t j = 0;

	direct.n = shared.n = 0;
	det_digit_clusters(text, len, seps, min, collect, &direct);
	det_text_begin(text, len);
	det_digit_clusters_run(text, len, seps, min, min_run, collect, &shared);
	det_text_end();
	for (size_t i = 0; i < direct.n; i += 2) {
		if (j < shared.n && shared.v[j] == direct.v[i] && shared.v[j + 1] == direct.v[i + 1]) {
			j += 2;
			continue;
		}
		if (longest_run(text, direct.v[i], direct.v[i + 1]) >= min_run)
			fail_msg("seps \"%s\" min %zu run %zu: [%zu, %zu) left out, text \"%.*s\"",
			    seps, min, min_run, direct.v[i], direct.v[i + 1], (int)len, text);
	}
	if (j != shared.n)
		fail_msg("seps \"%s\" min %zu run %zu: a cluster not found directly, text \"%.*s\"",
		    seps, min, min_run, (int)len, text);
}

static void test_min_run(void **state)
{
	static const char alphabet[] = "0123456789012345678901234567890123456789-- .()+x";
	uint64_t rng = 0x9E3779B97F4A7C15ULL;
	char buf[300];
	const char *t = "年金 1234-567890 と 090-1234-5678 と 1234 567890 と 1234567890.";

	run_clusters(t, strlen(t), "- ", 10, 6);
	for (int round = 0; round < 5000; round++) {
		size_t len = random_text(&rng, alphabet, sizeof(alphabet) - 1, buf, sizeof(buf));

		run_clusters(buf, len, "- ", 10, 6);
		run_clusters(buf, len, "-. ()+", 7, 4);
		run_clusters(buf, len, "", 7, 9);
	}
}

static void test_find(void **state)
{
	static const char *const needles[] = {
		"\xE3\x80\x92", "\xE7\x94\x9F", "b", "ab", "\x94\x9F", "DOB",
		"\xE7\x94\x9F\xE5\xB9\xB4\xE6\x9C\x88\xE6\x97\xA5", "\x9F\x9F\x9F",
	};
	static const char alphabet[] = "ab\xE3\x80\x92\xE7\x94\x9F\x9F\x94\xE5\xB9";
	uint64_t rng = 0x9E3779B97F4A7C15ULL;
	char buf[200];

	for (int round = 0; round < 20000; round++) {
		size_t len;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		len = (size_t)(rng % sizeof(buf));
		for (size_t i = 0; i < len; i++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			buf[i] = alphabet[rng % (sizeof(alphabet) - 1)];
		}
		for (size_t k = 0; k < sizeof(needles) / sizeof(needles[0]); k++) {
			size_t nl = strlen(needles[k]);

			for (size_t from = 0; from < len && from < 20; from += 7)
				assert_ptr_equal(det_find(buf + from, len - from, needles[k], nl),
				    memmem(buf + from, len - from, needles[k], nl));
		}
	}
}

/* The byte-by-byte steps det_chars_back() and det_chars_fwd() stand for. */
static size_t ref_back(const char *t, size_t pos, size_t n)
{
	while (pos > 0 && n > 0)
		if (((unsigned char)t[--pos] & 0xC0) != 0x80)
			n--;
	return pos;
}

static size_t ref_fwd(const char *t, size_t len, size_t pos, size_t n)
{
	while (pos < len && n > 0) {
		pos = det_next_char(t, len, pos);
		n--;
	}
	return pos;
}

static void test_chars(void **state)
{
	static const char *const chars[] = { "a", " ", "\xC3\xA9", "\xE5\xB1\xB1",
		"\xE3\x80\x81", "\xF0\x9F\x98\x80", "\x80", "\xBF" };
	uint64_t rng = 0xD1B54A32D192ED03ULL;
	char buf[400];

	for (int round = 0; round < 3000; round++) {
		size_t len = 0, want;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		want = (size_t)(rng % 380);
		while (len < want) {
			const char *c;

			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			c = chars[rng % (sizeof(chars) / sizeof(chars[0]))];
			memcpy(buf + len, c, strlen(c));
			len += strlen(c);
		}
		for (size_t pos = 0; pos <= len; pos += 1 + pos % 7)
			for (size_t n = 0; n < 120; n += 1 + n / 4) {
				assert_int_equal(det_chars_back(buf, pos, n), ref_back(buf, pos, n));
				assert_int_equal(det_chars_fwd(buf, len, pos, n), ref_fwd(buf, len, pos, n));
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_long_runs),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_min_run),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_chars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
