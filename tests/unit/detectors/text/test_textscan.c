/*
 * test_textscan.c — the whole text pipeline (normalize + every detector),
 * the registry, type and counter names, masks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "detect/detector.h"
#include "text/textscan.h"
#include "detect/valueset.h"
#include "tests/unit/lib/scan_expect.h"

static void assert_values(const struct se_found *f, enum finding_type t, const char *const *want)
{
	size_t n = 0;

	for (; want[n] != NULL; n++)
		if (!valueset_has(f->v[t], want[n], strlen(want[n])))
			fail_msg("%s: %s not found", finding_type_name(t), want[n]);
	if (valueset_count(f->v[t]) != n)
		fail_msg("%s: %zu values, want %zu (first: %s)", finding_type_name(t),
		    valueset_count(f->v[t]), n, valueset_get(f->v[t], 0));
}

static void test_full_width_spaced_forms(void **state)
{
	struct se_found f;
	const char *phones[] = { "09012345678", "0312345678", "0465123456", NULL };
	const char *mails[] = { "taro@example.jp", NULL };
	const char *none[] = { NULL };

	se_scan("携帯：０９０－１２３４－５６７８\r\n"
	    "会社：０３ー１２３４ー５６７８（代表）\r\n"
	    "支所：０４６５　１２　３４５６\r\n"
	    "メール：ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ\r\n", &f);
	assert_values(&f, FT_PHONE, phones);
	assert_values(&f, FT_EMAIL, mails);
	assert_values(&f, FT_MY_NUMBER, none);
	assert_values(&f, FT_CREDIT_CARD, none);
	se_release(&f);
}

static void test_every_type(void **state)
{
	struct se_found f;
	const char *mn[] = { "123456789018", NULL };
	const char *card[] = { "4111111111111111", NULL };
	const char *postal[] = { "100-0001 東京都千代田区千代田1-1", NULL };
	const char *bd[] = { "1980-01-02", NULL };

	se_scan("氏名：山田 太郎\n"
	    "住所：〒１００－０００１　東京都千代田区千代田１－１\n"
	    "生年月日：昭和５５年１月２日\n"
	    "マイナンバー：１２３４　５６７８　９０１８\n"
	    "カード：４１１１－１１１１－１１１１－１１１１\n", &f);
	assert_values(&f, FT_MY_NUMBER, mn);
	assert_values(&f, FT_CREDIT_CARD, card);
	assert_values(&f, FT_POSTAL_ADDRESS, postal);
	assert_values(&f, FT_BIRTH_DATE, bd);
	se_release(&f);
}

/* An ordinary ministry mail: dates, amounts, document and order numbers,
 * times, a corporate number.  Only its one sender address and the office
 * letterhead (an address and an office number, which are what they are)
 * may be found. */
static void test_ordinary_mail(void **state)
{
	struct se_found f;
	const char *none[] = { NULL };
	const char *mails[] = { "soumu-ka@example.go.jp", NULL };
	const char *postal[] = { "100-8914 東京都千代田区永田町1-6-1", NULL };
	const char *phone[] = { "0352532111", NULL };

	se_scan("各位\n\n"
	    "令和6年3月15日付け府政第123-4号にて通知した件について、下記のとおり連絡します。\n"
	    "1. 予算額：1,234,567,000円（前年度比102.5%）、¥03,123,456\n"
	    "2. 提出期限：2024年3月29日（金）17:00、2024/03/29、2024-03-29\n"
	    "3. 受付番号 2024031500123、注文番号 0312345678901、契約 03-1234-5678-9012\n"
	    "4. 法人番号 1234567890183（株式会社サンプル）\n"
	    "5. 時間 09:00～17:30、会議室 第3会議室、ver.1.2.3、資料 第2版\n"
	    "6. 文書番号 0123-4567-8901、整理番号 4111-1111-1111-1112\n\n"
	    "――――――――――――――――――――\n"
	    "内閣府 総務課  soumu-ka@example.go.jp\n"
	    "〒100-8914 東京都千代田区永田町1-6-1\n"
	    "TEL 03-5253-2111（代表）\n", &f);
	assert_values(&f, FT_MY_NUMBER, none);
	assert_values(&f, FT_CREDIT_CARD, none);
	assert_values(&f, FT_BIRTH_DATE, none);
	assert_values(&f, FT_EMAIL, mails);
	assert_values(&f, FT_POSTAL_ADDRESS, postal);
	assert_values(&f, FT_PHONE, phone);
	se_release(&f);
}

static void test_distinct_across_runs(void **state)
{
	struct se_found f;

	se_scan("090-1234-5678", &f);
	assert_int_equal(textscan_run(se_ts(), "０９０ー１２３４ー５６７８ 09012345678",
	    strlen("０９０ー１２３４ー５６７８ 09012345678"), f.v), 0);
	assert_int_equal(textscan_run(se_ts(), "+81 90 1234 5679", 16, f.v), 0);
	assert_int_equal(valueset_count(f.v[FT_PHONE]), 2);
	se_release(&f);
}

static void test_null_sets_skipped(void **state)
{
	struct valueset *sets[FT_COUNT] = { NULL };

	sets[FT_EMAIL] = valueset_new();
	assert_int_equal(textscan_run(se_ts(), "a@example.jp 090-1234-5678", 26, sets), 0);
	assert_int_equal(valueset_count(sets[FT_EMAIL]), 1);
	valueset_free(sets[FT_EMAIL]);
}

static void test_incomplete_set_reported(void **state)
{
	struct se_found f;

	se_scan("", &f);
	valueset_set_incomplete(f.v[FT_PHONE]);
	assert_int_equal(textscan_run(se_ts(), "x", 1, f.v), -1);
	se_release(&f);
}

static void test_registry_and_names(void **state)
{
	static const char *const ft[] = {
		"email", "phone", "my_number", "credit_card", "postal_address", "birth_date",
		"bank_account", "passport", "drivers_license", "residence_card", "pension_number", "health_insurance",
		"names",
	};
	static const char *const sc[] = {
		"email", "phone", "my_number", "credit_card", "postal_address", "birth_date",
		"bank_account", "passport", "drivers_license", "residence_card", "pension_number", "health_insurance",
		"names",
		"personal_items", "recipients", "external", "external_visible",
		"external_domains", "encrypted", "unscanned", "attachments",
		"series_external", "sender_external_hour", "sender_bytes_hour",
	};

	assert_int_equal(sizeof(sc) / sizeof(sc[0]), SC_COUNT);
	for (int t = 0; t < FT_COUNT; t++) {
		assert_non_null(detectors[t]);
		assert_string_equal(finding_type_name(t), ft[t]);
		assert_int_equal(finding_type_lookup(ft[t]), t);
	}
	for (int c = 0; c < SC_COUNT; c++) {
		assert_string_equal(scan_counter_name(c), sc[c]);
		assert_int_equal(scan_counter_lookup(sc[c], strlen(sc[c])), c);
	}
	assert_int_equal(scan_counter_lookup("phones", 6), -1);
	assert_int_equal(scan_counter_lookup("phone_", 5), SC_PHONE);	/* length counts */
	assert_int_equal(scan_counter_lookup("", 0), -1);
	assert_string_equal(finding_type_name(FT_COUNT), "?");
	assert_int_equal(finding_type_lookup("phones"), -1);
	assert_int_equal(finding_type_lookup("personal_items"), -1); /* a counter, not a type */
	assert_string_equal(finding_type_label(FT_PHONE, false), "電話番号");
	assert_string_equal(finding_type_label(FT_BIRTH_DATE, true), "birth dates");
	/* personal_items sums the contact data and birth dates, not My Number
	 * or cards (each has a rule of its own). */
	assert_true(finding_type_personal(FT_EMAIL) && finding_type_personal(FT_PHONE) &&
	    finding_type_personal(FT_POSTAL_ADDRESS) && finding_type_personal(FT_BIRTH_DATE));
	assert_false(finding_type_personal(FT_MY_NUMBER) || finding_type_personal(FT_CREDIT_CARD));
	assert_true(finding_type_personal(FT_NAMES));	/* a list of names is one of people */
	assert_string_equal(scan_counter_name(SC_COUNT), "?");
}

static void test_masks(void **state)
{
	char out[64];

	textscan_mask(FT_PHONE, "09012345678", out, sizeof(out));
	assert_string_equal(out, "090-****-5678");
	textscan_mask(FT_EMAIL, "taro@example.com", out, sizeof(out));
	assert_string_equal(out, "t***@example.com");
	textscan_mask(FT_MY_NUMBER, "123456789018", out, sizeof(out));
	assert_string_equal(out, "****-****-9018");
	textscan_mask(FT_CREDIT_CARD, "4111111111111111", out, sizeof(out));
	assert_string_equal(out, "4111-****-****-1111");
	textscan_mask(FT_POSTAL_ADDRESS, "100-8914 東京都千代田区", out, sizeof(out));
	assert_string_equal(out, "100-8914 東京都***");
	textscan_mask(FT_BIRTH_DATE, "1980-04-01", out, sizeof(out));
	assert_string_equal(out, "1980-**-**");
	textscan_mask(FT_COUNT, "x", out, sizeof(out));
	assert_string_equal(out, "***");
	textscan_mask(FT_PHONE, "09012345678", out, 5);		/* truncated, terminated */
	assert_string_equal(out, "090-");
}

/* A text of about `size` bytes: head, then body repeated. */
static char *repeat(const char *head, const char *body, size_t size, size_t *len)
{
	size_t hl = strlen(head), bl = strlen(body), n = hl;
	char *p = malloc(size + hl + bl + 1);

	assert_non_null(p);
	memcpy(p, head, hl);
	while (n < size) {
		memcpy(p + n, body, bl);
		n += bl;
	}
	p[n] = '\0';
	*len = n;
	return p;
}

/* Hostile shapes of 1 MB each finish in linear time (a quadratic path would
 * take minutes here, not milliseconds). */
static void test_hostile_inputs_stay_linear(void **state)
{
	static const char *const shapes[][2] = {
		{ "生年月日,個人番号,カード\n", "1980-04-01,123456789018,4111111111111111," },
		{ "x\tDOB\n", "\t1980/04/01" },
		{ "", "1 " },
		{ "", "0" },
		{ "", "a@" },
		{ "", "a@b." },
		{ "", "生" },
		{ "", "日生" },
		{ "", "〒1-" },
		{ "", "123-4567 " },
		{ "", "ー1" },
		{ "", "\xE3\x82\x99\xCC\x81" },
		{ "", "\"" },
		{ "a\"b,", "c,\"" },
		{ "", "\f" },
	};
	struct timespec t0, t1;

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct se_found f;
		size_t len;
		char *text = repeat(shapes[i][0], shapes[i][1], 1 << 20, &len);
		double secs;

		for (int t = 0; t < FT_COUNT; t++)
			assert_non_null(f.v[t] = valueset_new());
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(textscan_run(se_ts(), text, len, f.v), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (secs > 30)
			fail_msg("shape %zu took %.1f s", i, secs);
		se_release(&f);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_width_spaced_forms),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_ordinary_mail),
		cmocka_unit_test(test_distinct_across_runs),
		cmocka_unit_test(test_null_sets_skipped),
		cmocka_unit_test(test_incomplete_set_reported),
		cmocka_unit_test(test_registry_and_names),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_hostile_inputs_stay_linear),
	};

	return cmocka_run_group_tests(tests, se_setup, se_teardown);
}
