/*
 * approver.c — `dlpctl approver`: who approves whose mail (上長承認),
 * the approvers table of the register.
 *
 *   dlpctl approver set SUBJECT APPROVER... [--proxy ADDR]...
 *   dlpctl approver unset SUBJECT
 *   dlpctl approver list [SENDER]
 *   dlpctl approver import FILE.csv
 *
 * SUBJECT is a sender address or @domain (its subdomains too).  For a
 * sender the address decides, else the domain, else each parent domain.
 * The CSV has the columns 所属, 職員アドレス, 承認者, 代理承認者 (group,
 * staff address, approver, proxy approver; a header row is skipped,
 * several addresses in a cell are separated by ';' or spaces); each row
 * sets the approvers of its staff address.  The group column is kept in
 * the audit row only.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

#define MAX_LIST 16

static void approver_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl approver set SUBJECT APPROVER... [--proxy ADDR]...\n"
	    "       dlpctl approver unset SUBJECT\n"
	    "       dlpctl approver list [SENDER]\n"
	    "       dlpctl approver import FILE.csv\n"
	    "\n"
	    "Supervisor approval: the approvers of a sender address or of an @domain.\n"
	    "A rule with action = approve holds the mail and sends its approvers an\n"
	    "approval request with approve / reject links.  With SENDER, list shows\n"
	    "the approvers that decide for that sender.  The CSV columns are 所属,\n"
	    "職員アドレス, 承認者, 代理承認者 (group, address, approver, proxy).\n");
}

static int print_row(const struct reg_approver *a, void *arg)
{
	printf("%-32s %-32s %s\n", a->subject, a->approver, a->rank ? "proxy" : "approver");
	return 0;
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

static int import_csv(struct reg *rg, const char *path, const char *actor)
{
	const char *ap[MAX_LIST], *px[MAX_LIST];
	char line[4096], err[512], *f[4];
	size_t na, np;
	int lineno = 0, done = 0, bad = 0;
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
		if (csv_fields(s, f) < 3 || (!*f[1] && !*f[2]))
			continue;
		if (lineno == 1 && !strchr(f[1], '@'))
			continue;	/* the header */
		na = split_addrs(f[2], ap, MAX_LIST);
		np = 0;
		if (f[3] && f[3][0])
			np = split_addrs(f[3], px, MAX_LIST);
		if (reg_approver_set(rg, f[1], ap, na, px, np, actor, err, sizeof(err)) < 0) {
			fprintf(stderr, "dlpctl approver: %s:%d: %s\n", path, lineno, err);
			bad++;
		} else {
			done++;
		}
	}
	fclose(fp);
	printf("%d sender%s set from %s%s\n", done, done == 1 ? "" : "s", path,
	    bad ? ", some rows refused" : "");
	return bad ? CTL_USAGE : CTL_OK;
}

int ctl_approver(const struct ctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "proxy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *px[MAX_LIST], *verb;
	char actor[128], err[512];
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	size_t np = 0, nargs;
	int c, code;

	while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (np < MAX_LIST)
				px[np++] = optarg;
			break;
		case 'h': approver_usage(stdout); return CTL_OK;
		default: approver_usage(stderr); return CTL_USAGE;
		}
	}
	verb = optind < argc ? argv[optind++] : "";
	nargs = (size_t)(argc - optind);
	if (!((strcmp(verb, "set") == 0 && nargs >= 2 && nargs <= MAX_LIST + 1) ||
	    (strcmp(verb, "unset") == 0 && nargs == 1 && !np) ||
	    (strcmp(verb, "list") == 0 && nargs <= 1 && !np) ||
	    (strcmp(verb, "import") == 0 && nargs == 1 && !np))) {
		approver_usage(stderr);
		return CTL_USAGE;
	}
	if (!(cf = ctl_load_conf(g, NULL)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, strcmp(verb, "list") == 0 ? REG_RO : REG_RW)))
		goto out;
	ctl_actor(actor, sizeof(actor));
	if (strcmp(verb, "list") == 0) {
		code = reg_approver_list(rg, nargs ? argv[optind] : NULL, print_row, NULL, err,
		    sizeof(err)) == 0 ? CTL_OK : CTL_FAIL;
	} else if (strcmp(verb, "import") == 0) {
		code = import_csv(rg, argv[optind], actor);
		goto out;
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
