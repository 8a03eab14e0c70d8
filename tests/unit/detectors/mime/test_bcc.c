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

/* The longest line of a header block (CRLF or LF ends), in octets. */
static size_t longest_line(const char *s)
{
	size_t max = 0;

	while (*s) {
		const char *e = strchr(s, '\n');
		size_t l = e ? (size_t)(e - s) : strlen(s);

		if (l && s[l - 1] == '\r')
			l--;
		if (l > max)
			max = l;
		s += l + (e ? 1 + (s[l] == '\r') : 0);
	}
	return max;
}

/* Every continuation of a folded value starts with its blank: removing the
 * line breaks gives back the unfolded value byte for byte. */
static char *unfold(const char *s)
{
	GString *g = g_string_new(NULL);

	for (; *s; s++)
		if (*s != '\r' && *s != '\n')
			g_string_append_c(g, *s);
	return g_string_free(g, FALSE);
}

/* 300 internal addresses kept (display names plain, quoted with a comma,
 * and RFC 2047 encoded), one external out: the rewritten To folds at
 * address boundaries, no line over 78 (every address fits one), and GMime
 * reads back the same 300 addresses with their names; the value given to
 * libmilter folds with LF alone and unfolds to the unfolded value. */
static void test_fold_300(void **state)
{
	GString *g = g_string_new("From: taro@example.go.jp\r\nTo: ext@partner.example");
	struct bcc_change ch[MAXCH];
	size_t n, len;
	char *out, *fv, *uf;
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *m;
	InternetAddressList *to;

	for (int i = 0; i < 300; i++) {
		if (i % 3 == 0)
			g_string_append_printf(g, ", user%03d@example.go.jp", i);
		else if (i % 3 == 1)
			g_string_append_printf(g, ",\r\n \"Sato, Hanako %d\" <sato%03d@example.go.jp>", i, i);
		else	/* 山田 太郎 */
			g_string_append_printf(g, ", =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <yamada%03d@sub.example.go.jp>", i);
	}
	g_string_append(g, "\r\nSubject: x\r\n");
	bcc_plan_header(g->str, &opt, ch, MAXCH, &n);
	assert_int_equal(n, 1);
	assert_true(strlen(ch[0].value) > 998);		/* unfolded, it would not fit */

	fv = bcc_folded(&ch[0], "\n");			/* the milter's value */
	assert_null(strchr(fv, '\r'));
	assert_non_null(strstr(fv, "\n "));
	assert_true(longest_line(fv) + 4 <= 78);
	uf = unfold(fv);
	assert_string_equal(uf, ch[0].value);
	g_free(uf);
	g_free(fv);

	out = bcc_apply(g->str, g->len, ch, n, &len);
	bcc_free(ch, n);
	assert_non_null(out);
	assert_true(longest_line(out) <= 78);
	assert_null(strstr(out, "partner"));

	st = g_mime_stream_mem_new();
	g_mime_stream_write(st, out, len);
	g_mime_stream_write_string(st, "\r\nbody\r\n");
	g_mime_stream_reset(st);
	parser = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(parser, NULL);
	assert_non_null(m);
	to = g_mime_message_get_to(m);
	assert_int_equal(internet_address_list_length(to), 300);
	for (int i = 0; i < 300; i++) {
		InternetAddress *a = internet_address_list_get_address(to, i);
		char want[64], name[64];
		const char *got = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));

		if (i % 3 == 0) {
			snprintf(want, sizeof(want), "user%03d@example.go.jp", i);
			assert_true(!internet_address_get_name(a) || !*internet_address_get_name(a));
		} else if (i % 3 == 1) {
			snprintf(want, sizeof(want), "sato%03d@example.go.jp", i);
			snprintf(name, sizeof(name), "Sato, Hanako %d", i);
			assert_string_equal(internet_address_get_name(a), name);
		} else {
			snprintf(want, sizeof(want), "yamada%03d@sub.example.go.jp", i);
			assert_string_equal(internet_address_get_name(a), "山田 太郎");
		}
		assert_string_equal(got, want);
	}
	assert_non_null(strstr(out, "\r\nSubject: x\r\n"));
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(st);
	free(out);
	g_string_free(g, TRUE);
}

/* An address longer than a line by itself (a long display name) breaks
 * before the blanks of its name, never inside a word; still no line over
 * 998 and the value unfolds unchanged. */
static void test_fold_long_name(void **state)
{
	struct bcc_change c = { .cc = true, .index = 1 };
	GString *v = g_string_new("a@example.go.jp, \"");
	char *fv, *uf;

	for (int i = 0; i < 60; i++)
		g_string_append(v, "Verylongname ");
	g_string_append(v, "End\" <long@example.go.jp>, =?UTF-8?B?5bGx55Sw?= <b@example.go.jp>");
	c.value = v->str;
	fv = bcc_folded(&c, "\r\n");
	assert_true(longest_line(fv) <= 78);
	assert_non_null(strstr(fv, "=?UTF-8?B?5bGx55Sw?= <b@example.go.jp>"));	/* word kept */
	uf = unfold(fv);
	assert_string_equal(uf, v->str);
	g_free(uf);
	g_free(fv);
	g_string_free(v, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_external_out),
		cmocka_unit_test(test_all_external),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_groups_and_several_fields),
		cmocka_unit_test(test_fold_300),
		cmocka_unit_test(test_fold_long_name),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
