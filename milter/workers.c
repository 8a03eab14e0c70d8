/*
 * workers.c — the daemon's sandbox pool (see workers.h).  The workers run
 * this same binary ("/proc/self/exe --sandbox-worker …", main.c), so a
 * worker is always the daemon's own version, even after the file was
 * replaced by an upgrade.
 */
#include <stdio.h>

#include "config/conf.h"
#include "milter/workers.h"
#include "sandbox/sandbox.h"

static struct sandbox_pool *pool;

int
workers_init(const struct conf *cf, char *err, size_t errlen)
{
	struct sandbox_config c = {
		.program = "/proc/self/exe",
		.workers = (unsigned)cf->workers,
		.max_jobs = (unsigned)cf->worker_jobs,
		.memory = cf->worker_memory,
		.cpu_ms = cf->worker_cpu_ms,
	};

	return (pool = sandbox_pool_new(&c, err, errlen)) ? 0 : -1;
}

int
workers_start(char *err, size_t errlen)
{
	return pool ? sandbox_pool_start(pool, err, errlen) : 0;
}

struct sandbox_pool *
workers_pool(void)
{
	return pool;
}

void
workers_counts(struct stats_counts *c)
{
	struct sandbox_stats st;

	if (!pool)
		return;
	sandbox_pool_stats(pool, &st);
	c->workers = sandbox_pool_size(pool);
	c->worker_started = st.started;
	c->worker_parts = st.jobs;
	c->worker_crashed = st.faults[SB_CRASHED];
	c->worker_over_memory = st.faults[SB_MEMORY];
	c->worker_over_time = st.faults[SB_TIME];
	c->worker_protocol = st.faults[SB_PROTOCOL];
}

void
workers_stop(void)
{
	sandbox_pool_free(pool);
	pool = NULL;
}
