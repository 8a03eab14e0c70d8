/*
 * signals.c — configuration reload on SIGHUP.
 *
 * libmilter runs its own signal thread that sigwait()s SIGHUP, SIGTERM and
 * SIGINT and stops the filter on any of them: with it, SIGHUP would stop
 * dlp-milter instead of reloading it.  So the program defines sigwait()
 * itself: libmilter's call lands here, and SIGHUP is taken out of the set
 * it waits for (SIGTERM and SIGINT keep their libmilter meaning: stop
 * accepting, let open connections finish).  Our own reloader thread waits
 * for SIGHUP alone with sigwaitinfo(), which is a different function.
 *
 * Reload: a whole new runtime (config + engine) is built from the file; on
 * any error the old one stays and the file:line errors are logged; on
 * success it is swapped in for new messages, open ones finish on theirs.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

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
	do
		n = sigwaitinfo(&s, NULL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno;
	*sig = n;
	return 0;
}

static void
reload(void)
{
	char err[8192];
	struct runtime *rt;

	if ((rt = runtime_load(reload_path, err, sizeof(err))) == NULL) {
		/* err holds one "file:line: message" per line: log each. */
		for (char *save, *line = strtok_r(err, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			log_msg(LOG_ERR, "reload failed, keeping the running configuration: %s", line);
		return;
	}
	runtime_install(rt);
	log_msg(LOG_INFO, "configuration reloaded from %s", reload_path);
}

static void *
reloader(void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	for (;;) {
		if (sigwaitinfo(&set, NULL) == SIGHUP)
			reload();
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
	if (pthread_create(&tid, &attr, reloader, NULL) != 0) {
		pthread_attr_destroy(&attr);
		return -1;
	}
	pthread_attr_destroy(&attr);
	return 0;
}
