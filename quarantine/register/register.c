/*
 * register.c — the register's front (register.h): checks what the caller
 * asks, then calls the backend of the handle (backend.h).
 *
 * Status values are checked here (held, delayed, rejected, releasing,
 * released, deleted, cancelled, expired), not by a backend's schema, so a later state needs no
 * table rebuild.  `releasing` is the claim of one dlpctl release
 * (release.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "register/backend.h"

static const char *const statuses[] = { "held", "rejected", "releasing", "released", "deleted",
	"expired", "delayed", "cancelled" };

static bool valid_status(const char *s)
{
	for (size_t i = 0; s && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(s, statuses[i]) == 0)
			return true;
	return false;
}

bool reg_location_is_url(const char *path)
{
	const char *colon = path ? strstr(path, "://") : NULL;

	return colon && colon != path && strspn(path, "abcdefghijklmnopqrstuvwxyz+") ==
	    (size_t)(colon - path);
}

/* The backend for a location: a file is SQLite, postgresql:// (or
 * postgres://, libpq's other spelling) PostgreSQL; another URL scheme is
 * refused plainly. */
static const struct reg_backend *backend_for(const char *path, char *err, size_t errlen)
{
	size_t n;

	if (!reg_location_is_url(path))
		return &reg_sqlite_backend;
	n = (size_t)(strstr(path, "://") - path);
	if ((n == 10 && strncmp(path, "postgresql", n) == 0) ||
	    (n == 8 && strncmp(path, "postgres", n) == 0))
		return &reg_pg_backend;
	snprintf(err, errlen, "register %.*s://…: this dlp-milter has no backend for %.*s:// "
	    "(built in: a file, SQLite; postgresql://, PostgreSQL)", (int)n, path, (int)n, path);
	return NULL;
}

struct reg *reg_connect(const char *location, const char *password_file, enum reg_mode mode,
    char *err, size_t errlen)
{
	const struct reg_backend *be = backend_for(location, err, errlen);

	if (password_file && !*password_file)
		password_file = NULL;
	return be ? be->open(location, password_file, mode, err, errlen) : NULL;
}

struct reg *reg_open(const char *path, enum reg_mode mode, char *err, size_t errlen)
{
	return reg_connect(path, NULL, mode, err, errlen);
}

const char *reg_backend_name(const struct reg *rg)
{
	return rg->be->name;
}

bool reg_keeps_messages(const struct reg *rg)
{
	return rg->be->msg_put != NULL;
}

/* The answer of a backend without an optional op. */
static int no_op(const struct reg *rg, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "register: the %s backend has no %s", rg->be->name, what);
	return -1;
}

int reg_rows(struct reg *rg, const char *table, const char *cols, const char *order,
    int (*cb)(void *arg, int n, const char *const *v), void *arg, char *err, size_t errlen)
{
	return rg->be->rows ? rg->be->rows(rg, table, cols, order, cb, arg, err, errlen) :
	    no_op(rg, "table export", err, errlen);
}

int reg_row_put(struct reg *rg, const char *table, const char *cols, const char *key, int n,
    const char *const *v, char *err, size_t errlen)
{
	return rg->be->row_put ? rg->be->row_put(rg, table, cols, key, n, v, err, errlen) :
	    no_op(rg, "table import", err, errlen);
}

int reg_series_merged(struct reg *rg, long long series, long long sent, char *err,
    size_t errlen)
{
	return rg->be->series_merged ? rg->be->series_merged(rg, series, sent, err, errlen) :
	    no_op(rg, "table import", err, errlen);
}

int reg_msg_put(struct reg *rg, const char *id, long (*rd)(void *arg, void *buf, size_t len),
    void *arg, char *err, size_t errlen)
{
	return rg->be->msg_put ? rg->be->msg_put(rg, id, rd, arg, err, errlen) :
	    no_op(rg, "message store", err, errlen);
}

int reg_msg_read(struct reg *rg, const char *id, int (*out)(void *arg, const void *buf,
    size_t len), void *arg, char *err, size_t errlen)
{
	return rg->be->msg_read ? rg->be->msg_read(rg, id, out, arg, err, errlen) :
	    no_op(rg, "message store", err, errlen);
}

int reg_msg_chunk(struct reg *rg, const char *id, long long n, unsigned char **data,
    size_t *len, char *err, size_t errlen)
{
	return rg->be->msg_chunk ? rg->be->msg_chunk(rg, id, n, data, len, err, errlen) :
	    no_op(rg, "message store", err, errlen);
}

long long reg_msg_size(struct reg *rg, const char *id, char *err, size_t errlen)
{
	return rg->be->msg_size ? rg->be->msg_size(rg, id, err, errlen) :
	    no_op(rg, "message store", err, errlen);
}

int reg_msg_remove(struct reg *rg, const char *id, char *err, size_t errlen)
{
	return rg->be->msg_remove ? rg->be->msg_remove(rg, id, err, errlen) :
	    no_op(rg, "message store", err, errlen);
}

int reg_msg_orphans(struct reg *rg, time_t cutoff, int *removed, char *err, size_t errlen)
{
	*removed = 0;
	return rg->be->msg_orphans ? rg->be->msg_orphans(rg, cutoff, removed, err, errlen) :
	    no_op(rg, "message store", err, errlen);
}

int reg_import(struct reg *rg, const struct incident *inc, const struct audit *a, size_t na,
    const struct reg_notice *n, size_t nn, char *err, size_t errlen)
{
	if (!inc->id[0] || !inc->action || !valid_status(inc->status)) {
		snprintf(err, errlen, "register: cannot import incident %s: no action or an "
		    "unknown status", inc->id[0] ? inc->id : "(no id)");
		return -1;
	}
	return rg->be->import ? rg->be->import(rg, inc, a, na, n, nn, err, errlen) :
	    no_op(rg, "import", err, errlen);
}

int reg_count(struct reg *rg, const char *table, long long *count, char *err, size_t errlen)
{
	static const char *const tables[] = { "incidents", "audit", "notices", "messages", "series",
		"series_sent", "series_hour", "series_held" };

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(table, tables[i]) == 0)
			return rg->be->count(rg, tables[i], count, err, errlen);
	snprintf(err, errlen, "register: no table %s", table);
	return -1;
}

int reg_delay_due(struct reg *rg, time_t now, long stale, char (*ids)[32], size_t max,
    size_t *n, time_t *next, char *err, size_t errlen)
{
	return rg->be->delay_due(rg, now, stale, ids, max, n, next, err, errlen);
}

int reg_delay_retry(struct reg *rg, const char *id, time_t due, char *err, size_t errlen)
{
	return rg->be->delay_retry(rg, id, due, err, errlen);
}

void reg_close(struct reg *rg)
{
	if (rg)
		rg->be->close(rg);
}

int reg_insert(struct reg *rg, const struct incident *inc, const char *actor,
    char *err, size_t errlen)
{
	if (!inc->id[0] || !inc->action || !valid_status(inc->status)) {
		snprintf(err, errlen, "register: incident needs an id, an action and a known "
		    "status (got %s)", inc->status ? inc->status : "none");
		return -1;
	}
	return rg->be->insert(rg, inc, actor, err, errlen);
}

int reg_get(struct reg *rg, const char *id, struct incident *inc, char *err, size_t errlen)
{
	return rg->be->get(rg, id, inc, err, errlen);
}

int reg_set_status_before(struct reg *rg, const char *id, const char *from, const char *to,
    time_t before, const char *actor, const char *reason, char *err, size_t errlen)
{
	if (!valid_status(to) || !from) {
		snprintf(err, errlen, "register: unknown status %s", to ? to : "(none)");
		return -1;
	}
	return rg->be->set_status(rg, id, from, to, before, actor, reason, err, errlen);
}

int reg_set_status(struct reg *rg, const char *id, const char *from, const char *to,
    const char *actor, const char *reason, char *err, size_t errlen)
{
	return reg_set_status_before(rg, id, from, to, 0, actor, reason, err, errlen);
}

int reg_audit(struct reg *rg, const char *id, const char *actor, const char *action,
    const char *reason, char *err, size_t errlen)
{
	return rg->be->audit(rg, id, actor, action, reason, err, errlen);
}

int reg_list(struct reg *rg, const char *status, time_t since, time_t until,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen)
{
	struct reg_where w = { .status = status, .since = since, .until = until };

	return rg->be->list(rg, &w, cb, arg, err, errlen);
}

int reg_list_where(struct reg *rg, const struct reg_where *w,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen)
{
	char words[REG_SEARCH_WORDS][REG_SEARCH_MAX + 1];

	if ((unsigned)w->order >= REG_ORDER_COUNT) {
		snprintf(err, errlen, "register: list: unknown order %d", (int)w->order);
		return -1;
	}
	if (reg_search_words(w->search, words, err, errlen) < 0)
		return -1;
	return rg->be->list(rg, w, cb, arg, err, errlen);
}

int reg_audit_find(struct reg *rg, const char *action, const char *reason, char id[32],
    char *err, size_t errlen)
{
	return rg->be->audit_find(rg, action, reason, id, err, errlen);
}

int reg_audit_list(struct reg *rg, time_t since, time_t until,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	return rg->be->audit_list(rg, NULL, since, until, cb, arg, err, errlen);
}

int reg_history(struct reg *rg, const char *id,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	return rg->be->audit_list(rg, id, 0, 0, cb, arg, err, errlen);
}

void reg_notice_clear(struct reg_notice *n)
{
	if (!n)
		return;
	free(n->note);
	free(n->last_error);
	memset(n, 0, sizeof(*n));
}

int reg_notice_plan(struct reg *rg,
    int (*want)(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
    char *err, size_t errlen)
{
	return rg->be->notice_plan(rg, want, arg, now, added, err, errlen);
}

int reg_notice_add(struct reg *rg, const char *id, const char *kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen)
{
	return rg->be->notice_add(rg, id, kind, rcpt, note, claim, now, seq, err, errlen);
}

int reg_notice_get(struct reg *rg, long long seq, struct reg_notice *n, char *err,
    size_t errlen)
{
	return rg->be->notice_get(rg, seq, n, err, errlen);
}

int reg_notice_claim(struct reg *rg, time_t now, long stale, struct reg_notice *n,
    char *err, size_t errlen)
{
	return rg->be->notice_claim(rg, now, stale, n, err, errlen);
}

int reg_notice_finish(struct reg *rg, const struct reg_notice *n, const char *status,
    time_t next, const char *error, time_t now, const char *actor, const char *audit_action,
    const char *why, char *err, size_t errlen)
{
	return rg->be->notice_finish(rg, n, status, next, error, now, actor, audit_action, why,
	    err, errlen);
}

int reg_notice_list(struct reg *rg, const char *id,
    int (*cb)(const struct reg_notice *n, void *arg), void *arg, char *err, size_t errlen)
{
	return rg->be->notice_list(rg, id, cb, arg, err, errlen);
}

void incident_clear(struct incident *inc)
{
	if (!inc)
		return;
	free(inc->queue_id);
	free(inc->message_id);
	free(inc->sender);
	free(inc->subject);
	json_decref(inc->rcpt);
	json_decref(inc->rules);
	json_decref(inc->findings);
	json_decref(inc->parts);
	free(inc->action);
	free(inc->status);
	free(inc->updated_by);
	memset(inc, 0, sizeof(*inc));
}

/* 32 symbols, no 0/O/1/I: 5 bits each, so no modulo bias. */
static const char ID_ALPHABET[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/* Without kernel randomness (getrandom failing is not expected): ids need
 * to be unique, not secret, so time, pid and a counter will do. */
static void weak_random(unsigned char *buf, size_t len)
{
	static unsigned counter;
	struct timespec ts;
	unsigned long x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16) ^
	    __atomic_add_fetch(&counter, 7919, __ATOMIC_RELAXED);
	for (size_t i = 0; i < len; i++, x = x * 6364136223846793005UL + 1442695040888963407UL)
		buf[i] = (unsigned char)(x >> 33);
}

void reg_new_id(char id[32], time_t now)
{
	unsigned char rnd[6];
	struct tm tm;
	size_t got = 0;
	ssize_t n;
	int len;

	while (got < sizeof(rnd)) {
		n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (got < sizeof(rnd))
		weak_random(rnd, sizeof(rnd));
	localtime_r(&now, &tm);
	len = snprintf(id, 32, "%04d%02d%02d-", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	for (size_t i = 0; i < sizeof(rnd) && len + 1 < 32; i++)
		id[len++] = ID_ALPHABET[rnd[i] & 31];
	id[len] = '\0';
}
