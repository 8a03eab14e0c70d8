/*
 * main.c — dlp-milter: options, start-up, smfi_main.
 *
 * Start-up, in this order, so that every error shows before the daemon
 * detaches and no mail is read as root:
 *   read the config as started (root) → decide whom to run as (priv.h:
 *   root with no [milter] user refuses) → make var_dir and the pid file's
 *   directory for that user → open the socket (listen.h) → switch user
 *   for good → build the engine and open the register as that user →
 *   detach (unless -f or -F) → pid file → threads → smfi_main.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config/conf.h"
#include "milter/act.h"
#include "milter/counters.h"
#include "milter/listen.h"
#include "milter/log.h"
#include "milter/notifier.h"
#include "milter/pidfile.h"
#include "milter/runtime.h"
#include "milter/workers.h"
#include "sandbox/sandbox.h"
#include "milter/signals.h"
#include "quarantine/priv.h"

#define DEFAULT_CONFIG "/etc/dlp-milter/dlp-milter.conf"

struct opts {
	const char *config;	/* -c */
	const char *sockarg;	/* -p, or NULL */
	int foreground;		/* -f or -F: do not detach */
	int to_stderr;		/* -f: log to stderr instead of syslog */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlp-milter [-f | -F] [-n] [-K] [-c FILE] [-p SOCKET]\n"
	    "\n"
	    "Outbound data-loss-prevention mail filter (milter) for Postfix and Sendmail.\n"
	    "\n"
	    "  -c FILE    configuration file (default " DEFAULT_CONFIG ")\n"
	    "  -p SOCKET  listen on SOCKET instead of [milter] socket:\n"
	    "             inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH\n"
	    "  -f         stay in the foreground and log to stderr\n"
	    "  -F         stay in the foreground and log to syslog (systemd)\n"
	    "  -n         check the configuration, print errors as FILE:LINE, exit 0 or 1\n"
	    "  -K         print the table of configuration keys (Markdown) and exit\n"
	    "  -M         print it for the dlp-milter.conf(5) manual page and exit\n"
	    "  -h         this help\n"
	    "\n"
	    "Started as root, it opens the socket and then runs as [milter] user.\n"
	    "Signals: SIGHUP reloads the configuration (the old one stays on error),\n"
	    "SIGTERM stops accepting connections and lets open ones finish.\n");
}

/* Detach from the terminal: fork, setsid, stdio to /dev/null. */
static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

static int
check_only(const char *path)
{
	char err[16384];
	struct conf *cf = conf_load(path, err, sizeof(err));
	struct priv_id to;

	if (cf == NULL) {
		fputs(err, stderr);
		if (err[0] && err[strlen(err) - 1] != '\n')
			fputc('\n', stderr);
		return 1;
	}
	/* As root, also what the start would refuse: no user, an unknown one. */
	if (geteuid() == 0 && priv_plan(0, cf->user, cf->group, &to, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", path, err);
		conf_unref(cf);
		return 1;
	}
	if (cf->warnings)
		fputs(cf->warnings, stderr);	/* notices: a reason that no longer fits its rule */
	printf("%s: configuration OK (%zu rules)\n", path, cf->nrules);
	conf_unref(cf);
	return 0;
}

/* Returns -1 to go on, else the exit code. */
static int
parse_options(int argc, char **argv, struct opts *o)
{
	int c, check = 0;

	while ((c = getopt(argc, argv, "c:p:fFnKMh")) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'p': o->sockarg = optarg; break;
		case 'f': o->foreground = o->to_stderr = 1; break;
		case 'F': o->foreground = 1; o->to_stderr = 0; break;
		case 'n': check = 1; break;
		case 'K': conf_print_keys(stdout); return 0;
		case 'M': conf_print_keys_man(stdout); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	return check ? check_only(o->config) : -1;
}

/* As started: directories for the user, the socket, the switch.  cf
 * stays the caller's.  0, or -1 with err. */
static int
open_and_switch(const struct conf *cf, const char *sockspec,
    const struct priv_id *to, char *err, size_t errlen)
{
	char dir[4096];

	if (to->change && priv_prepare_dir(cf->var_dir, 0700, to, true, err, errlen) == -1)
		return -1;
	if (cf->pidfile[0] && geteuid() == 0) {
		snprintf(dir, sizeof(dir), "%s", cf->pidfile);
		if (priv_prepare_dir(dirname(dir), 0755, to, false, err, errlen) == -1)
			return -1;
	}
	if (listen_open(sockspec, cf, to, err, errlen) == -1)
		return -1;
	return priv_drop(to, err, errlen);
}

/* Everything up to the running daemon; the runtime is installed.  0, or
 * -1 after printing the error. */
static int
start(const struct opts *o, char *sockspec, size_t socklen)
{
	char err[16384];
	struct priv_id to;
	struct conf *cf;
	struct runtime *rt;

	if ((cf = conf_load(o->config, err, sizeof(err))) == NULL)
		goto fail;
	snprintf(sockspec, socklen, "%s", o->sockarg ? o->sockarg : cf->socket);
	if (priv_plan(geteuid(), cf->user, cf->group, &to, err, sizeof(err)) == -1 ||
	    open_and_switch(cf, sockspec, &to, err, sizeof(err)) == -1)
		goto fail_conf;
	if (cf->pidfile[0] && pidfile_check(cf->pidfile, err, sizeof(err)) == -1)
		goto fail_conf;
	if (workers_init(cf, err, sizeof(err)) == -1)
		goto fail_conf;
	if ((rt = runtime_new(cf, err, sizeof(err))) == NULL)	/* as the user now */
		goto fail;
	if (!o->foreground && daemonize() == -1) {
		snprintf(err, sizeof(err), "cannot detach: %s", strerror(errno));
		runtime_put(rt);
		goto fail;
	}
	log_init("dlp-milter", o->to_stderr, rt->conf->log_facility);
	log_capture_glib();
	if (geteuid() == 0)
		log_msg(LOG_WARNING, "running as root on purpose ([milter] user = root): "
		    "for development and tests only");
	if (rt->register_unreachable[0])
		act_register_state(false, rt->register_path, rt->register_unreachable);
	runtime_install(rt);
	if (workers_start(err, sizeof(err)) == -1) {	/* after the fork: their parent */
		log_msg(LOG_ERR, "sandbox workers: %s", err);
		return -1;
	}
	if (rt->conf->pidfile[0] && pidfile_write(rt->conf->pidfile, err, sizeof(err)) == -1)
		log_msg(LOG_WARNING, "%s", err);
	return 0;
fail_conf:
	conf_unref(cf);
fail:
	fprintf(stderr, "dlp-milter: %s%s", err, err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
	return -1;
}

int
main(int argc, char **argv)
{
	struct opts o = { .config = DEFAULT_CONFIG };
	char sockspec[1024], pidfile[4096];
	struct runtime *rt;
	int c;

	if (argc > 1 && strcmp(argv[1], SANDBOX_WORKER_ARG) == 0)
		sandbox_worker_main(argc - 2, argv + 2);	/* the pool's workers.c */
	if ((c = parse_options(argc, argv, &o)) >= 0)
		return c;
	umask(077);
	if (start(&o, sockspec, sizeof(sockspec)) == -1)
		return 1;
	if (signals_start(o.config) == -1 || notifier_start() == -1 || counters_start() == -1) {
		log_msg(LOG_ERR, "cannot start the daemon's threads");
		return 1;
	}
	rt = runtime_get();
	snprintf(pidfile, sizeof(pidfile), "%s", rt->conf->pidfile);
	log_msg(LOG_INFO, "listening on %s with %s (%zu rules) as uid %lu", sockspec, o.config,
	    rt->conf->nrules, (unsigned long)getuid());
	runtime_put(rt);
	c = smfi_main();
	notifier_stop();
	counters_stop();
	workers_stop();
	if (pidfile[0])
		pidfile_remove(pidfile);
	log_msg(LOG_INFO, "stopped");
	runtime_install(NULL);
	return c == MI_SUCCESS ? 0 : 1;
}
