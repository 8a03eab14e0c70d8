/*
 * rfc822.c — a mail message found by content (a .eml attached as
 * application/octet-stream, a transfer-encoded message/rfc822): walked as
 * MIME (mime/walk.c, through in->walk) one level deeper, its parts numbered under this one.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract/extract.h"

#define HEADER_SCAN 65536	/* bytes looked at for a header block */

/* True when line[0..n) starts with a header field name and a colon. */
static bool
field_line(const char *line, size_t n, size_t *namelen)
{
	size_t i = 0;

	while (i < n && line[i] > ' ' && line[i] < 0x7f && line[i] != ':')
		i++;
	*namelen = i;
	return i > 0 && i < n && line[i] == ':';
}

/* A header block of mail: from the first line on, only fields and their
 * continuations up to an empty line, two of them fields every message has. */
static bool
looks_like_message(const unsigned char *data, size_t len)
{
	static const char *const known[] = { "from", "to", "cc", "subject", "date",
		"message-id", "mime-version", "received", "return-path", "content-type", NULL };
	const char *s = (const char *)data, *end = s + (len < HEADER_SCAN ? len : HEADER_SCAN);
	unsigned hits = 0;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s), name;

		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 0)
			return hits >= 2;
		if (s[0] != ' ' && s[0] != '\t') {
			if (!field_line(s, n, &name))
				return false;
			for (size_t k = 0; known[k]; k++)
				if (strlen(known[k]) == name && strncasecmp(s, known[k], name) == 0)
					hits++;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return false;
}

static int
rfc822_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	if (strcmp(mime, "message/rfc822") == 0 || strcmp(mime, "message/news") == 0)
		return 1;
	/* a transfer-encoded message/rfc822 part (GMime leaves it a leaf) */
	if (declared && strcmp(declared, "message/rfc822") == 0 && strncmp(mime, "text/", 5) == 0)
		return 1;
	/* libmagic knows a message only by a few first headers: a saved .eml
	 * sent as something other than text */
	return strcmp(mime, "text/plain") == 0 && !(declared && strncmp(declared, "text/", 5) == 0) &&
	    looks_like_message(data, len);
}

static int
rfc822_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	char *path;
	int rc;

	if (depth + 1 > in->opt->limits.max_depth) {
		inspect_unscanned(in, idx, "nested deeper than max_depth (%u)",
		    in->opt->limits.max_depth);
		return -1;
	}
	path = strdup(in->res->parts[idx].path);	/* parts may move while walking */
	if (!path) {
		inspect_unscanned(in, idx, "out of memory");
		return -1;
	}
	rc = in->walk ? in->walk(in, data, len, path, depth + 1, false) : -1;
	free(path);
	if (rc < 0) {
		inspect_unscanned(in, idx, "message could not be parsed");
		return -1;
	}
	return 0;
}

const struct extractor extract_rfc822 = { "rfc822", rfc822_accepts, rfc822_extract };
