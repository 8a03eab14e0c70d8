/*
 * test_stats.c — the daemon's live counters (quarantine/stats.h): bucket
 * edges of the answer-time histogram, percentiles against the exact ones
 * of known samples (within one bucket, never above the maximum), counts
 * under four threads at once, and stats.json: its fields, written through
 * a temp file and a rename with mode 0600, and a failed write that leaves
 * the old file as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarantine/stats.h"

/* Every bucket starts where the one before ends, and they grow by 2^(1/4). */
static void test_bucket_edges(void **state)
{
	assert_int_equal(stats_bucket(0), 0);
	assert_int_equal(stats_bucket(15), 0);
	assert_int_equal(stats_bucket(16), 1);
	assert_int_equal(stats_bucket_upper(0), 16);
	for (unsigned b = 1; b < STATS_BUCKETS - 1; b++) {
		uint64_t lo = stats_bucket_upper(b - 1), hi = stats_bucket_upper(b);

		assert_true(hi > lo);
		assert_int_equal(stats_bucket(lo), b);
		assert_int_equal(stats_bucket(hi - 1), b);
		assert_int_equal(stats_bucket(hi), b + 1);
		if (b > 8) {	/* rounding aside, each bound is 1.19 times the last */
			assert_true(hi * 1000 >= lo * 1180);
			assert_true(hi * 1000 <= lo * 1200);
		}
	}
	/* An hour (time_budget's bound) still has a bucket of its own. */
	assert_true(stats_bucket(3600ULL * 1000000) < STATS_BUCKETS - 1);
	assert_int_equal(stats_bucket(UINT64_MAX), STATS_BUCKETS - 1);
	assert_int_equal(stats_bucket_upper(STATS_BUCKETS - 1), UINT64_MAX);
}

/* The exact pct-th percentile (nearest rank) of sorted v[n]. */
static uint64_t exact(const uint64_t *v, size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;

	return v[rank - 1];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_percentiles(void **state)
{
	enum { N = 1000 };
	static const unsigned pcts[] = { 1, 50, 90, 99, 100 };
	struct stats s;
	struct stats_counts c;
	uint64_t v[N], sum = 0, seed = 12345;

	stats_init(&s);
	for (size_t i = 0; i < N; i++) {
		/* a skewed spread, 20 us .. 20 s, like real answer times */
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		v[i] = 20 + (seed >> 33) % 2000 * ((seed >> 20) % 7 == 0 ? 10000 : 10);
		sum += v[i];
		stats_verdict(&s, (enum stats_action)(i % STATS_ACTION_COUNT), v[i]);
	}
	stats_snapshot(&s, &c);
	qsort(v, N, sizeof(v[0]), cmp_u64);
	assert_int_equal(c.timed, N);
	assert_int_equal(c.messages, N);
	assert_int_equal(c.max_us, v[N - 1]);
	assert_int_equal(c.sum_us, sum);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t want = exact(v, N, pcts[i]), got = stats_percentile(&c, pcts[i]);

		/* the upper bound of the bucket that holds the exact value */
		assert_true(got >= want);
		assert_true(got <= c.max_us);
		assert_true(got == c.max_us || got == stats_bucket_upper(stats_bucket(want)));
	}
	assert_int_equal(stats_percentile(&c, 100), v[N - 1]);
	for (int a = 0; a < STATS_ACTION_COUNT; a++)
		assert_int_equal(c.actions[a], N / STATS_ACTION_COUNT);
	stats_destroy(&s);
}

static void test_single_and_empty(void **state)
{
	struct stats s;
	struct stats_counts c;

	stats_init(&s);
	stats_snapshot(&s, &c);
	assert_int_equal(stats_percentile(&c, 50), 0);
	stats_verdict(&s, STATS_HOLD, 1000);
	stats_snapshot(&s, &c);
	/* one time of 1 ms: every percentile is 1 ms, not its bucket's bound */
	assert_int_equal(stats_percentile(&c, 50), 1000);
	assert_int_equal(stats_percentile(&c, 99), 1000);
	/* an error at end of message is a message and a time; one before is neither */
	stats_error(&s, true, true, 5000);
	stats_error(&s, false, false, 0);
	stats_snapshot(&s, &c);
	assert_int_equal(c.messages, 2);
	assert_int_equal(c.errors, 2);
	assert_int_equal(c.tempfails, 1);
	assert_int_equal(c.timed, 2);
	assert_int_equal(c.actions[STATS_HOLD], 1);
	assert_int_equal(c.actions[STATS_ACCEPT], 0);
	assert_int_equal(c.max_us, 5000);
	stats_destroy(&s);
}

#define THREADS 4
#define PER_THREAD 20000

static void *hammer(void *arg)
{
	struct stats *s = arg;

	for (unsigned i = 0; i < PER_THREAD; i++)
		stats_verdict(s, STATS_ACCEPT, i);
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[THREADS];
	struct stats s;
	struct stats_counts c;
	uint64_t inbuckets = 0;

	stats_init(&s);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &s), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	stats_snapshot(&s, &c);
	for (unsigned b = 0; b < STATS_BUCKETS; b++)
		inbuckets += c.hist[b];
	assert_int_equal(c.messages, THREADS * PER_THREAD);
	assert_int_equal(c.actions[STATS_ACCEPT], THREADS * PER_THREAD);
	assert_int_equal(inbuckets, THREADS * PER_THREAD);
	assert_int_equal(c.sum_us, (uint64_t)THREADS * PER_THREAD * (PER_THREAD - 1) / 2);
	stats_destroy(&s);
}

static void test_file(void **state)
{
	char dir[] = "/tmp/dlp-stats-XXXXXX", path[256], tmp[300], err[256];
	struct stats s;
	struct stats_counts c;
	json_error_t jerr;
	json_t *j, *scan;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stats.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	stats_init(&s);
	stats_verdict(&s, STATS_REJECT, 2500);
	stats_verdict(&s, STATS_ACCEPT, 700);
	stats_error(&s, true, true, 40000);
	stats_snapshot(&s, &c);
	c.heap_in_use = 5 << 20;	/* filled in by the daemon, in bytes */
	c.heap_held = (70 << 20) + 1023;
	assert_int_equal(stats_write(path, &c, 4242, 1764000000, 1764000042, false, err,
	    sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(access(tmp, F_OK), -1);
	j = json_load_file(path, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 4242);
	assert_int_equal(json_integer_value(json_object_get(j, "started_epoch")), 1764000000);
	assert_int_equal(json_integer_value(json_object_get(j, "updated_epoch")), 1764000042);
	assert_int_equal(json_integer_value(json_object_get(j, "period")), STATS_PERIOD);
	assert_true(json_is_false(json_object_get(j, "stopped")));
	assert_int_equal(json_integer_value(json_object_get(j, "messages")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "errors")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "tempfails")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "actions"),
	    "reject")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "actions"),
	    "hold")), 0);
	scan = json_object_get(j, "scan_ms");
	assert_int_equal(json_integer_value(json_object_get(scan, "count")), 3);
	assert_true(json_real_value(json_object_get(scan, "max")) == 40.0);
	assert_true(json_real_value(json_object_get(scan, "p50")) >= 2.5);
	assert_true(json_real_value(json_object_get(scan, "p50")) <= 3.0);
	assert_true(json_real_value(json_object_get(scan, "mean")) == 14.4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "memory"),
	    "heap_in_use_kb")), 5 * 1024);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "memory"),
	    "heap_held_kb")), 70 * 1024);
	json_decref(j);

	/* A write that fails leaves the file it would have replaced. */
	assert_int_equal(mkdir(tmp, 0700), 0);	/* path.tmp cannot be opened as a file */
	assert_int_equal(stats_write(path, &c, 1, 1, 2, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write"));
	j = json_load_file(path, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 4242);
	json_decref(j);
	rmdir(tmp);
	unlink(path);
	rmdir(dir);
	stats_destroy(&s);
}

/* A delay is its own answer (not a hold), and the timer's releases are
 * counted: sent on time, or tried and left for a retry. */
static void test_delays(void **state)
{
	struct stats s;
	struct stats_counts c;
	json_t *j, *d;

	stats_init(&s);
	stats_verdict(&s, STATS_DELAY, 900);
	stats_verdict(&s, STATS_DELAY, 900);
	stats_verdict(&s, STATS_HOLD, 900);
	stats_delay_release(&s, true);
	stats_delay_release(&s, false);
	stats_delay_release(&s, false);
	stats_snapshot(&s, &c);
	assert_int_equal(c.actions[STATS_DELAY], 2);
	assert_int_equal(c.actions[STATS_HOLD], 1);
	assert_int_equal(c.delay_sent, 1);
	assert_int_equal(c.delay_failed, 2);
	assert_string_equal(stats_action_name(STATS_DELAY), "delay");
	j = stats_json(&c, 1, 1764000000, 1764000001, false);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "actions"),
	    "delay")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "actions"),
	    "hold")), 1);
	d = json_object_get(j, "delays");
	assert_non_null(d);
	assert_int_equal(json_integer_value(json_object_get(d, "delayed")), 2);
	assert_int_equal(json_integer_value(json_object_get(d, "sent_on_time")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "failed_tries")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "messages")), 3);
	json_decref(j);
	stats_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_single_and_empty),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_delays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
