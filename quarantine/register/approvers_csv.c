/*
 * approvers_csv.c — import of the approvers from a staff list (register.h
 * reg_approver_import): CSV with the columns 所属, 職員アドレス, 承認者,
 * 代理承認者 (group, staff address, approver, proxy approver), as a
 * personnel system or Excel writes it (a UTF-8 BOM, a header row, RFC
 * 4180 quotes; several addresses in a cell separated by ';', ',' or
 * blanks).
 *
 * Each staff address becomes a member of its group; the approvers of the
 * first row of a group that names approvers become the group's
 * (group:NAME), so a group's members need no entry of their own; a row
 * whose approvers differ from its group's sets them on its address (an
 * exception), a row that agrees with its group removes an older entry of
 * its address (which would win over the group); a row without a group
 * sets the approvers of its address.  A row with a group and approvers
 * but no address sets the group's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "register/register.h"

#define MAX_LIST 16

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

int reg_approver_import(struct reg *rg, FILE *fp, const char *actor,
    struct reg_import_counts *cnt, void (*warn)(void *arg, int line, const char *msg),
    void *warg, char *err_out, size_t errlen)
{
	char line[4096], err[512], *f[4], subject[200];
	struct row *rows = NULL;
	size_t nrows = 0, cap = 0;
	int rc = -1;
	int lineno = 0, done = 0, groups = 0, members = 0, bad = 0;

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
				snprintf(err_out, errlen, "out of memory");
				goto fail;
			}
			rows = n;
		}
		rows[nrows++] = (struct row){ strdup(f[0]), strdup(f[1]), strdup(f[2] ? f[2] : ""),
			strdup(f[3] ? f[3] : ""), lineno };
	}
	if (ferror(fp)) {
		snprintf(err_out, errlen, "read error");
		goto fail;
	}
	for (size_t i = 0; i < nrows; i++) {
		struct row *r = &rows[i], *first = NULL;
		int own = 0;

		if (!r->group || !r->member || !r->ap || !r->px) {
			warn(warg, r->line, "out of memory");
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
				warn(warg, r->line, err);
				bad++;
				continue;
			}
			groups++;
		}
		if (!*r->member)
			continue;
		if (*r->group) {
			if (reg_group_set(rg, r->member, r->group, actor, err, sizeof(err)) < 0) {
				warn(warg, r->line, err);
				bad++;
				continue;
			}
			members++;
		}
		if (!*r->group || (*r->ap && first &&
		    (!same_list(r->ap, first->ap) || !same_list(r->px, first->px)))) {
			/* its own approvers: no group, or not the group's */
			if (set_cells(rg, r->member, r->ap, r->px, actor, err, sizeof(err)) < 0) {
				warn(warg, r->line, err);
				bad++;
			} else {
				done++;
			}
		} else if (reg_approver_list(rg, r->member, own_rows, &own, err, sizeof(err)) == 0 &&
		    own > 0) {
			/* the group's: an older entry of the address itself would win */
			if (reg_approver_set(rg, r->member, NULL, 0, NULL, 0, actor, err,
			    sizeof(err)) < 0) {
				warn(warg, r->line, err);
				bad++;
			}
		}
	}
	cnt->senders = done;
	cnt->groups = groups;
	cnt->members = members;
	cnt->refused = bad;
	rc = 0;
fail:
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].group);
		free(rows[i].member);
		free(rows[i].ap);
		free(rows[i].px);
	}
	free(rows);
	return rc;
}
