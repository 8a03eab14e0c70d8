/*
 * audit.c — `dlpctl audit`: the audit trail of every incident in a
 * period, in the order it was written (who created, viewed, released,
 * deleted, expired, which notice went out), or of one incident.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "quarantine/incident.h"

struct audit_args {
	struct ctl_period period;
	const char *incident, *actor;
	bool json;
};

static void audit_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl audit [--since DATE] [--until DATE] [--month YYYY-MM]\n"
	    "                    [--fiscal-year YYYY] [--incident ID] [--actor NAME] [--json]\n"
	    "\n"
	    "The audit trail, oldest first: time, incident, who, what and why —\n"
	    "every creation, view of a held message's content, release, delete,\n"
	    "expiry and notice.\n"
	    "\n"
	    "%s"
	    "      --incident ID  only that incident's rows (ID as list shows it, any\n"
	    "                     case, or its last characters)\n"
	    "      --actor NAME   only rows by NAME (root, dlp-milter, a login)\n"
	    "  -j, --json         a JSON array of rows\n"
	    "  -h, --help         this help\n", ctl_period_help);
}

static int parse_audit_args(int argc, char **argv, struct audit_args *a)
{
	enum { O_INCIDENT = 0x200, O_ACTOR };
	static const struct option longopts[] = {
		CTL_PERIOD_OPTIONS,
		{ "incident", required_argument, NULL, O_INCIDENT },
		{ "actor", required_argument, NULL, O_ACTOR },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		if ((rc = ctl_period_opt("audit", c, optarg, &a->period)) != 1) {
			if (rc != 0)
				return rc;
			continue;
		}
		switch (c) {
		case O_INCIDENT: a->incident = optarg; break;
		case O_ACTOR: a->actor = optarg; break;
		case 'j': a->json = true; break;
		case 'h': audit_usage(stdout); return -1;
		default: audit_usage(stderr); return CTL_USAGE;
		}
	}
	if ((rc = ctl_period_check("audit", &a->period)) != 0)
		return rc;
	return ctl_no_operands("audit", argc, argv);
}

struct audit_out {
	const struct audit_args *a;
	json_t *array;
	size_t n;
	bool failed;
};

static int row_cb(const struct audit *r, void *arg)
{
	struct audit_out *ao = arg;
	const struct ctl_period *p = &ao->a->period;
	char when[40];

	if ((p->since && r->time < p->since) || (p->until && r->time >= p->until))
		return 0;
	if (ao->a->actor && strcmp(r->actor ? r->actor : "", ao->a->actor) != 0)
		return 0;
	incident_format_time(r->time, when, sizeof(when));
	ao->n++;
	if (ao->array) {
		ao->failed = json_array_append_new(ao->array, json_pack("{s:s, s:I, s:s?, s:s?,"
		    " s:s?, s:s?}", "time", when, "time_epoch", (json_int_t)r->time, "incident",
		    r->incident, "actor", r->actor, "action", r->action, "reason", r->reason)) < 0;
		return ao->failed;
	}
	printf("%s  %-15s  %-12s %s%s%s\n", when, ctl_shown(r->incident, "-"),
	    ctl_shown(r->actor, "?"), ctl_shown(r->action, "?"),
	    r->reason && *r->reason ? ": " : "", ctl_shown(r->reason, ""));
	return 0;
}

int ctl_audit(const struct ctl *g, int argc, char **argv)
{
	struct audit_args a = { .json = false };
	struct audit_out ao = { .a = &a };
	char err[512] = "", id[32];
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	int code;

	if ((code = parse_audit_args(argc, argv, &a)) != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_admin_conf(g)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, REG_RO)))
		goto out;
	if (a.json && !(ao.array = json_array()))
		goto out;
	if (a.incident) {
		if ((code = ctl_incident_id(rg, "audit", a.incident, id)) != CTL_OK)
			goto out;
		code = CTL_FAIL;
		if (reg_history(rg, id, row_cb, &ao, err, sizeof(err)) < 0) {
			fprintf(stderr, "dlpctl audit: %s\n", err);
			goto out;
		}
	} else if (reg_audit_list(rg, a.period.since, a.period.until, row_cb, &ao, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl audit: %s\n", err);
		goto out;
	}
	if (ao.failed) {
		fprintf(stderr, "dlpctl audit: out of memory\n");
		goto out;
	}
	if (ao.array && ctl_print_json(stdout, ao.array) < 0)
		goto out;
	if (!ao.array && ao.n == 0)
		fprintf(stderr, "dlpctl audit: no audit row matches\n");
	code = CTL_OK;
out:
	json_decref(ao.array);
	reg_close(rg);
	conf_unref(cf);
	return code;
}
