/*
 * fuzz_xmltok.c — the fuzz target `xmltok`: our own XML tokenizer
 * (detectors/extract/zipxml_tok.c, zipxml_tag.c, zipxml_intern.c,
 * zipxml_chars.h) on arbitrary bytes, without the zip around it.
 *
 * Byte 0 seeds the chunk sizes, the rest is the document.  It is tokenized
 * twice: whole (one buffer, eof) and cut into chunks of 1 to 64 bytes
 * carried over as zipxml.c carries them (what a call leaves unconsumed is
 * given again with the next bytes).  Each buffer handed to zxtok_feed is a
 * malloc of exactly its length, so a read past the input is an ASan error.
 * Invariants, checked on every event and at the end:
 *   - consumed bytes are within the buffer; at eof everything is consumed
 *   - text, attribute values, names and URIs are valid UTF-8 (shortest
 *     form, no surrogates, at most U+10FFFF) without NUL or C0 controls
 *     other than tab, line feed and carriage return
 *   - at most ZXT_MAX_DEPTH elements open, the tokenizer's depth is the
 *     events' depth, every end names its start (the same interned names)
 *   - a document accepted ends with nothing open and a root seen
 *   - chunking changes nothing: both runs accept or both refuse (an
 *     entity refused in both), and when they accept the events are the
 *     same (text runs compared joined, as they may be split differently)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/zipxml_tok.h"
#include "tests/fuzz/fuzz_entry.h"

#define XCHECK(cond) do { if (!(cond)) xmltok_fail(#cond, __LINE__); } while (0)

static void __attribute__((noreturn))
xmltok_fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_xmltok.c:%d: invariant broken: %s\n", line, what);
	abort();
}

/* The event log of one run, and its own view of the open elements. */
struct xlog {
	struct zxtok *t;
	char *buf;
	size_t len, cap;
	bool in_text;		/* the last event was text (joined) */
	bool nomem;
	unsigned depth;
	const unsigned char *open[ZXT_MAX_DEPTH][3];	/* local, prefix, uri */
};

static void
put(struct xlog *l, const void *s, size_t n)
{
	if (l->nomem)
		return;
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		char *p;

		while (cap < l->len + n + 1)
			cap *= 2;
		if (!(p = realloc(l->buf, cap))) {
			l->nomem = true;
			return;
		}
		l->buf = p;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* n bytes of s are UTF-8 in shortest form, U+10FFFF at most, no
 * surrogates, no NUL nor C0 control but tab, LF, CR. */
static bool
valid_text(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t k;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* A name or URI: NULL, or a valid string; logged. */
static void
put_str(struct xlog *l, const unsigned char *s, bool may_be_null)
{
	if (!s) {
		XCHECK(may_be_null);
		put(l, "\x01", 1);
		return;
	}
	XCHECK(valid_text(s, strlen((const char *)s)));
	put(l, s, strlen((const char *)s));
	put(l, "\x02", 1);
}

static void
on_start(void *ctx, const unsigned char *local, const unsigned char *prefix,
    const unsigned char *uri, int nns, const unsigned char **nss, int nattr, int ndef,
    const unsigned char **attrs)
{
	struct xlog *l = ctx;

	XCHECK(local && local[0] != '\0');
	XCHECK(nns >= 0 && nattr >= 0 && ndef == 0);
	XCHECK(l->depth < ZXT_MAX_DEPTH);
	l->open[l->depth][0] = local;
	l->open[l->depth][1] = prefix;
	l->open[l->depth][2] = uri;
	l->depth++;
	XCHECK(l->t->depth + 1 == l->depth);	/* the tokenizer counts it after */
	l->in_text = false;
	put(l, "S", 1);
	put_str(l, local, false);
	put_str(l, prefix, true);
	put_str(l, uri, true);
	for (int i = 0; i < nns; i++) {
		put_str(l, nss[2 * i], true);
		put_str(l, nss[2 * i + 1], false);
	}
	put(l, "A", 1);
	for (int i = 0; i < nattr; i++) {
		const unsigned char **a = attrs + 5 * i;

		put_str(l, a[0], false);
		put_str(l, a[1], true);
		put_str(l, a[2], true);
		XCHECK(a[3] && a[4] && a[4] >= a[3]);
		XCHECK(valid_text(a[3], (size_t)(a[4] - a[3])));
		put(l, a[3], (size_t)(a[4] - a[3]));
		put(l, "\x03", 1);
	}
}

static void
on_end(void *ctx, const unsigned char *local, const unsigned char *prefix,
    const unsigned char *uri)
{
	struct xlog *l = ctx;

	XCHECK(l->depth > 0);
	l->depth--;
	XCHECK(l->t->depth == l->depth);
	XCHECK(l->open[l->depth][0] == local && l->open[l->depth][1] == prefix &&
	    l->open[l->depth][2] == uri);
	l->in_text = false;
	put(l, "E", 1);
}

static void
on_text(void *ctx, const unsigned char *s, int n)
{
	struct xlog *l = ctx;

	XCHECK(n > 0);
	XCHECK(l->depth > 0);
	XCHECK(valid_text(s, (size_t)n));
	if (!l->in_text)
		put(l, "T", 1);
	l->in_text = true;
	put(l, s, (size_t)n);
}

static bool
on_stopped(void *ctx)
{
	return ((struct xlog *)ctx)->nomem;
}

static const struct zxtok_cb xmltok_cb = {
	.start = on_start, .end = on_end, .text = on_text, .stopped = on_stopped,
};

/* Feed buf[0..n) (a copy of exactly n bytes); returns what zxtok_feed did. */
static long
feed_exact(struct zxtok *t, const uint8_t *data, size_t n, bool eof, struct xlog *l)
{
	char *buf = malloc(n ? n : 1);
	long used;

	if (!buf) {
		l->nomem = true;
		return -1;
	}
	memcpy(buf, data, n);
	used = zxtok_feed(t, buf, n, eof, &xmltok_cb, l);
	XCHECK(used >= -1 && used <= (long)n);
	if (used >= 0 && eof)
		XCHECK((size_t)used == n);
	/* what was not consumed is handed back untouched */
	if (used >= 0)
		XCHECK(memcmp(buf + used, data + used, n - (size_t)used) == 0);
	free(buf);
	return used;
}

/* One run: whole, or in chunks drawn from seed.  Returns 0 accepted, 1
 * refused (entity or DOCTYPE), 2 failed. */
static int
tokenize(const uint8_t *doc, size_t n, bool chunked, unsigned seed, struct xlog *l)
{
	struct zxtok *t = malloc(sizeof(*t));
	size_t pos = 0, avail = 0;	/* doc[pos..pos+avail) is pending */
	int rc = 2;

	if (!t) {
		l->nomem = true;
		return 2;
	}
	zxtok_init(t);
	l->t = t;
	if (!chunked) {
		if (feed_exact(t, doc, n, true, l) >= 0)
			rc = 0;
	} else {
		for (;;) {
			size_t step;
			long used;
			bool eof;

			seed = seed * 1103515245u + 12345u;
			step = 1 + (seed >> 16) % 64;
			if (step > n - pos - avail)
				step = n - pos - avail;
			avail += step;
			eof = pos + avail == n;
			used = feed_exact(t, doc + pos, avail, eof, l);
			if (used < 0)
				break;
			pos += (size_t)used;
			avail -= (size_t)used;
			if (eof) {
				rc = 0;
				break;
			}
		}
	}
	if (rc == 0) {
		XCHECK(t->depth == 0 && l->depth == 0 && t->root_seen);
	} else if (t->refused) {
		rc = 1;
	}
	XCHECK(t->depth <= ZXT_MAX_DEPTH && t->depth == l->depth);
	zxtok_free(t);
	free(t);
	l->t = NULL;
	return rc;
}

int
fuzz_run_xmltok(const uint8_t *data, size_t len)
{
	struct xlog whole, cut;
	int a, b, rc = -1;

	if (len == 0)
		return 0;
	memset(&whole, 0, sizeof(whole));
	memset(&cut, 0, sizeof(cut));
	a = tokenize(data + 1, len - 1, false, 0, &whole);
	b = tokenize(data + 1, len - 1, true, data[0], &cut);
	if (whole.nomem || cut.nomem)
		goto out;
	XCHECK(a == b);
	if (a == 0)
		XCHECK(whole.len == cut.len && memcmp(whole.buf, cut.buf, whole.len) == 0);
	rc = 0;
out:
	free(whole.buf);
	free(cut.buf);
	return rc;
}
