/*
 * sqlite_users.c — dlp-web's tables on SQLite: users, sessions,
 * link_uses and web_audit (register.h; schema.c migration 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "register/sqlite.h"

/* A web_audit row (lock held, inside the caller's transaction or none). */
int sq_web_audit_locked(struct sq_reg *rg, time_t t, const char *actor, const char *action,
    const char *incident, const char *detail, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = sq_prepare(rg, "INSERT INTO web_audit (time, actor, action, incident, detail)"
	    " VALUES (?, ?, ?, ?, ?)", err, errlen)))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)t);
	sq_bind_text(st, 2, actor ? actor : "?");
	sq_bind_text(st, 3, action);
	sq_bind_text(st, 4, incident);
	sq_bind_text(st, 5, detail);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: web audit: %s", sqlite3_errmsg(rg->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sq_web_audit(struct reg *base, const char *actor, const char *action,
    const char *incident, const char *detail, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	int rc;

	sq_lock(rg);
	rc = sq_web_audit_locked(rg, time(NULL), actor, action, incident, detail, err, errlen);
	sq_unlock(rg);
	return rc;
}

/* Run one prepared change of st with its audit row in one transaction.
 * Returns the number of rows changed, or -1 with err. */
static int change_audited(struct sq_reg *rg, sqlite3_stmt *st, const char *actor,
    const char *action, const char *detail, char *err, size_t errlen)
{
	int changed;

	if (sq_exec(rg, "BEGIN IMMEDIATE", action, err, errlen) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "register: %s: %s", action, sqlite3_errmsg(rg->db));
		goto fail;
	}
	changed = sqlite3_changes(rg->db);
	if (changed > 0 && sq_web_audit_locked(rg, time(NULL), actor, action, NULL, detail, err,
	    errlen) < 0)
		goto fail;
	if (sq_exec(rg, "COMMIT", action, err, errlen) < 0)
		goto fail;
	return changed;
fail:
	sq_rollback(rg);
	return -1;
}

int sq_user_put(struct reg *base, const char *name, const char *role, const char *hash,
    bool replace, const char *actor, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char detail[128];
	sqlite3_stmt *st;
	time_t now = time(NULL);
	int n;

	sq_lock(rg);
	st = sq_prepare(rg, replace ?
	    "INSERT INTO users (name, role, hash, created, updated) VALUES (?1, ?2, ?3, ?4, ?4)"
	    " ON CONFLICT(name) DO UPDATE SET role = ?2, hash = ?3, updated = ?4, disabled = 0" :
	    "INSERT INTO users (name, role, hash, created, updated) VALUES (?1, ?2, ?3, ?4, ?4)"
	    " ON CONFLICT(name) DO NOTHING", err, errlen);
	if (!st) {
		sq_unlock(rg);
		return -1;
	}
	sq_bind_text(st, 1, name);
	sq_bind_text(st, 2, role);
	sq_bind_text(st, 3, hash);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	snprintf(detail, sizeof(detail), "user %s, role %s", name, role);
	n = change_audited(rg, st, actor, replace ? "user set" : "user added", detail, err,
	    errlen);
	sqlite3_finalize(st);
	sq_unlock(rg);
	if (n == 0)
		snprintf(err, errlen, "user %s exists", name);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

static void row_to_user(sqlite3_stmt *st, struct reg_user *u)
{
	sq_col_copy(st, 0, u->name, sizeof(u->name));
	sq_col_copy(st, 1, u->role, sizeof(u->role));
	u->hash = sq_col_dup(st, 2);
	u->created = (time_t)sqlite3_column_int64(st, 3);
	u->updated = (time_t)sqlite3_column_int64(st, 4);
	u->disabled = sqlite3_column_int(st, 5) != 0;
}

#define USER_COLS "name, role, hash, created, updated, disabled"

int sq_user_get(struct reg *base, const char *name, struct reg_user *u, char *err,
    size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT " USER_COLS " FROM users WHERE name = ?", err, errlen)))
		goto out;
	sq_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_to_user(st, u);
		ret = u->hash ? 0 : -1;
		if (ret < 0)
			snprintf(err, errlen, "register: out of memory");
	} else if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "no user %s", name);
		ret = 1;
	} else {
		snprintf(err, errlen, "register: user %s: %s", name, sqlite3_errmsg(rg->db));
	}
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

int sq_user_disable(struct reg *base, const char *name, bool disabled, const char *actor,
    char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int n;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "UPDATE users SET disabled = ?, updated = ? WHERE name = ?",
	    err, errlen))) {
		sq_unlock(rg);
		return -1;
	}
	sqlite3_bind_int(st, 1, disabled ? 1 : 0);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	sq_bind_text(st, 3, name);
	n = change_audited(rg, st, actor, disabled ? "user disabled" : "user enabled", name, err,
	    errlen);
	sqlite3_finalize(st);
	if (n > 0 && disabled && (st = sq_prepare(rg, "DELETE FROM sessions WHERE username = ?", err,
	    errlen))) {
		sq_bind_text(st, 1, name);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	sq_unlock(rg);
	if (n == 0)
		snprintf(err, errlen, "no user %s", name);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

int sq_user_list(struct reg *base, int (*cb)(const struct reg_user *u, void *arg), void *arg,
    char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	struct reg_user u;
	sqlite3_stmt *st;
	int rc, stop, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT " USER_COLS " FROM users ORDER BY name", err, errlen)))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		row_to_user(st, &u);
		stop = cb(&u, arg);
		reg_user_clear(&u);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: users: %s", sqlite3_errmsg(rg->db));
	else
		ret = 0;
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

int sq_session_add(struct reg *base, const char *id, const char *user, const char *csrf,
    time_t created, time_t expires, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc = -1;

	sq_lock(rg);
	/* Old sessions go on the way: a sign-in is rare enough. */
	if ((st = sq_prepare(rg, "DELETE FROM sessions WHERE expires <= ?", err, errlen))) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)created);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if ((st = sq_prepare(rg, "INSERT INTO sessions (id, username, csrf, created, expires)"
	    " VALUES (?, ?, ?, ?, ?)", err, errlen))) {
		sq_bind_text(st, 1, id);
		sq_bind_text(st, 2, user);
		sq_bind_text(st, 3, csrf);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)created);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)expires);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = 0;
		else
			snprintf(err, errlen, "register: session: %s", sqlite3_errmsg(rg->db));
		sqlite3_finalize(st);
	}
	sq_unlock(rg);
	return rc;
}

int sq_session_get(struct reg *base, const char *id, time_t now, struct reg_session *s,
    char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT s.username, u.role, s.csrf, s.created, s.expires"
	    " FROM sessions s JOIN users u ON u.name = s.username"
	    " WHERE s.id = ? AND s.expires > ? AND u.disabled = 0", err, errlen)))
		goto out;
	sq_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sq_col_copy(st, 0, s->user, sizeof(s->user));
		sq_col_copy(st, 1, s->role, sizeof(s->role));
		sq_col_copy(st, 2, s->csrf, sizeof(s->csrf));
		s->created = (time_t)sqlite3_column_int64(st, 3);
		s->expires = (time_t)sqlite3_column_int64(st, 4);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "no session");
		ret = 1;
	} else {
		snprintf(err, errlen, "register: session: %s", sqlite3_errmsg(rg->db));
	}
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

int sq_session_delete(struct reg *base, const char *id, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc = -1;

	sq_lock(rg);
	if ((st = sq_prepare(rg, "DELETE FROM sessions WHERE id = ?", err, errlen))) {
		sq_bind_text(st, 1, id);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = 0;
		else
			snprintf(err, errlen, "register: session: %s", sqlite3_errmsg(rg->db));
		sqlite3_finalize(st);
	}
	sq_unlock(rg);
	return rc;
}

int sq_link_use(struct reg *base, const char *id, const char *incident, const char *action,
    time_t now, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc = -1;

	sq_lock(rg);
	if ((st = sq_prepare(rg, "INSERT INTO link_uses (id, incident, action, time)"
	    " VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING", err, errlen))) {
		sq_bind_text(st, 1, id);
		sq_bind_text(st, 2, incident);
		sq_bind_text(st, 3, action);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = sqlite3_changes(rg->db) == 1 ? 0 : 1;
		else
			snprintf(err, errlen, "register: link: %s", sqlite3_errmsg(rg->db));
		sqlite3_finalize(st);
	}
	sq_unlock(rg);
	return rc;
}

int sq_link_used(struct reg *base, const char *id, time_t *when, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc = -1, r;

	sq_lock(rg);
	if ((st = sq_prepare(rg, "SELECT time FROM link_uses WHERE id = ?", err, errlen))) {
		sq_bind_text(st, 1, id);
		r = sqlite3_step(st);
		if (r == SQLITE_ROW) {
			if (when)
				*when = (time_t)sqlite3_column_int64(st, 0);
			rc = 1;
		} else if (r == SQLITE_DONE) {
			rc = 0;
		} else {
			snprintf(err, errlen, "register: link: %s", sqlite3_errmsg(rg->db));
		}
		sqlite3_finalize(st);
	}
	sq_unlock(rg);
	return rc;
}

int sq_web_audit_list(struct reg *base, const char *incident, int limit,
    int (*cb)(const struct web_audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	struct web_audit a;
	sqlite3_stmt *st;
	int rc, ret = -1;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT seq, time, actor, action, incident, detail"
	    " FROM web_audit WHERE (?1 IS NULL OR incident = ?1) ORDER BY seq DESC"
	    " LIMIT CASE WHEN ?2 > 0 THEN ?2 ELSE -1 END", err, errlen)))
		goto out;
	sq_bind_text(st, 1, incident);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.seq = sqlite3_column_int64(st, 0);
		a.time = (time_t)sqlite3_column_int64(st, 1);
		a.actor = (const char *)sqlite3_column_text(st, 2);
		a.action = (const char *)sqlite3_column_text(st, 3);
		a.incident = (const char *)sqlite3_column_text(st, 4);
		a.detail = (const char *)sqlite3_column_text(st, 5);
		if (cb(&a, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: web audit: %s", sqlite3_errmsg(rg->db));
	else
		ret = 0;
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

/* Insert-if-absent, then read: of two processes proposing at once the
 * primary key keeps the first, and both read it. */
int sq_secret(struct reg *base, const char *name, const char *proposed, char *out,
    size_t outlen, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	const unsigned char *v;
	int rc = -1, r;

	sq_lock(rg);
	if (!proposed)
		goto read;
	if (!(st = sq_prepare(rg, "INSERT INTO secrets (name, value, created) VALUES (?, ?, ?)"
	    " ON CONFLICT(name) DO NOTHING", err, errlen)))
		goto out;
	sq_bind_text(st, 1, name);
	sq_bind_text(st, 2, proposed);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "register: secret %s: %s", name, sqlite3_errmsg(rg->db));
		sqlite3_finalize(st);
		goto out;
	}
	sqlite3_finalize(st);
read:
	if (!(st = sq_prepare(rg, "SELECT value FROM secrets WHERE name = ?", err, errlen)))
		goto out;
	sq_bind_text(st, 1, name);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) &&
	    strlen((const char *)v) < outlen) {
		snprintf(out, outlen, "%s", (const char *)v);
		rc = 0;
	} else if (r == SQLITE_DONE && !proposed) {
		rc = 1;
	} else {
		snprintf(err, errlen, "register: secret %s: not readable: %s", name,
		    sqlite3_errmsg(rg->db));
	}
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return rc;
}
