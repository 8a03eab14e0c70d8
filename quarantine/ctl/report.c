/*
 * report.c — `dlpctl report`: the incidents of a period, oldest
 * first, one row each, and a summary by rule, disposition and action;
 * CSV (default) or JSON.  Row fields: report.h.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "quarantine/incident.h"
#include "quarantine/report.h"

struct report_args {
	time_t from, to;	/* 0: open */
	bool json, no_subject, bom;
};

static void report_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl report [--from DATE] [--to DATE] [--format csv|json]\n"
	    "                     [--no-subject] [--bom]\n"
	    "\n"
	    "Incidents of a period, oldest first: date and time, sender, subject,\n"
	    "recipients, external recipients and domains, findings (types and counts),\n"
	    "rules, action, disposition, who decided and when; then a summary by rule,\n"
	    "by disposition and by action.\n"
	    "\n"
	    "  --from DATE        created at or after DATE (default: the first)\n"
	    "  --to DATE          created before DATE; a bare day counts whole\n"
	    "                     (--to 2026-11-30 includes the 30th)\n"
	    "  --format csv|json  CSV (RFC 4180, CRLF, UTF-8) or one JSON object\n"
	    "  --no-subject       leave the subjects out\n"
	    "  --bom              start the CSV with a UTF-8 byte order mark (Excel)\n"
	    "  -h, --help         this help\n"
	    "\n"
	    "DATE (local time): YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\", or an age: 7d, 12h.\n");
}

static int parse_report_args(int argc, char **argv, struct report_args *a)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "format", required_argument, NULL, 'f' },
		{ "no-subject", no_argument, NULL, 'S' },
		{ "bom", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
		case 'T':
			if (ctl_date_arg("report", optarg, c == 'T',
			    c == 'F' ? &a->from : &a->to) != 0)
				return CTL_USAGE;
			break;
		case 'f':
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "dlpctl report: --format csv or json\n");
				return CTL_USAGE;
			}
			a->json = strcmp(optarg, "json") == 0;
			break;
		case 'S': a->no_subject = true; break;
		case 'B': a->bom = true; break;
		case 'h': report_usage(stdout); return -1;
		default: report_usage(stderr); return CTL_USAGE;
		}
	}
	return ctl_no_operands("report", argc, argv);
}

struct collect {
	json_t *rows;
	struct scan_options opt;
	bool no_subject, oom;
};

static int collect_cb(const struct incident *inc, void *arg)
{
	struct collect *c = arg;

	c->oom = json_array_append_new(c->rows, report_row(inc, &c->opt, c->no_subject)) < 0;
	return c->oom;
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

static int print_json(const struct report_args *a, json_t *rows, json_t *summary)
{
	char from[40] = "", to[40] = "";
	json_t *o;
	int rc;

	if (a->from)
		incident_format_time(a->from, from, sizeof(from));
	if (a->to)
		incident_format_time(a->to, to, sizeof(to));
	o = json_pack("{s:s?, s:s?, s:O, s:O}", "from", a->from ? from : NULL,
	    "to", a->to ? to : NULL, "incidents", rows, "summary", summary);
	rc = ctl_print_json(stdout, o);
	json_decref(o);
	return rc;
}

int ctl_report(const struct ctl *g, int argc, char **argv)
{
	struct report_args a = { .from = 0 };
	struct collect c = { .rows = NULL };
	json_t *summary = NULL, *newest;
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	char err[512] = "";
	int code;

	if ((code = parse_report_args(argc, argv, &a)) != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_conf(g, NULL)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, REG_RO)))
		goto out;
	conf_scan_options(cf, &c.opt);
	c.no_subject = a.no_subject;
	if (!(c.rows = json_array()))
		goto out;
	if (reg_list(rg, NULL, a.from, a.to, collect_cb, &c, err, sizeof(err)) < 0 || c.oom) {
		fprintf(stderr, "dlpctl report: %s\n", c.oom ? "out of memory" : err);
		goto out;
	}
	newest = c.rows;
	c.rows = reversed(newest);
	json_decref(newest);
	if (!c.rows || !(summary = report_summary(c.rows)))
		goto out;
	if ((a.json ? print_json(&a, c.rows, summary) :
	    report_write_csv(stdout, c.rows, summary, a.no_subject, a.bom)) < 0) {
		fprintf(stderr, "dlpctl report: cannot write the report\n");
		goto out;
	}
	code = CTL_OK;
out:
	json_decref(summary);
	json_decref(c.rows);
	reg_close(rg);
	conf_unref(cf);
	return code;
}
