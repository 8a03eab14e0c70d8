/*
 * extract_rfc822.c — a mail message found by content (a .eml attached as
 * application/octet-stream, a forwarded message sent as text): walked as
 * MIME (mime_walk.c) one level deeper, its parts numbered under this one.
 */
#include <stdlib.h>
#include <string.h>

#include "detectors/inspect.h"

static int
rfc822_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	if (strcmp(mime, "message/rfc822") == 0 || strcmp(mime, "message/news") == 0)
		return 1;
	/* a transfer-encoded message/rfc822 part (GMime leaves it a leaf),
	 * whose headers libmagic does not always know */
	return declared && strcmp(declared, "message/rfc822") == 0 && strncmp(mime, "text/", 5) == 0;
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
	rc = mime_walk(in, data, len, path, depth + 1, false);
	free(path);
	if (rc < 0) {
		inspect_unscanned(in, idx, "message could not be parsed");
		return -1;
	}
	return 0;
}

const struct extractor extract_rfc822 = { "rfc822", rfc822_accepts, rfc822_extract };
