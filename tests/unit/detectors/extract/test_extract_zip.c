/*
 * test_extract_zip.c — zip archives through the whole engine: a message
 * with the archive attached (base64) is scanned and the result's counts
 * and parts checked.  Fixtures come from tests/fixtures/make_office.py;
 * WinZip AES archives are made here with libzip.
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

#define BODY "添付を確認してください。連絡先 office.desk@kaisha-honbu.co.jp"

static void
done(struct scan_engine *eng, struct scan_msg *m)
{
	scan_msg_free(m);
	scan_engine_free(eng);
}

/* The list of 20 people in a text member: 20 addresses, 40 numbers. */
static void
test_zip_people(void **state)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, "", "people.zip", NULL,
	    "application/zip");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "2/people.zip/名簿/people.txt");
	const struct scan_part *z = mt_part(r, "2");

	zt_dump(r);

	assert_non_null(z);
	assert_string_equal(z->extractor, "zip");
	assert_string_equal(z->detected_type, "application/zip");
	assert_null(z->unscanned);
	assert_non_null(p);
	assert_string_equal(p->filename, "people.txt");
	assert_null(p->unscanned);
	assert_int_equal(p->counts[FT_EMAIL], 20);
	assert_int_equal(p->counts[FT_PHONE], 40);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	assert_int_equal(scan_result_count(r, FT_PHONE), 40);
	assert_null(mt_part(r, "2/people.zip/名簿"));	/* directories are no parts */
	assert_null(mt_part(r, "2/people.zip/名簿/"));
	assert_int_equal(r->unscanned, 0);
	assert_int_equal(r->encrypted, 0);
	done(eng, m);
}

static void
test_zip_clean(void **state)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, "", "clean.zip", NULL, NULL);
	const struct scan_result *r = mt_result(m);

	assert_non_null(mt_part(r, "2/clean.zip/memo.txt"));
	for (int t = 0; t < FT_COUNT; t++)
		assert_int_equal(scan_result_count(r, t), 0);
	assert_int_equal(r->unscanned, 0);
	done(eng, m);
}

/* A zip in a zip in a zip: the list at the bottom is found. */
static void
test_zip_nested(void **state)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, "", "nested.zip", NULL, NULL);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "2/nested.zip/middle.zip/inner.zip/people.txt");

	assert_non_null(p);
	assert_string_equal(mt_part(r, "2/nested.zip/middle.zip")->extractor, "zip");
	assert_string_equal(mt_part(r, "2/nested.zip/middle.zip/inner.zip")->extractor, "zip");
	assert_int_equal(p->counts[FT_EMAIL], 20);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	assert_int_equal(scan_result_count(r, FT_PHONE), 40);
	assert_int_equal(r->unscanned, 0);
	done(eng, m);
}

/* max_depth stops the walk: the archive too deep is unscanned, not skipped. */
static void
test_zip_depth_limit(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *eng;
	struct scan_msg *m;
	const struct scan_result *r;
	const struct scan_part *deep;

	lim.max_depth = 3;	/* message 0, attachment 1, middle.zip 2, inner.zip 3 */
	m = zt_scan_fixture(&eng, &lim, "", "nested.zip", NULL, NULL);
	r = mt_result(m);
	deep = mt_part(r, "2/nested.zip/middle.zip/inner.zip");
	assert_non_null(deep);
	assert_non_null(deep->unscanned);
	assert_non_null(strstr(deep->unscanned, "max_depth"));
	assert_null(zt_part(r, "inner.zip/people.txt"));
	assert_int_equal(scan_result_count(r, FT_EMAIL), 0);
	assert_int_equal(r->unscanned, 1);
	done(eng, m);
}

/* An .xlsx renamed people.dat and declared application/octet-stream is
 * read by its content; the mismatch shows in the part. */
static void
test_zip_renamed_xlsx(void **state)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, "", "people.xlsx", "people.dat",
	    "application/octet-stream");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "2");

	assert_non_null(p);
	assert_string_equal(p->filename, "people.dat");
	assert_string_equal(p->declared_type, "application/octet-stream");
	assert_string_equal(p->detected_type,
	    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	assert_string_equal(p->extractor, "xlsx");
	assert_int_equal(p->counts[FT_EMAIL], 20);
	assert_int_equal(p->counts[FT_PHONE], 40);
	done(eng, m);
}

/* Info-ZIP's traditional encryption: the encrypted member is counted with
 * its name, the plain member beside it is still inspected. */
static void
test_zip_encrypted_traditional(void **state)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, BODY, "trad.zip", NULL, NULL);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "2/trad.zip/people.txt");
	const struct scan_part *q = mt_part(r, "2/trad.zip/readme.txt");

	assert_non_null(p);
	assert_true(p->encrypted);
	assert_string_equal(p->filename, "people.txt");
	assert_non_null(q);
	assert_false(q->encrypted);
	assert_string_equal(q->extractor, "text");
	assert_false(mt_part(r, "2")->encrypted);
	assert_int_equal(r->encrypted, 1);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);	/* the body's */
	done(eng, m);
}

/* WinZip AES-256 (as 7-Zip and WinZip write it), made with libzip. */
static void
test_zip_encrypted_aes(void **state)
{
	static const char *const names[] = { "people.txt", "memo.txt", "secret2.txt" };
	static const char *const datas[] = {
		"山田 太郎 090-3100-5200 yamada.01@kaisha-meibo.co.jp\n",
		"連絡は sato.02@kaisha-meibo.co.jp まで\n", "x\n"
	};
	static const bool aes[] = { true, false, true };
	struct scan_engine *eng;
	size_t len;
	unsigned char *zip = zt_zip_build(names, datas, aes, 3, &len);
	struct scan_msg *m = zt_scan_bytes(&eng, NULL, "", zip, len, "aes.zip", NULL);
	const struct scan_result *r = mt_result(m);

	assert_true(mt_part(r, "2/aes.zip/people.txt")->encrypted);
	assert_true(mt_part(r, "2/aes.zip/secret2.txt")->encrypted);
	assert_false(mt_part(r, "2/aes.zip/memo.txt")->encrypted);
	assert_int_equal(r->encrypted, 2);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);	/* memo.txt only */
	assert_int_equal(scan_result_count(r, FT_PHONE), 0);
	free(zip);
	done(eng, m);
}

/* Member names as Windows in Japan writes them (CP932, no UTF-8 flag)
 * become UTF-8 labels; control characters are dropped from paths. */
static void
test_zip_member_names(void **state)
{
	static const char *const names[] = { "\x96\xbc\x95\xeb.txt", "a\x01" "b.txt" };
	static const char *const datas[] = {
		"山田 太郎 yamada.01@kaisha-meibo.co.jp\n", "sato.02@kaisha-meibo.co.jp\n"
	};
	struct scan_engine *eng;
	size_t len;
	unsigned char *zip = zt_zip_build(names, datas, NULL, 2, &len);
	struct scan_msg *m = zt_scan_bytes(&eng, NULL, "", zip, len, "names.zip", NULL);
	const struct scan_result *r = mt_result(m);

	zt_dump(r);
	assert_non_null(mt_part(r, "2/names.zip/名簿.txt"));
	assert_string_equal(mt_part(r, "2/names.zip/名簿.txt")->filename, "名簿.txt");
	assert_non_null(mt_part(r, "2/names.zip/ab.txt"));
	assert_int_equal(scan_result_count(r, FT_EMAIL), 2);
	free(zip);
	scan_msg_free(m);
	scan_engine_free(eng);
}

/* 1 GiB of zeros in 1 MB: refused on its declared size, fast, in little
 * memory; then on its ratio, then on the message-wide budget. */
static void
test_zip_bomb(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *eng;
	struct scan_msg *m;
	const struct scan_part *p;
	double rss0 = zt_maxrss_mb();

	m = zt_scan_fixture(&eng, &lim, BODY, "bomb.zip", NULL, NULL);
	p = mt_part(mt_result(m), "2/bomb.zip/zeros.bin");
	assert_non_null(p);
	assert_non_null(strstr(p->unscanned, "max_member_bytes"));
	assert_int_equal(scan_result_count(mt_result(m), FT_EMAIL), 1);
	done(eng, m);

	lim.max_member_bytes = (size_t)2 << 30;
	m = zt_scan_fixture(&eng, &lim, BODY, "bomb.zip", NULL, NULL);
	p = mt_part(mt_result(m), "2/bomb.zip/zeros.bin");
	assert_non_null(strstr(p->unscanned, "compression ratio"));
	done(eng, m);

	lim.max_ratio = 100000;
	m = zt_scan_fixture(&eng, &lim, BODY, "bomb.zip", NULL, NULL);
	p = mt_part(mt_result(m), "2/bomb.zip/zeros.bin");
	assert_non_null(strstr(p->unscanned, "max_expanded_bytes"));
	done(eng, m);

	assert_true(zt_maxrss_mb() - rss0 < 64.0);
}

/* A member whose headers say 1000 bytes but that inflates to 100 MiB:
 * refused after the first byte too many, not after 100 MiB. */
static void
test_zip_lying_header(void **state)
{
	struct scan_engine *eng;
	double rss0 = zt_maxrss_mb();
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, BODY, "liar.zip", NULL, NULL);
	const struct scan_part *p = mt_part(mt_result(m), "2/liar.zip/small.txt");

	assert_non_null(p);
	assert_non_null(p->unscanned);
	assert_non_null(strstr(p->unscanned, "past its declared size"));
	assert_int_equal(scan_result_count(mt_result(m), FT_EMAIL), 1);
	assert_true(zt_maxrss_mb() - rss0 < 32.0);
	done(eng, m);
}

/* 20,000 members: the first max_members are inspected, the archive is
 * unscanned "more than N members". */
static void
test_zip_many_members(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *eng;
	struct scan_msg *m;
	const struct scan_result *r;

	lim.max_members = 300;
	lim.max_parts = 1000;
	m = zt_scan_fixture(&eng, &lim, BODY, "many.zip", NULL, NULL);
	r = mt_result(m);
	zt_dump(r);
	assert_string_equal(mt_part(r, "2")->unscanned, "more than 300 members");
	assert_non_null(mt_part(r, "2/many.zip/m00299.txt"));
	assert_null(mt_part(r, "2/many.zip/m00300.txt"));
	assert_int_equal(zt_count_prefix(r, "2/"), 300);
	assert_int_equal(r->unscanned, 1);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
	done(eng, m);

	lim.max_members = 100000;	/* now max_parts is the limit hit */
	m = zt_scan_fixture(&eng, &lim, BODY, "many.zip", NULL, NULL);
	r = mt_result(m);
	assert_non_null(strstr(mt_part(r, "2")->unscanned, "max_parts"));
	assert_true(zt_count_prefix(r, "2/") <= 1000);
	done(eng, m);
}

/* Truncated and corrupt archives: unscanned with libzip's reason; the
 * body of the same message still counts. */
static void
test_zip_broken(void **state)
{
	static const char *const files[] = { "truncated.zip", "corrupt.zip" };

	for (size_t i = 0; i < 2; i++) {
		struct scan_engine *eng;
		struct scan_msg *m = zt_scan_fixture(&eng, NULL, BODY, files[i], NULL,
		    "application/zip");
		const struct scan_result *r = mt_result(m);
		const struct scan_part *p = mt_part(r, "2");

		assert_non_null(p->unscanned);
		assert_non_null(strstr(p->unscanned, "corrupt zip"));
		assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
		done(eng, m);
	}
}

/* A member whose deflate data is damaged: the member is unscanned with
 * libzip's reason, the archive and the body are fine. */
static void
test_zip_damaged_member(void **state)
{
	struct scan_engine *eng;
	struct scan_msg *m = zt_scan_fixture(&eng, NULL, BODY, "damaged.zip", NULL, NULL);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "2/damaged.zip/名簿/people.txt");

	zt_dump(r);
	assert_non_null(p);
	assert_non_null(p->unscanned);
	assert_non_null(strstr(p->unscanned, "corrupt zip"));
	assert_null(mt_part(r, "2")->unscanned);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
	assert_int_equal(r->unscanned, 1);
	scan_msg_free(m);
	scan_engine_free(eng);
}

/* A time budget of 0 ms: the archive is unscanned, never read for ever. */
static void
test_zip_time_budget(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *eng;
	struct scan_msg *m;

	lim.time_budget_ms = 1;
	lim.max_members = 100000;
	lim.max_parts = 100000;
	m = zt_scan_fixture(&eng, &lim, BODY, "many.zip", NULL, NULL);
	assert_true(mt_result(m)->nparts < 20000);
	assert_true(mt_result(m)->unscanned >= 1);
	done(eng, m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zip_people),
		cmocka_unit_test(test_zip_clean),
		cmocka_unit_test(test_zip_nested),
		cmocka_unit_test(test_zip_depth_limit),
		cmocka_unit_test(test_zip_renamed_xlsx),
		cmocka_unit_test(test_zip_encrypted_traditional),
		cmocka_unit_test(test_zip_encrypted_aes),
		cmocka_unit_test(test_zip_member_names),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_zip_lying_header),
		cmocka_unit_test(test_zip_many_members),
		cmocka_unit_test(test_zip_broken),
		cmocka_unit_test(test_zip_damaged_member),
		cmocka_unit_test(test_zip_time_budget),
	};

	return cmocka_run_group_tests(tests, zt_setup, zt_teardown);
}
