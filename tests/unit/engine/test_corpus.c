/*
 * test_corpus.c — robustness over real-world and malformed mail: every
 * message of the corpus (1,141 files kept outside the repository) must end
 * in a result, with no crash, hang or leak (run under ASan and valgrind).
 *
 * The directory is $DLP_CORPUS, else ../shared/mime-corpus beside the
 * repository root (found upwards from the working directory).  A clone of
 * the repository alone has neither: the test is then skipped, with one line
 * saying why (counted as skipped, never as passed), and the project's own
 * tests carry the same ground with messages they make (test_hostile.c:
 * malformed structure, nesting, huge headers; the mime/ and text/ tests:
 * Japanese encodings).  A DLP_CORPUS that is set but unreadable fails.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "detectors/feed.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

#define HANG_SECONDS 120	/* one message taking this long is a hang */

/* The corpus directory into buf, or NULL. */
static const char *
corpus_dir(char *buf, size_t len)
{
	const char *env = getenv("DLP_CORPUS");
	char cwd[PATH_MAX], probe[PATH_MAX + 32];
	struct stat st;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	for (;;) {
		snprintf(probe, sizeof(probe), "%s/detectors/scan.h", cwd);
		if (stat(probe, &st) == 0)
			return snprintf(buf, len, "%s/../shared/mime-corpus", cwd) < (int)len ? buf : NULL;
		char *slash = strrchr(cwd, '/');

		if (!slash || slash == cwd)
			return NULL;
		*slash = '\0';
	}
}

static bool
is_message(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (name[0] == '.' || strcmp(name, "README.md") == 0 || strcmp(name, "SOURCES.tsv") == 0)
		return false;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
test_corpus(void **state)
{
	char dirbuf[PATH_MAX], path[PATH_MAX * 2], slowest[NAME_MAX + 1] = "";
	const char *dir = corpus_dir(dirbuf, sizeof(dirbuf));
	struct scan_limits lim = mt_limits();
	struct scan_engine *eng;
	struct dirent **names;
	struct rusage ru;
	size_t messages = 0, parts = 0, unscanned = 0;
	double t0 = now_ms(), worst = 0;
	int n;

	if (!dir)
		fail_msg("corpus: no repository root above the working directory; "
		    "set DLP_CORPUS to the mime-corpus directory");
	if (!(getenv("DLP_CORPUS") && *getenv("DLP_CORPUS")) && access(dir, F_OK) != 0) {
		printf("corpus: skipped: no mail corpus at %s (it lives outside the repository; "
		    "set DLP_CORPUS to a mime-corpus directory to run it)\n", dir);
		skip();
	}
	n = scandir(dir, &names, NULL, by_name);
	if (n < 0)
		fail_msg("corpus: cannot read %s (set DLP_CORPUS to the mime-corpus directory)", dir);
	lim.spool_memory = 64 * 1024;	/* big ones go through the temp file */
	lim.time_budget_ms = 10000;
	eng = mt_engine(&lim);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		struct scan_msg *m;
		const struct scan_result *r;
		FILE *fp;
		double t;

		if (!is_message(dir, name)) {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fp = fopen(path, "rb");
		if (!fp)
			fail_msg("corpus: %s: cannot open", path);
		t = now_ms();
		alarm(HANG_SECONDS);	/* a hang ends the test with SIGALRM */
		m = scan_msg_new(eng);
		assert_non_null(m);
		if (feed_file(m, fp) < 0)
			fail_msg("corpus: %s: feed failed: %s", name, scan_msg_error(m));
		fclose(fp);
		r = scan_msg_eom(m);
		if (!r)
			fail_msg("corpus: %s: no result: %s", name, scan_msg_error(m));
		alarm(0);
		parts += r->nparts;
		unscanned += r->unscanned;
		messages++;
		scan_msg_free(m);
		t = now_ms() - t;
		if (t > worst) {
			worst = t;
			snprintf(slowest, sizeof(slowest), "%s", name);
		}
		free(names[i]);
	}
	free(names);
	scan_engine_free(eng);
	getrusage(RUSAGE_SELF, &ru);
	printf("corpus: %zu messages from %s in %.0f ms (slowest %.0f ms: %s), %zu parts, "
	    "%zu unscanned, peak RSS %ld MB\n", messages, dir, now_ms() - t0, worst, slowest,
	    parts, unscanned, ru.ru_maxrss / 1024);
	if (messages == 0)
		fail_msg("corpus: no message in %s", dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
