/*
 * odf.c — OpenDocument: .odt/.ods/.odp (and their templates, and
 * .odg drawings), by detected type.
 *
 * Read: content.xml, then styles.xml (page headers and footers), as
 * streams (zipxml.h: no DTD, no entities, bounded bytes and time).
 * text:p and text:h end lines, text:tab is a tab, text:s one or more
 * spaces, text:line-break a line break; table cells are tab-separated
 * (table:number-columns-repeated stands for that many cells, bounded;
 * the value of a repeated cell is given once), rows end lines (a repeated
 * row is given once), tables and sheets stand between form feeds, so a
 * sheet's first line is its header row.  Footnotes and comments are read
 * in place (the note number and the comment's author and date are not).
 * A cell's text is its displayed text (text:p), formatted as shown.
 * Encryption: a package whose META-INF/manifest.xml has encryption-data
 * is counted encrypted and not read further.
 * Embedded objects: an OpenDocument object ("Object 1/content.xml": an
 * embedded spreadsheet, chart or text, with its table data) is read with
 * the same rules after the document; a foreign object stored as one file
 * ("Object 2": an OLE embedding of an Excel or Word file) is a child part,
 * inspected by content.
 * Not read: meta.xml, settings.xml, pictures and their replacement images
 * ("ObjectReplacements/"), macros, flat XML files (.fodt: not zip).
 */
#include <stdio.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/zipread.h"
#include "extract/zipxml.h"

#define NS_TEXT "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define NS_TABLE "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
#define NS_OFFICE "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
#define NS_DC "http://purl.org/dc/elements/1.1/"

static const struct zxrule odf_rules[] = {
	{ "p", NS_TEXT, ZX_PARA, NULL }, { "h", NS_TEXT, ZX_PARA, NULL },
	{ "tab", NS_TEXT, ZX_TAB, NULL }, { "s", NS_TEXT, ZX_SPACES, "c" },
	{ "line-break", NS_TEXT, ZX_BREAK, NULL },
	{ "note-citation", NS_TEXT, ZX_SKIP, NULL }, { "note", NS_TEXT, ZX_NOTE, NULL },
	{ "annotation", NS_OFFICE, ZX_NOTE, NULL },
	{ "creator", NS_DC, ZX_SKIP, NULL }, { "date", NS_DC, ZX_SKIP, NULL },
	{ "table", NS_TABLE, ZX_TABLE, NULL }, { "table-row", NS_TABLE, ZX_ROW, NULL },
	{ "table-cell", NS_TABLE, ZX_CELL, "number-columns-repeated" },
	{ "covered-table-cell", NS_TABLE, ZX_CELL, "number-columns-repeated" },
	{ NULL, NULL, 0, NULL }
};

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
odt_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return starts(mime, "application/vnd.oasis.opendocument.text");
}

static int
ods_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return starts(mime, "application/vnd.oasis.opendocument.spreadsheet");
}

static int
odp_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return starts(mime, "application/vnd.oasis.opendocument.presentation") ||
	    starts(mime, "application/vnd.oasis.opendocument.graphics");
}

static int
manifest_node(struct zipxml *x, void *ctx, bool *skip)
{
	bool *enc = ctx;

	*enc = zipxml_type(x) == XML_READER_TYPE_ELEMENT &&
	    strcmp(zipxml_name(x), "encryption-data") == 0;
	return *enc ? 1 : 0;
}

/* 1 when the manifest declares encrypted entries, 0 when not (or there is
 * no manifest), -1 with why when it cannot be read. */
static int
odf_encrypted(struct zipread *zr, char *why, size_t whylen)
{
	struct zipread_entry e;
	int64_t i = zipread_locate(zr, "META-INF/manifest.xml");
	bool enc = false;

	if (i < 0)
		return 0;
	if (zipread_stat(zr, (uint64_t)i, &e) != 0) {
		snprintf(why, whylen, "META-INF/manifest.xml unreadable");
		return -1;
	}
	if (e.encryption != 0)
		return 1;
	if (zipxml_walk(zr, &e, manifest_node, &enc, why, whylen) < 0)
		return -1;
	return enc ? 1 : 0;
}

/* Append member name's text; a missing styles.xml is no error. */
static int
odf_member(struct zipread *zr, const char *name, bool needed, struct textbuf *out, char *why,
    size_t whylen)
{
	struct zipread_entry e;
	int64_t i = zipread_locate(zr, name);

	if (i < 0 || zipread_stat(zr, (uint64_t)i, &e) != 0) {
		if (!needed)
			return 0;
		snprintf(why, whylen, "no %s", name);
		return -1;
	}
	if (e.encryption != 0) {
		snprintf(why, whylen, "%s encrypted", name);
		return -1;
	}
	zipxml_sep(out, '\n');
	return zipxml_text(zr, &e, odf_rules, out, why, whylen);
}

/* "Object N/content.xml" (1) or "Object N" alone (2) inside a package;
 * 0 for anything else. */
static int
odf_object(const char *name)
{
	const char *p = name;

	if (strncmp(p, "Object ", 7) != 0)
		return 0;
	for (p += 7; *p >= '0' && *p <= '9'; p++)
		;
	if (p == name + 7)
		return 0;
	if (*p == '\0')
		return 2;
	return strcmp(p, "/content.xml") == 0 ? 1 : 0;
}

/* Read the embedded objects after the document (see the top). */
static void
odf_objects(struct zipread *zr, unsigned depth, struct textbuf *out)
{
	struct inspect *in = zr->in;

	for (uint64_t i = 0; i < zr->n && !out->truncated; i++) {
		struct zipread_entry e;
		char why[256];
		int k;

		if (zipread_stat(zr, i, &e) != 0 || e.is_dir || (k = odf_object(e.name)) == 0)
			continue;
		if (inspect_out_of_time(in)) {
			inspect_unscanned(in, zr->idx, "time budget exceeded");
			return;
		}
		if (k == 2) {
			if (depth + 1 > in->opt->limits.max_depth) {
				inspect_unscanned(in, zr->idx,
				    "embedded object nested deeper than max_depth (%u)",
				    in->opt->limits.max_depth);
				continue;
			}
			if (zipread_child(zr, &e, depth) != 0)
				return;		/* max_parts: marked */
			continue;
		}
		if (e.encryption != 0) {
			inspect_unscanned(in, zr->idx, "%s encrypted", e.name);
			continue;
		}
		zipxml_sep(out, '\f');
		if (zipxml_text(zr, &e, odf_rules, out, why, sizeof(why)) != 0)
			inspect_unscanned(in, zr->idx, "%s", why);
	}
}

static int
odf_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	const char *kind = in->res->parts[idx].extractor;
	struct zipread zr;
	char why[256];
	int enc;

	kind = kind ? kind : "odf";
	if (zipread_open(&zr, in, idx, kind, data, len, why, sizeof(why)) != 0) {
		inspect_unscanned(in, idx, "corrupt %s: %s", kind, why);
		return -1;
	}
	enc = odf_encrypted(&zr, why, sizeof(why));
	if (enc > 0) {
		inspect_encrypted(in, idx);
		zipread_close(&zr);
		return -1;
	}
	if (enc < 0)
		inspect_unscanned(in, idx, "%s", why);
	if (odf_member(&zr, "content.xml", true, out, why, sizeof(why)) != 0)
		inspect_unscanned(in, idx, "%s", why);
	if (!out->truncated && odf_member(&zr, "styles.xml", false, out, why, sizeof(why)) != 0)
		inspect_unscanned(in, idx, "%s", why);
	odf_objects(&zr, depth, out);
	zipread_close(&zr);
	return in->res->parts[idx].unscanned ? -1 : 0;
}

const struct extractor extract_odt = { "odt", odt_accepts, odf_extract };
const struct extractor extract_ods = { "ods", ods_accepts, odf_extract };
const struct extractor extract_odp = { "odp", odp_accepts, odf_extract };
