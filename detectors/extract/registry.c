/*
 * registry.c — the extractor registry, in order of preference, and the
 * "none" extractor.
 *
 * Every inspected part goes to the first row whose accepts() takes its
 * content type as libmagic detected it.  A part no row accepts is
 * unscanned ("no extractor for <type>").  Rows for archives and office
 * documents (zip, ooxml, pdf …) go before "text", which also takes any
 * part declared as text that reads as text; "none" stays last.
 */
#include <string.h>

#include "extract/extract.h"

extern const struct extractor extract_html;
extern const struct extractor extract_text;
extern const struct extractor extract_rfc822;
/* zipx: OOXML, ODF and zip (ooxml.c, odf.c, zip.c) */
extern const struct extractor extract_docx, extract_xlsx, extract_pptx, extract_ooxml;
extern const struct extractor extract_odt, extract_ods, extract_odp;
extern const struct extractor extract_zip;
/* pdf, legacy office (OLE2), rtf, xml, tar/gzip */
extern const struct extractor extract_pdf;
extern const struct extractor extract_ole;
extern const struct extractor extract_rtf;
extern const struct extractor extract_xml;
extern const struct extractor extract_archive;
extern const struct extractor extract_image;	/* OCR, image.c */

static int
starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Content that holds no text to read: sound, video, images other than
 * those "image" reads (and those too with [limits] ocr = no), detached
 * signatures and empty parts.  They are inspected (sniffed) and are NOT
 * unscanned: there is nothing a text detector could find in them. */
static int
none_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	static const char *const exact[] = {
		"application/pkcs7-signature", "application/x-pkcs7-signature",
		"application/pgp-signature", "application/x-empty", "inode/x-empty", NULL
	};

	if (starts(mime, "image/") || starts(mime, "audio/") || starts(mime, "video/"))
		return 1;
	for (size_t i = 0; exact[i]; i++)
		if (strcmp(mime, exact[i]) == 0)
			return 1;
	/* a detached signature in DER, which libmagic cannot name */
	return strcmp(mime, "application/octet-stream") == 0 && declared &&
	    (strcmp(declared, "application/pkcs7-signature") == 0 ||
	    strcmp(declared, "application/x-pkcs7-signature") == 0);
}

static int
none_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	return 0;
}

static const struct extractor extract_none = { "none", none_accepts, none_extract };

/* An OpenPGP message (ASCII-armoured or binary) sent as a plain part:
 * encrypted content. */
static int
pgp_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return strcmp(mime, "application/pgp-encrypted") == 0 ||
	    strcmp(mime, "application/pgp") == 0;
}

static int
pgp_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	inspect_encrypted(in, idx);
	return -1;
}

static const struct extractor extract_pgp = { "pgp", pgp_accepts, pgp_extract };

const struct extractor *const extractors[] = {
	&extract_rfc822,
	&extract_pgp,
	&extract_pdf,
	&extract_ole,
	&extract_rtf,
	&extract_xml,
	&extract_archive,
	&extract_html,
	/* zipx: office packages before plain zip (an OOXML file libmagic
	 * names application/zip or octet-stream is found by its parts) */
	&extract_docx, &extract_xlsx, &extract_pptx, &extract_ooxml,
	&extract_odt, &extract_ods, &extract_odp,
	&extract_zip,
	&extract_text,
	&extract_image,		/* before "none": PNG, JPEG, TIFF, GIF */
	&extract_none,
	NULL
};

const struct extractor *
extractor_by_name(const char *name)
{
	for (size_t i = 0; name && extractors[i]; i++)
		if (strcmp(extractors[i]->name, name) == 0)
			return extractors[i];
	return NULL;
}
