/*
 * context.c — the message context's life, and the messages in flight.
 *
 * Every message context made before a stop is counted from MAIL FROM to
 * its end (answer, abort or close); msgs_drain() waits for the count to
 * reach zero, so that SIGTERM lets the messages in progress be answered.
 * A context made once the stop has begun is marked late: its message is
 * answered tempfail at end of message (callbacks.c), and not waited for.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "config/conf.h"
#include "detectors/scan.h"
#include "milter/context.h"
#include "milter/log.h"
#include "milter/runtime.h"

#define DRAIN_GRACE_MS 200	/* after the last answer, for libmilter to send it */

static pthread_mutex_t flight_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flight_cv = PTHREAD_COND_INITIALIZER;
static unsigned long in_flight;	/* counted message contexts alive */
static unsigned long ended;	/* counted contexts freed, ever */
static unsigned long ended_seen;	/* ended at the last msgs_quiet() true */
static bool draining;		/* msgs_drain() has begun */

struct msgctx *
msgctx_new(void)
{
	struct msgctx *mc = calloc(1, sizeof(*mc));

	if (mc == NULL)
		return NULL;
	pthread_mutex_lock(&flight_mu);
	if (draining)
		mc->late = 1;
	else {
		in_flight++;
		mc->counted = 1;
	}
	pthread_mutex_unlock(&flight_mu);
	return mc;
}

void
msgctx_free(struct msgctx *mc)
{
	if (mc == NULL)
		return;
	scan_msg_free(mc->scan);
	runtime_put(mc->rt);
	if (mc->counted) {
		pthread_mutex_lock(&flight_mu);
		ended++;
		if (--in_flight == 0)
			pthread_cond_broadcast(&flight_cv);
		pthread_mutex_unlock(&flight_mu);
	}
	free(mc);
}

bool
msgs_quiet(void)
{
	bool quiet;

	pthread_mutex_lock(&flight_mu);
	quiet = in_flight == 0 && ended != ended_seen;
	if (quiet)
		ended_seen = ended;
	pthread_mutex_unlock(&flight_mu);
	return quiet;
}

unsigned long
msgs_drain(void)
{
	struct runtime *rt = runtime_get();
	unsigned seconds = rt ? (unsigned)rt->conf->timeout : 60;
	struct timespec until, grace = { 0, DRAIN_GRACE_MS * 1000000L };
	unsigned long left, open;

	runtime_put(rt);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&flight_mu);
	draining = true;
	open = in_flight;
	log_msg(LOG_INFO, "stopping: %lu message(s) in progress, waiting up to %us for them",
	    open, seconds);
	while (in_flight > 0)
		if (pthread_cond_timedwait(&flight_cv, &flight_mu, &until) == ETIMEDOUT)
			break;
	left = in_flight;
	pthread_mutex_unlock(&flight_mu);
	if (left)
		log_msg(LOG_WARNING, "stopping with %lu message(s) unfinished: the MTA answers "
		    "them tempfail", left);
	else if (open)
		nanosleep(&grace, NULL);	/* libmilter is writing the last answer */
	return left;
}
