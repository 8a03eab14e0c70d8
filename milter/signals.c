/*
 * signals.c — configuration reload on SIGHUP, clean stop on SIGTERM/SIGINT.
 *
 * libmilter runs its own signal thread that sigwait()s SIGHUP, SIGTERM and
 * SIGINT and stops the filter on any of them: with it, SIGHUP would stop
 * dlp-milter instead of reloading it, and a stop would strand the messages
 * in progress (Debian's libmilter runs sessions on a worker pool whose
 * controller stops reading every session the moment the filter stops, so
 * a message whose end arrives after SIGTERM would never be answered).  So
 * the program defines sigwait() itself: libmilter's call lands here, and
 * the three signals are taken out of the set it waits for.  Our own thread
 * waits for them with sigwaitinfo(), which is a different function.
 *
 * SIGHUP — reload: a whole new runtime (config + engine) is built from the
 * file; on any error the old one stays and the file:line errors are
 * logged; on success it is swapped in for new messages, open ones finish
 * on theirs.  A changed log facility is applied at once; what was used
 * only at start (the socket, the account, the pid file, libmilter's
 * timeout) is logged as needing a restart, and the daemon goes on as it
 * started.
 *
 * SIGTERM, SIGINT — stop: messages in progress are let finish (up to
 * [milter] timeout) while libmilter still serves their sessions, messages
 * begun after the signal are answered tempfail (msgs_drain), and only then
 * is libmilter told to stop (smfi_stop): smfi_main() returns.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "config/conf.h"
#include "milter/context.h"
#include "milter/counters.h"
#include "milter/log.h"
#include "milter/runtime.h"
#include "milter/signals.h"

static const char *reload_path;

int
sigwait(const sigset_t *set, int *sig)
{
	sigset_t s = *set;
	int n;

	sigdelset(&s, SIGHUP);
	sigdelset(&s, SIGTERM);
	sigdelset(&s, SIGINT);
	do
		n = sigwaitinfo(&s, NULL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno;
	*sig = n;
	return 0;
}

static bool
differ(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

/* Apply what can change while running; name what needs a restart. */
static void
compare(const struct conf *old, const struct conf *new)
{
	static const struct {
		const char *key;
		size_t off;
	} at_start[] = {
		{ "socket", offsetof(struct conf, socket) },
		{ "socket_group", offsetof(struct conf, socket_group) },
		{ "user", offsetof(struct conf, user) },
		{ "group", offsetof(struct conf, group) },
		{ "pidfile", offsetof(struct conf, pidfile) },
	};

	if (differ(old->log_facility, new->log_facility)) {
		if (log_set_facility(new->log_facility) == 0)
			log_msg(LOG_INFO, "log facility changed from %s to %s", old->log_facility,
			    new->log_facility);
	}
	for (size_t i = 0; i < sizeof(at_start) / sizeof(at_start[0]); i++) {
		const char *a = *(char *const *)((const char *)old + at_start[i].off);
		const char *b = *(char *const *)((const char *)new + at_start[i].off);

		if (differ(a, b))
			log_msg(LOG_WARNING, "[milter] %s changed to '%s': takes effect at the "
			    "next restart (running with '%s')", at_start[i].key, b ? b : "",
			    a ? a : "");
	}
	if (old->socket_mode != new->socket_mode || old->timeout != new->timeout)
		log_msg(LOG_WARNING, "[milter] socket_mode or timeout changed: takes effect at "
		    "the next restart");
}

static void
reload(void)
{
	char err[8192];
	struct runtime *rt, *old;

	char what[400] = "";

	if ((rt = runtime_load(reload_path, err, sizeof(err))) == NULL) {
		/* err holds one "file:line: message" per line: log each. */
		snprintf(what, sizeof(what), "%.*s", (int)strcspn(err, "\n"), err);
		for (char *save, *line = strtok_r(err, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			log_msg(LOG_ERR, "reload failed, keeping the running configuration: %s", line);
		counters_reload(false, what);
		return;
	}
	old = runtime_get();
	if (old) {
		compare(old->conf, rt->conf);
		conf_diff_rules(old->conf, rt->conf, what, sizeof(what));
	}
	runtime_put(old);
	runtime_install(rt);
	log_msg(LOG_INFO, "configuration reloaded from %s: %s", reload_path, what);
	counters_reload(true, what);
}

static void *
signal_thread(void *arg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig == SIGHUP)
			reload();
		else if (sig == SIGTERM || sig == SIGINT) {
			log_msg(LOG_INFO, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			msgs_drain();
			smfi_stop();
			return NULL;
		}
	}
	return NULL;
}

int
signals_start(const char *config_path)
{
	sigset_t set;
	pthread_t tid;
	pthread_attr_t attr;

	reload_path = config_path;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, signal_thread, NULL) != 0) {
		pthread_attr_destroy(&attr);
		return -1;
	}
	pthread_attr_destroy(&attr);
	return 0;
}
