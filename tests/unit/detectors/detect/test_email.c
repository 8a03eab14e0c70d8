/*
 * test_email.c — mail address detector: syntax, validator limits,
 * look-alikes, case folding, masks.
 */
#include "tests/unit/lib/det_testutil.h"

static int setup(void **state)
{
	return dt_setup_type(FT_EMAIL);
}

static void test_valid(void **state)
{
	dt_expect("連絡先: taro.yamada@example.co.jp までお願いします",
	    "taro.yamada@example.co.jp", NULL);
	dt_expect("<hanako+dlp@mail.sub-domain.example.jp>", "hanako+dlp@mail.sub-domain.example.jp",
	    NULL);
	dt_expect("mailto:o'neil_x%y@ex-ample.com?subject=1", "o'neil_x%y@ex-ample.com", NULL);
	dt_expect("担当者taro@example.comです。", "taro@example.com", NULL);
	dt_expect("a1@b2.museum, z@x.io", "a1@b2.museum", "z@x.io", NULL);
}

static void test_full_width_and_case(void **state)
{
	dt_expect("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", "taro@example.co.jp", NULL);
	dt_expect("Taro.Yamada@Example.COM taro.yamada@example.com TARO.YAMADA@EXAMPLE.COM",
	    "taro.yamada@example.com", NULL);
}

static void test_sentence_punctuation(void **state)
{
	dt_expect("write to taro@example.com.", "taro@example.com", NULL);
	dt_expect("(taro@example.com)", "taro@example.com", NULL);
	dt_expect("taro@example.com-", "taro@example.com", NULL);
	dt_expect("\"taro@example.com\",\"jiro@example.org\"", "taro@example.com",
	    "jiro@example.org", NULL);
}

static void test_invalid(void **state)
{
	dt_none("a@b");				/* no dot */
	dt_none("user@localhost");
	dt_none("taro@example.c");		/* TLD of one letter */
	dt_none("taro@192.168.0.1");		/* TLD not letters */
	dt_none("taro@example.c0m");
	dt_none("taro.@example.com");		/* trailing dot */
	dt_none("ta..ro@example.com");		/* double dot */
	dt_none("taro@-example.com");		/* label starting with '-' */
	dt_none("taro@example-.com");		/* label ending with '-' */
	dt_none("taro@example..com");		/* empty label */
	dt_none("@username さん");
	dt_none("foo@@example.com");
	dt_none("a@b.jp@c.jp");			/* glued to another '@' */
	dt_none("image001.png@01D9A1B2.C3D4E5F0");	/* a Content-ID */
	dt_none("package@1.2.3");
	dt_none("taro@example.c-m");		/* TLD not letters */
	dt_none("taro@example.-com");
	dt_expect("x@a-b.c-d.JP", "x@a-b.c-d.jp", NULL);	/* '-' inside labels */
}

static void test_lengths(void **state)
{
	char buf[512];
	char local64[65], local65[66], label63[64], label64[65];

	memset(local64, 'a', 64), local64[64] = '\0';
	memset(local65, 'a', 65), local65[65] = '\0';
	memset(label63, 'b', 63), label63[63] = '\0';
	memset(label64, 'b', 64), label64[64] = '\0';
	snprintf(buf, sizeof(buf), "%s@example.jp", local64);
	assert_int_equal(dt_count(buf), 1);
	snprintf(buf, sizeof(buf), "%s@example.jp", local65);
	assert_int_equal(dt_count(buf), 0);	/* refused, not cut */
	snprintf(buf, sizeof(buf), "x@%s.jp", label63);
	assert_int_equal(dt_count(buf), 1);
	snprintf(buf, sizeof(buf), "x@%s.jp", label64);
	assert_int_equal(dt_count(buf), 0);
	snprintf(buf, sizeof(buf), "x@example.%s", label63);	/* the TLD too */
	assert_int_equal(dt_count(buf), 1);
	snprintf(buf, sizeof(buf), "x@example.%s", label64);
	assert_int_equal(dt_count(buf), 0);
}

static void test_leading_dots_left_out(void **state)
{
	dt_expect("...taro@example.com", "taro@example.com", NULL);
}

static void test_distinct(void **state)
{
	assert_int_equal(dt_count("a@example.jp b@example.jp a@example.jp A@EXAMPLE.JP "
	    "a@example.com"), 3);
}

static void test_mask(void **state)
{
	dt_mask("taro@example.com", "t***@example.com");
	dt_mask("x@a.jp", "x***@a.jp");
	dt_mask("broken", "***");
}

/* The value lower-cased 8 bytes at a time and the rest byte by byte: every
 * local character, around A-Z ('@' 'Z' '[' '`' 'a' 'z' '{') among them, in
 * addresses of every length from 11 to 60 bytes, against a lower-casing
 * byte by byte. */
static void test_lower_case_every_length(void **state)
{
	static const char chars[] = "AZaz09`{|}~^_'*+/=?!#$%&-MQmq";
	char text[128], want[128];

	(void)state;
	for (size_t n = 1; n <= 50; n++)
		for (size_t off = 0; off < sizeof(chars) - 1; off++) {
			size_t k = 0;

			for (size_t i = 0; i < n; i++)
				text[k++] = chars[(off + i) % (sizeof(chars) - 1)];
			memcpy(text + k, "@Ex-AZ.Jp", 10);
			for (size_t i = 0; text[i]; i++)
				want[i] = (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
			want[strlen(text)] = '\0';
			dt_expect(text, want, NULL);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_full_width_and_case),
		cmocka_unit_test(test_sentence_punctuation),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_leading_dots_left_out),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_lower_case_every_length),
	};

	return cmocka_run_group_tests(tests, setup, dt_teardown);
}
