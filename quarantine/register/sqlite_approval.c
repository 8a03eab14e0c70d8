/*
 * sqlite_approval.c — groups (所属), approvers away and the proxy
 * requests on SQLite (register.h; schema.c migration 7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/sqlite.h"

/* One prepared change (st, bound) with its web_audit row, in one
 * transaction.  0 or -1 with err. */
static int audited(struct sq_reg *rg, sqlite3_stmt *st, const char *actor, const char *action,
    const char *detail, const char *what, char *err, size_t errlen)
{
	if (sq_exec(rg, "BEGIN IMMEDIATE", what, err, errlen) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "register: %s: %s", what, sqlite3_errmsg(rg->db));
		goto fail;
	}
	if (sq_web_audit_locked(rg, time(NULL), actor, action, NULL, detail, err, errlen) < 0 ||
	    sq_exec(rg, "COMMIT", what, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	sq_rollback(rg);
	return -1;
}

int sq_group_set(struct reg *base, const char *member, const char *group, const char *actor,
    char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char detail[600];
	sqlite3_stmt *st;
	int rc = -1;

	snprintf(detail, sizeof(detail), "%s: %s", member, group ? group : "(none)");
	sq_lock(rg);
	st = sq_prepare(rg, group ? "INSERT INTO approver_groups (member, team, updated)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT(member) DO UPDATE SET team = ?2, updated = ?3" :
	    "DELETE FROM approver_groups WHERE member = ?1", err, errlen);
	if (st) {
		sq_bind_text(st, 1, member);
		if (group) {
			sq_bind_text(st, 2, group);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
		}
		rc = audited(rg, st, actor, group ? "group set" : "group removed", detail, "groups",
		    err, errlen);
		sqlite3_finalize(st);
	}
	sq_unlock(rg);
	return rc;
}

int sq_group_of(struct reg *base, const char *member, char *group, size_t len, char *err,
    size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc = -1, s;

	sq_lock(rg);
	if ((st = sq_prepare(rg, "SELECT team FROM approver_groups WHERE member = ?", err,
	    errlen))) {
		sq_bind_text(st, 1, member);
		if ((s = sqlite3_step(st)) == SQLITE_ROW) {
			sq_col_copy(st, 0, group, len);
			rc = 0;
		} else if (s == SQLITE_DONE) {
			rc = 1;
		} else {
			snprintf(err, errlen, "register: groups: %s", sqlite3_errmsg(rg->db));
		}
		sqlite3_finalize(st);
	}
	sq_unlock(rg);
	return rc;
}

int sq_group_list(struct reg *base, const char *group,
    int (*cb)(const struct reg_member *m, void *arg), void *arg, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	struct reg_member m;
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT member, team, updated FROM approver_groups"
	    " WHERE (?1 IS NULL OR team = ?1) ORDER BY team, member", err, errlen)))
		goto out;
	sq_bind_text(st, 1, group);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m.member = (const char *)sqlite3_column_text(st, 0);
		m.group = (const char *)sqlite3_column_text(st, 1);
		m.updated = (time_t)sqlite3_column_int64(st, 2);
		if (cb(&m, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: groups: %s", sqlite3_errmsg(rg->db));
	else
		ret = 0;
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

int sq_away_set(struct reg *base, const char *approver, bool away, time_t back,
    const char *actor, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char detail[400];
	sqlite3_stmt *st;
	int rc = -1;

	snprintf(detail, sizeof(detail), "%s until %lld", approver, (long long)back);
	sq_lock(rg);
	st = sq_prepare(rg, away ? "INSERT INTO approver_away (approver, back_on, updated)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT(approver) DO UPDATE SET back_on = ?2, updated = ?3" :
	    "DELETE FROM approver_away WHERE approver = ?1", err, errlen);
	if (st) {
		sq_bind_text(st, 1, approver);
		if (away) {
			sqlite3_bind_int64(st, 2, (sqlite3_int64)back);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
		}
		rc = audited(rg, st, actor, away ? "approver away" : "approver back",
		    away ? detail : approver, "approvers away", err, errlen);
		sqlite3_finalize(st);
	}
	sq_unlock(rg);
	return rc;
}

int sq_away_list(struct reg *base, const char *approver,
    int (*cb)(const struct reg_away *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	struct reg_away a;
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT approver, back_on, updated FROM approver_away"
	    " WHERE (?1 IS NULL OR approver = ?1) ORDER BY approver", err, errlen)))
		goto out;
	sq_bind_text(st, 1, approver);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.approver = (const char *)sqlite3_column_text(st, 0);
		a.back = (time_t)sqlite3_column_int64(st, 1);
		a.updated = (time_t)sqlite3_column_int64(st, 2);
		if (cb(&a, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: approvers away: %s", sqlite3_errmsg(rg->db));
	else
		ret = 0;
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

#define WAITING_MAX 200

int sq_proxy_waiting(struct reg *base, int (*cb)(const struct reg_waiting *w, void *arg),
    void *arg, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	struct { char id[32]; char *sender, *note; time_t created; } *row = NULL;
	sqlite3_stmt *st;
	int rc, n = 0, ret = -1;

	/* Read first, call after: cb may write to the register. */
	sq_lock(rg);
	if (!(row = calloc(WAITING_MAX, sizeof(*row))) ||
	    !(st = sq_prepare(rg, "SELECT i.id, i.sender, CASE WHEN i.action = 'approve' THEN i.created ELSE"
	    " (SELECT MIN(a.time) FROM audit a WHERE a.incident = i.id AND a.action ="
	    " '" REG_RELEASE_REQUESTED "') END AS since, (SELECT a.reason FROM audit a WHERE"
	    " a.incident = i.id AND a.action = '" REG_RELEASE_REQUESTED "' ORDER BY a.seq DESC"
	    " LIMIT 1) FROM incidents i WHERE i.status = 'held' AND (i.action = 'approve' OR"
	    " EXISTS (SELECT 1 FROM audit a WHERE a.incident = i.id AND a.action ="
	    " '" REG_RELEASE_REQUESTED "')) AND NOT EXISTS (SELECT 1 FROM proxy_asks p WHERE"
	    " p.incident = i.id) ORDER BY since LIMIT 200", err, errlen))) {
		if (!row)
			snprintf(err, errlen, "register: out of memory");
		sq_unlock(rg);
		free(row);
		return -1;
	}
	while (n < WAITING_MAX && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sq_col_copy(st, 0, row[n].id, sizeof(row[n].id));
		row[n].sender = sq_col_dup(st, 1);
		row[n].created = (time_t)sqlite3_column_int64(st, 2);
		row[n].note = sq_col_dup(st, 3);
		n++;
	}
	if (n < WAITING_MAX && rc != SQLITE_DONE)
		snprintf(err, errlen, "register: proxy requests: %s", sqlite3_errmsg(rg->db));
	else
		ret = 0;
	sqlite3_finalize(st);
	sq_unlock(rg);
	for (int i = 0; i < n; i++) {
		struct reg_waiting w = { row[i].id, row[i].sender ? row[i].sender : "",
			row[i].created, row[i].note };
		if (ret == 0 && cb(&w, arg) != 0)
			ret = 1;
		free(row[i].sender);
		free(row[i].note);
	}
	free(row);
	return ret < 0 ? -1 : 0;
}

int sq_proxy_mark(struct reg *base, const char *id, const char *why, time_t now, char *err,
    size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = -1, changed;

	sq_lock(rg);
	if (sq_exec(rg, "BEGIN IMMEDIATE", "proxy requests", err, errlen) < 0)
		goto out;
	if (!(st = sq_prepare(rg, "INSERT INTO proxy_asks (incident, asked, why) VALUES (?, ?, ?)"
	    " ON CONFLICT(incident) DO NOTHING", err, errlen)))
		goto fail;
	sq_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sq_bind_text(st, 3, why);
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "register: proxy requests: %s", sqlite3_errmsg(rg->db));
		goto fail;
	}
	changed = sqlite3_changes(rg->db);
	if (changed && sq_audit_locked(rg, id, now, "dlp-milter", "proxy asked", why, err,
	    errlen) < 0)
		goto fail;
	if (sq_exec(rg, "COMMIT", "proxy requests", err, errlen) < 0)
		goto fail;
	rc = changed ? 0 : 1;
	goto out;
fail:
	sq_rollback(rg);
out:
	sqlite3_finalize(st);
	sq_unlock(rg);
	return rc;
}
