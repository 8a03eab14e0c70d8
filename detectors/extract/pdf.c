/*
 * pdf.c — PDF text with poppler-glib.
 *
 * What is read: the text of every page (poppler_page_get_text), pages
 * separated by '\f', until max_text_bytes or the time budget ends; files
 * embedded in the PDF ("attachments": an .xlsx or .csv carried inside a
 * PDF) become child parts inspected at depth+1, each bounded by
 * max_member_bytes, at most max_members of them.  The document is opened
 * straight from the decoded bytes (a GBytes over them, no copy) with no
 * password.  A page with no text but an image (a scanned page) is read
 * by OCR (pdf_ocr.c) when [limits] ocr = yes, within ocr_max_pixels and
 * the time budget; what OCR could not read is unscanned only with
 * ocr_unscanned = yes, as for an attached image.
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
 * Embedded files are listed only when pdf_guard.h finds no indirect
 * string object (poppler-glib 22.12 crashes on one in the EmbeddedFiles
 * name tree); otherwise the part is unscanned "embedded files not read".
 *
 * Broken PDFs: poppler rebuilds a broken cross-reference table by scanning
 * the file; a PDF it opens that way is read normally.  One it cannot open
 * is unscanned "corrupt pdf: <poppler's reason>".
 *
 * Quiet: poppler-glib reports PDF syntax errors through GLib's log, domain
 * "Poppler"; a handler drops them so that a daemon does not write to stderr
 * for every odd PDF.
 *
 * Threads, no lock: poppler-glib reads a PopplerDocument in the thread
 * that made it, and two documents in two threads share only poppler's
 * process-wide state.  That state is made lazily on first use with no
 * guard against two first uses at once: globalParams (made by the first
 * poppler_document_new_*, which tests "if (!globalParams)" and assigns),
 * the GObject types of poppler-glib, and the colour profiles GfxState
 * keeps in statics (sRGB, made by the first page drawn).  pdf_init_once()
 * therefore opens and reads one tiny built-in PDF under pthread_once
 * before any real one: every lazy global exists before a second thread
 * can get there, and later uses only read it (poppler guards its own
 * caches, CMaps and unicode maps, with its own mutexes).  Two PDFs in two
 * sessions then use two cores (tests/unit/detectors/extract/
 * test_pdf_threads.c checks two threads against a serial run).  What a
 * poppler bug could still do to a process is the sandbox's business:
 * the daemon reads attachments in worker processes (detectors/sandbox/).
 * Embedded files are copied out while the document is open and inspected
 * after it is closed (one of them may be a PDF).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <poppler.h>

#include "extract/extract.h"
#include "extract/pdf_guard.h"
#include "extract/pdf_ocr.h"

static pthread_once_t pdf_once = PTHREAD_ONCE_INIT;

static void
pdf_log_drop(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain; (void)level; (void)msg; (void)data;
}

/* One page, "x" in Helvetica: reading it makes poppler's lazy globals. */
static const char pdf_warm[] =
    "%PDF-1.4\n"
    "1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]"
    "/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>endobj\n"
    "4 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    "5 0 obj<</Length 33>>stream\nBT /F1 12 Tf 20 100 Td (x) Tj ET\nendstream endobj\n"
    "trailer<</Root 1 0 R/Size 6>>\n%%EOF\n";

static void
pdf_init_once(void)
{
	GBytes *bytes;
	PopplerDocument *doc;

	g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
	    G_LOG_FLAG_RECURSION, pdf_log_drop, NULL);
	bytes = g_bytes_new_static(pdf_warm, sizeof(pdf_warm) - 1);
	doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
	if (doc != NULL) {
		PopplerPage *pg = poppler_document_get_page(doc, 0);
		if (pg != NULL) {
			g_free(poppler_page_get_text(pg));
			g_object_unref(pg);
		}
		g_object_unref(doc);
	}
	g_bytes_unref(bytes);
}

void
pdf_init(void)
{
	pthread_once(&pdf_once, pdf_init_once);
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

/* Nothing but white space in s. */
static bool
blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f')
			return false;
	return true;
}

/* Append the text of every page of part idx to out; a page with none,
 * read by OCR when [limits] ocr allows (pdf_ocr.c).  Returns 0, or 1 when
 * the time budget ran out first (*page set to the page reached). */
static int
pdf_pages(struct inspect *in, size_t idx, PopplerDocument *doc, struct textbuf *out, int *page)
{
	int n = poppler_document_get_n_pages(doc);

	for (*page = 0; *page < n; (*page)++) {
		if (inspect_out_of_time(in))
			return 1;
		PopplerPage *pg = poppler_document_get_page(doc, *page);
		if (pg == NULL)
			continue;
		char *text = poppler_page_get_text(pg);
		int full = 0;
		if (*page > 0)
			full = textbuf_putc(out, '\f') < 0;
		if (!full && text != NULL)
			full = textbuf_append(out, text, strlen(text)) < 0;
		if (!full && in->opt->limits.ocr && blank(text))
			pdf_ocr_page(in, idx, pg, *page, out);
		full = full || out->truncated;
		g_object_unref(pg);
		g_free(text);
		if (full)
			break;		/* max_text_bytes: the rest is not read */
	}
	return 0;
}

/* An embedded file, copied out of the document while it is open. */
struct pdf_att {
	char *name;
	unsigned char *data;
	size_t len, cap, max;
	bool over;			/* larger than max_member_bytes */
};

static gboolean
pdf_sink(const gchar *buf, gsize count, gpointer user, GError **error)
{
	struct pdf_att *a = user;

	if (count > a->max - a->len) {
		a->over = true;
		g_set_error_literal(error, g_quark_from_static_string("dlp-pdf"), 1, "too large");
		return FALSE;
	}
	if (a->len + count > a->cap) {
		size_t cap = a->cap ? a->cap : 64 * 1024;
		while (cap < a->len + count)
			cap *= 2;
		unsigned char *n = realloc(a->data, cap);
		if (n == NULL) {
			g_set_error_literal(error, g_quark_from_static_string("dlp-pdf"), 2, "ENOMEM");
			return FALSE;
		}
		a->data = n;
		a->cap = cap;
	}
	memcpy(a->data + a->len, buf, count);
	a->len += count;
	return TRUE;
}

/* Copy up to max_members embedded files ("attachments") into *out.
 * Returns how many; *more set when there were more. */
static size_t
pdf_collect(struct inspect *in, PopplerDocument *doc, struct pdf_att **out, bool *more)
{
	const struct scan_limits *lim = &in->opt->limits;
	GList *list = poppler_document_get_attachments(doc), *l;
	size_t n = 0, cap = g_list_length(list);
	struct pdf_att *a = cap ? calloc(cap, sizeof(*a)) : NULL;

	*more = false;
	for (l = list; l != NULL && a != NULL; l = l->next) {
		PopplerAttachment *att = l->data;
		if (n == lim->max_members || inspect_out_of_time(in)) {
			*more = true;
			break;
		}
		const char *name = poppler_attachment_get_name(att);
		a[n].name = strdup(name != NULL && *name ? name : "attachment");
		a[n].max = lim->max_member_bytes;
		poppler_attachment_save_to_callback(att, pdf_sink, &a[n], NULL);
		n++;
	}
	g_list_free_full(list, g_object_unref);
	*out = a;
	return n;
}

/* Inspect the copied embedded files as child parts at depth+1. */
static void
pdf_children(struct inspect *in, size_t idx, const char *parent, struct pdf_att *a,
    size_t n, unsigned depth)
{
	for (size_t i = 0; i < n; i++) {
		char *path = inspect_child_path(parent, a[i].name);
		long child = path != NULL ? inspect_part_add(in, path, a[i].name, NULL) : -1;
		free(path);
		if (child < 0) {
			inspect_unscanned(in, idx, "embedded files over max_parts");
			return;
		}
		if (a[i].over)
			inspect_unscanned(in, (size_t)child, "embedded file over max_member_bytes (%zu)",
			    a[i].max);
		else
			inspect_data(in, (size_t)child, a[i].data, a[i].len, depth + 1, NULL);
	}
}

static int
pdf_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	GError *err = NULL;
	PopplerDocument *doc = NULL;
	GBytes *bytes = NULL;
	struct pdf_att *att = NULL;
	size_t natt = 0;
	int page = 0, npages = 0, rc = -1, late = 0, guard = 0;
	bool more = false, deep = false;
	char *parent = inspect_container_path(in, idx);

	pdf_init();
	if (parent == NULL) {
		inspect_unscanned(in, idx, "out of memory");
		return -1;
	}
	bytes = g_bytes_new_static(data, len);
	doc = poppler_document_new_from_bytes(bytes, NULL, &err);
	if (doc != NULL) {
		npages = poppler_document_get_n_pages(doc);
		late = pdf_pages(in, idx, doc, out, &page);
		deep = depth + 1 > in->opt->limits.max_depth;
		if (!late && poppler_document_has_attachments(doc))
			guard = pdf_guard_strings(data, len, in->opt->limits.max_member_bytes);
		if (!late && !deep && guard == 0 && poppler_document_has_attachments(doc))
			natt = pdf_collect(in, doc, &att, &more);
		else if (deep && poppler_document_has_attachments(doc))
			more = true;
		g_object_unref(doc);
	}
	g_bytes_unref(bytes);			/* children may be PDFs themselves */

	if (doc == NULL) {
		if (g_error_matches(err, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED) ||
		    pdf_names_encrypt(data, len))
			inspect_encrypted(in, idx);
		else
			inspect_unscanned(in, idx, "corrupt pdf: %s",
			    err != NULL ? err->message : "cannot be opened");
	} else if (late) {
		inspect_unscanned(in, idx, "out of time at pdf page %d of %d", page + 1, npages);
	} else {
		pdf_children(in, idx, parent, att, natt, depth);
		if (guard != 0)
			inspect_unscanned(in, idx, "embedded files not read: %s", guard > 0 ?
			    "an indirect string object (unsafe for poppler-glib 22.12)" :
			    "object streams that cannot be checked");
		else if (deep && more)
			inspect_unscanned(in, idx, "embedded files nested deeper than max_depth (%u)",
			    in->opt->limits.max_depth);
		else if (more)
			inspect_unscanned(in, idx, "embedded files not all read (max_members, time)");
		rc = 0;
	}
	for (size_t i = 0; i < natt; i++) {
		free(att[i].name);
		free(att[i].data);
	}
	free(att);
	free(parent);
	if (err != NULL)
		g_error_free(err);
	return rc;
}

const struct extractor extract_pdf = {
	.name = "pdf",
	.accepts = pdf_accepts,
	.extract = pdf_extract,
};
