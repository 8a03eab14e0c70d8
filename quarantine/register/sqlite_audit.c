/*
 * sqlite_audit.c — the audit trail on SQLite: one row per state change,
 * notice and failed attempt of an incident (register.h).
 */
#include <stdio.h>

#include "register/sqlite.h"

int sq_audit_locked(struct sq_reg *rg, const char *id, time_t t, const char *actor,
    const char *action, const char *reason, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = sq_prepare(rg, "INSERT INTO audit (incident, time, actor, action, reason)"
	    " VALUES (?, ?, ?, ?, ?)", err, errlen)))
		return -1;
	sq_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t);
	sq_bind_text(st, 3, actor ? actor : "?");
	sq_bind_text(st, 4, action);
	sq_bind_text(st, 5, reason);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		snprintf(err, errlen, "no incident %s", id);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: audit: %s", sqlite3_errmsg(rg->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sq_audit(struct reg *base, const char *id, const char *actor, const char *action,
    const char *reason, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	int rc;

	sq_lock(rg);
	rc = sq_audit_locked(rg, id, time(NULL), actor, action, reason, err, errlen);
	sq_unlock(rg);
	return rc;
}

int sq_audit_list(struct reg *base, const char *id, time_t since, time_t until,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	struct audit a;
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT time, actor, action, reason, incident FROM audit"
	    " WHERE (?1 IS NULL OR incident = ?1) AND (?2 = 0 OR time >= ?2)"
	    " AND (?3 = 0 OR time < ?3) ORDER BY seq", err, errlen)))
		goto out;
	if (id)
		sq_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.time = (time_t)sqlite3_column_int64(st, 0);
		a.actor = (const char *)sqlite3_column_text(st, 1);
		a.action = (const char *)sqlite3_column_text(st, 2);
		a.reason = (const char *)sqlite3_column_text(st, 3);
		a.incident = (const char *)sqlite3_column_text(st, 4);
		if (cb(&a, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: audit trail%s%s: %s", id ? " of " : "",
		    id ? id : "", sqlite3_errmsg(rg->db));
		goto done;
	}
	ret = 0;
done:
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

int sq_audit_find(struct reg *base, const char *action, const char *reason, char id[32],
    char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT incident FROM audit WHERE action = ? AND reason = ?"
	    " ORDER BY seq DESC LIMIT 1", err, errlen)))
		goto out;
	sq_bind_text(st, 1, action);
	sq_bind_text(st, 2, reason);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(id, 32, "%s", (const char *)sqlite3_column_text(st, 0));
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	} else {
		snprintf(err, errlen, "register: audit lookup: %s", sqlite3_errmsg(rg->db));
	}
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}
