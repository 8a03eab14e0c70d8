/*
 * test_register.c — the SQLite incident register: schema and migration,
 * round trip of every field, list order and filters, compare-and-set of
 * the status under two concurrent connections (threads and processes),
 * audit rows, and the plain errors on open.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "register/backend.h"	/* reg_schema_version */
#include "register/register.h"

struct fx {
	char dir[64];
	char path[128];
};

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_register.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/incidents.db", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct reg *open_rw(const char *path)
{
	char err[256] = "";
	struct reg *rg = reg_open(path, REG_RW, err, sizeof(err));

	if (!rg)
		fail_msg("reg_open: %s", err);
	return rg;
}

/* An incident with every field set; id given, created at t. */
static void make_incident(struct incident *inc, const char *id, time_t t, const char *status)
{
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s", id);
	inc->created = t;
	inc->queue_id = strdup("4XyZ1abc");
	inc->message_id = strdup("<m1@example.go.jp>");
	inc->sender = strdup("taro@example.go.jp");
	inc->subject = strdup("名簿の送付について");
	inc->recipients = 144;
	inc->external = 140;
	inc->external_visible = 139;
	inc->external_domains = 12;
	inc->rcpt = json_pack("[ss]", "a@partner.example", "b@example.go.jp");
	inc->rules = json_pack("[{s:s,s:s,s:s}]", "name", "mass_recipients", "action", "hold",
	    "reason", "外部宛先が多すぎます");
	inc->findings = json_pack("{s:{s:i,s:[s]}}", "phone", "count", 49, "samples",
	    "090-****-5678");
	inc->parts = json_pack("[{s:s,s:s,s:{s:i}}]", "path", "2", "filename", "名簿.xlsx",
	    "findings", "phone", 49);
	inc->action = strdup(strcmp(status, "rejected") == 0 ? "reject" : "hold");
	inc->status = strdup(status);
}

static int user_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void set_user_version(const char *path, int v)
{
	char sql[64];
	sqlite3 *db;

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_schema_create_and_reopen(void **state)
{
	struct fx *fx = *state;
	char err[256] = "", wal[160];
	struct stat sb;
	struct reg *rg;

	rg = open_rw(fx->path);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(wal, sizeof(wal), "%s-wal", fx->path);
	assert_int_equal(access(wal, F_OK), 0);	/* WAL journal in use */
	reg_close(rg);
	assert_int_equal(user_version(fx->path), reg_schema_version);

	/* Re-open at the current version: no migration, both modes. */
	rg = open_rw(fx->path);
	reg_close(rg);
	assert_int_equal(user_version(fx->path), reg_schema_version);
	rg = reg_open(fx->path, REG_RO, err, sizeof(err));
	assert_non_null(rg);
	reg_close(rg);

	/* A register from a newer program is refused, not touched. */
	char want[64];

	set_user_version(fx->path, reg_schema_version + 1);
	assert_null(reg_open(fx->path, REG_RW, err, sizeof(err)));
	snprintf(want, sizeof(want), "schema version %d is newer", reg_schema_version + 1);
	assert_non_null(strstr(err, want));
	assert_int_equal(user_version(fx->path), reg_schema_version + 1);
}

static void test_migrates_empty_file(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct incident inc, got;
	struct reg *rg;
	FILE *fp;

	/* An empty file (version 0), as left by a crash before the first
	 * migration: read-only refuses it, read-write migrates it. */
	fp = fopen(fx->path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_null(reg_open(fx->path, REG_RO, err, sizeof(err)));
	assert_non_null(strstr(err, "schema version 0"));
	rg = open_rw(fx->path);
	make_incident(&inc, "20260101-AAAAAA", 1767225600, "held");
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
	assert_int_equal(reg_get(rg, inc.id, &got, err, sizeof(err)), 0);
	incident_clear(&got);
	incident_clear(&inc);
	reg_close(rg);
}

static void assert_str_eq_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void test_insert_get_round_trip(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct incident inc, got;
	struct reg *rg = open_rw(fx->path);

	make_incident(&inc, "20261125-K3M9QX", 1795000000, "held");
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
	assert_int_equal(reg_get(rg, "20261125-K3M9QX", &got, err, sizeof(err)), 0);
	assert_string_equal(got.id, inc.id);
	assert_int_equal(got.created, inc.created);
	assert_str_eq_null(got.queue_id, inc.queue_id);
	assert_str_eq_null(got.message_id, inc.message_id);
	assert_str_eq_null(got.sender, inc.sender);
	assert_str_eq_null(got.subject, inc.subject);
	assert_int_equal(got.recipients, 144);
	assert_int_equal(got.external, 140);
	assert_int_equal(got.external_visible, 139);
	assert_int_equal(got.external_domains, 12);
	assert_true(json_equal(got.rcpt, inc.rcpt));
	assert_true(json_equal(got.rules, inc.rules));
	assert_true(json_equal(got.findings, inc.findings));
	assert_true(json_equal(got.parts, inc.parts));
	assert_string_equal(got.action, "hold");
	assert_string_equal(got.status, "held");
	assert_int_equal(got.updated, inc.created);
	assert_string_equal(got.updated_by, "dlp-milter");
	incident_clear(&got);

	/* The same id twice is refused and leaves the first row alone. */
	free(inc.subject);
	inc.subject = strdup("other");
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(reg_get(rg, inc.id, &got, err, sizeof(err)), 0);
	assert_string_equal(got.subject, "名簿の送付について");
	incident_clear(&got);
	incident_clear(&inc);

	/* NULL strings and JSON come back as NULL strings and empty JSON. */
	memset(&inc, 0, sizeof(inc));
	snprintf(inc.id, sizeof(inc.id), "20261125-NULL22");
	inc.created = 1795000001;
	inc.sender = strdup("");
	inc.action = strdup("reject");
	inc.status = strdup("rejected");
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
	assert_int_equal(reg_get(rg, inc.id, &got, err, sizeof(err)), 0);
	assert_null(got.subject);
	assert_null(got.queue_id);
	assert_string_equal(got.sender, "");
	assert_true(json_is_array(got.rcpt) && json_array_size(got.rcpt) == 0);
	assert_true(json_is_object(got.findings) && json_object_size(got.findings) == 0);
	incident_clear(&got);
	incident_clear(&inc);

	assert_int_equal(reg_get(rg, "20261125-ABSENT", &got, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no incident 20261125-ABSENT"));
	reg_close(rg);
}

static void test_insert_rejects_unknown_status(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct incident inc;
	struct reg *rg = open_rw(fx->path);

	make_incident(&inc, "20261125-BADST8", 1795000000, "held");
	free(inc.status);
	inc.status = strdup("maybe");
	assert_int_equal(reg_insert(rg, &inc, "t", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "status"));
	incident_clear(&inc);
	reg_close(rg);
}

struct collect {
	char ids[16][32];
	size_t n, stop_after;
	struct reg *rg;		/* when set, the callback writes an audit row */
	int expire;		/* and moves the incident from held to expired */
};

static int collect_cb(const struct incident *inc, void *arg)
{
	struct collect *c = arg;
	char err[256];

	snprintf(c->ids[c->n++], 32, "%s", inc->id);
	if (c->rg && reg_audit(c->rg, inc->id, "lister", "seen", NULL, err, sizeof(err)) < 0)
		fail_msg("reg_audit in callback: %s", err);
	if (c->expire && reg_set_status(c->rg, inc->id, "held", "expired", "lister", "old",
	    err, sizeof(err)) != 0)
		fail_msg("reg_set_status in callback: %s", err);
	return c->stop_after && c->n >= c->stop_after;
}

static void list(struct reg *rg, const char *status, time_t since, time_t until,
    struct collect *c)
{
	char err[256] = "";

	c->n = 0;
	if (reg_list(rg, status, since, until, collect_cb, c, err, sizeof(err)) < 0)
		fail_msg("reg_list: %s", err);
}

static void test_list_order_and_filters(void **state)
{
	static const struct { const char *id; time_t t; const char *status; } rows[] = {
		{ "20260101-AAAAA2", 1000, "held" },
		{ "20260101-AAAAA3", 3000, "rejected" },
		{ "20260101-AAAAA4", 2000, "held" },
		{ "20260101-AAAAA5", 3000, "held" },	/* same second as A3, inserted later */
		{ "20260101-AAAAA6", 500, "released" },
	};
	struct fx *fx = *state;
	char err[256] = "";
	struct collect c = { .n = 0 };
	struct incident inc;
	struct reg *rg = open_rw(fx->path);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		make_incident(&inc, rows[i].id, rows[i].t, rows[i].status);
		assert_int_equal(reg_insert(rg, &inc, "t", err, sizeof(err)), 0);
		incident_clear(&inc);
	}
	list(rg, NULL, 0, 0, &c);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.ids[0], "20260101-AAAAA5");
	assert_string_equal(c.ids[1], "20260101-AAAAA3");
	assert_string_equal(c.ids[2], "20260101-AAAAA4");
	assert_string_equal(c.ids[3], "20260101-AAAAA2");
	assert_string_equal(c.ids[4], "20260101-AAAAA6");

	list(rg, "held", 0, 0, &c);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.ids[0], "20260101-AAAAA5");
	assert_string_equal(c.ids[2], "20260101-AAAAA2");

	list(rg, NULL, 2000, 0, &c);		/* since is inclusive */
	assert_int_equal(c.n, 3);
	assert_string_equal(c.ids[2], "20260101-AAAAA4");
	list(rg, NULL, 1000, 3000, &c);		/* until is exclusive */
	assert_int_equal(c.n, 2);
	assert_string_equal(c.ids[0], "20260101-AAAAA4");
	assert_string_equal(c.ids[1], "20260101-AAAAA2");
	list(rg, "rejected", 0, 2000, &c);
	assert_int_equal(c.n, 0);

	c.stop_after = 2;			/* the callback stops the walk */
	list(rg, NULL, 0, 0, &c);
	assert_int_equal(c.n, 2);

	c.stop_after = 0;			/* the callback may use the handle */
	c.rg = rg;
	list(rg, "held", 0, 0, &c);
	assert_int_equal(c.n, 3);
	c.expire = 1;				/* … even to change a status */
	list(rg, "held", 0, 0, &c);
	assert_int_equal(c.n, 3);
	c.rg = NULL;
	c.expire = 0;
	list(rg, "held", 0, 0, &c);
	assert_int_equal(c.n, 0);
	list(rg, "expired", 0, 0, &c);
	assert_int_equal(c.n, 3);
	reg_close(rg);
}

struct hist {
	char incidents[8][32];
	char actions[8][64];
	char reasons[8][64];
	char actors[8][32];
	size_t n;
};

static int hist_cb(const struct audit *a, void *arg)
{
	struct hist *h = arg;

	if (h->n < 8) {
		snprintf(h->actions[h->n], 64, "%s", a->action);
		snprintf(h->reasons[h->n], 64, "%s", a->reason ? a->reason : "(null)");
		snprintf(h->actors[h->n], 32, "%s", a->actor);
		snprintf(h->incidents[h->n], 32, "%s", a->incident ? a->incident : "(null)");
	}
	h->n++;
	return 0;
}

static void test_status_and_audit(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct hist h = { .n = 0 };
	struct incident inc, got;
	struct reg *rg = open_rw(fx->path);
	time_t before = time(NULL);

	make_incident(&inc, "20261125-STAT22", 1795000000, "held");
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
	assert_int_equal(reg_audit(rg, inc.id, "dlp-milter", "notice sent", "to taro", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_set_status(rg, inc.id, "held", "released", "admin1", "checked",
	    err, sizeof(err)), 0);
	/* A second release finds it released: 1, and err says so. */
	assert_int_equal(reg_set_status(rg, inc.id, "held", "released", "admin2", NULL,
	    err, sizeof(err)), 1);
	assert_non_null(strstr(err, "is released, not held"));
	assert_int_equal(reg_set_status(rg, "20261125-NOSUCH", "held", "released", "admin2",
	    NULL, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no incident"));
	assert_int_equal(reg_set_status(rg, inc.id, "released", "bogus", "admin2", NULL,
	    err, sizeof(err)), -1);
	assert_int_equal(reg_audit(rg, "20261125-NOSUCH", "x", "y", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no incident"));

	assert_int_equal(reg_get(rg, inc.id, &got, err, sizeof(err)), 0);
	assert_string_equal(got.status, "released");
	assert_string_equal(got.updated_by, "admin1");
	assert_true(got.updated >= before && got.updated <= time(NULL));
	incident_clear(&got);

	assert_int_equal(reg_history(rg, inc.id, hist_cb, &h, err, sizeof(err)), 0);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.actions[0], "created held");
	assert_string_equal(h.actors[0], "dlp-milter");
	assert_string_equal(h.actions[1], "notice sent");
	assert_string_equal(h.reasons[1], "to taro");
	assert_string_equal(h.actions[2], "held -> released");
	assert_string_equal(h.actors[2], "admin1");
	assert_string_equal(h.reasons[2], "checked");
	h.n = 0;
	assert_int_equal(reg_history(rg, "20261125-NOSUCH", hist_cb, &h, err, sizeof(err)), 0);
	assert_int_equal(h.n, 0);

	/* The whole trail across incidents, by time. */
	incident_clear(&inc);
	make_incident(&inc, "20261125-OTHER2", 1795000100, "held");
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
	h.n = 0;
	assert_int_equal(reg_audit_list(rg, 0, 0, hist_cb, &h, err, sizeof(err)), 0);
	assert_int_equal(h.n, 4);
	assert_string_equal(h.incidents[0], "20261125-STAT22");
	assert_string_equal(h.incidents[3], "20261125-OTHER2");
	h.n = 0;	/* created rows carry the incident's time: 1795000100 only */
	assert_int_equal(reg_audit_list(rg, 1795000050, 1795000200, hist_cb, &h, err,
	    sizeof(err)), 0);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.actions[0], "created held");
	h.n = 0;
	assert_int_equal(reg_audit_list(rg, time(NULL) + 3600, 0, hist_cb, &h, err,
	    sizeof(err)), 0);
	assert_int_equal(h.n, 0);
	incident_clear(&inc);
	reg_close(rg);
}

/* The compare-and-set with an age: only a change older than `before`
 * applies (taking over an abandoned claim); a newer one is left alone. */
static void test_set_status_before(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct incident inc, got;
	struct reg *rg = open_rw(fx->path);
	time_t now = time(NULL);

	make_incident(&inc, "20261125-AGE222", now, "held");
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
	assert_int_equal(reg_set_status(rg, inc.id, "held", "releasing", "admin1", NULL,
	    err, sizeof(err)), 0);
	/* the claim is fresh (updated now): not taken over */
	assert_int_equal(reg_set_status_before(rg, inc.id, "releasing", "held", now - 600,
	    "admin2", "--force", err, sizeof(err)), 1);
	assert_non_null(strstr(err, "changed after"));
	assert_int_equal(reg_get(rg, inc.id, &got, err, sizeof(err)), 0);
	assert_string_equal(got.status, "releasing");
	assert_string_equal(got.updated_by, "admin1");
	incident_clear(&got);
	/* an old enough claim is */
	assert_int_equal(reg_set_status_before(rg, inc.id, "releasing", "held", now + 1,
	    "admin2", "--force", err, sizeof(err)), 0);
	assert_int_equal(reg_get(rg, inc.id, &got, err, sizeof(err)), 0);
	assert_string_equal(got.status, "held");
	assert_string_equal(got.updated_by, "admin2");
	incident_clear(&got);
	/* wrong status still says so */
	assert_int_equal(reg_set_status_before(rg, inc.id, "releasing", "held", now + 1,
	    "admin2", NULL, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "is held, not releasing"));
	incident_clear(&inc);
	reg_close(rg);
}

/* A URL names a backend; one this build lacks is refused plainly. */
static void test_unknown_backend(void **state)
{
	char err[256] = "";

	(void)state;
	assert_null(reg_open("mysql://db.example/dlp", REG_RW, err, sizeof(err)));
	assert_non_null(strstr(err, "no backend for mysql://"));
}

#define RACE_N 40

struct racer {
	const char *path;
	pthread_barrier_t *start;
	const char *actor;
	int won[RACE_N];
	int errors;
};

static void race_id(char id[32], int i)
{
	snprintf(id, 32, "20261125-RACE%02d", i);
}

/* Each racer opens its own connection and tries to release every incident. */
static void *racer_run(void *arg)
{
	struct racer *r = arg;
	char err[256], id[32];
	struct reg *rg = reg_open(r->path, REG_RW, err, sizeof(err));

	if (!rg) {
		r->errors++;
		return NULL;
	}
	if (r->start)
		pthread_barrier_wait(r->start);
	for (int i = 0; i < RACE_N; i++) {
		race_id(id, i);
		int rc = reg_set_status(rg, id, "held", "released", r->actor, NULL, err,
		    sizeof(err));
		if (rc == 0)
			r->won[i] = 1;
		else if (rc < 0)
			r->errors++;
	}
	reg_close(rg);
	return NULL;
}

static void fill_race(const char *path)
{
	char err[256] = "", id[32];
	struct incident inc;
	struct reg *rg = open_rw(path);

	for (int i = 0; i < RACE_N; i++) {
		race_id(id, i);
		make_incident(&inc, id, 1795000000 + i, "held");
		assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
		incident_clear(&inc);
	}
	reg_close(rg);
}

/* Exactly one winner per incident, and exactly one status audit row. */
static void check_race(const char *path, const int *a, const int *b)
{
	char err[256] = "", id[32];
	struct reg *rg = open_rw(path);
	struct hist h;

	for (int i = 0; i < RACE_N; i++) {
		assert_int_equal(a[i] + b[i], 1);
		race_id(id, i);
		memset(&h, 0, sizeof(h));
		assert_int_equal(reg_history(rg, id, hist_cb, &h, err, sizeof(err)), 0);
		assert_int_equal(h.n, 2);
		assert_string_equal(h.actions[1], "held -> released");
		assert_string_equal(h.actors[1], a[i] ? "racer-a" : "racer-b");
	}
	reg_close(rg);
}

static void test_cas_two_threads(void **state)
{
	struct fx *fx = *state;
	pthread_barrier_t start;
	struct racer a = { .path = fx->path, .start = &start, .actor = "racer-a" };
	struct racer b = { .path = fx->path, .start = &start, .actor = "racer-b" };
	pthread_t ta, tb;

	fill_race(fx->path);
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&ta, NULL, racer_run, &a);
	pthread_create(&tb, NULL, racer_run, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&start);
	assert_int_equal(a.errors + b.errors, 0);
	check_race(fx->path, a.won, b.won);
}

static void test_cas_two_processes(void **state)
{
	struct fx *fx = *state;
	struct racer a = { .path = fx->path, .actor = "racer-a" };
	struct racer b = { .path = fx->path, .actor = "racer-b" };
	int fds[2], go[2], status;
	char c = 'g';
	pid_t pid;

	fill_race(fx->path);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		racer_run(&b);
		_exit(write(fds[1], &b, sizeof(b)) == (ssize_t)sizeof(b) ? 0 : 2);
	}
	close(fds[1]);
	close(go[0]);
	assert_int_equal(write(go[1], &c, 1), 1);
	racer_run(&a);
	assert_int_equal(read(fds[0], &b, sizeof(b)), (ssize_t)sizeof(b));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fds[0]);
	close(go[1]);
	assert_int_equal(a.errors + b.errors, 0);
	check_race(fx->path, a.won, b.won);
}

static void test_open_missing_read_only(void **state)
{
	struct fx *fx = *state;
	char err[256] = "", want[256];

	assert_null(reg_open(fx->path, REG_RO, err, sizeof(err)));
	snprintf(want, sizeof(want), "cannot open register %s read-only: no such file or "
	    "directory", fx->path);
	assert_string_equal(err, want);
	assert_int_equal(access(fx->path, F_OK), -1);	/* nothing created */
}

static void test_not_a_database(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	FILE *fp = fopen(fx->path, "w");

	assert_non_null(fp);
	fputs("this is a text file, not an SQLite database, and it is long enough "
	    "to fill the first page header of one.\n", fp);
	fclose(fp);
	assert_null(reg_open(fx->path, REG_RW, err, sizeof(err)));
	assert_non_null(strstr(err, "not a database"));
	assert_null(reg_open(fx->path, REG_RO, err, sizeof(err)));
	assert_non_null(strstr(err, "not a database"));
}

static void test_read_only_cannot_write(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct incident inc;
	struct reg *rg;

	reg_close(open_rw(fx->path));
	rg = reg_open(fx->path, REG_RO, err, sizeof(err));
	assert_non_null(rg);
	make_incident(&inc, "20261125-RDONLY", 1795000000, "held");
	assert_int_equal(reg_insert(rg, &inc, "t", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "readonly"));
	incident_clear(&inc);
	reg_close(rg);
}

/* Open read-write as an unprivileged user: root would pass any mode bits,
 * so as root the open is done in a child that drops to nobody. */
static void test_permission_denied(void **state)
{
	struct fx *fx = *state;
	char err[512] = "", want[512];
	struct passwd *pw = getpwnam("nobody");
	int fds[2], status;
	pid_t pid;

	reg_close(open_rw(fx->path));
	assert_int_equal(chmod(fx->dir, 0755), 0);
	snprintf(want, sizeof(want), "cannot open register %s read-write: permission denied"
	    " — run dlpctl as the dlp-milter user or root", fx->path);
	if (geteuid() != 0) {
		assert_int_equal(chmod(fx->path, 0400), 0);
		assert_null(reg_open(fx->path, REG_RW, err, sizeof(err)));
		assert_string_equal(err, want);
		return;
	}
	assert_non_null(pw);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct reg *rg;
		close(fds[0]);
		if (setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
			_exit(3);
		rg = reg_open(fx->path, REG_RW, err, sizeof(err));
		if (write(fds[1], err, sizeof(err)) != (ssize_t)sizeof(err))
			_exit(4);
		_exit(rg ? 1 : 0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], err, sizeof(err)), (ssize_t)sizeof(err));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(err, want);
}

static void test_new_id(void **state)
{
	static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	enum { N = 2000 };
	char (*ids)[32] = calloc(N, 32);
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 25, .tm_hour = 12,
	    .tm_isdst = -1 };
	time_t t = mktime(&tm);
	int seen[32] = { 0 }, same = 0;

	for (int i = 0; i < N; i++) {
		reg_new_id(ids[i], t);
		assert_int_equal(strlen(ids[i]), 15);
		assert_memory_equal(ids[i], "20261125-", 9);
		for (int k = 9; k < 15; k++) {
			const char *p = strchr(alphabet, ids[i][k]);
			assert_non_null(p);
			seen[p - alphabet]++;
		}
		for (int j = 0; j < i; j++)
			same += strcmp(ids[i], ids[j]) == 0;
	}
	/* 30 random bits a day: two of 2,000 ids are the same in about 0.2 %
	 * of runs (in the daemon a taken id fails the insert, the hold answers
	 * tempfail and the MTA's retry draws another: nothing is lost), three
	 * or more about once in 10^9 runs.  More means the bits are not random. */
	assert_true(same <= 2);
	for (int k = 0; k < 32; k++)	/* every symbol is used: 12000 draws */
		assert_true(seen[k] > 0);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_create_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_get_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_rejects_unknown_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_order_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_status_before, setup, teardown),
		cmocka_unit_test(test_unknown_backend),
		cmocka_unit_test_setup_teardown(test_cas_two_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_two_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_cannot_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_denied, setup, teardown),
		cmocka_unit_test(test_new_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
