/*
 * backend.h — the register's storage backends (private to register/).
 *
 * register.c is the front: it checks what a caller asks (known statuses,
 * an id and an action), picks the backend from the path, and calls it
 * through this table; the backend owns the connection, its locking and
 * its transactions.  Every backend's handle starts with a struct reg, so
 * the front can find the table from any handle.
 *
 * A new backend is one more table and one more line in register.c's
 * backend_for; nothing outside register/ changes.  The schema and its
 * migrations are in schema.c, one list for every backend (PostgreSQL
 * translates a few words of it: pg.c's pg_translate).
 *
 * The msg_* and import ops are optional (NULL: the backend keeps no
 * messages, or cannot import; register.c answers for it).
 */
#ifndef DLP_REGISTER_BACKEND_H
#define DLP_REGISTER_BACKEND_H

#include "register/register.h"

struct reg_backend;
struct reg_series_rows;

/* The first member of every backend's handle. */
struct reg {
	const struct reg_backend *be;
};

struct reg_backend {
	const char *name;
	struct reg *(*open)(const char *path, const char *password_file, enum reg_mode mode,
	    char *err, size_t errlen);
	void (*close)(struct reg *rg);

	int (*insert)(struct reg *rg, const struct incident *inc, const char *actor,
	    char *err, size_t errlen);
	int (*get)(struct reg *rg, const char *id, struct incident *inc, char *err,
	    size_t errlen);
	/* before: 0 for any age */
	int (*set_status)(struct reg *rg, const char *id, const char *from, const char *to,
	    time_t before, const char *actor, const char *reason, char *err, size_t errlen);
	int (*audit)(struct reg *rg, const char *id, const char *actor, const char *action,
	    const char *reason, char *err, size_t errlen);
	int (*list)(struct reg *rg, const struct reg_where *w,
	    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err,
	    size_t errlen);
	/* the incident of the newest audit row with this action and reason */
	int (*audit_find)(struct reg *rg, const char *action, const char *reason, char id[32],
	    char *err, size_t errlen);
	/* id NULL: every incident's; since/until 0: open */
	int (*audit_list)(struct reg *rg, const char *id, time_t since, time_t until,
	    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen);

	int (*notice_plan)(struct reg *rg,
	    int (*want)(void *arg, const char *id, const char *sender, const char *action,
	    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
	    char *err, size_t errlen);
	int (*notice_add)(struct reg *rg, const char *id, const char *kind, const char *rcpt,
	    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen);
	int (*notice_get)(struct reg *rg, long long seq, struct reg_notice *n, char *err,
	    size_t errlen);
	int (*notice_claim)(struct reg *rg, time_t now, long stale, struct reg_notice *n,
	    char *err, size_t errlen);
	int (*notice_finish)(struct reg *rg, const struct reg_notice *n, const char *status,
	    time_t next, const char *error, time_t now, const char *actor,
	    const char *audit_action, const char *why, char *err, size_t errlen);
	int (*notice_list)(struct reg *rg, const char *id,
	    int (*cb)(const struct reg_notice *n, void *arg), void *arg, char *err,
	    size_t errlen);
	int (*count)(struct reg *rg, const char *table, long long *count, char *err,
	    size_t errlen);
	int (*delay_due)(struct reg *rg, time_t now, long stale, char (*ids)[32], size_t max,
	    size_t *n, time_t *next, char *err, size_t errlen);
	int (*delay_retry)(struct reg *rg, const char *id, time_t due, char *err, size_t errlen);

	/* optional */
	int (*msg_put)(struct reg *rg, const char *id,
	    long (*rd)(void *arg, void *buf, size_t len), void *arg, char *err, size_t errlen);
	int (*msg_read)(struct reg *rg, const char *id,
	    int (*out)(void *arg, const void *buf, size_t len), void *arg, char *err,
	    size_t errlen);
	int (*msg_chunk)(struct reg *rg, const char *id, long long n, unsigned char **data,
	    size_t *len, char *err, size_t errlen);
	long long (*msg_size)(struct reg *rg, const char *id, char *err, size_t errlen);
	int (*msg_remove)(struct reg *rg, const char *id, char *err, size_t errlen);
	int (*msg_orphans)(struct reg *rg, time_t cutoff, int *removed, char *err,
	    size_t errlen);
	int (*import)(struct reg *rg, const struct incident *inc, const struct audit *a,
	    size_t na, const struct reg_notice *n, size_t nn, char *err, size_t errlen);

	/* dlp-web (register.h) */
	int (*user_put)(struct reg *rg, const char *name, const char *role, const char *hash,
	    bool replace, const char *actor, char *err, size_t errlen);
	int (*user_get)(struct reg *rg, const char *name, struct reg_user *u, char *err,
	    size_t errlen);
	int (*user_disable)(struct reg *rg, const char *name, bool disabled, const char *actor,
	    char *err, size_t errlen);
	int (*user_list)(struct reg *rg, int (*cb)(const struct reg_user *u, void *arg),
	    void *arg, char *err, size_t errlen);
	int (*session_add)(struct reg *rg, const char *id, const char *user, const char *csrf,
	    time_t created, time_t expires, char *err, size_t errlen);
	int (*session_get)(struct reg *rg, const char *id, time_t now, struct reg_session *s,
	    char *err, size_t errlen);
	int (*session_delete)(struct reg *rg, const char *id, char *err, size_t errlen);
	int (*link_use)(struct reg *rg, const char *id, const char *incident,
	    const char *action, time_t now, char *err, size_t errlen);
	int (*link_used)(struct reg *rg, const char *id, time_t *when, char *err,
	    size_t errlen);
	int (*secret)(struct reg *rg, const char *name, const char *proposed, char *out,
	    size_t outlen, char *err, size_t errlen);
	int (*web_audit)(struct reg *rg, const char *actor, const char *action,
	    const char *incident, const char *detail, char *err, size_t errlen);
	int (*web_audit_list)(struct reg *rg, const char *incident, int limit,
	    int (*cb)(const struct web_audit *a, void *arg), void *arg, char *err,
	    size_t errlen);
	int (*approver_set)(struct reg *rg, const char *subject, const char *const *approvers,
	    size_t n, const char *const *proxies, size_t m, const char *actor, char *err,
	    size_t errlen);
	/* exact subject, or all when NULL */
	int (*approver_rows)(struct reg *rg, const char *subject,
	    int (*cb)(const struct reg_approver *a, void *arg), void *arg, char *err,
	    size_t errlen);
	/* groups, away, proxy requests (register.h; member and approver
	 * checked by the front; group NULL: remove) */
	int (*group_set)(struct reg *rg, const char *member, const char *group,
	    const char *actor, char *err, size_t errlen);
	int (*group_of)(struct reg *rg, const char *member, char *group, size_t len, char *err,
	    size_t errlen);
	int (*group_list)(struct reg *rg, const char *group,
	    int (*cb)(const struct reg_member *m, void *arg), void *arg, char *err,
	    size_t errlen);
	int (*away_set)(struct reg *rg, const char *approver, bool away, time_t back,
	    const char *actor, char *err, size_t errlen);
	int (*away_list)(struct reg *rg, const char *approver,
	    int (*cb)(const struct reg_away *a, void *arg), void *arg, char *err,
	    size_t errlen);
	int (*proxy_waiting)(struct reg *rg, int (*cb)(const struct reg_waiting *w, void *arg),
	    void *arg, char *err, size_t errlen);
	int (*proxy_mark)(struct reg *rg, const char *id, const char *actor, const char *why,
	    time_t now, char *err, size_t errlen);

	/* the series tables (series.c hashes under the secret "series",
	 * the backend stores) */
	int (*series_count)(struct reg *rg, const struct reg_series_rows *r,
	    struct reg_series_counts *c, char *err, size_t errlen);
	int (*series_add)(struct reg *rg, const struct reg_series_rows *r, char *err,
	    size_t errlen);
	/* a held message's rows kept (series_held) until it is released;
	 * released: recorded as series_add at r's now, and the kept rows
	 * deleted, in one transaction (1), or 0 when none are kept */
	int (*series_hold)(struct reg *rg, const char *incident, const struct reg_series_rows *r,
	    char *err, size_t errlen);
	int (*series_release)(struct reg *rg, const char *incident, time_t now, char *err,
	    size_t errlen);

	/* dlpctl migrate (ctl/migrate.c), on the tables and columns of its
	 * fixed list, never a caller's text: every row as text (NULL: SQL
	 * NULL), in order's order (NULL: any) — the source's side; a row put
	 * unless its key (columns; NULL: a row equal in every column) is there
	 * already, 1 put, 0 there — the database's side; after series rows
	 * were put, the running totals made again from series_sent and the row
	 * bounds raised by what was put */
	int (*rows)(struct reg *rg, const char *table, const char *cols, const char *order,
	    int (*cb)(void *arg, int n, const char *const *v), void *arg, char *err,
	    size_t errlen);
	int (*row_put)(struct reg *rg, const char *table, const char *cols, const char *key,
	    int n, const char *const *v, char *err, size_t errlen);
	int (*series_merged)(struct reg *rg, long long series, long long sent, char *err,
	    size_t errlen);
};

/* A message of reg_series_msg hashed (hex of 16 bytes each): recipients
 * distinct. */
struct reg_series_rows {
	char sender[33], msg[33];
	char (*keys)[33];
	size_t nkeys;
	char (*rcpts)[33];
	size_t nrcpts;
	long long bytes;
	time_t now, since, hour_since;	/* since: now - window; hour_since: now - 3600 */
	long long max_rows;
};

/* series_held's columns (series.c): the hashes joined, 32 hex digits
 * each, no separator (malloc'd, NULL when out of memory); and back into r's
 * keys and rcpts (allocated; reg_series_rows_free).  0 or -1 with err. */
char *reg_series_join(char (*v)[33], size_t n);
int reg_series_split(struct reg_series_rows *r, const char *keys, const char *rcpts,
    char *err, size_t errlen);
void reg_series_rows_free(struct reg_series_rows *r);
/* r's times for a record at now that keeps window seconds. */
void reg_series_at(struct reg_series_rows *r, time_t now, long window);

extern const struct reg_backend reg_sqlite_backend;
extern const struct reg_backend reg_pg_backend;

/* The schema (schema.c): migration i brings version i to i + 1. */
extern const char *const reg_migrations[];
extern const int reg_schema_version;

#endif
