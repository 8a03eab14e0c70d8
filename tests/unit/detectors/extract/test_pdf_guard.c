/*
 * test_pdf_guard.c — the check before poppler lists embedded files
 * (detectors/pdf_guard.h): indirect string objects in the clear and in
 * object streams, what cannot be told, and through the pdf extractor the
 * PDF that crashed poppler-glib (a name-tree entry referring to a string)
 * next to a well-formed one whose embedded file is read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gio/gio.h>

#include "extract/extract.h"
#include "extract/pdf_guard.h"
#include "tests/unit/lib/mimetest_util.h"
#include "tests/unit/lib/zipx_util.h"

#define GUARD_MAX (1 << 20)

extern const struct extractor extract_pdf;

static int
guard(const char *s)
{
	return pdf_guard_strings((const unsigned char *)s, strlen(s), GUARD_MAX);
}

static void
test_plain_objects(void **state)
{
	assert_int_equal(guard("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), 0);
	assert_int_equal(guard("1 0 obj\n<< >>\nendobj\n2 0 obj (a.txt) endobj\n"), 1);
	assert_int_equal(guard("2 0 obj % a comment\n<612E747874> endobj"), 1);
	assert_int_equal(guard("2 0 obj(a)endobj"), 1);
	assert_int_equal(guard("2 0obj\r\n(a)"), 1);		/* the lexer splits 0obj */
	assert_int_equal(guard("1 0 obj<<>>endobj(not an object)"), 0);
	assert_int_equal(guard("1 0 obj [ (in an array) ] endobj"), 0);
	assert_int_equal(guard("1 0 obj 42 endobj 2 0 obj /Name endobj"), 0);
	assert_int_equal(guard("1 0 obj <"), 1);		/* cut inside a hex string */
	assert_int_equal(guard(""), 0);
}

/* "N 0 obj << dict >> stream\n" + body + "\nendstream endobj" */
static char *
objstm(const char *dict, const void *body, size_t n, size_t *len)
{
	char *head = g_strdup_printf("%%PDF-1.5\n7 0 obj\n<< /Type /ObjStm %s >>\nstream\n", dict);
	const char *tail = "\nendstream\nendobj\n";
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);

	assert_non_null(s);
	memcpy(s, head, hl);
	memcpy(s + hl, body, n);
	memcpy(s + hl + n, tail, tl + 1);
	*len = hl + n + tl;
	g_free(head);
	return s;
}

/* zlib of s (GLib's compressor), g_free'd by the caller. */
static unsigned char *
deflate(const char *s, size_t *n)
{
	GConverter *z = G_CONVERTER(g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6));
	unsigned char *out = g_malloc(strlen(s) + 128);
	gsize r = 0, w = 0;

	assert_int_equal(g_converter_convert(z, s, strlen(s), out, strlen(s) + 128,
	    G_CONVERTER_INPUT_AT_END, &r, &w, NULL), G_CONVERTER_FINISHED);
	g_object_unref(z);
	*n = w;
	return out;
}

/* The objects 10 (a dict) and 11 (second, a string or a dict). */
static int
guard_objstm(const char *filter, bool string, bool compress, size_t max)
{
	const char *objs = string ? "10 0 11 11 << /A 1 >> (a.txt)" : "10 0 11 11 << /A 1 >> << >>";
	char dict[128], *pdf;
	unsigned char *z = NULL;
	size_t n, len;
	int rc;

	snprintf(dict, sizeof(dict), "/N 2 /First 11 %s", filter);
	if (compress)
		z = deflate(objs, &n);
	pdf = objstm(dict, z ? (const void *)z : objs, z ? n : strlen(objs), &len);
	rc = pdf_guard_strings((unsigned char *)pdf, len, max);
	free(pdf);
	g_free(z);
	return rc;
}

static void
test_object_streams(void **state)
{
	assert_int_equal(guard_objstm("/Filter /FlateDecode", true, true, GUARD_MAX), 1);
	assert_int_equal(guard_objstm("/Filter /FlateDecode", false, true, GUARD_MAX), 0);
	assert_int_equal(guard_objstm("/Filter [ /FlateDecode ]", true, true, GUARD_MAX), 1);
	assert_int_equal(guard_objstm("", true, false, GUARD_MAX), 1);
	assert_int_equal(guard_objstm("", false, false, GUARD_MAX), 0);
	/* what cannot be told */
	assert_int_equal(guard_objstm("/Filter /LZWDecode", false, true, GUARD_MAX), -1);
	assert_int_equal(guard_objstm("/Filter [/FlateDecode /ASCIIHexDecode]", false, true, GUARD_MAX),
	    -1);
	assert_int_equal(guard_objstm("/Filter /FlateDecode /DecodeParms << /Predictor 12 >>",
	    false, true, GUARD_MAX), -1);
	assert_int_equal(guard_objstm("/Filter /FlateDecode", false, true, 8), -1);
	assert_int_equal(guard("7 0 obj << /Type /ObjStm /N 1 /First 9 0 R >> stream\n"
	    "10 0 << >>\nendstream"), -1);
	assert_int_equal(guard("7 0 obj << /Type /ObjStm /N 1 /First 5 /Filter /FlateDecode >>"
	    " stream\nnot zlib\nendstream"), -1);
}

#define PDF_HEAD "%PDF-1.4\n" \
	"1 0 obj << /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(a.txt) " \
	"4 0 R] >> >> >> endobj\n" \
	"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" \
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >> endobj\n"
#define PDF_TAIL "trailer << /Root 1 0 R >>\n%%EOF\n"

/* The pdf extractor on s: the unscanned reason (malloc'd or NULL) and the
 * number of parts with a phone number. */
static char *
extract(const char *s, size_t *phones)
{
	struct scan_engine *eng = NULL;
	struct scan_msg *m = zt_scan_bytes(&eng, NULL, "see the attachment",
	    (const unsigned char *)s, strlen(s), "a.pdf", "application/pdf");
	const struct scan_result *r = scan_msg_eom(m);
	const struct scan_part *p = mt_part(r, "2");
	char *why;

	assert_non_null(p);
	assert_string_equal(p->extractor, "pdf");
	why = p->unscanned ? strdup(p->unscanned) : NULL;
	*phones = scan_result_count(r, FT_PHONE);
	scan_msg_free(m);
	scan_engine_free(eng);
	return why;
}

static void
test_extractor(void **state)
{
	size_t phones;
	char *why;

	/* the file spec is a string object: poppler-glib would crash */
	why = extract(PDF_HEAD "4 0 obj (a.txt) endobj\n" PDF_TAIL, &phones);
	assert_non_null(why);
	assert_non_null(strstr(why, "embedded files not read"));
	assert_int_equal(phones, 0);
	free(why);
	/* a well-formed file spec: the embedded file is read */
	why = extract(PDF_HEAD "4 0 obj << /Type /Filespec /F (a.txt) /EF << /F 5 0 R >> >> endobj\n"
	    "5 0 obj << /Type /EmbeddedFile /Length 14 >> stream\n090-1234-5678\n\nendstream endobj\n"
	    PDF_TAIL, &phones);
	assert_null(why);
	assert_int_equal(phones, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_objects),
		cmocka_unit_test(test_object_streams),
		cmocka_unit_test(test_extractor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
