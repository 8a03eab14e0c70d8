/*
 * pg_series.c — the counters across messages on PostgreSQL (register.h
 * reg_series_*; schema.c migration 8).  Rows are keyed hashes (series.c);
 * a message's keys and recipients go as one text[] parameter each, so a
 * count or a write is one round trip per key or one in all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/pg.h"

/* "{h1,h2,…}": hex strings need no quoting.  malloc'd, or NULL. */
static char *
array_lit(char (*v)[33], size_t n)
{
	char *s = malloc(n * 33 + 3), *o = s;

	if (!s)
		return NULL;
	*o++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*o++ = ',';
		memcpy(o, v[i], 32);
		o += 32;
	}
	*o++ = '}';
	*o = '\0';
	return s;
}

int pg_series_count(struct reg *rg, const struct reg_series_rows *r,
    struct reg_series_counts *c, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char *rcpts = array_lit(r->rcpts, r->nrcpts), since[24], hour[24];
	PGresult *q = NULL;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (!rcpts) {
		snprintf(err, errlen, "register: out of memory");
		return -1;
	}
	pg_num(since, sizeof(since), r->since);
	pg_num(hour, sizeof(hour), r->hour_since);
	pg_lock(p);
	for (size_t i = 0; i < r->nkeys; i++) {
		const char *v[4] = { r->sender, r->keys[i], since, rcpts };
		long long n;

		if (!(q = pg_exec(p, "SELECT (SELECT count(*) FROM series WHERE sender = $1"
		    " AND skey = $2 AND at >= $3) + (SELECT count(*) FROM unnest($4::text[]) AS"
		    " u(r) WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.sender = $1 AND"
		    " s.skey = $2 AND s.at >= $3 AND s.rcpt = u.r))", 4, v, "series", err,
		    errlen)))
			goto out;
		if ((n = pg_ll(q, 0, 0)) > c->series_external)
			c->series_external = (long)n;
		PQclear(q);
		q = NULL;
	}
	{
		const char *v[3] = { r->sender, r->msg, hour };

		/* the running totals, as sqlite_series.c's SERIES_HOUR_SQL */
		if (!(q = pg_exec(p, "SELECT coalesce((SELECT n FROM series_hour WHERE sender = $1), 0)"
		    " - (SELECT count(*) FROM series_sent WHERE sender = $1 AND at < $3)"
		    " - (SELECT count(*) FROM series_sent WHERE sender = $1 AND msg = $2 AND at >= $3),"
		    " coalesce((SELECT bytes FROM series_hour WHERE sender = $1), 0)"
		    " - (SELECT coalesce(sum(bytes), 0) FROM series_sent WHERE sender = $1"
		    " AND at < $3)"
		    " - (SELECT coalesce(sum(bytes), 0) FROM series_sent WHERE sender = $1"
		    " AND msg = $2 AND at >= $3)", 3, v, "series", err, errlen)))
			goto out;
		c->sender_external_hour = (long)pg_ll(q, 0, 0) + (r->nrcpts ? 1 : 0);
		c->sender_bytes_hour = pg_ll(q, 0, 1) + (r->nrcpts ? r->bytes : 0);
	}
	rc = 0;
out:
	PQclear(q);
	pg_unlock(p);
	free(rcpts);
	return rc;
}

/* The rows of series_sent that match WHERE, taken off the senders'
 * running totals (series_hour) before they are deleted. */
#define SENT_DROP_SQL(WHERE) \
	"UPDATE series_hour SET n = series_hour.n - d.c, bytes = series_hour.bytes - d.b" \
	" FROM (SELECT sender, count(*) AS c, coalesce(sum(bytes), 0) AS b FROM series_sent" \
	" WHERE " WHERE " GROUP BY sender) AS d WHERE series_hour.sender = d.sender"

/* The row cap of table, as sqlite_series.c's: est in series_state bounds
 * its rows from above, the rows are counted only when it passes max, and
 * then cut to 9/10 of max (inside the transaction). */
static int
cap(struct pg_reg *p, const char *table, const char *col, long long added, long long max,
    char *err, size_t errlen)
{
	char sql[700];
	PGresult *q;
	long long n;

	snprintf(sql, sizeof(sql), "UPDATE series_state SET %s = %s + %lld WHERE id = 1"
	    " RETURNING %s", col, col, added, col);
	if (!(q = pg_exec(p, sql, 0, NULL, "series cap", err, errlen)))
		return -1;
	n = PQntuples(q) == 1 ? pg_ll(q, 0, 0) : -1;
	PQclear(q);
	if (n < 0) {
		snprintf(err, errlen, "register: series cap: no series_state row");
		return -1;
	}
	if (n <= max)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (!(q = pg_exec(p, sql, 0, NULL, "series cap", err, errlen)))
		return -1;
	n = pg_ll(q, 0, 0);
	PQclear(q);
	if (n > max) {
		/* the oldest in a total order: the same rows for both statements */
		char oldest[200];

		snprintf(oldest, sizeof(oldest), "SELECT ctid FROM %s ORDER BY at, %s LIMIT %lld",
		    table, strcmp(table, "series_sent") == 0 ? "sender, msg" : "sender, skey, rcpt",
		    n - max * 9 / 10);
		if (strcmp(table, "series_sent") == 0) {
			snprintf(sql, sizeof(sql), SENT_DROP_SQL("ctid IN (%s)"), oldest);
			if (pg_cmd(p, sql, "series cap", err, errlen) < 0)
				return -1;
		}
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE ctid IN (%s)", table, oldest);
		if (pg_cmd(p, sql, "series cap", err, errlen) < 0)
			return -1;
		n = max * 9 / 10;
	}
	snprintf(sql, sizeof(sql), "UPDATE series_state SET %s = %lld WHERE id = 1", col, n);
	return pg_cmd(p, sql, "series cap", err, errlen);
}

static int
run(struct pg_reg *p, const char *sql, int n, const char *const *v, char *err, size_t errlen)
{
	PGresult *q = pg_exec(p, sql, n, v, "series", err, errlen);

	PQclear(q);
	return q ? 0 : -1;
}

/* r recorded inside the caller's transaction.  0 or -1 with err. */
static int
write_rows(struct pg_reg *p, const struct reg_series_rows *r, char *err, size_t errlen)
{
	char *keys = reg_series_join(r->keys, r->nkeys), *rcpts = reg_series_join(r->rcpts,
	    r->nrcpts), *ka = array_lit(r->keys, r->nkeys), *ra = array_lit(r->rcpts, r->nrcpts);
	char now[24], since[24], hour[24], bytes[24];
	const char *vp[1] = { since }, *vh[1] = { hour };
	const char *vi[4] = { r->sender, ka, ra, now };
	const char *vs[4] = { r->sender, r->msg, now, bytes };
	const char *vt[2] = { r->sender, bytes };
	PGresult *q = NULL;
	bool added;
	int rc = -1;

	if (!keys || !rcpts || !ka || !ra) {
		snprintf(err, errlen, "register: out of memory");
		goto out;
	}
	pg_num(now, sizeof(now), r->now);
	pg_num(since, sizeof(since), r->since);
	pg_num(hour, sizeof(hour), r->hour_since);
	pg_num(bytes, sizeof(bytes), r->bytes);
	if (run(p, "DELETE FROM series WHERE at < $1", 1, vp, err, errlen) < 0 ||
	    run(p, SENT_DROP_SQL("at < $1"), 1, vh, err, errlen) < 0 ||
	    run(p, "DELETE FROM series_sent WHERE at < $1", 1, vh, err, errlen) < 0 ||
	    run(p, "DELETE FROM series_hour WHERE n <= 0", 0, NULL, err, errlen) < 0 ||
	    run(p, "INSERT INTO series (sender, skey, rcpt, at) SELECT $1, k, r, $4"
	    " FROM unnest($2::text[]) AS k, unnest($3::text[]) AS r"
	    " ON CONFLICT (sender, skey, rcpt) DO UPDATE SET at = EXCLUDED.at", 4, vi, err,
	    errlen) < 0)
		goto out;
	if (!(q = pg_exec(p, "INSERT INTO series_sent (sender, msg, at, bytes) VALUES ($1, $2,"
	    " $3, $4) ON CONFLICT (sender, msg) DO NOTHING", 4, vs, "series", err, errlen)))
		goto out;
	added = strcmp(PQcmdTuples(q), "1") == 0;
	if ((added && run(p, "INSERT INTO series_hour (sender, n, bytes) VALUES ($1, 1, $2)"
	    " ON CONFLICT (sender) DO UPDATE SET n = series_hour.n + 1,"
	    " bytes = series_hour.bytes + EXCLUDED.bytes", 2, vt, err, errlen) < 0) ||
	    cap(p, "series", "est", (long long)(r->nkeys * r->nrcpts), r->max_rows, err,
	    errlen) < 0 ||
	    cap(p, "series_sent", "est_sent", 1, r->max_rows, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	PQclear(q);
	free(keys);
	free(rcpts);
	free(ka);
	free(ra);
	return rc;
}

int pg_series_add(struct reg *rg, const struct reg_series_rows *r, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	int rc = -1;

	pg_lock(p);
	if (pg_begin(p, "series", err, errlen) < 0)
		goto out;
	if (write_rows(p, r, err, errlen) < 0 || pg_commit(p, "series", NULL, err, errlen) < 0)
		pg_rollback(p);
	else
		rc = 0;
out:
	pg_unlock(p);
	return rc;
}

int pg_series_hold(struct reg *rg, const char *incident, const struct reg_series_rows *r,
    char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char *keys = reg_series_join(r->keys, r->nkeys), *rcpts = reg_series_join(r->rcpts,
	    r->nrcpts);
	char bytes[24], win[24], max[24];
	const char *v[8] = { incident, r->sender, r->msg, keys, rcpts, bytes, win, max };
	int rc = -1;

	if (!keys || !rcpts)
		snprintf(err, errlen, "register: out of memory");
	else {
		pg_num(bytes, sizeof(bytes), r->bytes);
		pg_num(win, sizeof(win), (long long)(r->now - r->since));
		pg_num(max, sizeof(max), r->max_rows);
		pg_lock(p);
		rc = run(p, "INSERT INTO series_held (incident, sender, msg, skeys, rcpts, bytes,"
		    " win, max_rows) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
		    " ON CONFLICT (incident) DO NOTHING", 8, v, err, errlen);
		pg_unlock(p);
	}
	free(keys);
	free(rcpts);
	return rc;
}

int pg_series_release(struct reg *rg, const char *incident, time_t now, char *err,
    size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { incident };
	struct reg_series_rows r;
	PGresult *q = NULL;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	pg_lock(p);
	if (pg_begin(p, "series", err, errlen) < 0)
		goto out;
	/* DELETE … RETURNING: the rows taken, so a second release finds none */
	if (!(q = pg_exec(p, "DELETE FROM series_held WHERE incident = $1 RETURNING sender, msg,"
	    " skeys, rcpts, bytes, win, max_rows", 1, v, "series_held", err, errlen)))
		rc = -1;
	else if (PQntuples(q) == 0)
		rc = 0;
	else if (reg_series_split(&r, PQgetvalue(q, 0, 2), PQgetvalue(q, 0, 3), err,
	    errlen) == 0) {
		snprintf(r.sender, sizeof(r.sender), "%s", PQgetvalue(q, 0, 0));
		snprintf(r.msg, sizeof(r.msg), "%s", PQgetvalue(q, 0, 1));
		r.bytes = pg_ll(q, 0, 4);
		reg_series_at(&r, now, (long)pg_ll(q, 0, 5));
		r.max_rows = pg_ll(q, 0, 6);
		rc = write_rows(p, &r, err, errlen) < 0 ? -1 : 1;
	}
	if (rc < 0 || pg_commit(p, "series", NULL, err, errlen) < 0) {
		pg_rollback(p);
		rc = -1;
	}
out:
	PQclear(q);
	reg_series_rows_free(&r);
	pg_unlock(p);
	return rc;
}
