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

int pg_history(struct reg *rg, const char *id,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { id };
	struct audit a;
	PGresult *r;
	int n;

	pg_lock(p);
	r = pg_exec(p, "SELECT time, actor, action, reason FROM audit WHERE incident = $1"
	    " ORDER BY seq", 1, v, "history", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		a.time = (time_t)pg_ll(r, i, 0);
		a.actor = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1);
		a.action = PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2);
		a.reason = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3);
		if (cb(&a, arg) != 0)
			break;
	}
	PQclear(r);
	return 0;
}
