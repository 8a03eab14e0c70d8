/*
 * main.c — dlp-milter: options, start-up, smfi_main.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config/conf.h"
#include "milter/log.h"
#include "milter/notifier.h"
#include "milter/runtime.h"
#include "milter/signals.h"

#define DEFAULT_CONFIG "/etc/dlp-milter/dlp-milter.conf"

extern struct smfiDesc dlp_milter_desc;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlp-milter [-f] [-n] [-K] [-c FILE] [-p SOCKET]\n"
	    "\n"
	    "Outbound data-loss-prevention mail filter (milter) for Postfix and Sendmail.\n"
	    "\n"
	    "  -c FILE    configuration file (default " DEFAULT_CONFIG ")\n"
	    "  -p SOCKET  listen on SOCKET instead of [milter] socket:\n"
	    "             inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH\n"
	    "  -f         stay in the foreground and log to stderr\n"
	    "  -n         check the configuration, print errors as FILE:LINE, exit 0 or 1\n"
	    "  -K         print the table of configuration keys (Markdown) and exit\n"
	    "  -h         this help\n"
	    "\n"
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

	if (cf == NULL) {
		fputs(err, stderr);
		if (err[0] && err[strlen(err) - 1] != '\n')
			fputc('\n', stderr);
		return 1;
	}
	printf("%s: configuration OK (%zu rules)\n", path, cf->nrules);
	conf_unref(cf);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = DEFAULT_CONFIG, *sockarg = NULL;
	int foreground = 0, check = 0, c;
	char err[16384], sockspec[1024];
	struct runtime *rt;

	while ((c = getopt(argc, argv, "c:p:fnKh")) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'p': sockarg = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check = 1; break;
		case 'K': conf_print_keys(stdout); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (check)
		return check_only(config);

	if ((rt = runtime_load(config, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dlp-milter: %s%s", err,
		    err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
		return 1;
	}
	snprintf(sockspec, sizeof(sockspec), "%s", sockarg ? sockarg : rt->conf->socket);
	log_init("dlp-milter", foreground, rt->conf->log_facility);
	log_capture_glib();
	runtime_install(rt);

	if (smfi_setconn(sockspec) == MI_FAILURE ||
	    smfi_register(dlp_milter_desc) == MI_FAILURE ||
	    smfi_settimeout((int)rt->conf->timeout) == MI_FAILURE) {
		fprintf(stderr, "dlp-milter: cannot set up libmilter for %s\n", sockspec);
		return 1;
	}
	if (smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "dlp-milter: cannot listen on %s: %s\n", sockspec,
		    errno ? strerror(errno) : "address in use or bad socket");
		return 1;
	}
	if (!foreground && daemonize() == -1) {
		fprintf(stderr, "dlp-milter: cannot detach: %s\n", strerror(errno));
		return 1;
	}
	if (signals_start(config) == -1) {
		log_msg(LOG_ERR, "cannot start the signal thread");
		return 1;
	}
	if (notifier_start() == -1) {
		log_msg(LOG_ERR, "cannot start the notifier thread");
		return 1;
	}
	log_msg(LOG_INFO, "listening on %s with %s (%zu rules)", sockspec, config,
	    rt->conf->nrules);
	c = smfi_main();
	notifier_stop();
	log_msg(LOG_INFO, "stopped");
	runtime_install(NULL);
	return c == MI_SUCCESS ? 0 : 1;
}
