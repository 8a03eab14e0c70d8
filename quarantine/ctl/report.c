/*
 * report.c — `dlpctl report`: the incidents of a period, oldest first,
 * one row each (CSV, default, or JSON), or with --summary the counts of
 * the period by month, rule, sender, disposition and action, as an
 * output of its own.  Row fields: report.h.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "quarantine/incident.h"
#include "quarantine/report.h"

struct report_args {
	struct ctl_period period;
	bool json, no_subject, bom, summary, english;
};

static void report_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl report [--since DATE] [--until DATE] [--month YYYY-MM]\n"
	    "                     [--fiscal-year YYYY] [--summary] [--format csv|json]\n"
	    "                     [--lang ja|en] [--no-subject] [--bom]\n"
	    "\n"
	    "Incidents of a period, oldest first: date and time, sender, subject,\n"
	    "recipients, external recipients and domains, findings (types and counts),\n"
	    "rules, action, disposition, who decided, when, and the reason given.\n"
	    "With --summary: the counts of the period by month, rule, sender,\n"
	    "disposition and action instead.\n"
	    "\n"
	    "%s"
	    "      --summary      the summary of the period, not the incidents\n"
	    "  -f, --format csv|json  CSV (RFC 4180, CRLF, UTF-8) or one JSON object\n"
	    "      --lang ja|en   CSV headings in Japanese with the key, \"日時 (date)\"\n"
	    "                     (ja, the default), or the keys alone (en)\n"
	    "      --no-subject   leave the subjects out\n"
	    "      --bom          start the CSV with a UTF-8 byte order mark (Excel)\n"
	    "  -h, --help         this help\n", ctl_period_help);
}

static int parse_report_args(int argc, char **argv, struct report_args *a)
{
	enum { O_NO_SUBJECT = 0x200, O_BOM, O_SUMMARY, O_LANG };
	static const struct option longopts[] = {
		CTL_PERIOD_OPTIONS,
		{ "format", required_argument, NULL, 'f' },
		{ "summary", no_argument, NULL, O_SUMMARY },
		{ "lang", required_argument, NULL, O_LANG },
		{ "no-subject", no_argument, NULL, O_NO_SUBJECT },
		{ "bom", no_argument, NULL, O_BOM },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((rc = ctl_period_opt("report", c, optarg, &a->period)) != 1) {
			if (rc != 0)
				return rc;
			continue;
		}
		switch (c) {
		case 'f':
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "dlpctl report: --format \"%s\": csv or json\n",
				    ctl_shown(optarg, ""));
				return CTL_USAGE;
			}
			a->json = strcmp(optarg, "json") == 0;
			break;
		case O_LANG:
			if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
				fprintf(stderr, "dlpctl report: --lang \"%s\": ja or en\n",
				    ctl_shown(optarg, ""));
				return CTL_USAGE;
			}
			a->english = strcmp(optarg, "en") == 0;
			break;
		case O_SUMMARY: a->summary = true; break;
		case O_NO_SUBJECT: a->no_subject = true; break;
		case O_BOM: a->bom = true; break;
		case 'h': report_usage(stdout); return -1;
		default: report_usage(stderr); return CTL_USAGE;
		}
	}
	if ((rc = ctl_period_check("report", &a->period)) != 0)
		return rc;
	return ctl_no_operands("report", argc, argv);
}

struct collect {
	json_t *rows;
	struct reg *rg;
	struct scan_options opt;
	bool no_subject, oom;
	char err[512];
};

/* The reason given with the last status change ("held -> releasing:
 * checked with the sender"), if any. */
static int reason_cb(const struct audit *a, void *arg)
{
	char *reason = arg;

	if (a->action && strstr(a->action, " -> ") && a->reason && *a->reason)
		snprintf(reason, 512, "%s", a->reason);
	return 0;
}

static int collect_cb(const struct incident *inc, void *arg)
{
	struct collect *c = arg;

	c->oom = json_array_append_new(c->rows, report_row(inc, &c->opt, c->no_subject,
	    NULL)) < 0;
	return c->oom;
}

/* The reasons of the settled rows, from their audit trails (after the
 * list: the register is not to be asked again from inside its walk). */
static int add_reasons(struct collect *c)
{
	const char *st;
	char reason[512];
	json_t *row;
	size_t i;

	json_array_foreach(c->rows, i, row) {
		st = json_string_value(json_object_get(row, "disposition")) ?: "";
		if (strcmp(st, "held") == 0 || strcmp(st, "delayed") == 0 ||
		    strcmp(st, "rejected") == 0)
			continue;
		reason[0] = '\0';
		if (reg_history(c->rg, json_string_value(json_object_get(row, "id")), reason_cb,
		    reason, c->err, sizeof(c->err)) < 0)
			return -1;
		if (json_object_set_new(row, "reason", json_string(reason)) < 0) {
			snprintf(c->err, sizeof(c->err), "out of memory");
			return -1;
		}
	}
	return 0;
}

/* reg_list walks newest first: the report reads oldest first. */
static json_t *reversed(json_t *rows)
{
	json_t *r = json_array();
	size_t n = json_array_size(rows);

	for (size_t i = 0; r && i < n; i++)
		if (json_array_append(r, json_array_get(rows, n - 1 - i)) < 0) {
			json_decref(r);
			return NULL;
		}
	return r;
}

static int print_json(const struct report_args *a, const char *key, json_t *value)
{
	char since[40] = "", until[40] = "";
	json_t *o;
	int rc;

	if (a->period.since)
		incident_format_time(a->period.since, since, sizeof(since));
	if (a->period.until)
		incident_format_time(a->period.until, until, sizeof(until));
	o = json_pack("{s:s?, s:s?, s:s?, s:O}", "period", a->period.name[0] ?
	    a->period.name : NULL, "since", a->period.since ? since : NULL,
	    "until", a->period.until ? until : NULL, key, value);
	rc = ctl_print_json(stdout, o);
	json_decref(o);
	return rc;
}

int ctl_report(const struct ctl *g, int argc, char **argv)
{
	struct report_args a = { .json = false };
	struct collect c = { .rows = NULL };
	json_t *summary = NULL, *newest;
	struct conf *cf = NULL;
	int code, rc;

	if ((code = parse_report_args(argc, argv, &a)) != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_admin_conf(g)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(c.rg = ctl_open_register(cf, REG_RO)))
		goto out;
	conf_scan_options(cf, &c.opt);
	c.no_subject = a.no_subject;
	if (!(c.rows = json_array()))
		goto out;
	if (reg_list(c.rg, NULL, a.period.since, a.period.until, collect_cb, &c, c.err,
	    sizeof(c.err)) < 0 || c.oom || add_reasons(&c) < 0) {
		fprintf(stderr, "dlpctl report: %s\n", c.oom ? "out of memory" : c.err);
		goto out;
	}
	newest = c.rows;
	c.rows = reversed(newest);
	json_decref(newest);
	if (!c.rows)
		goto out;
	if (a.summary) {
		if (!(summary = report_summary(c.rows)))
			goto out;
		rc = a.json ? print_json(&a, "summary", summary) :
		    report_write_summary_csv(stdout, summary, a.english, a.bom);
	} else {
		rc = a.json ? print_json(&a, "incidents", c.rows) :
		    report_write_csv(stdout, c.rows, a.no_subject, a.english, a.bom);
	}
	if (rc < 0) {
		fprintf(stderr, "dlpctl report: cannot write the report\n");
		goto out;
	}
	code = CTL_OK;
out:
	json_decref(summary);
	json_decref(c.rows);
	reg_close(c.rg);
	conf_unref(cf);
	return code;
}
