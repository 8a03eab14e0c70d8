/*
 * test_html.c — HTML to text: tags, entities, hidden elements, line
 * breaks for blocks, no separation for inline elements; charsets; and an
 * HTML part through the whole engine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract/html_text.h"
#include "extract/extract.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

/* The text of html (declared charset cs), as a malloc'd string. */
static char *
text_of(const char *html, size_t len, const char *cs)
{
	struct textbuf tb = { .max = 1 << 20 };

	assert_int_equal(html_text((const unsigned char *)html, len, cs, &tb), 0);
	assert_false(tb.truncated);
	return tb.buf ? tb.buf : strdup("");
}

static void
expect(const char *html, const char *want)
{
	char *t = text_of(html, strlen(html), NULL);

	assert_string_equal(t, want);
	free(t);
}

static void
test_tags_and_entities(void **state)
{
	expect("<html><body>a &amp; b &lt;c&gt; &#x5C71;&#30000; &quot;q&quot;</body></html>",
	    "a & b <c> 山田 \"q\"\n");
	expect("plain <i>text</i>   with\n\n  spaces", "plain text with spaces\n");
	expect("<!-- 090-1234-5678 -->visible", "visible\n");
}

static void
test_hidden_elements(void **state)
{
	expect("<head><style>p { color: red } 090-1111-2222</style>"
	    "<script>var tel = '090-1111-2222';</script></head><body>ok</body>",
	    "ok\n");
}

static void
test_blocks_and_inline(void **state)
{
	expect("<p>one</p><p>two</p><div>three<br>four</div>",
	    "one\ntwo\nthree\nfour\n");
	expect("<ul><li>a</li><li>b</li></ul><h1>T</h1>", "a\nb\nT\n");
	expect("<table><tr><th>name</th><th>tel</th></tr>"
	    "<tr><td>Yamada</td><td>090-1234-5678</td></tr></table>",
	    "name\ttel\t\nYamada\t090-1234-5678\t\n");
	/* inline elements join with no separator */
	expect("<p>090-<b>1234</b>-5678 <span>taro</span>@<font color=red>example.com</font>"
	    "</p>", "090-1234-5678 taro@example.com\n");
	expect("<pre>a  b\n c</pre>", "a  b\n c\n");
}

/* alt and title are text a reader sees: read, entities decoded, apart from
 * the text around them; never inside script or style. */
static void
test_alt_and_title(void **state)
{
	expect("<p>TEL<img src=x.png alt=\"090-1234-5678\">まで</p>",
	    "TEL 090-1234-5678 まで\n");
	expect("<p><a href=\"#\" title=\"taro&#64;example.go.jp\">担当</a></p>",
	    "taro@example.go.jp 担当\n");
	expect("<table><tr><td title=\"&#x643A;&#x5E2F;\">090-1111-2222</td>"
	    "<td><abbr title=\"My Number\">MN</abbr></td></tr></table>",
	    "携帯 090-1111-2222\tMy Number MN\t\n");
	expect("<p>a<img alt=\"\">b<img src=y.png>c</p>", "abc\n");
	expect("<style title=\"090-1111-2222\">p{}</style>"
	    "<script title=\"090-1111-2222\">x</script><p>ok</p>", "ok\n");
}

static void
test_charsets(void **state)
{
	/* "電話" in Shift_JIS (CP932), named by the document */
	const char *sj = "<html><head><meta http-equiv=\"Content-Type\" "
	    "content=\"text/html; charset=Shift_JIS\"></head><body>\x93\x64\x98\x62 \x87\x40"
	    "</body></html>";
	const char *meta5 = "<meta charset='euc-jp'><p>\xbb\xb3\xc5\xc4</p>";
	const char *utf8_with_lying_meta = "<meta charset=\"shift_jis\"><p>山田</p>";
	char *t;

	t = text_of(sj, strlen(sj), NULL);
	assert_string_equal(t, "電話 ①\n");
	free(t);
	t = text_of(meta5, strlen(meta5), NULL);
	assert_string_equal(t, "山田\n");
	free(t);
	/* the declared (MIME) charset comes before the meta */
	t = text_of(utf8_with_lying_meta, strlen(utf8_with_lying_meta), "utf-8");
	assert_string_equal(t, "山田\n");
	free(t);
	/* no charset anywhere: detected */
	t = text_of("<p>\x8e\x52\x93\x63\x91\xbe\x98\x59</p>", 15, NULL);
	assert_string_equal(t, "山田太郎\n");
	free(t);
}

static void
test_malformed_and_bounded(void **state)
{
	const char nul[] = "<p>a\0b</p><b><i>unclosed <td>x";
	size_t n = 200000;
	char *deep = malloc(n * 5 + 1), *t;
	struct textbuf tb = { .max = 10 };

	assert_non_null(deep);
	t = text_of(nul, sizeof(nul) - 1, NULL);
	assert_non_null(strstr(t, "a b"));
	assert_non_null(strstr(t, "unclosed"));
	free(t);
	for (size_t i = 0; i < n; i++)
		memcpy(deep + i * 5, "<div>", 5);
	t = text_of(deep, n * 5, NULL);	/* libxml2 stops at its depth limit */
	free(t);
	free(deep);
	t = text_of("", 0, NULL);
	assert_string_equal(t, "");
	free(t);
	assert_int_equal(html_text((const unsigned char *)"<p>0123456789abcdef</p>", 23, NULL,
	    &tb), -1);
	assert_true(tb.truncated);
	assert_int_equal(tb.len, 10);
	textbuf_free(&tb);
}

/* 090-<b>1234</b>-5678 is one phone through the whole engine, in an HTML
 * alternative and in an HTML fragment declared text/html. */
static void
test_engine(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	struct scan_msg *m;
	const struct scan_result *r;
	const struct scan_part *p;

	m = mt_scan_str(eng,
	    "From: a@example.go.jp\r\nTo: b@example.com\r\nSubject: html\r\n"
	    "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nsee the html part\r\n"
	    "--b\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "<html><body><p>=E9=9B=BB=E8=A9=B1: 090-<b>1234</b>-5678</p>\r\n"
	    "<script>x='03-9999-0000'</script></body></html>\r\n--b--\r\n");
	r = mt_result(m);
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);
	p = mt_part(r, "2");
	assert_non_null(p);
	assert_string_equal(p->extractor, "html");
	assert_string_equal(p->detected_type, "text/html");
	assert_int_equal(p->counts[FT_PHONE], 1);
	scan_msg_free(m);

	m = mt_scan_str(eng, "Subject: fragment\r\nContent-Type: text/html\r\n\r\n"
	    "call 090-<b>1234</b>-5678 or <i>03</i>-1111-2222\r\n");
	r = mt_result(m);
	p = mt_part(r, "1");
	assert_string_equal(p->extractor, "html");
	assert_int_equal(scan_result_count(r, FT_PHONE), 2);
	scan_msg_free(m);

	/* a number and an address written only in attributes */
	m = mt_scan_str(eng, "Subject: attrs\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	    "<p>連絡先は画像のとおり<img src=cid:x alt=\"携帯 090-3333-4444\"></p>"
	    "<p><span title=\"hanako[at]example.co.jp\">担当</span></p>\r\n");
	r = mt_result(m);
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
	scan_msg_free(m);
	scan_engine_free(eng);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags_and_entities),
		cmocka_unit_test(test_hidden_elements),
		cmocka_unit_test(test_blocks_and_inline),
		cmocka_unit_test(test_alt_and_title),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_malformed_and_bounded),
		cmocka_unit_test(test_engine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
