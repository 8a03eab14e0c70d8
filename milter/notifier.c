/*
 * notifier.c — the notifier thread (see notifier.h).
 *
 * Each run takes the current runtime (config reloads apply to the next
 * run), opens the register, plans the notices of new incidents and sends
 * the due ones (notify_run); every outcome is an audit row, a failed
 * notice waits for its next try in the register.  The thread opens its
 * own register connection per run, so a dead relay delays nothing but
 * notices.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "milter/log.h"
#include "milter/notifier.h"
#include "milter/runtime.h"
#include "notice/notify.h"
#include "register/register.h"
#include "notice/smtp.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static bool woken, started;
static bool stopping;		/* also read by notify_run, atomically */
static pthread_t tid;

static void run_once(void)
{
	struct runtime *rt = runtime_get();
	char err[1024] = "";
	int sent = 0, failed = 0;
	struct reg *rg;

	if (!rt)
		return;
	if (!(rg = reg_connect(rt->register_path, rt->register_password, REG_RW, err,
	    sizeof(err)))) {
		log_msg(LOG_ERR, "notices: %s", err);
		runtime_put(rt);
		return;
	}
	if (notify_run(rg, rt->conf, "dlp-milter", &stopping, &sent, &failed, err,
	    sizeof(err)) < 0)
		log_msg(LOG_ERR, "notices: %s", err);
	if (sent || failed)
		log_msg(failed ? LOG_WARNING : LOG_INFO, "notices: %d sent, %d failed "
		    "(failed ones are retried; see dlpctl show)", sent, failed);
	reg_close(rg);
	runtime_put(rt);
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
	long secs;

	for (;;) {
		secs = period();
		pthread_mutex_lock(&mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += secs;
		while (!woken && !stopping)
			if (pthread_cond_timedwait(&cv, &mu, &until) != 0)
				break;	/* the period is over */
		woken = false;
		if (stopping) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		pthread_mutex_unlock(&mu);
		run_once();
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
