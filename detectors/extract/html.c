/*
 * html.c — HTML and XHTML (html_text.h).  Also declared text/html
 * that libmagic reads as plain text (a fragment with no <html>).
 */
#include <string.h>

#include "extract/html_text.h"
#include "extract/extract.h"

static int
html_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	if (strcmp(mime, "text/html") == 0 || strcmp(mime, "application/xhtml+xml") == 0)
		return 1;
	return declared && strcmp(declared, "text/html") == 0 &&
	    (strncmp(mime, "text/", 5) == 0 ||
	    (strcmp(mime, "application/octet-stream") == 0 && len > 0 &&
	    !memchr(data, '\0', len < 4096 ? len : 4096)));
}

static int
html_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	size_t start = out->len;

	if (html_text(data, len, charset, out) < 0 && !out->truncated) {
		inspect_unscanned(in, idx, "out of memory");
		return -1;
	}
	if (out->len > start)	/* base64 pasted into the page's text (b64run.c) */
		inspect_base64_runs(in, idx, out->buf + start, out->len - start, depth);
	return 0;
}

const struct extractor extract_html = { "html", html_accepts, html_extract };
