/*
 * test_zipxml_tok.c — the XML tokenizer of detectors/extract/zipxml_tok.c
 * on its own, on the inputs fuzz target xmltok (tests/fuzz/fuzz_xmltok.c)
 * found wrong: a name that is not UTF-8 (refused, as libxml2 refuses it),
 * a CDATA section whose last characters before a chunk's end are a
 * 4-byte character and one ']' (accepted, whatever the chunking), and
 * text before the root (refused as such at its first byte, so that a
 * reference after it does not make the verdict depend on the chunking),
 * and a long character reference cut by a chunk's end (accepted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract/zipxml_tok.h"

struct seen {
	char text[256];
	size_t len;
	int starts;
	char attrs[512];	/* every attribute as name=value; */
	size_t alen;
};

static void
on_start(void *ctx, const unsigned char *local, const unsigned char *prefix,
    const unsigned char *uri, int nns, const unsigned char **nss, int nattr, int ndef,
    const unsigned char **attrs)
{
	struct seen *v = ctx;

	v->starts++;
	for (int i = 0; i < nattr; i++, attrs += 5) {
		int n = snprintf(v->attrs + v->alen, sizeof(v->attrs) - v->alen, "%s=%.*s;",
		    (const char *)attrs[0], (int)(attrs[4] - attrs[3]), (const char *)attrs[3]);

		assert_true(n > 0 && v->alen + (size_t)n < sizeof(v->attrs));
		v->alen += (size_t)n;
	}
}

static void
on_end(void *ctx, const unsigned char *local, const unsigned char *prefix,
    const unsigned char *uri)
{
}

static void
on_text(void *ctx, const unsigned char *s, int n)
{
	struct seen *v = ctx;

	assert_true(v->len + (size_t)n < sizeof(v->text));
	memcpy(v->text + v->len, s, (size_t)n);
	v->len += (size_t)n;
	v->text[v->len] = '\0';
}

static bool
on_stopped(void *ctx)
{
	return false;
}

static const struct zxtok_cb cb = { on_start, on_end, on_text, on_stopped };

/* doc fed in chunks of the given sizes (the rest last, with eof), carried
 * over as zipxml.c carries; 0 accepted with v filled, -1 refused (why). */
static int
feed_chunks(const char *doc, const size_t *cuts, size_t ncuts, struct seen *v, char *why,
    size_t whylen)
{
	struct zxtok t;
	size_t n = strlen(doc), pos = 0, avail = 0, k = 0;
	char *buf = malloc(n + 1);
	int rc = -1;

	assert_non_null(buf);
	memset(v, 0, sizeof(*v));
	zxtok_init(&t);
	for (;;) {
		size_t step = k < ncuts ? cuts[k++] : n - pos - avail;
		bool eof;
		long used;

		if (step > n - pos - avail)
			step = n - pos - avail;
		avail += step;
		eof = pos + avail == n;
		memcpy(buf, doc + pos, avail);
		if ((used = zxtok_feed(&t, buf, avail, eof, &cb, v)) < 0) {
			snprintf(why, whylen, "%s", t.why);
			break;
		}
		pos += (size_t)used;
		avail -= (size_t)used;
		if (eof) {
			rc = 0;
			break;
		}
	}
	zxtok_free(&t);
	free(buf);
	return rc;
}

static void
test_name_not_utf8_refused(void **state)
{
	static const char *const bad[] = {
		"<a\xff/>", "<\xc3/>", "<a\xe6\xb0/>", "<a b\xc3=\"1\"/>", "<a \xed\xa0\x80=\"1\"/>",
		"<a\xc0\xaf/>",
	};
	struct seen v;
	char why[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(feed_chunks(bad[i], NULL, 0, &v, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "not proper UTF-8"));
		assert_int_equal(v.starts, 0);
	}
	/* UTF-8 names are names */
	assert_int_equal(feed_chunks("<氏名 住所=\"東京\">山田</氏名>", NULL, 0, &v, why,
	    sizeof(why)), 0);
	assert_int_equal(v.starts, 1);
	assert_string_equal(v.text, "山田");
}

static void
test_cdata_cut_after_4byte_char(void **state)
{
	/* "<a><![CDATA[" is 12 bytes, then 😀 (4 bytes) and ']': a chunk of
	 * 17 ends there, before the "]]>" */
	static const char doc[] = "<a><![CDATA[\xf0\x9f\x98\x80]x]]></a>";
	struct seen v;
	char why[200] = "";

	for (size_t cut = 1; cut < sizeof(doc) - 1; cut++) {
		size_t cuts[] = { cut };

		if (feed_chunks(doc, cuts, 1, &v, why, sizeof(why)) != 0)
			fail_msg("cut at %zu: %s", cut, why);
		assert_string_equal(v.text, "\xf0\x9f\x98\x80]x");
	}
}

static void
test_text_outside_root(void **state)
{
	static const char *const docs[] = { "x&e;<a/>", "x&amp;<a/>", "<a/>y&e;", "\xff<a/>" };
	struct seen v;
	char why[200];

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		for (size_t cut = 0; cut <= strlen(docs[i]); cut++) {
			size_t cuts[] = { cut };

			assert_int_equal(feed_chunks(docs[i], cuts, 1, &v, why, sizeof(why)), -1);
			assert_true(strstr(why, "Start tag expected") || strstr(why, "Extra content"));
		}
	}
	/* white space (and \r\n) around the root is fine */
	assert_int_equal(feed_chunks(" \r\n\t<a>b</a>\r\n ", NULL, 0, &v, why, sizeof(why)), 0);
	assert_string_equal(v.text, "b");
}

/* A character reference with many leading zeros, cut anywhere by a
 * chunk's end, is the character (it was refused when cut past 16 bytes). */
static void
test_long_charref_cut(void **state)
{
	static const char doc[] = "<a>&#00000000000000000000065;&#x000000000000000000003042;</a>";
	struct seen v;
	char why[200] = "";

	for (size_t cut = 0; cut < sizeof(doc) - 1; cut++) {
		size_t cuts[] = { cut };

		if (feed_chunks(doc, cuts, 1, &v, why, sizeof(why)) != 0)
			fail_msg("cut at %zu: %s", cut, why);
		assert_string_equal(v.text, "A\xe3\x81\x82");
	}
}

/* Tags longer than the 16 bytes tag_end looks at in one go, with '>'
 * and the other quote inside quoted values; attribute values whose
 * first bytes stay in place and the rest is decoded; references of two
 * to seven digits: every cut gives the same events. */
static void
test_long_tags_and_values(void **state)
{
	static const char doc[] =
	    "<sheet xmlns=\"urn:x\" a=\"0123456789abcdef>0123'\" b='x\"y>z'>"
	    "<c r=\"AB12\" t=\"inlineStr\" s=\"plain&amp;&#27663;\ttab\r\nend\"/>"
	    "<c\tr = 'Q1' xlongattributename0123456789=\"&lt;&gt;&quot;&apos;\"></c>"
	    "&#65;&#12354;&#27663;&#128512;&#0000065;&#x6c0f;&#1114111;</sheet>";
	static const char attrs[] =
	    "a=0123456789abcdef>0123';b=x\"y>z;r=AB12;t=inlineStr;s=plain&\xe6\xb0\x8f tab end;"
	    "r=Q1;xlongattributename0123456789=<>\"';";
	struct seen v;
	char why[200] = "";

	for (size_t cut = 0; cut < sizeof(doc) - 1; cut++) {
		size_t cuts[] = { cut };

		if (feed_chunks(doc, cuts, 1, &v, why, sizeof(why)) != 0)
			fail_msg("cut at %zu: %s", cut, why);
		assert_int_equal(v.starts, 3);
		assert_string_equal(v.attrs, attrs);
		assert_string_equal(v.text, "A\xe3\x81\x82\xe6\xb0\x8f\xf0\x9f\x98\x80"
		    "A\xe6\xb0\x8f\xf4\x8f\xbf\xbf");
	}
	/* five-digit references at the edges of what XML allows */
	if (feed_chunks("<a>&#10000;&#55295;&#57344;&#65533;&#65536;&#99999;&#09999;</a>", NULL, 0,
	    &v, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	assert_string_equal(v.text, "\xe2\x9c\x90\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd"
	    "\xf0\x90\x80\x80\xf0\x98\x9a\x9f\xe2\x9c\x8f");
	for (const char *const *b = (const char *const[]){ "<a>&#55296;</a>", "<a>&#57343;</a>",
	    "<a>&#65534;</a>", "<a>&#65535;</a>", "<a>&#6553a;</a>", "<a>&#65536</a>", NULL }; *b; b++) {
		assert_int_equal(feed_chunks(*b, NULL, 0, &v, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "reference"));
	}
	/* a '>' alone ends no tag inside a quoted value: cut before its end */
	assert_int_equal(feed_chunks("<a b=\"0123456789abcdefghij>", NULL, 0, &v, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "end of Start Tag"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_not_utf8_refused),
		cmocka_unit_test(test_cdata_cut_after_4byte_char),
		cmocka_unit_test(test_text_outside_root),
		cmocka_unit_test(test_long_charref_cut),
		cmocka_unit_test(test_long_tags_and_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
