/*
 * pg_rows.c — rows put into the database by dlpctl migrate
 * (ctl/migrate.c), which copies a node's SQLite register here.  The
 * table, column and key names are migrate's constants; the values go as
 * text parameters, converted by the server to the columns' types.
 *
 * A row whose key is there already is left as it is: the database's own
 * (another node's user of the same name, an approver set in the console)
 * wins, and a second run after an interruption puts only what is missing.
 * A table without a key of its own in the copy (web_audit, whose seq the
 * database numbers) is put unless an equal row is there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/pg.h"

/* "$1, $2, …" or, with cols, "c1 IS NOT DISTINCT FROM $1 AND …". */
static void params(char *buf, size_t len, const char *cols, int n)
{
	size_t o = 0;
	const char *c = cols, *e;

	buf[0] = '\0';
	for (int i = 1; i <= n && o < len; i++) {
		if (!cols) {
			o += (size_t)snprintf(buf + o, len - o, "%s$%d", i > 1 ? ", " : "", i);
			continue;
		}
		c += strspn(c, " ,");
		e = c + strcspn(c, " ,");
		o += (size_t)snprintf(buf + o, len - o, "%s%.*s IS NOT DISTINCT FROM $%d",
		    i > 1 ? " AND " : "", (int)(e - c), c, i);
		c = e;
	}
}

int pg_row_put(struct reg *rg, const char *table, const char *cols, const char *key, int n,
    const char *const *v, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char sql[1500], list[700];
	PGresult *r;
	int rc = -1;

	pg_lock(p);
	if (pg_begin(p, table, err, errlen) < 0)
		goto out;
	if (!key) {
		params(list, sizeof(list), cols, n);
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE %s LIMIT 1", table, list);
		if (!(r = pg_exec(p, sql, n, v, table, err, errlen)))
			goto fail;
		rc = PQntuples(r) ? 0 : -1;
		PQclear(r);
		if (rc == 0)
			goto done;
	}
	params(list, sizeof(list), NULL, n);
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES (%s)%s%s%s", table, cols, list,
	    key ? " ON CONFLICT (" : "", key ? key : "", key ? ") DO NOTHING" : "");
	if (!(r = pg_exec(p, sql, n, v, table, err, errlen)))
		goto fail;
	rc = atoi(PQcmdTuples(r)) == 1;
	PQclear(r);
done:
	if (pg_commit(p, table, NULL, err, errlen) == 0)
		goto out;
fail:
	rc = -1;
	pg_rollback(p);
out:
	pg_unlock(p);
	return rc;
}

int pg_series_merged(struct reg *rg, long long series, long long sent, char *err,
    size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char a[24], b[24];
	const char *v[2] = { a, b };
	PGresult *r;
	int rc = -1;

	snprintf(a, sizeof(a), "%lld", series);
	snprintf(b, sizeof(b), "%lld", sent);
	pg_lock(p);
	if (pg_begin(p, "series totals", err, errlen) < 0)
		goto out;
	/* a node already on the database writes these too: hold it off for
	 * the moment the totals are made again (migration 11's definition) */
	if (pg_cmd(p, "LOCK TABLE series_sent, series_hour, series_state IN EXCLUSIVE MODE",
	    "series totals", err, errlen) < 0 ||
	    pg_cmd(p, "INSERT INTO series_hour (sender, n, bytes) SELECT sender, count(*),"
	    " coalesce(sum(bytes), 0) FROM series_sent GROUP BY sender ON CONFLICT (sender)"
	    " DO UPDATE SET n = excluded.n, bytes = excluded.bytes", "series totals", err,
	    errlen) < 0)
		goto fail;
	if (!(r = pg_exec(p, "UPDATE series_state SET est = est + $1, est_sent = est_sent + $2"
	    " WHERE id = 1", 2, v, "series totals", err, errlen)))
		goto fail;
	PQclear(r);
	if (pg_commit(p, "series totals", NULL, err, errlen) == 0) {
		rc = 0;
		goto out;
	}
fail:
	pg_rollback(p);
out:
	pg_unlock(p);
	return rc;
}
