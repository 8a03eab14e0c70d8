/*
 * test_recipients.c — internal or external by domain (subdomains, case),
 * the recipient counters, and the visible recipients read from To and Cc
 * (groups, encoded display names) through the whole engine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime/recipients.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

static const char *const internal[] = { "example.go.jp", "mhlw.lg.jp" };
static const struct scan_options opt = { .internal_domains = internal, .n_internal = 2 };

static void
test_is_internal(void **state)
{
	assert_true(rcpt_is_internal(&opt, "a@example.go.jp"));
	assert_true(rcpt_is_internal(&opt, "a@sub.example.go.jp"));
	assert_true(rcpt_is_internal(&opt, "a@deep.sub.EXAMPLE.go.JP"));
	assert_true(rcpt_is_internal(&opt, "A@Mhlw.Lg.Jp"));
	assert_true(rcpt_is_internal(&opt, "a@example.go.jp."));	/* trailing dot */
	assert_true(rcpt_is_internal(&opt, "postmaster"));		/* local */
	assert_true(rcpt_is_internal(&opt, "\"a@b\"@example.go.jp"));	/* last '@' */
	assert_false(rcpt_is_internal(&opt, "a@badexample.go.jp"));
	assert_false(rcpt_is_internal(&opt, "a@example.go.jp.evil.com"));
	assert_false(rcpt_is_internal(&opt, "a@go.jp"));
	assert_false(rcpt_is_internal(&opt, "example.go.jp@gmail.com"));
	assert_false(rcpt_is_internal(&opt, "a@gmail.com"));
}

static void
test_counters(void **state)
{
	char *env[] = { "a@example.go.jp", "b@gmail.com", "c@GMAIL.com", "d@sub.example.go.jp",
		"e@yahoo.co.jp", "f@partner.example.com" };
	char *vis[] = { "b@gmail.com", "B@Gmail.Com", "x@other.org", "a@example.go.jp" };
	struct scan_rcpts r = { .envelope = env, .n_envelope = 6 };

	rcpt_count(&opt, &r, vis, 4);
	assert_int_equal(r.recipients, 6);
	assert_int_equal(r.external, 4);
	assert_int_equal(r.external_domains, 3);	/* gmail.com once */
	assert_int_equal(r.external_visible, 2);	/* b@gmail.com once, x@other.org */

	r.n_envelope = 0;
	rcpt_count(&opt, &r, NULL, 0);
	assert_int_equal(r.recipients + r.external + r.external_domains + r.external_visible, 0);
}

#define HDRS "From: =?UTF-8?B?5bGx55Sw?= <sender@example.go.jp>\r\n" \
	"To: team: one@partner.co.jp, =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <two@PARTNER.co.jp>;," \
	" \"Suzuki, Ichiro\" <three@other.com>, colleague@sub.example.go.jp\r\n" \
	"Cc: =?utf-8?q?=E4=BD=90=E8=97=A4?= <four@gmail.com>,\r\n\tthree@other.com\r\n" \
	"Bcc: hidden@bcc.example.net, five@gmail.com\r\n" \
	"Subject: recipients\r\n\r\nbody\r\n"

static void
test_visible_from_headers(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	struct scan_msg *m = mt_scan_str(eng, HDRS);	/* no envelope: To + Cc + Bcc */
	const struct scan_result *r = mt_result(m);
	long c[SC_COUNT];

	/* one, two, three, colleague, four, hidden, five */
	assert_int_equal(r->rcpt.n_envelope, 7);
	assert_int_equal(r->rcpt.recipients, 7);
	assert_int_equal(r->rcpt.external, 6);
	/* partner.co.jp, other.com, gmail.com, bcc.example.net */
	assert_int_equal(r->rcpt.external_domains, 4);
	/* To and Cc only: one, two, three, four */
	assert_int_equal(r->rcpt.external_visible, 4);
	assert_string_equal(r->sender, "sender@example.go.jp");
	scan_result_counters(r, c);
	assert_int_equal(c[SC_RECIPIENTS], 7);
	assert_int_equal(c[SC_EXTERNAL], 6);
	assert_int_equal(c[SC_EXTERNAL_VISIBLE], 4);
	assert_int_equal(c[SC_EXTERNAL_DOMAINS], 4);
	scan_msg_free(m);
	scan_engine_free(eng);
}

static void
test_envelope_given(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	const char *const rcpt[] = { "<one@partner.co.jp>", "colleague@example.go.jp",
		"<list@lists.example.org>", NULL };
	struct scan_msg *m = mt_scan(eng, HDRS, strlen(HDRS), rcpt);
	const struct scan_result *r = mt_result(m);

	assert_int_equal(r->rcpt.n_envelope, 3);
	assert_string_equal(r->rcpt.envelope[0], "one@partner.co.jp");
	assert_int_equal(r->rcpt.recipients, 3);
	assert_int_equal(r->rcpt.external, 2);
	assert_int_equal(r->rcpt.external_domains, 2);
	assert_int_equal(r->rcpt.external_visible, 4);	/* from the headers still */
	assert_string_equal(r->sender, "sender@example.go.jp");	/* envfrom */
	scan_msg_free(m);
	scan_engine_free(eng);
}

/* 144 visible external addresses, the incident that started the project. */
static void
test_mass_mailing(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	size_t cap = 144 * 40 + 256, len = 0;
	char *msg = malloc(cap);
	struct scan_msg *m;
	const struct scan_result *r;

	assert_non_null(msg);
	len += (size_t)snprintf(msg + len, cap - len, "From: a@example.go.jp\r\nTo: ");
	for (int i = 0; i < 144; i++)
		len += (size_t)snprintf(msg + len, cap - len, "%sp%03d@d%d.example.com",
		    i ? ",\r\n " : "", i, i % 12);
	len += (size_t)snprintf(msg + len, cap - len, "\r\nSubject: list\r\n\r\nhi\r\n");
	m = mt_scan(eng, msg, len, NULL);
	r = mt_result(m);
	assert_int_equal(r->rcpt.external_visible, 144);
	assert_int_equal(r->rcpt.external, 144);
	assert_int_equal(r->rcpt.external_domains, 12);
	scan_msg_free(m);
	free(msg);
	scan_engine_free(eng);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_internal),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_visible_from_headers),
		cmocka_unit_test(test_envelope_given),
		cmocka_unit_test(test_mass_mailing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
