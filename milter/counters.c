/*
 * counters.c — the daemon's live counters and their writer thread
 * (see counters.h).  The file goes to the current runtime's var_dir, so a
 * reload that moves var_dir moves it too.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "config/conf.h"
#include "milter/context.h"
#include "milter/counters.h"
#include "milter/log.h"
#include "milter/runtime.h"
#include "milter/workers.h"

static struct stats live;
static time_t started;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static bool stopping, running;
static pthread_t tid;

uint64_t counters_since_us(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - start->tv_sec) * 1000000 +
	    (uint64_t)((now.tv_nsec - start->tv_nsec) / 1000);
}

void counters_verdict(enum stats_action a, uint64_t us)
{
	stats_verdict(&live, a, us);
}

void counters_error(bool tempfail, bool timed, uint64_t us)
{
	stats_error(&live, tempfail, timed, us);
}

void counters_delay_release(bool sent)
{
	stats_delay_release(&live, sent);
}

static void write_file(bool stopped);

void counters_reload(bool ok, const char *msg)
{
	stats_reload(&live, ok, msg);
	if (running)
		write_file(false);	/* at once: dlpctl reload waits for it */
}

/* The daemon's heap: what the program holds, and what glibc took from the
 * system for it (its arenas and mmap'd blocks). */
static void heap_counts(struct stats_counts *c)
{
	struct mallinfo2 mi = mallinfo2();

	c->heap_in_use = mi.uordblks + mi.hblkhd;
	c->heap_held = mi.arena + mi.hblkhd;
}

/* Write stats.json; a failure is logged once until a write succeeds. */
static void write_file(bool stopped)
{
	static bool failing;
	struct runtime *rt = runtime_get();
	struct stats_counts c;
	char path[4096], err[512];

	if (!rt)
		return;
	conf_var_path(rt->conf, "stats.json", path, sizeof(path));
	runtime_put(rt);
	stats_snapshot(&live, &c);
	workers_counts(&c);
	heap_counts(&c);
	if (stats_write(path, &c, (long)getpid(), started, time(NULL), stopped, err,
	    sizeof(err)) == -1) {
		if (!failing)
			log_msg(LOG_WARNING, "live counters: %s", err);
		failing = true;
	} else
		failing = false;
}

static void *writer(void *arg)
{
	struct timespec until;

	pthread_mutex_lock(&mu);
	while (!stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += STATS_PERIOD;
		while (!stopping && pthread_cond_timedwait(&cv, &mu, &until) == 0)
			;
		if (stopping)
			break;
		pthread_mutex_unlock(&mu);
		write_file(false);
		/* glibc keeps what a burst of sessions freed in its per-thread
		 * arenas; once the daemon is idle, hand it back to the system.
		 * Not under load: the pages would only be faulted in again. */
		if (msgs_quiet())
			malloc_trim(0);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int counters_start(void)
{
	pthread_condattr_t ca;

	stats_init(&live);
	started = time(NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
	write_file(false);	/* at once: `dlpctl stats` sees the daemon from the start */
	if (pthread_create(&tid, NULL, writer, NULL) != 0)
		return -1;
	running = true;
	return 0;
}

void counters_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(tid, NULL);
	running = false;
	write_file(true);
}
