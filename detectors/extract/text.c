/*
 * text.c — plain text (.txt, .csv, .tsv, source, XML, JSON …):
 * the declared charset, else detection (charset.h), to UTF-8.  Long
 * base64 runs pasted into it are decoded and read as parts (b64run.c).
 */
#include <stdlib.h>
#include <string.h>

#include "text/charset.h"
#include "extract/extract.h"

#define SNIFF_TEXT 8192		/* bytes checked when libmagic names no text */

/* Text that libmagic named otherwise (a stray NUL, INI-like or odd
 * charsets): a UTF-16 byte order mark, or among the first bytes no more
 * than 2 + 1 in 50 control characters other than tab, line ends, form
 * feed and ESC. */
static int
looks_textual(const unsigned char *data, size_t len)
{
	size_t n = len < SNIFF_TEXT ? len : SNIFF_TEXT, bad = 0;

	if (len >= 2 && (memcmp(data, "\xff\xfe", 2) == 0 || memcmp(data, "\xfe\xff", 2) == 0))
		return 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = data[i];

		bad += (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
		    c != 0x1b) || c == 0x7f;
	}
	return n > 0 && bad <= 2 + n / 50;
}

static int
text_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	static const char *const apps[] = {
		"application/json", "application/csv", "application/xml", "application/x-ndjson",
		"application/javascript", "application/x-subrip", NULL
	};

	if (strncmp(mime, "text/", 5) == 0)
		return strcmp(mime, "text/html") != 0 && strcmp(mime, "text/rtf") != 0;
	for (size_t i = 0; apps[i]; i++)
		if (strcmp(mime, apps[i]) == 0)
			return 1;
	/* declared text that libmagic named otherwise, when the content is
	 * text all the same (rows for specific formats come first) */
	return declared && strncmp(declared, "text/", 5) == 0 && strcmp(declared, "text/html") != 0 &&
	    looks_textual(data, len);
}

static int
text_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	int truncated = 0;
	size_t n;
	char *u = charset_to_utf8(data, len, charset, out->max - out->len, &n, &truncated);

	if (!u) {
		inspect_unscanned(in, idx, "out of memory");
		return -1;
	}
	textbuf_append(out, u, n);
	inspect_base64_runs(in, idx, u, n, depth);
	if (truncated)
		out->truncated = true;
	free(u);
	return 0;
}

const struct extractor extract_text = { "text", text_accepts, text_extract };
