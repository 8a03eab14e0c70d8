/*
 * terms.c — dictionaries and named patterns (terms.h).  A dictionary is
 * compiled into one PCRE2 alternation of its words (normalized, escaped,
 * longest first, caseless), so a long word list costs one JIT-compiled
 * scan of the text, not one per word; the neighbour rules are checked on
 * each match, and a match they refuse is skipped by one character so a
 * word starting inside it is still found.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/valueset.h"
#include "text/normalize.h"
#include "text/terms.h"

struct term {
	struct term_def def;		/* strings owned */
	pcre2_code *re;
};

struct terms {
	struct term *v;
	size_t n;
	pcre2_match_context *mctx;	/* the budget; read-only while matching */
	unsigned long long id;		/* terms_id */
};

static const char *const kind_names[TERM_KIND_COUNT] = { "dictionary", "pattern" };

const char *
term_kind_name(enum term_kind k)
{
	return (unsigned)k < TERM_KIND_COUNT ? kind_names[k] : "?";
}

void
terms_free(struct terms *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free((char *)t->v[i].def.name);
		free((char *)t->v[i].def.source);
		pcre2_code_free(t->v[i].re);
	}
	free(t->v);
	pcre2_match_context_free(t->mctx);
	free(t);
}

unsigned long long
terms_id(const struct terms *t)
{
	return t ? t->id : 0;
}

size_t
terms_count(const struct terms *t)
{
	return t ? t->n : 0;
}

const struct term_def *
terms_def(const struct terms *t, size_t i)
{
	return &t->v[i].def;
}

bool
terms_same(const struct terms *t, const struct term_def *defs, size_t n)
{
	if (terms_count(t) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (t->v[i].def.kind != defs[i].kind || strcmp(t->v[i].def.name, defs[i].name) ||
		    strcmp(t->v[i].def.source, defs[i].source))
			return false;
	return true;
}

struct word {
	char *s;
	size_t len;
};

static int
word_cmp(const void *a, const void *b)
{
	const struct word *x = a, *y = b;

	return x->len < y->len ? 1 : x->len > y->len ? -1 : strcmp(x->s, y->s);
}

/* The alternation of the words of src (one a line), each normalized and
 * escaped, longest first: "(?:w1|w2…)".  malloc'd; NULL with err. */
static char *
dict_regex(const char *src, char *err, size_t errlen)
{
	struct word *w = NULL;
	size_t nw = 0, cap = 16, need = 0;
	char *re = NULL, *p;

	for (const char *s = src; *s;) {
		size_t n = strcspn(s, "\n"), b = 0, nl;
		char *norm;

		while (b < n && (s[b] == ' ' || s[b] == '\t'))
			b++;
		while (n > b && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		if (n > b) {
			struct word *bigger = nw % cap == 0 ? realloc(w, (nw + cap) * sizeof(*w)) : w;

			if (!bigger || !(norm = normalize_text(s + b, n - b, &nl))) {
				free(bigger ? bigger : w);
				w = NULL;
				nw = 0;
				goto nomem;
			}
			w = bigger;
			w[nw].s = norm;
			w[nw++].len = nl;
			need += 2 * nl + 1;
		}
		s += strcspn(s, "\n");
		s += *s == '\n';
	}
	if (nw == 0) {
		snprintf(err, errlen, "no words");
		free(w);
		return NULL;
	}
	qsort(w, nw, sizeof(*w), word_cmp);
	if (!(re = p = malloc(need + 8)))
		goto nomem;
	memcpy(p, "(?:", 3);
	p += 3;
	for (size_t i = 0; i < nw; i++) {
		if (i)
			*p++ = '|';
		for (size_t k = 0; k < w[i].len; k++) {
			unsigned char c = (unsigned char)w[i].s[k];

			if (c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || c == ' '))
				*p++ = '\\';
			*p++ = (char)c;
		}
	}
	p[0] = ')';
	p[1] = '\0';
	for (size_t i = 0; i < nw; i++)
		free(w[i].s);
	free(w);
	return re;
nomem:
	for (size_t i = 0; i < nw; i++)
		free(w[i].s);
	free(w);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

/* Compile one term into t->v[i].  0, or -1 with err and *offset. */
static int
compile_term(struct term *tm, char *err, size_t errlen, long *offset)
{
	const char *src = tm->def.source;
	char *alt = NULL;
	uint32_t flags = PCRE2_UTF;
	int code;
	PCRE2_SIZE eoff;

	*offset = -1;
	if (tm->def.kind == TERM_DICT) {
		if (!(src = alt = dict_regex(tm->def.source, err, errlen)))
			return -1;
		flags |= PCRE2_CASELESS;
	}
	tm->re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, flags, &code, &eoff, NULL);
	if (!tm->re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)eoff);
		*offset = (long)eoff;
		free(alt);
		return -1;
	}
	free(alt);
	(void)pcre2_jit_compile(tm->re, PCRE2_JIT_COMPLETE);	/* else interpreted */
	return 0;
}

struct terms *
terms_new(const struct term_def *defs, size_t n, char *err, size_t errlen, size_t *bad,
    long *offset)
{
	struct terms *t = calloc(1, sizeof(*t));
	char msg[300];
	long off = -1;

	if (bad)
		*bad = 0;
	if (offset)
		*offset = -1;
	if (!t || !(t->v = calloc(n ? n : 1, sizeof(*t->v))) ||
	    !(t->mctx = pcre2_match_context_create(NULL)))
		goto nomem;
	static unsigned long long next_id;

	t->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
	pcre2_set_match_limit(t->mctx, TERMS_MATCH_LIMIT);
	pcre2_set_depth_limit(t->mctx, TERMS_DEPTH_LIMIT);
	for (; t->n < n; t->n++) {
		struct term *tm = &t->v[t->n];

		tm->def.kind = defs[t->n].kind;
		if (!(tm->def.name = strdup(defs[t->n].name)) ||
		    !(tm->def.source = strdup(defs[t->n].source ? defs[t->n].source : "")))
			goto nomem_term;
		if (compile_term(tm, msg, sizeof(msg), &off) < 0) {
			snprintf(err, errlen, "%s %s: %s", term_kind_name(tm->def.kind),
			    tm->def.name, msg);
			if (bad)
				*bad = t->n;
			if (offset)
				*offset = off;
			t->n++;
			terms_free(t);
			return NULL;
		}
	}
	return t;
nomem_term:
	t->n++;
nomem:
	snprintf(err, errlen, "out of memory");
	terms_free(t);
	return NULL;
}

/* The code point of the UTF-8 sequence at s (valid UTF-8: normalized). */
static unsigned
cp_at(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80)
		return *len = 1, s[0];
	if (s[0] < 0xE0)
		return *len = 2, (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
	if (s[0] < 0xF0)
		return *len = 3, (unsigned)(s[0] & 0x0F) << 12 | (unsigned)(s[1] & 0x3F) << 6 |
		    (s[2] & 0x3F);
	return *len = 4, (unsigned)(s[0] & 0x07) << 18 | (unsigned)(s[1] & 0x3F) << 12 |
	    (unsigned)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

/* Kanji (CJK ideographs, compatibility ideographs, 々 and 〆). */
static bool
is_kanji(unsigned c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	    (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF) ||
	    c == 0x3005 || c == 0x3006;
}

static bool
is_alnum(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The code point before byte s of text (0 at the start). */
static unsigned
cp_before(const unsigned char *text, size_t s)
{
	size_t b = s, len;

	if (s == 0)
		return 0;
	while (b > 0 && (text[b - 1] & 0xC0) == 0x80 && s - b < 3)
		b--;
	return b > 0 ? cp_at(text + b - 1, &len) : 0;
}

/* The dictionary's neighbour rules (terms.h) for the match text[s..e). */
static bool
neighbours_ok(const unsigned char *text, size_t tlen, size_t s, size_t e)
{
	size_t flen, llen = 0, b = e;
	unsigned first = cp_at(text + s, &flen), last, prev = cp_before(text, s);
	unsigned next = e < tlen ? cp_at(text + e, &llen) : 0;

	while (b > s && (text[b - 1] & 0xC0) == 0x80)
		b--;
	last = cp_at(text + b - 1, &llen);
	if (is_alnum(first) && is_alnum(prev))
		return false;
	if (is_alnum(last) && is_alnum(next))
		return false;
	if (flen == e - s && is_kanji(first) && (is_kanji(prev) || is_kanji(next)))
		return false;
	return true;
}

/* One term over the normalized text.  0, 1 when its budget ran out, -1
 * on ENOMEM. */
static int
run_term(const struct terms *t, const struct term *tm, const unsigned char *text, size_t len,
    unsigned long *hits, struct valueset *seen)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(tm->re, NULL);
	size_t off = 0, clen;
	unsigned looked = 0;
	int rc = 0, m;

	if (!md)
		return -1;
	while (off <= len) {
		PCRE2_SIZE *ov;

		if (looked++ >= TERMS_MAX_MATCHES)
			break;	/* counted so far: at least that many, not unread */
		m = pcre2_match(tm->re, text, len, off, PCRE2_NO_UTF_CHECK, md, t->mctx);
		if (m == PCRE2_ERROR_NOMATCH)
			break;
		if (m < 0) {	/* match, depth or heap limit: the budget */
			rc = m == PCRE2_ERROR_NOMEMORY ? -1 : 1;
			break;
		}
		ov = pcre2_get_ovector_pointer(md);
		if (ov[0] >= len && ov[1] == ov[0])
			break;
		if (ov[1] == ov[0] || (tm->def.kind == TERM_DICT &&
		    !neighbours_ok(text, len, ov[0], ov[1]))) {
			(void)cp_at(text + ov[0], &clen);
			off = ov[0] + clen;
			continue;
		}
		(*hits)++;
		if (valueset_add(seen, (const char *)text + ov[0], ov[1] - ov[0]) < 0) {
			rc = -1;
			break;
		}
		off = ov[1];
	}
	pcre2_match_data_free(md);
	return rc;
}

int
terms_run(const struct terms *t, const char *utf8, size_t len, unsigned long *hits,
    struct valueset **seen, const char **spent)
{
	size_t nlen;
	char *norm;
	int nspent = 0;

	if (spent)
		*spent = NULL;
	if (terms_count(t) == 0 || len == 0)
		return 0;
	if (!(norm = normalize_text(utf8, len, &nlen)))
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		int rc = run_term(t, &t->v[i], (const unsigned char *)norm, nlen, &hits[i], seen[i]);

		if (rc < 0) {
			free(norm);
			return -1;
		}
		if (rc > 0 && nspent++ == 0 && spent)
			*spent = t->v[i].def.name;
	}
	free(norm);
	return nspent;
}

void
terms_mask(enum term_kind kind, const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value), first, last = 0, b = n, used, stars = 0;

	if (kind == TERM_DICT || outlen == 0) {
		if (outlen)
			snprintf(out, outlen, "%s", value);
		return;
	}
	for (size_t i = 0; i < n; i++)
		stars += ((unsigned char)value[i] & 0xC0) != 0x80;
	if (stars < 3) {
		snprintf(out, outlen, "%.*s", (int)stars, "**");
		return;
	}
	(void)cp_at((const unsigned char *)value, &first);
	while (b > 0 && ((unsigned char)value[b - 1] & 0xC0) == 0x80)
		b--;
	last = n - (b - 1);
	stars -= 2;
	if (stars > 16)
		stars = 16;
	used = (size_t)snprintf(out, outlen, "%.*s", (int)first, value);
	for (size_t i = 0; i < stars && used + 1 < outlen; i++)
		out[used++] = '*';
	if (used < outlen)
		snprintf(out + used, outlen - used, "%s", value + n - last);
}
