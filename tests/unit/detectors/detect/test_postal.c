/*
 * test_postal.c — postal addresses: the 〒 form, the prefecture form (all
 * 47 prefectures), where the address text ends, distinct counting, masks.
 */
#include "tests/unit/lib/det_testutil.h"

static int setup(void **state)
{
	return dt_setup_type(FT_POSTAL_ADDRESS);
}

static void test_mark_form(void **state)
{
	dt_expect("〒100-8914 東京都千代田区永田町1-6-1\n内閣府",
	    "100-8914 東京都千代田区永田町1-6-1", NULL);
	dt_expect("〒100-8914", "100-8914", NULL);
	dt_expect("〒 100-8914\n", "100-8914", NULL);
	dt_expect("〒1008914 千代田区永田町", "100-8914 千代田区永田町", NULL);
	/* at most two spaces after 〒, which may follow digits or a code */
	dt_expect("〒  1008914 千代田区", "100-8914 千代田区", NULL);
	dt_none("〒   1008914 千代田区");
	dt_expect("TEL 03-1234-5678〒1008914 千代田区", "100-8914 千代田区", NULL);
	dt_expect("〒100-0001 〒1000002 中央区", "100-0001", "100-0002 中央区", NULL);
	dt_expect("〒100-8914：千代田区", "100-8914 千代田区", NULL);
	dt_expect("〶100-8914 千代田区", "100-8914 千代田区", NULL);
	dt_expect("〒１００－８９１４　東京都千代田区", "100-8914 東京都千代田区", NULL);
}

static void test_prefecture_form(void **state)
{
	dt_expect("住所 100-8914 東京都千代田区永田町1-6-1", "100-8914 東京都千代田区永田町1-6-1",
	    NULL);
	dt_expect("100-8914東京都千代田区", "100-8914 東京都千代田区", NULL);
	dt_expect("231-0005: 神奈川県横浜市中区", "231-0005 神奈川県横浜市中区", NULL);
	dt_expect("060-0001、北海道札幌市", "060-0001 北海道札幌市", NULL);
	dt_none("100-8914 千代田区永田町");		/* no 〒, no prefecture */
	dt_none("100-8914    東京都千代田区");	/* more than two characters between */
	dt_none("100-8914 東京");
}

/* A code is read only standing alone: not cut out of a longer number, even
 * when another code stands a few characters before it (the pattern once ran
 * on a subject cut 8 characters after that one, whose end it took for the
 * boundary: 〒 and 14 digits read as 〒996-1748 and an address). */
static void test_code_in_longer_number(void **state)
{
	dt_none("0120-3610-6158〒99617482557226丁目");
	dt_none("702-9928〒０6779661396508090-3");
	dt_none("〒1008914123 東京都");
	dt_none("〒100-89145 東京都");
	dt_none("1100-8914 東京都");
	dt_expect("702-9928 東京都〒1008914 千代田区", "702-9928 東京都", "100-8914 千代田区", NULL);
	dt_expect("〒100-8914、東京都千代田区", "100-8914", NULL);
}

static void test_all_prefectures(void **state)
{
	static const char *const pref[] = {
		"北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
		"茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
		"新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県",
		"静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県",
		"奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県",
		"徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県",
		"熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
	};
	char buf[128], want[128];

	assert_int_equal(sizeof(pref) / sizeof(pref[0]), 47);
	for (size_t i = 0; i < 47; i++) {
		snprintf(buf, sizeof(buf), "123-4567 %s中央1-2-3", pref[i]);
		snprintf(want, sizeof(want), "123-4567 %s中央1-2-3", pref[i]);
		dt_expect(buf, want, NULL);
	}
}

static void test_address_end(void **state)
{
	char buf[512], want[512];

	dt_expect("〒100-8914 東京都千代田区永田町1-6-1, 内閣府", "100-8914 東京都千代田区永田町1-6-1",
	    NULL);
	dt_expect("〒100-8914 東京都千代田区永田町1-6-1、内閣府", "100-8914 東京都千代田区永田町1-6-1",
	    NULL);
	dt_expect("〒100-8914 東京都千代田区\t03-1234-5678", "100-8914 東京都千代田区", NULL);
	dt_expect("〒100-8914 千代田区  \n", "100-8914 千代田区", NULL);
	dt_expect("〒100-0001 千代田区 〒100-0002 中央区", "100-0001 千代田区", "100-0002 中央区",
	    NULL);
	/* 60 characters at most */
	snprintf(buf, sizeof(buf), "〒100-8914 東京都%s", "一二三四五六七八九十一二三四五六七八九十"
	    "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
	    "はみ出し");
	snprintf(want, sizeof(want), "100-8914 東京都%s", "一二三四五六七八九十一二三四五六七八九十"
	    "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七");
	dt_expect(buf, want, NULL);
	/* the end found at every offset from the address's start (it is read 8
	 * bytes at a time): ASCII and kanji before 、 , a tab, or the cap */
	for (int a = 0; a < 9; a++)
		for (int k = 0; k < 8; k++)
			for (int stop = 0; stop < 4; stop++) {
				static const char *const stops[] = { "、", ",", "\t", "〒" };
				char addr[256] = "東京都";

				for (int i = 0; i < a; i++)
					strcat(addr, "x");
				for (int i = 0; i < k; i++)
					strcat(addr, "山");
				snprintf(buf, sizeof(buf), "〒100-8914 %s%s残り", addr, stops[stop]);
				snprintf(want, sizeof(want), "100-8914 %s", addr);
				dt_expect(buf, want, NULL);
			}
}

static void test_look_alikes(void **state)
{
	dt_none("電話 03-1234-5678 東京都");
	dt_none("100-89140 東京都");
	dt_none("1100-8914 東京都");
	dt_none("2-100-8914 東京都");
	dt_none("100-8914-2 東京都");
	dt_none("令和6年3月15日 東京都");
	dt_none("第100-8914号");
}

static void test_distinct(void **state)
{
	/* two people at one code count twice; the same address once */
	assert_int_equal(dt_count("〒100-0001 千代田区千代田1-1\n〒100-0001 千代田区千代田2-2\n"
	    "〒100-0001 千代田区千代田1-1\n"), 2);
	assert_int_equal(dt_count("〒100-0001\n〒100-0001\n"), 1);
}

static void test_code_then_address_cell(void **state)
{
	dt_expect("〒100-8914\t東京都千代田区永田町1-6-1\t03-1234-5678",
	    "100-8914 東京都千代田区永田町1-6-1", NULL);
	dt_expect("〒100-8914\t03-1234-5678", "100-8914", NULL);
}

static void test_mask(void **state)
{
	dt_mask("100-8914 東京都千代田区永田町1-6-1", "100-8914 東京都***");
	dt_mask("100-8914 千代田区", "100-8914 ***");
	dt_mask("100-8914", "100-8914");
	dt_mask("231-0005 神奈川県横浜市", "231-0005 神奈川県***");
	/* without a code (a 住所 column): never the address itself */
	dt_mask("東京都千代田区永田町1-6-1", "東京都***");
	dt_mask("横浜市中区本町6-50-10", "横浜市***");
	dt_mask("千代田区永田町1-6-1", "千代田区***");
	dt_mask("大字上野1234番地", "***");
	dt_mask("1-2-3", "***");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mark_form),
		cmocka_unit_test(test_prefecture_form),
		cmocka_unit_test(test_code_in_longer_number),
		cmocka_unit_test(test_all_prefectures),
		cmocka_unit_test(test_address_end),
		cmocka_unit_test(test_look_alikes),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_code_then_address_cell),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
