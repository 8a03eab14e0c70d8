/*
 * scan_expect.c — the text pipeline's findings asserted in unit tests
 * (scan_expect.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/detector.h"
#include "detect/valueset.h"
#include "text/textscan.h"
#include "tests/unit/lib/scan_expect.h"

static struct textscan *ts;

int se_setup(void **state)
{
	char err[256];

	ts = textscan_new(err, sizeof(err));
	if (ts == NULL)
		fprintf(stderr, "textscan_new: %s\n", err);
	return ts != NULL ? 0 : -1;
}

int se_teardown(void **state)
{
	textscan_free(ts);
	return 0;
}

struct textscan *se_ts(void)
{
	return ts;
}

void se_scan(const char *text, struct se_found *f)
{
	for (int t = 0; t < FT_COUNT; t++)
		assert_non_null(f->v[t] = valueset_new());
	assert_int_equal(textscan_run(ts, text, strlen(text), f->v), 0);
}

void se_release(struct se_found *f)
{
	for (int t = 0; t < FT_COUNT; t++)
		valueset_free(f->v[t]);
}

/* The values of type t found in text are exactly the NULL-terminated list
 * (in any order). */
void se_expect(const char *text, enum finding_type t, ...)
{
	struct se_found f;
	const char *want;
	size_t n = 0;
	va_list ap;

	se_scan(text, &f);
	va_start(ap, t);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (!valueset_has(f.v[t], want, strlen(want)))
			fail_msg("%s: %s not found in \"%s\"", finding_type_name(t), want, text);
		n++;
	}
	va_end(ap);
	if (valueset_count(f.v[t]) != n)
		fail_msg("%s: %zu values in \"%s\", want %zu (first: %s)", finding_type_name(t),
		    valueset_count(f.v[t]), text, n, valueset_get(f.v[t], 0));
	se_release(&f);
}

/* Nothing at all is found in text. */
void se_clean(const char *text)
{
	struct se_found f;

	se_scan(text, &f);
	for (int t = 0; t < FT_COUNT; t++)
		if (valueset_count(f.v[t]) != 0)
			fail_msg("%s: found %s in \"%s\"", finding_type_name(t),
			    valueset_get(f.v[t], 0), text);
	se_release(&f);
}
