/*
 * counters.h — the daemon's live counters (quarantine/stats.h) and the
 * thread that writes them to var_dir/stats.json every STATS_PERIOD
 * seconds and once more when the daemon stops.  The milter callbacks only
 * take a mutex to add to them.  The same thread, every STATS_PERIOD
 * seconds, gives the memory freed by the last burst of sessions back to
 * the system once no message is in flight (malloc_trim).
 */
#ifndef DLP_COUNTERS_H
#define DLP_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "quarantine/stats.h"

/* Microseconds since start (CLOCK_MONOTONIC). */
uint64_t counters_since_us(const struct timespec *start);
void counters_verdict(enum stats_action a, uint64_t us);
/* An internal error; tempfail: answered 451; timed: at end of message. */
void counters_error(bool tempfail, bool timed, uint64_t us);
/* A due delay released by the notifier (sent), or tried and left delayed. */
void counters_delay_release(bool sent);
/* A reload attempt (ok, what changed or its first error): counted and
 * written to stats.json at once. */
void counters_reload(bool ok, const char *msg);
/* Start the writer thread (after the privilege switch and signals_start).
 * 0 or -1. */
int counters_start(void);
/* Stop the thread and write the file a last time, marked stopped. */
void counters_stop(void);

#endif
