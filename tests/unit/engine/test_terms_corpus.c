/*
 * test_terms_corpus.c — the false-positive side of the dictionaries over
 * real mail: every message of the corpus that declares a Japanese charset
 * or UTF-8 is scanned with the ministry's marks (秘, 極秘, 取扱注意, 部外秘,
 * 社外秘, 厳秘) as a dictionary; none of them is marked, so none may count
 * (秘書, 秘密, 神秘 … are words, not marks).  The English words
 * "confidential" and "secret" are counted too, and each message where
 * they are found is printed with its count and words, for review.
 *
 * The corpus is $DLP_CORPUS (else ../shared/mime-corpus); without it the
 * test is skipped, saying so (test_corpus.c does the same).
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "detectors/feed.h"
#include "detectors/scan.h"
#include "text/terms.h"
#include "tests/unit/lib/mimetest_util.h"

#define SNIFF 65536		/* bytes of a file looked at for its charset */

/* The file declares a Japanese charset or UTF-8 in its first SNIFF bytes. */
static bool
japanese_or_utf8(const char *path)
{
	static const char *const labels[] = { "iso-2022-jp", "shift_jis", "shift-jis", "euc-jp",
	    "utf-8", "cp932", "windows-31j", NULL };
	char *buf = malloc(SNIFF + 1);
	FILE *fp = fopen(path, "rb");
	size_t n = 0;
	bool hit = false;

	if (fp && buf) {
		n = fread(buf, 1, SNIFF, fp);
		buf[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		for (size_t i = 0; labels[i] && !hit; i++)
			hit = strcasestr(buf, labels[i]) != NULL;
	}
	if (fp)
		fclose(fp);
	free(buf);
	return hit;
}

static void
test_marks_over_corpus(void **state)
{
	const char *env = getenv("DLP_CORPUS");
	char dir[PATH_MAX], path[PATH_MAX * 2], w[4][64];
	struct term_def defs[2] = {
		{ TERM_DICT, "secret", "秘\n極秘\n取扱注意\n部外秘\n社外秘\n厳秘" },
		{ TERM_DICT, "en", "confidential\nsecret" },
	};
	char err[256];
	struct terms *t = terms_new(defs, 2, err, sizeof(err), NULL, NULL);
	struct scan_limits lim = mt_limits();
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1,
	    .spool_dir = "/tmp", .terms = t };
	struct scan_engine *eng;
	struct dirent *de;
	size_t scanned = 0, marked = 0, english = 0;
	DIR *d;

	(void)state;
	assert_non_null(t);
	snprintf(dir, sizeof(dir), "%s", env && *env ? env : "../shared/mime-corpus");
	if (!(d = opendir(dir))) {
		if (env && *env)
			fail_msg("corpus: cannot read %s", dir);
		printf("terms corpus: skipped: no mail corpus at %s (set DLP_CORPUS)\n", dir);
		terms_free(t);
		skip();
	}
	lim.time_budget_ms = 10000;
	opt.limits = lim;
	assert_non_null(eng = scan_engine_new(&opt, err, sizeof(err)));
	while ((de = readdir(d))) {
		struct stat st;
		struct scan_msg *m;
		const struct scan_result *r;
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
		    strcmp(de->d_name, "SOURCES.tsv") == 0 || strcmp(de->d_name, "README.md") == 0 ||
		    !japanese_or_utf8(path))
			continue;
		assert_non_null(fp = fopen(path, "rb"));
		assert_non_null(m = scan_msg_new(eng));
		if (feed_file(m, fp) < 0)
			fail_msg("%s: feed: %s", de->d_name, scan_msg_error(m));
		fclose(fp);
		assert_non_null(r = scan_msg_eom(m));
		scanned++;
		if (scan_result_term(r, 0) > 0) {
			size_t n = scan_result_term_samples(r, 0, w, 4);

			marked++;
			printf("terms corpus: %s: marked %ld (%s%s)\n", de->d_name, scan_result_term(r, 0),
			    n ? w[0] : "", n > 1 ? ", ..." : "");
		}
		if (scan_result_term(r, 1) > 0) {
			size_t n = scan_result_term_samples(r, 1, w, 4);

			english++;
			printf("terms corpus: %s: confidential/secret %ld (%s%s%s)\n", de->d_name,
			    scan_result_term(r, 1), n ? w[0] : "", n > 1 ? ", " : "", n > 1 ? w[1] : "");
		}
		scan_msg_free(m);
	}
	closedir(d);
	printf("terms corpus: %zu messages in Japanese charsets or UTF-8; %zu with a mark, %zu "
	    "with confidential/secret\n", scanned, marked, english);
	assert_true(scanned > 100);
	assert_int_equal(marked, 0);
	scan_engine_free(eng);
	terms_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks_over_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
