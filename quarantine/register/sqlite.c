/*
 * sqlite.c — the register on SQLite: the connection (see register.h,
 * backend.h; the tables are in sqlite_incidents.c, sqlite_audit.c and
 * sqlite_notices.c).
 *
 * Connection: WAL journal, synchronous=FULL (a committed row survives a
 * power cut), busy timeout 5 s, foreign keys on.  The schema (schema.c) is
 * created and migrated inside one IMMEDIATE transaction; PRAGMA
 * user_version is the number of migrations applied.
 *
 * Threads: a struct reg may be shared; every call holds its (recursive)
 * mutex, so a reg_list callback may itself call reg_* on the same handle
 * (whether a row it changes is seen again by the walk is SQLite's to say:
 * filter on what the callback changes, as `expire` would, or collect ids).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "register/sqlite.h"

#define BUSY_TIMEOUT_MS 5000

static struct reg *sq_open(const char *path, const char *password_file, enum reg_mode mode,
    char *err, size_t errlen);
static int sq_count(struct reg *rg, const char *table, long long *count, char *err,
    size_t errlen);
static void sq_close(struct reg *rg);

const struct reg_backend reg_sqlite_backend = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.insert = sq_insert,
	.get = sq_get,
	.set_status = sq_set_status,
	.audit = sq_audit,
	.list = sq_list,
	.audit_list = sq_audit_list,
	.audit_find = sq_audit_find,
	.notice_plan = sq_notice_plan,
	.notice_add = sq_notice_add,
	.notice_get = sq_notice_get,
	.notice_claim = sq_notice_claim,
	.notice_finish = sq_notice_finish,
	.notice_list = sq_notice_list,
	.count = sq_count,
	.delay_due = sq_delay_due,
	.delay_retry = sq_delay_retry,
	.user_put = sq_user_put,
	.user_get = sq_user_get,
	.user_disable = sq_user_disable,
	.user_list = sq_user_list,
	.session_add = sq_session_add,
	.session_get = sq_session_get,
	.session_delete = sq_session_delete,
	.link_use = sq_link_use,
	.link_used = sq_link_used,
	.secret = sq_secret,
	.web_audit = sq_web_audit,
	.web_audit_list = sq_web_audit_list,
	.approver_set = sq_approver_set,
	.approver_rows = sq_approver_rows,
	.group_set = sq_group_set,
	.group_of = sq_group_of,
	.group_list = sq_group_list,
	.away_set = sq_away_set,
	.away_list = sq_away_list,
	.proxy_waiting = sq_proxy_waiting,
	.proxy_mark = sq_proxy_mark,
	.series_count = sq_series_count,
	.series_add = sq_series_add,
	.series_hold = sq_series_hold,
	.series_release = sq_series_release,
	.rows = sq_rows,
};

void sq_lock(struct sq_reg *s) { pthread_mutex_lock(&s->lock); }
void sq_unlock(struct sq_reg *s) { pthread_mutex_unlock(&s->lock); }

int sq_exec(struct sq_reg *s, const char *sql, const char *what, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "register: %s: %s", what, msg ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return -1;
}

void sq_rollback(struct sq_reg *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *sq_prepare(struct sq_reg *s, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "register: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return st;
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

char *sq_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? strdup((const char *)s) : NULL;
}

void sq_col_copy(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(buf, len, "%s", s ? (const char *)s : "");
}

/* Returns the first column of a one-row query as an int, or -1 with err. */
static int query_int(struct sq_reg *rg, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = sq_prepare(rg, sql, err, errlen);
	int v = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		snprintf(err, errlen, "register: %s", sqlite3_errmsg(rg->db));
	sqlite3_finalize(st);
	return v;
}

/* Bring the schema to reg_schema_version in one IMMEDIATE transaction. */
static int migrate(struct sq_reg *rg, char *err, size_t errlen)
{
	char sql[64], what[32];
	int v;

	if (sq_exec(rg, "BEGIN IMMEDIATE", "migrate", err, errlen) < 0)
		return -1;
	/* Read inside the transaction: another process may have migrated. */
	if ((v = query_int(rg, "PRAGMA user_version", err, errlen)) < 0)
		goto fail;
	if (v > reg_schema_version) {
		snprintf(err, errlen, "register schema version %d is newer than this program "
		    "knows (%d): upgrade dlp-milter", v, reg_schema_version);
		goto fail;
	}
	for (; v < reg_schema_version; v++) {
		snprintf(what, sizeof(what), "migration %d", v + 1);
		if (sq_exec(rg, reg_migrations[v], what, err, errlen) < 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (sq_exec(rg, sql, what, err, errlen) < 0)
			goto fail;
	}
	if (sq_exec(rg, "COMMIT", "migrate", err, errlen) < 0)
		goto fail;
	return 0;
fail:
	sq_rollback(rg);
	return -1;
}

/* First check the file ourselves, so the message is plain and names the
 * cause; sqlite3 would quietly fall back to read-only on a write-protected
 * file.  An existing register is checked with faccessat(2), never opened:
 * closing any descriptor of a file drops every POSIX lock the process holds
 * on it, those of SQLite's connections in other threads included (the
 * daemon's notifier, another message's hold).  A dlpctl could then take the
 * database for its last user, checkpoint and delete the WAL under them: the
 * daemon got "disk I/O error" (SQLITE_IOERR_SHORT_READ) holding mail while
 * dlpctl released other mail.  A missing register is created (O_EXCL). */
static int check_file(const char *path, enum reg_mode mode, char *err, size_t errlen)
{
	struct stat sb;
	int fd, e = 0;

	if (lstat(path, &sb) == 0) {
		if (S_ISLNK(sb.st_mode))
			e = ELOOP;	/* as O_NOFOLLOW would say */
		else if (S_ISDIR(sb.st_mode))
			e = EISDIR;
		else if (faccessat(AT_FDCWD, path, mode == REG_RW ? R_OK | W_OK : R_OK,
		    AT_EACCESS) != 0)
			e = errno;
	} else if (errno == ENOENT && mode == REG_RW) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			close(fd);	/* new: no connection can hold a lock on it yet */
		else if (errno != EEXIST)	/* another thread made it meanwhile */
			e = errno;
	} else {
		e = errno;
	}
	if (e == 0)
		return 0;
	snprintf(err, errlen, "cannot open register %s %s: %s%s", path,
	    mode == REG_RW ? "read-write" : "read-only",
	    e == EACCES ? "permission denied" : e == ENOENT ? "no such file or directory" :
	    strerror(e),
	    e == EACCES || e == EPERM || e == EROFS ?
	    " — run dlpctl as the dlp-milter user or root" : "");
	return -1;
}

static int configure(struct sq_reg *rg, const char *path, char *err, size_t errlen)
{
	char *mode = NULL;
	sqlite3_stmt *st;
	int ok;

	sqlite3_busy_timeout(rg->db, BUSY_TIMEOUT_MS);
	if (sq_exec(rg, "PRAGMA foreign_keys = ON", "foreign_keys", err, errlen) < 0)
		return -1;
	if (rg->mode == REG_RO)
		return 0;
	if (sqlite3_db_readonly(rg->db, "main") == 1) {
		snprintf(err, errlen, "cannot open register %s read-write: permission denied — "
		    "run dlpctl as the dlp-milter user or root", path);
		return -1;
	}
	if (!(st = sq_prepare(rg, "PRAGMA journal_mode = WAL", err, errlen)))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		mode = strdup((const char *)sqlite3_column_text(st, 0));
	else
		snprintf(err, errlen, "register: journal_mode: %s", sqlite3_errmsg(rg->db));
	sqlite3_finalize(st);
	ok = mode && strcmp(mode, "wal") == 0;
	if (mode && !ok)
		snprintf(err, errlen, "register %s: cannot use WAL journal (got %s)", path, mode);
	free(mode);
	if (!ok)
		return -1;
	return sq_exec(rg, "PRAGMA synchronous = FULL", "synchronous", err, errlen);
}

static struct reg *sq_open(const char *path, const char *password_file, enum reg_mode mode,
    char *err, size_t errlen)
{
	pthread_mutexattr_t ma;
	struct sq_reg *rg;
	int v, flags;

	if (check_file(path, mode, err, errlen) < 0)
		return NULL;
	if (!(rg = calloc(1, sizeof(*rg)))) {
		snprintf(err, errlen, "register: out of memory");
		return NULL;
	}
	rg->base.be = &reg_sqlite_backend;
	rg->mode = mode;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rg->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	flags = (mode == REG_RW ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
	    SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &rg->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open register %s: %s", path,
		    rg->db ? sqlite3_errmsg(rg->db) : "out of memory");
		goto fail;
	}
	if (configure(rg, path, err, errlen) < 0)
		goto fail;
	if ((v = query_int(rg, "PRAGMA user_version", err, errlen)) < 0)
		goto fail;
	if (mode == REG_RW) {
		/* Migrate (under a write lock) only when the schema is not current. */
		if (v != reg_schema_version && migrate(rg, err, errlen) < 0)
			goto fail;
		return &rg->base;
	}
	if (v != reg_schema_version) {
		snprintf(err, errlen, "register %s has schema version %d, this program %d: %s",
		    path, v, reg_schema_version, v < reg_schema_version ?
		    "open it read-write once (start dlp-milter) to migrate it" : "upgrade dlp-milter");
		goto fail;
	}
	return &rg->base;
fail:
	sq_close(&rg->base);
	return NULL;
}

static void sq_close(struct reg *rg)
{
	struct sq_reg *s = sq(rg);

	if (!s)
		return;
	sqlite3_close(s->db);	/* NULL-safe; all statements are finalized */
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* table is one of register.c's names, never the caller's text. */
static int sq_count(struct reg *rg, const char *table, long long *count, char *err,
    size_t errlen)
{
	struct sq_reg *s = sq(rg);
	char sql[64];
	int v;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	sq_lock(s);
	v = query_int(s, sql, err, errlen);
	sq_unlock(s);
	*count = v;
	return v < 0 ? -1 : 0;
}
