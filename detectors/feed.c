/*
 * feed.c — a stored message through the scan_msg phases, as an MTA gives
 * it: header fields one by one (a folded value whole, its line breaks as
 * "\n"), end of headers, then the body in chunks of 64 KB with CRLF line
 * ends.  Lines may end in LF, CRLF or a lone CR (old Mac mail).  An mbox
 * "From " line before the headers is skipped; a line that is no header
 * field ends the headers and starts the body, as in Postfix.  A header
 * line longer than FIELD_MAX is cut there and the rest of it discarded
 * (Postfix does the same past header_size_limit).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "detectors/feed.h"
#include "detectors/scan.h"

#define CHUNK 65536
#define FIELD_MAX (1024 * 1024)	/* header line or field kept; Postfix keeps 100 KB */

struct buf {
	char *s;
	size_t len, cap;
};

static int
buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(p = realloc(b->s, cap)))
			return -1;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Read one line into b (without its end, NULs made spaces), at most
 * FIELD_MAX bytes of it.  Returns 1 for a line, 2 for a line cut at
 * FIELD_MAX (its rest stays in fp), 0 at end of file with nothing read,
 * -1 on error.  *ended: the line had a line end. */
static int
read_line(FILE *fp, struct buf *b, bool *ended)
{
	int c = 0;

	b->len = 0;
	*ended = false;
	while (b->len < FIELD_MAX && (c = getc_unlocked(fp)) != EOF) {
		char ch = (char)c;

		if (c == '\n' || c == '\r') {
			if (c == '\r' && (c = getc_unlocked(fp)) != '\n' && c != EOF)
				ungetc(c, fp);
			*ended = true;
			break;
		}
		if (buf_put(b, c ? &ch : " ", 1) < 0)
			return -1;
	}
	if (ferror(fp))
		return -1;
	if (b->s)
		b->s[b->len] = '\0';
	if (b->len >= FIELD_MAX)
		return 2;
	return b->len || *ended ? 1 : 0;
}

/* Drop the rest of a line cut at FIELD_MAX, up to and with its end.
 * Returns 0, or -1 on error. */
static int
drop_rest(FILE *fp, bool *ended)
{
	int c;

	while ((c = getc_unlocked(fp)) != EOF && c != '\n' && c != '\r')
		;
	if (c == '\r' && (c = getc_unlocked(fp)) != '\n' && c != EOF)
		ungetc(c, fp);
	*ended = c != EOF;
	return ferror(fp) ? -1 : 0;
}

/* Length of the field name when line starts a header field, else 0. */
static size_t
field_name(const char *line, size_t len)
{
	size_t n = 0, end;

	while (n < len && line[n] > ' ' && line[n] < 0x7f && line[n] != ':')
		n++;
	end = n;
	while (n < len && (line[n] == ' ' || line[n] == '\t'))
		n++;	/* obsolete "Name :" */
	return end > 0 && n < len && line[n] == ':' ? end : 0;
}

/* Give the field held in f ("Name:value") to m and empty f. */
static int
flush_field(struct scan_msg *m, struct buf *f)
{
	char *colon, *value;
	size_t nl;
	int rc;

	if (f->len == 0)
		return 0;
	nl = field_name(f->s, f->len);
	colon = strchr(f->s + nl, ':');
	*colon = '\0';
	f->s[nl] = '\0';
	value = colon + 1;
	rc = scan_msg_header_raw(m, f->s, value);
	f->len = 0;
	return rc;
}

/* in[0..n) into out with every line end (LF, CRLF, a lone CR) made CRLF;
 * *cr: the previous chunk ended in CR (its LF may open this one), set when
 * this one does.  The bytes between line ends are copied whole: memchr
 * finds the next LF and the next CR, each looked for again only once it
 * is passed, so a chunk is read once whatever its lines.  Returns the
 * length of out (at most 2n + 2). */
static size_t
crlf_chunk(const char *in, size_t n, char *out, bool *cr)
{
	const char *p = in, *end = in + n, *lf, *cp;
	size_t o = 0;

	if (*cr && n > 0) {
		out[o++] = '\r', out[o++] = '\n';
		*cr = false;
		if (*p == '\n')
			p++;
	}
	lf = (lf = memchr(p, '\n', (size_t)(end - p))) ? lf : end;
	cp = (cp = memchr(p, '\r', (size_t)(end - p))) ? cp : end;
	while (p < end) {
		const char *q = lf < cp ? lf : cp;

		memcpy(out + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		if ((p = q) == end)
			break;
		if (*p++ == '\r') {
			if (p == end) {
				*cr = true;	/* its LF, if any, opens the next chunk */
				break;
			}
			if (*p == '\n')
				p++;
		}
		out[o++] = '\r', out[o++] = '\n';
		if (lf < p)
			lf = (lf = memchr(p, '\n', (size_t)(end - p))) ? lf : end;
		if (cp < p)
			cp = (cp = memchr(p, '\r', (size_t)(end - p))) ? cp : end;
	}
	return o;
}

/* The rest of fp as the body, in chunks, line ends made CRLF. */
static int
feed_body(struct scan_msg *m, FILE *fp)
{
	char *in = malloc(CHUNK), *out = malloc(2 * CHUNK + 2);
	bool cr = false;	/* the previous chunk ended in CR */
	size_t n;
	int rc = 0;

	if (!in || !out) {
		rc = -1;
		goto done;
	}
	while (rc == 0 && (n = fread(in, 1, CHUNK, fp)) > 0)
		rc = scan_msg_body(m, out, crlf_chunk(in, n, out, &cr));
	if (rc == 0 && ferror(fp))
		rc = -1;
	if (rc == 0 && cr)
		rc = scan_msg_body(m, "\r\n", 2);
done:
	free(in);
	free(out);
	return rc;
}

/* The header block.  Returns 1 when the headers ended at an empty line or
 * at end of file, 2 when a non-header line (left in line) starts the
 * body, -1 on error. */
static int
feed_headers(struct scan_msg *m, FILE *fp, struct buf *line, bool *ended)
{
	struct buf field = { 0 };
	bool first = true, fold;
	int r, rc = -1;

	while ((r = read_line(fp, line, ended)) > 0) {
		if (first && line->len >= 5 && memcmp(line->s, "From ", 5) == 0) {
			first = false;
			continue;	/* mbox separator */
		}
		first = false;
		if (line->len == 0) {
			rc = 1;
			goto out;
		}
		fold = (line->s[0] == ' ' || line->s[0] == '\t') && field.len;
		if (!fold && flush_field(m, &field) < 0)
			goto out;
		if (!fold && !field_name(line->s, line->len)) {
			rc = 2;		/* not a header: the body */
			goto out;
		}
		/* a header line longer than FIELD_MAX: the excess is discarded
		 * and the headers go on, as in Postfix (header_size_limit) */
		if (r == 2 && drop_rest(fp, ended) < 0)
			goto out;
		if (fold) {
			/* past FIELD_MAX the MTA too discards the excess */
			if (field.len + line->len < FIELD_MAX &&
			    (buf_put(&field, "\n", 1) < 0 || buf_put(&field, line->s, line->len) < 0))
				goto out;
			continue;
		}
		if (buf_put(&field, line->s, line->len) < 0)
			goto out;
	}
	if (r == 0)
		rc = 1;
out:
	if (rc > 0 && flush_field(m, &field) < 0)
		rc = -1;
	free(field.s);
	return rc;
}

int
feed_file(struct scan_msg *m, FILE *fp)
{
	struct buf line = { 0 };
	bool ended = false;
	int rc = feed_headers(m, fp, &line, &ended);

	if (rc < 0)
		goto fail;
	if (scan_msg_eoh(m) < 0)
		goto fail;
	if (rc == 2 && (scan_msg_body(m, line.s, line.len) < 0 ||
	    (ended && scan_msg_body(m, "\r\n", 2) < 0)))
		goto fail;
	if (feed_body(m, fp) < 0)
		goto fail;
	free(line.s);
	return 0;
fail:
	if (!errno)
		errno = EIO;
	free(line.s);
	return -1;
}
