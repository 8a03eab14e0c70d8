/*
 * sqlite_series.c — the counters across messages on SQLite (register.h
 * reg_series_*; schema.c migrations 10 and 11).  Rows are keyed hashes (series.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/sqlite.h"

/* The sender's hour from its running totals (series_hour, a row a sender),
 * less its rows already out of the hour that no write has pruned yet (the
 * index series_sent_sender_at: a few rows) and less this message when it is
 * already recorded (a retry counts once).  A count reads a few pages, not
 * the sender's whole hour: reading every row of it made each message's
 * connection load them all into its own page cache (SQLite's, 2 MB a
 * connection), and with 200 sessions at once that was 200 copies of a table
 * growing with the mail.  The same text on PostgreSQL (pg_series.c). */
#define SERIES_HOUR_SQL \
	"SELECT coalesce((SELECT n FROM series_hour WHERE sender = ?1), 0)" \
	" - (SELECT count(*) FROM series_sent WHERE sender = ?1 AND at < ?3)" \
	" - (SELECT count(*) FROM series_sent WHERE sender = ?1 AND msg = ?2 AND at >= ?3)," \
	" coalesce((SELECT bytes FROM series_hour WHERE sender = ?1), 0)" \
	" - (SELECT coalesce(sum(bytes), 0) FROM series_sent WHERE sender = ?1 AND at < ?3)" \
	" - (SELECT coalesce(sum(bytes), 0) FROM series_sent WHERE sender = ?1 AND msg = ?2" \
	" AND at >= ?3)"

/* The one integer of st after binding (sender, key or msg, since), or -1. */
static long long
one_int(struct sq_reg *rg, sqlite3_stmt *st, const char *a, const char *b, time_t since,
    long long *second, char *err, size_t errlen)
{
	long long v = -1;

	sqlite3_reset(st);
	sq_bind_text(st, 1, a);
	sq_bind_text(st, 2, b);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)since);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		if (second)
			*second = sqlite3_column_int64(st, 1);
	} else
		snprintf(err, errlen, "register: series: %s", sqlite3_errmsg(rg->db));
	return v;
}

/* Distinct recipients of key k in the window, r's own included. */
static long long
key_count(struct sq_reg *rg, sqlite3_stmt *all, sqlite3_stmt *one,
    const struct reg_series_rows *r, const char *k, char *err, size_t errlen)
{
	long long n = one_int(rg, all, r->sender, k, r->since, NULL, err, errlen);

	for (size_t i = 0; n >= 0 && i < r->nrcpts; i++) {
		int s;

		sqlite3_reset(one);
		sq_bind_text(one, 1, r->sender);
		sq_bind_text(one, 2, k);
		sqlite3_bind_int64(one, 3, (sqlite3_int64)r->since);
		sq_bind_text(one, 4, r->rcpts[i]);
		if ((s = sqlite3_step(one)) == SQLITE_DONE)
			n++;		/* a recipient this key has not reached yet */
		else if (s != SQLITE_ROW) {
			snprintf(err, errlen, "register: series: %s", sqlite3_errmsg(rg->db));
			n = -1;
		}
	}
	return n;
}

int sq_series_count(struct reg *base, const struct reg_series_rows *r,
    struct reg_series_counts *c, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *all = NULL, *one = NULL, *hour = NULL;
	long long n, bytes = 0;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	sq_lock(rg);
	if (sq_exec(rg, "BEGIN", "series", err, errlen) < 0)
		goto out;
	if (!(all = sq_prepare(rg, "SELECT count(*) FROM series WHERE sender = ?1 AND skey = ?2"
	    " AND at >= ?3", err, errlen)) ||
	    !(one = sq_prepare(rg, "SELECT 1 FROM series WHERE sender = ?1 AND skey = ?2"
	    " AND at >= ?3 AND rcpt = ?4", err, errlen)) ||
	    !(hour = sq_prepare(rg, SERIES_HOUR_SQL, err, errlen)))
		goto fail;
	for (size_t i = 0; i < r->nkeys; i++) {
		if ((n = key_count(rg, all, one, r, r->keys[i], err, errlen)) < 0)
			goto fail;
		if (n > c->series_external)
			c->series_external = (long)n;
	}
	if ((n = one_int(rg, hour, r->sender, r->msg, r->hour_since, &bytes, err, errlen)) < 0)
		goto fail;
	c->sender_external_hour = (long)n + (r->nrcpts ? 1 : 0);
	c->sender_bytes_hour = bytes + (r->nrcpts ? r->bytes : 0);
	if (sq_exec(rg, "COMMIT", "series", err, errlen) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	sq_rollback(rg);
out:
	sqlite3_finalize(all);
	sqlite3_finalize(one);
	sqlite3_finalize(hour);
	sq_unlock(rg);
	return rc;
}

/* The rows of series_sent that match WHERE, taken off the senders'
 * running totals (series_hour) before they are deleted. */
#define SENT_DROP_SQL(WHERE) \
	"UPDATE series_hour SET n = series_hour.n - d.c, bytes = series_hour.bytes - d.b" \
	" FROM (SELECT sender, count(*) AS c, coalesce(sum(bytes), 0) AS b FROM series_sent" \
	" WHERE " WHERE " GROUP BY sender) AS d WHERE series_hour.sender = d.sender"

/* The row cap of table (pk: its primary key's columns).  est, kept in
 * series_state, is an upper bound of its rows: every write adds what it
 * may have added, and only when that passes max are the rows counted; then
 * the oldest go down to 9/10 of max, so that the next count is a tenth of
 * max rows away.  0 or -1 with err. */
static int
cap(struct sq_reg *rg, const char *table, const char *pk, const char *col, long long added,
    long long max, char *err, size_t errlen)
{
	char sql[700];
	sqlite3_stmt *st;
	long long n = -1, est = -1;

	snprintf(sql, sizeof(sql), "UPDATE series_state SET %s = %s + %lld WHERE id = 1"
	    " RETURNING %s", col, col, added, col);
	if (!(st = sq_prepare(rg, sql, err, errlen)))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		est = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (est < 0) {
		snprintf(err, errlen, "register: series cap: no series_state row");
		return -1;
	}
	if (est <= max)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (!(st = sq_prepare(rg, sql, err, errlen)))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n < 0)
		return -1;
	if (n > max) {
		/* the oldest, in a total order (the same rows for both statements) */
		char oldest[200];

		snprintf(oldest, sizeof(oldest), "SELECT %s FROM %s ORDER BY at, %s LIMIT %lld", pk,
		    table, pk, n - max * 9 / 10);
		if (strcmp(table, "series_sent") == 0) {
			snprintf(sql, sizeof(sql), SENT_DROP_SQL("(sender, msg) IN (%s)"), oldest);
			if (sq_exec(rg, sql, "series cap", err, errlen) < 0)
				return -1;
		}
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE (%s) IN (%s)", table, pk, oldest);
		if (sq_exec(rg, sql, "series cap", err, errlen) < 0)
			return -1;
		n = max * 9 / 10;
	}
	snprintf(sql, sizeof(sql), "UPDATE series_state SET %s = %lld WHERE id = 1", col, n);
	return sq_exec(rg, sql, "series cap", err, errlen);
}

static int
step_done(struct sq_reg *rg, sqlite3_stmt *st, char *err, size_t errlen)
{
	if (sqlite3_step(st) == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "register: series: %s", sqlite3_errmsg(rg->db));
	return -1;
}

/* r recorded, inside the caller's write transaction.  0 or -1 with err. */
static int
write_rows(struct sq_reg *rg, const struct reg_series_rows *r, char *err, size_t errlen)
{
	sqlite3_stmt *put = NULL, *sent = NULL, *prune = NULL, *prune_sent = NULL;
	sqlite3_stmt *unhour = NULL, *hour = NULL;
	int rc = -1;

	if (!(prune = sq_prepare(rg, "DELETE FROM series WHERE at < ?", err, errlen)) ||
	    !(unhour = sq_prepare(rg, SENT_DROP_SQL("at < ?1"), err, errlen)) ||
	    !(prune_sent = sq_prepare(rg, "DELETE FROM series_sent WHERE at < ?", err, errlen)) ||
	    !(hour = sq_prepare(rg, "INSERT INTO series_hour (sender, n, bytes) VALUES (?1, 1, ?2)"
	    " ON CONFLICT(sender) DO UPDATE SET n = series_hour.n + 1,"
	    " bytes = series_hour.bytes + excluded.bytes", err, errlen)) ||
	    !(put = sq_prepare(rg, "INSERT INTO series (sender, skey, rcpt, at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(sender, skey, rcpt) DO UPDATE SET at = ?4",
	    err, errlen)) ||
	    !(sent = sq_prepare(rg, "INSERT INTO series_sent (sender, msg, at, bytes)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(sender, msg) DO NOTHING", err, errlen)))
		goto fail;
	sqlite3_bind_int64(prune, 1, (sqlite3_int64)r->since);
	sqlite3_bind_int64(prune_sent, 1, (sqlite3_int64)r->hour_since);
	sqlite3_bind_int64(unhour, 1, (sqlite3_int64)r->hour_since);
	if (step_done(rg, prune, err, errlen) < 0 || step_done(rg, unhour, err, errlen) < 0 ||
	    step_done(rg, prune_sent, err, errlen) < 0 ||
	    sq_exec(rg, "DELETE FROM series_hour WHERE n <= 0", "series", err, errlen) < 0)
		goto fail;
	for (size_t k = 0; k < r->nkeys; k++)
		for (size_t i = 0; i < r->nrcpts; i++) {
			sqlite3_reset(put);
			sq_bind_text(put, 1, r->sender);
			sq_bind_text(put, 2, r->keys[k]);
			sq_bind_text(put, 3, r->rcpts[i]);
			sqlite3_bind_int64(put, 4, (sqlite3_int64)r->now);
			if (step_done(rg, put, err, errlen) < 0)
				goto fail;
		}
	sq_bind_text(sent, 1, r->sender);
	sq_bind_text(sent, 2, r->msg);
	sqlite3_bind_int64(sent, 3, (sqlite3_int64)r->now);
	sqlite3_bind_int64(sent, 4, (sqlite3_int64)r->bytes);
	if (step_done(rg, sent, err, errlen) < 0)
		goto fail;
	if (sqlite3_changes(rg->db) == 1) {	/* new: into the sender's running totals */
		sq_bind_text(hour, 1, r->sender);
		sqlite3_bind_int64(hour, 2, (sqlite3_int64)r->bytes);
		if (step_done(rg, hour, err, errlen) < 0)
			goto fail;
	}
	if (cap(rg, "series", "sender, skey, rcpt", "est", (long long)(r->nkeys * r->nrcpts),
	    r->max_rows, err, errlen) < 0 ||
	    cap(rg, "series_sent", "sender, msg", "est_sent", 1, r->max_rows, err, errlen) < 0)
		goto fail;
	rc = 0;
fail:
	sqlite3_finalize(put);
	sqlite3_finalize(sent);
	sqlite3_finalize(prune);
	sqlite3_finalize(prune_sent);
	sqlite3_finalize(unhour);
	sqlite3_finalize(hour);
	return rc;
}

/* f(rg, arg) in a write transaction whose commit need not wait for the
 * disk: a counter, not an incident (WAL: the next fsync'ed commit, a
 * hold's, or a checkpoint, makes it durable; a power cut loses at most the
 * last records, never the database).  f's value, or -1 with err. */
static int
in_write(struct sq_reg *rg, int (*f)(struct sq_reg *rg, const void *arg, char *err,
    size_t errlen), const void *arg, char *err, size_t errlen)
{
	int rc = -1;

	sq_lock(rg);
	if (sq_exec(rg, "PRAGMA synchronous = NORMAL", "series", err, errlen) < 0)
		goto out;
	if (sq_exec(rg, "BEGIN IMMEDIATE", "series", err, errlen) < 0)
		goto out;
	if ((rc = f(rg, arg, err, errlen)) < 0 ||
	    sq_exec(rg, "COMMIT", "series", err, errlen) < 0) {
		sq_rollback(rg);
		rc = -1;
	}
out:
	(void)sq_exec(rg, "PRAGMA synchronous = FULL", "series", NULL, 0);
	sq_unlock(rg);
	return rc;
}

static int
add(struct sq_reg *rg, const void *arg, char *err, size_t errlen)
{
	return write_rows(rg, arg, err, errlen);
}

int sq_series_add(struct reg *base, const struct reg_series_rows *r, char *err,
    size_t errlen)
{
	return in_write(sq(base), add, r, err, errlen);
}

int sq_series_hold(struct reg *base, const char *incident, const struct reg_series_rows *r,
    char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char *keys = reg_series_join(r->keys, r->nkeys), *rcpts = reg_series_join(r->rcpts,
	    r->nrcpts);
	sqlite3_stmt *st = NULL;
	int rc = -1;

	sq_lock(rg);
	if (!keys || !rcpts)
		snprintf(err, errlen, "register: out of memory");
	else if ((st = sq_prepare(rg, "INSERT INTO series_held (incident, sender, msg, skeys,"
	    " rcpts, bytes, win, max_rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT(incident) DO NOTHING", err, errlen))) {
		sq_bind_text(st, 1, incident);
		sq_bind_text(st, 2, r->sender);
		sq_bind_text(st, 3, r->msg);
		sq_bind_text(st, 4, keys);
		sq_bind_text(st, 5, rcpts);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)r->bytes);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)(r->now - r->since));
		sqlite3_bind_int64(st, 8, (sqlite3_int64)r->max_rows);
		rc = step_done(rg, st, err, errlen);
	}
	sqlite3_finalize(st);
	sq_unlock(rg);
	free(keys);
	free(rcpts);
	return rc;
}

struct release_arg {
	const char *incident;
	time_t now;
};

/* The kept rows of a->incident recorded at a->now and deleted: 1, or 0
 * when none are kept. */
static int
release(struct sq_reg *rg, const void *arg, char *err, size_t errlen)
{
	const struct release_arg *a = arg;
	struct reg_series_rows r;
	sqlite3_stmt *st;
	int rc = -1, s;

	memset(&r, 0, sizeof(r));
	if (!(st = sq_prepare(rg, "SELECT sender, msg, skeys, rcpts, bytes, win, max_rows"
	    " FROM series_held WHERE incident = ?", err, errlen)))
		return -1;
	sq_bind_text(st, 1, a->incident);
	if ((s = sqlite3_step(st)) == SQLITE_DONE)
		rc = 0;
	else if (s != SQLITE_ROW)
		snprintf(err, errlen, "register: series_held: %s", sqlite3_errmsg(rg->db));
	else if (reg_series_split(&r, (const char *)sqlite3_column_text(st, 2),
	    (const char *)sqlite3_column_text(st, 3), err, errlen) == 0) {
		sq_col_copy(st, 0, r.sender, sizeof(r.sender));
		sq_col_copy(st, 1, r.msg, sizeof(r.msg));
		r.bytes = sqlite3_column_int64(st, 4);
		reg_series_at(&r, a->now, (long)sqlite3_column_int64(st, 5));
		r.max_rows = sqlite3_column_int64(st, 6);
		rc = 1;
	}
	sqlite3_finalize(st);
	if (rc == 1) {
		sqlite3_stmt *del = sq_prepare(rg, "DELETE FROM series_held WHERE incident = ?",
		    err, errlen);

		if (!del || write_rows(rg, &r, err, errlen) < 0)
			rc = -1;
		else {
			sq_bind_text(del, 1, a->incident);
			if (step_done(rg, del, err, errlen) < 0)
				rc = -1;
		}
		sqlite3_finalize(del);
	}
	reg_series_rows_free(&r);
	return rc;
}

int sq_series_release(struct reg *base, const char *incident, time_t now, char *err,
    size_t errlen)
{
	struct release_arg a = { incident, now };

	return in_write(sq(base), release, &a, err, errlen);
}
