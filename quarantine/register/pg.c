/*
 * pg.c — the register on PostgreSQL: the connection pool, the statements'
 * common path and the schema (see register.h, backend.h; the tables are in
 * pg_incidents.c, pg_audit.c, pg_notices.c and pg_messages.c, dlp-web's
 * in pg_users.c, pg_web.c and pg_approvers.c).
 *
 * Location: a libpq URL, postgresql://USER@HOST:PORT/DB?sslmode=verify-full
 * …; whatever libpq reads there (sslmode, sslrootcert, host=/socket/dir)
 * applies.  The password comes from password_file (its first line), given
 * to libpq as the password keyword after the URL, so it overrides one in
 * the URL and never has to be written in the config.  Timeouts are set
 * before the URL (which may override them): connect 10 s, TCP keepalives
 * after 30 s idle, and tcp_user_timeout 30 s, so a database that goes away
 * mid-statement fails the statement rather than hanging the milter.
 *
 * Pool: one per (location, password file, mode) in the process, of idle
 * connections; reg_connect borrows one (or connects), reg_close gives it
 * back when it is healthy and outside a transaction, at most POOL_IDLE
 * kept.  A pool has at most POOL_MAX connections: with all in use,
 * reg_connect waits up to POOL_WAIT seconds for one to come back (a burst
 * of holds queues here rather than exhausting the server's
 * max_connections).  A handle is one connection, used by one thread at a
 * time (its recursive mutex), so the milter's threads each take their own.
 *
 * Reconnecting: a connection found dead (the server restarted, or was
 * unreachable) is reset before the next statement; a statement sent
 * outside a transaction that fails because the connection died is sent
 * once more on the new one.  Every write runs inside BEGIN … COMMIT (but
 * the idempotent DELETEs of a held copy), so what is sent again is a
 * BEGIN or a read, never a write that may have been done.  Inside a transaction nothing is re-sent: the
 * transaction failed and the caller answers tempfail; COMMIT whose answer
 * was lost is reported as unknown (pg_commit), which pg_insert resolves by
 * looking for the row.
 *
 * Schema: the list of schema.c translated (pg_translate), applied in one
 * transaction under an advisory lock, so two daemons starting at once do
 * not both migrate; the version is the one row of dlp_schema.  A
 * read-only handle's connection has default_transaction_read_only on.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "register/pg.h"

#define POOL_IDLE 8
#define POOL_MAX 32		/* connections of one pool, in use and idle */
#define POOL_WAIT 10		/* seconds to wait for one when all are in use */
#define MIGRATE_LOCK "4242001"	/* pg_advisory_xact_lock key of the migration */

static struct reg *pg_open(const char *location, const char *password_file,
    enum reg_mode mode, char *err, size_t errlen);
static void pg_close(struct reg *rg);
static int pg_count(struct reg *rg, const char *table, long long *count, char *err,
    size_t errlen);

const struct reg_backend reg_pg_backend = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.insert = pg_insert,
	.get = pg_get,
	.set_status = pg_set_status,
	.audit = pg_audit,
	.list = pg_list,
	.audit_list = pg_audit_list,
	.audit_find = pg_audit_find,
	.notice_plan = pg_notice_plan,
	.notice_add = pg_notice_add,
	.notice_get = pg_notice_get,
	.notice_claim = pg_notice_claim,
	.notice_finish = pg_notice_finish,
	.notice_list = pg_notice_list,
	.count = pg_count,
	.delay_due = pg_delay_due,
	.delay_retry = pg_delay_retry,
	.msg_put = pg_msg_put,
	.msg_read = pg_msg_read,
	.msg_chunk = pg_msg_chunk,
	.msg_size = pg_msg_size,
	.msg_remove = pg_msg_remove,
	.msg_orphans = pg_msg_orphans,
	.import = pg_import,
	.user_put = pg_user_put,
	.user_get = pg_user_get,
	.user_disable = pg_user_disable,
	.user_list = pg_user_list,
	.session_add = pg_session_add,
	.session_get = pg_session_get,
	.session_delete = pg_session_delete,
	.link_use = pg_link_use,
	.link_used = pg_link_used,
	.secret = pg_secret,
	.web_audit = pg_web_audit,
	.web_audit_list = pg_web_audit_list,
	.approver_set = pg_approver_set,
	.approver_rows = pg_approver_rows,
	.group_set = pg_group_set,
	.group_of = pg_group_of,
	.group_list = pg_group_list,
	.away_set = pg_away_set,
	.away_list = pg_away_list,
	.proxy_waiting = pg_proxy_waiting,
	.proxy_mark = pg_proxy_mark,
	.series_count = pg_series_count,
	.series_add = pg_series_add,
	.series_hold = pg_series_hold,
	.series_release = pg_series_release,
	.row_put = pg_row_put,
	.series_merged = pg_series_merged,
};

struct pg_pool {
	struct pg_pool *next;
	char *location, *password_file;	/* password_file may be NULL */
	enum reg_mode mode;
	PGconn *idle[POOL_IDLE];
	int nidle;
	int nconn;		/* connections of this pool: idle and in use */
	bool current;		/* schema found (or made) current by this process */
};

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static struct pg_pool *pools;

void pg_lock(struct pg_reg *p) { pthread_mutex_lock(&p->lock); }
void pg_unlock(struct pg_reg *p) { pthread_mutex_unlock(&p->lock); }

/* libpq's message into err as one line: "what: message". */
static void set_err(char *err, size_t errlen, const char *what, const char *msg)
{
	size_t n;

	if (!err || !errlen)
		return;
	snprintf(err, errlen, "register: %s: %s", what, msg && *msg ? msg : "unknown error");
	for (char *c = err; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	n = strlen(err);
	while (n > 0 && err[n - 1] == ' ')
		err[--n] = '\0';
}

bool pg_failed_with(const struct pg_reg *p, const char *sqlstate)
{
	return strcmp(p->state, sqlstate) == 0;
}

PGresult *pg_exec_bin(struct pg_reg *p, const char *sql, int n, const char *const *vals,
    const int *lens, const int *fmts, int result_fmt, const char *what, char *err,
    size_t errlen)
{
	ExecStatusType st;
	const char *state;
	PGresult *r;
	bool idle;

	p->state[0] = '\0';
	for (int round = 0; ; round++) {
		if (PQstatus(p->conn) == CONNECTION_BAD)
			PQreset(p->conn);	/* the server came back, or is still away */
		idle = PQstatus(p->conn) == CONNECTION_OK &&
		    PQtransactionStatus(p->conn) == PQTRANS_IDLE;
		/* PQexec runs a list of statements (a migration); parameters
		 * need PQexecParams, which takes one. */
		r = n == 0 && result_fmt == 0 ? PQexec(p->conn, sql) :
		    PQexecParams(p->conn, sql, n, NULL, vals, lens, fmts, result_fmt);
		st = PQresultStatus(r);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
			return r;
		if (round == 0 && idle && PQstatus(p->conn) == CONNECTION_BAD) {
			PQclear(r);	/* died while idle: send again on a new connection */
			continue;
		}
		state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		snprintf(p->state, sizeof(p->state), "%s", state ? state : "");
		set_err(err, errlen, what, r && *PQresultErrorMessage(r) ?
		    PQresultErrorMessage(r) : PQerrorMessage(p->conn));
		PQclear(r);
		return NULL;
	}
}

PGresult *pg_exec(struct pg_reg *p, const char *sql, int n, const char *const *vals,
    const char *what, char *err, size_t errlen)
{
	return pg_exec_bin(p, sql, n, vals, NULL, NULL, 0, what, err, errlen);
}

int pg_cmd(struct pg_reg *p, const char *sql, const char *what, char *err, size_t errlen)
{
	PGresult *r = pg_exec(p, sql, 0, NULL, what, err, errlen);

	PQclear(r);
	return r ? 0 : -1;
}

int pg_begin(struct pg_reg *p, const char *what, char *err, size_t errlen)
{
	return pg_cmd(p, "BEGIN", what, err, errlen);
}

int pg_commit(struct pg_reg *p, const char *what, bool *unknown, char *err, size_t errlen)
{
	PGresult *r = PQexec(p->conn, "COMMIT");
	ExecStatusType st = PQresultStatus(r);

	if (unknown)
		*unknown = false;
	if (st == PGRES_COMMAND_OK) {
		PQclear(r);
		return 0;
	}
	if (unknown)
		*unknown = PQstatus(p->conn) == CONNECTION_BAD;
	set_err(err, errlen, what, r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r) :
	    PQerrorMessage(p->conn));
	PQclear(r);
	return -1;
}

void pg_rollback(struct pg_reg *p)
{
	if (PQstatus(p->conn) == CONNECTION_OK && PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		PQclear(PQexec(p->conn, "ROLLBACK"));
}

char *pg_dup(const PGresult *r, int i, int j)
{
	return PQgetisnull(r, i, j) ? NULL : strdup(PQgetvalue(r, i, j));
}

long long pg_ll(const PGresult *r, int i, int j)
{
	return PQgetisnull(r, i, j) ? 0 : strtoll(PQgetvalue(r, i, j), NULL, 10);
}

void pg_copy(const PGresult *r, int i, int j, char *buf, size_t len)
{
	snprintf(buf, len, "%s", PQgetisnull(r, i, j) ? "" : PQgetvalue(r, i, j));
}

const char *pg_num(char *buf, size_t len, long long v)
{
	snprintf(buf, len, "%lld", v);
	return buf;
}

/* The first line of path into buf.  0 or -1 with err. */
static int read_password(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		snprintf(err, errlen, "register: cannot read password_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "register: password_file %s is empty", path);
		return -1;
	}
	return 0;
}

static void quiet_notices(void *arg, const char *msg) { (void)arg; (void)msg; }

/* A new connection for pool po.  NULL with err (libpq's words). */
static PGconn *connect_for(const struct pg_pool *po, char *err, size_t errlen)
{
	const char *keys[12], *vals[12];
	char pw[1024] = "";
	PGconn *c;
	int k = 0;

	if (po->password_file && read_password(po->password_file, pw, sizeof(pw), err,
	    errlen) < 0)
		return NULL;
	keys[k] = "connect_timeout"; vals[k++] = "10";
	keys[k] = "keepalives_idle"; vals[k++] = "30";
	keys[k] = "keepalives_interval"; vals[k++] = "10";
	keys[k] = "keepalives_count"; vals[k++] = "3";
	keys[k] = "tcp_user_timeout"; vals[k++] = "30000";
	keys[k] = "application_name"; vals[k++] = "dlp-milter";
	if (po->mode == REG_RO) {
		keys[k] = "options"; vals[k++] = "-c default_transaction_read_only=on";
	}
	keys[k] = "dbname"; vals[k++] = po->location;
	if (pw[0]) {
		keys[k] = "password"; vals[k++] = pw;
	}
	keys[k] = NULL; vals[k] = NULL;
	c = PQconnectdbParams(keys, vals, 1);
	explicit_bzero(pw, sizeof(pw));
	if (!c) {
		snprintf(err, errlen, "register: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		set_err(err, errlen, "cannot connect to PostgreSQL", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet_notices, NULL);
	return c;
}

/* The pool of (location, password_file, mode), made when missing.  Called
 * with pool_mu held.  NULL on ENOMEM. */
static struct pg_pool *pool_for(const char *location, const char *password_file,
    enum reg_mode mode)
{
	struct pg_pool *po;

	for (po = pools; po; po = po->next)
		if (po->mode == mode && strcmp(po->location, location) == 0 &&
		    (po->password_file ? password_file && strcmp(po->password_file,
		    password_file) == 0 : !password_file))
			return po;
	if (!(po = calloc(1, sizeof(*po))) || !(po->location = strdup(location)) ||
	    (password_file && !(po->password_file = strdup(password_file)))) {
		if (po)
			free(po->location);
		free(po);
		return NULL;
	}
	po->mode = mode;
	po->next = pools;
	pools = po;
	return po;
}

/* Whole-word replacements of schema.c's words (see schema.c). */
static const struct { const char *from, *to; } dialect[] = {
	{ "INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
	{ "INTEGER", "BIGINT" },
	{ "BLOB", "BYTEA" },
	/* the first rule's name (migration 9's index, as pg_incidents.c
	 * orders by it) */
	{ "json_extract(rules, '$[0].name')", "(rules::jsonb->0->>'name')" },
	{ " WITHOUT ROWID", "" },
};

/* sql in PostgreSQL's words: a malloc'd string, NULL on ENOMEM. */
char *pg_translate(const char *sql);
char *pg_translate(const char *sql)
{
	size_t cap = strlen(sql) * 4 + 1, o = 0, n;
	char *out = malloc(cap);
	bool done;

	if (!out)
		return NULL;
	for (const char *s = sql; *s;) {
		done = false;
		for (size_t i = 0; i < sizeof(dialect) / sizeof(dialect[0]) && !done; i++) {
			n = strlen(dialect[i].from);
			if (strncmp(s, dialect[i].from, n) == 0 && (s == sql ||
			    !(isalnum((unsigned char)s[-1]) || s[-1] == '_')) &&
			    !(isalnum((unsigned char)s[n]) || s[n] == '_')) {
				o += (size_t)snprintf(out + o, cap - o, "%s", dialect[i].to);
				s += n;
				done = true;
			}
		}
		if (!done)
			out[o++] = *s++;
		out[o] = '\0';
	}
	return out;
}

/* The version in dlp_schema (inside a transaction): >= 0, or -1. */
static int schema_version(struct pg_reg *p, char *err, size_t errlen)
{
	PGresult *r = pg_exec(p, "SELECT version FROM dlp_schema", 0, NULL, "schema version",
	    err, errlen);
	int v;

	if (!r)
		return -1;
	v = PQntuples(r) ? (int)pg_ll(r, 0, 0) : 0;
	PQclear(r);
	return v;
}

/* Bring the schema to reg_schema_version.  0 or -1 with err. */
static int migrate(struct pg_reg *p, char *err, size_t errlen)
{
	char what[32], ver[16];
	const char *args[1];
	PGresult *r;
	char *sql;
	int v, rc;

	if (pg_begin(p, "migrate", err, errlen) < 0 ||
	    pg_cmd(p, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", "migrate", err,
	    errlen) < 0 ||
	    pg_cmd(p, "CREATE TABLE IF NOT EXISTS dlp_schema (version INTEGER NOT NULL)",
	    "migrate", err, errlen) < 0 ||
	    (v = schema_version(p, err, errlen)) < 0)
		goto fail;
	if (v > reg_schema_version) {
		snprintf(err, errlen, "register schema version %d is newer than this program "
		    "knows (%d): upgrade dlp-milter", v, reg_schema_version);
		goto fail;
	}
	if (v == 0 && pg_cmd(p, "INSERT INTO dlp_schema (version) SELECT 0 WHERE NOT EXISTS"
	    " (SELECT 1 FROM dlp_schema)", "migrate", err, errlen) < 0)
		goto fail;
	for (; v < reg_schema_version; v++) {
		snprintf(what, sizeof(what), "migration %d", v + 1);
		if (!(sql = pg_translate(reg_migrations[v]))) {
			snprintf(err, errlen, "register: out of memory");
			goto fail;
		}
		rc = pg_cmd(p, sql, what, err, errlen);
		free(sql);
		args[0] = pg_num(ver, sizeof(ver), v + 1);
		if (rc < 0 || !(r = pg_exec(p, "UPDATE dlp_schema SET version = $1", 1, args, what,
		    err, errlen)))
			goto fail;
		PQclear(r);
	}
	if (pg_commit(p, "migrate", NULL, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	pg_rollback(p);
	return -1;
}

/* A slot in po (pool_mu held): an idle connection into *conn, or none
 * (*conn NULL: the caller connects).  0, or ETIMEDOUT when all POOL_MAX
 * stayed in use for POOL_WAIT seconds. */
static int take_slot(struct pg_pool *po, PGconn **conn)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += POOL_WAIT;
	while (po->nidle == 0 && po->nconn >= POOL_MAX)
		if (pthread_cond_timedwait(&pool_cv, &pool_mu, &until) == ETIMEDOUT)
			return ETIMEDOUT;
	if (po->nidle > 0) {
		*conn = po->idle[--po->nidle];
	} else {
		*conn = NULL;
		po->nconn++;	/* counted now; given back by pg_close if the connect fails */
	}
	return 0;
}

/* A read-only handle: the schema must be current already. */
static int check_current(struct pg_reg *p, const char *location, char *err, size_t errlen)
{
	PGresult *r = pg_exec(p, "SELECT to_regclass('dlp_schema') IS NOT NULL", 0, NULL,
	    "schema version", err, errlen);
	int v = 0;
	bool has;

	if (!r)
		return -1;
	has = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (has && (v = schema_version(p, err, errlen)) < 0)
		return -1;
	if (v == reg_schema_version)
		return 0;
	snprintf(err, errlen, "register on PostgreSQL has schema version %d, this program %d: %s",
	    v, reg_schema_version, v < reg_schema_version ?
	    "open it read-write once (start dlp-milter) to migrate it" : "upgrade dlp-milter");
	return -1;
}

static struct reg *pg_open(const char *location, const char *password_file,
    enum reg_mode mode, char *err, size_t errlen)
{
	pthread_mutexattr_t ma;
	struct pg_reg *p;
	struct pg_pool *po;
	bool current;
	int rc;

	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(err, errlen, "register: out of memory");
		return NULL;
	}
	p->base.be = &reg_pg_backend;
	p->mode = mode;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&p->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_mutex_lock(&pool_mu);
	po = pool_for(location, password_file, mode);
	rc = po ? take_slot(po, &p->conn) : ENOMEM;
	current = po && po->current;
	pthread_mutex_unlock(&pool_mu);
	if (rc != 0) {
		snprintf(err, errlen, rc == ENOMEM ? "register: out of memory" : "register: all %d "
		    "database connections of this process stayed in use for %d s", POOL_MAX,
		    POOL_WAIT);
		goto fail;
	}
	p->pool = po;
	if (!p->conn && !(p->conn = connect_for(po, err, errlen)))
		goto fail;
	if (!current) {
		if ((mode == REG_RW ? migrate(p, err, errlen) :
		    check_current(p, location, err, errlen)) < 0)
			goto fail;
		pthread_mutex_lock(&pool_mu);
		po->current = true;
		pthread_mutex_unlock(&pool_mu);
	}
	return &p->base;
fail:
	pg_close(&p->base);
	return NULL;
}

/* The connection back to its pool when it is fit for the next user. */
static void pg_close(struct reg *rg)
{
	struct pg_reg *p = pgr(rg);
	bool kept = false;

	if (!p)
		return;
	if (p->pool) {
		if (p->conn)
			pg_rollback(p);
		pthread_mutex_lock(&pool_mu);
		if (p->conn && PQstatus(p->conn) == CONNECTION_OK &&
		    PQtransactionStatus(p->conn) == PQTRANS_IDLE && p->pool->nidle < POOL_IDLE) {
			p->pool->idle[p->pool->nidle++] = p->conn;
			kept = true;
		} else {
			p->pool->nconn--;	/* its slot is free */
		}
		pthread_cond_broadcast(&pool_cv);
		pthread_mutex_unlock(&pool_mu);
	}
	if (!kept)
		PQfinish(p->conn);	/* NULL-safe */
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* table is one of register.c's names, never the caller's text. */
static int pg_count(struct reg *rg, const char *table, long long *count, char *err,
    size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char sql[64];
	PGresult *r;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	pg_lock(p);
	r = pg_exec(p, sql, 0, NULL, "count", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	*count = pg_ll(r, 0, 0);
	PQclear(r);
	return 0;
}
