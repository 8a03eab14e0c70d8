/*
 * log.c — syslog or stderr, one line per call (see log.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "milter/log.h"

static bool log_stderr;
static const char *log_ident = "dlp-milter";
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV }, { "cron", LOG_CRON },
	{ "daemon", LOG_DAEMON }, { "kern", LOG_KERN }, { "lpr", LOG_LPR },
	{ "mail", LOG_MAIL }, { "news", LOG_NEWS }, { "syslog", LOG_SYSLOG },
	{ "user", LOG_USER }, { "uucp", LOG_UUCP }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

int
log_facility(const char *name)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(facilities[i].name, name) == 0)
			return facilities[i].value;
	return -1;
}

int
log_init(const char *ident, bool to_stderr, const char *facility)
{
	int fac = facility ? log_facility(facility) : LOG_MAIL;
	int rc = 0;

	if (fac < 0) {
		fac = LOG_MAIL;
		rc = -1;
	}
	log_stderr = to_stderr;
	log_ident = ident;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, fac);
	return rc;
}

int
log_set_facility(const char *facility)
{
	int fac = log_facility(facility);

	if (fac < 0)
		return -1;
	/* openlog() again only sets the facility (under glibc's syslog lock):
	 * no line is lost or sent without one in between. */
	if (!log_stderr)
		openlog(log_ident, LOG_PID | LOG_NDELAY, fac);
	return 0;
}

static void
log_v(int prio, const char *qid, const char *fmt, va_list ap)
{
	char line[2048];
	int n = 0;

	if (qid)
		n = snprintf(line, sizeof(line), "%s: ", *qid ? qid : "NOQUEUE");
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (!log_stderr) {
		syslog(prio, "%s", line);
		return;
	}
	char ts[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s.%03ld dlp-milter: %s\n", ts, now.tv_nsec / 1000000, line);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(prio, NULL, fmt, ap);
	va_end(ap);
}

void
log_qid(int prio, const char *qid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(prio, qid ? qid : "", fmt, ap);
	va_end(ap);
}

static void
glib_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		log_msg(LOG_ERR, "%s: %s", domain ? domain : "glib", message);
}

void
log_capture_glib(void)
{
	g_log_set_default_handler(glib_log, NULL);
}
