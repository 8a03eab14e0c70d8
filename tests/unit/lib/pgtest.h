/*
 * pgtest.h — a private PostgreSQL server for unit tests (tests/pgserver.sh):
 * started once per test binary in a temp directory, a fresh database per
 * test, stopped and removed at the end.
 */
#ifndef DLP_PGTEST_H
#define DLP_PGTEST_H

#include <stddef.h>

struct pgtest {
	char dir[64];		/* the server's directory */
	char url[256];		/* postgresql://dlp@127.0.0.1:PORT/postgres */
	char password_file[128];
	char absent[256];	/* why there is no server ("" when there is one) */
};

/* Start the server.  0, or -1 with t->absent set (no initdb: skip the
 * PostgreSQL cases; any other failure: the caller fails). 1 when initdb is
 * missing. */
int pgtest_start(struct pgtest *t);
/* Stop (kill: immediate, as a crash) or start the same server again. */
int pgtest_stop(struct pgtest *t, int kill);
int pgtest_restart(struct pgtest *t);
/* A new empty database; its URL into url.  0 or -1. */
int pgtest_new_db(struct pgtest *t, char *url, size_t len);
/* Stop the server and remove its directory. */
void pgtest_end(struct pgtest *t);

#endif
