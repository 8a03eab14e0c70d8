/*
 * test_extract_archive.c — tar and gzip/bzip2/xz attachments through the
 * engine (archive.c): members as child parts, names as labels only,
 * a single compressed file, nesting and max_depth, member and part limits,
 * a 1 GB gzip bomb, truncated and corrupt archives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "detectors/scan.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"

static struct df_fixture fx;

static int
setup(void **state)
{
	return df_fixture_setup(state, &fx, "tar bomb", "application/octet-stream");
}

/* The tar's regular files are parts under the archive's path; the
 * directory and the symlink are not; the whole list is found (half of it
 * in a CP932 member). */
static void
expect_people_tar(const char *file, const char *mime)
{
	struct scan_msg *m = df_scan_file(&fx, file);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_part(r, file);
	const struct scan_part *p1 = df_part(r, "list/part1.txt");
	const struct scan_part *p2 = df_part(r, "list/part2.txt");

	assert_non_null(p);
	assert_string_equal(p->detected_type, mime);
	assert_string_equal(p->extractor, "archive");
	assert_null(p->unscanned);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_int_equal(strncmp(p1->path, p->path, strlen(p->path)), 0);
	assert_non_null(strstr(p1->path, "/list/part1.txt"));
	assert_int_equal(p1->counts[FT_EMAIL], 10);
	assert_int_equal(p2->counts[FT_EMAIL], 10);
	assert_int_equal(p2->counts[FT_PHONE], 20);
	assert_null(df_part(r, "list/link.txt"));
	assert_null(df_part(r, "list/"));
	assert_non_null(df_part(r, "list/clean.txt"));
	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	assert_int_equal(scan_result_count(r, FT_PHONE), 40);
	assert_int_equal(r->unscanned + r->encrypted, 0);
	scan_msg_free(m);
}

static void
test_tar(void **state)
{
	expect_people_tar("people.tar", "application/x-tar");
	expect_people_tar("people.tar.gz", "application/gzip");
	expect_people_tar("people.tar.bz2", "application/x-bzip2");
}

/* "../../etc/passwd" is a label: the part path keeps it under the
 * archive's path and nothing is written anywhere. */
static void
test_traversal_names(void **state)
{
	struct stat before, after;
	assert_int_equal(stat("/etc/passwd", &before), 0);
	struct scan_msg *m = df_scan_file(&fx, "people.tar");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = df_part(r, "../../etc/passwd");

	assert_non_null(p);
	assert_non_null(strstr(p->path, "/../../etc/passwd"));
	assert_string_equal(p->detected_type, "text/plain");
	assert_int_equal(stat("/etc/passwd", &after), 0);
	assert_true(before.st_mtime == after.st_mtime && before.st_size == after.st_size);
	scan_msg_free(m);
}

/* A compressed single file is one child, named from the gzip header
 * (FNAME) or from the part's name without its suffix. */
static void
test_single_file(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "people.txt.gz");
	const struct scan_result *r = mt_result(m);
	const struct scan_part *c = df_part(r, "people.txt");

	assert_non_null(c);
	assert_int_equal(c->counts[FT_EMAIL], 20);
	assert_int_equal(c->counts[FT_PHONE], 40);
	scan_msg_free(m);

	m = df_scan_file(&fx, "people.txt.xz");
	r = mt_result(m);
	assert_string_equal(df_part(r, "people.txt.xz")->detected_type, "application/x-xz");
	c = df_part(r, "people.txt");
	assert_non_null(c);
	assert_int_equal(c->counts[FT_EMAIL], 20);
	scan_msg_free(m);

	m = df_scan_file(&fx, "clean.txt.gz");
	df_expect_clean(mt_result(m), "clean.txt");
	scan_msg_free(m);
}

/* nested.tar.gz → inner/people.tar.gz → people.tar's members: read at
 * max_depth 10; with max_depth 2 (the attachment itself is at depth 1)
 * the inner archive is not opened. */
static void
test_nesting(void **state)
{
	struct scan_msg *m = df_scan_file(&fx, "nested.tar.gz");
	const struct scan_result *r = mt_result(m);

	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	assert_non_null(df_part_suffix(r, "/inner/people.tar.gz/list/part1.txt"));
	scan_msg_free(m);

	struct scan_limits lim = mt_limits();
	lim.max_depth = 2;
	struct df_fixture shallow = fx;
	shallow.eng = mt_engine(&lim);
	m = df_scan_file(&shallow, "nested.tar.gz");
	r = mt_result(m);
	df_expect_unscanned(r, "inner/people.tar.gz", "max_depth");
	assert_int_equal(scan_result_count(r, FT_EMAIL), 0);
	scan_msg_free(m);
	scan_engine_free(shallow.eng);
}

static size_t
members(const struct scan_result *r, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nparts; i++)
		if (r->parts[i].filename && strncmp(r->parts[i].filename, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* 3000 members: max_members and max_parts stop the reading, the members
 * read before (the list is in the first 20) are counted. */
static void
test_many_members(void **state)
{
	struct scan_limits lim = mt_limits();
	lim.max_members = 100;
	struct df_fixture few = fx;
	few.eng = mt_engine(&lim);
	struct scan_msg *m = df_scan_file(&few, "many.tar");
	const struct scan_result *r = mt_result(m);

	df_expect_unscanned(r, "many.tar", "max_members");
	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	assert_int_equal(members(r, "many/"), 100);
	scan_msg_free(m);
	scan_engine_free(few.eng);

	m = df_scan_file(&fx, "many.tar");		/* max_parts 500 */
	r = mt_result(m);
	df_expect_unscanned(r, "many.tar", "max_parts");
	assert_true(members(r, "many/") <= 500);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 20);
	scan_msg_free(m);
}

/* bomb.gz under lim: its member is unscanned for why. */
static void
expect_bomb_stopped(const struct scan_limits *lim, const char *why)
{
	struct df_fixture f = fx;
	struct scan_msg *m;

	f.eng = mt_engine(lim);
	m = df_scan_file(&f, "bomb.gz");
	df_expect_unscanned(mt_result(m), "bomb", why);
	scan_msg_free(m);
	scan_engine_free(f.eng);
}

/* 1 GB of zeros in 1 MB of gzip (no FNAME: the member is "bomb", the part
 * name without .gz): stopped by the ratio within the time
 * budget and without the memory; with a higher ratio allowed, the member
 * size limit stops it. */
static void
test_gzip_bomb(void **state)
{
	long rss0 = df_maxrss_kb();
	struct scan_msg *m = df_scan_file(&fx, "bomb.gz");
	const struct scan_result *r = mt_result(m);

	df_expect_unscanned(r, "bomb.gz", NULL);
	df_expect_unscanned(r, "bomb", "max_ratio");
	assert_true(df_maxrss_kb() - rss0 < 100 * 1024);
	scan_msg_free(m);

	struct scan_limits lim = mt_limits();
	lim.max_ratio = 100000;
	lim.max_member_bytes = 8 << 20;
	expect_bomb_stopped(&lim, "max_member_bytes");
	lim.max_member_bytes = 400 << 20;
	lim.max_expanded_bytes = 16 << 20;
	expect_bomb_stopped(&lim, "max_expanded_bytes");
}

/* Truncated .tar.gz and .tar, and a gzip with a broken header, next to a
 * good text part: unscanned with a reason, the text part counted. */
static void
test_truncated_corrupt(void **state)
{
	static const char text[] = "other@example.jp\n";
	size_t gl, tl;
	unsigned char *gz = df_load(fx.dir, "people.tar.gz", &gl);
	unsigned char *tar = df_load(fx.dir, "people.tar", &tl);
	unsigned char bad[64];
	memset(bad, 0x5A, sizeof(bad));
	bad[0] = 0x1F;
	bad[1] = 0x8B;
	bad[2] = 8;
	struct df_att a[] = {
		{ "cut.tar.gz", "application/gzip", gz, gl * 2 / 3 },
		{ "cut.tar", "application/x-tar", tar, 1024 + 100 },
		{ "bad.gz", "application/gzip", bad, sizeof(bad) },
		{ "note.txt", "text/plain", text, sizeof(text) - 1 },
	};
	struct scan_msg *m = df_scan(fx.eng, a, 4);
	const struct scan_result *r = mt_result(m);

	df_expect_unscanned(r, "cut.tar.gz", NULL);
	df_expect_unscanned(r, "cut.tar", NULL);
	df_expect_unscanned(r, "bad.gz", NULL);
	assert_int_equal(df_part(r, "note.txt")->counts[FT_EMAIL], 1);
	assert_true(scan_result_count(r, FT_EMAIL) >= 1);
	scan_msg_free(m);
	free(gz);
	free(tar);
}

/* Zeros at the start of a compressed stream read as a tar's end: the
 * stream is read again as one file, so what follows the zeros is not
 * passed over silently (here: unscanned, libmagic names no type for it). */
static void
test_zero_prefixed(void **state)
{
	static const char tail[] = "hidden@example.jp 090-1234-5678\n";
	unsigned char raw[2048 + sizeof(tail)];
	memset(raw, 0, 2048);
	memcpy(raw + 2048, tail, sizeof(tail) - 1);
	/* a stored (uncompressed) deflate block: gzip without zlib */
	size_t n = 2048 + sizeof(tail) - 1, len = 10 + 5 + n + 8;
	unsigned char *gz = calloc(1, len);
	memcpy(gz, "\x1f\x8b\x08\x00\0\0\0\0\x00\x03", 10);
	gz[10] = 1;
	gz[11] = (unsigned char)n;
	gz[12] = (unsigned char)(n >> 8);
	gz[13] = (unsigned char)~n;
	gz[14] = (unsigned char)(~n >> 8);
	memcpy(gz + 15, raw, n);
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		crc ^= raw[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	crc ^= 0xFFFFFFFFu;
	for (int k = 0; k < 4; k++) {
		gz[15 + n + k] = (unsigned char)(crc >> (8 * k));
		gz[19 + n + k] = (unsigned char)(n >> (8 * k));
	}
	struct df_att a = { "zeros.txt.gz", "application/gzip", gz, len };
	struct scan_msg *m = df_scan(fx.eng, &a, 1);
	const struct scan_part *c = df_part(mt_result(m), "zeros.txt");

	assert_non_null(c);
	assert_int_equal(c->size, n);
	assert_true(c->unscanned != NULL || c->counts[FT_EMAIL] == 1);
	scan_msg_free(m);
	free(gz);
}

/* Mutated and cut copies: always a result, never a word on stdout/stderr. */
static void
test_mutants(void **state)
{
	static const char *const files[] = { "people.tar.gz", "people.tar", "people.tar.bz2",
		"people.txt.xz", "nested.tar.gz", NULL };

	df_expect_mutants(&fx, files, 16, 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar),
		cmocka_unit_test(test_traversal_names),
		cmocka_unit_test(test_single_file),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_many_members),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_truncated_corrupt),
		cmocka_unit_test(test_zero_prefixed),
		cmocka_unit_test(test_mutants),
	};

	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
