/*
 * test_valueset.c — the distinct-string set: add, lookup, order, growth,
 * merge, the incomplete flag, copies kept whole across the chunks they
 * are stored in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/valueset.h"

static void test_add_and_has(void **state)
{
	struct valueset *vs = valueset_new();

	assert_non_null(vs);
	assert_int_equal(valueset_count(vs), 0);
	assert_false(valueset_has(vs, "abc", 3));
	assert_int_equal(valueset_add(vs, "abc", 3), 1);
	assert_int_equal(valueset_add(vs, "abc", 3), 0);
	assert_true(valueset_has(vs, "abc", 3));
	assert_false(valueset_has(vs, "ab", 2));
	assert_false(valueset_has(vs, "abcd", 4));
	assert_int_equal(valueset_add(vs, "ab", 2), 1);	/* a prefix is another value */
	assert_int_equal(valueset_count(vs), 2);
	valueset_free(vs);
}

/* Copies are stored in chunks (256 bytes first, up to 4 KB): values of
 * every length up to one longer than a chunk, thousands of them, each read
 * back whole and NUL-terminated after all were added. */
static void test_copies_across_chunks(void **state)
{
	struct valueset *vs = valueset_new();
	char *big = malloc(9000);
	char v[64];

	assert_non_null(big);
	memset(big, 'x', 9000);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(v, sizeof(v), "%0*d", 1 + i % 50, i);

		assert_int_equal(valueset_add(vs, v, (size_t)n), 1);
		if (i == 2500)
			assert_int_equal(valueset_add(vs, big, 9000), 1);
	}
	assert_int_equal(valueset_count(vs), 5001);
	for (int i = 0; i < 5000; i++) {
		snprintf(v, sizeof(v), "%0*d", 1 + i % 50, i);
		assert_string_equal(valueset_get(vs, (size_t)i + (i > 2500)), v);
		assert_true(valueset_has(vs, v, strlen(v)));
	}
	assert_int_equal(strlen(valueset_get(vs, 2501)), 9000);
	assert_memory_equal(valueset_get(vs, 2501), big, 9000);
	free(big);
	valueset_free(vs);
}

static void test_length_not_nul(void **state)
{
	struct valueset *vs = valueset_new();

	/* only len bytes count, whatever follows */
	assert_int_equal(valueset_add(vs, "09012345678xyz", 11), 1);
	assert_true(valueset_has(vs, "09012345678", 11));
	assert_string_equal(valueset_get(vs, 0), "09012345678");
	assert_int_equal(valueset_add(vs, "", 0), 1);
	assert_true(valueset_has(vs, "", 0));
	assert_string_equal(valueset_get(vs, 1), "");
	valueset_free(vs);
}

/* The hash reads a value 8 bytes at a time and its last 1-7 bytes one by
 * one: values of every length to 23 that differ in one byte only, each
 * byte of the tail among them, and in a high byte (0x80, 0xFF) or NUL,
 * are all distinct and all found. */
static void test_tail_bytes(void **state)
{
	static const unsigned char alt[] = { 0x00, 0x01, 0x80, 0xFF };
	struct valueset *vs = valueset_new();
	char v[24];
	size_t want = 0;

	for (size_t len = 1; len < sizeof(v); len++) {
		memset(v, 'a', sizeof(v));
		assert_int_equal(valueset_add(vs, v, len), 1);
		want++;
		for (size_t at = 0; at < len; at++)
			for (size_t k = 0; k < sizeof(alt); k++) {
				memset(v, 'a', sizeof(v));
				v[at] = (char)alt[k];
				assert_int_equal(valueset_add(vs, v, len), 1);
				want++;
			}
	}
	assert_int_equal(valueset_count(vs), want);
	for (size_t len = 1; len < sizeof(v); len++)
		for (size_t at = 0; at < len; at++)
			for (size_t k = 0; k < sizeof(alt); k++) {
				memset(v, 'a', sizeof(v));
				v[at] = (char)alt[k];
				assert_true(valueset_has(vs, v, len));
				assert_int_equal(valueset_add(vs, v, len), 0);
				v[at] = 'b';	/* never added */
				assert_false(valueset_has(vs, v, len));
			}
	valueset_free(vs);
}

static void test_insertion_order(void **state)
{
	struct valueset *vs = valueset_new();
	const char *v[] = { "zeta", "alpha", "mu", "alpha", "beta", "zeta" };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		valueset_add(vs, v[i], strlen(v[i]));
	assert_int_equal(valueset_count(vs), 4);
	assert_string_equal(valueset_get(vs, 0), "zeta");
	assert_string_equal(valueset_get(vs, 1), "alpha");
	assert_string_equal(valueset_get(vs, 2), "mu");
	assert_string_equal(valueset_get(vs, 3), "beta");
	assert_null(valueset_get(vs, 4));
	valueset_free(vs);
}

static void test_growth(void **state)
{
	struct valueset *vs = valueset_new();
	char buf[32];

	for (int i = 0; i < 20000; i++) {
		int n = snprintf(buf, sizeof(buf), "v%d", i);
		assert_int_equal(valueset_add(vs, buf, (size_t)n), 1);
	}
	for (int i = 0; i < 20000; i += 7) {
		int n = snprintf(buf, sizeof(buf), "v%d", i);
		assert_int_equal(valueset_add(vs, buf, (size_t)n), 0);
		assert_true(valueset_has(vs, buf, (size_t)n));
	}
	assert_int_equal(valueset_count(vs), 20000);
	assert_string_equal(valueset_get(vs, 0), "v0");
	assert_string_equal(valueset_get(vs, 12345), "v12345");
	assert_false(valueset_has(vs, "v20000", 6));
	valueset_free(vs);
}

static void test_merge(void **state)
{
	struct valueset *a = valueset_new(), *b = valueset_new();

	valueset_add(a, "x", 1);
	valueset_add(a, "y", 1);
	valueset_add(b, "y", 1);
	valueset_add(b, "z", 1);
	assert_int_equal(valueset_merge(a, b), 0);
	assert_int_equal(valueset_count(a), 3);
	assert_string_equal(valueset_get(a, 2), "z");
	assert_int_equal(valueset_count(b), 2);		/* src unchanged */
	assert_int_equal(valueset_merge(a, NULL), 0);
	assert_int_equal(valueset_count(a), 3);
	valueset_free(a);
	valueset_free(b);
}

/* A merge into an empty set copies the source whole: the same values in
 * the same order, found by has(), and the copy grows like any set. */
static void test_merge_into_empty(void **state)
{
	struct valueset *a = valueset_new(), *b = valueset_new();
	char buf[32], big[5000];

	memset(big, 'q', sizeof(big));
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(buf, sizeof(buf), "090-%04d-%04d", i, i * 7);
		valueset_add(b, buf, (size_t)n);
		valueset_add(b, buf, (size_t)n);	/* a duplicate: not kept */
	}
	valueset_add(b, big, sizeof(big));		/* longer than a chunk */
	valueset_set_incomplete(b);
	assert_int_equal(valueset_merge(a, b), 0);
	assert_int_equal(valueset_count(a), 3001);
	assert_true(valueset_incomplete(a));
	for (size_t i = 0; i < valueset_count(b); i++) {
		assert_string_equal(valueset_get(a, i), valueset_get(b, i));
		assert_true(valueset_get(a, i) != valueset_get(b, i));	/* a copy */
		assert_true(valueset_has(a, valueset_get(b, i), strlen(valueset_get(b, i))));
	}
	assert_false(valueset_has(a, "090-3000-0000", 13));
	valueset_free(b);			/* a keeps its own copies */
	assert_string_equal(valueset_get(a, 2999), "090-2999-20993");
	/* and it grows like any set: new values kept, old ones not twice */
	assert_int_equal(valueset_add(a, "090-0001-0007", 13), 0);
	for (int i = 3000; i < 6000; i++) {
		int n = snprintf(buf, sizeof(buf), "090-%04d-%04d", i, i * 7);
		assert_int_equal(valueset_add(a, buf, (size_t)n), 1);
	}
	assert_int_equal(valueset_count(a), 6001);
	assert_true(valueset_has(a, "090-5999-41993", 14));
	assert_true(valueset_has(a, big, sizeof(big)));
	valueset_free(a);
}

static void test_incomplete_flag(void **state)
{
	struct valueset *a = valueset_new(), *b = valueset_new();

	assert_false(valueset_incomplete(a));
	valueset_set_incomplete(b);
	assert_true(valueset_incomplete(b));
	assert_int_equal(valueset_merge(a, b), 0);
	assert_true(valueset_incomplete(a));	/* carried over by merge */
	assert_false(valueset_incomplete(NULL));
	valueset_set_incomplete(NULL);		/* harmless */
	valueset_free(a);
	valueset_free(b);
}

static void test_null_safe(void **state)
{
	valueset_free(NULL);
	assert_int_equal(valueset_count(NULL), 0);
	assert_false(valueset_has(NULL, "a", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_has),
		cmocka_unit_test(test_length_not_nul),
		cmocka_unit_test(test_copies_across_chunks),
		cmocka_unit_test(test_tail_bytes),
		cmocka_unit_test(test_insertion_order),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_into_empty),
		cmocka_unit_test(test_incomplete_flag),
		cmocka_unit_test(test_null_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
