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
	char tags[512];		/* every start as <prefix:local{uri} and end as </local */
	size_t tlen;
};

static void
tag_seen(struct seen *v, const char *fmt, const unsigned char *prefix, const unsigned char *local,
    const unsigned char *uri)
{
	int n = snprintf(v->tags + v->tlen, sizeof(v->tags) - v->tlen, fmt,
	    prefix ? (const char *)prefix : "", (const char *)local, uri ? (const char *)uri : "");

	assert_true(n > 0 && v->tlen + (size_t)n < sizeof(v->tags));
	v->tlen += (size_t)n;
}

static void
on_start(void *ctx, const unsigned char *local, const unsigned char *prefix,
    const unsigned char *uri, int nns, const unsigned char **nss, int nattr, int ndef,
    const unsigned char **attrs)
{
	struct seen *v = ctx;

	v->starts++;
	tag_seen(v, "<%s:%s{%s}", prefix, local, uri);
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
	tag_seen(ctx, "</%s:%s{%s}", prefix, local, uri);
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

/* doc fed in two chunks, cut at byte cut: the test fails unless it parses. */
static void
feed_cut(const char *doc, size_t cut, struct seen *v)
{
	size_t cuts[] = { cut };
	char why[200] = "";

	if (feed_chunks(doc, cuts, 1, v, why, sizeof(why)) != 0)
		fail_msg("cut at %zu: %s", cut, why);
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

	for (size_t cut = 1; cut < sizeof(doc) - 1; cut++) {
		feed_cut(doc, cut, &v);
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

	for (size_t cut = 0; cut < sizeof(doc) - 1; cut++) {
		feed_cut(doc, cut, &v);
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
		feed_cut(doc, cut, &v);
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

/* The tags read in one pass (a name and attribute names seen before at
 * the same place) give the events the general way gives: every cut of a
 * document whose rows repeat, at each byte of a name, of an attribute's
 * name, of a value, of "/>" and of an end tag, gives the events of the
 * whole document; and a malformed tag after ones read in one pass fails
 * as the whole document fails, wherever it is cut. */
static void
test_tags_one_pass(void **state)
{
	static const char doc[] =
	    "<s xmlns=\"urn:s\" xmlns:x=\"urn:x\"><row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c>"
	    "<c r=\"B1\" t='inlineStr'/></row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c>"
	    "<c r=\"B2\" t='in&amp;l\"ine'/></row><row  r = '3' ><c r=\"A3\"\tt=\"&#27663;\" >"
	    "<v>3</v ></c><c r=\"B3\" t='x'  /></row><x:p x:a=\"1\"/><x:p x:a=\"2\">&lt;</x:p></s>";
	static const char tags[] =
	    "<:s{urn:s}<:row{urn:s}<:c{urn:s}<:v{urn:s}</:v{urn:s}</:c{urn:s}<:c{urn:s}</:c{urn:s}"
	    "</:row{urn:s}<:row{urn:s}<:c{urn:s}<:v{urn:s}</:v{urn:s}</:c{urn:s}<:c{urn:s}"
	    "</:c{urn:s}</:row{urn:s}<:row{urn:s}<:c{urn:s}<:v{urn:s}</:v{urn:s}</:c{urn:s}"
	    "<:c{urn:s}</:c{urn:s}</:row{urn:s}<x:p{urn:x}</x:p{urn:x}<x:p{urn:x}</x:p{urn:x}"
	    "</:s{urn:s}";
	static const char attrs[] =
	    "r=1;r=A1;t=s;r=B1;t=inlineStr;r=2;r=A2;t=s;r=B2;t=in&l\"ine;r=3;r=A3;t=\xe6\xb0\x8f;"
	    "r=B3;t=x;a=1;a=2;";
#define P "<s><c r=\"1\" t=\"1\"/><c r=\"2\" t=\"2\"></c>"
	static const char *const bad[] = {
		P "<c r=\"3\" t=\"<\"/></s>", P "<c r=\"3\"t=\"1\"/></s>", P "<c r=\"3\" / ></s>",
		P "<c r=\"3\" r/></s>", P "<c r=\"3\" \x01/></s>", P "<c r=\"&e;\"/></s>",
		P "<c r=\"3\" t=\"&#1;\"/></s>", P "<c r=\"\xff\"/></s>", P "<c r=\"3\"></d></s>",
		P "<c r=\"3\"></cc></s>", P "<c r=\"3\"></c x></s>", P "<c r=\"3\" t=\"1\"",
		P "<c r=\"3\" t=\"1", P "<c r=\"3\" t=\"1\" q=\"\"/><c r=\"3\" t=\"1",
		P "<c r=\"3\" t=\"1\"/><c r=\"4\" t=\"1\" r=\"5\"/><c r=\"3\" t=\"&amp;\"/>",
		P "</s><c/>", P "<c/></s></c>", P "<c r=\"3\" t=\"a&#x3c;\" q=\"&&\"/></s>",
	};
#undef P
	struct seen v, whole;
	char why[200] = "", why0[200];

	for (size_t cut = 0; cut < sizeof(doc) - 1; cut++) {
		for (size_t cut2 = 0; cut2 < 80; cut2 += 7) {
			size_t cuts[] = { cut, cut2 };

			if (feed_chunks(doc, cuts, 2, &v, why, sizeof(why)) != 0)
				fail_msg("cut at %zu, %zu: %s", cut, cut2, why);
			assert_string_equal(v.tags, tags);
			assert_string_equal(v.attrs, attrs);
			assert_string_equal(v.text, "123<");
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(feed_chunks(bad[i], NULL, 0, &whole, why0, sizeof(why0)), -1);
		for (size_t cut = 0; cut <= strlen(bad[i]); cut++) {
			size_t cuts[] = { cut };

			assert_int_equal(feed_chunks(bad[i], cuts, 1, &v, why, sizeof(why)), -1);
			assert_string_equal(why, why0);
			assert_string_equal(v.tags, whole.tags);
			assert_string_equal(v.attrs, whole.attrs);
		}
	}
}

/* The namespace of an element read in one pass is found again only while
 * no binding came or went: siblings of the same name under bindings that
 * change (a prefix bound again inside, by an empty element, the default
 * namespace) each have their own, wherever the document is cut. */
static void
test_ns_changes(void **state)
{
	static const char doc[] =
	    "<r xmlns:a=\"u1\"><a:c/><a:c/><q xmlns:a=\"u2\"><a:c/><a:c/></q><q><a:c/></q><a:c/>"
	    "<p><a:c xmlns:a=\"u3\"/><a:c/></p><d xmlns=\"u4\"><c/><c/></d><c/></r>";
	static const char tags[] =
	    "<:r{}<a:c{u1}</a:c{u1}<a:c{u1}</a:c{u1}<:q{}<a:c{u2}</a:c{u2}<a:c{u2}</a:c{u2}"
	    "</:q{}<:q{}<a:c{u1}</a:c{u1}</:q{}<a:c{u1}</a:c{u1}<:p{}<a:c{u3}</a:c{u3}<a:c{u1}</a:c{u1}</:p{}<:d{u4}"
	    "<:c{u4}</:c{u4}<:c{u4}</:c{u4}</:d{u4}<:c{}</:c{}</:r{}";
	struct seen v;

	for (size_t cut = 0; cut < sizeof(doc) - 1; cut++) {
		feed_cut(doc, cut, &v);
		assert_string_equal(v.tags, tags);
	}
}

/* The character of a decimal reference, as UTF-8 (the test's own). */
static size_t
utf8(char *o, unsigned c)
{
	if (c < 0x80)
		return (size_t)(o[0] = (char)c, 1);
	if (c < 0x800)
		return (size_t)(o[0] = (char)(0xc0 | c >> 6), o[1] = (char)(0x80 | (c & 0x3f)), 2);
	if (c < 0x10000)
		return (size_t)(o[0] = (char)(0xe0 | c >> 12), o[1] = (char)(0x80 | (c >> 6 & 0x3f)),
		    o[2] = (char)(0x80 | (c & 0x3f)), 3);
	return (size_t)(o[0] = (char)(0xf0 | c >> 18), o[1] = (char)(0x80 | (c >> 12 & 0x3f)),
	    o[2] = (char)(0x80 | (c >> 6 & 0x3f)), o[3] = (char)(0x80 | (c & 0x3f)), 4);
}

/* "&#a;&#b;&#a;&#b;" (five digits each, both characters XML allows),
 * whole and cut inside and between the references, is the characters:
 * 0, else -1. */
static int
feed_pair(unsigned a, unsigned b)
{
	static const size_t at[] = { 0, 7, 11, 15, 19, 23, 27 };
	char doc[64], want[16], why[200];
	size_t n;
	struct seen v;

	n = utf8(want, a);
	n += utf8(want + n, b);
	snprintf(doc, sizeof(doc), "<a>&#%05u;&#%05u;&#%05u;&#%05u;</a>", a, b, a, b);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		if (feed_chunks(doc, at + i, 1, &v, why, sizeof(why)) != 0 || v.len != 2 * n ||
		    memcmp(v.text, want, n) != 0 || memcmp(v.text + n, want, n) != 0)
			return -1;
	}
	return 0;
}

/* Every reference of five decimal digits, 00000 to 99999 (the ones read
 * as one word and the rest), in text and in an attribute value: the
 * character when XML allows it (a tab, a line end made a space in the
 * value), else refused, also beside one read as one word (two at a time
 * are read together); and each digit of one replaced by every byte. */
static void
test_five_digit_refs(void **state)
{
	struct seen v;
	char doc[64], why[200], want[16], wantv[16];

	for (unsigned c = 0; c < 100000; c++) {
		bool ok = c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c < 0xd800) ||
		    (c >= 0xe000 && c < 0xfffe) || c >= 0x10000;
		size_t n;

		snprintf(doc, sizeof(doc), "<a b=\"&#%05u;\">&#%05u;&#%05u;</a>", c, c, c);
		/* and next to a reference read as one word, on both sides */
		if (ok && feed_pair(c, 27663) != 0)
			fail_msg("&#%05u;&#27663;", c);
		if (ok && feed_pair(27663, c) != 0)
			fail_msg("&#27663;&#%05u;", c);
		if (!ok) {
			assert_int_equal(feed_chunks(doc, NULL, 0, &v, why, sizeof(why)), -1);
			assert_non_null(strstr(why, "reference"));
			snprintf(doc, sizeof(doc), "<a>&#27663;&#%05u;&#27663;</a>", c);
			assert_int_equal(feed_chunks(doc, NULL, 0, &v, why, sizeof(why)), -1);
			assert_non_null(strstr(why, "reference"));
			continue;
		}
		if (feed_chunks(doc, NULL, 0, &v, why, sizeof(why)) != 0)
			fail_msg("&#%05u;: %s", c, why);
		n = utf8(want, c);
		memcpy(want + n, want, n);
		want[2 * n] = '\0';
		n = c == 0x9 || c == 0xa || c == 0xd ? (wantv[0] = ' ', 1) : utf8(wantv, c);
		snprintf(wantv + n, sizeof(wantv) - n, ";");
		assert_string_equal(v.text, want);
		assert_memory_equal(v.attrs, "b=", 2);
		assert_string_equal(v.attrs + 2, wantv);
	}
	for (size_t i = 0; i < 5; i++) {
		for (unsigned b = 1; b < 256; b++) {
			char ref[] = "&#12345;";

			ref[2 + i] = (char)b;
			snprintf(doc, sizeof(doc), "<a>%s</a>", ref);
			if (b >= '0' && b <= '9') {
				want[utf8(want, (unsigned)strtoul(ref + 2, NULL, 10))] = '\0';
				assert_int_equal(feed_chunks(doc, NULL, 0, &v, why, sizeof(why)), 0);
				assert_string_equal(v.text, want);
				continue;
			}
			/* "&#123;5;", "&#1234;" and "&#x2345;" are references too */
			assert_int_equal(feed_chunks(doc, NULL, 0, &v, why, sizeof(why)),
			    (b == ';' && i >= 3) || (b == 'x' && i == 0) ? 0 : -1);
		}
	}
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
		cmocka_unit_test(test_tags_one_pass),
		cmocka_unit_test(test_ns_changes),
		cmocka_unit_test(test_five_digit_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
