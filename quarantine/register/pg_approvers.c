/*
 * pg_approvers.c — the approvers table on PostgreSQL (register.h;
 * schema.c migration 5).  The same answers as sqlite_approvers.c: a
 * subject's rows are replaced in one transaction with their web_audit
 * row, so a node reading them sees the old list or the new one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/pg.h"

/* Insert rank rows of list (in the transaction).  0 or -1 with err. */
static int insert_rows(struct pg_reg *p, const char *subject, const char *const *list,
    size_t n, const char *rank, const char *now, char *err, size_t errlen)
{
	const char *v[4] = { subject, NULL, rank, now };
	PGresult *r;

	for (size_t i = 0; i < n; i++) {
		v[1] = list[i];
		if (!(r = pg_exec(p, "INSERT INTO approvers (subject, approver, rank, updated)"
		    " VALUES ($1, $2, $3, $4) ON CONFLICT (subject, approver) DO NOTHING", 4, v,
		    "approvers", err, errlen)))
			return -1;
		PQclear(r);
	}
	return 0;
}

int pg_approver_set(struct reg *rg, const char *subject, const char *const *approvers,
    size_t n, const char *const *proxies, size_t m, const char *actor, char *err,
    size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char detail[1024], nb[24];
	const char *v[1] = { subject };
	time_t now = time(NULL);
	PGresult *r;
	size_t used;

	used = (size_t)snprintf(detail, sizeof(detail), "%s:", subject);
	for (size_t i = 0; i < n + m && used < sizeof(detail); i++)
		used += (size_t)snprintf(detail + used, sizeof(detail) - used, " %s%s",
		    i < n ? approvers[i] : proxies[i - n], i < n ? "" : " (proxy)");
	pg_num(nb, sizeof(nb), now);
	pg_lock(p);
	if (pg_begin(p, "approvers", err, errlen) < 0 ||
	    !(r = pg_exec(p, "DELETE FROM approvers WHERE subject = $1", 1, v, "approvers", err,
	    errlen)))
		goto fail;
	PQclear(r);
	if (insert_rows(p, subject, approvers, n, "0", nb, err, errlen) < 0 ||
	    insert_rows(p, subject, proxies, m, "1", nb, err, errlen) < 0 ||
	    pg_web_audit_locked(p, now, actor, n + m ? "approvers set" : "approvers removed", NULL,
	    detail, err, errlen) < 0 ||
	    pg_commit(p, "approvers", NULL, err, errlen) < 0)
		goto fail;
	pg_unlock(p);
	return 0;
fail:
	pg_rollback(p);
	pg_unlock(p);
	return -1;
}

int pg_approver_rows(struct reg *rg, const char *subject,
    int (*cb)(const struct reg_approver *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { subject };
	struct reg_approver a;
	PGresult *r;
	int n;

	/* Byte order, as SQLite sorts, whatever the database's collation.
	 * One query: a subject has a few rows; all of them (the list, the
	 * CSV import's check) are the size of the staff list. */
	pg_lock(p);
	r = pg_exec(p, "SELECT subject, approver, rank, updated FROM approvers"
	    " WHERE ($1::text IS NULL OR subject = $1) ORDER BY subject COLLATE \"C\", rank,"
	    " approver COLLATE \"C\"", 1, v, "approvers", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		a.subject = PQgetvalue(r, i, 0);
		a.approver = PQgetvalue(r, i, 1);
		a.rank = (int)pg_ll(r, i, 2);
		a.updated = (time_t)pg_ll(r, i, 3);
		if (cb(&a, arg) != 0)
			break;
	}
	PQclear(r);
	return 0;
}
