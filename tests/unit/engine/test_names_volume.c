/*
 * test_names_volume.c — person names through the whole engine and the
 * shipped rules (config/dlp-milter.conf): a list of 30 names with one other
 * attribute each — a phone number, or only a department, in the body or in
 * a spreadsheet the test makes — fires personal_data_volume; a business
 * mail signed by one person that names two colleagues, places and
 * companies does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "config/conf.h"
#include "config/policy.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

#define TOP "From: a@example.go.jp\r\nTo: b@example.com\r\nMIME-Version: 1.0\r\n"

/* 30 made-up people (common surnames and given names; nobody real). */
static const char *const people[30] = {
	"山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健太",
	"伊藤 由美", "渡辺 翔", "中村 愛", "小林 大輔", "加藤 恵",
	"吉田 拓也", "山本 和子", "松本 直樹", "井上 真央", "木村 亮",
	"林 優子", "清水 学", "山崎 彩", "森 誠", "池田 千尋",
	"橋本 浩二", "石川 陽子", "前田 茂", "藤田 明美", "岡田 修",
	"後藤 智子", "長谷川 博", "村上 美穂", "近藤 正樹", "坂本 裕子",
};

static const char *const sections[] = { "総務課", "会計課", "広報室", "企画課", "人事課" };

static const char *src_path(const char *rel)
{
	static char buf[512];
	const char *root = getenv("DLP_SRCDIR");

	snprintf(buf, sizeof(buf), "%s/%s", root ? root : ".", rel);
	return buf;
}

/* Counters of r and whether the shipped personal_data_volume rule fired. */
static bool volume_fires(const struct scan_result *r, long c[SC_COUNT])
{
	char err[512];
	struct conf *cf = conf_load(src_path("config/dlp-milter.conf"), err, sizeof(err));
	struct verdict v;
	bool fired = false;

	if (!cf)
		fail_msg("%s", err);
	scan_result_counters(r, c);
	policy_decide(cf, c, &v);
	for (size_t i = 0; i < v.nfired; i++)
		fired |= strcmp(v.fired[i]->name, "personal_data_volume") == 0;
	conf_unref(cf);
	return fired;
}

static struct scan_msg *scan_body(struct scan_engine *eng, const char *body)
{
	GString *s = g_string_new(TOP "Subject: =?UTF-8?B?5ZCN57C/?=\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n");
	struct scan_msg *m;

	g_string_append(s, body);
	m = mt_scan_str(eng, s->str);
	g_string_free(s, TRUE);
	return m;
}

static void test_list_with_phones(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	GString *b = g_string_new("関係者各位\r\n\r\n名簿を送付します。\r\n\r\n");
	struct scan_msg *m;
	long c[SC_COUNT];

	for (int i = 0; i < 30; i++)
		g_string_append_printf(b, "%s\t090-%04d-%04d\r\n", people[i], 3000 + i, 4000 + i);
	m = scan_body(eng, b->str);
	assert_true(volume_fires(mt_result(m), c));
	assert_int_equal(c[SC_NAMES], 30);
	assert_int_equal(c[SC_PHONE], 30);
	assert_int_equal(c[SC_PERSONAL_ITEMS], 60);
	scan_msg_free(m);
	g_string_free(b, TRUE);
	scan_engine_free(eng);
}

/* The other attribute is no finding (a department): the names alone
 * reach the rule. */
static void test_list_with_departments(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	GString *b = g_string_new("氏名,所属\r\n");
	struct scan_msg *m;
	long c[SC_COUNT];

	for (int i = 0; i < 30; i++)
		g_string_append_printf(b, "%s,%s\r\n", people[i], sections[i % 5]);
	m = scan_body(eng, b->str);
	assert_true(volume_fires(mt_result(m), c));
	assert_int_equal(c[SC_NAMES], 30);
	assert_int_equal(c[SC_PERSONAL_ITEMS], 30);
	scan_msg_free(m);
	g_string_free(b, TRUE);
	scan_engine_free(eng);
}

/* A spreadsheet made here with openpyxl: 氏名 | 所属 | 電話, 30 rows, and
 * the surname and given name in two cells on a second sheet. */
static void test_spreadsheet(void **state)
{
	char dir[] = "/tmp/test_names.XXXXXX", path[600], cmd[1400];
	GString *py = g_string_new("import openpyxl, sys\nwb = openpyxl.Workbook()\n"
	    "ws = wb.active\nws.title = '名簿'\nws.append(['氏名', '所属', '電話'])\n");
	struct scan_engine *eng = NULL;
	struct scan_msg *m;
	const struct scan_result *r;
	unsigned char *data;
	char *b64, *msg;
	gsize len;
	long c[SC_COUNT];
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 30; i++)
		g_string_append_printf(py, "ws.append(['%s', '%s', '03-5253-%04d'])\n", people[i],
		    sections[i % 5], 2000 + i);
	g_string_append(py, "ws2 = wb.create_sheet('split')\nws2.append(['姓', '名'])\n");
	for (int i = 0; i < 30; i++) {
		const char *sp = strchr(people[i], ' ');

		g_string_append_printf(py, "ws2.append(['%.*s', '%s'])\n", (int)(sp - people[i]),
		    people[i], sp + 1);
	}
	g_string_append(py, "wb.save(sys.argv[1])\n");
	snprintf(path, sizeof(path), "%s/make.py", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(py->str, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/make.py %s/meibo.xlsx", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/meibo.xlsx", dir);
	assert_true(g_file_get_contents(path, (gchar **)&data, &len, NULL));
	b64 = mt_base64(data, len);
	msg = g_strdup_printf(TOP "Subject: meibo\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n名簿を添付します。\r\n"
	    "--b\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; "
	    "name=meibo.xlsx\r\nContent-Disposition: attachment; filename=meibo.xlsx\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n", b64);
	eng = mt_engine(NULL);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_string_equal(mt_part(r, "2")->extractor, "xlsx");
	assert_true(volume_fires(r, c));
	assert_int_equal(c[SC_NAMES], 30);	/* both sheets: the same 30 */
	assert_int_equal(c[SC_PHONE], 30);
	assert_int_equal(mt_part(r, "2")->counts[FT_NAMES], 30);
	scan_msg_free(m);
	g_free(msg);
	free(b64);
	scan_engine_free(eng);
	g_free(data);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	g_string_free(py, TRUE);
}

/* One sender, two colleagues in the text, places and companies: three
 * names, and the rule stays quiet. */
static void test_business_mail(void **state)
{
	static const char body[] =
	    "株式会社田中製作所\r\n営業部 高橋様\r\n\r\n"
	    "いつもお世話になっております。内閣府の山田太郎です。\r\n"
	    "先日の打合せの件、担当の佐藤花子と鈴木一郎からも改めてご連絡いたします。\r\n"
	    "会場は東京都千代田区永田町の本館、次回は岩手県山田町の会場を予定しています。\r\n"
	    "田中製作所の皆様によろしくお伝えください。佐藤さんの資料は来週お送りします。\r\n"
	    "\r\n--\r\n内閣府 大臣官房 総務課\r\n山田 太郎\r\n"
	    "〒100-8914 東京都千代田区永田町1-6-1\r\nTEL 03-5253-2111 / taro.yamada@example.go.jp\r\n";
	struct scan_engine *eng = mt_engine(NULL);
	struct scan_msg *m = scan_body(eng, body);
	const struct scan_result *r = mt_result(m);
	char samples[4][64];
	long c[SC_COUNT];

	assert_false(volume_fires(r, c));
	assert_int_equal(c[SC_NAMES], 3);
	assert_int_equal(scan_result_samples(r, FT_NAMES, samples, 4), 3);
	assert_string_equal(samples[0], "山田 **");
	assert_string_equal(samples[1], "佐藤 **");
	assert_string_equal(samples[2], "鈴木 **");
	assert_true(c[SC_PERSONAL_ITEMS] < 10);
	scan_msg_free(m);
	scan_engine_free(eng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_with_phones),
		cmocka_unit_test(test_list_with_departments),
		cmocka_unit_test(test_spreadsheet),
		cmocka_unit_test(test_business_mail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
