/*
 * pg_notices.c — the notice queue's table on PostgreSQL (register.h; what
 * the states mean is notice/queue.h's).
 *
 * A claim is one UPDATE of the row picked by SELECT … FOR UPDATE SKIP
 * LOCKED: the notifiers of every node and any dlpctl claim at once, each
 * gets a different notice and none waits for another.  The planner takes
 * its incidents the same way, so two nodes never plan one incident twice
 * (and the unique (incident, kind, recipient) keeps a notice once anyway).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/pg.h"

#define NQ_COLS "seq, incident, kind, recipient, note, status, attempts, created, next_try," \
	" claimed, sent, last_error"

static void row_to_notice(const PGresult *r, int i, struct reg_notice *n)
{
	memset(n, 0, sizeof(*n));
	n->seq = pg_ll(r, i, 0);
	pg_copy(r, i, 1, n->incident, sizeof(n->incident));
	pg_copy(r, i, 2, n->kind, sizeof(n->kind));
	pg_copy(r, i, 3, n->recipient, sizeof(n->recipient));
	n->note = pg_dup(r, i, 4);
	pg_copy(r, i, 5, n->status, sizeof(n->status));
	n->attempts = (int)pg_ll(r, i, 6);
	n->created = (time_t)pg_ll(r, i, 7);
	n->next_try = (time_t)pg_ll(r, i, 8);
	n->claimed = (time_t)pg_ll(r, i, 9);
	n->sent = (time_t)pg_ll(r, i, 10);
	n->last_error = pg_dup(r, i, 11);
}

/* Insert one notice unless it exists (inside the caller's transaction).
 * 0 inserted (*seq set), 1 existed, -1 with err. */
static int insert_notice(struct pg_reg *p, const char *id, const char *kind,
    const char *rcpt, const char *note, bool claim, time_t now, long long *seq, char *err,
    size_t errlen)
{
	char nb[24];
	const char *v[8] = { id, kind, rcpt, note, claim ? "sending" : "pending",
		claim ? "1" : "0", pg_num(nb, sizeof(nb), now), claim ? nb : NULL };
	PGresult *r = pg_exec(p, "INSERT INTO notices (incident, kind, recipient, note, status,"
	    " attempts, created, next_try, claimed) VALUES ($1, $2, $3, $4, $5, $6, $7, $7,"
	    " $8::bigint) ON CONFLICT (incident, kind, recipient) DO NOTHING RETURNING seq", 8, v,
	    "notice", err, errlen);
	int rc;

	if (!r) {
		if (pg_failed_with(p, "23503"))
			snprintf(err, errlen, "no incident %s", id);
		return -1;
	}
	rc = PQntuples(r) == 1 ? 0 : 1;
	if (seq)
		*seq = rc == 0 ? pg_ll(r, 0, 0) : 0;
	PQclear(r);
	return rc;
}

/* The notices one unplanned incident (row i) wants, then marked planned. */
static int plan_one(struct pg_reg *p, const PGresult *r, int i,
    int (*want)(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
    char *err, size_t errlen)
{
	const char *id = PQgetvalue(r, i, 0);
	struct reg_notice_want w[REG_PLAN_MAX];
	const char *v[1] = { id };
	PGresult *u;
	int n, rc;

	n = want(arg, id, PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1),
	    PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), w);
	for (int k = 0; k < n && k < REG_PLAN_MAX; k++) {
		if ((rc = insert_notice(p, id, w[k].kind, w[k].recipient, NULL, false, now, NULL,
		    err, errlen)) < 0)
			return -1;
		*added += rc == 0;
	}
	if (!(u = pg_exec(p, "UPDATE incidents SET notices_planned = 1 WHERE id = $1", 1, v,
	    "plan notices", err, errlen)))
		return -1;
	PQclear(u);
	return 0;
}

int pg_notice_plan(struct reg *rg,
    int (*want)(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
    char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	PGresult *r = NULL;
	int n = 0;

	pg_lock(p);
	if (pg_begin(p, "plan notices", err, errlen) < 0 ||
	    !(r = pg_exec(p, "SELECT id, sender, action, status FROM incidents"
	    " WHERE notices_planned = 0 ORDER BY created LIMIT 200 FOR UPDATE SKIP LOCKED", 0,
	    NULL, "plan notices", err, errlen)))
		goto fail;
	for (int i = 0; i < PQntuples(r); i++)
		if (plan_one(p, r, i, want, arg, now, &n, err, errlen) < 0)
			goto fail;
	PQclear(r);
	r = NULL;
	if (pg_commit(p, "plan notices", NULL, err, errlen) < 0)
		goto fail;
	pg_unlock(p);
	if (added)
		*added = n;
	return 0;
fail:
	PQclear(r);
	pg_rollback(p);
	pg_unlock(p);
	return -1;
}

int pg_notice_add(struct reg *rg, const char *id, const char *kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	int rc;

	pg_lock(p);
	if (pg_begin(p, "add notice", err, errlen) < 0 ||
	    (rc = insert_notice(p, id, kind, rcpt, note, claim, now, seq, err, errlen)) < 0 ||
	    pg_commit(p, "add notice", NULL, err, errlen) < 0) {
		pg_rollback(p);
		pg_unlock(p);
		return -1;
	}
	pg_unlock(p);
	return rc;
}

int pg_notice_get(struct reg *rg, long long seq, struct reg_notice *n, char *err,
    size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char sb[24];
	const char *v[1] = { pg_num(sb, sizeof(sb), seq) };
	PGresult *r;
	int rc;

	pg_lock(p);
	r = pg_exec(p, "SELECT " NQ_COLS " FROM notices WHERE seq = $1", 1, v, "notice", err,
	    errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	if ((rc = PQntuples(r) == 1 ? 0 : 1) == 0)
		row_to_notice(r, 0, n);
	else
		snprintf(err, errlen, "no notice %lld", seq);
	PQclear(r);
	return rc;
}

int pg_notice_claim(struct reg *rg, time_t now, long stale, struct reg_notice *n,
    char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char nb[24], sb[24];
	const char *v[2] = { pg_num(nb, sizeof(nb), now), pg_num(sb, sizeof(sb), now - stale) };
	PGresult *r = NULL;
	int rc;

	memset(n, 0, sizeof(*n));
	pg_lock(p);
	if (pg_begin(p, "claim notice", err, errlen) < 0 ||
	    !(r = pg_exec(p, "UPDATE notices SET status = 'sending', claimed = $1::bigint,"
	    " attempts = attempts + 1 WHERE seq = (SELECT seq FROM notices WHERE"
	    " (status = 'pending' AND next_try <= $1::bigint) OR"
	    " (status = 'sending' AND claimed <= $2::bigint)"
	    " ORDER BY next_try, seq LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING " NQ_COLS, 2, v,
	    "claim notice", err, errlen)))
		goto fail;
	if ((rc = PQntuples(r) == 1 ? 0 : 1) == 0)
		row_to_notice(r, 0, n);
	PQclear(r);
	if (pg_commit(p, "claim notice", NULL, err, errlen) < 0) {
		reg_notice_clear(n);
		goto fail;
	}
	pg_unlock(p);
	return rc;
fail:
	pg_rollback(p);
	pg_unlock(p);
	return -1;
}

int pg_notice_finish(struct reg *rg, const struct reg_notice *n, const char *status,
    time_t next, const char *error, time_t now, const char *actor, const char *audit_action,
    const char *why, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char xb[24], nb[24], sb[24];
	const char *v[5] = { status, pg_num(xb, sizeof(xb), next),
		error ? NULL : pg_num(nb, sizeof(nb), now), error, pg_num(sb, sizeof(sb), n->seq) };
	PGresult *r = NULL;

	pg_lock(p);
	if (pg_begin(p, "notice outcome", err, errlen) < 0 ||
	    !(r = pg_exec(p, "UPDATE notices SET status = $1, next_try = $2, sent = $3::bigint,"
	    " last_error = $4, claimed = NULL WHERE seq = $5 AND status = 'sending'", 5, v,
	    "notice outcome", err, errlen)) ||
	    pg_audit_locked(p, n->incident, now, actor, audit_action, why, err, errlen) < 0 ||
	    pg_commit(p, "notice outcome", NULL, err, errlen) < 0) {
		PQclear(r);
		pg_rollback(p);
		pg_unlock(p);
		return -1;
	}
	PQclear(r);
	pg_unlock(p);
	return 0;
}

int pg_notice_list(struct reg *rg, const char *id,
    int (*cb)(const struct reg_notice *n, void *arg), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { id };
	struct reg_notice n;
	PGresult *r;
	int stop = 0;

	pg_lock(p);
	r = pg_exec(p, "SELECT " NQ_COLS " FROM notices WHERE incident = $1 ORDER BY seq", 1, v,
	    "notices", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r) && !stop; i++) {
		row_to_notice(r, i, &n);
		stop = cb(&n, arg);
		reg_notice_clear(&n);
	}
	PQclear(r);
	return 0;
}

int pg_notice_import(struct pg_reg *p, const struct reg_notice *n, char *err, size_t errlen)
{
	char ab[16], cb[24], nb[24], lb[24], sb[24];
	const char *v[11] = { n->incident, n->kind, n->recipient, n->note, n->status,
		pg_num(ab, sizeof(ab), n->attempts), pg_num(cb, sizeof(cb), n->created),
		pg_num(nb, sizeof(nb), n->next_try),
		n->claimed ? pg_num(lb, sizeof(lb), n->claimed) : NULL,
		n->sent ? pg_num(sb, sizeof(sb), n->sent) : NULL, n->last_error };
	PGresult *r = pg_exec(p, "INSERT INTO notices (incident, kind, recipient, note, status,"
	    " attempts, created, next_try, claimed, sent, last_error) VALUES ($1, $2, $3, $4, $5,"
	    " $6, $7, $8, $9, $10, $11) ON CONFLICT (incident, kind, recipient) DO NOTHING", 11,
	    v, "import notice", err, errlen);

	PQclear(r);
	return r ? 0 : -1;
}
