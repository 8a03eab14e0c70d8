/*
 * pg_web.c — dlp-web's signed links already used and the console's audit
 * trail on PostgreSQL: tables link_uses and web_audit (register.h;
 * schema.c migration 4).  The same answers as sqlite_users.c.
 *
 * A link is used once across every dlp-web on the database: link_use is
 * one INSERT … ON CONFLICT (id) DO NOTHING in a transaction of its own.
 * Of two nodes marking the same link at once, the second INSERT waits
 * for the first one's uncommitted row (the primary key), then inserts
 * nothing: one is told 0 (marked now), the other 1 (used before).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "register/pg.h"

int pg_web_audit_locked(struct pg_reg *p, time_t t, const char *actor, const char *action,
    const char *incident, const char *detail, char *err, size_t errlen)
{
	char tb[24];
	const char *v[5] = { pg_num(tb, sizeof(tb), t), actor ? actor : "?", action, incident,
		detail };
	PGresult *r = pg_exec(p, "INSERT INTO web_audit (time, actor, action, incident, detail)"
	    " VALUES ($1, $2, $3, $4, $5)", 5, v, "web audit", err, errlen);

	PQclear(r);
	return r ? 0 : -1;
}

int pg_web_audit(struct reg *rg, const char *actor, const char *action, const char *incident,
    const char *detail, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	int rc;

	pg_lock(p);
	rc = pg_begin(p, "web audit", err, errlen) < 0 ||
	    pg_web_audit_locked(p, time(NULL), actor, action, incident, detail, err, errlen) < 0 ||
	    pg_commit(p, "web audit", NULL, err, errlen) < 0 ? -1 : 0;
	if (rc < 0)
		pg_rollback(p);
	pg_unlock(p);
	return rc;
}

int pg_link_use(struct reg *rg, const char *id, const char *incident, const char *action,
    time_t now, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char nb[24];
	const char *v[4] = { id, incident, action, pg_num(nb, sizeof(nb), now) };
	PGresult *r = NULL;
	int rc = -1, n;

	pg_lock(p);
	if (pg_begin(p, "link", err, errlen) == 0 &&
	    (r = pg_exec(p, "INSERT INTO link_uses (id, incident, action, time)"
	    " VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING", 4, v, "link", err, errlen))) {
		n = atoi(PQcmdTuples(r));
		/* A commit whose answer is lost stays an error: the link is
		 * then refused as used, or the action fails — never done twice. */
		if (pg_commit(p, "link", NULL, err, errlen) == 0)
			rc = n == 1 ? 0 : 1;
	}
	PQclear(r);
	if (rc < 0)
		pg_rollback(p);
	pg_unlock(p);
	return rc;
}

int pg_link_used(struct reg *rg, const char *id, time_t *when, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { id };
	PGresult *r;
	int rc;

	pg_lock(p);
	r = pg_exec(p, "SELECT time FROM link_uses WHERE id = $1", 1, v, "link", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	rc = PQntuples(r) == 1;
	if (rc && when)
		*when = (time_t)pg_ll(r, 0, 0);
	PQclear(r);
	return rc;
}

/* Insert-if-absent (proposed not NULL) in a transaction of its own, then read: of two nodes
 * proposing at once the second INSERT waits for the first one's row and
 * inserts nothing, and both read the first one's value. */
int pg_secret(struct reg *rg, const char *name, const char *proposed, char *out,
    size_t outlen, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char tb[24];
	const char *v[3] = { name, proposed, pg_num(tb, sizeof(tb), time(NULL)) };
	PGresult *r = NULL;
	int rc = -1;

	pg_lock(p);
	if (proposed && (pg_begin(p, "secret", err, errlen) < 0 ||
	    !(r = pg_exec(p, "INSERT INTO secrets (name, value, created) VALUES ($1, $2, $3)"
	    " ON CONFLICT (name) DO NOTHING", 3, v, "secret", err, errlen)) ||
	    pg_commit(p, "secret", NULL, err, errlen) < 0)) {
		PQclear(r);
		pg_rollback(p);
		pg_unlock(p);
		return -1;
	}
	PQclear(r);
	if ((r = pg_exec(p, "SELECT value FROM secrets WHERE name = $1", 1, v, "secret", err,
	    errlen))) {
		if (PQntuples(r) == 1 && strlen(PQgetvalue(r, 0, 0)) < outlen) {
			snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
			rc = 0;
		} else if (PQntuples(r) == 0 && !proposed) {
			rc = 1;
		} else {
			snprintf(err, errlen, "register: secret %s: not readable", name);
		}
		PQclear(r);
	}
	pg_unlock(p);
	return rc;
}

#define WEB_AUDIT_PAGE 1000
#define WEB_AUDIT_PAGE_S "1000"	/* WEB_AUDIT_PAGE in the SQL */

/* Newest first, keyset-paged by seq (the CSV export takes all rows: they
 * are never all in memory, and cb may call the register between pages). */
int pg_web_audit_list(struct reg *rg, const char *incident, int limit,
    int (*cb)(const struct web_audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char lb[24];
	const char *v[2] = { incident, NULL };
	long long last = 0, given = 0;
	struct web_audit a;
	PGresult *r;
	int n, stop = 0;

	do {
		v[1] = given ? pg_num(lb, sizeof(lb), last) : NULL;
		pg_lock(p);
		r = pg_exec(p, "SELECT seq, time, actor, action, incident, detail FROM web_audit"
		    " WHERE ($1::text IS NULL OR incident = $1) AND ($2::bigint IS NULL OR seq <"
		    " $2::bigint) ORDER BY seq DESC LIMIT " WEB_AUDIT_PAGE_S, 2, v, "web audit", err,
		    errlen);
		pg_unlock(p);
		if (!r)
			return -1;
		n = PQntuples(r);
		for (int i = 0; i < n && !stop; i++) {
			a.seq = pg_ll(r, i, 0);
			a.time = (time_t)pg_ll(r, i, 1);
			a.actor = PQgetvalue(r, i, 2);
			a.action = PQgetvalue(r, i, 3);
			a.incident = PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4);
			a.detail = PQgetisnull(r, i, 5) ? NULL : PQgetvalue(r, i, 5);
			last = a.seq;
			given++;
			stop = cb(&a, arg) != 0 || (limit > 0 && given >= limit);
		}
		PQclear(r);
	} while (!stop && n == WEB_AUDIT_PAGE);
	return 0;
}
