/*
 * extract.h — per-message inspection state shared by the MIME walk and the
 * extractors, and the extractor registry.
 *
 * Every inspected thing is a part of the scan_result: a MIME leaf, a
 * forwarded message, an archive member.  inspect_data() sniffs the decoded
 * bytes with libmagic, picks the extractor by content (never by name or
 * declared type alone), lets it produce text and child parts, and runs the
 * text pipeline on the text.  Limits and parse failures mark the part
 * unscanned with a reason; the rest of the message is still inspected.
 */
#ifndef DLP_EXTRACT_H
#define DLP_EXTRACT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "detectors/scan.h"

struct textscan;
struct extractor;
struct valueset;

/* Text produced by an extractor, bounded by max_text_bytes. */
struct textbuf {
	char *buf;
	size_t len, cap, max;
	bool truncated;		/* more text than max was offered */
};
/* Append s[0..n).  Returns 0, or -1 once max is reached (truncated set)
 * or on ENOMEM. */
int textbuf_append(struct textbuf *tb, const char *s, size_t n);

/* Append the byte c, as textbuf_append(tb, &c, 1) does: inline while it
 * fits (a tab between cells, a line break after a row: a call and a
 * one-byte memcpy each were 60 instructions). */
static inline int
textbuf_putc(struct textbuf *tb, char c)
{
	if (tb->len < tb->max && tb->len + 2 <= tb->cap) {
		tb->buf[tb->len++] = c;
		tb->buf[tb->len] = '\0';
		return 0;
	}
	return textbuf_append(tb, &c, 1);
}

void textbuf_free(struct textbuf *tb);

struct inspect {
	const struct scan_options *opt;	/* limits, internal domains */
	const struct textscan *ts;
	struct scan_result *res;
	size_t expanded;		/* bytes expanded from archives so far */
	struct timespec deadline;	/* CLOCK_MONOTONIC */
	bool out_of_time;		/* sticky once the deadline passed */
	char **visible;			/* To and Cc addresses of the top message */
	size_t nvisible;
	char **bcc;			/* Bcc addresses (envelope stand-in for dlpctl scan) */
	size_t nbcc;
	struct valueset *(*pvals)[FT_COUNT]; /* distinct values per part (index = part), or NULL */
	size_t npvals;			/* entries of pvals */
	/* The MIME walk of a message, for a forwarded message (rfc822.c):
	 * mime/walk.c's mime_walk, set by whoever starts the inspection, so
	 * that this room does not call back into the one above it. */
	int (*walk)(struct inspect *in, const unsigned char *data, size_t len,
	    const char *prefix, unsigned depth, bool top);
	/* Where attachments are read: set (detectors/sandbox/ sandbox_inspect
	 * with its pool as ctx), a part whose extractor inspect_offloaded()
	 * names is handed to it instead of being read here; NULL: read in this
	 * process (dlpctl scan, the tests, inside a worker). */
	void (*offload)(void *ctx, struct inspect *in, size_t idx, const struct extractor *ex,
	    const unsigned char *data, size_t len, unsigned depth, const char *charset);
	void *offload_ctx;
	/* Each piece of extracted text with its part's path, or NULL
	 * (scan_msg_on_text). */
	void (*on_text)(void *arg, const struct scan_part *part, const char *text, size_t len);
	void *on_text_arg;
};

/* Load a libmagic handle into the process-wide pool (done lazily
 * otherwise; handles are borrowed per sniff, so any thread may use them),
 * so that a missing database shows at start.  0, or -1 with err. */
int inspect_magic_load(char *err, size_t errlen);
/* Make poppler's lazy process-wide state (pdf.c) now, once; done on first
 * use otherwise.  A sandbox worker calls it before its filter is loaded. */
void pdf_init(void);
/* OCR (image.c); the engine is made and its models read on first use. */
/* Read the text of an 8-bit grey picture, w x h pixels, stride bytes a
 * row, at dpi (0: 96), appending it to out, within the message's time.
 * 0; 1 when the time ran out (what was read is in out); -1 when there is
 * no engine (ocr_error() says why). */
int ocr_grey(struct inspect *in, const unsigned char *grey, int w, int h, int stride, int dpi,
    struct textbuf *out);
const char *ocr_error(void);
/* Send what Tesseract, Leptonica and libpng write to stderr while a
 * picture is read to fd instead (a sandbox worker: its stdout, /dev/null;
 * there Tesseract cannot open its debug_file /dev/null for writing).
 * -1, the default: leave stderr alone. */
void ocr_quiet_fd(int fd);
/* Free what in holds (visible, bcc, per-part sets); not in->res.  NULL-safe. */
void inspect_done(struct inspect *in);

/* Add a part and return its index, or -1 when max_parts is reached (the
 * caller then marks its own part unscanned).  path is copied.  The first
 * refused part is still recorded once, past the limit, as unscanned
 * "more than max_parts parts", so a limit is never hit silently. */
long inspect_part_add(struct inspect *in, const char *path, const char *filename,
    const char *declared_type);
/* Inspect the decoded bytes of part idx at nesting depth.  charset is the
 * declared charset for text, or NULL. */
void inspect_data(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset);
/* MIME type of data by content (libmagic) into type. */
void inspect_sniff(const unsigned char *data, size_t len, char *type, size_t typelen);
/* The first extractor of the registry that takes content of type mime,
 * or NULL. */
const struct extractor *inspect_choose(const char *mime, const char *declared,
    const unsigned char *data, size_t len);
/* Read part idx with ex, here or in a worker (inspect_offloaded). */
void inspect_run(struct inspect *in, size_t idx, const struct extractor *ex,
    const unsigned char *data, size_t len, unsigned depth, const char *charset);
/* Long base64 runs pasted into the text of part idx (b64run.c): each one
 * that decodes to content an extractor reads becomes a child part
 * "<part>/base64-N", inspected at depth + 1 like an attachment. */
void inspect_base64_runs(struct inspect *in, size_t idx, const char *text, size_t len,
    unsigned depth);
/* The distinct values of part idx, one set per finding type, made on
 * first use; NULL on ENOMEM.  (A sandbox worker's reply fills them.) */
struct valueset **inspect_part_sets(struct inspect *in, size_t idx);
/* The whole message's term tables (scan_result term_*), made on first
 * use for in->opt->terms.  0, or -1 on ENOMEM. */
int inspect_terms(struct inspect *in);
/* Run the text pipeline over UTF-8 text belonging to part idx (the
 * detectors, then the terms of in->opt, if any). */
void inspect_text(struct inspect *in, size_t idx, const char *utf8, size_t len);
void inspect_unscanned(struct inspect *in, size_t idx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void inspect_encrypted(struct inspect *in, size_t idx);
/* True once the time budget is spent (checked by long loops). */
bool inspect_out_of_time(struct inspect *in);
/* Child path: parent + "/" + name, with '/' in name kept as a separator but
 * control characters dropped.  Returns a malloc'd string. */
char *inspect_child_path(const char *parent, const char *name);
/* The path under which the members of part idx are named: its path, and
 * for a MIME part with a file name that name too ("2/list.zip"), so that a
 * member reads "2/list.zip/inner.zip/people.xlsx".  malloc'd, or NULL. */
char *inspect_container_path(const struct inspect *in, size_t idx);

/* An extractor turns one content type into text and/or child parts. */
struct extractor {
	const char *name;
	/* 1 when this extractor takes content of detected MIME type mime
	 * (libmagic), data being the decoded bytes. */
	int (*accepts)(const char *mime, const char *declared, const unsigned char *data,
	    size_t len);
	/* Append the part's text to out, and inspect members as child parts.
	 * Returns 0, or -1 after marking the part unscanned or encrypted. */
	int (*extract)(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
	    unsigned depth, const char *charset, struct textbuf *out);
};

/* The registry, in order of preference, NULL-terminated (registry.c). */
extern const struct extractor *const extractors[];
/* The row called name, or NULL. */
const struct extractor *extractor_by_name(const char *name);

/* Run ex over part idx (whose detected_type is set) as inspect_data does
 * once it has chosen ex: its text through the pipeline, its members as
 * child parts.  A sandbox worker calls it for the part it was handed. */
void inspect_extract(struct inspect *in, size_t idx, const struct extractor *ex,
    const unsigned char *data, size_t len, unsigned depth, const char *charset);
/* True when part idx, to be read by ex, goes to in->offload: everything
 * but plain text, a mail's own HTML body (no file name), a forwarded
 * message (walked here, its attachments go one by one) and the
 * extractors that read nothing ("none", "pgp"). */
bool inspect_offloaded(const struct inspect *in, size_t idx, const struct extractor *ex);

#endif
