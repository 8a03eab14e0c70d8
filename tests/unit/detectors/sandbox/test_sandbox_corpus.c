/*
 * test_sandbox_corpus.c — the mail corpus (../shared/mime-corpus or
 * $DLP_CORPUS, outside the repository; skipped, saying so, without it)
 * read with its attachments in sandboxed workers gives exactly what it
 * gives in-process, message by message: no system call the seccomp filter
 * refuses, no limit the worker applies differently, no part lost or added
 * in the hand-over.  This binary is its own worker program.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "detectors/feed.h"
#include "detectors/scan.h"
#include "sandbox/sandbox.h"
#include "tests/unit/lib/mimetest_util.h"
#include "tests/unit/lib/resultsig.h"

/* The signature of path scanned by eng (malloc'd). */
static char *
scan_file(const struct scan_engine *eng, const char *path)
{
	struct scan_msg *m = scan_msg_new(eng);
	FILE *fp = fopen(path, "r");
	const struct scan_result *r;
	char *sig;

	assert_non_null(m);
	assert_non_null(fp);
	assert_int_equal(feed_file(m, fp), 0);
	fclose(fp);
	assert_non_null(r = scan_msg_eom(m));
	sig = rs_signature(r);
	scan_msg_free(m);
	return sig;
}

static void
test_corpus_same_in_workers(void **state)
{
	static const char *const internal[] = { "example.go.jp" };
	const char *dir = getenv("DLP_CORPUS");
	struct sandbox_config cfg = { "/proc/self/exe", 2, 200, 1ULL << 30, 60000 };
	struct sandbox_pool *pool;
	struct scan_engine *here, *sand;
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1,
	    .spool_dir = "/tmp", .limits = mt_limits() };
	struct sandbox_stats st;
	char err[256], path[4096];
	struct dirent *e;
	unsigned files = 0, differ = 0;
	DIR *d;

	if (!dir || !*dir || !(d = opendir(dir))) {
		printf("corpus: skipped: no mail corpus (DLP_CORPUS=%s; make check sets it when "
		    "../shared/mime-corpus is there)\n", dir ? dir : "");
		skip();
	}
	assert_non_null(pool = sandbox_pool_new(&cfg, err, sizeof(err)));
	assert_int_equal(sandbox_pool_start(pool, err, sizeof(err)), 0);
	assert_non_null(here = scan_engine_new(&opt, err, sizeof(err)));
	opt.sandbox = pool;
	assert_non_null(sand = scan_engine_new(&opt, err, sizeof(err)));
	while ((e = readdir(d))) {
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		char *a = scan_file(here, path), *b = scan_file(sand, path);
		files++;
		if (strcmp(a, b) != 0) {
			if (differ++ < 5)
				printf("differs in a worker: %s\n--- in-process\n%s--- worker\n%s",
				    e->d_name, a, b);
		}
		free(a);
		free(b);
	}
	closedir(d);
	sandbox_pool_stats(pool, &st);
	printf("corpus: %u messages, %llu attachments read in workers, %u differ\n", files,
	    (unsigned long long)st.jobs, differ);
	assert_true(files > 100);
	assert_true(st.jobs > 0);
	assert_int_equal(differ, 0);
	for (int f = 0; f < SB_FAULT_COUNT; f++)
		assert_int_equal(st.faults[f], 0);
	scan_engine_free(sand);
	scan_engine_free(here);
	sandbox_pool_free(pool);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_same_in_workers),
	};

	if (argc > 1 && strcmp(argv[1], SANDBOX_WORKER_ARG) == 0)
		sandbox_worker_main(argc - 2, argv + 2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
