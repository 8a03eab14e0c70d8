/*
 * result_json.c — a scan_result as JSON with jansson.  Values appear only
 * masked (scan_result_samples), never in full.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "detectors/result_json.h"
#include "text/terms.h"

#define MAX_SAMPLES 100

/* A string or null. */
static json_t *
str_or_null(const char *s)
{
	json_t *j = s ? json_string(s) : NULL;

	return j ? j : json_null();	/* json_string refuses invalid UTF-8 */
}

json_t *
result_json_findings(const struct scan_result *r)
{
	json_t *o = json_object();

	for (int t = 0; o && t < FT_COUNT; t++)
		json_object_set_new(o, finding_type_name((enum finding_type)t),
		    json_integer((json_int_t)scan_result_count(r, (enum finding_type)t)));
	return o;
}

/* The terms found (count > 0) into o as "dictionary.NAME" and
 * "pattern.NAME": {"count", "samples"} (a pattern's samples masked). */
static void
terms_json(json_t *o, const struct scan_result *r, char (*buf)[64], size_t max)
{
	char key[128];

	for (size_t i = 0; r->terms && i < r->nterms; i++) {
		long count = scan_result_term(r, i);
		size_t n;
		json_t *samples;

		if (count <= 0)
			continue;
		n = scan_result_term_samples(r, i, buf, max);
		samples = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(samples, str_or_null(buf[k]));
		snprintf(key, sizeof(key), "%s.%s", term_kind_name(terms_def(r->terms, i)->kind),
		    terms_def(r->terms, i)->name);
		json_object_set_new(o, key, json_pack("{s:I, s:o}", "count", (json_int_t)count,
		    "samples", samples));
	}
}

json_t *
result_json_findings_samples(const struct scan_result *r, size_t max_samples)
{
	json_t *o = json_object();
	char (*buf)[64];

	if (max_samples > MAX_SAMPLES)
		max_samples = MAX_SAMPLES;
	buf = calloc(max_samples ? max_samples : 1, sizeof(*buf));
	if (!o || !buf) {
		free(buf);
		json_decref(o);
		return NULL;
	}
	for (int t = 0; t < FT_COUNT; t++) {
		size_t count = scan_result_count(r, (enum finding_type)t), n;
		size_t excl = scan_result_excluded(r, (enum finding_type)t);
		json_t *e, *samples;

		if (count == 0 && excl == 0)
			continue;
		n = scan_result_samples(r, (enum finding_type)t, buf, max_samples);
		samples = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(samples, str_or_null(buf[i]));
		e = json_pack("{s:I, s:o}", "count", (json_int_t)count, "samples", samples);
		if (e && excl) {
			/* the organisation's own, listed but not counted */
			n = scan_result_excluded_samples(r, (enum finding_type)t, buf, max_samples);
			samples = json_array();
			for (size_t i = 0; i < n; i++)
				json_array_append_new(samples, str_or_null(buf[i]));
			json_object_set_new(e, "excluded", json_integer((json_int_t)excl));
			json_object_set_new(e, "excluded_samples", samples);
		}
		json_object_set_new(o, finding_type_name((enum finding_type)t), e);
	}
	terms_json(o, r, buf, max_samples);
	free(buf);
	return o;
}

json_t *
result_json_recipients(const struct scan_result *r)
{
	return json_pack("{s:I, s:I, s:I, s:I}",
	    "recipients", (json_int_t)r->rcpt.recipients,
	    "external", (json_int_t)r->rcpt.external,
	    "external_visible", (json_int_t)r->rcpt.external_visible,
	    "external_domains", (json_int_t)r->rcpt.external_domains);
}

static json_t *
part_json(const struct scan_part *p)
{
	json_t *f = json_object();

	for (int t = 0; f && t < FT_COUNT; t++)
		json_object_set_new(f, finding_type_name((enum finding_type)t),
		    json_integer(p->counts[t]));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:b, s:o}",
	    "path", str_or_null(p->path),
	    "filename", str_or_null(p->filename),
	    "declared_type", str_or_null(p->declared_type),
	    "detected_type", str_or_null(p->detected_type),
	    "extractor", str_or_null(p->extractor),
	    "size", (json_int_t)p->size,
	    "findings", f ? f : json_null(),
	    "encrypted", p->encrypted,
	    "unscanned", str_or_null(p->unscanned));
}

json_t *
result_json_parts(const struct scan_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->nparts; i++)
		json_array_append_new(a, part_json(&r->parts[i]));
	return a;
}
