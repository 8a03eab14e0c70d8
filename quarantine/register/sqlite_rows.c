/*
 * sqlite_rows.c — a table's rows as text, for dlpctl migrate
 * (ctl/migrate.c), which copies this node's SQLite register into
 * PostgreSQL.  The table and column names are migrate's constants.
 */
#include <stdio.h>

#include "register/sqlite.h"

#define MAX_COLS 16

int sq_rows(struct reg *base, const char *table, const char *cols, const char *order,
    int (*cb)(void *arg, int n, const char *const *v), void *arg, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	const char *v[MAX_COLS];
	char sql[600];
	sqlite3_stmt *st;
	int r, n, rc = -1;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s%s%s", cols, table, order ? " ORDER BY " :
	    "", order ? order : "");
	sq_lock(rg);
	if (!(st = sq_prepare(rg, sql, err, errlen)))
		goto out;
	n = sqlite3_column_count(st);
	if (n > MAX_COLS) {
		snprintf(err, errlen, "register: %s: %d columns, at most %d", table, n, MAX_COLS);
		goto done;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			v[i] = (const char *)sqlite3_column_text(st, i);	/* NULL for NULL */
		if (cb(arg, n, v) < 0)
			goto done;
	}
	if (r == SQLITE_DONE)
		rc = 0;
	else
		snprintf(err, errlen, "register: %s: %s", table, sqlite3_errmsg(rg->db));
done:
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return rc;
}
