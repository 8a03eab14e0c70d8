/*
 * pg.h — the PostgreSQL backend's handle and helpers, shared by its files
 * (pg.c: the pool, the connection, the schema; pg_incidents.c, pg_audit.c,
 * pg_notices.c, pg_messages.c: the tables; pg_users.c, pg_web.c,
 * pg_approvers.c: dlp-web's tables).  Private to register/.
 *
 * Pattern of every change: pg_lock; pg_begin; …; pg_commit; pg_unlock —
 * and pg_rollback on any failure.  Every statement goes through pg_exec
 * (text parameters, $1 …), so nothing taken from a message is ever part of
 * the SQL text.
 */
#ifndef DLP_REGISTER_PG_H
#define DLP_REGISTER_PG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <libpq-fe.h>

#include "register/backend.h"

struct pg_pool;

struct pg_reg {
	struct reg base;
	PGconn *conn;		/* borrowed from pool, given back on close */
	struct pg_pool *pool;
	pthread_mutex_t lock;	/* recursive: callbacks may re-enter */
	enum reg_mode mode;
	char state[8];		/* SQLSTATE of the last failed statement */
};

static inline struct pg_reg *pgr(struct reg *rg) { return (struct pg_reg *)rg; }

void pg_lock(struct pg_reg *p);
void pg_unlock(struct pg_reg *p);

/* Run sql with n text parameters (NULL: SQL NULL).  The result when its
 * status is PGRES_COMMAND_OK or PGRES_TUPLES_OK, else NULL with err
 * "register: what: …".  A statement sent outside a transaction on a
 * connection found dead (the server restarted) is sent once more on a new
 * one. */
PGresult *pg_exec(struct pg_reg *p, const char *sql, int n, const char *const *vals,
    const char *what, char *err, size_t errlen);
/* The same with parameter formats (1: binary) and lengths, results in fmt. */
PGresult *pg_exec_bin(struct pg_reg *p, const char *sql, int n, const char *const *vals,
    const int *lens, const int *fmts, int result_fmt, const char *what, char *err,
    size_t errlen);
/* Run sql (no parameters, result dropped).  0 or -1 with err. */
int pg_cmd(struct pg_reg *p, const char *sql, const char *what, char *err, size_t errlen);
/* BEGIN (READ COMMITTED: row locks and re-checked WHEREs do the work). */
int pg_begin(struct pg_reg *p, const char *what, char *err, size_t errlen);
/* COMMIT.  0, or -1 with err; *unknown (may be NULL) is set when the
 * connection broke while committing, so the outcome is not known. */
int pg_commit(struct pg_reg *p, const char *what, bool *unknown, char *err, size_t errlen);
/* Roll back the open transaction, if any. */
void pg_rollback(struct pg_reg *p);
/* true when the last failed statement on p failed with sqlstate
 * ("23505" unique, "23503" foreign key). */
bool pg_failed_with(const struct pg_reg *p, const char *sqlstate);

/* Value of row i, column j: a malloc'd copy or NULL (SQL NULL). */
char *pg_dup(const PGresult *r, int i, int j);
/* As a number (0 when NULL). */
long long pg_ll(const PGresult *r, int i, int j);
/* Into buf (empty when NULL). */
void pg_copy(const PGresult *r, int i, int j, char *buf, size_t len);
/* A decimal into buf, returned (for a parameter). */
const char *pg_num(char *buf, size_t len, long long v);

/* An audit row at time t inside the caller's transaction.  0 or -1 with
 * err ("no incident ID" when it does not exist). */
int pg_audit_locked(struct pg_reg *p, const char *id, time_t t, const char *actor,
    const char *action, const char *reason, char *err, size_t errlen);

/* pg_incidents.c */
int pg_insert(struct reg *rg, const struct incident *inc, const char *actor,
    char *err, size_t errlen);
int pg_get(struct reg *rg, const char *id, struct incident *inc, char *err, size_t errlen);
int pg_set_status(struct reg *rg, const char *id, const char *from, const char *to,
    time_t before, const char *actor, const char *reason, char *err, size_t errlen);
int pg_list(struct reg *rg, const struct reg_where *w,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen);
int pg_import(struct reg *rg, const struct incident *inc, const struct audit *a, size_t na,
    const struct reg_notice *n, size_t nn, char *err, size_t errlen);
/* The incident row inside the caller's transaction (pg_import). */
int pg_insert_row(struct pg_reg *p, const struct incident *inc, const char *actor,
    int planned, char *err, size_t errlen);

/* pg_audit.c */
int pg_audit(struct reg *rg, const char *id, const char *actor, const char *action,
    const char *reason, char *err, size_t errlen);
int pg_audit_find(struct reg *rg, const char *action, const char *reason, char id[32],
    char *err, size_t errlen);
int pg_audit_list(struct reg *rg, const char *id, time_t since, time_t until,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen);

/* pg_notices.c */
int pg_notice_plan(struct reg *rg,
    int (*want)(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
    char *err, size_t errlen);
int pg_notice_add(struct reg *rg, const char *id, const char *kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen);
int pg_notice_get(struct reg *rg, long long seq, struct reg_notice *n, char *err,
    size_t errlen);
int pg_notice_claim(struct reg *rg, time_t now, long stale, struct reg_notice *n,
    char *err, size_t errlen);
int pg_notice_finish(struct reg *rg, const struct reg_notice *n, const char *status,
    time_t next, const char *error, time_t now, const char *actor, const char *audit_action,
    const char *why, char *err, size_t errlen);
int pg_notice_list(struct reg *rg, const char *id,
    int (*cb)(const struct reg_notice *n, void *arg), void *arg, char *err, size_t errlen);
/* A notice row as it was (pg_import), inside the caller's transaction. */
int pg_notice_import(struct pg_reg *p, const struct reg_notice *n, char *err, size_t errlen);

/* pg_messages.c */
int pg_msg_put(struct reg *rg, const char *id, long (*rd)(void *arg, void *buf, size_t len),
    void *arg, char *err, size_t errlen);
int pg_msg_read(struct reg *rg, const char *id,
    int (*out)(void *arg, const void *buf, size_t len), void *arg, char *err, size_t errlen);
int pg_msg_chunk(struct reg *rg, const char *id, long long n, unsigned char **data,
    size_t *len, char *err, size_t errlen);
long long pg_msg_size(struct reg *rg, const char *id, char *err, size_t errlen);
int pg_msg_remove(struct reg *rg, const char *id, char *err, size_t errlen);
int pg_msg_orphans(struct reg *rg, time_t cutoff, int *removed, char *err, size_t errlen);

/* pg_users.c (dlp-web: accounts, sessions) */
int pg_user_put(struct reg *rg, const char *name, const char *role, const char *hash,
    bool replace, const char *actor, char *err, size_t errlen);
int pg_user_get(struct reg *rg, const char *name, struct reg_user *u, char *err,
    size_t errlen);
int pg_user_disable(struct reg *rg, const char *name, bool disabled, const char *actor,
    char *err, size_t errlen);
int pg_user_list(struct reg *rg, int (*cb)(const struct reg_user *u, void *arg), void *arg,
    char *err, size_t errlen);
int pg_session_add(struct reg *rg, const char *id, const char *user, const char *csrf,
    time_t created, time_t expires, char *err, size_t errlen);
int pg_session_get(struct reg *rg, const char *id, time_t now, struct reg_session *s,
    char *err, size_t errlen);
int pg_session_delete(struct reg *rg, const char *id, char *err, size_t errlen);

/* pg_web.c (dlp-web: used links, the console's audit trail) */
int pg_link_use(struct reg *rg, const char *id, const char *incident, const char *action,
    time_t now, char *err, size_t errlen);
int pg_link_used(struct reg *rg, const char *id, time_t *when, char *err, size_t errlen);
int pg_secret(struct reg *rg, const char *name, const char *proposed, char *out, size_t outlen,
    char *err, size_t errlen);
int pg_web_audit(struct reg *rg, const char *actor, const char *action, const char *incident,
    const char *detail, char *err, size_t errlen);
int pg_web_audit_list(struct reg *rg, const char *incident, int limit,
    int (*cb)(const struct web_audit *a, void *arg), void *arg, char *err, size_t errlen);
/* A web_audit row at time t inside the caller's transaction.  0 or -1. */
int pg_web_audit_locked(struct pg_reg *p, time_t t, const char *actor, const char *action,
    const char *incident, const char *detail, char *err, size_t errlen);

/* pg_approvers.c */
int pg_approver_set(struct reg *rg, const char *subject, const char *const *approvers,
    size_t n, const char *const *proxies, size_t m, const char *actor, char *err,
    size_t errlen);
int pg_approver_rows(struct reg *rg, const char *subject,
    int (*cb)(const struct reg_approver *a, void *arg), void *arg, char *err, size_t errlen);
/* pg_approval.c */
int pg_group_set(struct reg *rg, const char *member, const char *group, const char *actor,
    char *err, size_t errlen);
int pg_group_of(struct reg *rg, const char *member, char *group, size_t len, char *err,
    size_t errlen);
int pg_group_list(struct reg *rg, const char *group,
    int (*cb)(const struct reg_member *m, void *arg), void *arg, char *err, size_t errlen);
int pg_away_set(struct reg *rg, const char *approver, bool away, time_t back,
    const char *actor, char *err, size_t errlen);
int pg_away_list(struct reg *rg, const char *approver,
    int (*cb)(const struct reg_away *a, void *arg), void *arg, char *err, size_t errlen);
int pg_proxy_waiting(struct reg *rg, int (*cb)(const struct reg_waiting *w, void *arg),
    void *arg, char *err, size_t errlen);
int pg_proxy_mark(struct reg *rg, const char *id, const char *actor, const char *why,
    time_t now, char *err, size_t errlen);

/* pg_incidents.c (the send delay's timer) */
int pg_delay_due(struct reg *rg, time_t now, long stale, char (*ids)[32], size_t max,
    size_t *n, time_t *next, char *err, size_t errlen);
int pg_delay_retry(struct reg *rg, const char *id, time_t due, char *err, size_t errlen);

/* pg_series.c */
int pg_series_count(struct reg *rg, const struct reg_series_rows *r,
    struct reg_series_counts *c, char *err, size_t errlen);
int pg_series_add(struct reg *rg, const struct reg_series_rows *r, char *err,
    size_t errlen);
int pg_series_hold(struct reg *rg, const char *incident, const struct reg_series_rows *r,
    char *err, size_t errlen);
int pg_series_release(struct reg *rg, const char *incident, time_t now, char *err,
    size_t errlen);

/* pg_rows.c */
int pg_row_put(struct reg *rg, const char *table, const char *cols, const char *key, int n,
    const char *const *v, char *err, size_t errlen);
int pg_series_merged(struct reg *rg, long long series, long long sent, char *err,
    size_t errlen);

#endif
