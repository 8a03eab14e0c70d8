/*
 * pgtest.c — the private PostgreSQL of the unit tests (see pgtest.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pgtest.h"

static int run(const struct pgtest *t, const char *cmd)
{
	char line[512];
	int rc;

	snprintf(line, sizeof(line), "sh tests/pgserver.sh %s %s >%s.out 2>&1", cmd, t->dir,
	    t->dir);
	rc = system(line);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int pgtest_start(struct pgtest *t)
{
	char path[128];
	FILE *f;
	int rc;

	memset(t, 0, sizeof(*t));
	if (access("tests/pgserver.sh", R_OK) != 0) {
		snprintf(t->absent, sizeof(t->absent), "tests/pgserver.sh not found (run from the "
		    "source tree)");
		return 1;
	}
	snprintf(t->dir, sizeof(t->dir), "/tmp/dlp-pgtest.XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	if ((rc = run(t, "start")) != 0) {
		snprintf(path, sizeof(path), "%s.out", t->dir);
		if ((f = fopen(path, "r"))) {
			if (!fgets(t->absent, sizeof(t->absent), f))
				t->absent[0] = '\0';
			fclose(f);
		}
		t->absent[strcspn(t->absent, "\n")] = '\0';
		return rc == 77 ? 1 : -1;
	}
	snprintf(path, sizeof(path), "%s/url", t->dir);
	if (!(f = fopen(path, "r")) || !fgets(t->url, sizeof(t->url), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	t->url[strcspn(t->url, "\n")] = '\0';
	snprintf(t->password_file, sizeof(t->password_file), "%s/password", t->dir);
	return 0;
}

int pgtest_stop(struct pgtest *t, int kill)
{
	return run(t, kill ? "kill" : "stop") == 0 ? 0 : -1;
}

int pgtest_restart(struct pgtest *t)
{
	return run(t, "start") == 0 ? 0 : -1;
}

int pgtest_new_db(struct pgtest *t, char *url, size_t len)
{
	static int n;
	char pw[128] = "", name[64], sql[128], path[160];
	const char *keys[] = { "dbname", "password", NULL }, *vals[] = { t->url, pw, NULL };
	PGresult *r;
	PGconn *c;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s", t->password_file);
	if ((f = fopen(path, "r"))) {
		if (!fgets(pw, sizeof(pw), f))
			pw[0] = '\0';
		fclose(f);
	}
	pw[strcspn(pw, "\n")] = '\0';
	c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgtest: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	snprintf(name, sizeof(name), "t%d_%d", (int)getpid(), ++n);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "pgtest: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	snprintf(url, len, "%.*s/%s", (int)(strrchr(t->url, '/') - t->url), t->url, name);
	return ok ? 0 : -1;
}

void pgtest_end(struct pgtest *t)
{
	char cmd[160];

	if (!t->dir[0])
		return;
	pgtest_stop(t, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s.out", t->dir, t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "pgtest: could not remove %s\n", t->dir);
}
