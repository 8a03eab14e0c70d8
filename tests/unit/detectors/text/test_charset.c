/*
 * test_charset.c — text to UTF-8: declared Japanese charsets with their
 * Windows extensions, detection of undeclared ones, U+FFFD for bad input,
 * output bounds; and the same through whole messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/charset.h"
#include "mime/hdr_decode.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

#define SJIS_SPECIALS "\x93\x64\x98\x62\x87\x40\x87\x82\x87\x8a\x81\x60\xee\xef\xfa\x40"
#define UTF8_SPECIALS "電話①№㈱～ⅰⅰ"

/* Convert with no bound to speak of and compare with want. */
static void
check(const char *in, size_t len, const char *cs, const char *want)
{
	size_t n = 0;
	int trunc = -1;
	char *u = charset_to_utf8((const unsigned char *)in, len, cs, 1 << 20, &n, &trunc);

	assert_non_null(u);
	assert_string_equal(u, want);
	assert_int_equal(n, strlen(want));
	assert_int_equal(trunc, 0);
	free(u);
}

static void
test_utf8(void **state)
{
	check("abc 山田", strlen("abc 山田"), "UTF-8", "abc 山田");
	check("abc 山田", strlen("abc 山田"), NULL, "abc 山田");
	check("\xef\xbb\xbf" "BOM", 6, "utf-8", "BOM");		/* BOM dropped */
	check("\xef\xbb\xbf" "BOM", 6, NULL, "BOM");
	assert_string_equal(charset_detect((const unsigned char *)"plain ascii", 11), "UTF-8");
}

static void
test_cp932_specials(void **state)
{
	/* Shift_JIS as declared by mailers is CP932: NEC row 13 and IBM
	 * extensions decode, the wave dash is Windows' full-width tilde */
	check(SJIS_SPECIALS, strlen(SJIS_SPECIALS), "Shift_JIS", UTF8_SPECIALS);
	check(SJIS_SPECIALS, strlen(SJIS_SPECIALS), "x-sjis", UTF8_SPECIALS);
	check(SJIS_SPECIALS, strlen(SJIS_SPECIALS), "windows-31j", UTF8_SPECIALS);
	check(SJIS_SPECIALS, strlen(SJIS_SPECIALS), "CP932", UTF8_SPECIALS);
}

static void
test_iso2022jp(void **state)
{
	const char *jis = "\x1b$B;3ED\x42\x40\x4f\x3a\x4d\x4d\x1b(B 090";
	/* NEC specials inside ESC $ B, as Windows mailers send them:
	 * glibc's ISO-2022-JP converters all refuse these */
	const char *nec = "\x1b$B-!-b-j\x1b(B";
	const char *kana = "\x1b(I123\x1b(B!";

	check(jis, strlen(jis), "ISO-2022-JP", "山田太郎様 090");
	check(jis, strlen(jis), NULL, "山田太郎様 090");
	check(jis, strlen(jis), "us-ascii", "山田太郎様 090");	/* mislabelled */
	check(nec, strlen(nec), "iso-2022-jp", "①№㈱");
	check(kana, strlen(kana), "ISO-2022-JP", "ｱｲｳ!");
	assert_string_equal(charset_detect((const unsigned char *)jis, strlen(jis)),
	    "ISO-2022-JP");
	/* a broken pair and a cut escape: U+FFFD, the rest kept */
	check("\x1b$B;3\x0a\x1b$", 8, "ISO-2022-JP", "山\n\x1b$");
	check("\x1b$B;\x1b(Bok", 9, "ISO-2022-JP", "\xef\xbf\xbd" "ok");
}

static void
test_eucjp(void **state)
{
	const char *euc = "\xbb\xb3\xc5\xc4\xc2\xc0\xcf\xba \xad\xa1";

	check(euc, strlen(euc), "EUC-JP", "山田太郎 ①");
	check(euc, strlen(euc), "x-euc-jp", "山田太郎 ①");
}

static void
test_detection(void **state)
{
	const char *csv = "\x8e\x81\x96\xbc,\x93\x64\x98\x62\x94\xd4\x8d\x86\r\n"
	    "\x8e\x52\x93\x63\x91\xbe\x98\x59,090-1234-5678\r\n";	/* 氏名,電話番号 … */
	const char *euc = "\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf\xa1\xa2\xbb\xb3\xc5\xc4"
	    "\xc2\xc0\xcf\xba\xa4\xc7\xa4\xb9\xa1\xa3";	/* こんにちは、山田太郎です。 */

	assert_string_equal(charset_detect((const unsigned char *)csv, strlen(csv)), "CP932");
	check(csv, strlen(csv), NULL, "氏名,電話番号\r\n山田太郎,090-1234-5678\r\n");
	assert_string_equal(charset_detect((const unsigned char *)euc, strlen(euc)), "EUC-JP-MS");
	check(euc, strlen(euc), NULL, "こんにちは、山田太郎です。");
	/* too short for uchardet: still read as CP932 */
	check("\x93\x64\x98\x62", 4, NULL, "電話");
	/* a charset iconv does not know: detected */
	check(csv, strlen(csv), "x-no-such-charset", "氏名,電話番号\r\n山田太郎,090-1234-5678\r\n");
	assert_string_equal(charset_detect(NULL, 0), "UTF-8");
}

static void
test_utf16(void **state)
{
	const char le[] = "\xff\xfe\x71\x5c\x30\x75\x20\x00\x30\x00\x39\x00\x30\x00";
	const char be[] = "\xfe\xff\x5c\x71\x75\x30\x00\x20\x00\x30\x00\x39\x00\x30";
	const char nobom[] = "0\0009\0000\000-\0001\0002\0003\0004\000";

	check(le, sizeof(le) - 1, NULL, "山田 090");
	check(be, sizeof(be) - 1, NULL, "山田 090");
	check(le, sizeof(le) - 1, "UTF-16", "山田 090");
	check(le, sizeof(le) - 1, "utf-16be", "山田 090");	/* the BOM wins */
	assert_string_equal(charset_detect((const unsigned char *)nobom, sizeof(nobom) - 1),
	    "UTF-16LE");
	check(nobom, sizeof(nobom) - 1, NULL, "090-1234");
}

static void
test_invalid_sequences(void **state)
{
	const char nul[] = "a\0b";

	check("山\xff\xfe" "田", 8, "UTF-8", "山\xef\xbf\xbd\xef\xbf\xbd" "田");
	check("\x93\x64\x98", 3, "Shift_JIS", "電\xef\xbf\xbd");	/* cut at the end */
	check("\x93\x64\xff\x41", 4, "CP932", "電\xef\xbf\xbd" "A");
	check("山\xc3", 4, "UTF-8", "山\xef\xbf\xbd");	/* cut at the end */
	/* mislabelled: Shift_JIS declared as UTF-8 or ISO-2022-JP is detected */
	check(SJIS_SPECIALS, strlen(SJIS_SPECIALS), "UTF-8", UTF8_SPECIALS);
	check(SJIS_SPECIALS, strlen(SJIS_SPECIALS), "ISO-2022-JP", UTF8_SPECIALS);
	/* UTF-8 with one stray byte keeps its label */
	check("山田\xff太郎", 13, "utf-8", "山田\xef\xbf\xbd太郎");
	check("", 0, "ISO-2022-JP", "");
	{
		size_t n;
		char *u = charset_to_utf8((const unsigned char *)nul, 3, "UTF-8", 100, &n, NULL);

		assert_int_equal(n, 3);	/* the NUL is kept */
		assert_memory_equal(u, nul, 3);
		free(u);
	}
	/* random bytes in every charset: no crash, valid UTF-8 out */
	{
		unsigned char junk[4096];
		const char *cs[] = { NULL, "UTF-8", "CP932", "EUC-JP", "ISO-2022-JP", "UTF-16",
			"UTF-7", "GB2312", "ks_c_5601-1987", "iso-8859-1" };
		unsigned seed = 42;

		for (size_t i = 0; i < sizeof(junk); i++) {
			seed = seed * 1103515245u + 12345u;
			junk[i] = (unsigned char)(seed >> 16);
		}
		for (size_t k = 0; k < sizeof(cs) / sizeof(cs[0]); k++) {
			size_t n;
			char *u = charset_to_utf8(junk, sizeof(junk), cs[k], 1 << 20, &n, NULL);

			assert_non_null(u);
			assert_true(n > 0);
			free(u);
		}
	}
}

static void
test_bounded_output(void **state)
{
	char big[3000];
	size_t n;
	int trunc = 0;
	char *u;

	for (size_t i = 0; i < sizeof(big); i += 3)
		memcpy(big + i, "山", 3);
	u = charset_to_utf8((const unsigned char *)big, sizeof(big), "UTF-8", 100, &n, &trunc);
	assert_non_null(u);
	assert_true(trunc);
	assert_true(n <= 100 && n >= 97);
	assert_int_equal(n % 3, 0);	/* no character cut */
	free(u);
	u = charset_to_utf8((const unsigned char *)big, sizeof(big), "UTF-8", 0, &n, &trunc);
	assert_non_null(u);
	assert_int_equal(n, 0);
	assert_true(trunc);
	free(u);
}

static void
test_header_decoding(void **state)
{
	char *s;

	/* ISO-2022-JP B with NEC specials, split Shift_JIS Q words joined
	 * across the whitespace between them */
	s = hdr_decode_text("=?ISO-2022-JP?B?GyRCLSEkIhsoQg==?=\r\n =?shift_jis?Q?=93=64?="
	    " =?shift_jis?Q?=98=62=87=40?= tail", 1000);
	assert_non_null(s);
	assert_string_equal(s, "①あ電話① tail");
	free(s);
	s = hdr_decode_text("plain =?utf-8*ja?q?=E5=B1=B1_x?= =?bogus", 1000);
	assert_string_equal(s, "plain 山 x =?bogus");
	free(s);
	s = hdr_decode_text("raw \x8e\x52\x93\x63", 1000);	/* 8-bit CP932, undeclared */
	assert_string_equal(s, "raw 山田");
	free(s);
	s = hdr_decode_text(NULL, 10);
	assert_string_equal(s, "");
	free(s);
}

/* Through whole messages: a Shift_JIS QP body, an ISO-2022-JP subject, an
 * undeclared CP932 CSV attachment. */
static void
test_messages(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	const char *csv = "\x8e\x81\x96\xbc,\x93\x64\x98\x62\x94\xd4\x8d\x86,mail\r\n"
	    "\x8e\x52\x93\x63\x91\xbe\x98\x59,090-1234-5678,taro@example.com\r\n"
	    "\x8d\xb2\x93\xa1\x89\xd4\x8e\x71,03-1234-5678,hanako@example.com\r\n";
	char *b64 = mt_base64(csv, strlen(csv)), msg[4096];
	struct scan_msg *m;
	const struct scan_result *r;
	const struct scan_part *p;

	snprintf(msg, sizeof(msg),
	    "From: a@example.go.jp\r\nTo: b@example.com\r\n"
	    "Subject: =?ISO-2022-JP?B?GyRCLSEbKEI=?= report\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"xx\"\r\n\r\n"
	    "--xx\r\nContent-Type: text/plain; charset=shift_jis\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "=93=64=98=62 090-9999-8888 =87=40\r\n"
	    "--xx\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=list.csv\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s--xx--\r\n", b64);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_string_equal(r->subject, "① report");
	assert_int_equal(scan_result_count(r, FT_PHONE), 3);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 2);
	p = mt_part(r, "2");
	assert_non_null(p);
	assert_string_equal(p->filename, "list.csv");
	assert_string_equal(p->extractor, "text");
	assert_null(p->unscanned);
	assert_int_equal(p->counts[FT_PHONE], 2);
	assert_int_equal(mt_part(r, "1")->counts[FT_PHONE], 1);
	scan_msg_free(m);

	/* garbage in a declared charset: a result, no crash */
	m = mt_scan_str(eng, "Subject: =?utf-8?B?/////w==?=\r\nContent-Type: text/plain; "
	    "charset=iso-2022-jp\r\n\r\n\x1b$B\xff\xfe\x1b$(D\x21\r\n\x00\x1b(I\xff 090-1111-2222\r\n");
	r = mt_result(m);
	assert_non_null(r->subject);
	assert_non_null(mt_part(r, "1"));
	assert_null(mt_part(r, "1")->unscanned);
	scan_msg_free(m);
	free(b64);
	scan_engine_free(eng);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_cp932_specials),
		cmocka_unit_test(test_iso2022jp),
		cmocka_unit_test(test_eucjp),
		cmocka_unit_test(test_detection),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_invalid_sequences),
		cmocka_unit_test(test_bounded_output),
		cmocka_unit_test(test_header_decoding),
		cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
