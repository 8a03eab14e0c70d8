/*
 * register_int.h — the register's connection for the other quarantine
 * modules (notice_queue.c, release.c): their tables and compare-and-sets
 * run on the same handle, under the same recursive lock, inside the same
 * kind of IMMEDIATE transaction.  Not for use outside quarantine/.
 *
 * Pattern: reg_lock; reg_exec("BEGIN IMMEDIATE"); … reg_audit_locked …;
 * reg_exec("COMMIT"); reg_unlock — and reg_rollback on any failure.
 */
#ifndef DLP_REGISTER_INT_H
#define DLP_REGISTER_INT_H

#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

struct reg;

void reg_lock(struct reg *rg);
void reg_unlock(struct reg *rg);
sqlite3 *reg_db(struct reg *rg);
/* Run sql without results.  0 or -1 with err "register: what: …". */
int reg_exec(struct reg *rg, const char *sql, const char *what, char *err, size_t errlen);
/* Roll back the open transaction, if any. */
void reg_rollback(struct reg *rg);
/* A prepared statement, or NULL with err. */
sqlite3_stmt *reg_prepare(struct reg *rg, const char *sql, char *err, size_t errlen);
/* An audit row at time t (the caller holds the lock; no transaction of
 * its own).  0 or -1 with err ("no incident ID" when it does not exist). */
int reg_audit_locked(struct reg *rg, const char *id, time_t t, const char *actor,
    const char *action, const char *reason, char *err, size_t errlen);

#endif
