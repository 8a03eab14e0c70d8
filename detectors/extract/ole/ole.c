/*
 * ole.c — legacy Office files and other OLE2 compound documents
 * (.doc .xls .ppt .msg …), and encrypted OOXML, with libgsf.
 *
 * Taken by content: any data that starts with the OLE2 signature.  What
 * libmagic 5.44 (Debian 12) says of them: .doc application/msword, .xls
 * application/vnd.ms-excel, .ppt application/vnd.ms-powerpoint — the same
 * for their RC4-encrypted forms —, encrypted .docx/.xlsx (an EncryptedPackage
 * stream) application/encrypted, any other compound file
 * application/x-ole-storage.
 *
 * Encrypted when:
 *   - the root storage holds an EncryptedPackage stream (OOXML encrypted
 *     with a password: EncryptionInfo + EncryptedPackage, [MS-OFFCRYPTO])
 *     or a DRMContent stream (rights-management protected OOXML);
 *   - Word: fEncrypted in the FIB of WordDocument (RC4, CryptoAPI or XOR);
 *   - Excel: a FILEPASS record in the workbook globals (also Excel's
 *     default password for structure protection);
 *   - PowerPoint: an EncryptedSummary stream, the encrypted token
 *     0xF3D1C4DF in Current User, or a CryptSession10Container.
 *
 * What is read (see word.c, xls.c, ppt.c for the details;
 * text.c holds the UTF-16, code page and strings helpers they share):
 *   - Word 97–2003: the whole text of the piece table (body, tables,
 *     headers and footers, footnotes, comments, text boxes, field codes);
 *   - Excel 5–2003: every sheet's cells (shared and inline strings,
 *     numbers, dates as yyyy/mm/dd, cached formula results) as rows of
 *     tab-separated cells, sheets split by '\f'; comments and text boxes;
 *   - PowerPoint 97–2003: text atoms of slides, notes, shapes, and CString
 *     atoms (hyperlinks, comments);
 *   - an embedded OOXML/ODF package (a storage's "Package" stream) and a
 *     file embedded with Packager ("\1Ole10Native") become child parts;
 *     embedded legacy Office storages (ObjectPool, MBD…) are read like the
 *     top level, their text added to this part;
 *   - any other stream (Outlook .msg properties, SummaryInformation,
 *     Word 6/95 documents, a stream whose structure is broken): runs of at
 *     least 4 printable UTF-16LE characters (at even offsets), then runs of
 *     at least 4 printable ASCII / CP932 characters.
 * Not read: pictures, VBA projects, OLE objects embedded in PowerPoint
 * (compressed ExOleObjStg), Excel charts, Word 6/95 text beyond what the
 * strings fallback finds.
 *
 * Bounds: a stream larger than max_member_bytes is not read; at most
 * max_members streams; text up to max_text_bytes; the time budget is
 * checked between streams and inside the record loops.  A stream left out
 * for a limit, or an unreadable main stream, marks the part unscanned
 * (with whatever text was read still scanned).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gsf/gsf-infile-impl.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-utils.h>

#include "extract/extract.h"
#include "extract/ole/ole.h"
#include "text/charset.h"

#define OLE_MAX_LEVEL	16		/* storage nesting */
#define PPT_TOKEN_ENC	0xF3D1C4DFu	/* CurrentUserAtom.headerToken, encrypted */

static const unsigned char ole_magic[8] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };
static pthread_once_t ole_once = PTHREAD_ONCE_INIT;

struct ole {
	struct inspect *in;
	size_t idx;
	unsigned depth;
	struct textbuf *out;
	char *path;			/* the part's path (copy) */
	size_t nstreams;
	bool encrypted;
	char partial[160];		/* first reason the part was read only in part */
};

/* ------------------------------------------------------------ storages */

static void
ole_partial(struct ole *o, const char *fmt, const char *name)
{
	if (o->partial[0] == '\0')
		snprintf(o->partial, sizeof(o->partial), fmt, name);
}

static void
ole_log_drop(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain; (void)level; (void)msg; (void)data;
}

static void
ole_init_once(void)
{
	gsf_init();
	g_log_set_handler("libgsf", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
	    G_LOG_FLAG_RECURSION, ole_log_drop, NULL);
	g_log_set_handler("libgsf:msole", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
	    G_LOG_FLAG_RECURSION, ole_log_drop, NULL);
}

/* The whole stream, or NULL (too large, unreadable: noted as partial). */
static unsigned char *
ole_read(struct ole *o, GsfInput *s, const char *name, size_t *n)
{
	gsf_off_t size = gsf_input_size(s);
	unsigned char *buf;

	if (size < 0 || (uint64_t)size > o->in->opt->limits.max_member_bytes) {
		ole_partial(o, "ole stream %s over max_member_bytes", name);
		return NULL;
	}
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (buf == NULL) {
		ole_partial(o, "out of memory reading ole stream %s", name);
		return NULL;
	}
	if (size > 0 && gsf_input_read(s, (size_t)size, buf) == NULL) {
		ole_partial(o, "corrupt ole: stream %s cannot be read", name);
		free(buf);
		return NULL;
	}
	*n = (size_t)size;
	return buf;
}

/* Child i of dir, or NULL (noted as partial).  Calls the class method:
 * gsf_infile_child_by_index() would g_warning() to stderr on a broken
 * file, in GLib's default log domain. */
static GsfInput *
ole_open(struct ole *o, GsfInfile *dir, int i)
{
	GError *err = NULL;
	GsfInput *c = GSF_INFILE_CLASS(G_OBJECT_GET_CLASS(dir))->child_by_index(dir, i, &err);
	const char *name = gsf_infile_name_by_index(dir, i);

	if (err != NULL) {
		if (o->partial[0] == '\0')
			snprintf(o->partial, sizeof(o->partial), "corrupt ole: stream %s: %s",
			    name != NULL ? name : "?", err->message != NULL ? err->message : "unreadable");
		g_error_free(err);
		if (c != NULL)
			g_object_unref(c);
		return NULL;
	}
	return c;
}

/* Index of the child called name, or -1. */
static int
child_index(GsfInfile *dir, const char *name)
{
	int n = gsf_infile_num_children(dir);

	for (int i = 0; i < n; i++) {
		const char *s = gsf_infile_name_by_index(dir, i);
		if (s != NULL && strcmp(s, name) == 0)
			return i;
	}
	return -1;
}

static bool
has_child(GsfInfile *dir, const char *name)
{
	return child_index(dir, name) >= 0;
}

static unsigned char *
ole_read_named(struct ole *o, GsfInfile *dir, const char *name, size_t *n)
{
	int i = child_index(dir, name);
	GsfInput *s = i >= 0 ? ole_open(o, dir, i) : NULL;
	unsigned char *buf;

	if (s == NULL)
		return NULL;
	buf = ole_read(o, s, name, n);
	g_object_unref(s);
	return buf;
}

/* Inspect bytes embedded in the document as a child part. */
static void
ole_child(struct ole *o, const char *label, const char *filename,
    const unsigned char *data, size_t len)
{
	char *path;
	long child;

	if (o->depth + 1 > o->in->opt->limits.max_depth) {
		ole_partial(o, "embedded object %s nested deeper than max_depth", label);
		return;
	}
	if ((path = inspect_child_path(o->path, label)) == NULL)
		return;
	child = inspect_part_add(o->in, path, filename, NULL);
	free(path);
	if (child < 0) {
		ole_partial(o, "embedded object %s over max_parts", label);
		return;
	}
	inspect_data(o->in, (size_t)child, data, len, o->depth + 1, NULL);
}

/* Packager's \1Ole10Native: size, type, label\0, path\0, 4 bytes, temp
 * path (length-prefixed), data size, data.  -1 if it is not that. */
static int
ole10native(struct ole *o, const char *prefix, const unsigned char *d, size_t n)
{
	size_t p = 6, label, len;
	char *name, *lab;

	if (n < 6)
		return -1;
	label = p;
	while (p < n && d[p])
		p++;
	len = p - label;
	p++;
	while (p < n && d[p])			/* source path */
		p++;
	p += 1 + 4;
	if (p + 4 > n)
		return -1;
	uint32_t tl = ole_le32(d + p);
	if (tl > n - p - 4)
		return -1;
	p += 4 + tl;
	if (p + 4 > n || ole_le32(d + p) > n - p - 4)
		return -1;
	name = charset_to_utf8(d + label, len, NULL, 255, &len, NULL);
	if (name == NULL)
		return -1;
	lab = g_strconcat(prefix, name[0] ? name : "Ole10Native", NULL);
	ole_child(o, lab, name[0] ? name : NULL, d + p + 4, ole_le32(d + p));
	g_free(lab);
	free(name);
	return 0;
}

/* Streams read by a format reader, not to be read again as strings. */
struct handled {
	const char *name[8];
	int n;
};

static void
done_add(struct handled *h, const char *name)
{
	if (h->n < (int)(sizeof(h->name) / sizeof(h->name[0])))
		h->name[h->n++] = name;
}

static bool
done_has(const struct handled *h, const char *name)
{
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0)
			return true;
	return false;
}

static bool
name_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* Streams and storages with no text worth reading. */
static const char *const skip_streams[] = {
	"\001CompObj", "\001Ole", "\003ObjInfo", "\003EPRINT", "Pictures", "Current User",
	"EncryptionInfo", "_VBA_PROJECT", "dir", "PROJECT", "PROJECTwm", NULL,
};
static const char *const skip_storages[] = {
	"VBA", "_VBA_PROJECT_CUR", "Macros", "\006DataSpaces", NULL,
};

static void
ole_word(struct ole *o, GsfInfile *dir, struct handled *h)
{
	size_t wdlen = 0, l0 = 0, l1 = 0;
	unsigned char *wd, *t0, *t1;

	if ((wd = ole_read_named(o, dir, "WordDocument", &wdlen)) == NULL)
		return;
	t0 = ole_read_named(o, dir, "0Table", &l0);
	t1 = ole_read_named(o, dir, "1Table", &l1);
	if (ole_word_text(o->in, wd, wdlen, t0, l0, t1, l1, o->out, &o->encrypted) == 0) {
		done_add(h, "WordDocument");
		done_add(h, "0Table");
		done_add(h, "1Table");
		done_add(h, "Data");		/* pictures and OLE object data */
	} else {
		ole_partial(o, "%s: not a Word 97-2003 piece table, read as strings",
		    "WordDocument");
	}
	free(wd);
	free(t0);
	free(t1);
}

static void
ole_xls(struct ole *o, GsfInfile *dir, struct handled *h)
{
	const char *name = has_child(dir, "Workbook") ? "Workbook" : "Book";
	size_t len = 0;
	unsigned char *wb;

	if ((wb = ole_read_named(o, dir, name, &len)) == NULL)
		return;
	if (ole_xls_text(o->in, wb, len, o->out, &o->encrypted) == 0)
		done_add(h, name);
	else
		ole_partial(o, "%s: not a BIFF5/BIFF8 workbook, read as strings", name);
	free(wb);
}

static void
ole_ppt(struct ole *o, GsfInfile *dir, struct handled *h)
{
	static const unsigned char crypt10[4] = { 0x0F, 0x00, 0x14, 0x2F };
	size_t len = 0, culen = 0;
	unsigned char *doc, *cu;

	if ((cu = ole_read_named(o, dir, "Current User", &culen)) != NULL) {
		if (culen >= 16 && ole_le32(cu + 12) == PPT_TOKEN_ENC)
			o->encrypted = true;
		free(cu);
	}
	if (o->encrypted || (doc = ole_read_named(o, dir, "PowerPoint Document", &len)) == NULL)
		return;
	if (memmem(doc, len, crypt10, sizeof(crypt10)) != NULL)
		o->encrypted = true;	/* CryptSession10Container header */
	else if (ole_ppt_text(o->in, doc, len, o->out, &o->encrypted) == 0)
		done_add(h, "PowerPoint Document");
	else
		ole_partial(o, "%s: no PowerPoint records, read as strings", "PowerPoint Document");
	free(doc);
}

static void
ole_stream(struct ole *o, GsfInput *s, const char *prefix, const char *name)
{
	size_t len = 0;
	unsigned char *d = ole_read(o, s, name, &len);

	if (d == NULL)
		return;
	if (strcmp(name, "Package") == 0) {
		char *label = g_strconcat(prefix, name, NULL);
		ole_child(o, label, NULL, d, len);
		g_free(label);
	} else if (strcmp(name, "\001Ole10Native") != 0 || ole10native(o, prefix, d, len) < 0) {
		ole_strings(o->in, d, len, o->out);
		textbuf_putc(o->out, '\n');
	}
	free(d);
}

static void
ole_dir(struct ole *o, GsfInfile *dir, const char *prefix, int level)
{
	struct handled h = { .n = 0 };
	int i, n;

	if (has_child(dir, "EncryptedPackage") || has_child(dir, "\tDRMContent") ||
	    has_child(dir, "EncryptedSummary")) {
		o->encrypted = true;
		return;
	}
	if (has_child(dir, "WordDocument"))
		ole_word(o, dir, &h);
	if (!o->encrypted && (has_child(dir, "Workbook") || has_child(dir, "Book")))
		ole_xls(o, dir, &h);
	if (!o->encrypted && has_child(dir, "PowerPoint Document"))
		ole_ppt(o, dir, &h);
	n = gsf_infile_num_children(dir);
	for (i = 0; i < n && !o->encrypted; i++) {
		const char *name = gsf_infile_name_by_index(dir, i);
		if (name == NULL || done_has(&h, name) || name_in(name, skip_streams))
			continue;
		if (inspect_out_of_time(o->in)) {
			ole_partial(o, "out of time before ole stream %s", name);
			return;
		}
		if (++o->nstreams > o->in->opt->limits.max_members) {
			ole_partial(o, "more than max_members ole streams (at %s)", name);
			return;
		}
		GsfInput *c = ole_open(o, dir, i);
		if (c == NULL)
			continue;
		if (GSF_IS_INFILE(c) && gsf_infile_num_children(GSF_INFILE(c)) >= 0) {
			if (level < OLE_MAX_LEVEL && !name_in(name, skip_storages)) {
				char *sub = g_strconcat(prefix, name, "/", NULL);
				ole_dir(o, GSF_INFILE(c), sub, level + 1);
				g_free(sub);
			}
		} else {
			ole_stream(o, c, prefix, name);
		}
		g_object_unref(c);
	}
}

/* 1 when the root directory entry (entry 0, first in the sector the
 * header names) has a left or right sibling.  [MS-CFB] 2.6.3 says it must
 * not; libgsf 1.14.50 follows them anyway with no parent and leaks every
 * entry reached that way (ole_dirent_new), so such a file is refused. */
static int
ole_root_has_siblings(const unsigned char *data, size_t len)
{
	unsigned shift, sib;
	uint32_t dir;
	uint64_t off;

	if (len < 0x40)
		return 0;
	shift = data[0x1E] | (unsigned)data[0x1F] << 8;
	if (shift < 6 || shift >= 31)
		return 0;	/* libgsf refuses these before reading entries */
	dir = (uint32_t)data[0x30] | (uint32_t)data[0x31] << 8 | (uint32_t)data[0x32] << 16 |
	    (uint32_t)data[0x33] << 24;
	off = ((uint64_t)1 << shift > 512 ? (uint64_t)1 << shift : 512) + ((uint64_t)dir << shift);
	if (off > len || len - off < 0x4C)
		return 0;	/* unreadable: libgsf fails before any entry */
	for (int i = 0; i < 2; i++) {
		const unsigned char *p = data + off + 0x44 + 4 * i;

		sib = p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24;
		if (sib != 0xFFFFFFFFu)
			return 1;
	}
	return 0;
}

static int
ole_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	return len >= sizeof(ole_magic) && memcmp(data, ole_magic, sizeof(ole_magic)) == 0;
}

static int
ole_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	struct ole o = { .in = in, .idx = idx, .depth = depth, .out = out };
	GsfInput *src = NULL;
	GsfInfile *root = NULL;
	GError *err = NULL;
	int rc = -1;

	pthread_once(&ole_once, ole_init_once);
	o.path = inspect_container_path(in, idx);
	src = gsf_input_memory_new(data, (gsf_off_t)len, FALSE);
	if (o.path == NULL || src == NULL) {
		inspect_unscanned(in, idx, "out of memory");
		goto done;
	}
	if (ole_root_has_siblings(data, len)) {
		inspect_unscanned(in, idx, "corrupt ole: the root directory entry has siblings");
		goto done;
	}
	root = gsf_infile_msole_new(src, &err);
	if (root == NULL) {
		inspect_unscanned(in, idx, "corrupt ole: %s",
		    err != NULL && err->message != NULL ? err->message : "not a compound document");
		goto done;
	}
	ole_dir(&o, root, "", 0);
	if (o.encrypted) {
		inspect_encrypted(in, idx);
		goto done;
	}
	rc = 0;
	if (o.partial[0] != '\0')
		inspect_unscanned(in, idx, "%s", o.partial);
done:
	if (root != NULL)
		g_object_unref(root);
	if (src != NULL)
		g_object_unref(src);
	if (err != NULL)
		g_error_free(err);
	free(o.path);
	return rc;
}

const struct extractor extract_ole = {
	.name = "ole",
	.accepts = ole_accepts,
	.extract = ole_extract,
};
