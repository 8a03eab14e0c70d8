/*
 * test_extract_xml.c — XML attachments through the engine (xml.c):
 * UTF-8 and Shift_JIS documents with data in elements and attributes, an
 * entity bomb, an external entity, internal entities, truncated XML, a
 * byte invalid in the encoding, mutated copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detectors/scan.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"

static struct df_fixture fx;

static int
setup(void **state)
{
	return df_fixture_setup(state, &fx, "xml", "application/xml");
}

/* Landlines in attributes, mobiles in elements (full-width in the
 * Shift_JIS file, whose bytes are CP932). */
static void
test_people(void **state)
{
	static const char *const files[] = { "people.xml", "people_sjis.xml", NULL };

	for (size_t i = 0; files[i] != NULL; i++) {
		struct scan_msg *m = df_scan_file(&fx, files[i]);
		df_expect_read(mt_result(m), files[i], "text/xml", "xml", 20, 40);
		scan_msg_free(m);
	}
}

static void
test_clean(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "clean.xml");

	df_expect_clean(mt_result(m), "clean.xml");
	scan_msg_free(m);
}

/* Billion laughs: refused quickly, without the memory it asks for. */
static void
test_entity_bomb(void **state)
{
	long rss0 = df_maxrss_kb();
	struct scan_msg *m = df_scan_file(&fx, "bomb.xml");

	df_expect_unscanned(mt_result(m), "bomb.xml", "corrupt xml");
	assert_true(df_maxrss_kb() - rss0 < 64 * 1024);
	scan_msg_free(m);
}

/* An external entity naming a local file with an address in it: the file
 * is not read; the document's own address is. */
static void
test_external_entity(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "xxe.xml");
	const struct scan_result *r = mt_result(m);
	char s[4][64];

	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
	assert_int_equal(scan_result_samples(r, FT_EMAIL, s, 4), 1);
	assert_non_null(strstr(s[0], "example.jp"));
	assert_int_equal(scan_result_count(r, FT_PHONE), 0);	/* secret.txt's number */
	scan_msg_free(m);
}

/* Data put in internal entities is seen (their literal values, with no
 * expansion), as are attribute values and CDATA. */
static void
test_internal_entities(void **state)
{
	static const char xml[] =
	    "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n"
	    "<!ENTITY p \"hidden@example.jp\">\n<!ENTITY q \"&p; 090-1234-5678\">\n]>\n"
	    "<r><x>&q;</x><y k=\"03-1111-2222\"><![CDATA[cdata@example.jp]]></y>"
	    "<z>visible@example.jp</z></r>\n";
	struct scan_msg *m = df_scan_mem(&fx, xml, sizeof(xml) - 1, "ent.xml");
	const struct scan_result *r = mt_result(m);

	assert_null(df_part(r, "ent.xml")->unscanned);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 3);
	assert_int_equal(scan_result_count(r, FT_PHONE), 2);
	scan_msg_free(m);
}

/* A cut document: unscanned, its first records still counted, the other
 * part of the message counted. */
static void
test_truncated(void **state)
{
	static const char text[] = "other@example.jp\n";
	size_t len;
	unsigned char *d = df_load(fx.dir, "people.xml", &len);
	struct df_att a[] = {
		{ "cut.xml", "application/xml", d, len / 2 },
		{ "note.txt", "text/plain", text, sizeof(text) - 1 },
	};
	struct scan_msg *m = df_scan(fx.eng, a, 2);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_expect_unscanned(r, "cut.xml", "corrupt xml");

	assert_true(p->counts[FT_EMAIL] > 0 && p->counts[FT_EMAIL] < 20);
	assert_int_equal(df_part(r, "note.txt")->counts[FT_EMAIL], 1);
	assert_int_equal(r->unscanned, 1);
	scan_msg_free(m);
	free(d);
}

/* One byte invalid in the document's encoding (a Latin-1 é in UTF-8) stops
 * libxml2 before it delivers a node: the document is read as plain text,
 * the whole list found, the part marked. */
static void
test_stray_byte(void **state)
{
	size_t len;
	unsigned char *d = df_load(fx.dir, "people.xml", &len);
	unsigned char *t = (unsigned char *)strstr((char *)d, "<title>");
	assert_non_null(t);
	t[1] = 0xE9;
	struct scan_msg *m = df_scan_mem(&fx, d, len, "stray.xml");
	const struct scan_part *p = df_expect_unscanned(mt_result(m), "stray.xml",
	    "read as plain text");

	assert_int_equal(p->counts[FT_EMAIL], 20);
	assert_int_equal(p->counts[FT_PHONE], 40);
	scan_msg_free(m);
	free(d);
}

/* Mutated and cut copies: always a result, never a word on stdout/stderr. */
static void
test_mutants(void **state)
{
	static const char *const files[] = { "people.xml", "people_sjis.xml", "bomb.xml", NULL };

	df_expect_mutants(&fx, files, 40, 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_people),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_entity_bomb),
		cmocka_unit_test(test_external_entity),
		cmocka_unit_test(test_internal_entities),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_stray_byte),
		cmocka_unit_test(test_mutants),
	};

	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
