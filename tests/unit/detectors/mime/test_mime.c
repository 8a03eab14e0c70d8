/*
 * test_mime.c — the MIME walk: multipart kinds, forwarded messages,
 * transfer encodings, encoded subjects and file names, IMAP part paths,
 * depth, part and size limits, unknown and media content, malformed input.
 */
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
#include "mime/spool.h"
#include "tests/unit/lib/mimetest_util.h"

#define TOP "From: a@example.go.jp\r\nTo: b@example.com\r\nMIME-Version: 1.0\r\n"

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

/* Paths of r's parts joined by spaces, into buf. */
static const char *
paths(const struct scan_result *r, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->nparts && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", r->parts[i].path);
	return buf;
}

static void
test_single_part(void **state)
{
	struct scan_msg *m = mt_scan_str(eng, TOP "Subject: hello\r\n\r\n"
	    "Call 090-1234-5678.\r\n");
	const struct scan_result *r = mt_result(m);
	char buf[256];

	assert_string_equal(paths(r, buf, sizeof(buf)), "subject 1");
	assert_string_equal(mt_part(r, "1")->declared_type, "text/plain");
	assert_string_equal(mt_part(r, "1")->extractor, "text");
	assert_int_equal(mt_part(r, "1")->counts[FT_PHONE], 1);
	assert_int_equal(r->attachments, 0);
	assert_int_equal(r->unscanned, 0);
	scan_msg_free(m);
}

static void
test_mixed_alternative_related(void **state)
{
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01"
	    "\x08\0\0\0\0";
	char *img = mt_base64(png, sizeof(png) - 1), *msg;
	struct scan_msg *m;
	const struct scan_result *r;
	const struct scan_part *p;
	char buf[256];

	msg = g_strdup_printf(TOP "Subject: nested\r\n"
	    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\npreamble\r\n"
	    "--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
	    "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n03-1111-2222\r\n"
	    "--alt\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n"
	    "--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>03-1111-2222</p>\r\n"
	    "--rel\r\nContent-Type: image/png\r\nContent-ID: <i1>\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s--rel--\r\n--alt--\r\n"
	    "--outer\r\nContent-Type: text/csv; name=\"list.csv\"\r\n"
	    "Content-Disposition: attachment; filename=\"list.csv\"\r\n\r\n"
	    "name,tel\r\nA,090-1111-0001\r\nB,090-1111-0002\r\n--outer--\r\nepilogue\r\n", img);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_string_equal(paths(r, buf, sizeof(buf)), "subject 1.1 1.2.1 1.2.2 2");
	assert_string_equal(mt_part(r, "1.2.1")->extractor, "html");
	p = mt_part(r, "1.2.2");
	assert_string_equal(p->detected_type, "image/png");
	assert_string_equal(p->extractor, "none");
	assert_null(p->unscanned);		/* an image is not unscanned */
	assert_int_equal(p->size, sizeof(png) - 1);
	p = mt_part(r, "2");
	assert_string_equal(p->filename, "list.csv");
	assert_int_equal(p->counts[FT_PHONE], 2);
	assert_int_equal(scan_result_count(r, FT_PHONE), 3);
	assert_int_equal(r->attachments, 1);
	assert_int_equal(r->unscanned, 0);
	scan_msg_free(m);
	g_free(msg);
	free(img);
}

static void
test_transfer_encodings(void **state)
{
	const char *text = "Tel 090-2222-3333 mail hanako@example.com\r\n";
	char *b64 = mt_base64(text, strlen(text)), *msg;
	struct scan_msg *m;
	const struct scan_result *r;

	msg = g_strdup_printf(TOP "Subject: enc\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n%s"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "=E9=9B=BB=E8=A9=B1 080-4444-=\r\n5555 and a very long line that goes on=\r\n"
	    " and on\r\n--b--\r\n", b64);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_int_equal(mt_part(r, "1")->counts[FT_PHONE], 1);
	assert_int_equal(mt_part(r, "1")->counts[FT_EMAIL], 1);
	assert_int_equal(mt_part(r, "1")->size, strlen(text));
	/* the soft line break joined the number */
	assert_int_equal(mt_part(r, "2")->counts[FT_PHONE], 1);
	assert_int_equal(scan_result_count(r, FT_PHONE), 2);
	scan_msg_free(m);
	g_free(msg);
	free(b64);
}

static void
test_encoded_subject_and_filenames(void **state)
{
	struct scan_msg *m = mt_scan_str(eng, TOP
	    "Subject: =?UTF-8?B?6Zu76Kmx55Wq5Y+3?= =?UTF-8?Q?090-7777-8888?=\r\n"
	    "Message-ID: <abc.123@example.go.jp>\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n"
	    "Content-Disposition: attachment; filename*=UTF-8''%E5%90%8D%E7%B0%BF.txt\r\n\r\nx\r\n"
	    "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;\r\n"
	    " filename*0*=UTF-8''%E4%BD%8F%E6%89%80; filename*1=\"list.txt\"\r\n\r\ny\r\n"
	    "--b\r\nContent-Type: text/plain; name=\"=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=.txt\"\r\n"
	    "\r\nz\r\n--b--\r\n");
	const struct scan_result *r = mt_result(m);

	assert_string_equal(r->subject, "電話番号090-7777-8888");
	assert_string_equal(r->message_id, "abc.123@example.go.jp");
	assert_string_equal(mt_part(r, "subject")->extractor, "header");
	assert_int_equal(mt_part(r, "subject")->counts[FT_PHONE], 1);
	assert_string_equal(mt_part(r, "1")->filename, "名簿.txt");
	assert_string_equal(mt_part(r, "2")->filename, "住所list.txt");
	assert_string_equal(mt_part(r, "3")->filename, "山田.txt");
	assert_int_equal(r->attachments, 3);
	scan_msg_free(m);
}

#define FORWARDED "From: =?UTF-8?B?5bGx55Sw?= <fwd.sender@partner.co.jp>\r\n" \
	"To: someone@example.com\r\nSubject: original 03-5555-6666\r\n" \
	"Content-Type: multipart/mixed; boundary=inner\r\n\r\n" \
	"--inner\r\nContent-Type: text/plain\r\n\r\ninner 090-3333-4444\r\n" \
	"--inner\r\nContent-Type: text/html\r\n\r\n<b>090-3333-4444</b>\r\n--inner--\r\n"

static void
test_forwarded_message(void **state)
{
	struct scan_msg *m = mt_scan_str(eng, TOP "Subject: fwd\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
	    "--b\r\nContent-Type: message/rfc822\r\n\r\n" FORWARDED
	    "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: single\r\n\r\nonly 0120-123-456\r\n"
	    "--b--\r\n");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p;
	char buf[256];

	assert_string_equal(paths(r, buf, sizeof(buf)), "subject 1 2 2.1 2.2 3 3.1");
	p = mt_part(r, "2");
	assert_string_equal(p->declared_type, "message/rfc822");
	assert_string_equal(p->extractor, "rfc822");
	assert_true(p->size > 100);
	/* the forwarded headers are content of part 2 */
	assert_int_equal(p->counts[FT_EMAIL], 2);
	assert_int_equal(p->counts[FT_PHONE], 1);
	assert_int_equal(mt_part(r, "2.1")->counts[FT_PHONE], 1);
	assert_string_equal(mt_part(r, "2.2")->extractor, "html");
	assert_int_equal(mt_part(r, "3.1")->counts[FT_PHONE], 1);
	assert_int_equal(scan_result_count(r, FT_PHONE), 3);
	scan_msg_free(m);
}

/* A .eml sent as application/octet-stream: found by content. */
static void
test_eml_attachment(void **state)
{
	const char *eml = "MIME-Version: 1.0\r\n" FORWARDED;
	char *b64 = mt_base64(eml, strlen(eml)), *msg;
	struct scan_msg *m;
	const struct scan_result *r;
	char buf[256];

	msg = g_strdup_printf(TOP "Subject: eml\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: application/octet-stream; name=old.eml\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n", b64);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_string_equal(paths(r, buf, sizeof(buf)), "subject 1 1.1 1.2");
	assert_string_equal(mt_part(r, "1")->extractor, "rfc822");
	assert_string_equal(mt_part(r, "1")->filename, "old.eml");
	assert_int_equal(mt_part(r, "1")->counts[FT_EMAIL], 2);
	assert_int_equal(mt_part(r, "1.1")->counts[FT_PHONE], 1);
	assert_int_equal(r->unscanned, 0);
	scan_msg_free(m);
	g_free(msg);
	free(b64);
}

static void
test_depth_limit(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *e;
	struct scan_msg *m;
	const struct scan_result *r;
	char buf[256];

	lim.max_depth = 2;
	e = mt_engine(&lim);
	m = mt_scan_str(e, TOP "Subject: deep\r\nContent-Type: multipart/mixed; boundary=d1\r\n\r\n"
	    "--d1\r\nContent-Type: text/plain\r\n\r\n090-0000-0001\r\n"
	    "--d1\r\nContent-Type: multipart/mixed; boundary=d2\r\n\r\n"
	    "--d2\r\nContent-Type: text/plain\r\n\r\n090-0000-0002\r\n"
	    "--d2\r\nContent-Type: multipart/mixed; boundary=d3\r\n\r\n"
	    "--d3\r\nContent-Type: text/plain\r\n\r\n090-0000-0003\r\n--d3--\r\n"
	    "--d2\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\n090-0000-0004\r\n"
	    "--d2--\r\n--d1\r\nContent-Type: text/plain\r\n\r\n090-0000-0005\r\n--d1--\r\n");
	r = mt_result(m);
	assert_string_equal(paths(r, buf, sizeof(buf)), "subject 1 2.1 2.2 2.3 3");
	assert_string_equal(mt_part(r, "2.2")->unscanned, "nested deeper than max_depth (2)");
	assert_string_equal(mt_part(r, "2.3")->unscanned, "nested deeper than max_depth (2)");
	assert_int_equal(r->unscanned, 2);
	/* the rest is still inspected */
	assert_int_equal(scan_result_count(r, FT_PHONE), 3);
	assert_int_equal(mt_part(r, "3")->counts[FT_PHONE], 1);
	scan_msg_free(m);
	scan_engine_free(e);
}

static void
test_part_limit(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *e;
	struct scan_msg *m;
	const struct scan_result *r;
	GString *msg = g_string_new(TOP "Subject: many\r\nContent-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n");
	char buf[256];
	long c[SC_COUNT];

	for (int i = 1; i <= 6; i++)
		g_string_append_printf(msg, "--b\r\nContent-Type: text/plain\r\n\r\n"
		    "090-0000-%04d\r\n", i);
	g_string_append(msg, "--b--\r\n");
	lim.max_parts = 4;
	e = mt_engine(&lim);
	m = mt_scan(e, msg->str, msg->len, NULL);
	r = mt_result(m);
	/* subject, 1, 2, 3 fill the limit; 4 is recorded unscanned; 5, 6 are not added */
	assert_string_equal(paths(r, buf, sizeof(buf)), "subject 1 2 3 4");
	assert_non_null(strstr(mt_part(r, "4")->unscanned, "more than max_parts (4) parts"));
	assert_null(mt_part(r, "3")->unscanned);
	assert_int_equal(scan_result_count(r, FT_PHONE), 3);
	assert_non_null(r->error);
	scan_result_counters(r, c);
	assert_int_equal(c[SC_UNSCANNED], 1);
	scan_msg_free(m);
	scan_engine_free(e);
	g_string_free(msg, TRUE);
}

static void
test_size_limits(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *e;
	struct scan_msg *m;
	const struct scan_result *r;
	GString *msg = g_string_new(TOP "Subject: big 090-1212-3434\r\nTo: c@partner.co.jp\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n");

	for (int i = 0; i < 100; i++)
		g_string_append(msg, "0123456789012345678901234567890123456789 090-5656-7878\r\n");
	g_string_append(msg, "--b\r\nContent-Type: text/plain\r\n\r\nsmall 03-1111-2222\r\n--b--\r\n");
	lim.max_member_bytes = 1000;
	e = mt_engine(&lim);
	m = mt_scan(e, msg->str, msg->len, NULL);
	r = mt_result(m);
	assert_string_equal(mt_part(r, "1")->unscanned, "part larger than max_member_bytes (1000)");
	assert_int_equal(mt_part(r, "1")->size, 5600 - 2);	/* the last CRLF is the boundary's */
	assert_int_equal(mt_part(r, "2")->counts[FT_PHONE], 1);
	scan_msg_free(m);
	scan_engine_free(e);

	/* a message over max_message_bytes: spooled whole, not parsed, but its
	 * headers still give the subject and the recipients */
	lim = mt_limits();
	lim.max_message_bytes = 2000;
	lim.spool_memory = 1000;
	e = mt_engine(&lim);
	m = mt_scan(e, msg->str, msg->len, NULL);
	r = mt_result(m);
	assert_non_null(mt_part(r, "message"));
	assert_non_null(strstr(mt_part(r, "message")->unscanned,
	    "message larger than max_message_bytes"));
	assert_int_equal(r->unscanned, 1);
	assert_string_equal(r->subject, "big 090-1212-3434");
	assert_int_equal(r->rcpt.external_visible, 2);
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);	/* the subject's */
	assert_int_equal(spool_size(scan_msg_spool(m)), msg->len);	/* never lost */
	scan_msg_free(m);
	scan_engine_free(e);
	g_string_free(msg, TRUE);
}

static void
test_unknown_binary_and_media(void **state)
{
	unsigned char bin[2048];
	unsigned seed = 7;
	char *b64, *msg;
	struct scan_msg *m;
	const struct scan_result *r;

	for (size_t i = 0; i < sizeof(bin); i++) {
		seed = seed * 1103515245u + 12345u;
		bin[i] = (unsigned char)(seed >> 16);
	}
	b64 = mt_base64(bin, sizeof(bin));
	msg = g_strdup_printf(TOP "Subject: bin\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: application/octet-stream; name=data.bin\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s"
	    "--b\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=\r\n"
	    "--b\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nMIIBAgYJKoZIhvcNAQcCoIIB8zCCAe8CAQE=\r\n"
	    "--b\r\nContent-Type: text/plain; name=notes.txt\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n", b64, b64);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_string_equal(mt_part(r, "1")->unscanned,
	    "no extractor for application/octet-stream");
	assert_null(mt_part(r, "1")->extractor);
	assert_string_equal(mt_part(r, "2")->detected_type, "image/gif");
	assert_string_equal(mt_part(r, "2")->extractor, "none");
	assert_null(mt_part(r, "2")->unscanned);
	assert_string_equal(mt_part(r, "3")->extractor, "none");
	assert_null(mt_part(r, "3")->unscanned);
	/* declared text, binary content: not read as text */
	assert_string_equal(mt_part(r, "4")->unscanned,
	    "no extractor for application/octet-stream");
	assert_int_equal(r->unscanned, 2);
	scan_msg_free(m);
	g_free(msg);
	free(b64);

	/* Outlook's TNEF (winmail.dat) is not unpacked: unscanned, by its
	 * signature 0x223E9F78, with the text inside it not counted. */
	memcpy(bin, "\x78\x9f\x3e\x22\x00\x00\x01\x06\x90\x08\x00", 11);
	memcpy(bin + 11, "090-1234-5678 a@partner.example.com", 35);
	b64 = mt_base64(bin, 46);
	msg = g_strdup_printf(TOP "Subject: tnef\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
	    "--b\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n", b64);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_string_equal(mt_part(r, "2")->detected_type, "application/vnd.ms-tnef");
	assert_string_equal(mt_part(r, "2")->unscanned,
	    "no extractor for application/vnd.ms-tnef");
	assert_int_equal(r->unscanned, 1);
	assert_int_equal(scan_result_count(r, FT_PHONE), 0);
	scan_msg_free(m);
	g_free(msg);
	free(b64);
}

static void
test_encrypted_and_partial(void **state)
{
	struct scan_msg *m = mt_scan_str(eng, TOP "Subject: enc\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
	    "boundary=e\r\n\r\n--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n"
	    "--e\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n"
	    "hQEMA\r\n-----END PGP MESSAGE-----\r\n--e--\r\n"
	    "--b\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQA=\r\n"
	    "--b\r\nContent-Type: message/partial; id=\"x@y\"; number=1; total=2\r\n\r\n"
	    "Subject: part\r\n\r\nhalf\r\n--b--\r\n");
	const struct scan_result *r = mt_result(m);
	long c[SC_COUNT];

	assert_true(mt_part(r, "1")->encrypted);
	assert_true(mt_part(r, "2")->encrypted);
	assert_string_equal(mt_part(r, "3")->unscanned, "message/partial fragment");
	scan_result_counters(r, c);
	assert_int_equal(c[SC_ENCRYPTED], 2);
	assert_int_equal(c[SC_UNSCANNED], 1);
	scan_msg_free(m);
}

static void
test_malformed(void **state)
{
	struct scan_msg *m;
	const struct scan_result *r;
	GString *big = g_string_new(TOP "Subject: ");
	const char nul[] = TOP "Subject: nul\r\n\r\nbefore\0after 090-8888-9999\r\n";

	/* missing boundary: the content is still read */
	m = mt_scan_str(eng, TOP "Subject: nob\r\nContent-Type: multipart/mixed\r\n\r\n"
	    "--x\r\nContent-Type: text/plain\r\n\r\n090-1357-2468\r\n--x--\r\n");
	r = mt_result(m);
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);
	scan_msg_free(m);

	/* CR-only line ends */
	m = mt_scan_str(eng, "From: a@example.go.jp\rSubject: cr\rContent-Type: multipart/mixed; "
	    "boundary=q\r\r--q\rContent-Type: text/plain\r\r090-2468-1357\r--q--\r");
	r = mt_result(m);
	assert_string_equal(r->subject, "cr");
	assert_int_equal(mt_part(r, "1")->counts[FT_PHONE], 1);
	scan_msg_free(m);

	/* NUL bytes in a text body */
	m = mt_scan(eng, nul, sizeof(nul) - 1, NULL);
	r = mt_result(m);
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);
	scan_msg_free(m);

	/* a 300 KB folded subject */
	for (int i = 0; i < 10000; i++)
		g_string_append(big, "=?UTF-8?B?5bGx55Sw?=\r\n ");
	g_string_append(big, "end\r\n\r\nbody\r\n");
	m = mt_scan(eng, big->str, big->len, NULL);
	r = mt_result(m);
	assert_non_null(r->subject);
	assert_int_equal(strlen(r->subject), 10000 * 6 + strlen(" end"));
	scan_msg_free(m);
	g_string_free(big, TRUE);

	/* a 2 MB header line: cut as an MTA would, the rest read as body */
	big = g_string_new("Subject: long\r\nX-Long: ");
	for (int i = 0; i < 2 * 1024 * 1024; i++)
		g_string_append_c(big, 'a');
	g_string_append(big, "\r\n\r\nbody 090-1111-4444\r\n");
	m = mt_scan(eng, big->str, big->len, NULL);
	r = mt_result(m);
	assert_string_equal(r->subject, "long");
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);
	scan_msg_free(m);
	g_string_free(big, TRUE);

	/* no header/body separator, garbage, an empty message */
	m = mt_scan_str(eng, "no header here, 090-1111-3333\r\n");
	assert_int_equal(scan_result_count(mt_result(m), FT_PHONE), 1);
	scan_msg_free(m);
	m = mt_scan(eng, "", 0, NULL);
	assert_non_null(mt_result(m));
	scan_msg_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_part),
		cmocka_unit_test(test_mixed_alternative_related),
		cmocka_unit_test(test_transfer_encodings),
		cmocka_unit_test(test_encoded_subject_and_filenames),
		cmocka_unit_test(test_forwarded_message),
		cmocka_unit_test(test_eml_attachment),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_part_limit),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_unknown_binary_and_media),
		cmocka_unit_test(test_encrypted_and_partial),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
