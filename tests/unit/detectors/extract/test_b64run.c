/*
 * test_b64run.c — base64 pasted into a text body (b64run.c): a workbook
 * pasted is read as a workbook, a text as text, quoted or on one line;
 * base64-looking runs that decode to nothing readable add no part and
 * count nothing; max_base64_runs and max_depth bound the decoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"
#include "tests/unit/lib/zipx_util.h"

#define HDR "From: a@example.go.jp\r\nTo: b@example.com\r\nSubject: paste\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n\r\n"

/* A message whose text body is before, the base64 of data (76 columns,
 * every line prefixed with quote), after.  malloc'd. */
static char *paste(const char *before, const void *data, size_t len, const char *quote,
    const char *after)
{
	char *b = mt_base64(data, len), *out, *p;
	size_t n = strlen(HDR) + strlen(before) + strlen(b) * 2 + strlen(after) + 16;

	out = p = malloc(n);
	assert_non_null(out);
	p += sprintf(p, "%s%s", HDR, before);
	for (char *line = b, *nl; *line; line = nl + 2) {
		nl = strstr(line, "\r\n");
		p += sprintf(p, "%s%.*s\r\n", quote, (int)(nl - line), line);
	}
	strcpy(p, after);
	free(b);
	return out;
}

static unsigned count(const struct scan_result *r, enum finding_type t)
{
	return (unsigned)scan_result_count(r, t);
}

/* people.xlsx (20 addresses, 40 phones) pasted into a body. */
static void test_workbook_pasted(void **state)
{
	size_t len;
	unsigned char *x = zt_load("people.xlsx", &len);
	char *msg = paste("名簿を貼ります。\r\n\r\n", x, len, "", "\r\nよろしく\r\n");
	struct scan_engine *eng = mt_engine(NULL);
	struct scan_msg *m = mt_scan_str(eng, msg);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "1/base64-1");

	assert_non_null(p);
	assert_string_equal(p->extractor, "xlsx");
	assert_null(p->unscanned);
	assert_null(p->filename);
	assert_int_equal(p->counts[FT_EMAIL], 20);
	assert_int_equal(p->counts[FT_PHONE], 40);
	assert_int_equal(count(r, FT_EMAIL), 20);
	assert_int_equal(count(r, FT_PHONE), 40);
	assert_int_equal(r->unscanned, 0);
	assert_int_equal(r->attachments, 0);	/* a paste is no attachment */
	scan_msg_free(m);
	free(msg);

	/* quoted in a reply */
	msg = paste("> 名簿:\r\n", x, len, "> ", "");
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_non_null(mt_part(r, "1/base64-1"));
	assert_int_equal(count(r, FT_PHONE), 40);
	scan_msg_free(m);
	free(msg);
	scan_engine_free(eng);
	free(x);
}

/* A text pasted as base64, on one line and wrapped; two runs, two parts. */
static void test_text_pasted(void **state)
{
	const char *a = "連絡先一覧\n山田太郎 090-1234-5678 taro@example.co.jp\n"
	    "佐藤花子 080-2345-6789 hanako@example.ne.jp\n";
	const char *b = "鈴木一郎 070-3456-7890 ichiro@example.or.jp 以上よろしくお願いします。\n";
	char *ea = mt_base64(a, strlen(a)), *eb = mt_base64(b, strlen(b)), *msg, *q;
	struct scan_engine *eng = mt_engine(NULL);
	struct scan_msg *m;
	const struct scan_result *r;
	const struct scan_part *p;

	for (q = eb; (q = strstr(q, "\r\n")) != NULL && q[2];)	/* b on one line */
		memmove(q, q + 2, strlen(q + 2) + 1);
	assert_true(asprintf(&msg, HDR "1:\r\n%s\r\n2:\r\n%s", ea, eb) > 0);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	p = mt_part(r, "1/base64-1");
	assert_non_null(p);
	assert_string_equal(p->extractor, "text");
	assert_int_equal(p->counts[FT_PHONE], 2);
	p = mt_part(r, "1/base64-2");
	assert_non_null(p);
	assert_int_equal(p->counts[FT_EMAIL], 1);
	assert_int_equal(count(r, FT_PHONE), 3);
	assert_int_equal(count(r, FT_EMAIL), 3);
	scan_msg_free(m);
	free(msg);
	free(ea);
	free(eb);
	scan_engine_free(eng);
}

/* Runs that decode to nothing anyone reads, and runs that are no base64. */
static void test_not_readable_adds_nothing(void **state)
{
	unsigned char rnd[300];
	uint32_t x = 12345;
	char *er, *msg;
	struct scan_engine *eng = mt_engine(NULL);
	struct scan_msg *m;
	const struct scan_result *r;

	for (size_t i = 0; i < sizeof(rnd); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		rnd[i] = (unsigned char)x;
	}
	er = mt_base64(rnd, sizeof(rnd));
	assert_true(asprintf(&msg, HDR "random:\r\n%s\r\n"
	    "sha512 cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e\r\n"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCD\r\n"
	    "https://example.com/aVeryLongPathSegmentWithDigits42/AnotherLongSegmentWithDigits1999abcdefghijkl\r\n"
	    "==================================================================================\r\n",
	    er) > 0);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_int_equal(r->nparts, 2);	/* the subject and the body */
	assert_null(mt_part(r, "1/base64-1"));
	assert_int_equal(r->unscanned, 0);
	for (int t = 0; t < FT_COUNT; t++)
		if (count(r, t))
			fail_msg("%s counted", finding_type_name(t));
	scan_msg_free(m);
	free(msg);
	free(er);
	scan_engine_free(eng);
}

/* max_base64_runs: past it the body is unscanned; 0 decodes none. */
static void test_limits(void **state)
{
	const char *a = "山田太郎 090-1234-5678 taro@example.co.jp 佐藤花子 080-2345-6789\n";
	char *ea = mt_base64(a, strlen(a)), *msg;
	struct scan_limits lim = mt_limits();
	struct scan_engine *eng;
	struct scan_msg *m;
	const struct scan_result *r;

	assert_true(asprintf(&msg, HDR "%s\r\n%s\r\n%s", ea, ea, ea) > 0);
	lim.max_base64_runs = 2;
	eng = mt_engine(&lim);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_non_null(mt_part(r, "1/base64-2"));
	assert_null(mt_part(r, "1/base64-3"));
	assert_non_null(mt_part(r, "1")->unscanned);
	assert_non_null(strstr(mt_part(r, "1")->unscanned, "max_base64_runs"));
	assert_int_equal(count(r, FT_PHONE), 2);
	scan_msg_free(m);
	scan_engine_free(eng);

	lim.max_base64_runs = 0;
	eng = mt_engine(&lim);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_int_equal(r->nparts, 2);	/* the subject and the body */
	assert_null(mt_part(r, "1/base64-1"));
	assert_int_equal(count(r, FT_PHONE), 0);
	scan_msg_free(m);
	scan_engine_free(eng);

	free(msg);

	/* a body inside a multipart is at depth 1: with max_depth 1 its run
	 * is not decoded, and that is said */
	assert_true(asprintf(&msg, "Subject: d\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n--b--\r\n", ea) > 0);
	lim = mt_limits();
	lim.max_depth = 1;
	eng = mt_engine(&lim);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_null(mt_part(r, "1/base64-1"));
	assert_non_null(mt_part(r, "1")->unscanned);
	assert_non_null(strstr(mt_part(r, "1")->unscanned, "max_depth"));
	scan_msg_free(m);
	scan_engine_free(eng);
	free(msg);
	free(ea);
}

/* An HTML body with the run in a <pre>. */
static void test_html_body(void **state)
{
	const char *a = "山田太郎 090-1234-5678 taro@example.co.jp 佐藤花子 080-2345-6789\n";
	char *ea = mt_base64(a, strlen(a)), *msg;
	struct scan_engine *eng = mt_engine(NULL);
	struct scan_msg *m;
	const struct scan_result *r;

	assert_true(asprintf(&msg, "Subject: h\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	    "<html><body><p>list:</p><pre>%s</pre></body></html>\r\n", ea) > 0);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_non_null(mt_part(r, "1/base64-1"));
	assert_int_equal(count(r, FT_PHONE), 2);
	scan_msg_free(m);
	free(msg);
	free(ea);
	scan_engine_free(eng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workbook_pasted),
		cmocka_unit_test(test_text_pasted),
		cmocka_unit_test(test_not_readable_adds_nothing),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_html_body),
	};

	return cmocka_run_group_tests(tests, zt_setup, zt_teardown);
}
