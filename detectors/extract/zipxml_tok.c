/*
 * zipxml_tok.c — the streaming tokenizer of UTF-8 package XML (see
 * zipxml_tok.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/zipxml_tok_int.h"
#include "extract/zipxml_chars.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum { TK_TEXT, TK_COMMENT, TK_CDATA, TK_PI };

#define ZXT_MAX_TEXT 10000000u		/* libxml2's XML_MAX_TEXT_LENGTH */

void
zxtok_init(struct zxtok *t)
{
	memset(t, 0, sizeof(*t));
}

void
zxtok_free(struct zxtok *t)
{
	zxtok_intern_free(t);
	free(t->ns);
	free(t->attrs);
	memset(t, 0, sizeof(*t));
}

/* ---- tags: the common ones in one pass ---- */

/* The namespace of element q here: ns_find's, kept in q while no binding
 * comes or goes. */
static inline const char *
ns_of(struct zxtok *t, struct zxtok_name *q)
{
	bool bound;

	if (q->uri_epoch != t->ns_epoch + 1) {
		q->uri = zxtok_ns_find(t, q->prefix, &bound);
		q->uri_epoch = t->ns_epoch + 1;
	}
	return q->uri;
}

/* Bytes an attribute value keeps as they are, with nothing to check: not
 * a quote, '&', '<', a control, white space or a byte of UTF-8. */
static const unsigned char aplain[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x25] = 1, [0x28 ... 0x3b] = 1, [0x3d ... 0x7f] = 1,
};

/* The first byte of q..end that is not aplain, or end.  Sixteen bytes
 * at once where SSE2 is and they are there (a value is mostly shorter:
 * one load finds its end). */
static inline char *
plain_end(char *q, char *end)
{
#ifdef __SSE2__
	while (end - q >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(x, _mm_set1_epi8('"'))),
		    _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(x, _mm_set1_epi8(1)), _mm_set1_epi8('\'')),
		    _mm_cmpeq_epi8(x, _mm_set1_epi8('<')))));

		if (m != 0)
			return q + __builtin_ctz(m);
		q += 16;
	}
#endif
	while (q < end && aplain[(unsigned char)*q])
		q++;
	return q;
}

/* The name at s (bounded by end) is q's, whole: the same bytes, then a
 * byte that is no name byte. */
static inline bool
name_at(const struct zxtok_name *q, const char *s, const char *end)
{
	return q != NULL && (size_t)(end - s) > q->len && same(q->s, s, q->len) &&
	    !name_byte((unsigned char)s[q->len]) && q->split;
}

/* The start tag at p ('<', a name byte) read in one pass, when it is the
 * common case: wholly in the buffer, well formed, its name and each
 * attribute's the ones last seen at the same place (t->sib, t->attr_last:
 * nothing to intern), no namespace declaration.  Then its events, as
 * start_tag gives them, and the byte after its '>' (NULL on an error).
 * Otherwise p, nothing read or changed: tag_end and start_tag take it. */
static char *
start_fast(struct zxtok *t, char *p, char *end, const struct zxtok_cb *cb, void *ctx)
{
	char *q = p + 1, *gt;
	struct zxtok_name *qname;
	const char *uri;
	size_t nattr = 0;
	unsigned decode = 0;		/* values with bytes to decode or check */
	bool empty = false;

	if (t->depth >= ZXT_MAX_DEPTH || (t->depth == 0 && t->root_seen) ||
	    !name_at(qname = t->sib[t->depth], q, end))
		return p;
	q += qname->len;		/* below end, as at each turn */
	for (;;) {
		const struct zxtok_name *aq;
		const unsigned char **a;
		char quote, *v;
		bool ws = false;

		while (is_ws((unsigned char)*q)) {
			ws = true;
			if (++q == end)
				return p;
		}
		if (*q == '>') {
			gt = q;
			break;
		}
		if (*q == '/') {
			if (q + 1 == end || q[1] != '>')
				return p;
			gt = q + 1;
			empty = true;
			break;
		}
		if (!ws || nattr == ZXT_ATTR_CACHE || (nattr + 1) * 5 > t->attrcap ||
		    !name_at(aq = t->attr_last[nattr], q, end))
			return p;
		q += aq->len;
		if (*q == '=' && end - q >= 2 && (q[1] == '"' || q[1] == '\'')) {
			q++;		/* name="value", the common way */
		} else {
			while (q < end && is_ws((unsigned char)*q))
				q++;
			if (q == end || *q != '=')
				return p;
			for (q++; q < end && is_ws((unsigned char)*q); q++)
				;
			if (q == end || (*q != '"' && *q != '\''))
				return p;
		}
		quote = *q++;
		v = q;
		if ((q = plain_end(q, end)) == end)
			return p;
		if (*q != quote) {
			if ((q = memchr(q, quote, (size_t)(end - q))) == NULL)
				return p;
			decode |= 1u << nattr;
		}
		a = t->attrs + nattr * 5;
		a[0] = (const unsigned char *)aq->local;
		a[1] = (const unsigned char *)aq->prefix;
		a[2] = NULL;
		a[3] = (const unsigned char *)v;
		a[4] = (const unsigned char *)q;
		nattr++;
		if (++q == end)
			return p;
	}
	/* the tag is whole: its values decoded in order, as start_tag does */
	for (size_t i = 0; decode != 0; i++, decode >>= 1) {
		const unsigned char **a = t->attrs + i * 5;
		long vn;

		if (!(decode & 1))
			continue;
		if ((vn = zxtok_attr_value(t, (char *)a[3], (size_t)(a[4] - a[3]))) < 0)
			return NULL;
		a[4] = a[3] + vn;
	}
	uri = ns_of(t, qname);
	t->root_seen = true;
	t->textrun = 0;
	cb->start(ctx, (const unsigned char *)qname->local, (const unsigned char *)qname->prefix,
	    (const unsigned char *)uri, 0, NULL, (int)nattr, 0, t->attrs);
	if (empty) {
		cb->end(ctx, (const unsigned char *)qname->local,
		    (const unsigned char *)qname->prefix, (const unsigned char *)uri);
	} else {
		t->open_uri[t->depth] = uri;
		t->open[t->depth++] = qname;
	}
	return cb->stopped(ctx) ? NULL : gt + 1;
}

/* The end tag at p ("</") in one pass when it is the common case: the
 * open element's name and '>' at once, wholly in the buffer.  Then its
 * event and the byte after '>' (NULL on an error); otherwise p, nothing
 * read or changed. */
static char *
end_fast(struct zxtok *t, char *p, char *end, const struct zxtok_cb *cb, void *ctx)
{
	const struct zxtok_name *open;
	const char *uri;
	char *name = p + 2;

	if (t->depth == 0)
		return p;
	open = t->open[t->depth - 1];
	if ((size_t)(end - name) <= open->len || name[open->len] != '>' ||
	    !same(open->s, name, open->len) || !open->split)
		return p;
	uri = t->open_uri[t->depth - 1];
	t->depth--;
	ns_pop(t);
	t->textrun = 0;
	cb->end(ctx, (const unsigned char *)open->local, (const unsigned char *)open->prefix,
	    (const unsigned char *)uri);
	return cb->stopped(ctx) ? NULL : name + open->len + 1;
}

/* ---- text ---- */

/* Bytes of text that stay as they are (classes 0 and 7). */
static const unsigned char tplain[256] = {
	[0x20 ... 0x25] = 1, [0x27 ... 0x3b] = 1, [0x3d ... 0x7f] = 1,
};

/* Character data from p up to the next '<' or a cut reference.  Returns
 * where it stopped (at '<', or at what must be carried), or NULL on error. */
static char *
text(struct zxtok *t, char *p, char *end, bool eof, const struct zxtok_cb *cb, void *ctx)
{
	char *r = p, *w = p;
	uint32_t c;
	long len;

	if (t->depth == 0) {	/* outside the root: white space only, no reference */
		while (r < end && is_ws((unsigned char)*r))
			r++;
		if (r < end && *r != '<') {
			fail(t, t->root_seen ? "Extra content at the end of the document" :
			    "Start tag expected, '<' not found");
			return NULL;
		}
		return r;
	}
	while (r < end) {
		unsigned char k = cls[(unsigned char)*r];
		uint32_t v;

		/* a run of "&#NNNNN;" (the CJK text openpyxl writes) at once,
		 * two by two while it can */
		if (k == 2 && end - r >= 9) {
			char *r0 = r;
			uint32_t v2;

			for (;;) {
				if (end - r >= 17 && ref5x2(r, &v, &v2)) {
					w = put_cp5(put_cp5(w, v), v2);
					r += 16;
				} else if (end - r >= 9 && *r == '&' && (v = ref5(r)) != 0) {
					w = put_cp5(w, v);
					r += 8;
				} else {
					break;
				}
			}
			if (r != r0)
				continue;
		}
		if (tplain[(unsigned char)*r]) {
			char *s = r;

			while (r < end && tplain[(unsigned char)*r])
				r++;
			if (w != s)
				memmove(w, s, (size_t)(r - s));
			w += r - s;
			continue;
		}
		if (k == 1)
			break;
		if (k == 8) {
			*w++ = *r++;
			continue;
		}
		if (k == 3) {		/* \r\n and \r are line ends: \n */
			if (r + 1 == end && !eof)
				break;
			if (r + 1 < end && r[1] == '\n')
				r++;
			*w++ = '\n';
			r++;
			continue;
		}
		if (k == 2) {
			len = ref(r, end, &c);
			if (len == -1 && !eof)
				break;
			if (len == -3) {
				t->refused = true;
				fail(t, "entity reference");
				return NULL;
			}
			if (len < 0) {
				fail(t, "malformed character or entity reference");
				return NULL;
			}
			w = put_cp(w, c);
			r += len;
			continue;
		}
		if (k == 5) {
			len = u8_len((const unsigned char *)r, (const unsigned char *)end);
			if (len < 0 && !eof)
				break;
			if (len <= 0) {
				fail(t, "Input is not proper UTF-8, indicate encoding !");
				return NULL;
			}
			if (w == r) {
				w += len;
				r += len;
			} else {
				while (len-- > 0)
					*w++ = *r++;
			}
			continue;
		}
		fail(t, k == 4 ? "PCDATA invalid Char value" :
		    "Input is not proper UTF-8, indicate encoding !");
		return NULL;
	}
	if (w > p) {
		if ((t->textrun += (size_t)(w - p)) > ZXT_MAX_TEXT) {
			fail(t, "xmlSAX2Characters: huge text node");
			return NULL;
		}
		cb->text(ctx, (const unsigned char *)p, (int)(w - p));
		if (cb->stopped(ctx))
			return NULL;
	}
	return r;
}

/* Character data of a CDATA section p..end (validated, no references). */
static int
cdata(struct zxtok *t, char *p, char *end, const struct zxtok_cb *cb, void *ctx)
{
	for (char *r = p; r < end;) {
		unsigned char k = cls[(unsigned char)*r];

		if (k == 5) {
			long len = u8_len((const unsigned char *)r, (const unsigned char *)end);

			if (len <= 0)
				return (int)fail(t, "Input is not proper UTF-8, indicate encoding !");
			r += len;
		} else if (k == 4 || k == 6) {
			return (int)fail(t, k == 4 ? "CData section invalid Char value" :
			    "Input is not proper UTF-8, indicate encoding !");
		} else {
			r++;
		}
	}
	if (end > p) {
		if ((t->textrun += (size_t)(end - p)) > ZXT_MAX_TEXT)
			return (int)fail(t, "xmlSAX2Characters: huge text node");
		cb->text(ctx, (const unsigned char *)p, (int)(end - p));
		if (cb->stopped(ctx))
			return -1;
	}
	return 0;
}

/* Keep back from a run of n bytes ending at end so that it ends neither
 * inside a UTF-8 character nor inside a terminator of len m. */
static size_t
safe_cut(const char *s, size_t n, size_t m)
{
	size_t k = n > m - 1 ? n - (m - 1) : 0, k0 = k;

	/* back to the start of the character s[k] continues: at most 3 bytes
	 * back from k (not from n: a 4-byte character before one byte of a
	 * terminator was cut) */
	while (k > 0 && k < n && ((unsigned char)s[k] & 0xc0) == 0x80 && k0 - k < 3)
		k--;
	return k;
}

long
zxtok_feed(struct zxtok *t, char *buf, size_t n, bool eof, const struct zxtok_cb *cb, void *ctx)
{
	char *p = buf, *end = buf + n;

	if (!t->started) {		/* a UTF-8 byte-order mark is no text */
		if (n < 3 && !eof && memcmp(buf, "\xef\xbb\xbf", n) == 0)
			return 0;
		if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		t->started = true;
	}
	while (p < end) {
		if (t->state != TK_TEXT) {
			static const char *const term[] = { NULL, "-->", "]]>", "?>" };
			const char *tm = term[t->state];
			size_t m = strlen(tm);
			char *e = memmem(p, (size_t)(end - p), tm, m);

			if (e == NULL) {
				size_t k = eof ? (size_t)(end - p) : safe_cut(p, (size_t)(end - p), m);

				if (eof)
					return fail(t, t->state == TK_COMMENT ? "Comment not terminated" :
					    t->state == TK_CDATA ? "CData section not finished" :
					    "PI not finished");
				if (t->state == TK_CDATA && cdata(t, p, p + k, cb, ctx) != 0)
					return -1;
				p += k;
				break;
			}
			if (t->state == TK_CDATA && cdata(t, p, e, cb, ctx) != 0)
				return -1;
			p = e + m;
			t->state = TK_TEXT;
			continue;
		}
		if (*p != '<') {
			char *r = text(t, p, end, eof, cb, ctx);

			if (r == NULL)
				return -1;
			if (r == p)
				break;		/* a cut reference or character: carried */
			p = r;
			continue;
		}
		/* markup: the common tags in one pass, the rest the general way */
		if (end - p >= 2 && (p[1] == '/' || name_byte((unsigned char)p[1]))) {
			char *r = p[1] == '/' ? end_fast(t, p, end, cb, ctx) :
			    start_fast(t, p, end, cb, ctx);

			if (r == NULL)
				return -1;
			if (r != p) {
				p = r;
				continue;
			}
		}
		if (end - p < 9 && !eof && (end - p < 2 || p[1] == '!'))
			break;
		if (end - p >= 2 && p[1] == '!') {
			if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
				t->state = TK_COMMENT;
				p += 4;
			} else if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
				if (t->depth == 0)
					return fail(t, "CDATA outside the root element");
				t->state = TK_CDATA;
				p += 9;
			} else {
				t->refused = memcmp(p, "<!DOCTYPE", end - p < 9 ? (size_t)(end - p) : 9) == 0;
				return fail(t, "markup declaration not allowed here");
			}
			continue;
		}
		if (end - p >= 2 && p[1] == '?') {
			t->state = TK_PI;
			p += 2;
			continue;
		}
		{
			long rc = zxtok_tag(t, p, end, eof, cb, ctx);

			if (rc < 0)
				return -1;
			if (rc == 0)
				break;		/* cut: carried */
			p += rc;
		}
	}
	if (eof) {
		if (p < end)
			return fail(t, "Premature end of data");
		if (t->depth > 0)
			return fail(t, "Premature end of data in tag");
		if (!t->root_seen)
			return fail(t, "Document is empty");
	}
	return p - buf;
}
