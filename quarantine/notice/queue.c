/*
 * notice_queue.c — the notices table (see notice_queue.h).  Every change
 * runs in an IMMEDIATE transaction on the register's connection
 * (register_int.h), so the daemon's notifier and any number of dlpctl
 * processes can claim and finish notices at once without a notice being
 * sent twice by two live senders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/recipients.h"
#include "notice/queue.h"
#include "register/sqlite.h"

#define NQ_COLS "seq, incident, kind, recipient, note, status, attempts, created, next_try," \
	" claimed, sent, last_error"

void nq_notice_clear(struct nq_notice *n)
{
	if (!n)
		return;
	free(n->note);
	free(n->last_error);
	memset(n, 0, sizeof(*n));
}

long nq_backoff(int attempts)
{
	long s = 60;

	for (int i = 1; i < attempts && s < 3600; i++)
		s *= 2;
	return s < 3600 ? s : 3600;
}

bool nq_sender_internal(const struct scan_options *opt, const char *sender)
{
	const char *at = sender ? strrchr(sender, '@') : NULL;

	return at && at != sender && at[1] && rcpt_is_internal(opt, sender);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? strdup((const char *)s) : NULL;
}

static void row_to_notice(sqlite3_stmt *st, struct nq_notice *n)
{
	const unsigned char *s;

	memset(n, 0, sizeof(*n));
	n->seq = sqlite3_column_int64(st, 0);
	s = sqlite3_column_text(st, 1);
	snprintf(n->incident, sizeof(n->incident), "%s", s ? (const char *)s : "");
	n->kind = notice_kind_from_name((const char *)sqlite3_column_text(st, 2));
	s = sqlite3_column_text(st, 3);
	snprintf(n->recipient, sizeof(n->recipient), "%s", s ? (const char *)s : "");
	n->note = col_dup(st, 4);
	s = sqlite3_column_text(st, 5);
	snprintf(n->status, sizeof(n->status), "%s", s ? (const char *)s : "");
	n->attempts = sqlite3_column_int(st, 6);
	n->created = (time_t)sqlite3_column_int64(st, 7);
	n->next_try = (time_t)sqlite3_column_int64(st, 8);
	n->claimed = (time_t)sqlite3_column_int64(st, 9);
	n->sent = (time_t)sqlite3_column_int64(st, 10);
	n->last_error = col_dup(st, 11);
}

/* INSERT OR IGNORE one notice (lock and transaction held by the caller).
 * 0 inserted, 1 existed, -1 with err. */
static int insert_notice(struct reg *rg, const char *id, enum notice_kind kind,
    const char *rcpt, const char *note, bool claim, time_t now, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = reg_prepare(rg, "INSERT OR IGNORE INTO notices (incident, kind, recipient,"
	    " note, status, attempts, created, next_try, claimed) VALUES (?,?,?,?,?,?,?,?,?)",
	    err, errlen)))
		return -1;
	bind_text(st, 1, id);
	bind_text(st, 2, notice_kind_name(kind));
	bind_text(st, 3, rcpt);
	bind_text(st, 4, note);
	bind_text(st, 5, claim ? "sending" : "pending");
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
		snprintf(err, errlen, "register: notice: %s", sqlite3_errmsg(reg_db(rg)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(reg_db(rg)) == 1 ? 0 : 1;
}

/* The notices of one unplanned incident (row of the plan query). */
static int plan_one(struct reg *rg, sqlite3_stmt *row, const struct scan_options *opt,
    const char *admin, time_t now, int *added, char *err, size_t errlen)
{
	const char *id = (const char *)sqlite3_column_text(row, 0);
	const char *sender = (const char *)sqlite3_column_text(row, 1);
	const char *action = (const char *)sqlite3_column_text(row, 2);
	const char *status = (const char *)sqlite3_column_text(row, 3);
	int rc;

	if (action && strcmp(action, "hold") == 0 && status && strcmp(status, "held") == 0 &&
	    nq_sender_internal(opt, sender)) {
		if ((rc = insert_notice(rg, id, NOTICE_HOLD, sender, NULL, false, now, err,
		    errlen)) < 0)
			return -1;
		*added += rc == 0;
	}
	if (admin && *admin) {
		if ((rc = insert_notice(rg, id, NOTICE_ADMIN, admin, NULL, false, now, err,
		    errlen)) < 0)
			return -1;
		*added += rc == 0;
	}
	return 0;
}

int nq_plan(struct reg *rg, const struct scan_options *opt, const char *admin, time_t now,
    int *added, char *err, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int n = 0, rc;

	reg_lock(rg);
	if (reg_exec(rg, "BEGIN IMMEDIATE", "plan notices", err, errlen) < 0)
		goto fail;
	if (!(sel = reg_prepare(rg, "SELECT id, sender, action, status FROM incidents"
	    " WHERE notices_planned = 0 ORDER BY created LIMIT 200", err, errlen)) ||
	    !(upd = reg_prepare(rg, "UPDATE incidents SET notices_planned = 1 WHERE id = ?",
	    err, errlen)))
		goto fail;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (plan_one(rg, sel, opt, admin, now, &n, err, errlen) < 0)
			goto fail;
		sqlite3_reset(upd);
		bind_text(upd, 1, (const char *)sqlite3_column_text(sel, 0));
		if (sqlite3_step(upd) != SQLITE_DONE) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: plan notices: %s", sqlite3_errmsg(reg_db(rg)));
		goto fail;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sel = upd = NULL;
	if (reg_exec(rg, "COMMIT", "plan notices", err, errlen) < 0)
		goto fail;
	reg_unlock(rg);
	if (added)
		*added = n;
	return 0;
fail:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	reg_rollback(rg);
	reg_unlock(rg);
	return -1;
}

int nq_add(struct reg *rg, const char *id, enum notice_kind kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen)
{
	int rc;

	reg_lock(rg);
	if (reg_exec(rg, "BEGIN IMMEDIATE", "add notice", err, errlen) < 0)
		goto fail;
	if ((rc = insert_notice(rg, id, kind, rcpt, note, claim, now, err, errlen)) < 0)
		goto fail;
	if (seq)
		*seq = rc == 0 ? sqlite3_last_insert_rowid(reg_db(rg)) : 0;
	if (reg_exec(rg, "COMMIT", "add notice", err, errlen) < 0)
		goto fail;
	reg_unlock(rg);
	if (rc == 1)
		snprintf(err, errlen, "a %s notice to %s for %s exists already",
		    notice_kind_name(kind), rcpt, id);
	return rc;
fail:
	reg_rollback(rg);
	reg_unlock(rg);
	return -1;
}

/* Load seq (lock held).  0, 1 missing, -1. */
static int get_locked(struct reg *rg, long long seq, struct nq_notice *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = reg_prepare(rg, "SELECT " NQ_COLS " FROM notices WHERE seq = ?", err,
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
		snprintf(err, errlen, "register: notice %lld: %s", seq, sqlite3_errmsg(reg_db(rg)));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int nq_get(struct reg *rg, long long seq, struct nq_notice *n, char *err, size_t errlen)
{
	int rc;

	reg_lock(rg);
	rc = get_locked(rg, seq, n, err, errlen);
	reg_unlock(rg);
	return rc;
}

/* The seq of the notice due first, 0 when none, -1 with err. */
static long long due_seq(struct reg *rg, time_t now, long stale, char *err, size_t errlen)
{
	sqlite3_stmt *st = reg_prepare(rg, "SELECT seq FROM notices WHERE"
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
		snprintf(err, errlen, "register: due notices: %s", sqlite3_errmsg(reg_db(rg)));
	sqlite3_finalize(st);
	return seq;
}

int nq_claim(struct reg *rg, time_t now, long stale, struct nq_notice *n,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	long long seq;
	int rc;

	memset(n, 0, sizeof(*n));
	reg_lock(rg);
	if (reg_exec(rg, "BEGIN IMMEDIATE", "claim notice", err, errlen) < 0)
		goto fail;
	if ((seq = due_seq(rg, now, stale, err, errlen)) < 0)
		goto fail;
	if (seq == 0) {
		reg_rollback(rg);
		reg_unlock(rg);
		return 1;
	}
	if (!(st = reg_prepare(rg, "UPDATE notices SET status = 'sending', claimed = ?,"
	    " attempts = attempts + 1 WHERE seq = ?", err, errlen)))
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: claim notice: %s", sqlite3_errmsg(reg_db(rg)));
		goto fail;
	}
	if (get_locked(rg, seq, n, err, errlen) != 0 ||
	    reg_exec(rg, "COMMIT", "claim notice", err, errlen) < 0)
		goto fail;
	reg_unlock(rg);
	return 0;
fail:
	nq_notice_clear(n);
	reg_rollback(rg);
	reg_unlock(rg);
	return -1;
}

/* UPDATE the row for nq_finish (lock and transaction held). */
static int update_outcome(struct reg *rg, const struct nq_notice *n, const char *status,
    time_t next, const char *error, time_t now, char *err, size_t errlen)
{
	sqlite3_stmt *st = reg_prepare(rg, "UPDATE notices SET status = ?, next_try = ?,"
	    " sent = ?, last_error = ?, claimed = NULL WHERE seq = ? AND status = 'sending'",
	    err, errlen);
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, status);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)next);
	if (error)
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	bind_text(st, 4, error);
	sqlite3_bind_int64(st, 5, n->seq);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: notice outcome: %s", sqlite3_errmsg(reg_db(rg)));
		return -1;
	}
	return 0;
}

int nq_finish(struct reg *rg, const struct nq_notice *n, const char *actor,
    const char *error, time_t now, char *err, size_t errlen)
{
	bool give_up = error && now - n->created >= NQ_GIVE_UP;
	const char *status = !error ? "sent" : give_up ? "failed" : "pending";
	time_t next = error && !give_up ? now + nq_backoff(n->attempts) : now;
	char why[1024], when[40];
	struct tm tm;

	localtime_r(&next, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (!error)
		snprintf(why, sizeof(why), "%s to %s", notice_kind_name(n->kind), n->recipient);
	else
		snprintf(why, sizeof(why), "%s to %s, attempt %d: %s%s%s", notice_kind_name(n->kind),
		    n->recipient, n->attempts, error, give_up ? "; giving up" : "; next try at ",
		    give_up ? "" : when);
	reg_lock(rg);
	if (reg_exec(rg, "BEGIN IMMEDIATE", "notice outcome", err, errlen) < 0 ||
	    update_outcome(rg, n, status, next, error, now, err, errlen) < 0 ||
	    reg_audit_locked(rg, n->incident, now, actor, error ? "notice failed" : "notice sent",
	    why, err, errlen) < 0 ||
	    reg_exec(rg, "COMMIT", "notice outcome", err, errlen) < 0) {
		reg_rollback(rg);
		reg_unlock(rg);
		return -1;
	}
	reg_unlock(rg);
	return 0;
}

int nq_list(struct reg *rg, const char *id, int (*cb)(const struct nq_notice *n, void *arg),
    void *arg, char *err, size_t errlen)
{
	struct nq_notice n;
	sqlite3_stmt *st;
	int rc, ret = -1;

	reg_lock(rg);
	if (!(st = reg_prepare(rg, "SELECT " NQ_COLS " FROM notices WHERE incident = ?"
	    " ORDER BY seq", err, errlen)))
		goto out;
	bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_notice(st, &n);
		rc = cb(&n, arg);
		nq_notice_clear(&n);
		if (rc) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: notices of %s: %s", id, sqlite3_errmsg(reg_db(rg)));
	else
		ret = 0;
	sqlite3_finalize(st);
out:
	reg_unlock(rg);
	return ret;
}
