/*
 * pg_audit.c — the audit trail on PostgreSQL: one row per state change,
 * notice and failed attempt of an incident (register.h).
 */
#include <stdio.h>

#include "register/pg.h"

int pg_audit_locked(struct pg_reg *p, const char *id, time_t t, const char *actor,
    const char *action, const char *reason, char *err, size_t errlen)
{
	char tb[24];
	const char *v[5] = { id, pg_num(tb, sizeof(tb), t), actor ? actor : "?", action,
		reason };
	PGresult *r = pg_exec(p, "INSERT INTO audit (incident, time, actor, action, reason)"
	    " VALUES ($1, $2, $3, $4, $5)", 5, v, "audit", err, errlen);

	if (!r && pg_failed_with(p, "23503"))
		snprintf(err, errlen, "no incident %s", id);
	PQclear(r);
	return r ? 0 : -1;
}

int pg_audit(struct reg *rg, const char *id, const char *actor, const char *action,
    const char *reason, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	int rc;

	/* In a transaction of its own: a write is never sent twice (pg.c). */
	pg_lock(p);
	rc = pg_begin(p, "audit", err, errlen) < 0 ||
	    pg_audit_locked(p, id, time(NULL), actor, action, reason, err, errlen) < 0 ||
	    pg_commit(p, "audit", NULL, err, errlen) < 0 ? -1 : 0;
	if (rc < 0)
		pg_rollback(p);
	pg_unlock(p);
	return rc;
}

int pg_audit_find(struct reg *rg, const char *action, const char *reason, char id[32],
    char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[2] = { action, reason };
	PGresult *r;
	int rc;

	pg_lock(p);
	r = pg_exec(p, "SELECT incident FROM audit WHERE action = $1 AND reason = $2"
	    " ORDER BY seq DESC LIMIT 1", 2, v, "audit lookup", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	if ((rc = PQntuples(r) == 1 ? 0 : 1) == 0)
		pg_copy(r, 0, 0, id, 32);
	PQclear(r);
	return rc;
}

#define AUDIT_PAGE 1000
#define AUDIT_PAGE_S "1000"	/* AUDIT_PAGE in the SQL */

/* The audit rows of one incident (id) or of all, oldest first, keyset-
 * paged by seq: every incident's trail is not in memory at once, and cb
 * may call the register between two pages. */
int pg_audit_list(struct reg *rg, const char *id, time_t since, time_t until,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char sb[24], ub[24], lb[24];
	const char *v[4] = { id, pg_num(sb, sizeof(sb), since), pg_num(ub, sizeof(ub), until),
		lb };
	long long last = 0;
	struct audit a;
	PGresult *r;
	int n, stop = 0;

	do {
		pg_num(lb, sizeof(lb), last);
		pg_lock(p);
		r = pg_exec(p, "SELECT time, actor, action, reason, incident, seq FROM audit"
		    " WHERE ($1::text IS NULL OR incident = $1) AND ($2::bigint = 0 OR time >="
		    " $2::bigint) AND ($3::bigint = 0 OR time < $3::bigint) AND seq > $4::bigint"
		    " ORDER BY seq LIMIT " AUDIT_PAGE_S, 4, v, "audit trail", err, errlen);
		pg_unlock(p);
		if (!r)
			return -1;
		n = PQntuples(r);
		for (int i = 0; i < n && !stop; i++) {
			a.time = (time_t)pg_ll(r, i, 0);
			a.actor = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1);
			a.action = PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2);
			a.reason = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3);
			a.incident = PQgetvalue(r, i, 4);
			last = pg_ll(r, i, 5);
			stop = cb(&a, arg) != 0;
		}
		PQclear(r);
	} while (!stop && n == AUDIT_PAGE);
	return 0;
}
