/*
 * test_names.c — person names with MeCab and IPADIC: surname + given name,
 * glued or one space, tab or comma apart; a list of 30 counts 30; lone
 * surnames, places, companies and the words IPADIC reads as names in
 * ordinary text do not count.
 */
#include <glib.h>

#include "tests/unit/lib/det_testutil.h"

static int setup(void **state)
{
	return dt_setup_type(FT_NAMES);
}

/* 30 made-up people from common surnames and given names (no real person
 * is meant), shared with test_engine's list. */
static const char *const people[30] = {
	"山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健太",
	"伊藤 由美", "渡辺 翔", "中村 愛", "小林 大輔", "加藤 恵",
	"吉田 拓也", "山本 和子", "松本 直樹", "井上 真央", "木村 亮",
	"林 優子", "清水 学", "山崎 彩", "森 誠", "池田 千尋",
	"橋本 浩二", "石川 陽子", "前田 茂", "藤田 明美", "岡田 修",
	"後藤 智子", "長谷川 博", "村上 美穂", "近藤 正樹", "坂本 裕子",
};

static void test_full_names(void **state)
{
	dt_expect("山田太郎です。", "山田 太郎", NULL);
	dt_expect("営業部の山田太郎と申します。", "山田 太郎", NULL);
	dt_expect("担当：佐藤 花子", "佐藤 花子", NULL);
	dt_expect("担当　鈴木　一郎（内線1234）", "鈴木 一郎", NULL);	/* ideographic spaces */
	dt_expect("林 優子\n中村 愛\n", "林 優子", "中村 愛", NULL);
	dt_expect("佐藤花子さんと鈴木一郎さんにもよろしく。", "佐藤 花子", "鈴木 一郎", NULL);
	dt_expect("長谷川 博様", "長谷川 博", NULL);
}

static void test_given_name_forms(void **state)
{
	dt_expect("山口 さくら\t090-1234-5678", "山口 さくら", NULL);	/* kana after a space */
	dt_expect("森 悠斗", "森 悠斗", NULL);		/* 悠 + 斗 */
	dt_expect("氏名\t名\n高橋\t美咲\n", "高橋 美咲", NULL);	/* 姓 and 名 in two cells */
	dt_expect("高橋,美咲,営業部\n", "高橋 美咲", NULL);
}

static void test_list_of_30(void **state)
{
	GString *s = g_string_new("氏名\t電話番号\n");

	for (int i = 0; i < 30; i++)
		g_string_append_printf(s, "%s\t090-%04d-%04d\n", people[i], 1000 + i, 2000 + i);
	assert_int_equal(dt_count(s->str), 30);
	g_string_free(s, TRUE);
	/* the same in prose, one per sentence */
	s = g_string_new("");
	for (int i = 0; i < 30; i++)
		g_string_append_printf(s, "%sさんが参加します。", people[i]);
	assert_int_equal(dt_count(s->str), 30);
	g_string_free(s, TRUE);
}

static void test_lone_surnames(void **state)
{
	dt_none("佐藤さん、田中様、鈴木課長、高橋部長");
	dt_none("担当：山田（TEL 03-1234-5678）");
	dt_none("田中製作所の高橋部長にご連絡ください。");
	dt_none("株式会社田中製作所");
	dt_none("山田、佐藤、鈴木の3名が出席します。");
}

static void test_places(void **state)
{
	dt_none("〒100-8914 東京都千代田区永田町1-6-1");
	dt_none("山田町、中村区、佐藤町、吉田町、大和田");
	dt_none("岩手県下閉伊郡山田町八幡町");
	dt_none("神奈川県横浜市中区日本大通1");
	dt_none("京都府京都市、東京駅、新宿");
}

/* Text of a ministry's ordinary mail, where IPADIC's surname and given
 * name entries (本, 新, 大, 正, 明, 和 …) meet in compounds. */
static void test_ordinary_text(void **state)
{
	dt_none("お世話になっております。標記の件について、下記のとおりご連絡いたします。");
	dt_none("令和7年度予算概算要求に係る資料を送付しますので、ご確認ください。");
	dt_none("本件に関するお問い合わせは、担当までお願いします。");
	dt_none("会議は本館第3会議室（8階）にて開催する予定です。");
	dt_none("データベース・サーバーの更新作業について報告します。");
	dt_none("新年度の大規模改修、本日正午、明朝、和解案、平和、昭和、大正");
	dt_none("関係省庁との調整結果について、以下のとおり共有します。");
	dt_none("来週の定例会議は第三会議室で行います。議題: 予算執行状況、広報計画、庁舎の設備点検");
	dt_none("出席者は各課から一名とします。");
	dt_none("新作の発表、本大会、新大阪、本田技研、大和証券");
	dt_none("明治大学、早稲田大学、慶應義塾");
	dt_none("日本銀行、三井住友銀行、三菱商事");
}

static void test_not_katakana_or_latin(void **state)
{
	dt_none("ジョン・スミス、John Smith、YAMADA Taro");
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("山田太郎、山田 太郎、山田　太郎。佐藤花子。"), 2);
}

static void test_mask(void **state)
{
	dt_mask("山田 太郎", "山田 **");
	dt_mask("長谷川 博", "長谷川 **");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_names),
		cmocka_unit_test(test_given_name_forms),
		cmocka_unit_test(test_list_of_30),
		cmocka_unit_test(test_lone_surnames),
		cmocka_unit_test(test_places),
		cmocka_unit_test(test_ordinary_text),
		cmocka_unit_test(test_not_katakana_or_latin),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
