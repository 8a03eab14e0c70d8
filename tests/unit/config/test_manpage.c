/*
 * test_manpage.c — the manual pages against the code: the KEYS part of
 * man/dlp-milter.conf.5 is conf_print_keys_man()'s output verbatim (the
 * one key table, config/conf_keys.c), so code and page cannot drift; every
 * key of the table is there; and the pages are plain ASCII roff with no
 * line that troff would take for a request by mistake.  (That they render
 * without a warning is checked by `make check-package` with groff and
 * man-db, on the installed pages.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"

#define BEGIN_MARK ".\\\" BEGIN KEYS (dlp-milter -M)\n"
#define END_MARK ".\\\" END KEYS\n"

static char *slurp(const char *rel)
{
	const char *root = getenv("DLP_SRCDIR");
	char path[512];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	if (!(fp = fopen(path, "r")))
		fail_msg("cannot read %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), n);
	fclose(fp);
	return buf;
}

static void test_keys_part(void **state)
{
	char *page = slurp("man/dlp-milter.conf.5"), *gen = NULL, *begin, *end;
	size_t len = 0;
	FILE *fp = open_memstream(&gen, &len);

	assert_non_null(fp);
	conf_print_keys_man(fp);
	fclose(fp);
	begin = strstr(page, BEGIN_MARK);
	assert_non_null(begin);
	begin += strlen(BEGIN_MARK);
	end = strstr(begin, END_MARK);
	assert_non_null(end);
	if ((size_t)(end - begin) != len || memcmp(begin, gen, len) != 0)
		fail_msg("man/dlp-milter.conf.5: the KEYS part differs from dlp-milter -M "
		    "(run make keys)");
	free(gen);
	free(page);
}

/* Each key of the table has its own .TP entry, in its section. */
static void test_every_key(void **state)
{
	char *page = slurp("man/dlp-milter.conf.5"), want[256], sec[64];

	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];

		assert_null(strchr(k->name, '-'));	/* else roff writes it \- */
		snprintf(want, sizeof(want), ".TP\n\\fB%s\\fR (", k->name);
		snprintf(sec, sizeof(sec), ".SS \"[%s", k->section);
		assert_non_null(strstr(page, sec));
		if (!strstr(strstr(page, sec), want))
			fail_msg("no entry for [%s] %s", k->section, k->name);
	}
	free(page);
}

static void test_plain_roff(void **state)
{
	static const char *const pages[] = { "man/dlp-milter.8", "man/dlpctl.8", "man/dlp-web.8",
	    "man/dlp-milter.conf.5" };

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *page = slurp(pages[i]);
		int line = 1;

		for (const char *p = page; *p; p++) {
			if ((unsigned char)*p >= 0x80 || (*p < 0x20 && *p != '\n'))
				fail_msg("%s:%d: not printable ASCII", pages[i], line);
			if (*p == '\n')
				line++;
			/* a text line may not start with ' (a request) */
			if ((p == page || p[-1] == '\n') && *p == '\'')
				fail_msg("%s:%d: line starts with '", pages[i], line);
		}
		assert_non_null(strstr(page, ".TH "));
		assert_non_null(strstr(page, ".SH NAME\n"));
		free(page);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_part),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_plain_roff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
