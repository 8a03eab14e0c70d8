/*
 * sqlite.h — the SQLite backend's handle and helpers, shared by its files
 * (sqlite.c: the connection; sqlite_incidents.c, sqlite_audit.c,
 * sqlite_notices.c: the tables).  Private to register/.
 *
 * Pattern of every change: sq_lock; sq_exec("BEGIN IMMEDIATE"); …;
 * sq_exec("COMMIT"); sq_unlock — and sq_rollback on any failure.
 */
#ifndef DLP_REGISTER_SQLITE_H
#define DLP_REGISTER_SQLITE_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "register/backend.h"

struct sq_reg {
	struct reg base;
	sqlite3 *db;
	pthread_mutex_t lock;	/* recursive: callbacks may re-enter */
	enum reg_mode mode;
};

static inline struct sq_reg *sq(struct reg *rg) { return (struct sq_reg *)rg; }

void sq_lock(struct sq_reg *s);
void sq_unlock(struct sq_reg *s);
/* Run sql without results.  0 or -1 with err "register: what: …". */
int sq_exec(struct sq_reg *s, const char *sql, const char *what, char *err, size_t errlen);
/* Roll back the open transaction, if any. */
void sq_rollback(struct sq_reg *s);
/* A prepared statement, or NULL with err. */
sqlite3_stmt *sq_prepare(struct sq_reg *s, const char *sql, char *err, size_t errlen);
/* Bind s, or NULL when s is NULL. */
void sq_bind_text(sqlite3_stmt *st, int i, const char *s);
/* A malloc'd copy of column i, NULL when NULL. */
char *sq_col_dup(sqlite3_stmt *st, int i);
/* Column i into buf (empty when NULL). */
void sq_col_copy(sqlite3_stmt *st, int i, char *buf, size_t len);

/* An audit row at time t (lock held, inside the caller's transaction).
 * 0 or -1 with err ("no incident ID" when it does not exist). */
int sq_audit_locked(struct sq_reg *s, const char *id, time_t t, const char *actor,
    const char *action, const char *reason, char *err, size_t errlen);

/* sqlite_incidents.c */
int sq_insert(struct reg *rg, const struct incident *inc, const char *actor,
    char *err, size_t errlen);
int sq_get(struct reg *rg, const char *id, struct incident *inc, char *err, size_t errlen);
int sq_set_status(struct reg *rg, const char *id, const char *from, const char *to,
    time_t before, const char *actor, const char *reason, char *err, size_t errlen);
int sq_delay_due(struct reg *rg, time_t now, long stale, char (*ids)[32], size_t max,
    size_t *n, time_t *next, char *err, size_t errlen);
int sq_delay_retry(struct reg *rg, const char *id, time_t due, char *err, size_t errlen);
int sq_list(struct reg *rg, const struct reg_where *w,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen);

/* sqlite_audit.c */
int sq_audit(struct reg *rg, const char *id, const char *actor, const char *action,
    const char *reason, char *err, size_t errlen);
int sq_audit_find(struct reg *rg, const char *action, const char *reason, char id[32],
    char *err, size_t errlen);
int sq_audit_list(struct reg *rg, const char *id, time_t since, time_t until,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen);

/* sqlite_notices.c */
int sq_notice_plan(struct reg *rg,
    int (*want)(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
    char *err, size_t errlen);
int sq_notice_add(struct reg *rg, const char *id, const char *kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen);
int sq_notice_get(struct reg *rg, long long seq, struct reg_notice *n, char *err,
    size_t errlen);
int sq_notice_claim(struct reg *rg, time_t now, long stale, struct reg_notice *n,
    char *err, size_t errlen);
int sq_notice_finish(struct reg *rg, const struct reg_notice *n, const char *status,
    time_t next, const char *error, time_t now, const char *actor, const char *audit_action,
    const char *why, char *err, size_t errlen);
int sq_notice_list(struct reg *rg, const char *id,
    int (*cb)(const struct reg_notice *n, void *arg), void *arg, char *err, size_t errlen);

/* sqlite_users.c (dlp-web) */
int sq_user_put(struct reg *rg, const char *name, const char *role, const char *hash,
    bool replace, const char *actor, char *err, size_t errlen);
int sq_user_get(struct reg *rg, const char *name, struct reg_user *u, char *err,
    size_t errlen);
int sq_user_disable(struct reg *rg, const char *name, bool disabled, const char *actor,
    char *err, size_t errlen);
int sq_user_list(struct reg *rg, int (*cb)(const struct reg_user *u, void *arg), void *arg,
    char *err, size_t errlen);
int sq_session_add(struct reg *rg, const char *id, const char *user, const char *csrf,
    time_t created, time_t expires, char *err, size_t errlen);
int sq_session_get(struct reg *rg, const char *id, time_t now, struct reg_session *s,
    char *err, size_t errlen);
int sq_session_delete(struct reg *rg, const char *id, char *err, size_t errlen);
int sq_link_use(struct reg *rg, const char *id, const char *incident, const char *action,
    time_t now, char *err, size_t errlen);
int sq_link_used(struct reg *rg, const char *id, time_t *when, char *err, size_t errlen);
int sq_secret(struct reg *rg, const char *name, const char *proposed, char *out, size_t outlen,
    char *err, size_t errlen);
int sq_web_audit(struct reg *rg, const char *actor, const char *action, const char *incident,
    const char *detail, char *err, size_t errlen);
int sq_web_audit_list(struct reg *rg, const char *incident, int limit,
    int (*cb)(const struct web_audit *a, void *arg), void *arg, char *err, size_t errlen);

/* sqlite_approvers.c */
int sq_approver_set(struct reg *rg, const char *subject, const char *const *approvers,
    size_t n, const char *const *proxies, size_t m, const char *actor, char *err,
    size_t errlen);
int sq_approver_rows(struct reg *rg, const char *subject,
    int (*cb)(const struct reg_approver *a, void *arg), void *arg, char *err, size_t errlen);
/* sqlite_approval.c */
int sq_group_set(struct reg *rg, const char *member, const char *group, const char *actor,
    char *err, size_t errlen);
int sq_group_of(struct reg *rg, const char *member, char *group, size_t len, char *err,
    size_t errlen);
int sq_group_list(struct reg *rg, const char *group,
    int (*cb)(const struct reg_member *m, void *arg), void *arg, char *err, size_t errlen);
int sq_away_set(struct reg *rg, const char *approver, bool away, time_t back,
    const char *actor, char *err, size_t errlen);
int sq_away_list(struct reg *rg, const char *approver,
    int (*cb)(const struct reg_away *a, void *arg), void *arg, char *err, size_t errlen);
int sq_proxy_waiting(struct reg *rg, int (*cb)(const struct reg_waiting *w, void *arg),
    void *arg, char *err, size_t errlen);
int sq_proxy_mark(struct reg *rg, const char *id, const char *actor, const char *why,
    time_t now, char *err, size_t errlen);
/* sqlite_series.c */
int sq_series_count(struct reg *rg, const struct reg_series_rows *r,
    struct reg_series_counts *c, char *err, size_t errlen);
int sq_series_add(struct reg *rg, const struct reg_series_rows *r, char *err,
    size_t errlen);
int sq_series_hold(struct reg *rg, const char *incident, const struct reg_series_rows *r,
    char *err, size_t errlen);
int sq_series_release(struct reg *rg, const char *incident, time_t now, char *err,
    size_t errlen);
/* sqlite_rows.c */
int sq_rows(struct reg *rg, const char *table, const char *cols, const char *order,
    int (*cb)(void *arg, int n, const char *const *v), void *arg, char *err, size_t errlen);
/* sqlite_users.c: a web_audit row, lock held. */
int sq_web_audit_locked(struct sq_reg *rg, time_t t, const char *actor, const char *action,
    const char *incident, const char *detail, char *err, size_t errlen);

#endif
