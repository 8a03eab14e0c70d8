/*
 * reload.c — `dlpctl reload`: check the config, send the running daemon
 * SIGHUP, and wait for its answer in var_dir/stats.json (the daemon writes
 * it at once after a reload attempt): what changed, or why it kept its
 * running configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define RELOAD_WAIT_MS 10000

static void reload_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl reload [--no-wait]\n"
	    "\n"
	    "Check the configuration, then tell the running dlp-milter to reload it\n"
	    "(SIGHUP to the pid of [milter] pidfile, else of var_dir/stats.json) and\n"
	    "print what the daemon says changed: rules added, removed, changed.  A file\n"
	    "with errors is not sent: the daemon would keep its running configuration.\n"
	    "\n"
	    "      --no-wait      send the signal and return\n"
	    "  -h, --help         this help\n");
}

/* The daemon's stats.json, or NULL. */
static json_t *read_stats(const struct conf *cf)
{
	char path[PATH_MAX];

	conf_var_path(cf, "stats.json", path, sizeof(path));
	return json_load_file(path, 0, NULL);
}

static long long reloads_of(const json_t *st)
{
	return json_integer_value(json_object_get(json_object_get(st, "reload"), "count"));
}

/* The daemon's pid: the pidfile's, else the one stats.json names while it
 * is not marked stopped.  0 when none is found (why in why). */
static pid_t daemon_pid(const struct conf *cf, const json_t *st, char *why, size_t len)
{
	long pid = 0;
	FILE *fp;

	if (cf->pidfile[0]) {
		if ((fp = fopen(cf->pidfile, "r"))) {
			if (fscanf(fp, "%ld", &pid) != 1)
				pid = 0;
			fclose(fp);
		}
		if (pid > 0)
			return (pid_t)pid;
		snprintf(why, len, "no pid in [milter] pidfile %s", cf->pidfile);
		return 0;
	}
	if (st && !json_is_true(json_object_get(st, "stopped")))
		pid = (long)json_integer_value(json_object_get(st, "pid"));
	if (pid <= 0)
		snprintf(why, len, "no [milter] pidfile, and var_dir/stats.json names no running"
		    " daemon");
	return pid > 0 ? (pid_t)pid : 0;
}

int ctl_reload(const struct ctl *g, int argc, char **argv)
{
	enum { O_NO_WAIT = 0x200 };
	static const struct option longopts[] = {
		{ "no-wait", no_argument, NULL, O_NO_WAIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	bool wait = true;
	json_t *st = NULL, *rl;
	struct conf *cf;
	char why[512] = "";
	long long before;
	int c, code = CTL_FAIL;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_NO_WAIT: wait = false; break;
		case 'h': reload_usage(stdout); return CTL_OK;
		default: reload_usage(stderr); return CTL_USAGE;
		}
	}
	if ((c = ctl_no_operands("reload", argc, argv)) != 0)
		return c;
	/* the whole file, rules included: what the daemon will read */
	if (!(cf = ctl_load_conf(g, NULL))) {
		fprintf(stderr, "dlpctl reload: not sent: the daemon would keep its running"
		    " configuration\n");
		return CTL_USAGE;
	}
	if (ctl_become_owner(cf) == -1)
		goto out;
	st = read_stats(cf);
	before = reloads_of(st);
	if (!(pid = daemon_pid(cf, st, why, sizeof(why)))) {
		fprintf(stderr, "dlpctl reload: %s\n", why);
		goto out;
	}
	if (kill(pid, SIGHUP) == -1) {
		fprintf(stderr, "dlpctl reload: cannot signal pid %ld: %s\n", (long)pid,
		    errno == ESRCH ? "no such process (the daemon is not running)" :
		    strerror(errno));
		goto out;
	}
	if (!wait) {
		printf("SIGHUP sent to dlp-milter (pid %ld)\n", (long)pid);
		code = CTL_OK;
		goto out;
	}
	for (int ms = 0; ms < RELOAD_WAIT_MS; ms += 100) {
		nanosleep(&nap, NULL);
		json_decref(st);
		st = read_stats(cf);
		if (reloads_of(st) > before)
			break;
	}
	if (reloads_of(st) <= before) {
		fprintf(stderr, "dlpctl reload: SIGHUP sent to pid %ld, no answer in %d s: see"
		    " the daemon's log\n", (long)pid, RELOAD_WAIT_MS / 1000);
		goto out;
	}
	rl = json_object_get(st, "reload");
	if (!json_is_true(json_object_get(rl, "ok"))) {
		fprintf(stderr, "dlpctl reload: the daemon kept its running configuration: %s\n",
		    ctl_shown(json_string_value(json_object_get(rl, "message")), "?"));
		goto out;
	}
	printf("reloaded (pid %ld): %s\n", (long)pid,
	    ctl_shown(json_string_value(json_object_get(rl, "message")), ""));
	code = CTL_OK;
out:
	json_decref(st);
	conf_unref(cf);
	return code;
}
