/*
 * test_fuzz_regress.c — every input the fuzzers found a bug with, replayed
 * through the same entry point (tests/fuzz/fuzz_entry.c): the file
 * tests/fuzz/regress/TARGET/NAME goes to target TARGET.  Each must run to
 * its end with the entry's invariants holding (they abort otherwise); the
 * sanitizer build (make check SANITIZE=1) and valgrind add memory errors
 * and leaks.  Also every target once on an empty and a small input, so the
 * harness itself is tested in `make check`, not only under `make fuzz`.
 *
 * The entry points (fuzz_entry.c, fuzz_xmltok.c) are compiled into this test (the Makefile links only
 * tests/unit/ helpers into unit tests).
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/fuzz/fuzz_entry.c"
#include "tests/fuzz/fuzz_xmltok.c"

#define REGRESS "tests/fuzz/regress"

/* The bytes of path (malloc'd, at least 1 byte allocated). */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (!fp || fstat(fileno(fp), &st) < 0)
		fail_msg("%s: cannot open", path);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)st.st_size, fp);
	assert_int_equal(*len, (size_t)st.st_size);
	fclose(fp);
	return buf;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Run every file of dir through target t; returns how many. */
static size_t
replay_dir(const struct fuzz_target *t, const char *dir)
{
	struct dirent **names;
	char path[PATH_MAX + NAME_MAX + 2];
	size_t count = 0;
	int n = scandir(dir, &names, NULL, by_name);

	if (n < 0)
		fail_msg("%s: cannot read", dir);
	for (int i = 0; i < n; i++) {
		size_t len;
		uint8_t *data;

		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			data = slurp(path, &len);
			if (t->run(data, len) != 0)
				fail_msg("%s: target %s did not run to its end", path, t->name);
			free(data);
			count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

static void
test_regress(void **state)
{
	struct dirent **names;
	char dir[sizeof(REGRESS) + NAME_MAX + 1];
	size_t files = 0;
	int n = scandir(REGRESS, &names, NULL, by_name);

	if (n < 0)
		fail_msg(REGRESS ": cannot read (run from the repository root)");
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (name[0] != '.') {
			const struct fuzz_target *t = fuzz_target_find(name);

			if (!t)
				fail_msg(REGRESS "/%s: no fuzz target of that name", name);
			snprintf(dir, sizeof(dir), REGRESS "/%s", name);
			files += replay_dir(t, dir);
		}
		free(names[i]);
	}
	free(names);
	assert_true(files > 0);
}

/* Every target, empty input and a short one of its kind. */
static void
test_targets_run(void **state)
{
	static const struct {
		const char *target, *input;
	} small[] = {
		{ "mime", "From: a@example.com\r\nTo: b@example.com\r\n\r\n090-1234-5678\r\n" },
		{ "zip", "PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" },
		{ "ooxml", "PK\3\4" },
		{ "odf", "PK\3\4mimetypeapplication/vnd.oasis.opendocument.text" },
		{ "pdf", "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF" },
		{ "ole", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" },
		{ "rtf", "{\\rtf1\\ansi\\ansicpg932 \\'82\\'a0 090-1234-5678}" },
		{ "xml", "<?xml version=\"1.0\"?><a>taro@example.com</a>" },
		{ "archive", "\x1f\x8b\x08\0\0\0\0\0\0\3" },
		{ "html", "\x01<p>090-<b>1234</b>-5678</p>" },
		{ "text", "\x02\x1b$B$3$s\x1b(B 03-1234-5678" },
		{ "inspect", "taro@example.com 090-1234-5678\n" },
		{ "textscan", "\xef\xbc\x90\xef\xbc\x99\xef\xbc\x90-1234-5678 \xff" },
		{ "conf", "[general]\ninternal_domains = example.go.jp\n[rule r]\nwhen = phone\n"
		    "action = hold\n" },
		{ "expr", "not (phone > 2 or email) and unscanned" },
		{ "xmltok", "\x07<w:t xmlns:w=\"u\" a='&amp;&#x3042;'>x<![CDATA[y]]></w:t>" },
	};
	size_t ntargets = 0;

	for (size_t i = 0; fuzz_targets[i].name; i++)
		ntargets++;
	assert_int_equal(ntargets, sizeof(small) / sizeof(small[0]));
	for (size_t i = 0; i < ntargets; i++) {
		const struct fuzz_target *t = fuzz_target_find(small[i].target);

		assert_non_null(t);
		assert_int_equal(t->run((const uint8_t *)"", 0), 0);
		assert_int_equal(t->run((const uint8_t *)small[i].input, strlen(small[i].input)), 0);
	}
}

static int
teardown(void **state)
{
	fuzz_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regress),
		cmocka_unit_test(test_targets_run),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
