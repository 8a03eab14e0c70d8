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

		if (!(q = pg_exec(p, "SELECT count(*), coalesce(sum(bytes), 0) FROM series_sent"
		    " WHERE sender = $1 AND msg <> $2 AND at >= $3", 3, v, "series", err, errlen)))
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

/* The row cap of table, as sqlite_series.c's: est in series_state bounds
 * its rows from above, the rows are counted only when it passes max, and
 * then cut to 9/10 of max (inside the transaction). */
static int
cap(struct pg_reg *p, const char *table, const char *col, long long added, long long max,
    char *err, size_t errlen)
{
	char sql[300];
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
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE ctid IN (SELECT ctid FROM %s"
		    " ORDER BY at LIMIT %lld)", table, table, n - max * 9 / 10);
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

int pg_series_add(struct reg *rg, const struct reg_series_rows *r, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char *keys = array_lit(r->keys, r->nkeys), *rcpts = array_lit(r->rcpts, r->nrcpts);
	char now[24], since[24], hour[24], bytes[24];
	const char *vp[1] = { since }, *vh[1] = { hour };
	const char *vi[4] = { r->sender, keys, rcpts, now };
	const char *vs[4] = { r->sender, r->msg, now, bytes };
	int rc = -1;

	if (!keys || !rcpts) {
		snprintf(err, errlen, "register: out of memory");
		goto done;
	}
	pg_num(now, sizeof(now), r->now);
	pg_num(since, sizeof(since), r->since);
	pg_num(hour, sizeof(hour), r->hour_since);
	pg_num(bytes, sizeof(bytes), r->bytes);
	pg_lock(p);
	if (pg_begin(p, "series", err, errlen) < 0)
		goto out;
	if (run(p, "DELETE FROM series WHERE at < $1", 1, vp, err, errlen) < 0 ||
	    run(p, "DELETE FROM series_sent WHERE at < $1", 1, vh, err, errlen) < 0 ||
	    run(p, "INSERT INTO series (sender, skey, rcpt, at) SELECT $1, k, r, $4"
	    " FROM unnest($2::text[]) AS k, unnest($3::text[]) AS r"
	    " ON CONFLICT (sender, skey, rcpt) DO UPDATE SET at = EXCLUDED.at", 4, vi, err,
	    errlen) < 0 ||
	    run(p, "INSERT INTO series_sent (sender, msg, at, bytes) VALUES ($1, $2, $3, $4)"
	    " ON CONFLICT (sender, msg) DO NOTHING", 4, vs, err, errlen) < 0 ||
	    cap(p, "series", "est", (long long)(r->nkeys * r->nrcpts), r->max_rows, err,
	    errlen) < 0 ||
	    cap(p, "series_sent", "est_sent", 1, r->max_rows, err, errlen) < 0 ||
	    pg_commit(p, "series", NULL, err, errlen) < 0)
		pg_rollback(p);
	else
		rc = 0;
out:
	pg_unlock(p);
done:
	free(keys);
	free(rcpts);
	return rc;
}
