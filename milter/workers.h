/*
 * workers.h — the daemon's pool of sandboxed extraction workers
 * (detectors/sandbox/sandbox.h), made from [limits] workers, worker_jobs,
 * worker_memory and worker_cpu at start (a reload keeps the pool as it
 * is), started once the daemon has detached, stopped at exit.
 */
#ifndef DLP_WORKERS_H
#define DLP_WORKERS_H

#include <stddef.h>

#include "quarantine/stats.h"

struct conf;
struct sandbox_pool;

/* Make the pool (no process yet).  0, or -1 with err. */
int workers_init(const struct conf *cf, char *err, size_t errlen);
/* Start its processes, as the daemon's user, in the process that serves
 * mail.  0, or -1 with err. */
int workers_start(char *err, size_t errlen);
/* The pool for the engine (NULL before workers_init). */
struct sandbox_pool *workers_pool(void);
/* Copy the pool's counters into c. */
void workers_counts(struct stats_counts *c);
void workers_stop(void);

#endif
