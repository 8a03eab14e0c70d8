/*
 * list.c — `dlpctl list`: incidents newest first, one line each
 * (id, time, action/status, sender, recipient counts, findings, rules),
 * or a JSON array of incidents.
 *
 * The period options are those of every command (ctl.h, period.c); the
 * other filters match text as a substring, whatever its (ASCII) case.
 * The order (--sort, --asc, --desc) and the search (--search) are the
 * console's queue's.  Every filter is a condition of the register's query
 * (reg_where): dlpctl only prints what it selects.
 */
#include <getopt.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"
#include "quarantine/incident.h"

static const char *const STATUSES =
	"held|delayed|rejected|releasing|released|deleted|cancelled|expired";


struct list_args {
	const char *status;
	struct ctl_period period;
	const char *sender, *rcpt, *rule, *subject;	/* filters, or NULL */
	const char *search;	/* --search words, or NULL */
	size_t sort;		/* enum reg_order */
	int dir;		/* 1 --asc, -1 --desc, 0 the sort's own */
	bool json;
};

static void list_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl list [--status S] [--since DATE] [--until DATE] [--month YYYY-MM]\n"
	    "                   [--fiscal-year YYYY] [--sender TEXT] [--rcpt TEXT]\n"
	    "                   [--rule NAME] [--subject TEXT] [--search WORDS]\n"
	    "                   [--sort KEY [--asc | --desc]] [--json]\n"
	    "\n"
	    "List incidents, newest first, under a header row: id, time, action/status,\n"
	    "sender, recipients (external), findings, rules, subject.\n"
	    "\n"
	    "  -s, --status S     only S: %s\n"
	    "%s"
	    "      --sender TEXT  the envelope sender holds TEXT (case does not matter)\n"
	    "      --rcpt TEXT    an envelope recipient holds TEXT\n"
	    "      --rule NAME    rule NAME fired\n"
	    "      --subject TEXT the subject holds TEXT\n"
	    "  -q, --search WORDS every word (blank separated) is in the subject, the sender,\n"
	    "                     a recipient, an attachment's file name or a reason a person\n"
	    "                     wrote (case does not matter; at most %d bytes, %d words)\n"
	    "      --sort KEY     order by KEY: %s\n"
	    "                     (time and recipients largest first, the others A to Z)\n"
	    "      --asc, --desc  ascending or descending instead\n"
	    "  -j, --json         a JSON array of incidents\n"
	    "  -h, --help         this help\n", STATUSES, ctl_period_help, REG_SEARCH_MAX,
	    REG_SEARCH_WORDS, REG_ORDER_WORDS);
}

/* 0 when s is search text the register takes (valid UTF-8, no control
 * character, within REG_SEARCH_MAX bytes and REG_SEARCH_WORDS words),
 * else CTL_USAGE, said on stderr. */
static int search_check(const char *s)
{
	char words[REG_SEARCH_WORDS][REG_SEARCH_MAX + 1], err[128];

	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f) {
			fprintf(stderr, "dlpctl list: --search: a control character\n");
			return CTL_USAGE;
		}
	if (!g_utf8_validate(s, -1, NULL)) {
		fprintf(stderr, "dlpctl list: --search: not valid UTF-8\n");
		return CTL_USAGE;
	}
	if (reg_search_words(s, words, err, sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl list: --%s\n", err);
		return CTL_USAGE;
	}
	return 0;
}

/* The order called word, or -1 (said on stderr). */
static int sort_of(const char *word)
{
	int o = reg_order_named(word);

	if (o < 0)
		fprintf(stderr, "dlpctl list: unknown sort \"%s\" (%s)\n", ctl_shown(word, ""),
		    REG_ORDER_WORDS);
	return o;
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
		if (json_integer_value(json_object_get(v, "count")) == 0)
			continue;	/* only excluded values */
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
	const struct list_args *a;
	json_t *array;		/* --json */
	size_t n;
	bool failed;		/* out of memory building the array */
};

#define LIST_FORMAT "%-15s  %-19s  %-16s %-30s %5s %5s  %-24s %-20s %s\n"

static int list_cb(const struct incident *inc, void *arg)
{
	struct list_out *lo = arg;
	char when[32], state[32], fnd[256], rules[256], rcpt[24], ext[24];
	struct tm tm;

	lo->n++;
	if (lo->a->json) {
		lo->failed = json_array_append_new(lo->array, incident_json(inc)) < 0;
		return lo->failed;
	}
	if (lo->n == 1)
		printf(LIST_FORMAT, "ID", "CREATED", "ACTION/STATUS", "SENDER", "RCPT", "EXT",
		    "FINDINGS", "RULES", "SUBJECT");
	localtime_r(&inc->created, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(state, sizeof(state), "%s/%s", inc->action, inc->status);
	snprintf(rcpt, sizeof(rcpt), "%ld", inc->recipients);
	snprintf(ext, sizeof(ext), "%ld", inc->external);
	findings_summary(inc->findings, fnd, sizeof(fnd));
	rules_summary(inc->rules, rules, sizeof(rules));
	printf(LIST_FORMAT, inc->id, when, state, ctl_shown(inc->sender, "<>"), rcpt, ext, fnd,
	    ctl_shown(rules, "-"), ctl_shown(inc->subject, "-"));
	return 0;
}

static int parse_list_args(int argc, char **argv, struct list_args *a)
{
	enum { O_SENDER = 0x200, O_RCPT, O_RULE, O_SUBJECT, O_SORT, O_ASC, O_DESC };
	static const struct option longopts[] = {
		{ "status", required_argument, NULL, 's' },
		CTL_PERIOD_OPTIONS,
		{ "sender", required_argument, NULL, O_SENDER },
		{ "rcpt", required_argument, NULL, O_RCPT },
		{ "rule", required_argument, NULL, O_RULE },
		{ "subject", required_argument, NULL, O_SUBJECT },
		{ "search", required_argument, NULL, 'q' },
		{ "sort", required_argument, NULL, O_SORT },
		{ "asc", no_argument, NULL, O_ASC },
		{ "desc", no_argument, NULL, O_DESC },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc, i;

	while ((c = getopt_long(argc, argv, "s:q:jh", longopts, NULL)) != -1) {
		if ((rc = ctl_period_opt("list", c, optarg, &a->period)) != 1) {
			if (rc != 0)
				return rc;
			continue;
		}
		switch (c) {
		case 's':
			if (!known_status(optarg)) {
				fprintf(stderr, "dlpctl list: unknown status \"%s\" (%s)\n",
				    ctl_shown(optarg, ""), STATUSES);
				return CTL_USAGE;
			}
			a->status = optarg;
			break;
		case O_SENDER: a->sender = optarg; break;
		case O_RCPT: a->rcpt = optarg; break;
		case O_RULE: a->rule = optarg; break;
		case O_SUBJECT: a->subject = optarg; break;
		case 'q':
			if ((rc = search_check(optarg)) != 0)
				return rc;
			a->search = optarg;
			break;
		case O_SORT:
			if ((i = sort_of(optarg)) < 0)
				return CTL_USAGE;
			a->sort = (size_t)i;
			break;
		case O_ASC: case O_DESC:
			if (a->dir && a->dir != (c == O_ASC ? 1 : -1)) {
				fprintf(stderr, "dlpctl list: --asc and --desc do not mix\n");
				return CTL_USAGE;
			}
			a->dir = c == O_ASC ? 1 : -1;
			break;
		case 'j': a->json = true; break;
		case 'h': list_usage(stdout); return -1;
		default: list_usage(stderr); return CTL_USAGE;
		}
	}
	if ((rc = ctl_period_check("list", &a->period)) != 0)
		return rc;
	return ctl_no_operands("list", argc, argv);
}

int ctl_list(const struct ctl *g, int argc, char **argv)
{
	struct list_args a = { .status = NULL };
	struct list_out lo = { .a = &a };
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	char err[512] = "";
	int code;

	if ((code = parse_list_args(argc, argv, &a)) != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_admin_conf(g)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, REG_RO)))
		goto out;
	if (a.json && !(lo.array = json_array()))
		goto out;
	/* every filter, the search and the order are the register's query's */
	struct reg_where w = { .status = a.status, .since = a.period.since,
		.until = a.period.until, .sender = a.sender, .rule = a.rule,
		.subject = a.subject, .rcpt = a.rcpt,
		.order = (enum reg_order)a.sort,
		.ascending = a.dir ? a.dir > 0 : reg_orders[a.sort].asc,
		.search = a.search && *a.search ? a.search : NULL };
	if (reg_list_where(rg, &w, list_cb, &lo, err, sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl list: %s\n", err);
		goto out;
	}
	if (lo.failed) {
		fprintf(stderr, "dlpctl list: out of memory\n");
		goto out;
	}
	if (a.json && ctl_print_json(stdout, lo.array) < 0)
		goto out;
	if (!a.json && lo.n == 0)
		fprintf(stderr, "dlpctl list: no incident matches\n");
	code = CTL_OK;
out:
	json_decref(lo.array);
	reg_close(rg);
	conf_unref(cf);
	return code;
}
