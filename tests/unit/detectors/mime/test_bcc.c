/*
 * test_bcc.c — Bcc conversion (mime/bcc.h), shared by the rule action bcc
 * and the release option: which To and Cc fields change and to what
 * (groups, encoded names, folded lines, several fields, internal
 * addresses kept), and the header block rewritten (every other field and
 * byte as it was, an emptied To undisclosed, an emptied Cc removed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "mime/bcc.h"
#include "detectors/scan.h"

static const char *const internal[] = { "example.go.jp" };
static const struct scan_options opt = { .internal_domains = internal, .n_internal = 1 };

#define MAXCH 16

static char *apply(const char *hdr, size_t *n)
{
	struct bcc_change ch[MAXCH];
	size_t len;
	char *out;

	bcc_plan_header(hdr, &opt, ch, MAXCH, n);
	out = bcc_apply(hdr, strlen(hdr), ch, *n, &len);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	bcc_free(ch, *n);
	return out;
}

static void test_external_out(void **state)
{
	const char *hdr =
	    "From: Taro <taro@example.go.jp>\r\n"
	    "To: a@partner.example, =?UTF-8?B?5bGx55Sw?= <yamada@example.go.jp>,\r\n"
	    "\tb@other.example\r\n"
	    "Subject: =?UTF-8?B?5ZCN57C/?=\r\n"
	    "Cc: c@third.example\r\n"
	    "X-Other: to: d@partner.example\r\n";
	size_t n;
	char *out = apply(hdr, &n);

	assert_int_equal(n, 2);
	assert_non_null(strstr(out, "From: Taro <taro@example.go.jp>\r\n"));
	assert_non_null(strstr(out, "Subject: =?UTF-8?B?5ZCN57C/?=\r\n"));
	assert_non_null(strstr(out, "X-Other: to: d@partner.example\r\n"));
	assert_non_null(strstr(out, "yamada@example.go.jp"));	/* internal stays */
	assert_null(strstr(out, "partner.example,"));
	assert_null(strstr(out, "a@partner.example"));
	assert_null(strstr(out, "b@other.example"));
	assert_null(strstr(out, "c@third.example"));
	assert_null(strstr(out, "Cc:"));			/* emptied: removed */
	assert_int_equal(strncmp(out, "From:", 5), 0);		/* the order kept */
	free(out);
}

static void test_all_external(void **state)
{
	GString *g = g_string_new("From: taro@example.go.jp\r\nTo: ");
	size_t n;
	char *out;

	/* the seed case: 144 addresses visible in To */
	for (int i = 0; i < 144; i++)
		g_string_append_printf(g, "%sp%d@partner%d.example", i ? ",\r\n " : "", i, i % 12);
	g_string_append(g, "\r\nSubject: x\r\n");
	out = apply(g->str, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "To: undisclosed-recipients:;\r\n"));
	assert_null(strstr(out, "partner"));
	assert_non_null(strstr(out, "Subject: x\r\n"));
	free(out);
	g_string_free(g, TRUE);
}

static void test_nothing_to_do(void **state)
{
	const char *hdr = "From: a@example.go.jp\nTo: b@example.go.jp, c@sub.example.go.jp\n"
	    "Cc: d@example.go.jp\nSubject: s";
	struct bcc_change ch[MAXCH];
	size_t n, len;
	char *out;

	bcc_plan_header(hdr, &opt, ch, MAXCH, &n);
	assert_int_equal(n, 0);
	out = bcc_apply(hdr, strlen(hdr), ch, n, &len);
	assert_string_equal(out, hdr);	/* byte for byte, LF ends too */
	free(out);
}

static void test_groups_and_several_fields(void **state)
{
	const char *hdr =
	    "To: team: x@partner.example, y@example.go.jp;\r\n"
	    "To: z@partner.example\r\n"
	    "cc: w@example.go.jp, v@partner.example\r\n"
	    "CC: u@partner.example\r\n";
	struct bcc_change ch[MAXCH];
	size_t n;
	char *out;

	bcc_plan_header(hdr, &opt, ch, MAXCH, &n);
	assert_int_equal(n, 4);
	assert_false(ch[0].cc);
	assert_int_equal(ch[0].index, 1);
	assert_non_null(strstr(ch[0].value, "y@example.go.jp"));
	assert_null(strstr(ch[0].value, "x@partner"));
	assert_int_equal(ch[1].index, 2);
	assert_string_equal(bcc_value(&ch[1]), "undisclosed-recipients:;");
	assert_true(ch[2].cc);
	assert_int_equal(ch[2].index, 1);
	assert_string_equal(ch[2].value, "w@example.go.jp");
	assert_true(ch[3].cc);
	assert_int_equal(ch[3].index, 2);
	assert_string_equal(bcc_value(&ch[3]), "");
	bcc_free(ch, n);
	out = apply(hdr, &n);
	assert_null(strstr(out, "partner"));
	assert_non_null(strstr(out, "To: undisclosed-recipients:;\r\n"));
	assert_non_null(strstr(out, "Cc: w@example.go.jp\r\n"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_external_out),
		cmocka_unit_test(test_all_external),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_groups_and_several_fields),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
