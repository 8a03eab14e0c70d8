/*
 * bench_register.c — the register's figures of `make bench`, for one
 * location (a SQLite file or a postgresql:// URL; run.sh runs it on both,
 * PostgreSQL started by tests/pgserver.sh with fsync on):
 *
 *   build/bench/bench_register LOCATION [PASSWORD_FILE] [QUARANTINE_DIR]
 *
 *   holds/s   THREADS threads each doing what the milter does for a hold
 *             (dlp-milter's act.c record()): open the register (pooled on
 *             PostgreSQL), store a 20 KB message (held.h: a file fsync'ed
 *             and renamed, or bytea chunks), insert the incident with its
 *             audit row, close; on SQLite the inserts take turns on one
 *             mutex, as the daemon's do.  HOLDS holds in all.
 *   list      the register filled to 100,000 incidents (bulk SQL, not
 *             timed), then: the whole newest-first walk that `dlpctl list`
 *             prints, and the queue page (the 50 newest held incidents).
 *             Best of 3, milliseconds.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "mime/spool.h"
#include "quarantine/held.h"
#include "quarantine/store.h"
#include "register/register.h"

#define THREADS 4
#define HOLDS 2000
#define LIST_N 100000
#define MSG_BYTES (20 * 1024)

static const char *loc, *pwfile, *qdir;
static bool is_pg;
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;
static int next_hold, failures;
static char spool_dir[256];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make_incident(struct incident *inc, int i, const char *status)
{
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "20261206-B%06d", i);
	inc->created = time(NULL) - 100000 + i;
	inc->queue_id = strdup("4XyZ1abc");
	inc->sender = strdup("kakari@example.go.jp");
	inc->subject = strdup("名簿の送付について");
	inc->recipients = 2;
	inc->rcpt = json_pack("[ss]", "a@partner.example", "b@other.example");
	inc->rules = json_pack("[{s:s,s:s}]", "name", "personal_data_volume", "action", "hold");
	inc->findings = json_pack("{s:{s:i,s:[s]}}", "phone", "count", 49, "samples",
	    "090-****-5678");
	inc->parts = json_pack("[]");
	inc->action = strdup("hold");
	inc->status = strdup(status);
}

static struct spool *message(void)
{
	struct spool *sp = spool_new(spool_dir, 1024 * 1024);
	char line[80];

	for (size_t n = 0; n < MSG_BYTES; n += sizeof(line)) {
		memset(line, 'a' + (int)(n % 26), sizeof(line));
		line[sizeof(line) - 2] = '\r';
		line[sizeof(line) - 1] = '\n';
		spool_write(sp, line, sizeof(line));
	}
	return sp;
}

static void *holder(void *arg)
{
	struct spool *sp = message();
	char err[1024];
	struct incident inc;
	struct reg *rg;
	int i, rc;

	while ((i = __atomic_fetch_add(&next_hold, 1, __ATOMIC_SEQ_CST)) < HOLDS) {
		make_incident(&inc, i, "held");
		rc = -1;
		if ((rg = reg_connect(loc, pwfile, REG_RW, err, sizeof(err))) &&
		    held_put(rg, qdir, inc.id, sp, err, sizeof(err)) == 0) {
			if (!is_pg)
				pthread_mutex_lock(&write_mu);
			rc = reg_insert(rg, &inc, "dlp-milter", err, sizeof(err));
			if (!is_pg)
				pthread_mutex_unlock(&write_mu);
		}
		if (rc != 0 && __atomic_fetch_add(&failures, 1, __ATOMIC_SEQ_CST) == 0)
			fprintf(stderr, "bench_register: hold %d: %s\n", i, err);
		reg_close(rg);
		incident_clear(&inc);
	}
	spool_free(sp);
	return NULL;
}

/* The rest of LIST_N incidents in one bulk statement (not timed). */
static int fill(void)
{
	static const char sql[] =
		"INSERT INTO incidents (id, created, sender, subject, recipients, rcpt, rules,"
		" findings, parts, action, status, updated, updated_by, notices_planned)"
		" SELECT 'F' || n, %ld + n, 'kakari@example.go.jp', 'fill ' || n, 2,"
		" '[\"a@partner.example\"]', '[{\"name\":\"personal_data_volume\"}]', '{}', '[]',"
		" 'hold', CASE WHEN n %% 10 = 0 THEN 'held' ELSE 'released' END, %ld + n,"
		" 'dlp-milter', 1 FROM %s";
	char q[1024], from[128], pw[256] = "";
	long base = (long)time(NULL) - 2000000;
	int n = LIST_N - HOLDS;

	if (is_pg) {
		const char *k[] = { "dbname", "password", NULL }, *v[] = { loc, pw, NULL };
		FILE *f = pwfile ? fopen(pwfile, "r") : NULL;
		PGconn *c;
		PGresult *r;
		int ok;

		if (f && fgets(pw, sizeof(pw), f))
			pw[strcspn(pw, "\n")] = '\0';
		if (f)
			fclose(f);
		c = PQconnectdbParams(k, v, 1);
		snprintf(from, sizeof(from), "generate_series(1, %d) AS g(n)", n);
		snprintf(q, sizeof(q), sql, base, base, from);
		r = PQexec(c, q);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			fprintf(stderr, "bench_register: fill: %s", PQerrorMessage(c));
		PQclear(r);
		PQclear(PQexec(c, "ANALYZE"));
		PQfinish(c);
		return ok ? 0 : -1;
	}
	sqlite3 *db;
	char *msg = NULL;
	int rc;

	snprintf(from, sizeof(from), "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1"
	    " FROM s WHERE n < %d) SELECT n FROM s)", n);
	snprintf(q, sizeof(q), sql, base, base, from);
	if (sqlite3_open(loc, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, q, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "bench_register: fill: %s\n", msg);
	sqlite3_exec(db, "ANALYZE", NULL, NULL, NULL);
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

struct count {
	long n, stop;
};

static int count_cb(const struct incident *inc, void *arg)
{
	struct count *c = arg;

	return ++c->n == c->stop;
}

/* Best of 3 of reg_list(status, stop after `stop`), ms; *n the rows. */
static double time_list(struct reg *rg, const char *status, long stop, long *n)
{
	char err[512];
	double best = 1e9, t;

	for (int k = 0; k < 3; k++) {
		struct count c = { 0, stop };

		t = now_s();
		if (reg_list(rg, status, 0, 0, count_cb, &c, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench_register: list: %s\n", err);
			return -1;
		}
		t = (now_s() - t) * 1000;
		best = t < best ? t : best;
		*n = c.n;
	}
	return best;
}

int main(int argc, char **argv)
{
	char err[1024], tmpl[] = "/tmp/bench_register.XXXXXX";
	pthread_t t[THREADS];
	struct reg *rg;
	double t0, secs, all, page;
	long n_all, n_page;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_register LOCATION [PASSWORD_FILE] [QUARANTINE_DIR]\n");
		return 2;
	}
	loc = argv[1];
	pwfile = argc > 2 && *argv[2] ? argv[2] : NULL;
	is_pg = reg_location_is_url(loc);
	if (!mkdtemp(tmpl))
		return 1;
	snprintf(spool_dir, sizeof(spool_dir), "%s", tmpl);
	qdir = argc > 3 ? argv[3] : tmpl;
	if (store_init(qdir, err, sizeof(err)) < 0 ||
	    !(rg = reg_connect(loc, pwfile, REG_RW, err, sizeof(err)))) {
		fprintf(stderr, "bench_register: %s\n", err);
		return 1;
	}
	reg_close(rg);
	t0 = now_s();
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, holder, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	secs = now_s() - t0;
	printf("  %-10s holds/s %7.0f  (%d holds of %d KB, %d threads, %.1f s, %d failed)\n",
	    is_pg ? "postgresql" : "sqlite", HOLDS / secs, HOLDS, MSG_BYTES / 1024, THREADS, secs,
	    failures);
	if (fill() < 0 || !(rg = reg_connect(loc, pwfile, REG_RO, err, sizeof(err)))) {
		fprintf(stderr, "bench_register: %s\n", err);
		return 1;
	}
	all = time_list(rg, NULL, 0, &n_all);
	page = time_list(rg, "held", 50, &n_page);
	printf("  %-10s list of %ld incidents %7.0f ms; queue page (50 newest held) %6.1f ms\n",
	    is_pg ? "postgresql" : "sqlite", n_all, all, page);
	reg_close(rg);
	if (qdir != tmpl)
		rmdir(tmpl);	/* the spools stayed in memory: empty */
	return failures ? 1 : 0;
}
