/*
 * bench_clock.h — the clock and the median the bench programs read their
 * figures with (header only: each program is one object, see Makefile).
 */
#ifndef DLP_BENCH_CLOCK_H
#define DLP_BENCH_CLOCK_H

#include <stdlib.h>
#include <time.h>

/* Seconds on clock c: CLOCK_MONOTONIC for wall time,
 * CLOCK_THREAD_CPUTIME_ID or CLOCK_PROCESS_CPUTIME_ID for CPU. */
static inline double
bench_seconds(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0), v sorted on the way. */
static inline double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return v[n / 2];
}

#endif
