/*
 * zipxml_tag.c — the tokenizer's tags the general way (zipxml_tok.c reads
 * the common ones in one pass and hands this file the rest): the tag's
 * '>' found first, then its name and attributes checked as libxml2 checks
 * them, interned, and handed out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/zipxml_tok_int.h"
#include "extract/zipxml_chars.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define ZXT_MAX_NAME 4096u
#define ZXT_MAX_NS 4096u		/* namespace bindings open at once */
#define ZXT_MAX_ATTRS 4096u		/* attributes of one element */

#define XML_NS "http://www.w3.org/XML/1998/namespace"

/* A name's bytes s..e (name bytes) are UTF-8: only asked when one of them
 * is not ASCII, as libxml2 refuses a name that is not. */
static bool
name_utf8(const char *s, const char *e)
{
	const unsigned char *p = (const unsigned char *)s, *end = (const unsigned char *)e;

	while (p < end) {
		long n;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if (cls[*p] != 5 || (n = u8_len(p, end)) <= 0)
			return false;
		p += n;
	}
	return true;
}

/* End of the tag starting at p ('<'): the '>' (outside quotes), or NULL
 * when the buffer ends first.  Sixteen bytes at a time where SSE2 is (the
 * tag bytes are half of a worksheet), the stop bytes found by a mask. */
static const unsigned char tag_stop[256] = { ['"'] = 1, ['\''] = 1, ['>'] = 1 };

static const char *
tag_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
#ifdef __SSE2__
		while (end - p >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(x, _mm_set1_epi8('>')), _mm_cmpeq_epi8(x, _mm_set1_epi8('"'))),
			    _mm_cmpeq_epi8(x, _mm_set1_epi8('\''))));

			if (m != 0) {
				p += __builtin_ctz(m);
				break;
			}
			p += 16;
		}
		if (p == end)
			break;
#endif
		if (!tag_stop[(unsigned char)*p])
			continue;
		if (*p == '>')
			return p;
		/* a quoted value: to its closing quote */
		if ((p = memchr(p + 1, *p, (size_t)(end - p - 1))) == NULL)
			return NULL;
	}
	return NULL;
}

/* The interned entry of s[0..n), tried first against *cache (the name
 * last seen at the same place), which it then becomes.  The hit inline
 * (it is nearly every element and attribute of a worksheet), the miss
 * out of line. */
static struct zxtok_name *intern_miss(struct zxtok *t, struct zxtok_name **cache, const char *s,
    size_t n);

static inline __attribute__((always_inline)) struct zxtok_name *
intern_cached(struct zxtok *t, struct zxtok_name **cache, const char *s, size_t n)
{
	struct zxtok_name *q = *cache;

	if (q != NULL && q->len == n && same(q->s, s, n))
		return q;
	return intern_miss(t, cache, s, n);
}

static __attribute__((noinline)) struct zxtok_name *
intern_miss(struct zxtok *t, struct zxtok_name **cache, const char *s, size_t n)
{
	struct zxtok_name *q = zxtok_intern_name(t, s, n);

	if (q != NULL)
		*cache = q;
	return q;
}

const char *
zxtok_ns_find(struct zxtok *t, const char *prefix, bool *bound)
{
	*bound = true;
	for (size_t i = t->nns; i > 0; i--)
		if (t->ns[i - 1].prefix == prefix)
			return t->ns[i - 1].uri[0] ? t->ns[i - 1].uri : NULL;
	if (prefix == NULL)
		return NULL;
	if (strcmp(prefix, "xml") == 0)
		return XML_NS;
	*bound = false;
	return NULL;
}

static int qsplit_first(struct zxtok *t, struct zxtok_name *q);

/* The prefix and local part of interned name q (computed once, by
 * qsplit_first). */
static inline int
qsplit(struct zxtok *t, struct zxtok_name *q, const char **prefix, const char **local)
{
	if (!q->split && qsplit_first(t, q) != 0)
		return -1;
	*prefix = q->prefix;
	*local = q->local;
	return 0;
}

static __attribute__((noinline)) int
qsplit_first(struct zxtok *t, struct zxtok_name *q)
{
	const char *colon = memchr(q->s, ':', q->len);

	q->prefix = NULL;
	if (colon == NULL || colon == q->s || colon + 1 == q->s + q->len) {
		q->local = q->s;
	} else if ((q->prefix = zxtok_intern(t, q->s, (size_t)(colon - q->s))) == NULL ||
	    (q->local = zxtok_intern(t, colon + 1, (size_t)(q->s + q->len - colon - 1))) == NULL) {
		return -1;
	}
	q->split = true;
	return 0;
}

long
zxtok_attr_value(struct zxtok *t, char *v, size_t n)
{
	const char *r = v, *end = v + n;
	char *w = v;
	uint32_t c;
	long len;

	/* the plain bytes before the first that changes or needs a look stay
	 * where they are */
	while (r < end && (cls[(unsigned char)*r] == 0 || cls[(unsigned char)*r] == 7))
		r++;
	w += r - v;
	while (r < end) {
		switch (cls[(unsigned char)*r]) {
		case 0:
		case 7:
			*w++ = *r++;
			break;
		case 1:
			return fail(t, "Unescaped '<' not allowed in attributes values");
		case 2:
			len = ref(r, end, &c);
			if (len == -3) {
				t->refused = true;
				return fail(t, "entity reference");
			}
			if (len < 0)
				return fail(t, "malformed character or entity reference");
			w = c == '\t' || c == '\n' || c == '\r' ? (*w = ' ', w + 1) : put_cp(w, c);
			r += len;
			break;
		case 3:
			if (r + 1 < end && r[1] == '\n')
				r++;
			/* fall through */
		case 8:
			*w++ = ' ';
			r++;
			break;
		case 5:
			if ((len = u8_len((const unsigned char *)r, (const unsigned char *)end)) <= 0)
				return fail(t, "Input is not proper UTF-8");
			memmove(w, r, (size_t)len);
			w += len;
			r += len;
			break;
		default:
			return fail(t, cls[(unsigned char)*r] == 4 ? "invalid character in attribute value" :
			    "Input is not proper UTF-8");
		}
	}
	return w - v;
}

/* The start tag p..gt ('<' .. '>').  0, or -1. */
static long
start_tag(struct zxtok *t, char *p, char *gt, const struct zxtok_cb *cb, void *ctx)
{
	char *q = p + 1, *name = q;
	struct zxtok_name *qname;
	const char *prefix, *local, *uri;
	size_t nattr = 0, ns0 = t->nns;
	bool empty = false, bound;
	unsigned char hi = 0;

	while (q < gt && name_byte((unsigned char)*q))
		hi |= (unsigned char)*q++;
	if (q == name || (*name >= '0' && *name <= '9') || *name == '-' || *name == '.' ||
	    (size_t)(q - name) > ZXT_MAX_NAME)
		return fail(t, "StartTag: invalid element name");
	if ((hi & 0x80) && !name_utf8(name, q))
		return fail(t, "Input is not proper UTF-8, indicate encoding !");
	if (t->depth == 0 && t->root_seen)
		return fail(t, "Extra content at the end of the document");
	if (t->depth >= ZXT_MAX_DEPTH)
		return fail(t, "Excessive depth in document: 256 use XML_PARSE_HUGE option");
	if ((qname = intern_cached(t, &t->sib[t->depth], name, (size_t)(q - name))) == NULL)
		return -1;
	/* attributes */
	for (;;) {
		bool ws = false;
		char *an, *ae, quote, *v, *ve;
		long vn;

		while (q < gt && is_ws((unsigned char)*q))
			q++, ws = true;
		if (q == gt)
			break;
		if (*q == '/' && q + 1 == gt) {
			empty = true;
			break;
		}
		if (!ws)
			return fail(t, "attributes construct error");
		an = q;
		hi = 0;
		while (q < gt && name_byte((unsigned char)*q))
			hi |= (unsigned char)*q++;
		ae = q;
		if (an == ae || (size_t)(ae - an) > ZXT_MAX_NAME)
			return fail(t, "attributes construct error");
		if ((hi & 0x80) && !name_utf8(an, ae))
			return fail(t, "Input is not proper UTF-8, indicate encoding !");
		while (q < gt && is_ws((unsigned char)*q))
			q++;
		if (q == gt || *q != '=')
			return fail(t, "Specification mandates value for attribute");
		for (q++; q < gt && is_ws((unsigned char)*q); q++)
			;
		if (q == gt || (*q != '"' && *q != '\''))
			return fail(t, "AttValue: \" or ' expected");
		quote = *q++;
		v = q;
		if ((ve = memchr(q, quote, (size_t)(gt - q))) == NULL)
			return fail(t, "AttValue: ' expected");
		q = ve + 1;
		if ((vn = zxtok_attr_value(t, v, (size_t)(ve - v))) < 0)
			return -1;
		if ((ae - an == 5 && memcmp(an, "xmlns", 5) == 0) ||
		    (ae - an > 6 && memcmp(an, "xmlns:", 6) == 0)) {
			const char *pf = NULL, *u;

			if (ae - an > 6 && (pf = zxtok_intern(t, an + 6, (size_t)(ae - an - 6))) == NULL)
				return -1;
			if ((u = zxtok_intern(t, v, (size_t)vn)) == NULL)
				return -1;
			if (t->nns == t->nscap) {
				size_t cap = t->nscap ? t->nscap * 2 : 32;
				struct zxtok_ns *ns;

				if (cap > ZXT_MAX_NS || (ns = realloc(t->ns, cap * sizeof(*ns))) == NULL)
					return fail(t, "too many namespace declarations");
				t->ns = ns;
				t->nscap = cap;
			}
			t->ns[t->nns++] = (struct zxtok_ns){ pf, u, t->depth };
			t->ns_epoch++;
			continue;
		}
		if (nattr == ZXT_MAX_ATTRS)
			return fail(t, "too many attributes");
		if ((nattr + 1) * 5 > t->attrcap) {
			size_t cap = t->attrcap ? t->attrcap * 2 : 80;
			const unsigned char **a = realloc(t->attrs, cap * sizeof(*a));

			if (a == NULL)
				return fail(t, "out of memory");
			t->attrs = a;
			t->attrcap = cap;
		}
		{
			const unsigned char **a = t->attrs + nattr * 5;
			const char *apf, *alocal;
			struct zxtok_name *aq = nattr < ZXT_ATTR_CACHE ?
			    intern_cached(t, &t->attr_last[nattr], an, (size_t)(ae - an)) :
			    zxtok_intern_name(t, an, (size_t)(ae - an));

			if (aq == NULL || qsplit(t, aq, &apf, &alocal) != 0)
				return -1;
			a[0] = (const unsigned char *)alocal;
			a[1] = (const unsigned char *)apf;
			a[2] = NULL;
			a[3] = (const unsigned char *)v;
			a[4] = (const unsigned char *)v + vn;
			nattr++;
		}
	}
	if (qsplit(t, qname, &prefix, &local) != 0)
		return -1;
	uri = zxtok_ns_find(t, prefix, &bound);	/* unbound: no namespace, as libxml2 */
	t->root_seen = true;
	t->textrun = 0;
	cb->start(ctx, (const unsigned char *)local, (const unsigned char *)prefix,
	    (const unsigned char *)uri, 0, NULL, (int)nattr, 0, t->attrs);
	if (empty) {
		cb->end(ctx, (const unsigned char *)local, (const unsigned char *)prefix,
		    (const unsigned char *)uri);
		if (t->nns != ns0)
			t->ns_epoch++;
		t->nns = ns0;
	} else {
		t->open_uri[t->depth] = uri;
		t->open[t->depth++] = qname;
	}
	return cb->stopped(ctx) ? -1 : 0;
}

/* The end tag p..gt ('</' .. '>').  0, or -1. */
static long
end_tag(struct zxtok *t, char *p, char *gt, const struct zxtok_cb *cb, void *ctx)
{
	char *name = p + 2, *q = name;
	struct zxtok_name *open;
	const char *prefix, *local, *uri;
	size_t n;

	while (q < gt && name_byte((unsigned char)*q))
		q++;
	n = (size_t)(q - name);
	while (q < gt && is_ws((unsigned char)*q))
		q++;
	if (q != gt || n == 0)
		return fail(t, "expected '>'");
	if (t->depth == 0)
		return fail(t, "StartTag: invalid element name");
	open = (struct zxtok_name *)t->open[t->depth - 1];
	if (open->len != n || !same(open->s, name, n))
		return fail(t, "Opening and ending tag mismatch");
	if (qsplit(t, open, &prefix, &local) != 0)
		return -1;
	uri = t->open_uri[t->depth - 1];
	t->depth--;
	ns_pop(t);
	t->textrun = 0;
	cb->end(ctx, (const unsigned char *)local, (const unsigned char *)prefix,
	    (const unsigned char *)uri);
	return cb->stopped(ctx) ? -1 : 0;
}

long
zxtok_tag(struct zxtok *t, char *p, char *end, bool eof, const struct zxtok_cb *cb, void *ctx)
{
	char *gt = (char *)tag_end(p, end);

	if (gt == NULL)
		return eof ? fail(t, "Couldn't find end of Start Tag") : 0;
	if ((end - p >= 2 && p[1] == '/' ? end_tag(t, p, gt, cb, ctx) :
	    start_tag(t, p, gt, cb, ctx)) < 0)
		return -1;
	return gt + 1 - p;
}
