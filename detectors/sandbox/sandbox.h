/*
 * sandbox.h — extraction in worker processes.
 *
 * A pool of worker processes, each a fresh image of a program (the
 * daemon's own binary, run as "PROGRAM --sandbox-worker …"), reads
 * attachments for the daemon: the daemon's MIME walk hands a part's
 * decoded bytes and its sniffed type to an idle worker over a socket pair,
 * the worker runs the extractor (and, for an archive, everything inside
 * it) with the same engine code, and sends back the parts it made, their
 * counts and reasons, and the distinct values found.  The worker owns
 * nothing of the daemon: no register, no quarantine, no network, no file
 * descriptor but its socket; a seccomp filter (seccomp.c) keeps it so,
 * and rlimits bound its address space and CPU time.
 *
 * A worker that dies, is killed for time, or runs out of memory makes its
 * part unscanned with the reason ("worker crashed: SIGSEGV", "worker over
 * time limit", "worker over memory limit"), which the policy holds like
 * any other unscanned part; the worker is replaced, nothing else is
 * disturbed.  A worker is also replaced after max_jobs parts.
 *
 * Thread-safety: one pool is shared by all threads; a worker serves one
 * part at a time.
 */
#ifndef DLP_SANDBOX_H
#define DLP_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inspect;
struct extractor;

struct sandbox_config {
	const char *program;	/* executable started as a worker (e.g. /proc/self/exe) */
	unsigned workers;	/* processes (0: one per online CPU) */
	unsigned max_jobs;	/* parts a worker reads before it is replaced */
	size_t memory;		/* RLIMIT_AS of a worker, bytes */
	unsigned cpu_ms;	/* CPU time of one part, ms (also RLIMIT_CPU) */
};

/* Kinds of worker failure, counted by the pool. */
enum sandbox_fault { SB_CRASHED, SB_MEMORY, SB_TIME, SB_PROTOCOL, SB_FAULT_COUNT };

struct sandbox_stats {
	uint64_t jobs;		/* parts handed to workers */
	uint64_t started;	/* worker processes started */
	uint64_t faults[SB_FAULT_COUNT];
};

struct sandbox_pool;

/* A pool of cfg->workers slots, no process started yet (a slot starts its
 * worker when first used).  NULL with err on failure. */
struct sandbox_pool *sandbox_pool_new(const struct sandbox_config *cfg, char *err,
    size_t errlen);
/* Start the worker of every empty slot now, in the process that will use
 * the pool (after a daemon's fork: workers are reaped by their parent).
 * 0, or -1 with err. */
int sandbox_pool_start(struct sandbox_pool *pool, char *err, size_t errlen);
/* Stop and reap every worker.  NULL-safe; no job may be running. */
void sandbox_pool_free(struct sandbox_pool *pool);
unsigned sandbox_pool_size(const struct sandbox_pool *pool);
void sandbox_pool_stats(struct sandbox_pool *pool, struct sandbox_stats *out);
const char *sandbox_fault_name(enum sandbox_fault f);	/* "crashed" … */

/* The inspect hook (extract.h): read part idx, whose extractor is ex,
 * in a worker and merge what it found into in.  Marks the part unscanned
 * on any failure.  ctx is the pool. */
void sandbox_inspect(void *ctx, struct inspect *in, size_t idx, const struct extractor *ex,
    const unsigned char *data, size_t len, unsigned depth, const char *charset);

/* The worker's main: argv as given after "--sandbox-worker"; fd 3 is the
 * socket.  Never returns. */
void sandbox_worker_main(int argc, char **argv) __attribute__((noreturn));

#define SANDBOX_WORKER_ARG "--sandbox-worker"

#endif
