/*
 * test_birthdate.c — birth dates: formats, Japanese eras and their bounds,
 * calendar and year checks, the keyword 40 characters before, 生まれ / 日生
 * after, table columns, dates without context, masks.
 */
#include <time.h>

#include "tests/unit/lib/det_testutil.h"

static int setup(void **state)
{
	return dt_setup_type(FT_BIRTH_DATE);
}

static int this_year(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return tm.tm_year + 1900;
}

static void test_western_forms(void **state)
{
	dt_expect("生年月日：1980-04-01", "1980-04-01", NULL);
	dt_expect("生年月日：1980/4/1", "1980-04-01", NULL);
	dt_expect("生年月日：1980.04.01", "1980-04-01", NULL);
	dt_expect("生年月日：1980年4月1日", "1980-04-01", NULL);
	dt_expect("生年月日：1980 年 4 月 1 日", "1980-04-01", NULL);
	dt_expect("生年月日：１９８０年４月１日", "1980-04-01", NULL);
	dt_none("生年月日：1980-04/01");		/* separators differ */
}

static void test_eras(void **state)
{
	dt_expect("生年月日 昭和55年1月2日", "1980-01-02", NULL);
	dt_expect("生年月日 平成元年1月8日", "1989-01-08", NULL);
	dt_expect("生年月日 令和元年5月1日", "2019-05-01", NULL);
	dt_expect("生年月日 大正15年12月25日", "1926-12-25", NULL);
	dt_expect("生年月日 昭和元年12月25日", "1926-12-25", NULL);
	dt_expect("生年月日 明治45年7月30日", "1912-07-30", NULL);
	dt_expect("生年月日 ㍼55年1月2日", "1980-01-02", NULL);	/* square era sign */
	dt_expect("DOB: S55.1.2", "1980-01-02", NULL);
	dt_expect("DOB: H2.3.4", "1990-03-04", NULL);
	dt_expect("DOB: R1.5.1", "2019-05-01", NULL);
	dt_expect("DOB: T1.7.30", "1912-07-30", NULL);
	dt_expect("DOB: S.55/1/2", "1980-01-02", NULL);
}

static void test_era_bounds(void **state)
{
	dt_none("生年月日 平成31年5月1日");	/* already 令和 */
	dt_none("生年月日 令和元年4月30日");	/* still 平成 */
	dt_none("生年月日 昭和64年1月8日");
	dt_none("生年月日 平成元年1月7日");
	dt_none("生年月日 大正元年7月29日");
	dt_none("生年月日 昭和0年1月1日");
	dt_none("DOB: X55.1.2");
	dt_none("DOB: AS55.1.2");
}

static void test_calendar(void **state)
{
	char buf[64];

	dt_expect("誕生日 2000-02-29", "2000-02-29", NULL);
	dt_none("誕生日 1900-02-29");		/* not a leap year */
	dt_none("誕生日 2023-02-29");
	dt_none("誕生日 1980-13-01");
	dt_none("誕生日 1980-04-31");
	dt_none("誕生日 1980-00-10");
	dt_none("誕生日 明治32年1月1日");	/* 1899 */
	dt_expect("誕生日 1900-01-01", "1900-01-01", NULL);
	snprintf(buf, sizeof(buf), "誕生日 %d-01-01", this_year());
	assert_int_equal(dt_count(buf), 1);
	snprintf(buf, sizeof(buf), "誕生日 %d-01-01", this_year() + 1);
	assert_int_equal(dt_count(buf), 0);
}

static void test_keywords_before(void **state)
{
	const char *kw[] = {
		"生年月日", "誕生日", "生まれ", "DOB", "dob", "D.O.B.", "date of birth",
		"Date of Birth", "birth date", "birthdate", "Birthday",
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		snprintf(buf, sizeof(buf), "%s: 1980-04-01", kw[i]);
		if (dt_count(buf) != 1)
			fail_msg("keyword %s not taken", kw[i]);
	}
	dt_none("1980-04-01");
	dt_none("作成日 2024-03-15");
	dt_none("Adobe 2001-01-01");
	dt_none("1980-04-01 生年月日");		/* keyword after: not counted */
}

static void test_window_40(void **state)
{
	/* 生年月日 (4) + 36 characters = 40 before the date: counted */
	dt_expect("生年月日あいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおか"
	    "1980-04-01", "1980-04-01", NULL);
	dt_none("生年月日あいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかき"
	    "1980-04-01");
}

static void test_suffix(void **state)
{
	dt_expect("昭和55年1月2日生まれ", "1980-01-02", NULL);
	dt_expect("1980年4月1日 生まれの方", "1980-04-01", NULL);
	dt_expect("1980/04/01生まれ", "1980-04-01", NULL);
	dt_expect("山田太郎（昭和55年1月2日生）", "1980-01-02", NULL);
	dt_expect("昭和55年1月2日生、男", "1980-01-02", NULL);
	dt_none("2024年3月15日生産分");		/* 生 followed by a kanji */
	dt_none("2024年3月15日に生まれ変わった");	/* not right after */
}

static void test_columns(void **state)
{
	dt_expect("氏名\t生年月日\t登録日\n山田\t1980/04/01\t2024/03/15\n鈴木\t昭和60年5月6日\t2024/03/16\n",
	    "1980-04-01", "1985-05-06", NULL);
	dt_expect("name,birthday,joined\nA,1970-01-02,2020-01-01\n", "1970-01-02", NULL);
	/* a form: label cell, value cell */
	dt_expect("項目\t内容\t備考\n氏名\t山田\t\n生年月日\t1980/04/01\t2024/03/15\n",
	    "1980-04-01", NULL);
	dt_expect("項目\t内容\nメモ\t生年月日は1980/04/01\n", "1980-04-01", NULL);
}

static void test_ordinary_dates(void **state)
{
	dt_none("令和6年3月15日（金）に会議を開催します。期限は2024/03/29 17:00です。"
	    "府政第123-4号（2024年1月5日付）を参照。H2.3.4版");
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("生年月日 1980-04-01、生年月日 昭和55年4月1日、"
	    "生年月日 S55.4.1、生年月日 1981-04-01"), 2);
}

static void test_mask(void **state)
{
	dt_mask("1980-04-01", "1980-**-**");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_western_forms),
		cmocka_unit_test(test_eras),
		cmocka_unit_test(test_era_bounds),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_keywords_before),
		cmocka_unit_test(test_window_40),
		cmocka_unit_test(test_suffix),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_ordinary_dates),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
