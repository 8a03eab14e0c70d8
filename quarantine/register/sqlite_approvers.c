/*
 * sqlite_approvers.c — the approvers table on SQLite (register.h;
 * schema.c migration 4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/sqlite.h"

/* Insert rank rows of list (lock held, in the transaction).  0 or -1. */
static int insert_rows(struct sq_reg *rg, const char *subject, const char *const *list,
    size_t n, int rank, time_t now, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (!(st = sq_prepare(rg, "INSERT INTO approvers (subject, approver, rank, updated)"
	    " VALUES (?, ?, ?, ?) ON CONFLICT(subject, approver) DO NOTHING", err, errlen)))
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_reset(st);
		sq_bind_text(st, 1, subject);
		sq_bind_text(st, 2, list[i]);
		sqlite3_bind_int(st, 3, rank);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
		if (sqlite3_step(st) != SQLITE_DONE) {
			snprintf(err, errlen, "register: approvers: %s", sqlite3_errmsg(rg->db));
			rc = -1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int sq_approver_set(struct reg *base, const char *subject, const char *const *approvers,
    size_t n, const char *const *proxies, size_t m, const char *actor, char *err,
    size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char detail[1024];
	sqlite3_stmt *st = NULL;
	time_t now = time(NULL);
	size_t used;

	used = (size_t)snprintf(detail, sizeof(detail), "%s:", subject);
	for (size_t i = 0; i < n + m && used < sizeof(detail); i++)
		used += (size_t)snprintf(detail + used, sizeof(detail) - used, " %s%s",
		    i < n ? approvers[i] : proxies[i - n], i < n ? "" : " (proxy)");
	sq_lock(rg);
	if (sq_exec(rg, "BEGIN IMMEDIATE", "approvers", err, errlen) < 0)
		goto fail;
	if (!(st = sq_prepare(rg, "DELETE FROM approvers WHERE subject = ?", err, errlen)))
		goto fail;
	sq_bind_text(st, 1, subject);
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "register: approvers: %s", sqlite3_errmsg(rg->db));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (insert_rows(rg, subject, approvers, n, 0, now, err, errlen) < 0 ||
	    insert_rows(rg, subject, proxies, m, 1, now, err, errlen) < 0 ||
	    sq_web_audit_locked(rg, now, actor, n + m ? "approvers set" : "approvers removed",
	    NULL, detail, err, errlen) < 0 ||
	    sq_exec(rg, "COMMIT", "approvers", err, errlen) < 0)
		goto fail;
	sq_unlock(rg);
	return 0;
fail:
	sqlite3_finalize(st);
	sq_rollback(rg);
	sq_unlock(rg);
	return -1;
}

int sq_approver_rows(struct reg *base, const char *subject,
    int (*cb)(const struct reg_approver *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	struct reg_approver a;
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT subject, approver, rank, updated FROM approvers"
	    " WHERE (?1 IS NULL OR subject = ?1) ORDER BY subject, rank, approver", err, errlen)))
		goto out;
	sq_bind_text(st, 1, subject);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.subject = (const char *)sqlite3_column_text(st, 0);
		a.approver = (const char *)sqlite3_column_text(st, 1);
		a.rank = sqlite3_column_int(st, 2);
		a.updated = (time_t)sqlite3_column_int64(st, 3);
		if (cb(&a, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: approvers: %s", sqlite3_errmsg(rg->db));
	else
		ret = 0;
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}
