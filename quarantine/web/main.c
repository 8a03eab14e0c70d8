/*
 * main.c — dlp-web: options, start-up, signals.
 *
 *   dlp-web [-f] [-n] [-c FILE]
 *
 * Reads the same config as dlp-milter ([web], [general] var_dir, [release]
 * relay, [notice]); opens the same register and quarantine (no copy of
 * either); takes the link key from the register (made at the first start);
 * listens on [web] listen; runs until SIGTERM or SIGINT.  Started as root
 * it switches for good to [milter] user (the owner of the register) before
 * it opens anything under var_dir.  It stays in the foreground (systemd
 * Type=simple); -f logs to stderr instead of syslog.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <sodium.h>

#include "notice/smtp.h"
#include "quarantine/priv.h"
#include "web/web.h"

#define DEFAULT_CONFIG "/etc/dlp-milter/dlp-milter.conf"

static bool to_stderr;

void web_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (to_stderr) {
		fprintf(stderr, "dlp-web: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlp-web [-f] [-n] [-c FILE]\n"
	    "\n"
	    "The web console of dlp-milter and the target of the links in its notices.\n"
	    "\n"
	    "  -c FILE  config file (default " DEFAULT_CONFIG ")\n"
	    "  -f       log to stderr (it always stays in the foreground)\n"
	    "  -n       check the config and exit\n"
	    "  -h       this help\n");
}

/* As root: become [milter] user (the register's owner).  0 or -1. */
static int drop_privileges(const struct conf *cf, char *err, size_t errlen)
{
	struct priv_id to;

	if (priv_plan(geteuid(), cf->user, cf->group, &to, err, errlen) < 0)
		return -1;
	return priv_drop(&to, err, errlen);
}

/* Open what dlp-web works on.  0 or -1 with err. */
static int open_state(struct web *w, char *err, size_t errlen)
{
	char path[PATH_MAX];

	conf_register_location(w->cf, path, sizeof(path));
	if (!(w->rg = reg_connect(path, conf_register_password_file(w->cf), REG_RW, err, errlen)))
		return -1;
	conf_var_path(w->cf, "quarantine", w->qdir, sizeof(w->qdir));
	conf_var_path(w->cf, LINK_KEY_FILE, path, sizeof(path));
	return link_key_get(w->rg, path, w->key, err, errlen);
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		web_log(LOG_INFO, "SIGHUP: the config is read at start only; restart to change it");
	return sig;
}

int main(int argc, char **argv)
{
	const char *conf_path = DEFAULT_CONFIG;
	char err[8192] = "";
	struct web w;
	sigset_t set;
	bool check = false;
	int c, rc = 1;

	memset(&w, 0, sizeof(w));
	while ((c = getopt(argc, argv, "c:fnh")) != -1) {
		switch (c) {
		case 'c': conf_path = optarg; break;
		case 'f': to_stderr = true; break;
		case 'n': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 1;
	}
	if (!(w.cf = conf_load(conf_path, err, sizeof(err)))) {
		fprintf(stderr, "dlp-web: config %s:\n%s\n", conf_path, err);
		return 1;
	}
	if (check) {
		printf("dlp-web: config %s is valid\n", conf_path);
		conf_unref(w.cf);
		return 0;
	}
	if (!to_stderr)
		openlog("dlp-web", LOG_PID, LOG_MAIL);
	/* Signals to the waiting main thread only: block before any thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		snprintf(err, sizeof(err), "libsodium cannot start");
		goto out;
	}
	g_mime_init();
	smtp_global_init();
	if (drop_privileges(w.cf, err, sizeof(err)) < 0 || open_state(&w, err, sizeof(err)) < 0 ||
	    http_start(&w, err, sizeof(err)) < 0)
		goto out;
	web_log(LOG_INFO, "listening on %s (%s), register and quarantine under %s", w.cf->web_listen,
	    *w.cf->web_tls_cert ? "HTTPS" : w.cf->web_behind_proxy ? "HTTP behind a TLS proxy" :
	    "plain HTTP, loopback", w.cf->var_dir);
	c = wait_for_signal();
	web_log(LOG_INFO, "signal %d: stopping", c);
	http_stop();
	rc = 0;
out:
	if (rc)
		web_log(LOG_ERR, "%s", err);
	if (rc && !to_stderr)
		fprintf(stderr, "dlp-web: %s\n", err);
	reg_close(w.rg);
	sodium_memzero(w.key, sizeof(w.key));
	conf_unref(w.cf);
	return rc;
}
