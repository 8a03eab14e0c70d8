/*
 * test_sniff.c — the content type of a part: libmagic, and the plain-text
 * path that skips it (inspect.c).  A part declared text/plain whose bytes
 * are plainly text is text/plain without libmagic; whatever libmagic would
 * read differently (markup, a message, PGP armour, a PDF, binary) still
 * goes to libmagic and to its extractor, whatever the declared type.
 * CSV shows which path was taken: libmagic names it text/csv, the plain
 * path text/plain.  Threads sniffing at once get right answers (each
 * borrows its own handle from the pool).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

#define TOP "From: a@example.go.jp\r\nTo: b@example.go.jp\r\nSubject: t\r\nMIME-Version: 1.0\r\n"

#define CSV "name,phone,mail\r\nyamada,090-1234-5678,a@example.jp\r\n" \
	"sato,03-1234-5678,b@example.jp\r\nsuzuki,045-123-4567,c@example.jp\r\n"

static struct scan_engine *eng;

static int
setup(void **state)
{
	eng = mt_engine(NULL);
	return 0;
}

static int
teardown(void **state)
{
	scan_engine_free(eng);
	return 0;
}

/* A one-part message: Content-Type ctype (and transfer encoding cte, or
 * NULL for 8bit) around body. */
static struct scan_msg *
one_part(const char *ctype, const char *cte, const char *body)
{
	char *msg = g_strdup_printf(TOP "Content-Type: %s\r\nContent-Transfer-Encoding: %s\r\n"
	    "\r\n%s", ctype, cte ? cte : "8bit", body);
	struct scan_msg *m = mt_scan_str(eng, msg);

	g_free(msg);
	return m;
}

static void
test_plain_path_and_libmagic(void **state)
{
	struct scan_msg *m = one_part("text/plain; charset=us-ascii", NULL, CSV);
	const struct scan_part *p = mt_part(mt_result(m), "1");

	/* declared text/plain, plain bytes: no libmagic */
	assert_string_equal(p->detected_type, "text/plain");
	assert_string_equal(p->extractor, "text");
	assert_int_equal(p->counts[FT_PHONE], 3);
	assert_int_equal(p->counts[FT_EMAIL], 3);
	scan_msg_free(m);

	/* the same bytes declared otherwise: libmagic names them */
	m = one_part("application/octet-stream", NULL, CSV);
	p = mt_part(mt_result(m), "1");
	assert_string_equal(p->detected_type, "text/csv");
	assert_string_equal(p->extractor, "text");
	assert_int_equal(p->counts[FT_PHONE], 3);
	scan_msg_free(m);
}

/* ISO-2022-JP: "以下" is "0J2<" in double-byte mode, which is no markup;
 * a '<' in ASCII mode is. */
static void
test_iso2022jp(void **state)
{
	static const char jis_row[] =
	    "\x1b$B;3ED\x1b(B,090-1234-5678,\x1b$B0J2<\x1b(B\r\n";	/* 山田,…,以下 */
	char *body = g_strdup_printf("\x1b$B;aL>\x1b(B,phone,\x1b$B0J2<\x1b(B\r\n%s%s", jis_row,
	    "\x1b$BNkLZ\x1b(B,03-1234-5678,\x1b$B0J2<\x1b(B\r\n");
	char *ascii_lt = g_strdup_printf("%sx,<03-9999-0000>,y\r\n", body);
	struct scan_msg *m = one_part("text/plain; charset=iso-2022-jp", "7bit", body);
	const struct scan_part *p = mt_part(mt_result(m), "1");

	assert_string_equal(p->detected_type, "text/plain");	/* libmagic: text/csv */
	assert_int_equal(p->counts[FT_PHONE], 2);
	scan_msg_free(m);

	m = one_part("text/plain; charset=iso-2022-jp", "7bit", ascii_lt);
	p = mt_part(mt_result(m), "1");
	assert_string_equal(p->detected_type, "text/csv");	/* went to libmagic */
	assert_int_equal(p->counts[FT_PHONE], 3);
	scan_msg_free(m);
	g_free(body);
	g_free(ascii_lt);
}

/* HTML declared text/plain is read as HTML: character references give the
 * digits. */
static void
test_markup_goes_to_libmagic(void **state)
{
	struct scan_msg *m = one_part("text/plain", NULL,
	    "<html><body><p>TEL &#48;&#57;&#48;-1234-5678</p></body></html>\r\n");
	const struct scan_part *p = mt_part(mt_result(m), "1");

	assert_string_equal(p->detected_type, "text/html");
	assert_string_equal(p->extractor, "html");
	assert_int_equal(p->counts[FT_PHONE], 1);
	scan_msg_free(m);

	/* markup after some text, within the first 8 KB */
	m = one_part("text/plain", NULL, "Report\r\n<!DOCTYPE html><html><body><p>TEL "
	    "&#48;&#57;&#48;-1234-5678</p></body></html>\r\n");
	p = mt_part(mt_result(m), "1");
	assert_string_not_equal(p->detected_type, "text/plain");
	assert_int_equal(p->counts[FT_PHONE], 1);
	scan_msg_free(m);
}

/* A saved message sent as text/plain is a message: its base64 attachment
 * is decoded and read. */
static void
test_message_goes_to_libmagic(void **state)
{
	char *b64 = mt_base64(CSV, strlen(CSV));
	char *body = g_strdup_printf("Received: from mx.example.jp by mx.example.go.jp; "
	    "Tue, 1 Jan 2025 00:00:00 +0900\r\nFrom: x@example.jp\r\nTo: y@example.go.jp\r\n"
	    "Subject: fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n"
	    "\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee list\r\n--b\r\n"
	    "Content-Type: application/octet-stream; name=\"l.csv\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n", b64);
	struct scan_msg *m = one_part("text/plain", NULL, body);
	const struct scan_result *r = mt_result(m);

	assert_string_equal(mt_part(r, "1")->detected_type, "message/rfc822");
	assert_string_equal(mt_part(r, "1")->extractor, "rfc822");
	assert_int_equal(scan_result_count(r, FT_PHONE), 3);	/* from the decoded CSV */
	scan_msg_free(m);
	g_free(body);
	g_free(b64);
}

static void
test_formats_go_to_libmagic(void **state)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03,
		0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0 };	/* gzip of nothing */
	char *b64 = mt_base64(gz, sizeof(gz));
	struct scan_msg *m = one_part("text/plain", NULL,
	    "-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA+abcdefghijk\r\n-----END PGP MESSAGE-----\r\n");
	const struct scan_result *r = mt_result(m);

	assert_string_equal(mt_part(r, "1")->detected_type, "application/pgp-encrypted");
	assert_int_equal(r->encrypted, 1);
	scan_msg_free(m);

	m = one_part("text/plain", "base64", b64);
	assert_string_equal(mt_part(mt_result(m), "1")->detected_type, "application/gzip");
	scan_msg_free(m);

	m = one_part("text/plain", NULL, "%PDF-1.4\r\n1 0 obj << /Type /Catalog >> endobj\r\n");
	assert_string_equal(mt_part(mt_result(m), "1")->detected_type, "application/pdf");
	scan_msg_free(m);
	g_free(b64);
}

/* Threads sniffing at once each borrow their own libmagic handle: every
 * answer stays right. */
struct sniffer {
	int ok;				/* scans with the expected types */
};

static void *
sniff_loop(void *arg)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03,
		0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct sniffer *s = arg;
	char *b64 = mt_base64(gz, sizeof(gz));
	char *msg = g_strdup_printf(TOP "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: application/octet-stream\r\n\r\n%s\r\n"
	    "--b\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s--b\r\n"
	    "Content-Type: text/plain\r\n\r\n<html><body>x</body></html>\r\n--b--\r\n",
	    CSV, b64);

	for (int i = 0; i < 40; i++) {
		struct scan_msg *m = mt_scan_str(eng, msg);
		const struct scan_result *r = mt_result(m);

		s->ok += strcmp(mt_part(r, "1")->detected_type, "text/csv") == 0 &&
		    strcmp(mt_part(r, "2")->detected_type, "application/gzip") == 0 &&
		    strcmp(mt_part(r, "3")->detected_type, "text/html") == 0;
		scan_msg_free(m);
	}
	g_free(msg);
	free(b64);
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t t[6];
	struct sniffer s[6];

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sniff_loop, &s[i]), 0);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(s[i].ok, 40);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_path_and_libmagic),
		cmocka_unit_test(test_iso2022jp),
		cmocka_unit_test(test_markup_goes_to_libmagic),
		cmocka_unit_test(test_message_goes_to_libmagic),
		cmocka_unit_test(test_formats_go_to_libmagic),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
