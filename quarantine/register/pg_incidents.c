/*
 * pg_incidents.c — the incidents table on PostgreSQL: insert, get, the
 * compare-and-set of a status, the newest-first walk and the import of a
 * whole incident (register.h).
 *
 * Compare and set: one UPDATE … WHERE id = $ AND status = $from under READ
 * COMMITTED.  Of two nodes releasing the same incident at once the second
 * UPDATE waits for the first one's row lock, then re-reads the row, finds
 * the status changed and updates nothing: exactly one wins.
 *
 * The walk is keyset-paged (PAGE rows a query, ordered by created, id), so
 * 100,000 incidents are never in memory at once and a callback may call
 * the register again on the same handle between two pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/pg.h"

#define PAGE 500
#define PAGE_S "500"	/* PAGE in the SQL */

#define INCIDENT_COLS "id, created, queue_id, message_id, sender, subject, recipients," \
	" external, external_visible, external_domains, rcpt, rules, findings, parts, action," \
	" status, updated, updated_by, COALESCE(due, 0), delay_tries"

/* json as compact text (malloc'd), or a copy of def when j is NULL. */
static char *json_text(const json_t *j, const char *def)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : strdup(def);
}

int pg_insert_row(struct pg_reg *p, const struct incident *inc, const char *actor,
    int planned, char *err, size_t errlen)
{
	char num[10][24];
	char *js[4] = { json_text(inc->rcpt, "[]"), json_text(inc->rules, "[]"),
		json_text(inc->findings, "{}"), json_text(inc->parts, "[]") };
	const char *v[21];
	PGresult *r = NULL;
	int rc = -1;

	if (!js[0] || !js[1] || !js[2] || !js[3]) {
		snprintf(err, errlen, "register: out of memory");
		goto out;
	}
	v[0] = inc->id;
	v[1] = pg_num(num[0], sizeof(num[0]), inc->created);
	v[2] = inc->queue_id; v[3] = inc->message_id; v[4] = inc->sender; v[5] = inc->subject;
	v[6] = pg_num(num[1], sizeof(num[1]), inc->recipients);
	v[7] = pg_num(num[2], sizeof(num[2]), inc->external);
	v[8] = pg_num(num[3], sizeof(num[3]), inc->external_visible);
	v[9] = pg_num(num[4], sizeof(num[4]), inc->external_domains);
	v[10] = js[0]; v[11] = js[1]; v[12] = js[2]; v[13] = js[3];
	v[14] = inc->action; v[15] = inc->status;
	v[16] = pg_num(num[5], sizeof(num[5]), inc->updated ? inc->updated : inc->created);
	v[17] = inc->updated_by ? inc->updated_by : actor;
	v[18] = pg_num(num[6], sizeof(num[6]), planned);
	v[19] = inc->due ? pg_num(num[7], sizeof(num[7]), inc->due) : NULL;
	v[20] = pg_num(num[8], sizeof(num[8]), inc->delay_tries);
	r = pg_exec(p, "INSERT INTO incidents (id, created, queue_id, message_id, sender, subject,"
	    " recipients, external, external_visible, external_domains, rcpt, rules, findings,"
	    " parts, action, status, updated, updated_by, notices_planned, due, delay_tries)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
	    " $18, $19, $20, $21)", 21, v,
	    "insert", err, errlen);
	if (!r && pg_failed_with(p, "23505"))
		snprintf(err, errlen, "incident id %s already exists", inc->id);
	rc = r ? 0 : -1;
out:
	PQclear(r);
	for (int i = 0; i < 4; i++)
		free(js[i]);
	return rc;
}

/* After a COMMIT whose answer was lost: 0 when the row of id is there
 * (the commit went through), -1 otherwise. */
static int committed_anyway(struct pg_reg *p, const char *id, char *err, size_t errlen)
{
	char e2[256];
	const char *v[1] = { id };
	PGresult *r = pg_exec(p, "SELECT 1 FROM incidents WHERE id = $1", 1, v, "insert",
	    e2, sizeof(e2));
	int found = r && PQntuples(r) == 1;

	PQclear(r);
	if (!found && !r)
		snprintf(err + strlen(err), errlen - strlen(err),
		    " (and the database could not be asked whether it committed: %s)", e2);
	return found ? 0 : -1;
}

int pg_insert(struct reg *rg, const struct incident *inc, const char *actor,
    char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char what[64];
	bool unknown = false;

	pg_lock(p);
	snprintf(what, sizeof(what), "created %s", inc->status);
	if (pg_begin(p, "insert", err, errlen) < 0 ||
	    pg_insert_row(p, inc, actor, 0, err, errlen) < 0 ||
	    pg_audit_locked(p, inc->id, inc->created, actor, what, NULL, err, errlen) < 0)
		goto fail;
	if (pg_commit(p, "insert", &unknown, err, errlen) < 0) {
		/* The row carries the id we chose: if it is there, we committed. */
		if (unknown && committed_anyway(p, inc->id, err, errlen) == 0)
			goto done;
		goto fail;
	}
done:
	pg_unlock(p);
	return 0;
fail:
	pg_rollback(p);
	pg_unlock(p);
	return -1;
}

/* Fill inc from row i of a result selected with INCIDENT_COLS.  -1 on
 * ENOMEM. */
static int row_to_incident(const PGresult *r, int i, struct incident *inc)
{
	const char *def[4] = { "[]", "[]", "{}", "[]" };
	json_t **js[4] = { &inc->rcpt, &inc->rules, &inc->findings, &inc->parts };

	memset(inc, 0, sizeof(*inc));
	pg_copy(r, i, 0, inc->id, sizeof(inc->id));
	inc->created = (time_t)pg_ll(r, i, 1);
	inc->queue_id = pg_dup(r, i, 2);
	inc->message_id = pg_dup(r, i, 3);
	inc->sender = pg_dup(r, i, 4);
	inc->subject = pg_dup(r, i, 5);
	inc->recipients = (long)pg_ll(r, i, 6);
	inc->external = (long)pg_ll(r, i, 7);
	inc->external_visible = (long)pg_ll(r, i, 8);
	inc->external_domains = (long)pg_ll(r, i, 9);
	for (int k = 0; k < 4; k++) {
		*js[k] = PQgetisnull(r, i, 10 + k) ? NULL :
		    json_loads(PQgetvalue(r, i, 10 + k), JSON_DECODE_ANY, NULL);
		if (!*js[k])
			*js[k] = json_loads(def[k], 0, NULL);
	}
	inc->action = pg_dup(r, i, 14);
	inc->status = pg_dup(r, i, 15);
	inc->updated = (time_t)pg_ll(r, i, 16);
	inc->updated_by = pg_dup(r, i, 17);
	inc->due = (time_t)pg_ll(r, i, 18);
	inc->delay_tries = (int)pg_ll(r, i, 19);
	if (!inc->rcpt || !inc->rules || !inc->findings || !inc->parts || !inc->action ||
	    !inc->status) {
		incident_clear(inc);
		return -1;
	}
	return 0;
}

int pg_get(struct reg *rg, const char *id, struct incident *inc, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { id };
	PGresult *r;
	int ret = -1;

	memset(inc, 0, sizeof(*inc));
	pg_lock(p);
	r = pg_exec(p, "SELECT " INCIDENT_COLS " FROM incidents WHERE id = $1", 1, v, "get",
	    err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		snprintf(err, errlen, "no incident %s", id);
		ret = 1;
	} else if ((ret = row_to_incident(r, 0, inc)) < 0) {
		snprintf(err, errlen, "register: out of memory");
	}
	PQclear(r);
	return ret;
}

/* Why the compare and set did not apply: fills err, returns 1 or -1. */
static int explain_no_change(struct reg *rg, const char *id, const char *from,
    time_t before, char *err, size_t errlen)
{
	struct incident cur;
	int rc = pg_get(rg, id, &cur, err, errlen);

	if (rc == 0 && strcmp(cur.status, from) == 0 && before)
		snprintf(err, errlen, "incident %s changed after the given time", id);
	else if (rc == 0)
		snprintf(err, errlen, "incident %s is %s, not %s", id, cur.status, from);
	incident_clear(&cur);
	return rc < 0 ? -1 : 1;
}

int pg_set_status(struct reg *rg, const char *id, const char *from, const char *to,
    time_t before, const char *actor, const char *reason, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char what[64], nbuf[24], bbuf[24];
	time_t now = time(NULL);
	const char *v[6] = { to, pg_num(nbuf, sizeof(nbuf), now), actor ? actor : "?", id, from,
		pg_num(bbuf, sizeof(bbuf), before) };
	PGresult *r;
	int changed;

	pg_lock(p);
	if (pg_begin(p, "set status", err, errlen) < 0)
		goto fail;
	if (!(r = pg_exec(p, "UPDATE incidents SET status = $1, updated = $2, updated_by = $3"
	    " WHERE id = $4 AND status = $5 AND ($6::bigint = 0 OR updated <= $6::bigint)", 6, v, "set status",
	    err, errlen)))
		goto fail;
	changed = atoi(PQcmdTuples(r));
	PQclear(r);
	if (changed != 1) {
		pg_rollback(p);
		changed = explain_no_change(rg, id, from, before, err, errlen);
		pg_unlock(p);
		return changed;
	}
	snprintf(what, sizeof(what), "%s -> %s", from, to);
	if (pg_audit_locked(p, id, now, actor, what, reason, err, errlen) < 0 ||
	    pg_commit(p, "set status", NULL, err, errlen) < 0)
		goto fail;
	pg_unlock(p);
	return 0;
fail:
	pg_rollback(p);
	pg_unlock(p);
	return -1;
}

/* The sort key of each reg_order, with its type: the walk is ordered by
 * (key, id), both ascending or both descending, and a page goes on after
 * the last row's (key, id).  The indexes of migration 9 are on the same
 * expressions. */
static const struct {
	const char *expr, *type;
} order_key[REG_ORDER_COUNT] = {
	[REG_ORDER_CREATED] = { "created", "bigint" },
	[REG_ORDER_SENDER] = { "lower(COALESCE(sender, ''))", "text" },
	[REG_ORDER_SUBJECT] = { "lower(COALESCE(subject, ''))", "text" },
	[REG_ORDER_RULE] = { "COALESCE((rules::jsonb->0->>'name'), '')", "text" },
	[REG_ORDER_STATUS] = { "status", "text" },
	[REG_ORDER_RECIPIENTS] = { "recipients", "bigint" },
};

/* The condition of search word $n (as sqlite_incidents.c's, with its
 * shortcut over the JSON text): strpos, not LIKE, so % and _ are plain
 * letters. */
#define RAW_MAY(col) "strpos($%1$d, '\"') > 0 OR strpos($%1$d, '\\') > 0" \
	" OR strpos(lower(" col "), lower($%1$d)) > 0"
static void search_clause(char *sql, size_t len, int n)
{
	size_t at = strlen(sql);

	snprintf(sql + at, len - at, " AND (strpos(lower(COALESCE(subject, '')), lower($%1$d)) > 0"
	    " OR strpos(lower(COALESCE(sender, '')), lower($%1$d)) > 0"
	    " OR ((" RAW_MAY("rcpt") ") AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(rcpt::jsonb)"
	    " AS j(v) WHERE strpos(lower(j.v), lower($%1$d)) > 0))"
	    " OR ((" RAW_MAY("parts") ") AND EXISTS (SELECT 1 FROM jsonb_array_elements(parts::jsonb)"
	    " AS j(v) WHERE strpos(lower(j.v->>'filename'), lower($%1$d)) > 0))"
	    " OR id IN (SELECT a.incident FROM audit AS a"
	    " WHERE a.actor <> 'dlp-milter' AND a.action <> 'release sent as'"
	    " AND strpos(lower(a.reason), lower($%1$d)) > 0))", n);
}

/* One page of the selection after the last row (last_key, last_id) when
 * last_id[0]; the offset applies to the first page only.  The result (its
 * column 20 the sort key as text), or NULL with err. */
static PGresult *list_page(struct pg_reg *p, const struct reg_where *w,
    const char *last_key, const char *last_id, char *err, size_t errlen)
{
	char s[24], u[24], o[24], sql[8192], words[REG_SEARCH_WORDS][REG_SEARCH_MAX + 1];
	const char *v[8 + REG_SEARCH_WORDS] = { w->status, pg_num(s, sizeof(s), w->since),
		pg_num(u, sizeof(u), w->until), last_id[0] ? last_key : NULL,
		last_id[0] ? last_id : NULL, w->sender, w->rule,
		pg_num(o, sizeof(o), last_id[0] || w->offset < 0 ? 0 : w->offset) };
	const char *key = order_key[w->order].expr, *type = order_key[w->order].type;
	const char *dir = w->ascending ? "ASC" : "DESC";
	int nw = reg_search_words(w->search, words, err, errlen);

	if (nw < 0)
		return NULL;
	snprintf(sql, sizeof(sql), "SELECT " INCIDENT_COLS ", (%s)::text AS sort_key FROM incidents"
	    " WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint = 0 OR created >= $2::bigint)"
	    " AND ($3::bigint = 0 OR created < $3::bigint)"
	    " AND ($5::text IS NULL OR (%s, id) %s ($4::%s, $5::text))"
	    " AND ($6::text IS NULL OR strpos(lower(sender), lower($6::text)) > 0)"
	    " AND ($7::text IS NULL OR rules::jsonb @> jsonb_build_array("
	    "jsonb_build_object('name', $7::text)))", key, key, w->ascending ? ">" : "<", type);
	for (int k = 0; k < nw; k++) {
		v[8 + k] = words[k];
		search_clause(sql, sizeof(sql), 9 + k);
	}
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
	    " ORDER BY %s %s, id %s LIMIT " PAGE_S " OFFSET $8::bigint", key, dir, dir);
	return pg_exec(p, sql, 8 + nw, v, "list", err, errlen);
}

int pg_list(struct reg *rg, const struct reg_where *w,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char last_id[32] = "", *last_key = NULL;
	struct incident inc;
	PGresult *r;
	int n, stop = 0;

	do {
		pg_lock(p);
		r = list_page(p, w, last_key, last_id, err, errlen);
		pg_unlock(p);
		if (!r)
			goto fail;
		n = PQntuples(r);
		for (int i = 0; i < n && !stop; i++) {
			if (row_to_incident(r, i, &inc) < 0) {
				PQclear(r);
				goto nomem;
			}
			free(last_key);	/* the key of a subject may be long: a copy */
			if (!(last_key = strdup(PQgetvalue(r, i, 20)))) {
				incident_clear(&inc);
				PQclear(r);
				goto nomem;
			}
			snprintf(last_id, sizeof(last_id), "%s", inc.id);
			stop = cb(&inc, arg);
			incident_clear(&inc);
		}
		PQclear(r);
	} while (!stop && n == PAGE);
	free(last_key);
	return 0;
nomem:
	snprintf(err, errlen, "register: out of memory");
fail:
	free(last_key);
	return -1;
}

int pg_import(struct reg *rg, const struct incident *inc, const struct audit *a, size_t na,
    const struct reg_notice *n, size_t nn, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);

	pg_lock(p);
	if (pg_begin(p, "import", err, errlen) < 0)
		goto fail;
	if (pg_insert_row(p, inc, inc->updated_by, 1, err, errlen) < 0) {
		if (pg_failed_with(p, "23505")) {
			pg_rollback(p);
			pg_unlock(p);
			return 1;
		}
		goto fail;
	}
	for (size_t i = 0; i < na; i++)
		if (pg_audit_locked(p, inc->id, a[i].time, a[i].actor, a[i].action, a[i].reason,
		    err, errlen) < 0)
			goto fail;
	for (size_t i = 0; i < nn; i++)
		if (pg_notice_import(p, &n[i], err, errlen) < 0)
			goto fail;
	if (pg_commit(p, "import", NULL, err, errlen) < 0)
		goto fail;
	pg_unlock(p);
	return 0;
fail:
	pg_rollback(p);
	pg_unlock(p);
	return -1;
}

/* The delay timer's ops (register.h): the due incidents, and a retry. */
int pg_delay_due(struct reg *rg, time_t now, long stale, char (*ids)[32], size_t max,
    size_t *n, time_t *next, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char nb[24], sb[24], mb[24];
	const char *v[3] = { pg_num(nb, sizeof(nb), now), pg_num(sb, sizeof(sb), now - stale),
		pg_num(mb, sizeof(mb), (long long)max) };
	PGresult *r, *r2 = NULL;

	*n = 0;
	*next = 0;
	pg_lock(p);
	r = pg_exec(p, "SELECT id FROM incidents WHERE due IS NOT NULL AND"
	    " ((status = 'delayed' AND due <= $1::bigint) OR"
	    " (status = 'releasing' AND updated <= $2::bigint)) ORDER BY due LIMIT $3::bigint",
	    3, v, "delays due", err, errlen);
	if (r)
		r2 = pg_exec(p, "SELECT MIN(due) FROM incidents WHERE due IS NOT NULL AND"
		    " status = 'delayed' AND due > $1::bigint", 1, v, "delays due", err, errlen);
	pg_unlock(p);
	if (!r || !r2) {
		PQclear(r);
		return -1;
	}
	for (int i = 0; i < PQntuples(r) && *n < max; i++)
		pg_copy(r, i, 0, ids[(*n)++], 32);
	if (PQntuples(r2) == 1 && !PQgetisnull(r2, 0, 0))
		*next = (time_t)pg_ll(r2, 0, 0);
	PQclear(r);
	PQclear(r2);
	return 0;
}

int pg_delay_retry(struct reg *rg, const char *id, time_t due, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char db[24];
	const char *v[2] = { pg_num(db, sizeof(db), due), id };
	PGresult *r;
	int changed;

	pg_lock(p);
	r = pg_exec(p, "UPDATE incidents SET due = $1::bigint, delay_tries = delay_tries + 1"
	    " WHERE id = $2 AND status = 'delayed'", 2, v, "delay retry", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	changed = atoi(PQcmdTuples(r));
	PQclear(r);
	return changed == 1 ? 0 : 1;
}
