/*
 * extract_pdf.c — PDF text with poppler-glib.
 *
 * What is read: the text of every page (poppler_page_get_text), pages
 * separated by '\f', until max_text_bytes or the time budget ends.  The
 * document is opened straight from the decoded bytes (a GBytes over them,
 * no copy) with no password.  Images are not read (no OCR): a scanned
 * paper PDF yields no text.
 *
 * Encrypted, the exact rule: a PDF is counted encrypted when it cannot be
 * opened without a password, that is
 *   - poppler refuses it with POPPLER_ERROR_ENCRYPTED (a user/open
 *     password is set, or the security handler is not one poppler knows), or
 *   - poppler cannot open it for another reason and the file holds an
 *     /Encrypt key in a trailer or cross-reference stream dictionary (a
 *     damaged encrypted PDF).
 * A PDF with only an owner password ("permissions": no printing, no
 * copying …) opens without one: its text is read and scanned like any
 * other and it is NOT counted encrypted — nothing in it is hidden from
 * inspection, and many published PDFs carry such permissions.
 *
 * Broken PDFs: poppler rebuilds a broken cross-reference table by scanning
 * the file; a PDF it opens that way is read normally.  One it cannot open
 * is unscanned "corrupt pdf: <poppler's reason>".
 *
 * Quiet: poppler-glib reports PDF syntax errors through GLib's log, domain
 * "Poppler"; a handler drops them so that a daemon does not write to stderr
 * for every odd PDF.
 *
 * Serialised: poppler builds process-wide state lazily (GlobalParams,
 * colour-management profiles in GfxState) with no guard against
 * concurrent first use, and releases of poppler up to 2024 have had
 * multi-thread crashes reported against them.  One mutex therefore
 * serialises PDF extraction; a thread waits for it no longer than its own
 * time budget (pthread_mutex_clocklock on the monotonic deadline), after
 * which the part is unscanned "out of time waiting for the pdf reader".
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <glib.h>
#include <poppler.h>

#include "detectors/inspect.h"

static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t pdf_once = PTHREAD_ONCE_INIT;

static void
pdf_log_drop(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain; (void)level; (void)msg; (void)data;
}

static void
pdf_init_once(void)
{
	g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
	    G_LOG_FLAG_RECURSION, pdf_log_drop, NULL);
}

static int
pdf_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	if (mime != NULL && strcmp(mime, "application/pdf") == 0)
		return 1;
	/* libmagic wants "%PDF-" at offset 0, PDF readers accept it within the
	 * first KB: take such data when libmagic saw nothing else in it */
	if (mime != NULL && strcmp(mime, "application/octet-stream") != 0)
		return 0;
	return len >= 5 && memmem(data, len < 1024 ? len : 1024, "%PDF-", 5) != NULL;
}

/* 1 when data holds the name /Encrypt used as a dictionary key: followed by
 * whitespace, a reference ("/Encrypt 12 0 R") or a direct dictionary. */
static int
pdf_names_encrypt(const unsigned char *data, size_t len)
{
	static const char key[] = "/Encrypt";
	const size_t klen = sizeof(key) - 1;
	const unsigned char *p = data, *end = data + len;

	while ((size_t)(end - p) > klen &&
	    (p = memmem(p, (size_t)(end - p), key, klen)) != NULL) {
		unsigned char c = p + klen < end ? p[klen] : 0;
		if (c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '<' ||
		    (c >= '0' && c <= '9'))
			return 1;
		p += klen;
	}
	return 0;
}

/* Take the reader lock before the message's deadline.  0, or -1. */
static int
pdf_lock_until(struct inspect *in)
{
	return pthread_mutex_clocklock(&pdf_lock, CLOCK_MONOTONIC, &in->deadline) == 0 ? 0 : -1;
}

/* Append the text of every page to out.  Returns 0, or 1 when the time
 * budget ran out first (*page set to the page reached). */
static int
pdf_pages(struct inspect *in, PopplerDocument *doc, struct textbuf *out, int *page)
{
	int n = poppler_document_get_n_pages(doc);

	for (*page = 0; *page < n; (*page)++) {
		if (inspect_out_of_time(in))
			return 1;
		PopplerPage *pg = poppler_document_get_page(doc, *page);
		if (pg == NULL)
			continue;
		char *text = poppler_page_get_text(pg);
		g_object_unref(pg);
		int full = 0;
		if (*page > 0)
			full = textbuf_putc(out, '\f') < 0;
		if (!full && text != NULL)
			full = textbuf_append(out, text, strlen(text)) < 0;
		g_free(text);
		if (full)
			break;		/* max_text_bytes: the rest is not read */
	}
	return 0;
}

static int
pdf_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	GError *err = NULL;
	PopplerDocument *doc = NULL;
	GBytes *bytes = NULL;
	int page = 0, rc = -1, late;

	pthread_once(&pdf_once, pdf_init_once);
	if (pdf_lock_until(in) < 0) {
		inspect_unscanned(in, idx, "out of time waiting for the pdf reader");
		return -1;
	}
	bytes = g_bytes_new_static(data, len);
	doc = poppler_document_new_from_bytes(bytes, NULL, &err);
	if (doc == NULL) {
		if (g_error_matches(err, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED) ||
		    pdf_names_encrypt(data, len))
			inspect_encrypted(in, idx);
		else
			inspect_unscanned(in, idx, "corrupt pdf: %s",
			    err != NULL ? err->message : "cannot be opened");
		goto done;
	}
	late = pdf_pages(in, doc, out, &page);
	if (late) {
		inspect_unscanned(in, idx, "out of time at pdf page %d of %d", page + 1,
		    poppler_document_get_n_pages(doc));
		goto done;
	}
	rc = 0;
done:
	if (doc != NULL)
		g_object_unref(doc);
	g_bytes_unref(bytes);
	pthread_mutex_unlock(&pdf_lock);
	if (err != NULL)
		g_error_free(err);
	return rc;
}

const struct extractor ext_pdf = {
	.name = "pdf",
	.accepts = pdf_accepts,
	.extract = pdf_extract,
};
