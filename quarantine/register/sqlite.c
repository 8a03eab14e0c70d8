/*
 * register.c — the incident register on SQLite (see register.h).
 *
 * Connection: WAL journal, synchronous=FULL (a committed row survives a
 * power cut), busy timeout 5 s, foreign keys on.  The schema is created
 * and migrated by `migrations[]`, applied in order inside one IMMEDIATE
 * transaction; PRAGMA user_version is the number of migrations applied.
 *
 * Threads: a struct reg may be shared; every call holds its (recursive)
 * mutex, so a reg_list callback may itself call reg_* on the same handle
 * (whether a row it changes is seen again by the walk is SQLite's to say:
 * filter on what the callback changes, as `expire` would, or collect ids).
 *
 * Ids: reg_insert does not retry on an id clash.  The id also names the
 * stored message, written before the row, so only the caller can pick a
 * new one; a clash (32^6 ≈ 10^9 ids a day) fails with "already exists"
 * and the daemon answers with its on_error action, the MTA retrying later.
 *
 * Status values are checked here (held, rejected, releasing, released,
 * deleted, expired), not by the schema, so a later state needs no table
 * rebuild.  `releasing` is the claim of one dlpctl release (release.c).
 *
 * register_int.h gives the other quarantine modules (notice_queue.c,
 * release.c) the handle, the lock and the audit insert, so that their
 * own tables and compare-and-sets share this connection's transactions.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "register/register.h"
#include "register/sqlite.h"

#define BUSY_TIMEOUT_MS 5000

struct reg {
	sqlite3 *db;
	pthread_mutex_t lock;	/* recursive: callbacks may re-enter */
	enum reg_mode mode;
};

/* Migration i brings the schema from version i to i + 1. */
static const char *const migrations[] = {
	/* 1: incidents and their audit trail */
	"CREATE TABLE incidents ("
	"  id TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL,"
	"  queue_id TEXT, message_id TEXT, sender TEXT, subject TEXT,"
	"  recipients INTEGER NOT NULL DEFAULT 0,"
	"  external INTEGER NOT NULL DEFAULT 0,"
	"  external_visible INTEGER NOT NULL DEFAULT 0,"
	"  external_domains INTEGER NOT NULL DEFAULT 0,"
	"  rcpt TEXT NOT NULL DEFAULT '[]',"
	"  rules TEXT NOT NULL DEFAULT '[]',"
	"  findings TEXT NOT NULL DEFAULT '{}',"
	"  parts TEXT NOT NULL DEFAULT '[]',"
	"  action TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  updated_by TEXT);"
	"CREATE INDEX incidents_created ON incidents(created);"
	"CREATE INDEX incidents_status ON incidents(status, created);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  incident TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  reason TEXT);"
	"CREATE INDEX audit_incident ON audit(incident, seq);",
	/* 2: the notice queue (notice_queue.c).  Incidents registered before
	 * this migration count as planned: no notices for old holds. */
	"ALTER TABLE incidents ADD COLUMN notices_planned INTEGER NOT NULL DEFAULT 0;"
	"UPDATE incidents SET notices_planned = 1;"
	"CREATE INDEX incidents_unplanned ON incidents(created) WHERE notices_planned = 0;"
	"CREATE TABLE notices ("
	"  seq INTEGER PRIMARY KEY,"
	"  incident TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  note TEXT,"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  next_try INTEGER NOT NULL,"
	"  claimed INTEGER,"
	"  sent INTEGER,"
	"  last_error TEXT);"
	"CREATE UNIQUE INDEX notices_once ON notices(incident, kind, recipient);"
	"CREATE INDEX notices_due ON notices(status, next_try);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char *const statuses[] = { "held", "rejected", "releasing", "released", "deleted",
	"expired" };

static const char INCIDENT_COLS[] =
	"id, created, queue_id, message_id, sender, subject, recipients, external,"
	" external_visible, external_domains, rcpt, rules, findings, parts, action,"
	" status, updated, updated_by";

static int valid_status(const char *s)
{
	for (size_t i = 0; s && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(s, statuses[i]) == 0)
			return 1;
	return 0;
}

static void lock(struct reg *rg) { pthread_mutex_lock(&rg->lock); }
static void unlock(struct reg *rg) { pthread_mutex_unlock(&rg->lock); }

void reg_lock(struct reg *rg) { lock(rg); }
void reg_unlock(struct reg *rg) { unlock(rg); }
sqlite3 *reg_db(struct reg *rg) { return rg->db; }

/* Run sql (no results expected).  0 or -1 with err "what: sqlite message". */
static int exec(struct reg *rg, const char *sql, const char *what, char *err, size_t errlen)
{
	return reg_exec(rg, sql, what, err, errlen);
}

int reg_exec(struct reg *rg, const char *sql, const char *what, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(rg->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "register: %s: %s", what, msg ? msg : sqlite3_errmsg(rg->db));
	sqlite3_free(msg);
	return -1;
}

static void rollback(struct reg *rg)
{
	reg_rollback(rg);
}

void reg_rollback(struct reg *rg)
{
	if (!sqlite3_get_autocommit(rg->db))
		sqlite3_exec(rg->db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *prepare(struct reg *rg, const char *sql, char *err, size_t errlen)
{
	return reg_prepare(rg, sql, err, errlen);
}

sqlite3_stmt *reg_prepare(struct reg *rg, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(rg->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "register: %s", sqlite3_errmsg(rg->db));
		return NULL;
	}
	return st;
}

/* Returns the first column of a one-row query as an int, or -1 with err. */
static int query_int(struct reg *rg, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(rg, sql, err, errlen);
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

/* Bring the schema to SCHEMA_VERSION in one IMMEDIATE transaction. */
static int migrate(struct reg *rg, char *err, size_t errlen)
{
	char sql[64], what[32];
	int v;

	if (exec(rg, "BEGIN IMMEDIATE", "migrate", err, errlen) < 0)
		return -1;
	/* Read inside the transaction: another process may have migrated. */
	if ((v = query_int(rg, "PRAGMA user_version", err, errlen)) < 0)
		goto fail;
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "register schema version %d is newer than this program "
		    "knows (%d): upgrade dlp-milter", v, SCHEMA_VERSION);
		goto fail;
	}
	for (; v < SCHEMA_VERSION; v++) {
		snprintf(what, sizeof(what), "migration %d", v + 1);
		if (exec(rg, migrations[v], what, err, errlen) < 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec(rg, sql, what, err, errlen) < 0)
			goto fail;
	}
	if (exec(rg, "COMMIT", "migrate", err, errlen) < 0)
		goto fail;
	return 0;
fail:
	rollback(rg);
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

static int configure(struct reg *rg, const char *path, char *err, size_t errlen)
{
	char *mode = NULL;
	sqlite3_stmt *st;
	int ok;

	sqlite3_busy_timeout(rg->db, BUSY_TIMEOUT_MS);
	if (exec(rg, "PRAGMA foreign_keys = ON", "foreign_keys", err, errlen) < 0)
		return -1;
	if (rg->mode == REG_RO)
		return 0;
	if (sqlite3_db_readonly(rg->db, "main") == 1) {
		snprintf(err, errlen, "cannot open register %s read-write: permission denied — "
		    "run dlpctl as the dlp-milter user or root", path);
		return -1;
	}
	if (!(st = prepare(rg, "PRAGMA journal_mode = WAL", err, errlen)))
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
	return exec(rg, "PRAGMA synchronous = FULL", "synchronous", err, errlen);
}

struct reg *reg_open(const char *path, enum reg_mode mode, char *err, size_t errlen)
{
	pthread_mutexattr_t ma;
	struct reg *rg;
	int v, flags;

	if (check_file(path, mode, err, errlen) < 0)
		return NULL;
	if (!(rg = calloc(1, sizeof(*rg)))) {
		snprintf(err, errlen, "register: out of memory");
		return NULL;
	}
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
		if (v != SCHEMA_VERSION && migrate(rg, err, errlen) < 0)
			goto fail;
		return rg;
	}
	if (v != SCHEMA_VERSION) {
		snprintf(err, errlen, "register %s has schema version %d, this program %d: %s",
		    path, v, SCHEMA_VERSION, v < SCHEMA_VERSION ?
		    "open it read-write once (start dlp-milter) to migrate it" : "upgrade dlp-milter");
		goto fail;
	}
	return rg;
fail:
	reg_close(rg);
	return NULL;
}

void reg_close(struct reg *rg)
{
	if (!rg)
		return;
	sqlite3_close(rg->db);	/* NULL-safe; all statements are finalized */
	pthread_mutex_destroy(&rg->lock);
	free(rg);
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

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

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

static int add_audit(struct reg *rg, const char *id, time_t t, const char *actor,
    const char *action, const char *reason, char *err, size_t errlen)
{
	return reg_audit_locked(rg, id, t, actor, action, reason, err, errlen);
}

int reg_audit_locked(struct reg *rg, const char *id, time_t t, const char *actor,
    const char *action, const char *reason, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = prepare(rg, "INSERT INTO audit (incident, time, actor, action, reason)"
	    " VALUES (?, ?, ?, ?, ?)", err, errlen)))
		return -1;
	bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t);
	bind_text(st, 3, actor ? actor : "?");
	bind_text(st, 4, action);
	bind_text(st, 5, reason);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		snprintf(err, errlen, "no incident %s", id);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: audit: %s", sqlite3_errmsg(rg->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int insert_row(struct reg *rg, const struct incident *inc, const char *actor,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = prepare(rg, "INSERT INTO incidents (id, created, queue_id, message_id,"
	    " sender, subject, recipients, external, external_visible, external_domains,"
	    " rcpt, rules, findings, parts, action, status, updated, updated_by)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err, errlen)))
		return -1;
	bind_text(st, 1, inc->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)inc->created);
	bind_text(st, 3, inc->queue_id);
	bind_text(st, 4, inc->message_id);
	bind_text(st, 5, inc->sender);
	bind_text(st, 6, inc->subject);
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
	bind_text(st, 15, inc->action);
	bind_text(st, 16, inc->status);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)(inc->updated ? inc->updated : inc->created));
	bind_text(st, 18, inc->updated_by ? inc->updated_by : actor);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT &&
	    sqlite3_extended_errcode(rg->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		snprintf(err, errlen, "incident id %s already exists", inc->id);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "register: insert %s: %s", inc->id, sqlite3_errmsg(rg->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int reg_insert(struct reg *rg, const struct incident *inc, const char *actor,
    char *err, size_t errlen)
{
	char what[64];

	if (!inc->id[0] || !inc->action || !valid_status(inc->status)) {
		snprintf(err, errlen, "register: incident needs an id, an action and a known "
		    "status (got %s)", inc->status ? inc->status : "none");
		return -1;
	}
	lock(rg);
	if (exec(rg, "BEGIN IMMEDIATE", "insert", err, errlen) < 0)
		goto fail;
	snprintf(what, sizeof(what), "created %s", inc->status);
	if (insert_row(rg, inc, actor, err, errlen) < 0 ||
	    add_audit(rg, inc->id, inc->created, actor, what, NULL, err, errlen) < 0 ||
	    exec(rg, "COMMIT", "insert", err, errlen) < 0)
		goto fail;
	unlock(rg);
	return 0;
fail:
	rollback(rg);
	unlock(rg);
	return -1;
}

static char *col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? strdup((const char *)s) : NULL;
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
	inc->queue_id = col_strdup(st, 2);
	inc->message_id = col_strdup(st, 3);
	inc->sender = col_strdup(st, 4);
	inc->subject = col_strdup(st, 5);
	inc->recipients = (long)sqlite3_column_int64(st, 6);
	inc->external = (long)sqlite3_column_int64(st, 7);
	inc->external_visible = (long)sqlite3_column_int64(st, 8);
	inc->external_domains = (long)sqlite3_column_int64(st, 9);
	inc->rcpt = col_json(st, 10, "[]");
	inc->rules = col_json(st, 11, "[]");
	inc->findings = col_json(st, 12, "{}");
	inc->parts = col_json(st, 13, "[]");
	inc->action = col_strdup(st, 14);
	inc->status = col_strdup(st, 15);
	inc->updated = (time_t)sqlite3_column_int64(st, 16);
	inc->updated_by = col_strdup(st, 17);
	if (!inc->rcpt || !inc->rules || !inc->findings || !inc->parts || !inc->action ||
	    !inc->status) {
		incident_clear(inc);
		return -1;
	}
	return 0;
}

int reg_get(struct reg *rg, const char *id, struct incident *inc, char *err, size_t errlen)
{
	char sql[512];
	sqlite3_stmt *st;
	int rc, ret = -1;

	memset(inc, 0, sizeof(*inc));
	snprintf(sql, sizeof(sql), "SELECT %s FROM incidents WHERE id = ?", INCIDENT_COLS);
	lock(rg);
	if (!(st = prepare(rg, sql, err, errlen)))
		goto out;
	bind_text(st, 1, id);
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
	unlock(rg);
	return ret;
}

/* Why the compare and set did not apply: fills err, returns 1 or -1. */
static int explain_no_change(struct reg *rg, const char *id, const char *from,
    char *err, size_t errlen)
{
	struct incident cur;
	int rc = reg_get(rg, id, &cur, err, errlen);

	if (rc == 0)
		snprintf(err, errlen, "incident %s is %s, not %s", id, cur.status, from);
	incident_clear(&cur);
	return rc < 0 ? -1 : 1;
}

/* Returns 0 done, 1 when the incident is missing or not in status `from`
 * (err says which), -1 with err.  One IMMEDIATE transaction: two admins
 * releasing at once cannot both win. */
int reg_set_status(struct reg *rg, const char *id, const char *from, const char *to,
    const char *actor, const char *reason, char *err, size_t errlen)
{
	char what[64];
	sqlite3_stmt *st = NULL;
	time_t now = time(NULL);
	int rc, changed;

	if (!valid_status(to) || !from) {
		snprintf(err, errlen, "register: unknown status %s", to ? to : "(none)");
		return -1;
	}
	lock(rg);
	if (exec(rg, "BEGIN IMMEDIATE", "set status", err, errlen) < 0)
		goto fail;
	if (!(st = prepare(rg, "UPDATE incidents SET status = ?, updated = ?, updated_by = ?"
	    " WHERE id = ? AND status = ?", err, errlen)))
		goto fail;
	bind_text(st, 1, to);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	bind_text(st, 3, actor ? actor : "?");
	bind_text(st, 4, id);
	bind_text(st, 5, from);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		snprintf(err, errlen, "register: set status %s: %s", id, sqlite3_errmsg(rg->db));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	changed = sqlite3_changes(rg->db);
	if (changed != 1) {
		rc = explain_no_change(rg, id, from, err, errlen);
		rollback(rg);
		unlock(rg);
		return rc;
	}
	snprintf(what, sizeof(what), "%s -> %s", from, to);
	if (add_audit(rg, id, now, actor, what, reason, err, errlen) < 0 ||
	    exec(rg, "COMMIT", "set status", err, errlen) < 0)
		goto fail;
	unlock(rg);
	return 0;
fail:
	sqlite3_finalize(st);
	rollback(rg);
	unlock(rg);
	return -1;
}

int reg_audit(struct reg *rg, const char *id, const char *actor, const char *action,
    const char *reason, char *err, size_t errlen)
{
	int rc;

	lock(rg);
	rc = add_audit(rg, id, time(NULL), actor, action, reason, err, errlen);
	unlock(rg);
	return rc;
}

int reg_list(struct reg *rg, const char *status, time_t since, time_t until,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen)
{
	char sql[768];
	struct incident inc;
	sqlite3_stmt *st;
	int rc, stop, ret = -1;

	snprintf(sql, sizeof(sql), "SELECT %s FROM incidents WHERE (?1 IS NULL OR status = ?1)"
	    " AND (?2 = 0 OR created >= ?2) AND (?3 = 0 OR created < ?3)"
	    " ORDER BY created DESC, rowid DESC", INCIDENT_COLS);
	lock(rg);
	if (!(st = prepare(rg, sql, err, errlen)))
		goto out;
	bind_text(st, 1, status);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)until);
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
	unlock(rg);
	return ret;
}

int reg_history(struct reg *rg, const char *id,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct audit a;
	sqlite3_stmt *st;
	int rc, ret = -1;

	lock(rg);
	if (!(st = prepare(rg, "SELECT time, actor, action, reason FROM audit"
	    " WHERE incident = ? ORDER BY seq", err, errlen)))
		goto out;
	bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.time = (time_t)sqlite3_column_int64(st, 0);
		a.actor = (const char *)sqlite3_column_text(st, 1);
		a.action = (const char *)sqlite3_column_text(st, 2);
		a.reason = (const char *)sqlite3_column_text(st, 3);
		if (cb(&a, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "register: history %s: %s", id, sqlite3_errmsg(rg->db));
		goto done;
	}
	ret = 0;
done:
	sqlite3_finalize(st);
out:
	unlock(rg);
	return ret;
}
