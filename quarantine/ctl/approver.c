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

/* Split cell into addresses (';', ',' or blanks between), in place. */
static size_t split_addrs(char *cell, const char **out, size_t max)
{
	size_t n = 0;

	for (char *t = strtok(cell, "; ,\t"); t && n < max; t = strtok(NULL, "; ,\t"))
		out[n++] = t;
	return n;
}

/* One CSV line into at most 4 fields (double quotes as RFC 4180), in place.
 * Returns the number of fields. */
static int csv_fields(char *line, char *f[4])
{
	int n = 0;
	char *w = line, *p = line;

	while (n < 4) {
		bool q = *p == '"';
		f[n++] = w;
		if (q)
			p++;
		while (*p && (q || (*p != ',' && *p != '\r' && *p != '\n'))) {
			if (q && *p == '"') {
				if (p[1] == '"')
					p++;
				else {
					q = false;
					p++;
					continue;
				}
			}
			*w++ = *p++;
		}
		bool more = *p == ',';
		*w++ = '\0';
		if (!more)
			break;
		p++;
	}
	for (int i = 0; i < n; i++) {
		while (isspace((unsigned char)*f[i]))
			f[i]++;
		for (char *e = f[i] + strlen(f[i]); e > f[i] && isspace((unsigned char)e[-1]); )
			*--e = '\0';
	}
	return n;
}

struct row {
	char *group, *member, *ap, *px;	/* the cells (ap, px as written) */
	int line;
};

/* Two cells of addresses the same (as written, in order). */
static bool same_list(const char *a, const char *b)
{
	char x[4096], y[4096];
	const char *xa[MAX_LIST], *ya[MAX_LIST];
	size_t nx, ny;

	snprintf(x, sizeof(x), "%s", a ? a : "");
	snprintf(y, sizeof(y), "%s", b ? b : "");
	nx = split_addrs(x, xa, MAX_LIST);
	ny = split_addrs(y, ya, MAX_LIST);
	for (size_t i = 0; nx == ny && i < nx; i++)
		if (strcasecmp(xa[i], ya[i]) != 0)
			return false;
	return nx == ny;
}

/* Set subject's approvers from the cells ap and px (copied).  0 or -1. */
static int set_cells(struct reg *rg, const char *subject, const char *ap, const char *px,
    const char *actor, char *err, size_t errlen)
{
	char a[4096], p[4096];
	const char *av[MAX_LIST], *pv[MAX_LIST];
	size_t na, np;

	snprintf(a, sizeof(a), "%s", ap ? ap : "");
	snprintf(p, sizeof(p), "%s", px ? px : "");
	na = split_addrs(a, av, MAX_LIST);
	np = split_addrs(p, pv, MAX_LIST);
	return reg_approver_set(rg, subject, av, na, pv, np, actor, err, errlen);
}

/* Counts the deciding rows whose subject is an address (not a group or
 * a domain): the sender's own entry. */
static int own_rows(const struct reg_approver *a, void *arg)
{
	if (a->subject[0] != '@' && strncmp(a->subject, REG_GROUP_PREFIX,
	    strlen(REG_GROUP_PREFIX)) != 0)
		++*(int *)arg;
	return 1;
}

static int import_csv(struct reg *rg, const char *path, const char *actor)
{
	char line[4096], err[512], *f[4], subject[200];
	struct row *rows = NULL;
	size_t nrows = 0, cap = 0;
	int lineno = 0, done = 0, groups = 0, members = 0, bad = 0;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		fprintf(stderr, "dlpctl approver: cannot read %s\n", path);
		return CTL_NOTFOUND;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *s = line;

		lineno++;
		if (lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;	/* a UTF-8 BOM, as Excel writes it */
		memset(f, 0, sizeof(f));
		if (csv_fields(s, f) < 2 || (!*f[1] && (!f[2] || !*f[2])))
			continue;
		if (lineno == 1 && !strchr(f[1], '@') && !(f[2] && strchr(f[2], '@')))
			continue;	/* the header */
		if (nrows == cap) {
			struct row *n = realloc(rows, (cap = cap ? cap * 2 : 64) * sizeof(*rows));
			if (!n) {
				fprintf(stderr, "dlpctl approver: out of memory\n");
				bad++;
				break;
			}
			rows = n;
		}
		rows[nrows++] = (struct row){ strdup(f[0]), strdup(f[1]), strdup(f[2] ? f[2] : ""),
			strdup(f[3] ? f[3] : ""), lineno };
	}
	fclose(fp);
	for (size_t i = 0; i < nrows; i++) {
		struct row *r = &rows[i], *first = NULL;
		int own = 0;

		if (!r->group || !r->member || !r->ap || !r->px) {
			bad++;
			continue;
		}
		/* the group's approvers: its first row with approvers */
		for (size_t k = 0; *r->group && k <= i && !first; k++)
			if (strcmp(rows[k].group, r->group) == 0 && *rows[k].ap)
				first = &rows[k];
		if (*r->group && first == r && (!*r->member || *r->ap)) {
			snprintf(subject, sizeof(subject), "%s%s", REG_GROUP_PREFIX, r->group);
			if (set_cells(rg, subject, r->ap, r->px, actor, err, sizeof(err)) < 0) {
				fprintf(stderr, "dlpctl approver: %s:%d: %s\n", path, r->line, err);
				bad++;
				continue;
			}
			groups++;
		}
		if (!*r->member)
			continue;
		if (*r->group) {
			if (reg_group_set(rg, r->member, r->group, actor, err, sizeof(err)) < 0) {
				fprintf(stderr, "dlpctl approver: %s:%d: %s\n", path, r->line, err);
				bad++;
				continue;
			}
			members++;
		}
		if (!*r->group || (*r->ap && first &&
		    (!same_list(r->ap, first->ap) || !same_list(r->px, first->px)))) {
			/* its own approvers: no group, or not the group's */
			if (set_cells(rg, r->member, r->ap, r->px, actor, err, sizeof(err)) < 0) {
				fprintf(stderr, "dlpctl approver: %s:%d: %s\n", path, r->line, err);
				bad++;
			} else {
				done++;
			}
		} else if (reg_approver_list(rg, r->member, own_rows, &own, err, sizeof(err)) == 0 &&
		    own > 0) {
			/* the group's: an older entry of the address itself would win */
			if (reg_approver_set(rg, r->member, NULL, 0, NULL, 0, actor, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "dlpctl approver: %s:%d: %s\n", path, r->line, err);
				bad++;
			}
		}
	}
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].group);
		free(rows[i].member);
		free(rows[i].ap);
		free(rows[i].px);
	}
	free(rows);
	printf("%d sender%s, %d group%s, %d member%s set from %s%s\n", done, done == 1 ? "" : "s",
	    groups, groups == 1 ? "" : "s", members, members == 1 ? "" : "s", path,
	    bad ? ", some rows refused" : "");
	return bad ? CTL_USAGE : CTL_OK;
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
