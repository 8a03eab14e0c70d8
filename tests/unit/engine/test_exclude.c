/*
 * test_exclude.c — the organisation's own contact data: [general]
 * own_numbers and internal_addresses = exclude.  The switchboard and the
 * staff's addresses in a signature are found, listed as excluded, and not
 * counted, in the message and in its parts; everything else still counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "detectors/result_json.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

#define MSG "From: a@example.go.jp\r\nTo: b@example.com\r\nSubject: s\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n\r\n" \
	"名簿: 090-1234-5678, 03-1111-2222, hanako@partner.example.com\r\n" \
	"--\r\n総務課 tanaka@example.go.jp\r\n代表 03-5253-1111 内線 03-5253-4321\r\n" \
	"フリーダイヤル 0120-123-456\r\n"

static struct scan_engine *engine(const char *own, bool internal)
{
	static const char *const dom[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = dom, .n_internal = 1,
		.spool_dir = "/tmp", .limits = mt_limits(), .own_numbers = own,
		.exclude_internal_addresses = internal };
	char err[256] = "";
	struct scan_engine *eng = scan_engine_new(&opt, err, sizeof(err));

	if (!eng)
		fail_msg("scan_engine_new: %s", err);
	return eng;
}

static void test_nothing_excluded_by_default(void **state)
{
	struct scan_engine *eng = engine(NULL, false);
	struct scan_msg *m = mt_scan_str(eng, MSG);
	const struct scan_result *r = mt_result(m);

	assert_int_equal(scan_result_count(r, FT_PHONE), 5);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 2);
	assert_int_equal(scan_result_excluded(r, FT_PHONE), 0);
	scan_msg_free(m);
	scan_engine_free(eng);
}

static void test_own_numbers_and_internal_addresses(void **state)
{
	struct scan_engine *eng = engine("03-5253-*, 0120-123-456", true);
	struct scan_msg *m = mt_scan_str(eng, MSG);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "1");
	char buf[8][64];
	long c[SC_COUNT];
	json_t *j, *phone;

	/* counted: the mobile and the outside landline, the partner address */
	assert_int_equal(scan_result_count(r, FT_PHONE), 2);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
	assert_int_equal(scan_result_excluded(r, FT_PHONE), 3);
	assert_int_equal(scan_result_excluded(r, FT_EMAIL), 1);
	assert_int_equal(p->counts[FT_PHONE], 2);
	assert_int_equal(p->counts[FT_EMAIL], 1);
	scan_result_counters(r, c);
	assert_int_equal(c[SC_PERSONAL_ITEMS], 3);
	/* excluded values are listed, masked */
	assert_int_equal(scan_result_excluded_samples(r, FT_PHONE, buf, 8), 3);
	assert_string_equal(buf[0], "03-****-1111");	/* masked as every sample */
	j = result_json_findings_samples(r, 3);
	phone = json_object_get(j, "phone");
	assert_int_equal(json_integer_value(json_object_get(phone, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(phone, "excluded")), 3);
	assert_int_equal(json_array_size(json_object_get(phone, "excluded_samples")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "email"),
	    "excluded")), 1);
	json_decref(j);
	scan_msg_free(m);
	scan_engine_free(eng);
}

static void test_exact_number_and_x_range(void **state)
{
	struct scan_engine *eng = engine("03-5253-1111 03-1111-xxxx", false);
	struct scan_msg *m = mt_scan_str(eng, MSG);
	const struct scan_result *r = mt_result(m);

	/* 03-5253-4321 is not the switchboard: counted */
	assert_int_equal(scan_result_count(r, FT_PHONE), 3);
	assert_int_equal(scan_result_excluded(r, FT_PHONE), 2);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 2);	/* addresses counted */
	scan_msg_free(m);
	scan_engine_free(eng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_excluded_by_default),
		cmocka_unit_test(test_own_numbers_and_internal_addresses),
		cmocka_unit_test(test_exact_number_and_x_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
