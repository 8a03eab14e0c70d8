/*
 * det_testutil.h — helpers for the detector unit tests (header only, so
 * nothing of it is linked into other test binaries).
 *
 * A test file picks its detector in its group setup (dt_setup_type); then
 * dt_find() normalizes a text as the pipeline does and runs that detector.
 */
#ifndef DLP_DET_TESTUTIL_H
#define DLP_DET_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/detector.h"
#include "text/normalize.h"
#include "detect/valueset.h"

static const struct detector *dt_det;
static const char *dt_name;
static void *dt_st;

static inline int dt_setup_type(enum finding_type t)
{
	char err[256];

	dt_det = detectors[t];
	dt_name = finding_type_name(t);
	dt_st = dt_det->init(err, sizeof(err));
	if (dt_st == NULL)
		fprintf(stderr, "init %s: %s\n", finding_type_name(t), err);
	return dt_st != NULL ? 0 : -1;
}

static inline int dt_teardown(void **state)
{
	dt_det->free(dt_st);
	dt_st = NULL;
	return 0;
}

/* Normalize text and run the detector over it — twice: alone, and as the
 * pipeline runs it, after det_text_begin() (the prefilters shared by the
 * detectors); both must find the same values in the same order. */
static inline struct valueset *dt_find(const char *text)
{
	size_t n;
	char *norm = normalize_text(text, strlen(text), &n);
	struct valueset *vs = valueset_new(), *shared = valueset_new();

	assert_non_null(norm);
	assert_non_null(vs);
	assert_non_null(shared);
	dt_det->scan(dt_st, norm, n, vs);
	det_text_begin(norm, n);
	dt_det->scan(dt_st, norm, n, shared);
	det_text_end();
	if (valueset_count(shared) != valueset_count(vs))
		fail_msg("%s: %zu values alone, %zu with det_text_begin in \"%s\"", dt_name,
		    valueset_count(vs), valueset_count(shared), text);
	for (size_t i = 0; i < valueset_count(vs); i++)
		assert_string_equal(valueset_get(shared, i), valueset_get(vs, i));
	valueset_free(shared);
	free(norm);
	return vs;
}

/* The values found in text are exactly the NULL-terminated list, in order. */
static inline void dt_expect(const char *text, ...)
{
	struct valueset *vs = dt_find(text);
	const char *want;
	size_t i = 0;
	va_list ap;

	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= valueset_count(vs))
			fail_msg("%s: %s not found in \"%s\"", dt_name, want, text);
		if (strcmp(valueset_get(vs, i), want) != 0)
			fail_msg("%s: value %zu is %s, want %s, in \"%s\"", dt_name, i,
			    valueset_get(vs, i), want, text);
		i++;
	}
	va_end(ap);
	if (valueset_count(vs) != i)
		fail_msg("%s: %zu values in \"%s\", want %zu (extra: %s)", dt_name,
		    valueset_count(vs), text, i, valueset_get(vs, i));
	valueset_free(vs);
}

/* Nothing is found in text. */
static inline void dt_none(const char *text)
{
	struct valueset *vs = dt_find(text);

	if (valueset_count(vs) != 0)
		fail_msg("%s: found %s in \"%s\"", dt_name, valueset_get(vs, 0), text);
	valueset_free(vs);
}

/* Number of distinct values in text. */
static inline size_t dt_count(const char *text)
{
	struct valueset *vs = dt_find(text);
	size_t n = valueset_count(vs);

	valueset_free(vs);
	return n;
}

static inline void dt_mask(const char *value, const char *want)
{
	char out[128];

	dt_det->mask(value, out, sizeof(out));
	assert_string_equal(out, want);
}

#endif
