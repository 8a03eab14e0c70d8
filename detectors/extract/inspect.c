/*
 * inspect.c — the per-part inspection: parts of the result, libmagic
 * sniffing, choice of extractor, the text pipeline with per-part and
 * whole-message distinct values, limits and the time budget.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <magic.h>

#include "extract/extract.h"
#include "text/terms.h"
#include "text/textscan.h"
#include "detect/valueset.h"

/* ---- text buffers ---- */

int
textbuf_append(struct textbuf *tb, const char *s, size_t n)
{
	size_t room = tb->max - tb->len;
	int rc = 0;

	if (n > room) {
		n = room;
		tb->truncated = true;
		rc = -1;
	}
	if (n == 0)
		return rc;
	if (tb->len + n + 1 > tb->cap) {
		size_t cap = tb->cap ? tb->cap : 4096;
		char *p;

		while (cap < tb->len + n + 1)
			cap *= 2;
		if (cap > tb->max + 1)
			cap = tb->max + 1;
		p = realloc(tb->buf, cap);
		if (!p)
			return -1;
		tb->buf = p;
		tb->cap = cap;
	}
	memcpy(tb->buf + tb->len, s, n);
	tb->len += n;
	tb->buf[tb->len] = '\0';
	return rc;
}

void
textbuf_free(struct textbuf *tb)
{
	if (!tb)
		return;
	free(tb->buf);
	tb->buf = NULL;
	tb->len = tb->cap = 0;
}

/* ---- libmagic: a pool of handles ----
 *
 * A magic_t is not thread-safe, and a fresh one is dear: magic_load maps
 * the whole database, and the first matches compile its regular
 * expressions (about 0.4 ms and several ms of page faults and regcomp).
 * libmilter runs one thread per SMTP connection, so a handle per thread
 * would be loaded and thrown away for every message, and each one holds
 * about 10 MB resident (its mapping of the database, its regexes): 50
 * concurrent sessions took 650 MB.  Handles are therefore borrowed from a
 * process-wide pool for the length of one sniff and given back; as many
 * are made as threads sniff at the same moment (a sniff is short and
 * CPU-bound, so about the number of CPUs), at most MAGIC_POOL_MAX are kept
 * idle, for the life of the process. */

#define MAGIC_POOL_MAX 8

static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_pool[MAGIC_POOL_MAX];	/* idle handles */
static size_t magic_idle;			/* entries of magic_pool in use */

/* An idle handle, or a newly loaded one; NULL with err on failure. */
static magic_t
magic_take(char *err, size_t errlen)
{
	magic_t m = NULL;

	pthread_mutex_lock(&magic_lock);
	if (magic_idle > 0)
		m = magic_pool[--magic_idle];
	pthread_mutex_unlock(&magic_lock);
	if (m)
		return m;
	m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
	if (!m) {
		snprintf(err, errlen, "magic_open: %s", strerror(errno));
		return NULL;
	}
	if (magic_load(m, NULL) != 0) {
		snprintf(err, errlen, "magic_load: %s", magic_error(m));
		magic_close(m);
		return NULL;
	}
	return m;
}

/* Back to the pool (closed when the pool is full). */
static void
magic_give(magic_t m)
{
	pthread_mutex_lock(&magic_lock);
	if (magic_idle < MAGIC_POOL_MAX) {
		magic_pool[magic_idle++] = m;
		m = NULL;
	}
	pthread_mutex_unlock(&magic_lock);
	if (m)
		magic_close(m);
}

int
inspect_magic_load(char *err, size_t errlen)
{
	magic_t m = magic_take(err, errlen);

	if (!m)
		return -1;
	magic_give(m);
	return 0;
}

/* ---- libmagic without its text-encoding pass where it cannot matter ----
 *
 * Before its magic rules libmagic decides whether the data is text: its
 * file_encoding() tries ASCII, UTF-8, Latin-1, extended ASCII, EBCDIC and
 * (after a byte-order mark only) UTF-16 and UTF-32 on the first
 * encoding_max bytes (64 KB), about 28 instructions a byte: 1.8 M of the
 * 2.4 M a 1.5 MB PDF costs.  A NUL byte in those bytes fails every one of
 * these tests, so for such data the answer is "binary" whatever follows,
 * and MAGIC_NO_CHECK_ENCODING (which leaves looks_text at 0, what
 * "binary" gives) changes nothing in the type: the same binary rules run
 * in the same order.  PDF, zip (OOXML, ODF), OLE, PNG, JPEG, gzip all
 * have a NUL within their first bytes or streams.  Data with no NUL there,
 * or starting with a UTF-16/UTF-32 byte-order mark (text with NULs), takes
 * the full pass as before. */

static bool
binary_for_magic(magic_t m, const unsigned char *data, size_t len)
{
	size_t emax = 0;

	if (magic_getparam(m, MAGIC_PARAM_ENCODING_MAX, &emax) != 0 || emax == 0)
		return false;		/* an older libmagic: the full pass */
	if (len >= 2 && ((data[0] == 0xff && data[1] == 0xfe) ||
	    (data[0] == 0xfe && data[1] == 0xff)))
		return false;		/* UTF-16 (or UTF-32 LE) byte-order mark */
	if (len >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0xfe && data[3] == 0xff)
		return false;		/* UTF-32 BE */
	return memchr(data, 0, len < emax ? len : emax) != NULL;
}

/* MIME type of data by content into out; "application/octet-stream" when
 * unsure or when libmagic cannot be loaded. */
static void
sniff(const unsigned char *data, size_t len, char *out, size_t outlen)
{
	char err[128];
	magic_t m = magic_take(err, sizeof(err));
	const char *t = NULL;

	if (m) {
		(void)magic_setflags(m, MAGIC_MIME_TYPE | MAGIC_ERROR |
		    (len && binary_for_magic(m, data, len) ? MAGIC_NO_CHECK_ENCODING : 0));
		t = magic_buffer(m, len ? data : (const unsigned char *)"", len);
	}

	snprintf(out, outlen, "%s", t && *t ? t : "application/octet-stream");
	if (m)
		magic_give(m);
}

/* ---- plain text without libmagic ----
 *
 * libmagic tries every text rule of its database on any text (hundreds of
 * string searches and regular expressions): 1 to 2 ms per part whatever
 * its size, more than the rest of the inspection of a short mail.  A part
 * declared text/plain is therefore taken as text/plain without asking
 * libmagic when its bytes leave no room for another answer that would be
 * read differently:
 *   - no control character but TAB, LF, CR, FF and ESC (ISO-2022-JP), no
 *     DEL: no binary format (zip, gzip, OLE, PNG, JPEG, PDF with binary
 *     streams … all have such bytes in their first bytes);
 *   - the first non-blank byte is a letter, a digit or a non-ASCII byte:
 *     no "%PDF" or "%!PS", "{\rtf", "-----BEGIN PGP", "#!", JSON …;
 *   - the first line is no "Name:" header field and no "From " line: no
 *     mail or news message (read by the rfc822 extractor);
 *   - no '<' in the first PLAIN_MARKUP_WINDOW bytes: no HTML, XML or SVG
 *     (libmagic looks for HTML tags in the first 4 KB).  Bytes in the
 *     double-byte mode of ISO-2022-JP (after ESC $ …, until ESC ( …) are
 *     kanji and kana, not markup: "以下" is "0J2<" there.
 * Anything else goes to libmagic as before.  The only answers libmagic
 * could still give for such bytes (text/plain, text/csv, other text/…,
 * application/octet-stream) all lead to the same "text" extractor. */

#define PLAIN_MARKUP_WINDOW 8192

static bool
plain_byte(unsigned char c)
{
	return c >= 0x20 ? c != 0x7f : c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x1b;
}

/* The first line (from p, at most to end) looks like a header field
 * "Name:" or an mbox "From " line. */
static bool
header_like(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;

	if (end - p >= 5 && memcmp(p, "From ", 5) == 0)
		return true;
	while (q < end && *q > ' ' && *q < 0x7f && *q != ':')
		q++;
	return q > p && q < end && *q == ':';
}

/* A '<' in data[0..n) outside the double-byte mode of ISO-2022-JP. */
static bool
has_markup(const unsigned char *data, size_t n)
{
	bool dbcs = false;

	for (size_t i = 0; i < n; i++) {
		if (data[i] == 0x1b && i + 1 < n) {
			if (data[i + 1] == '$')
				dbcs = true;
			else if (data[i + 1] == '(')
				dbcs = false;
		} else if (data[i] == '<' && !dbcs) {
			return true;
		}
	}
	return false;
}

static bool
plain_text(const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *end = data + len;
	size_t window = len < PLAIN_MARKUP_WINDOW ? len : PLAIN_MARKUP_WINDOW;

	for (size_t i = 0; i < len; i++)
		if (!plain_byte(data[i]))
			return false;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p == end || !(*p >= 0x80 || *p == 0x1b || (*p >= '0' && *p <= '9') ||
	    ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
		return false;
	if (header_like(p, end))
		return false;
	return !has_markup(data, window);
}

/* ---- parts ---- */

/* Grow res->parts by one zeroed entry.  Returns its index or -1.  The
 * array's capacity is implicit: 8, then doubled at each power of two. */
static long
part_new(struct scan_result *res)
{
	size_t n = res->nparts;
	struct scan_part *p = res->parts;

	if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
		p = realloc(res->parts, (n ? n * 2 : 8) * sizeof(*p));
		if (!p)
			return -1;
	}
	res->parts = p;
	memset(&p[res->nparts], 0, sizeof(*p));
	return (long)res->nparts++;
}

static char *
lower_dup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

long
inspect_part_add(struct inspect *in, const char *path, const char *filename,
    const char *declared_type)
{
	struct scan_result *res = in->res;
	unsigned max = in->opt->limits.max_parts;
	bool over = res->nparts >= max;
	long idx;
	struct scan_part *p;

	if (res->nparts > max)
		return -1;	/* the overflow is recorded already */
	idx = part_new(res);
	if (idx < 0)
		return -1;
	p = &res->parts[idx];
	p->path = strdup(path ? path : "");
	if (filename && *filename)
		p->filename = strdup(filename);
	p->declared_type = lower_dup(declared_type);
	if (p->filename)
		res->attachments++;
	if (!over)
		return idx;
	inspect_unscanned(in, (size_t)idx, "more than max_parts (%u) parts: this part and "
	    "later ones not inspected", max);
	if (!res->error)
		res->error = strdup("part limit reached");
	return -1;
}

void
inspect_unscanned(struct inspect *in, size_t idx, const char *fmt, ...)
{
	struct scan_part *p = &in->res->parts[idx];
	char buf[256];
	va_list ap;

	if (p->unscanned)
		return;		/* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->unscanned = strdup(buf);
	in->res->unscanned++;
}

void
inspect_encrypted(struct inspect *in, size_t idx)
{
	struct scan_part *p = &in->res->parts[idx];

	if (p->encrypted)
		return;
	p->encrypted = true;
	in->res->encrypted++;
}

bool
inspect_out_of_time(struct inspect *in)
{
	struct timespec now;

	if (in->out_of_time)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > in->deadline.tv_sec ||
	    (now.tv_sec == in->deadline.tv_sec && now.tv_nsec >= in->deadline.tv_nsec)) {
		in->out_of_time = true;
		if (!in->res->error)
			in->res->error = strdup("time budget exceeded");
	}
	return in->out_of_time;
}

char *
inspect_child_path(const char *parent, const char *name)
{
	size_t pl = parent ? strlen(parent) : 0, nl = name ? strlen(name) : 0;
	char *s = malloc(pl + nl + 2), *p;

	if (!s)
		return NULL;
	if (pl)
		memcpy(s, parent, pl);
	p = s + pl;
	if (pl)
		*p++ = '/';
	for (size_t i = 0; i < nl; i++)
		if ((unsigned char)name[i] >= 0x20 && name[i] != 0x7f)
			*p++ = name[i];
	*p = '\0';
	return s;
}

char *
inspect_container_path(const struct inspect *in, size_t idx)
{
	const struct scan_part *p = &in->res->parts[idx];

	if (p->declared_type && p->filename && *p->filename)
		return inspect_child_path(p->path, p->filename);
	return strdup(p->path ? p->path : "");
}

/* ---- the text pipeline ---- */

struct valueset **
inspect_part_sets(struct inspect *in, size_t idx)
{
	if (idx >= in->npvals) {
		size_t n = in->res->nparts > idx ? in->res->nparts : idx + 1;
		struct valueset *(*pv)[FT_COUNT] = realloc(in->pvals, n * sizeof(*pv));

		if (!pv)
			return NULL;
		memset(&pv[in->npvals], 0, (n - in->npvals) * sizeof(*pv));
		in->pvals = pv;
		in->npvals = n;
	}
	for (int t = 0; t < FT_COUNT; t++)
		if (!in->pvals[idx][t] && !(in->pvals[idx][t] = valueset_new()))
			return NULL;
	return in->pvals[idx];
}

int
inspect_terms(struct inspect *in)
{
	struct scan_result *res = in->res;
	size_t n = terms_count(in->opt->terms);

	if (res->nterms == n)
		return 0;
	if (res->nterms || !(res->term_hits = calloc(n, sizeof(*res->term_hits))) ||
	    !(res->term_seen = calloc(n, sizeof(*res->term_seen))))
		return -1;
	res->terms = in->opt->terms;
	for (; res->nterms < n; res->nterms++)
		if (!(res->term_seen[res->nterms] = valueset_new()))
			return -1;
	return 0;
}

void
inspect_text(struct inspect *in, size_t idx, const char *utf8, size_t len)
{
	struct scan_result *res = in->res;
	struct valueset **sets;

	if (len == 0)
		return;
	if (in->on_text)
		in->on_text(in->on_text_arg, &res->parts[idx], utf8, len);
	sets = inspect_part_sets(in, idx);
	if (!sets || textscan_run(in->ts, utf8, len, sets) < 0)
		goto nomem;
	for (int t = 0; t < FT_COUNT; t++) {
		res->parts[idx].counts[t] = (unsigned)valueset_count(sets[t]);
		if (!res->values[t] && !(res->values[t] = valueset_new()))
			goto nomem;
		if (valueset_merge(res->values[t], sets[t]) < 0)
			goto nomem;
	}
	if (in->opt->terms) {
		const char *spent;
		int rc;

		if (inspect_terms(in) < 0 || (rc = terms_run(in->opt->terms, utf8, len,
		    res->term_hits, res->term_seen, &spent)) < 0)
			goto nomem;
		if (rc > 0)
			inspect_unscanned(in, idx, "match budget of %s spent (text not read to its end)", spent);
	}
	return;
nomem:
	inspect_unscanned(in, idx, "out of memory");
}

bool
inspect_offloaded(const struct inspect *in, size_t idx, const struct extractor *ex)
{
	static const char *const here[] = { "text", "rfc822", "none", "pgp", NULL };

	if (!in->offload)
		return false;
	for (size_t i = 0; here[i]; i++)
		if (strcmp(ex->name, here[i]) == 0)
			return false;
	return !(strcmp(ex->name, "html") == 0 && !in->res->parts[idx].filename);
}

void
inspect_extract(struct inspect *in, size_t idx, const struct extractor *ex,
    const unsigned char *data, size_t len, unsigned depth, const char *charset)
{
	struct textbuf tb = { .max = in->opt->limits.max_text_bytes };

	in->res->parts[idx].extractor = ex->name;
	ex->extract(in, idx, data, len, depth, charset, &tb);
	if (tb.len)
		inspect_text(in, idx, tb.buf, tb.len);
	if (tb.truncated)
		inspect_unscanned(in, idx, "text over max_text_bytes (%zu)", tb.max);
	textbuf_free(&tb);
}

const struct extractor *
inspect_choose(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	for (size_t i = 0; extractors[i]; i++)
		if (extractors[i]->accepts(mime, declared, data, len))
			return extractors[i];
	return NULL;
}

void
inspect_sniff(const unsigned char *data, size_t len, char *type, size_t typelen)
{
	sniff(data, len, type, typelen);
}

void
inspect_run(struct inspect *in, size_t idx, const struct extractor *ex,
    const unsigned char *data, size_t len, unsigned depth, const char *charset)
{
	if (!in->opt->limits.ocr && strcmp(ex->name, "image") == 0)
		ex = extractor_by_name("none");		/* [limits] ocr = no */
	if (inspect_offloaded(in, idx, ex))
		in->offload(in->offload_ctx, in, idx, ex, data, len, depth, charset);
	else
		inspect_extract(in, idx, ex, data, len, depth, charset);
}

void
inspect_data(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset)
{
	struct scan_part *p = &in->res->parts[idx];
	const struct extractor *ex;
	const char *mime;
	char type[256];

	if (!data)
		data = (const unsigned char *)"";	/* an empty part: no NULL + 0 below */
	p->size = len;
	if (inspect_out_of_time(in)) {
		inspect_unscanned(in, idx, "time budget exceeded");
		return;
	}
	if (p->declared_type && strcmp(p->declared_type, "text/plain") == 0 &&
	    plain_text(data, len))
		p->detected_type = strdup("text/plain");
	else {
		sniff(data, len, type, sizeof(type));
		p->detected_type = strdup(type);
	}
	mime = p->detected_type ? p->detected_type : "application/octet-stream";
	ex = inspect_choose(mime, p->declared_type, data, len);
	if (!ex) {
		inspect_unscanned(in, idx, "no extractor for %s", mime);
		return;
	}
	inspect_run(in, idx, ex, data, len, depth, charset);
}

void
inspect_done(struct inspect *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->nvisible; i++)
		free(in->visible[i]);
	free(in->visible);
	for (size_t i = 0; i < in->nbcc; i++)
		free(in->bcc[i]);
	free(in->bcc);
	for (size_t i = 0; i < in->npvals; i++)
		for (int t = 0; t < FT_COUNT; t++)
			valueset_free(in->pvals[i][t]);
	free(in->pvals);
	in->visible = in->bcc = NULL;
	in->nvisible = in->nbcc = 0;
	in->pvals = NULL;
	in->npvals = 0;
}
