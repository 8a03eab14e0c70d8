/*
 * textscan.c — the text pipeline: normalize once, fold the escapes
 * (unescape.h: spaced and kanji digits, [at] addresses …), run every
 * detector of the registry over the result; then the values that tables
 * vouch for (table.h), each type's labelled lines through its detector.
 */
#include <stdio.h>
#include <stdlib.h>

#include "detect/detector.h"
#include "detect/table.h"
#include "text/normalize.h"
#include "text/unescape.h"
#include "text/textscan.h"
#include "detect/valueset.h"

struct textscan {
	void *state[FT_COUNT];	/* each detector's compiled patterns */
};

struct textscan *textscan_new(char *err, size_t errlen)
{
	struct textscan *ts = calloc(1, sizeof(*ts));

	if (ts == NULL) {
		snprintf(err, errlen, "textscan: out of memory");
		return NULL;
	}
	for (int t = 0; t < FT_COUNT; t++) {
		ts->state[t] = detectors[t]->init(err, errlen);
		if (ts->state[t] == NULL)
			goto fail;
	}
	return ts;
fail:
	textscan_free(ts);
	return NULL;
}

/* The table pass: the labelled lines table_context() writes go through
 * their type's detector.  Returns 0, or -1 on ENOMEM. */
static int run_tables(const struct textscan *ts, const char *norm, size_t nlen,
    struct valueset *sets[FT_COUNT])
{
	struct table_text tt[FT_COUNT] = { { 0 } };
	int rc = table_context(norm, nlen, tt, sets);

	for (int t = 0; t < FT_COUNT; t++)
		if (tt[t].len > 0 && sets[t] != NULL)
			detectors[t]->scan(ts->state[t], tt[t].p, tt[t].len, sets[t]);
	table_text_free(tt);
	return rc;
}

int textscan_run(const struct textscan *ts, const char *utf8, size_t len,
    struct valueset *sets[FT_COUNT])
{
	size_t nlen;
	char *norm = normalize_text(utf8, len, &nlen);
	int rc = 0;

	if (norm == NULL)
		return -1;
	nlen = unescape_text(norm, nlen);
	det_text_begin(norm, nlen);
	for (int t = 0; t < FT_COUNT; t++) {
		if (sets[t] == NULL)
			continue;
		detectors[t]->scan(ts->state[t], norm, nlen, sets[t]);
	}
	det_text_end();
	if (run_tables(ts, norm, nlen, sets) < 0)
		rc = -1;
	for (int t = 0; t < FT_COUNT; t++)
		if (sets[t] != NULL && valueset_incomplete(sets[t]))
			rc = -1;
	free(norm);
	return rc;
}

void textscan_mask(enum finding_type t, const char *value, char *out, size_t outlen)
{
	if ((unsigned)t >= FT_COUNT) {
		snprintf(out, outlen, "***");
		return;
	}
	detectors[t]->mask(value, out, outlen);
}

void textscan_free(struct textscan *ts)
{
	if (ts == NULL)
		return;
	for (int t = 0; t < FT_COUNT; t++)
		if (ts->state[t] != NULL)
			detectors[t]->free(ts->state[t]);
	free(ts);
}
