/*
 * test_sandbox_terms.c — the config's dictionaries and patterns in the
 * sandbox workers: an attachment read in a worker gives the same counts
 * and samples as read here; a worker given other terms (a reload) compiles
 * them and matches the new ones; a catastrophic pattern in a worker ends
 * at its budget, the part unscanned.
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
#include "sandbox/sandbox.h"
#include "text/terms.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"

static struct sandbox_pool *
pool_new(void)
{
	struct sandbox_config cfg = { "/proc/self/exe", 1, 100, 0, 30000 };
	char err[256] = "";
	struct sandbox_pool *p = sandbox_pool_new(&cfg, err, sizeof(err));

	if (!p || sandbox_pool_start(p, err, sizeof(err)) < 0)
		fail_msg("pool: %s", err);
	return p;
}

static struct terms *
terms(const char *dict, const char *regex)
{
	struct term_def d[2] = { { TERM_DICT, "secret", dict }, { TERM_PATTERN, "emp", regex } };
	char err[256];
	struct terms *t = terms_new(d, 2, err, sizeof(err), NULL, NULL);

	if (!t)
		fail_msg("terms: %s", err);
	return t;
}

static struct scan_engine *
engine(struct sandbox_pool *pool, const struct terms *t)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1,
	    .spool_dir = "/tmp", .limits = mt_limits(), .sandbox = pool, .terms = t };
	char err[256] = "";
	struct scan_engine *eng = scan_engine_new(&opt, err, sizeof(err));

	if (!eng)
		fail_msg("scan_engine_new: %s", err);
	return eng;
}

/* An HTML attachment with a file name: read in a worker when pool is set. */
static struct scan_msg *
scan_html(const struct scan_engine *eng, const char *html)
{
	struct df_att att = { "memo.html", "text/html", html, strlen(html) };

	return df_scan(eng, &att, 1);
}

#define DOC "<html><body><p>【極秘】人事案</p><p>EMP-123456, EMP-654321, EMP-123456</p>" \
	"<p>秘書課より</p></body></html>"

static void
check_doc(const struct scan_result *r)
{
	char s[4][64];

	assert_int_equal(r->nterms, 2);
	assert_int_equal(scan_result_term(r, 0), 1);	/* 極秘 once; 秘書課 is no mark */
	assert_int_equal(scan_result_term(r, 1), 2);	/* two distinct numbers */
	assert_int_equal(scan_result_term_samples(r, 0, s, 4), 1);
	assert_string_equal(s[0], "極秘");
	assert_int_equal(scan_result_term_samples(r, 1, s, 4), 2);
	assert_string_equal(s[0], "E********6");
}

static void
test_same_as_in_process(void **state)
{
	struct terms *t = terms("秘\n極秘\n部外秘", "EMP-[0-9]{6}");
	struct sandbox_pool *pool = pool_new();
	struct scan_engine *here = engine(NULL, t), *sand = engine(pool, t);
	struct scan_msg *a = scan_html(here, DOC), *b = scan_html(sand, DOC);
	struct sandbox_stats st;

	(void)state;
	check_doc(mt_result(a));
	check_doc(mt_result(b));
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.jobs, 1);	/* the html attachment went to the worker */
	scan_msg_free(a);
	scan_msg_free(b);
	scan_engine_free(here);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
	terms_free(t);
}

/* The same worker, other terms: it compiles the new ones. */
static void
test_new_terms(void **state)
{
	struct terms *t1 = terms("秘\n極秘", "EMP-[0-9]{6}"), *t2 = terms("社外秘", "ID[0-9]{3}");
	struct sandbox_pool *pool = pool_new();
	struct scan_engine *e1 = engine(pool, t1), *e2 = engine(pool, t2);
	const char *doc = "<p>社外秘 ID123 ID124</p><p>極秘</p>";
	struct scan_msg *a = scan_html(e1, doc), *b = scan_html(e2, doc), *c = scan_html(e1, doc);
	/* the same terms again: sent as TERMS_AGAIN, the worker's own copy used */
	struct scan_msg *d = scan_html(e1, doc);
	struct sandbox_stats st;

	(void)state;
	assert_int_equal(scan_result_term(mt_result(a), 0), 1);	/* 極秘 (社外秘's 秘 has a kanji before it) */
	assert_int_equal(scan_result_term(mt_result(a), 1), 0);
	assert_int_equal(scan_result_term(mt_result(b), 0), 1);	/* 社外秘 */
	assert_int_equal(scan_result_term(mt_result(b), 1), 2);
	assert_int_equal(scan_result_term(mt_result(c), 0), 1);	/* and back */
	assert_int_equal(scan_result_term(mt_result(d), 0), 1);
	assert_int_equal(scan_result_term(mt_result(d), 1), 0);
	assert_null(df_part(mt_result(d), "memo.html")->unscanned);
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.jobs, 4);
	assert_int_equal(st.started, 1);	/* one worker did all four */
	scan_msg_free(a);
	scan_msg_free(b);
	scan_msg_free(c);
	scan_msg_free(d);
	scan_engine_free(e1);
	scan_engine_free(e2);
	sandbox_pool_free(pool);
	terms_free(t1);
	terms_free(t2);
}

/* (a+)+$ over 20000 a's and a b, in a worker: the budget ends it, the
 * part is unscanned with the reason, the worker is not lost. */
static void
test_budget_in_worker(void **state)
{
	struct terms *t = terms("秘", "(a+)+$");
	struct sandbox_pool *pool = pool_new();
	struct scan_engine *sand = engine(pool, t);
	size_t n = 20000;
	char *doc = malloc(n + 16);
	const struct scan_part *p;
	struct scan_msg *m;
	struct sandbox_stats st;

	(void)state;
	memcpy(doc, "<p>", 3);
	memset(doc + 3, 'a', n);
	strcpy(doc + 3 + n, "b</p>");
	m = scan_html(sand, doc);
	assert_int_equal(scan_result_term(mt_result(m), 1), 0);
	assert_non_null(p = df_part(mt_result(m), "memo.html"));
	assert_non_null(p->unscanned);
	assert_non_null(strstr(p->unscanned, "match budget of emp spent"));
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.faults[SB_CRASHED] + st.faults[SB_TIME] + st.faults[SB_PROTOCOL], 0);
	scan_msg_free(m);
	free(doc);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
	terms_free(t);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_in_process),
		cmocka_unit_test(test_new_terms),
		cmocka_unit_test(test_budget_in_worker),
	};

	if (argc > 1 && strcmp(argv[1], SANDBOX_WORKER_ARG) == 0)
		sandbox_worker_main(argc - 2, argv + 2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
