/*
 * list.c — `dlpctl list`: incidents newest first, one line each
 * (id, time, action/status, sender, recipient counts, findings, rules),
 * or a JSON array of incidents.
 *
 * DATE is local time: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (or with a T), or
 * an age: Nd (days) or Nh (hours) before now.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"
#include "quarantine/incident.h"

static const char *const STATUSES = "held|rejected|releasing|released|deleted|expired";

static void list_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl list [--status S] [--since DATE] [--until DATE] [--json]\n"
	    "\n"
	    "List incidents, newest first: id, time, action/status, sender,\n"
	    "recipients (external), findings, rules.\n"
	    "\n"
	    "  -s, --status S     only S: %s\n"
	    "      --since DATE   created at or after DATE\n"
	    "      --until DATE   created before DATE\n"
	    "  -j, --json         a JSON array of incidents\n"
	    "  -h, --help         this help\n"
	    "\n"
	    "DATE (local time): YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\", YYYY-MM-DDTHH:MM[:SS],\n"
	    "or an age: 7d, 12h.\n", STATUSES);
}

static bool known_status(const char *s)
{
	size_t n = strlen(s);
	const char *p = strstr(STATUSES, s);

	return n && p && (p == STATUSES || p[-1] == '|') && (p[n] == '|' || p[n] == '\0');
}

/* "phone=49 email=3" from {type: {count, samples}}; "-" when empty. */
static void findings_summary(const json_t *findings, char *buf, size_t len)
{
	const char *type;
	json_t *v;
	size_t used = 0;
	int w;

	buf[0] = '\0';
	json_object_foreach((json_t *)findings, type, v) {
		w = snprintf(buf + used, len - used, "%s%s=%lld", used ? " " : "", type,
		    (long long)json_integer_value(json_object_get(v, "count")));
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	if (!used)
		snprintf(buf, len, "-");
}

/* "a,b" from [{name, …}]; "-" when empty. */
static void rules_summary(const json_t *rules, char *buf, size_t len)
{
	size_t i, used = 0;
	json_t *v;
	int w;

	buf[0] = '\0';
	json_array_foreach(rules, i, v) {
		w = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
		    json_string_value(json_object_get(v, "name")) ?: "?");
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	if (!used)
		snprintf(buf, len, "-");
}

struct list_out {
	bool json;
	json_t *array;		/* --json */
	size_t n;
	bool failed;		/* out of memory building the array */
};

static int list_cb(const struct incident *inc, void *arg)
{
	struct list_out *lo = arg;
	char when[32], state[32], fnd[256], rules[256];
	struct tm tm;

	lo->n++;
	if (lo->json) {
		lo->failed = json_array_append_new(lo->array, incident_json(inc)) < 0;
		return lo->failed;
	}
	localtime_r(&inc->created, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(state, sizeof(state), "%s/%s", inc->action, inc->status);
	findings_summary(inc->findings, fnd, sizeof(fnd));
	rules_summary(inc->rules, rules, sizeof(rules));
	printf("%-15s  %s  %-16s %-30s rcpt %ld (ext %ld)  %s  [%s]\n", inc->id, when, state,
	    inc->sender && *inc->sender ? inc->sender : "<>", inc->recipients, inc->external,
	    fnd, rules);
	return 0;
}

static int parse_list_args(int argc, char **argv, const char **status, time_t *since,
    time_t *until, bool *json)
{
	static const struct option longopts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!known_status(optarg)) {
				fprintf(stderr, "dlpctl list: unknown status \"%s\" (%s)\n", optarg,
				    STATUSES);
				return CTL_USAGE;
			}
			*status = optarg;
			break;
		case 'S':
		case 'U':
			if (ctl_date_arg("list", optarg, false, c == 'S' ? since : until) != 0)
				return CTL_USAGE;
			break;
		case 'j': *json = true; break;
		case 'h': list_usage(stdout); return -1;
		default: list_usage(stderr); return CTL_USAGE;
		}
	}
	return ctl_no_operands("list", argc, argv);
}

int ctl_list(const struct ctl *g, int argc, char **argv)
{
	struct list_out lo = { .json = false };
	const char *status = NULL;
	time_t since = 0, until = 0;
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	char err[512] = "";
	int code;

	code = parse_list_args(argc, argv, &status, &since, &until, &lo.json);
	if (code != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_conf(g, NULL)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, REG_RO)))
		goto out;
	if (lo.json && !(lo.array = json_array()))
		goto out;
	if (reg_list(rg, status, since, until, list_cb, &lo, err, sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl list: %s\n", err);
		goto out;
	}
	if (lo.failed) {
		fprintf(stderr, "dlpctl list: out of memory\n");
		goto out;
	}
	if (lo.json && ctl_print_json(stdout, lo.array) < 0)
		goto out;
	code = CTL_OK;
out:
	json_decref(lo.array);
	reg_close(rg);
	conf_unref(cf);
	return code;
}
