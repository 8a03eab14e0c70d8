/*
 * pg_approval.c — groups (所属), approvers away and the proxy requests on
 * PostgreSQL (register.h; schema.c migration 7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/pg.h"

/* One change (sql, n parameters) with its web_audit row, in one
 * transaction.  0 or -1 with err. */
static int audited(struct pg_reg *p, const char *sql, int n, const char *const *v,
    const char *actor, const char *action, const char *detail, const char *what, char *err,
    size_t errlen)
{
	PGresult *r = NULL;
	int rc = -1;

	pg_lock(p);
	if (pg_begin(p, what, err, errlen) < 0)
		goto out;
	if (!(r = pg_exec(p, sql, n, v, what, err, errlen)) ||
	    pg_web_audit_locked(p, time(NULL), actor, action, NULL, detail, err, errlen) < 0 ||
	    pg_commit(p, what, NULL, err, errlen) < 0)
		pg_rollback(p);
	else
		rc = 0;
out:
	PQclear(r);
	pg_unlock(p);
	return rc;
}

int pg_group_set(struct reg *rg, const char *member, const char *group, const char *actor,
    char *err, size_t errlen)
{
	char detail[600], tb[24];
	const char *v[3] = { member, group, pg_num(tb, sizeof(tb), time(NULL)) };

	snprintf(detail, sizeof(detail), "%s: %s", member, group ? group : "(none)");
	return group ?
	    audited(pgr(rg), "INSERT INTO approver_groups (member, team, updated) VALUES ($1, $2,"
	    " $3) ON CONFLICT (member) DO UPDATE SET team = $2, updated = $3", 3, v, actor,
	    "group set", detail, "groups", err, errlen) :
	    audited(pgr(rg), "DELETE FROM approver_groups WHERE member = $1", 1, v, actor,
	    "group removed", detail, "groups", err, errlen);
}

int pg_group_of(struct reg *rg, const char *member, char *group, size_t len, char *err,
    size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { member };
	PGresult *r;
	int rc;

	pg_lock(p);
	r = pg_exec(p, "SELECT team FROM approver_groups WHERE member = $1", 1, v, "groups", err,
	    errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	if ((rc = PQntuples(r) == 1 ? 0 : 1) == 0)
		pg_copy(r, 0, 0, group, len);
	PQclear(r);
	return rc;
}

int pg_group_list(struct reg *rg, const char *group,
    int (*cb)(const struct reg_member *m, void *arg), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { group };
	struct reg_member m;
	PGresult *r;

	pg_lock(p);
	r = pg_exec(p, "SELECT member, team, updated FROM approver_groups WHERE ($1::text IS NULL"
	    " OR team = $1) ORDER BY team, member", 1, v, "groups", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		m.member = PQgetvalue(r, i, 0);
		m.group = PQgetvalue(r, i, 1);
		m.updated = (time_t)pg_ll(r, i, 2);
		if (cb(&m, arg) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

int pg_away_set(struct reg *rg, const char *approver, bool away, time_t back,
    const char *actor, char *err, size_t errlen)
{
	char detail[400], bb[24], tb[24];
	const char *v[3] = { approver, pg_num(bb, sizeof(bb), back),
		pg_num(tb, sizeof(tb), time(NULL)) };

	snprintf(detail, sizeof(detail), "%s until %lld", approver, (long long)back);
	return away ?
	    audited(pgr(rg), "INSERT INTO approver_away (approver, back_on, updated) VALUES ($1,"
	    " $2, $3) ON CONFLICT (approver) DO UPDATE SET back_on = $2, updated = $3", 3, v,
	    actor, "approver away", detail, "approvers away", err, errlen) :
	    audited(pgr(rg), "DELETE FROM approver_away WHERE approver = $1", 1, v, actor,
	    "approver back", approver, "approvers away", err, errlen);
}

int pg_away_list(struct reg *rg, const char *approver,
    int (*cb)(const struct reg_away *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { approver };
	struct reg_away a;
	PGresult *r;

	pg_lock(p);
	r = pg_exec(p, "SELECT approver, back_on, updated FROM approver_away WHERE ($1::text IS"
	    " NULL OR approver = $1) ORDER BY approver", 1, v, "approvers away", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		a.approver = PQgetvalue(r, i, 0);
		a.back = (time_t)pg_ll(r, i, 1);
		a.updated = (time_t)pg_ll(r, i, 2);
		if (cb(&a, arg) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

int pg_proxy_waiting(struct reg *rg, int (*cb)(const struct reg_waiting *w, void *arg),
    void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	struct reg_waiting w;
	PGresult *r;

	pg_lock(p);
	r = pg_exec(p, "SELECT i.id, i.sender, CASE WHEN i.action = 'approve' THEN i.created ELSE"
	    " (SELECT MIN(a.time) FROM audit a WHERE a.incident = i.id AND a.action ="
	    " '" REG_RELEASE_REQUESTED "') END AS since, (SELECT a.reason FROM audit a WHERE"
	    " a.incident = i.id AND a.action = '" REG_RELEASE_REQUESTED "' ORDER BY a.seq DESC"
	    " LIMIT 1) FROM incidents i WHERE i.status = 'held' AND (i.action = 'approve' OR"
	    " EXISTS (SELECT 1 FROM audit a WHERE a.incident = i.id AND a.action ="
	    " '" REG_RELEASE_REQUESTED "')) AND NOT EXISTS (SELECT 1 FROM proxy_asks p WHERE"
	    " p.incident = i.id) ORDER BY since LIMIT 200", 0, NULL, "proxy requests", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		w.id = PQgetvalue(r, i, 0);
		w.sender = PQgetvalue(r, i, 1);
		w.created = (time_t)pg_ll(r, i, 2);
		w.note = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3);
		if (cb(&w, arg) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

int pg_proxy_mark(struct reg *rg, const char *id, const char *why, time_t now, char *err,
    size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char tb[24];
	const char *v[3] = { id, pg_num(tb, sizeof(tb), now), why };
	PGresult *r = NULL;
	int rc = -1, changed = 0;

	pg_lock(p);
	if (pg_begin(p, "proxy requests", err, errlen) < 0)
		goto out;
	if (!(r = pg_exec(p, "INSERT INTO proxy_asks (incident, asked, why) VALUES ($1, $2, $3)"
	    " ON CONFLICT (incident) DO NOTHING", 3, v, "proxy requests", err, errlen))) {
		if (pg_failed_with(p, "23503"))
			snprintf(err, errlen, "no incident %s", id);
		goto fail;
	}
	changed = atoi(PQcmdTuples(r));
	if ((changed && pg_audit_locked(p, id, now, "dlp-milter", "proxy asked", why, err,
	    errlen) < 0) || pg_commit(p, "proxy requests", NULL, err, errlen) < 0)
		goto fail;
	rc = changed ? 0 : 1;
	goto out;
fail:
	pg_rollback(p);
out:
	PQclear(r);
	pg_unlock(p);
	return rc;
}
