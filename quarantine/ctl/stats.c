/*
 * stats.c — `dlpctl stats`: what the register holds for a period
 * (incidents by action, by status and by rule) and the daemon's live
 * counters from var_dir/stats.json (messages, answers by action, errors,
 * temporary failures, answer time percentiles), with whether the daemon
 * that wrote them still runs.  Plain text, or one JSON object.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"
#include "quarantine/incident.h"
#include "quarantine/release.h"
#include "quarantine/report.h"
#include "quarantine/stats.h"

struct stats_args {
	struct ctl_period period;
	bool json;
};

static void stats_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl stats [--since DATE] [--until DATE] [--month YYYY-MM]\n"
	    "                    [--fiscal-year YYYY] [--json]\n"
	    "\n"
	    "Incidents of the period by action, status and rule (from the register),\n"
	    "and the running daemon's counters since it started: messages, answers by\n"
	    "action, internal errors, temporary failures, and the time from end of\n"
	    "message to the answer (p50, p90, p99, max).  The daemon writes them to\n"
	    "var_dir/stats.json every %d seconds; older than %d seconds, they are\n"
	    "called stale.\n"
	    "\n"
	    "%s"
	    "  -j, --json         one JSON object: register, daemon\n"
	    "  -h, --help         this help\n",
	    STATS_PERIOD, STATS_STALE, ctl_period_help);
}

static int parse_stats_args(int argc, char **argv, struct stats_args *a)
{
	static const struct option longopts[] = {
		CTL_PERIOD_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		if ((rc = ctl_period_opt("stats", c, optarg, &a->period)) != 1) {
			if (rc != 0)
				return rc;
			continue;
		}
		switch (c) {
		case 'j': a->json = true; break;
		case 'h': stats_usage(stdout); return -1;
		default: stats_usage(stderr); return CTL_USAGE;
		}
	}
	if ((rc = ctl_period_check("stats", &a->period)) != 0)
		return rc;
	return ctl_no_operands("stats", argc, argv);
}

static int bump(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_object_set_new(obj, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

/* A delay of the period counted by what became of it: "waiting" (still
 * delayed, or being released), "sent_on_time" (by the daemon's timer),
 * "released_early" (an admin, before the time), "cancelled" (by the
 * sender, from the notice's link), "deleted" (deleted or expired). */
static int count_delay(json_t *d, const struct incident *inc)
{
	const char *disp = report_disposition(inc);
	const char *key = "deleted";

	if (strcmp(disp, "sent after delay") == 0)
		key = "sent_on_time";
	else if (strcmp(disp, "cancelled by sender") == 0)
		key = "cancelled";
	else if (strcmp(disp, "released") == 0)
		key = "released_early";
	else if (strcmp(disp, "delayed") == 0 || strcmp(disp, "releasing") == 0)
		key = "waiting";
	return bump(d, "delayed") | bump(d, key);
}

static int count_cb(const struct incident *inc, void *arg)
{
	json_t *reg = arg, *r;
	size_t i;
	int bad = 0;

	bad |= json_object_set_new(reg, "incidents",
	    json_integer(json_integer_value(json_object_get(reg, "incidents")) + 1));
	bad |= bump(json_object_get(reg, "by_action"), inc->action ? inc->action : "?");
	bad |= bump(json_object_get(reg, "by_status"), inc->status ? inc->status : "?");
	if (inc->action && strcmp(inc->action, "delay") == 0 && inc->status)
		bad |= count_delay(json_object_get(reg, "delays"), inc);
	json_array_foreach(inc->rules, i, r)
		bad |= bump(json_object_get(reg, "by_rule"),
		    json_string_value(json_object_get(r, "name")) ?: "?");
	return bad ? -1 : 0;
}

static int loop_cb(const struct audit *a, void *arg)
{
	json_t *reg = arg;

	if (a->action && strcmp(a->action, RELEASE_LOOP_ACTION) == 0) {
		json_object_set_new(reg, "release_loops", json_integer(json_integer_value(
		    json_object_get(reg, "release_loops")) + 1));
		json_object_set_new(reg, "release_loop", json_string(a->reason ? a->reason : ""));
	}
	return 0;
}

/* {incidents, by_action, by_status, by_rule, delays, release_loops} of
 * the period, or NULL (error printed). */
static json_t *register_counts(const struct conf *cf, const struct stats_args *a)
{
	json_t *reg = json_pack("{s:i, s:{}, s:{}, s:{}, s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:i}",
	    "incidents", 0, "by_action", "by_status", "by_rule", "delays", "delayed", 0,
	    "waiting", 0, "sent_on_time", 0, "released_early", 0, "cancelled", 0, "deleted", 0,
	    "release_loops", 0);
	struct reg *rg = NULL;
	char err[512] = "";

	if (!reg || !(rg = ctl_open_register(cf, REG_RO)))
		goto fail;
	if (reg_list(rg, NULL, a->period.since, a->period.until, count_cb, reg, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl stats: %s\n", err[0] ? err : "out of memory");
		goto fail;
	}
	if (reg_audit_list(rg, a->period.since, a->period.until, loop_cb, reg, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl stats: %s\n", err);
		goto fail;
	}
	reg_close(rg);
	return reg;
fail:
	reg_close(rg);
	json_decref(reg);
	return NULL;
}

/* "running", "stopped" or "stale" for the counters in d. */
static const char *daemon_state(const json_t *d, time_t now)
{
	json_int_t pid = json_integer_value(json_object_get(d, "pid"));
	json_int_t at = json_integer_value(json_object_get(d, "updated_epoch"));

	if (json_is_true(json_object_get(d, "stopped")))
		return "stopped";
	if (now - at > STATS_STALE || pid <= 0 || (kill((pid_t)pid, 0) == -1 && errno == ESRCH))
		return "stale";
	return "running";
}

/* The daemon's counters with "state" and "age" added; or {"state":
 * "absent", "error": why} when there is no readable file. */
static json_t *daemon_counts(const struct conf *cf, time_t now)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *d;

	conf_var_path(cf, "stats.json", path, sizeof(path));
	if (!(d = json_load_file(path, 0, &jerr)) || !json_is_object(d)) {
		json_decref(d);
		return json_pack("{s:s, s:s, s:s}", "state", "absent", "file", path, "error",
		    jerr.text);
	}
	json_object_set_new(d, "state", json_string(daemon_state(d, now)));
	json_object_set_new(d, "age", json_integer(now -
	    json_integer_value(json_object_get(d, "updated_epoch"))));
	json_object_set_new(d, "file", json_string(path));
	return d;
}

/* "name n, name n" of a {name: n} object, in its order; "-" when empty. */
static void print_counts(const char *label, const json_t *obj)
{
	const char *k;
	json_t *v;
	bool first = true;

	printf("  %-12s", label);
	json_object_foreach((json_t *)obj, k, v) {
		printf("%s%s %lld", first ? "" : ", ", k, (long long)json_integer_value(v));
		first = false;
	}
	printf("%s\n", first ? "-" : "");
}

static long long jint(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* "delays      3: waiting 1, sent on time 1, released early 0, cancelled
 * 1, deleted 0" */
static void print_delays(const json_t *d)
{
	printf("  %-12s%lld: waiting %lld, sent on time %lld, released early %lld, "
	    "cancelled %lld, deleted %lld\n", "delays", jint(d, "delayed"), jint(d, "waiting"),
	    jint(d, "sent_on_time"), jint(d, "released_early"), jint(d, "cancelled"),
	    jint(d, "deleted"));
}

static void print_register(const json_t *reg, const struct stats_args *a)
{
	char from[40] = "the first", to[40] = "now";

	if (a->period.since)
		incident_format_time(a->period.since, from, sizeof(from));
	if (a->period.until)
		incident_format_time(a->period.until, to, sizeof(to));
	printf("register, %s .. %s:\n", from, to);
	printf("  %-12s%lld\n", "incidents",
	    (long long)json_integer_value(json_object_get(reg, "incidents")));
	print_counts("by action", json_object_get(reg, "by_action"));
	print_counts("by status", json_object_get(reg, "by_status"));
	print_counts("by rule", json_object_get(reg, "by_rule"));
	print_delays(json_object_get(reg, "delays"));
	if (json_integer_value(json_object_get(reg, "release_loops")))
		printf("  WARNING: %lld released cop%s came back through the filter (%s):"
		    " released mail must go to a listener without dlp-milter\n",
		    (long long)json_integer_value(json_object_get(reg, "release_loops")),
		    json_integer_value(json_object_get(reg, "release_loops")) == 1 ? "y" : "ies",
		    ctl_shown(json_string_value(json_object_get(reg, "release_loop")), "?"));
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void print_daemon(const json_t *d)
{
	const char *state = json_string_value(json_object_get(d, "state"));
	const json_t *scan = json_object_get(d, "scan_ms");
	long long age = (long long)json_integer_value(json_object_get(d, "age"));
	long long pid = (long long)json_integer_value(json_object_get(d, "pid"));

	if (strcmp(state, "absent") == 0) {
		printf("daemon: no live counters (%s) — is dlp-milter running with this "
		    "configuration?\n", json_string_value(json_object_get(d, "error")));
		return;
	}
	printf("daemon: pid %lld, started %s, ", pid,
	    json_string_value(json_object_get(d, "started")));
	if (strcmp(state, "running") == 0)
		printf("running (counters of %lld s ago)\n", age);
	else if (strcmp(state, "stopped") == 0)
		printf("stopped at %s; its last counters:\n",
		    json_string_value(json_object_get(d, "updated")));
	else
		printf("STALE: not updated for %lld s, the daemon is not running; its last "
		    "counters:\n", age);
	printf("  %-12s%lld\n", "messages", (long long)json_integer_value(json_object_get(d,
	    "messages")));
	print_counts("actions", json_object_get(d, "actions"));
	printf("  %-12s%lld (tempfail %lld)\n", "errors",
	    (long long)json_integer_value(json_object_get(d, "errors")),
	    (long long)json_integer_value(json_object_get(d, "tempfails")));
	printf("  %-12sp50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms, mean %.1f ms "
	    "(end of message to answer)\n", "scan time", num(scan, "p50"), num(scan, "p90"),
	    num(scan, "p99"), num(scan, "max"), num(scan, "mean"));
	if (json_object_get(d, "workers"))
		print_counts("workers", json_object_get(d, "workers"));
	if (json_object_get(d, "delays"))	/* not in the file of an older daemon */
		printf("  %-12sdelayed %lld, sent on time %lld, failed tries %lld\n", "delays",
		    jint(json_object_get(d, "delays"), "delayed"),
		    jint(json_object_get(d, "delays"), "sent_on_time"),
		    jint(json_object_get(d, "delays"), "failed_tries"));
	if (json_object_get(d, "memory"))	/* not in the file of an older daemon */
		printf("  %-12sheap %.1f MB in use, %.1f MB taken from the system\n", "memory",
		    jint(json_object_get(d, "memory"), "heap_in_use_kb") / 1024.0,
		    jint(json_object_get(d, "memory"), "heap_held_kb") / 1024.0);
}

int ctl_stats(const struct ctl *g, int argc, char **argv)
{
	struct stats_args a = { .json = false };
	json_t *reg = NULL, *dmn = NULL, *all = NULL;
	struct conf *cf;
	int code;

	if ((code = parse_stats_args(argc, argv, &a)) != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_admin_conf(g)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(reg = register_counts(cf, &a)) || !(dmn = daemon_counts(cf, time(NULL))))
		goto out;
	if (a.json) {
		all = json_pack("{s:O, s:O}", "register", reg, "daemon", dmn);
		if (ctl_print_json(stdout, all) < 0)
			goto out;
	} else {
		print_register(reg, &a);
		print_daemon(dmn);
	}
	code = CTL_OK;
out:
	json_decref(all);
	json_decref(dmn);
	json_decref(reg);
	conf_unref(cf);
	return code;
}
