/*
 * notifier.c — the notifier thread (see notifier.h).
 *
 * Each run takes the current runtime (config reloads apply to the next
 * run), opens the register, plans the notices of new incidents and sends
 * the due ones (notify_run); every outcome is an audit row, a failed
 * notice waits for its next try in the register.  The thread opens its
 * own register connection per run, so a dead relay delays nothing but
 * notices.
 *
 * It is also the send delay's timer (送信保留, release_due): each run
 * releases the delayed incidents that are due, and the thread sleeps no
 * longer than until the next one is.  Here rather than in dlp-web: the
 * milter runs wherever mail is filtered (the console is optional), it has
 * the relay, the register and a retrying loop already, and every milter
 * sharing a register may run it — the release's claim lets one of them
 * send each message.  The due times are in the register, so a restart
 * loses none: the first run at start releases what fell due meanwhile.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "config/conf.h"
#include "milter/counters.h"
#include "milter/log.h"
#include "milter/notifier.h"
#include "milter/runtime.h"
#include "notice/notify.h"
#include "register/register.h"
#include "notice/smtp.h"
#include "quarantine/release.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static bool woken, started;
static bool stopping;		/* also read by notify_run, atomically */
static pthread_t tid;

/* One line per automatic release of a delay, for the administrator. */
static void log_release(void *arg, const char *id, enum release_rc rc, const char *msg,
    time_t retry)
{
	char when[40] = "";
	struct tm tm;

	(void)arg;
	if (rc == REL_DONE) {
		log_msg(LOG_INFO, "delay: incident %s is due: %s", id, msg);
		counters_delay_release(true);
		return;
	}
	if (rc == REL_BUSY || rc == REL_ALREADY || rc == REL_NOT_HELD || rc == REL_NOT_FOUND)
		return;		/* another milter, an admin or the sender came first */
	counters_delay_release(false);
	if (retry && localtime_r(&retry, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	log_msg(LOG_WARNING, "delay: incident %s is due but was not released (%s), tried again"
	    " at %s: %s", id, release_strerror(rc), when[0] ? when : "?", msg);
}

/* The delays that are due released; the next due time into *next. */
static void run_delays(struct reg *rg, struct runtime *rt, time_t *next)
{
	struct release_opts o = { .relay = rt->conf->release_relay,
		.qdir = rt->quarantine_dir, .actor = "dlp-milter", .cancel = &stopping };
	struct scan_options opt;
	char err[1024] = "";
	int released = 0;

	conf_scan_options(rt->conf, &opt);
	if (release_due(rg, &o, &opt, time(NULL), log_release, NULL, &released, next, err,
	    sizeof(err)) < 0)
		log_msg(LOG_ERR, "delay: %s", err);
}

static time_t run_once(void)
{
	struct runtime *rt = runtime_get();
	char err[1024] = "";
	int sent = 0, failed = 0;
	time_t next = 0;
	struct reg *rg;

	if (!rt)
		return 0;
	if (!(rg = reg_connect(rt->register_path, rt->register_password, REG_RW, err,
	    sizeof(err)))) {
		log_msg(LOG_ERR, "notices: %s", err);
		runtime_put(rt);
		return 0;
	}
	run_delays(rg, rt, &next);
	if (notify_run(rg, rt->conf, "dlp-milter", &stopping, &sent, &failed, err,
	    sizeof(err)) < 0)
		log_msg(LOG_ERR, "notices: %s", err);
	if (sent || failed)
		log_msg(failed ? LOG_WARNING : LOG_INFO, "notices: %d sent, %d failed "
		    "(failed ones are retried; see dlpctl show)", sent, failed);
	reg_close(rg);
	runtime_put(rt);
	return next;
}

/* Seconds to the next run: NOTIFIER_PERIOD, or [web] proxy_after when it
 * is shorter (the proxies are asked on time). */
static long period(void)
{
	struct runtime *rt = runtime_get();
	long s = NOTIFIER_PERIOD, after;

	if (rt) {
		after = rt->conf->web_proxy_after / 1000;
		if (after > 0 && after < s)
			s = after;
		runtime_put(rt);
	}
	return s;
}

static void *notifier_main(void *arg)
{
	struct timespec until;
	time_t next = 0, now;
	long wait;

	for (;;) {
		pthread_mutex_lock(&mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		wait = period();
		now = time(NULL);
		if (next && next - now < wait)	/* a delay falls due sooner */
			wait = next > now ? next - now : 0;
		until.tv_sec += wait;
		while (!woken && !stopping)
			if (pthread_cond_timedwait(&cv, &mu, &until) != 0)
				break;	/* the period is over */
		woken = false;
		if (stopping) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		pthread_mutex_unlock(&mu);
		next = run_once();
	}
}

int notifier_start(void)
{
	pthread_condattr_t ca;

	if (smtp_global_init() < 0)
		return -1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
	woken = true;		/* a first run at start: what waited while we were down */
	if (pthread_create(&tid, NULL, notifier_main, NULL) != 0)
		return -1;
	started = true;
	return 0;
}

void notifier_wake(void)
{
	pthread_mutex_lock(&mu);
	woken = true;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

void notifier_stop(void)
{
	if (!started)
		return;
	pthread_mutex_lock(&mu);
	__atomic_store_n(&stopping, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(tid, NULL);
	started = false;
}
