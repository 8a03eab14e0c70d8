/*
 * stats.h — the daemon's live counters and the file that shows them.
 *
 * dlp-milter counts every message it answers (by action), its internal
 * errors and temporary failures, and the time from end of message to its
 * answer in a small fixed histogram; every STATS_PERIOD seconds, and when
 * it stops, it writes them to var_dir/stats.json (a temp file renamed into
 * place, so a reader never sees half a file).  `dlpctl stats` reads it.
 *
 * The per-message cost is one mutex'd update of a few integers.  The
 * histogram has STATS_BUCKETS buckets, four per doubling from 16 us (each
 * bucket's upper bound is 2^(1/4) = 1.19 times the one before), so a
 * percentile is known to within 19 %, reported as its bucket's upper bound
 * and never above the largest time seen.
 */
#ifndef DLP_STATS_H
#define DLP_STATS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define STATS_BUCKETS 120	/* up to 2^33 us (2.4 h): past time_budget's bound */
#define STATS_PERIOD 5		/* seconds between two writes of stats.json */
#define STATS_STALE (3 * STATS_PERIOD)	/* older than this: the daemon is gone */

/* approve and bcc count as hold and tag (what the MTA was told); a delay
 * (held, sent by the daemon when due) is its own. */
enum stats_action { STATS_ACCEPT, STATS_TAG, STATS_HOLD, STATS_REJECT, STATS_DELAY,
	STATS_ACTION_COUNT };

struct stats_counts {
	uint64_t messages;		/* end of message answered, whatever the answer */
	uint64_t actions[STATS_ACTION_COUNT]; /* verdicts applied */
	uint64_t errors;		/* internal errors answered with [milter] on_error */
	uint64_t tempfails;		/* of which, or a hold not stored: 451 to the MTA */
	uint64_t hist[STATS_BUCKETS];	/* answer times by bucket */
	uint64_t timed;			/* answers in hist */
	uint64_t sum_us, max_us;	/* for the mean and the maximum */
	/* reloads (SIGHUP, dlpctl reload) */
	uint64_t reloads;		/* attempts */
	time_t reload_at;		/* of the last one; 0: none yet */
	bool reload_ok;			/* the last one took */
	char reload_msg[400];		/* what it changed, or its first error */
	/* the sandbox workers (detectors/sandbox/), filled in by the daemon */
	uint64_t workers;		/* processes in the pool */
	uint64_t worker_started;	/* processes started, replacements included */
	uint64_t worker_parts;		/* attachments handed to workers */
	uint64_t worker_crashed, worker_over_memory, worker_over_time, worker_protocol;
	/* the send delay's timer (milter/notifier.c): due delays released */
	uint64_t delay_sent;		/* released when due, the relay said 250 */
	uint64_t delay_failed;		/* due but not released (relay down, 4xx): retried */
	/* the daemon's heap (glibc's mallinfo2), filled in by the daemon */
	uint64_t heap_in_use;		/* bytes allocated and not freed */
	uint64_t heap_held;		/* bytes the allocator took from the system */
};

struct stats {
	pthread_mutex_t lock;
	struct stats_counts c;		/* under lock */
};

void stats_init(struct stats *s);
void stats_destroy(struct stats *s);
/* One message answered with action after us microseconds. */
void stats_verdict(struct stats *s, enum stats_action a, uint64_t us);
/* One internal error (a message answered with on_error, or a hold that
 * could not be stored); tempfail: the MTA was told 451.  timed: us is the
 * answer time of a message (false: the error came before end of message). */
void stats_error(struct stats *s, bool tempfail, bool timed, uint64_t us);
/* A due delay released by the timer (sent), or tried and left delayed. */
void stats_delay_release(struct stats *s, bool sent);
/* A reload attempt: ok, and what changed or why not (one line). */
void stats_reload(struct stats *s, bool ok, const char *msg);
/* A consistent copy of the counters. */
void stats_snapshot(struct stats *s, struct stats_counts *out);

const char *stats_action_name(enum stats_action a);	/* "accept" … */
/* Histogram bucket of a time, and the upper bound of a bucket (us). */
unsigned stats_bucket(uint64_t us);
uint64_t stats_bucket_upper(unsigned b);
/* The time (us) below which pct percent of the timed answers fell: the
 * upper bound of the bucket holding that rank, at most max_us; 0 when
 * nothing was timed.  pct in 1..100. */
uint64_t stats_percentile(const struct stats_counts *c, unsigned pct);

/* The JSON of stats.json: pid, started, updated (ISO 8601 local time and
 * epoch), period, stopped, messages, actions {accept, tag, hold, reject, delay},
 * errors, tempfails, scan_ms {count, p50, p90, p99, max, mean}, workers
 * {processes, started, parts, crashed, over_memory, over_time, protocol},
 * delays {delayed (= actions.delay), sent_on_time, failed_tries},
 * memory {heap_in_use_kb, heap_held_kb}, and after a reload attempt reload {count, at, at_epoch, ok, message}.
 * NULL on ENOMEM. */
json_t *stats_json(const struct stats_counts *c, long pid, time_t started, time_t now,
    bool stopped);
/* Write stats_json() to path through path.tmp and a rename, mode 0600.
 * 0, or -1 with err (path unchanged). */
int stats_write(const char *path, const struct stats_counts *c, long pid, time_t started,
    time_t now, bool stopped, char *err, size_t errlen);

#endif
