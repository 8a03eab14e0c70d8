/*
 * b64run.c — base64 pasted into a text body: a workbook or a list sent as
 * a block of base64 lines inside the text, not as a MIME part.
 *
 * A run is a sequence of lines (quoting "> " and blanks around them left
 * out) made only of base64 characters [A-Za-z0-9+/], '=' as padding at the
 * end of the last one: the first line sets the width (16 characters or
 * more), the next ones have that width, the last one may be shorter; a
 * single line stands alone.  It counts when it holds MIN_RUN characters or
 * more, with upper-case and lower-case letters and digits (so a long hex
 * hash, a ruler or a word is none).  It is decoded (RFC 4648, padding
 * optional), sniffed, and when an extractor reads the content (not "none":
 * a certificate or a key pasted is nothing to read) it becomes the child
 * part "<part>/base64-N", inspected at depth + 1 like an attachment: an
 * xlsx as a workbook (in a worker where there are workers), a text as
 * text.  Bounds: max_base64_runs such parts per text part (the part is
 * unscanned past them), max_depth, max_parts, max_member_bytes per
 * decoded run, max_expanded_bytes for the message, the time budget.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"

#define MIN_RUN 80		/* base64 characters: 60 bytes */
#define MIN_WIDTH 16		/* of the first line of a run of several */

static signed char b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (signed char)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (signed char)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (signed char)(c - '0' + 52);
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

struct run {
	char *chars;		/* the run's characters, line ends left out */
	size_t n, cap;
	size_t width;		/* of its first line */
	size_t lines;
	bool upper, lower, digit;
	bool closed;		/* its last line had padding or was short */
};

struct b64scan {
	struct inspect *in;
	size_t idx;
	unsigned depth;
	unsigned found;		/* runs made parts */
	bool stop;		/* a limit was hit */
	struct run r;
};

/* Decode s[0..n) (no padding, no line ends) into out.  Returns the
 * decoded length. */
static size_t b64_decode(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;
	unsigned acc = 0, bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 6) | (unsigned)b64val((unsigned char)s[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

/* The run is complete: decode it and read it when something reads it. */
static void run_end(struct b64scan *sc)
{
	struct run *r = &sc->r;
	struct inspect *in = sc->in;
	const struct scan_limits *l = &in->opt->limits;
	const struct extractor *ex;
	unsigned char *data = NULL;
	char type[256], label[32], *base = NULL, *path = NULL;
	size_t dlen;
	long c;

	if (sc->stop || r->n < MIN_RUN || !r->upper || !r->lower || !r->digit)
		goto done;
	if (inspect_out_of_time(in)) {
		sc->stop = true;
		goto done;
	}
	dlen = r->n / 4 * 3 + 3;
	if (dlen > l->max_member_bytes || in->expanded > l->max_expanded_bytes ||
	    dlen > l->max_expanded_bytes - in->expanded || !(data = malloc(dlen)))
		goto done;
	dlen = b64_decode(r->chars, r->n, data);
	inspect_sniff(data, dlen, type, sizeof(type));
	ex = inspect_choose(type, NULL, data, dlen);
	if (!ex || strcmp(ex->name, "none") == 0)
		goto done;	/* nothing anyone reads: a key, a hash, random bytes */
	if (sc->found >= l->max_base64_runs || sc->depth + 1 > l->max_depth) {
		inspect_unscanned(in, sc->idx, sc->found >= l->max_base64_runs ?
		    "more than max_base64_runs (%u) base64 runs in the text" :
		    "base64 run nested deeper than max_depth (%u)",
		    sc->found >= l->max_base64_runs ? l->max_base64_runs : l->max_depth);
		sc->stop = true;
		goto done;
	}
	sc->found++;
	snprintf(label, sizeof(label), "base64-%u", sc->found);
	base = inspect_container_path(in, sc->idx);
	path = base ? inspect_child_path(base, label) : NULL;
	c = path ? inspect_part_add(in, path, NULL, NULL) : -1;
	if (c < 0) {
		sc->stop = true;	/* max_parts: recorded by inspect_part_add */
		goto done;
	}
	in->expanded += dlen;
	in->res->parts[c].size = dlen;
	in->res->parts[c].detected_type = strdup(type);
	inspect_run(in, (size_t)c, ex, data, dlen, sc->depth + 1, NULL);
done:
	free(path);
	free(base);
	free(data);
	r->n = r->width = r->lines = 0;
	r->upper = r->lower = r->digit = r->closed = false;
}

/* s[0..n) is one line of base64 characters (pad '='s follow it).  Add it
 * to the run, or end the run and start one. */
static void run_line(struct b64scan *sc, const char *s, size_t n, size_t pad)
{
	struct run *r = &sc->r;
	size_t w = n + pad;

	if (r->lines > 0 && (r->closed || r->width < MIN_WIDTH || w > r->width))
		run_end(sc);
	if (r->n + n > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->n + n)
			cap *= 2;
		if (!(p = realloc(r->chars, cap))) {
			sc->stop = true;
			return;
		}
		r->chars = p;
		r->cap = cap;
	}
	if (r->lines == 0)
		r->width = w;
	else if (w < r->width)
		r->closed = true;	/* a shorter line ends the run */
	if (pad)
		r->closed = true;
	memcpy(r->chars + r->n, s, n);
	r->n += n;
	r->lines++;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		r->upper |= c >= 'A' && c <= 'Z';
		r->lower |= c >= 'a' && c <= 'z';
		r->digit |= c >= '0' && c <= '9';
	}
}

/* The line t[0..n): a base64 line or the end of a run. */
static void scan_line(struct b64scan *sc, const char *t, size_t n)
{
	size_t s = 0, e = n, k, pad = 0;

	while (s < e && (t[s] == ' ' || t[s] == '\t' || t[s] == '>'))
		s++;
	while (e > s && (t[e - 1] == ' ' || t[e - 1] == '\t' || t[e - 1] == '\r'))
		e--;
	while (e > s && t[e - 1] == '=' && pad < 2)
		e--, pad++;
	for (k = s; k < e && b64val((unsigned char)t[k]) >= 0; k++)
		;
	if (k < e || e == s) {
		run_end(sc);
		return;
	}
	run_line(sc, t + s, e - s, pad);
}

void
inspect_base64_runs(struct inspect *in, size_t idx, const char *text, size_t len,
    unsigned depth)
{
	struct b64scan sc = { .in = in, .idx = idx, .depth = depth };
	const char *p = text, *end = text + len;

	if (in->opt->limits.max_base64_runs == 0 || len < MIN_RUN)
		return;
	while (p < end && !sc.stop) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		/* cheap test first: a run's line is long and starts with a
		 * base64 character after its quoting */
		if (le - p >= 4 || sc.r.lines > 0)
			scan_line(&sc, p, (size_t)(le - p));
		p = nl ? nl + 1 : end;
	}
	run_end(&sc);
	free(sc.r.chars);
}
