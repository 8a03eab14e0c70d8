/*
 * approver.c — `dlpctl approver`: who approves whose mail (上長承認),
 * the approvers table of the register.
 *
 *   dlpctl approver set SUBJECT APPROVER... [--proxy ADDR]...
 *   dlpctl approver unset SUBJECT
 *   dlpctl approver list [SENDER]
 *   dlpctl approver import FILE.csv
 *   dlpctl approver member ADDR GROUP | dlpctl approver member ADDR --none
 *   dlpctl approver away ADDR [--until YYYY-MM-DD]
 *   dlpctl approver back ADDR
 *
 * SUBJECT is a sender address, group:NAME (the members of group NAME) or
 * @domain (its subdomains too).  For a sender the address decides, else
 * its group, else the domain, else each parent domain.  The CSV has the
 * columns 所属, 職員アドレス, 承認者, 代理承認者 (group, staff address,
 * approver, proxy approver; a header row is skipped, several addresses in
 * a cell are separated by ';' or spaces): each staff address becomes a
 * member of its group; the approvers of a group's first row with
 * approvers become the group's (group:NAME); a row whose approvers differ
 * from its group's sets them on its address; a row without a group sets
 * its address's approvers as before.  An approver marked away has their
 * proxies mailed at once (notice/queue.h nq_proxy).
 */
#include <ctype.h>
#include <getopt.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"

#define MAX_LIST 16

static void approver_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl approver set SUBJECT APPROVER... [--proxy ADDR]...\n"
	    "       dlpctl approver unset SUBJECT\n"
	    "       dlpctl approver list [SENDER]\n"
	    "       dlpctl approver import FILE.csv\n"
	    "       dlpctl approver member ADDR GROUP|--none\n"
	    "       dlpctl approver away ADDR [--until YYYY-MM-DD]\n"
	    "       dlpctl approver back ADDR\n"
	    "\n"
	    "Supervisor approval: the approvers of a sender address, of group:NAME\n"
	    "(its members) or of an @domain; for a sender the address decides, else\n"
	    "its group, else its domain, else each parent domain.  A rule with\n"
	    "action = approve holds the mail and sends its approvers an approval\n"
	    "request with approve / reject links; the proxies get it after [web]\n"
	    "proxy_after, or at once while an approver is away.  With SENDER, list\n"
	    "shows the approvers that decide for that sender.  The CSV columns are\n"
	    "所属, 職員アドレス, 承認者, 代理承認者 (group, address, approver, proxy).\n");
}

/* "away" while addr is marked away, else "". */
static const char *away_text(struct reg *rg, const char *addr, char *buf, size_t len)
{
	char err[256];

	buf[0] = '\0';
	if (reg_away_is(rg, addr, time(NULL), err, sizeof(err)) == 1)
		snprintf(buf, len, "away");
	return buf;
}

static int print_row(const struct reg_approver *a, void *arg)
{
	char away[64];

	printf("%-32s %-32s %s%s%s\n", a->subject, a->approver, a->rank ? "proxy" : "approver",
	    *away_text(arg, a->approver, away, sizeof(away)) ? "  " : "", away);
	return 0;
}

static int print_member(const struct reg_member *m, void *arg)
{
	(void)arg;
	printf("member %-32s group:%s\n", m->member, m->group);
	return 0;
}

static int print_away(const struct reg_away *a, void *arg)
{
	char day[16] = "";
	time_t last = a->back - 1;
	struct tm tm;

	(void)arg;
	if (a->back && localtime_r(&last, &tm))
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	printf("away   %-32s %s%s%s\n", a->approver, a->back ? "until " : "until marked back",
	    day, a->back && a->back <= time(NULL) ? " (over)" : "");
	return 0;
}

/* YYYY-MM-DD: the first second of the next day, local time; -1 if bad. */
static time_t day_after(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if (!s || strlen(s) != 10 || !(end = strptime(s, "%Y-%m-%d", &tm)) || *end)
		return -1;
	tm.tm_mday++;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static void warn_row(void *arg, int line, const char *msg)
{
	fprintf(stderr, "dlpctl approver: %s:%d: %s\n", (const char *)arg, line, msg);
}

static int import_csv(struct reg *rg, const char *path, const char *actor)
{
	struct reg_import_counts n;
	char err[512];
	FILE *fp = fopen(path, "r");
	int rc;

	if (!fp) {
		fprintf(stderr, "dlpctl approver: cannot read %s\n", path);
		return CTL_NOTFOUND;
	}
	rc = reg_approver_import(rg, fp, actor, &n, warn_row, (void *)path, err, sizeof(err));
	fclose(fp);
	if (rc < 0) {
		fprintf(stderr, "dlpctl approver: %s: %s\n", path, err);
		return CTL_FAIL;
	}
	printf("%d sender%s, %d group%s, %d member%s set from %s%s\n", n.senders,
	    n.senders == 1 ? "" : "s", n.groups, n.groups == 1 ? "" : "s", n.members,
	    n.members == 1 ? "" : "s", path, n.refused ? ", some rows refused" : "");
	return n.refused ? CTL_USAGE : CTL_OK;
}

int ctl_approver(const struct ctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "proxy", required_argument, NULL, 'p' },
		{ "until", required_argument, NULL, 'u' },
		{ "none", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *px[MAX_LIST], *verb, *until = NULL;
	char actor[128], err[512] = "";
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	size_t np = 0, nargs;
	bool none = false;
	time_t back = 0;
	int c, code;

	while ((c = getopt_long(argc, argv, "p:u:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (np < MAX_LIST)
				px[np++] = optarg;
			break;
		case 'u': until = optarg; break;
		case 'n': none = true; break;
		case 'h': approver_usage(stdout); return CTL_OK;
		default: approver_usage(stderr); return CTL_USAGE;
		}
	}
	verb = optind < argc ? argv[optind++] : "";
	nargs = (size_t)(argc - optind);
	if ((until && strcmp(verb, "away") != 0) || (none && strcmp(verb, "member") != 0) ||
	    (np && strcmp(verb, "set") != 0) ||
	    !((strcmp(verb, "set") == 0 && nargs >= 2 && nargs <= MAX_LIST + 1) ||
	    (strcmp(verb, "unset") == 0 && nargs == 1) ||
	    (strcmp(verb, "list") == 0 && nargs <= 1) ||
	    (strcmp(verb, "import") == 0 && nargs == 1) ||
	    (strcmp(verb, "member") == 0 && nargs == (none ? 1u : 2u)) ||
	    (strcmp(verb, "away") == 0 && nargs == 1) ||
	    (strcmp(verb, "back") == 0 && nargs == 1))) {
		approver_usage(stderr);
		return CTL_USAGE;
	}
	if (until && (back = day_after(until)) < 0) {
		fprintf(stderr, "dlpctl approver: --until %s: not a date YYYY-MM-DD\n", until);
		return CTL_USAGE;
	}
	if (!(cf = ctl_load_conf(g, NULL)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, strcmp(verb, "list") == 0 ? REG_RO : REG_RW)))
		goto out;
	ctl_actor(actor, sizeof(actor));
	if (strcmp(verb, "list") == 0) {
		char group[200];

		code = reg_approver_list(rg, nargs ? argv[optind] : NULL, print_row, rg, err,
		    sizeof(err)) == 0 ? CTL_OK : CTL_FAIL;
		if (code == CTL_OK && nargs && reg_group_of(rg, argv[optind], group, sizeof(group),
		    err, sizeof(err)) == 0)
			printf("member %-32s group:%s\n", argv[optind], group);
		if (code == CTL_OK && !nargs)
			code = reg_group_list(rg, NULL, print_member, NULL, err, sizeof(err)) == 0 &&
			    reg_away_list(rg, print_away, NULL, err, sizeof(err)) == 0 ? CTL_OK :
			    CTL_FAIL;
	} else if (strcmp(verb, "import") == 0) {
		code = import_csv(rg, argv[optind], actor);
		goto out;
	} else if (strcmp(verb, "member") == 0) {
		code = reg_group_set(rg, argv[optind], none ? NULL : argv[optind + 1], actor, err,
		    sizeof(err)) == 0 ? CTL_OK : CTL_USAGE;
		if (code == CTL_OK)
			printf("%s: %s%s\n", argv[optind], none ? "in no group" : "member of group:",
			    none ? "" : argv[optind + 1]);
	} else if (strcmp(verb, "away") == 0 || strcmp(verb, "back") == 0) {
		bool away = strcmp(verb, "away") == 0;

		code = reg_away_set(rg, argv[optind], away, back, actor, err, sizeof(err)) == 0 ?
		    CTL_OK : CTL_USAGE;
		if (code == CTL_OK)
			printf("%s %s%s%s\n", argv[optind], away ? "away" : "back",
			    until ? " through " : away ? " until marked back" : "", until ? until : "");
	} else {
		code = reg_approver_set(rg, argv[optind], (const char *const *)argv + optind + 1,
		    strcmp(verb, "set") == 0 ? nargs - 1 : 0, px, np, actor, err, sizeof(err)) == 0 ?
		    CTL_OK : CTL_USAGE;
		if (code == CTL_OK)
			printf("approvers of %s %s\n", argv[optind], strcmp(verb, "set") == 0 ? "set" :
			    "removed");
	}
	if (code != CTL_OK)
		fprintf(stderr, "dlpctl approver: %s\n", err);
out:
	reg_close(rg);
	conf_unref(cf);
	return code;
}
