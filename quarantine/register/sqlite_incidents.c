/*
 * sqlite_incidents.c — the incidents table on SQLite: insert, get, the
 * compare-and-set of a status and the newest-first walk (register.h).
 *
 * Every change is one IMMEDIATE transaction with its audit row: two
 * administrators releasing at once cannot both win.  Ids: an insert does
 * not retry on an id clash — the id also names the stored message, written
 * before the row, so only the caller can pick a new one; a clash (32^6 ≈
 * 10^9 ids a day) fails with "already exists" and the daemon answers with
 * its on_error action, the MTA retrying later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/sqlite.h"

static const char INCIDENT_COLS[] =
	"id, created, queue_id, message_id, sender, subject, recipients, external,"
	" external_visible, external_domains, rcpt, rules, findings, parts, action,"
	" status, updated, updated_by, COALESCE(due, 0), delay_tries";

/* Bind json as compact UTF-8 text, def when j is NULL.  -1 on ENOMEM. */
static int bind_json(sqlite3_stmt *st, int i, const json_t *j, const char *def)
{
	char *s;

	if (!j)
		return sqlite3_bind_text(st, i, def, -1, SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
	if (!(s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)))
		return -1;
	return sqlite3_bind_text(st, i, s, -1, free) == SQLITE_OK ? 0 : -1;
}

static int insert_row(struct sq_reg *rg, const struct incident *inc, const char *actor,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = sq_prepare(rg, "INSERT INTO incidents (id, created, queue_id, message_id,"
	    " sender, subject, recipients, external, external_visible, external_domains,"
	    " rcpt, rules, findings, parts, action, status, updated, updated_by, due, delay_tries)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err, errlen)))
		return -1;
	sq_bind_text(st, 1, inc->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)inc->created);
	sq_bind_text(st, 3, inc->queue_id);
	sq_bind_text(st, 4, inc->message_id);
	sq_bind_text(st, 5, inc->sender);
	sq_bind_text(st, 6, inc->subject);
	sqlite3_bind_int64(st, 7, inc->recipients);
	sqlite3_bind_int64(st, 8, inc->external);
	sqlite3_bind_int64(st, 9, inc->external_visible);
	sqlite3_bind_int64(st, 10, inc->external_domains);
	if (bind_json(st, 11, inc->rcpt, "[]") < 0 || bind_json(st, 12, inc->rules, "[]") < 0 ||
	    bind_json(st, 13, inc->findings, "{}") < 0 || bind_json(st, 14, inc->parts, "[]") < 0) {
		snprintf(err, errlen, "register: out of memory");
		sqlite3_finalize(st);
		return -1;
	}
	sq_bind_text(st, 15, inc->action);
	sq_bind_text(st, 16, inc->status);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)(inc->updated ? inc->updated : inc->created));
	sq_bind_text(st, 18, inc->updated_by ? inc->updated_by : actor);
	if (inc->due)
		sqlite3_bind_int64(st, 19, (sqlite3_int64)inc->due);
	else
		sqlite3_bind_null(st, 19);
	sqlite3_bind_int(st, 20, inc->delay_tries);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT &&
	    sqlite3_extended_errcode(rg->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		snprintf(err, errlen, "incident id %s already exists", inc->id);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: insert %s: %s", inc->id, sqlite3_errmsg(rg->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sq_insert(struct reg *base, const struct incident *inc, const char *actor,
    char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char what[64];

	sq_lock(rg);
	if (sq_exec(rg, "BEGIN IMMEDIATE", "insert", err, errlen) < 0)
		goto fail;
	snprintf(what, sizeof(what), "created %s", inc->status);
	if (insert_row(rg, inc, actor, err, errlen) < 0 ||
	    sq_audit_locked(rg, inc->id, inc->created, actor, what, NULL, err, errlen) < 0 ||
	    sq_exec(rg, "COMMIT", "insert", err, errlen) < 0)
		goto fail;
	sq_unlock(rg);
	return 0;
fail:
	sq_rollback(rg);
	sq_unlock(rg);
	return -1;
}

static json_t *col_json(sqlite3_stmt *st, int i, const char *def)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	json_t *j = s ? json_loads((const char *)s, JSON_DECODE_ANY, NULL) : NULL;

	return j ? j : json_loads(def, 0, NULL);
}

/* Fill inc from a row selected with INCIDENT_COLS.  -1 on ENOMEM. */
static int row_to_incident(sqlite3_stmt *st, struct incident *inc)
{
	const unsigned char *id = sqlite3_column_text(st, 0);

	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s", id ? (const char *)id : "");
	inc->created = (time_t)sqlite3_column_int64(st, 1);
	inc->queue_id = sq_col_dup(st, 2);
	inc->message_id = sq_col_dup(st, 3);
	inc->sender = sq_col_dup(st, 4);
	inc->subject = sq_col_dup(st, 5);
	inc->recipients = (long)sqlite3_column_int64(st, 6);
	inc->external = (long)sqlite3_column_int64(st, 7);
	inc->external_visible = (long)sqlite3_column_int64(st, 8);
	inc->external_domains = (long)sqlite3_column_int64(st, 9);
	inc->rcpt = col_json(st, 10, "[]");
	inc->rules = col_json(st, 11, "[]");
	inc->findings = col_json(st, 12, "{}");
	inc->parts = col_json(st, 13, "[]");
	inc->action = sq_col_dup(st, 14);
	inc->status = sq_col_dup(st, 15);
	inc->updated = (time_t)sqlite3_column_int64(st, 16);
	inc->updated_by = sq_col_dup(st, 17);
	inc->due = (time_t)sqlite3_column_int64(st, 18);
	inc->delay_tries = sqlite3_column_int(st, 19);
	if (!inc->rcpt || !inc->rules || !inc->findings || !inc->parts || !inc->action ||
	    !inc->status) {
		incident_clear(inc);
		return -1;
	}
	return 0;
}

int sq_get(struct reg *base, const char *id, struct incident *inc, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char sql[512];
	sqlite3_stmt *st;
	int rc, ret = -1;

	memset(inc, 0, sizeof(*inc));
	snprintf(sql, sizeof(sql), "SELECT %s FROM incidents WHERE id = ?", INCIDENT_COLS);
	sq_lock(rg);
	if (!(st = sq_prepare(rg, sql, err, errlen)))
		goto out;
	sq_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret = row_to_incident(st, inc);
		if (ret < 0)
			snprintf(err, errlen, "register: out of memory");
	} else if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "no incident %s", id);
		ret = 1;
	} else {
		snprintf(err, errlen, "register: get %s: %s", id, sqlite3_errmsg(rg->db));
	}
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

/* Why the compare and set did not apply: fills err, returns 1 or -1. */
static int explain_no_change(struct sq_reg *rg, const char *id, const char *from,
    time_t before, char *err, size_t errlen)
{
	struct incident cur;
	int rc = sq_get(&rg->base, id, &cur, err, errlen);

	if (rc == 0 && strcmp(cur.status, from) == 0 && before)
		snprintf(err, errlen, "incident %s changed after the given time", id);
	else if (rc == 0)
		snprintf(err, errlen, "incident %s is %s, not %s", id, cur.status, from);
	incident_clear(&cur);
	return rc < 0 ? -1 : 1;
}

/* Returns 0 done, 1 when the incident is missing or not in status `from`
 * (err says which), -1 with err.  One IMMEDIATE transaction: two admins
 * releasing at once cannot both win. */
int sq_set_status(struct reg *base, const char *id, const char *from, const char *to,
    time_t before, const char *actor, const char *reason, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char what[64];
	sqlite3_stmt *st = NULL;
	time_t now = time(NULL);
	int rc, changed;

	sq_lock(rg);
	if (sq_exec(rg, "BEGIN IMMEDIATE", "set status", err, errlen) < 0)
		goto fail;
	if (!(st = sq_prepare(rg, "UPDATE incidents SET status = ?, updated = ?, updated_by = ?"
	    " WHERE id = ? AND status = ? AND (?6 = 0 OR updated <= ?6)", err, errlen)))
		goto fail;
	sq_bind_text(st, 1, to);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sq_bind_text(st, 3, actor ? actor : "?");
	sq_bind_text(st, 4, id);
	sq_bind_text(st, 5, from);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)before);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		snprintf(err, errlen, "register: set status %s: %s", id, sqlite3_errmsg(rg->db));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	changed = sqlite3_changes(rg->db);
	if (changed != 1) {
		rc = explain_no_change(rg, id, from, before, err, errlen);
		sq_rollback(rg);
		sq_unlock(rg);
		return rc;
	}
	snprintf(what, sizeof(what), "%s -> %s", from, to);
	if (sq_audit_locked(rg, id, now, actor, what, reason, err, errlen) < 0 ||
	    sq_exec(rg, "COMMIT", "set status", err, errlen) < 0)
		goto fail;
	sq_unlock(rg);
	return 0;
fail:
	sqlite3_finalize(st);
	sq_rollback(rg);
	sq_unlock(rg);
	return -1;
}

/* ORDER BY of each reg_order, ascending or descending (the same word
 * twice): the key, then the row (SQLite's rowid, the order of insertion,
 * for the received time; the id for the others).  The indexes of
 * migration 9 are on the same expressions. */
static const char *const order_by[REG_ORDER_COUNT] = {
	[REG_ORDER_CREATED] = "created %s, rowid %s",
	[REG_ORDER_SENDER] = "lower(COALESCE(sender, '')) %s, id %s",
	[REG_ORDER_SUBJECT] = "lower(COALESCE(subject, '')) %s, id %s",
	[REG_ORDER_RULE] = "COALESCE(json_extract(rules, '$[0].name'), '') %s, id %s",
	[REG_ORDER_STATUS] = "status %s, id %s",
	[REG_ORDER_RECIPIENTS] = "recipients %s, id %s",
};

/* The condition of search word ?n: in the subject, the sender, a
 * recipient, an attachment's file name or a reason a person wrote (an
 * audit row not by the daemon, nor a release token).  instr, not LIKE: %
 * and _ are letters like the others.  lower() is ASCII's.
 *
 * The register's JSON is jansson's (UTF-8 as it is, only " \ and control
 * characters escaped), so a string value that holds the word means a
 * JSON text that holds it: the text is looked at first, and only a row
 * where it is found is parsed (a word with " or \ always is).  That
 * halves the time of a search that finds little.  The reasons are one
 * pass over the audit rows (IN), not a look-up per incident. */
#define RAW_MAY(col) "instr(?%1$d, '\"') > 0 OR instr(?%1$d, '\\') > 0" \
	" OR instr(lower(" col "), lower(?%1$d)) > 0"
static void search_clause(char *sql, size_t len, int n)
{
	size_t at = strlen(sql);

	snprintf(sql + at, len - at, " AND (instr(lower(COALESCE(subject, '')), lower(?%1$d)) > 0"
	    " OR instr(lower(COALESCE(sender, '')), lower(?%1$d)) > 0"
	    " OR ((" RAW_MAY("rcpt") ") AND EXISTS (SELECT 1 FROM json_each(incidents.rcpt) AS j"
	    " WHERE instr(lower(j.value), lower(?%1$d)) > 0))"
	    " OR ((" RAW_MAY("parts") ") AND EXISTS (SELECT 1 FROM json_each(incidents.parts) AS j"
	    " WHERE instr(lower(json_extract(j.value, '$.filename')), lower(?%1$d)) > 0))"
	    " OR id IN (SELECT a.incident FROM audit AS a"
	    " WHERE a.actor <> 'dlp-milter' AND a.action <> 'release sent as'"
	    " AND instr(lower(a.reason), lower(?%1$d)) > 0))", n);
}

int sq_list(struct reg *base, const struct reg_where *w,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	char sql[8192], words[REG_SEARCH_WORDS][REG_SEARCH_MAX + 1], order[160];
	const char *dir = w->ascending ? "ASC" : "DESC";
	struct incident inc;
	sqlite3_stmt *st;
	int rc, stop, nw, ret = -1;

	if ((nw = reg_search_words(w->search, words, err, errlen)) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT %s FROM incidents WHERE (?1 IS NULL OR status = ?1)"
	    " AND (?2 = 0 OR created >= ?2) AND (?3 = 0 OR created < ?3)"
	    " AND (?4 IS NULL OR instr(lower(sender), lower(?4)) > 0)"
	    " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM json_each(incidents.rules) AS r"
	    " WHERE json_extract(r.value, '$.name') = ?5))", INCIDENT_COLS);
	for (int k = 0; k < nw; k++)
		search_clause(sql, sizeof(sql), 7 + k);
	snprintf(order, sizeof(order), order_by[w->order], dir, dir);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
	    " ORDER BY %s LIMIT -1 OFFSET ?6", order);
	sq_lock(rg);
	if (!(st = sq_prepare(rg, sql, err, errlen)))
		goto out;
	sq_bind_text(st, 1, w->status);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)w->since);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)w->until);
	sq_bind_text(st, 4, w->sender);
	sq_bind_text(st, 5, w->rule);
	sqlite3_bind_int64(st, 6, w->offset > 0 ? (sqlite3_int64)w->offset : 0);
	for (int k = 0; k < nw; k++)
		sqlite3_bind_text(st, 7 + k, words[k], -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row_to_incident(st, &inc) < 0) {
			snprintf(err, errlen, "register: out of memory");
			goto done;
		}
		stop = cb(&inc, arg);
		incident_clear(&inc);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: list: %s", sqlite3_errmsg(rg->db));
		goto done;
	}
	ret = 0;
done:
	sqlite3_finalize(st);
out:
	sq_unlock(rg);
	return ret;
}

/* The delay timer's ops (register.h): the due incidents, and a retry. */
int sq_delay_due(struct reg *base, time_t now, long stale, char (*ids)[32], size_t max,
    size_t *n, time_t *next, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc, ret = -1;

	*n = 0;
	*next = 0;
	sq_lock(rg);
	if (!(st = sq_prepare(rg, "SELECT id FROM incidents WHERE due IS NOT NULL AND"
	    " ((status = 'delayed' AND due <= ?1) OR (status = 'releasing' AND updated <= ?2))"
	    " ORDER BY due LIMIT ?3", err, errlen)))
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(now - stale));
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		snprintf(ids[(*n)++], 32, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto fail;
	if (!(st = sq_prepare(rg, "SELECT MIN(due) FROM incidents WHERE due IS NOT NULL AND"
	    " status = 'delayed' AND due > ?", err, errlen)))
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*next = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		goto fail;
	ret = 0;
	goto out;
fail:
	snprintf(err, errlen, "register: delays due: %s", sqlite3_errmsg(rg->db));
out:
	sq_unlock(rg);
	return ret;
}

int sq_delay_retry(struct reg *base, const char *id, time_t due, char *err, size_t errlen)
{
	struct sq_reg *rg = sq(base);
	sqlite3_stmt *st;
	int rc, changed = 0;

	sq_lock(rg);
	if (!(st = sq_prepare(rg, "UPDATE incidents SET due = ?, delay_tries = delay_tries + 1"
	    " WHERE id = ? AND status = 'delayed'", err, errlen))) {
		sq_unlock(rg);
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)due);
	sq_bind_text(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		changed = sqlite3_changes(rg->db);
	else
		snprintf(err, errlen, "register: delay retry %s: %s", id, sqlite3_errmsg(rg->db));
	sqlite3_finalize(st);
	sq_unlock(rg);
	return rc != SQLITE_DONE ? -1 : changed == 1 ? 0 : 1;
}
