/*
 * pg_users.c — dlp-web's accounts and sessions on PostgreSQL: tables
 * users and sessions (register.h; schema.c migration 4).  The same
 * answers as sqlite_users.c; every change is one transaction with its
 * web_audit row (pg_web.c), so a write is never sent twice (pg.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/pg.h"

/* Run one change (sql with n parameters) and, when it changed a row, its
 * web_audit row, in one transaction; then, when it changed a row and
 * after is set, after (one parameter: after_arg) in the same transaction.
 * The number of rows changed, or -1 with err. */
static int change_audited(struct pg_reg *p, const char *sql, int n, const char *const *v,
    const char *after, const char *after_arg, const char *actor, const char *action,
    const char *detail, char *err, size_t errlen)
{
	const char *av[1] = { after_arg };
	PGresult *r;
	int changed;

	if (pg_begin(p, action, err, errlen) < 0 || !(r = pg_exec(p, sql, n, v, action, err,
	    errlen)))
		goto fail;
	changed = atoi(PQcmdTuples(r));
	PQclear(r);
	if (changed > 0 && (pg_web_audit_locked(p, time(NULL), actor, action, NULL, detail, err,
	    errlen) < 0 || (after && !(r = pg_exec(p, after, 1, av, action, err, errlen)))))
		goto fail;
	if (changed > 0 && after)
		PQclear(r);
	if (pg_commit(p, action, NULL, err, errlen) < 0)
		goto fail;
	return changed;
fail:
	pg_rollback(p);
	return -1;
}

int pg_user_put(struct reg *rg, const char *name, const char *role, const char *hash,
    bool replace, const char *actor, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char detail[128], nb[24];
	const char *v[4] = { name, role, hash, pg_num(nb, sizeof(nb), time(NULL)) };
	int n;

	snprintf(detail, sizeof(detail), "user %s, role %s", name, role);
	pg_lock(p);
	n = change_audited(p, replace ?
	    "INSERT INTO users (name, role, hash, created, updated) VALUES ($1, $2, $3, $4, $4)"
	    " ON CONFLICT (name) DO UPDATE SET role = $2, hash = $3, updated = $4, disabled = 0" :
	    "INSERT INTO users (name, role, hash, created, updated) VALUES ($1, $2, $3, $4, $4)"
	    " ON CONFLICT (name) DO NOTHING", 4, v, NULL, NULL, actor,
	    replace ? "user set" : "user added", detail, err, errlen);
	pg_unlock(p);
	if (n == 0)
		snprintf(err, errlen, "user %s exists", name);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

#define USER_COLS "name, role, hash, created, updated, disabled"

/* Row i of a USER_COLS result into u.  -1 on ENOMEM. */
static int row_to_user(const PGresult *r, int i, struct reg_user *u)
{
	memset(u, 0, sizeof(*u));
	pg_copy(r, i, 0, u->name, sizeof(u->name));
	pg_copy(r, i, 1, u->role, sizeof(u->role));
	u->hash = pg_dup(r, i, 2);
	u->created = (time_t)pg_ll(r, i, 3);
	u->updated = (time_t)pg_ll(r, i, 4);
	u->disabled = pg_ll(r, i, 5) != 0;
	return u->hash ? 0 : -1;
}

int pg_user_get(struct reg *rg, const char *name, struct reg_user *u, char *err,
    size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { name };
	PGresult *r;
	int ret;

	pg_lock(p);
	r = pg_exec(p, "SELECT " USER_COLS " FROM users WHERE name = $1", 1, v, "user", err,
	    errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		snprintf(err, errlen, "no user %s", name);
		ret = 1;
	} else if ((ret = row_to_user(r, 0, u)) < 0) {
		snprintf(err, errlen, "register: out of memory");
	}
	PQclear(r);
	return ret;
}

int pg_user_disable(struct reg *rg, const char *name, bool disabled, const char *actor,
    char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char nb[24];
	const char *v[3] = { disabled ? "1" : "0", pg_num(nb, sizeof(nb), time(NULL)), name };
	int n;

	/* Disabling ends the user's sessions in the same transaction. */
	pg_lock(p);
	n = change_audited(p, "UPDATE users SET disabled = $1, updated = $2 WHERE name = $3", 3,
	    v, disabled ? "DELETE FROM sessions WHERE username = $1" : NULL, name, actor,
	    disabled ? "user disabled" : "user enabled", name, err, errlen);
	pg_unlock(p);
	if (n == 0)
		snprintf(err, errlen, "no user %s", name);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

int pg_user_list(struct reg *rg, int (*cb)(const struct reg_user *u, void *arg), void *arg,
    char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	struct reg_user u;
	PGresult *r;
	int n, stop = 0, ret = 0;

	/* By name in byte order, as SQLite sorts, whatever the database's
	 * collation; a handful of accounts, so one query. */
	pg_lock(p);
	r = pg_exec(p, "SELECT " USER_COLS " FROM users ORDER BY name COLLATE \"C\"", 0, NULL,
	    "users", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n && !stop; i++) {
		if (row_to_user(r, i, &u) < 0) {
			snprintf(err, errlen, "register: out of memory");
			ret = -1;
			break;
		}
		stop = cb(&u, arg);
		reg_user_clear(&u);
	}
	PQclear(r);
	return ret;
}

int pg_session_add(struct reg *rg, const char *id, const char *user, const char *csrf,
    time_t created, time_t expires, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char cb[24], eb[24];
	const char *v[5] = { id, user, csrf, pg_num(cb, sizeof(cb), created),
		pg_num(eb, sizeof(eb), expires) };
	PGresult *r = NULL;
	int rc = -1;

	/* Old sessions go on the way: a sign-in is rare enough. */
	pg_lock(p);
	if (pg_begin(p, "session", err, errlen) == 0 &&
	    (r = pg_exec(p, "DELETE FROM sessions WHERE expires <= $1", 1, v + 3, "session", err,
	    errlen))) {
		PQclear(r);
		if ((r = pg_exec(p, "INSERT INTO sessions (id, username, csrf, created, expires)"
		    " VALUES ($1, $2, $3, $4, $5)", 5, v, "session", err, errlen)) &&
		    pg_commit(p, "session", NULL, err, errlen) == 0)
			rc = 0;
		PQclear(r);
	}
	if (rc < 0)
		pg_rollback(p);
	pg_unlock(p);
	return rc;
}

int pg_session_get(struct reg *rg, const char *id, time_t now, struct reg_session *s,
    char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char nb[24];
	const char *v[2] = { id, pg_num(nb, sizeof(nb), now) };
	PGresult *r;
	int ret = 0;

	pg_lock(p);
	r = pg_exec(p, "SELECT s.username, u.role, s.csrf, s.created, s.expires"
	    " FROM sessions s JOIN users u ON u.name = s.username"
	    " WHERE s.id = $1 AND s.expires > $2::bigint AND u.disabled = 0", 2, v, "session", err,
	    errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		pg_copy(r, 0, 0, s->user, sizeof(s->user));
		pg_copy(r, 0, 1, s->role, sizeof(s->role));
		pg_copy(r, 0, 2, s->csrf, sizeof(s->csrf));
		s->created = (time_t)pg_ll(r, 0, 3);
		s->expires = (time_t)pg_ll(r, 0, 4);
	} else {
		snprintf(err, errlen, "no session");
		ret = 1;
	}
	PQclear(r);
	return ret;
}

int pg_session_delete(struct reg *rg, const char *id, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { id };
	PGresult *r;

	/* Idempotent: sent again after a lost connection, it does no harm. */
	pg_lock(p);
	r = pg_exec(p, "DELETE FROM sessions WHERE id = $1", 1, v, "session", err, errlen);
	pg_unlock(p);
	PQclear(r);
	return r ? 0 : -1;
}
