/*
 * sqlite_notices.c — the notice queue's table on SQLite (register.h;
 * what the states mean is notice/queue.h's).  Every change runs in an
 * IMMEDIATE transaction, so the daemon's notifier and any number of dlpctl
 * processes can claim and finish notices at once without a notice being
 * sent twice by two live senders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/sqlite.h"

#define NQ_COLS "seq, incident, kind, recipient, note, status, attempts, created, next_try," \
	" claimed, sent, last_error"

static void row_to_notice(sqlite3_stmt *st, struct reg_notice *n)
{
	memset(n, 0, sizeof(*n));
	n->seq = sqlite3_column_int64(st, 0);
	sq_col_copy(st, 1, n->incident, sizeof(n->incident));
	sq_col_copy(st, 2, n->kind, sizeof(n->kind));
	sq_col_copy(st, 3, n->recipient, sizeof(n->recipient));
	n->note = sq_col_dup(st, 4);
	sq_col_copy(st, 5, n->status, sizeof(n->status));
	n->attempts = sqlite3_column_int(st, 6);
	n->created = (time_t)sqlite3_column_int64(st, 7);
	n->next_try = (time_t)sqlite3_column_int64(st, 8);
	n->claimed = (time_t)sqlite3_column_int64(st, 9);
	n->sent = (time_t)sqlite3_column_int64(st, 10);
	n->last_error = sq_col_dup(st, 11);
}

/* INSERT OR IGNORE one notice (lock and transaction held by the caller).
 * 0 inserted, 1 existed, -1 with err. */
static int insert_notice(struct sq_reg *s, const char *id, const char *kind,
    const char *rcpt, const char *note, bool claim, time_t now, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = sq_prepare(s, "INSERT OR IGNORE INTO notices (incident, kind, recipient,"
	    " note, status, attempts, created, next_try, claimed) VALUES (?,?,?,?,?,?,?,?,?)",
	    err, errlen)))
		return -1;
	sq_bind_text(st, 1, id);
	sq_bind_text(st, 2, kind);
	sq_bind_text(st, 3, rcpt);
	sq_bind_text(st, 4, note);
	sq_bind_text(st, 5, claim ? "sending" : "pending");
	sqlite3_bind_int(st, 6, claim ? 1 : 0);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)now);
	if (claim)
		sqlite3_bind_int64(st, 9, (sqlite3_int64)now);
	else
		sqlite3_bind_null(st, 9);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		snprintf(err, errlen, "no incident %s", id);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: notice: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

/* The notices one unplanned incident (a row of the plan query) wants. */
static int plan_one(struct sq_reg *s, sqlite3_stmt *row,
    int (*want)(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
    char *err, size_t errlen)
{
	const char *id = (const char *)sqlite3_column_text(row, 0);
	struct reg_notice_want w[REG_PLAN_MAX];
	int n, rc;

	n = want(arg, id, (const char *)sqlite3_column_text(row, 1),
	    (const char *)sqlite3_column_text(row, 2), (const char *)sqlite3_column_text(row, 3),
	    w);
	for (int i = 0; i < n && i < REG_PLAN_MAX; i++) {
		if ((rc = insert_notice(s, id, w[i].kind, w[i].recipient, NULL, false, now, err,
		    errlen)) < 0)
			return -1;
		*added += rc == 0;
	}
	return 0;
}

int sq_notice_plan(struct reg *rg,
    int (*want)(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
    char *err, size_t errlen)
{
	struct sq_reg *s = sq(rg);
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int n = 0, rc;

	sq_lock(s);
	if (sq_exec(s, "BEGIN IMMEDIATE", "plan notices", err, errlen) < 0)
		goto fail;
	if (!(sel = sq_prepare(s, "SELECT id, sender, action, status FROM incidents"
	    " WHERE notices_planned = 0 ORDER BY created LIMIT 200", err, errlen)) ||
	    !(upd = sq_prepare(s, "UPDATE incidents SET notices_planned = 1 WHERE id = ?",
	    err, errlen)))
		goto fail;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (plan_one(s, sel, want, arg, now, &n, err, errlen) < 0)
			goto fail;
		sqlite3_reset(upd);
		sq_bind_text(upd, 1, (const char *)sqlite3_column_text(sel, 0));
		if (sqlite3_step(upd) != SQLITE_DONE) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: plan notices: %s", sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sel = upd = NULL;
	if (sq_exec(s, "COMMIT", "plan notices", err, errlen) < 0)
		goto fail;
	sq_unlock(s);
	if (added)
		*added = n;
	return 0;
fail:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sq_rollback(s);
	sq_unlock(s);
	return -1;
}

int sq_notice_add(struct reg *rg, const char *id, const char *kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen)
{
	struct sq_reg *s = sq(rg);
	int rc;

	sq_lock(s);
	if (sq_exec(s, "BEGIN IMMEDIATE", "add notice", err, errlen) < 0)
		goto fail;
	if ((rc = insert_notice(s, id, kind, rcpt, note, claim, now, err, errlen)) < 0)
		goto fail;
	if (seq)
		*seq = rc == 0 ? sqlite3_last_insert_rowid(s->db) : 0;
	if (sq_exec(s, "COMMIT", "add notice", err, errlen) < 0)
		goto fail;
	sq_unlock(s);
	return rc;
fail:
	sq_rollback(s);
	sq_unlock(s);
	return -1;
}

/* Load seq (lock held).  0, 1 missing, -1. */
static int get_locked(struct sq_reg *s, long long seq, struct reg_notice *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT " NQ_COLS " FROM notices WHERE seq = ?", err,
	    errlen);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_notice(st, n);
	else if (rc == SQLITE_DONE)
		snprintf(err, errlen, "no notice %lld", seq);
	else
		snprintf(err, errlen, "register: notice %lld: %s", seq, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int sq_notice_get(struct reg *rg, long long seq, struct reg_notice *n, char *err,
    size_t errlen)
{
	struct sq_reg *s = sq(rg);
	int rc;

	sq_lock(s);
	rc = get_locked(s, seq, n, err, errlen);
	sq_unlock(s);
	return rc;
}

/* The seq of the notice due first, 0 when none, -1 with err. */
static long long due_seq(struct sq_reg *s, time_t now, long stale, char *err, size_t errlen)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT seq FROM notices WHERE"
	    " (status = 'pending' AND next_try <= ?1) OR (status = 'sending' AND claimed <= ?2)"
	    " ORDER BY next_try, seq LIMIT 1", err, errlen);
	long long seq = -1;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(now - stale));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		seq = 0;
	else
		snprintf(err, errlen, "register: due notices: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return seq;
}

int sq_notice_claim(struct reg *rg, time_t now, long stale, struct reg_notice *n,
    char *err, size_t errlen)
{
	struct sq_reg *s = sq(rg);
	sqlite3_stmt *st = NULL;
	long long seq;
	int rc;

	memset(n, 0, sizeof(*n));
	sq_lock(s);
	if (sq_exec(s, "BEGIN IMMEDIATE", "claim notice", err, errlen) < 0)
		goto fail;
	if ((seq = due_seq(s, now, stale, err, errlen)) < 0)
		goto fail;
	if (seq == 0) {
		sq_rollback(s);
		sq_unlock(s);
		return 1;
	}
	if (!(st = sq_prepare(s, "UPDATE notices SET status = 'sending', claimed = ?,"
	    " attempts = attempts + 1 WHERE seq = ?", err, errlen)))
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: claim notice: %s", sqlite3_errmsg(s->db));
		goto fail;
	}
	if (get_locked(s, seq, n, err, errlen) != 0 ||
	    sq_exec(s, "COMMIT", "claim notice", err, errlen) < 0)
		goto fail;
	sq_unlock(s);
	return 0;
fail:
	reg_notice_clear(n);
	sq_rollback(s);
	sq_unlock(s);
	return -1;
}

/* UPDATE the row of a finished notice (lock and transaction held). */
static int update_outcome(struct sq_reg *s, const struct reg_notice *n, const char *status,
    time_t next, const char *error, time_t now, char *err, size_t errlen)
{
	sqlite3_stmt *st = sq_prepare(s, "UPDATE notices SET status = ?, next_try = ?,"
	    " sent = ?, last_error = ?, claimed = NULL WHERE seq = ? AND status = 'sending'",
	    err, errlen);
	int rc;

	if (!st)
		return -1;
	sq_bind_text(st, 1, status);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)next);
	if (error)
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	sq_bind_text(st, 4, error);
	sqlite3_bind_int64(st, 5, n->seq);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: notice outcome: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int sq_notice_finish(struct reg *rg, const struct reg_notice *n, const char *status,
    time_t next, const char *error, time_t now, const char *actor, const char *audit_action,
    const char *why, char *err, size_t errlen)
{
	struct sq_reg *s = sq(rg);

	sq_lock(s);
	if (sq_exec(s, "BEGIN IMMEDIATE", "notice outcome", err, errlen) < 0 ||
	    update_outcome(s, n, status, next, error, now, err, errlen) < 0 ||
	    sq_audit_locked(s, n->incident, now, actor, audit_action, why, err, errlen) < 0 ||
	    sq_exec(s, "COMMIT", "notice outcome", err, errlen) < 0) {
		sq_rollback(s);
		sq_unlock(s);
		return -1;
	}
	sq_unlock(s);
	return 0;
}

int sq_notice_list(struct reg *rg, const char *id,
    int (*cb)(const struct reg_notice *n, void *arg), void *arg, char *err, size_t errlen)
{
	struct sq_reg *s = sq(rg);
	struct reg_notice n;
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(s);
	if (!(st = sq_prepare(s, "SELECT " NQ_COLS " FROM notices WHERE incident = ?"
	    " ORDER BY seq", err, errlen)))
		goto out;
	sq_bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_notice(st, &n);
		rc = cb(&n, arg);
		reg_notice_clear(&n);
		if (rc) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: notices of %s: %s", id, sqlite3_errmsg(s->db));
	else
		ret = 0;
	sqlite3_finalize(st);
out:
	sq_unlock(s);
	return ret;
}
