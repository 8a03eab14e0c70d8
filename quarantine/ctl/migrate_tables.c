/*
 * migrate_tables.c — the rest of the register for dlpctl migrate
 * (migrate.c copies the incidents, their held copies and the links' key):
 * the console's accounts, the approvers (groups, away, proxy requests),
 * the signed links already used, the console's audit trail, and the
 * series (cross-message counters) with the series rows of held messages.
 *
 * Every row is put unless its key is in the database already (the
 * database's own wins: another node's user of the same name, an approver
 * set there); web_audit, numbered by the database, is put unless an equal
 * row is there.  Sign-in sessions are not copied: users sign in again.
 *
 * The series are hashes under this node's secret "series": they go over
 * only when the database has that key (it takes this node's when it has
 * none), and the senders' running totals are then made again from the
 * rows.  A database that counts with another node's key gets none of
 * them, and says how many were left.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ctl/ctl.h"

static const struct table {
	const char *name, *cols, *key, *order;
	bool series;		/* hashed under the secret "series" */
} tables[] = {
	{ "users", "name, role, hash, created, updated, disabled", "name", "name", false },
	{ "approvers", "subject, approver, rank, updated", "subject, approver", NULL, false },
	{ "approver_groups", "member, team, updated", "member", NULL, false },
	{ "approver_away", "approver, back_on, updated", "approver", NULL, false },
	{ "proxy_asks", "incident, asked, why", "incident", NULL, false },
	{ "link_uses", "id, incident, action, time", "id", NULL, false },
	{ "web_audit", "time, actor, action, incident, detail", NULL, "seq", false },
	{ "series", "sender, skey, rcpt, at", "sender, skey, rcpt", NULL, true },
	{ "series_sent", "sender, msg, at, bytes", "sender, msg", NULL, true },
	{ "series_held", "incident, sender, msg, skeys, rcpts, bytes, win, max_rows",
	    "incident", NULL, true },
};

struct put {
	struct reg *dst;
	const struct table *t;
	long rows, put;
	char err[1024];
};

static int put_row(void *arg, int n, const char *const *v)
{
	struct put *p = arg;
	int rc = reg_row_put(p->dst, p->t->name, p->t->cols, p->t->key, n, v, p->err,
	    sizeof(p->err));

	if (rc < 0)
		return -1;
	p->rows++;
	p->put += rc;
	return 0;
}

/* Whether the database counts the series with this node's key (taking it
 * when it has none): 1 yes, 0 no (or this node has none), -1 error. */
static int same_series_key(struct reg *src, struct reg *dst, char *err, size_t errlen)
{
	char mine[80], theirs[80];
	int rc;

	if ((rc = reg_secret(src, "series", NULL, mine, sizeof(mine), err, errlen)) != 0)
		return rc == 1 ? 0 : -1;
	if (reg_secret(dst, "series", mine, theirs, sizeof(theirs), err, errlen) < 0)
		rc = -1;
	else
		rc = strcmp(mine, theirs) == 0;
	sodium_memzero(mine, sizeof(mine));
	sodium_memzero(theirs, sizeof(theirs));
	return rc;
}

int ctl_migrate_tables(struct reg *src, struct reg *dst)
{
	long long left;
	long series_put = 0, sent_put = 0;
	struct put p;
	int same;

	memset(&p, 0, sizeof(p));
	if ((same = same_series_key(src, dst, p.err, sizeof(p.err))) < 0) {
		fprintf(stderr, "dlpctl migrate: series key: %s\n", p.err);
		return -1;
	}
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		const struct table *t = &tables[i];

		if (t->series && !same) {
			if (reg_count(src, t->name, &left, p.err, sizeof(p.err)) < 0)
				goto fail;
			printf("%-16s%lld rows not copied: the database counts the series with "
			    "another node's key\n", t->name, left);
			continue;
		}
		p.dst = dst;
		p.t = t;
		p.rows = p.put = 0;
		if (reg_rows(src, t->name, t->cols, t->order, put_row, &p, p.err,
		    sizeof(p.err)) < 0)
			goto fail;
		printf("%-16s%ld rows (%ld new, %ld there already)\n", t->name, p.rows, p.put,
		    p.rows - p.put);
		if (strcmp(t->name, "series") == 0)
			series_put = p.put;
		else if (strcmp(t->name, "series_sent") == 0)
			sent_put = p.put;
	}
	if (same && reg_series_merged(dst, series_put, sent_put, p.err, sizeof(p.err)) < 0)
		goto fail;
	printf("%-16snot copied: users sign in again on the console\n", "sessions");
	return 0;
fail:
	fprintf(stderr, "dlpctl migrate: %s: %s (run again to go on: what is there is kept)\n",
	    p.t ? p.t->name : "tables", p.err);
	return -1;
}
