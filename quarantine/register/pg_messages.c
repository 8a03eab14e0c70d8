/*
 * pg_messages.c — held messages in PostgreSQL (register.h reg_msg_*):
 * messages (id, created, size, chunks) and message_chunks (id, n, data
 * bytea), CHUNK bytes a row.
 *
 * Streamed both ways: a put reads CHUNK bytes from its source, sends them
 * as one binary parameter and reads the next, all in one transaction (a
 * message is there whole or not at all); a read fetches one chunk a query
 * inside a REPEATABLE READ transaction (a delete meanwhile does not cut a
 * message short).  At most one chunk is in memory either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/pg.h"

#define CHUNK (256 * 1024)

/* Insert the chunks of the message read by rd (inside the transaction).
 * Its total size, or -1 with err. */
static long long put_chunks(struct pg_reg *p, const char *id,
    long (*rd)(void *arg, void *buf, size_t len), void *arg, long long *chunks, char *err,
    size_t errlen)
{
	char *buf = malloc(CHUNK), nb[24];
	const char *v[3] = { id, nb, NULL };
	int lens[3] = { 0, 0, 0 }, fmts[3] = { 0, 0, 1 };
	long long total = 0;
	PGresult *r;
	long got;
	size_t fill;

	if (!buf) {
		snprintf(err, errlen, "register: out of memory");
		return -1;
	}
	for (*chunks = 0; ; (*chunks)++) {
		for (fill = 0; fill < CHUNK; fill += (size_t)got)
			if ((got = rd(arg, buf + fill, CHUNK - fill)) <= 0)
				break;
		if (got < 0) {
			snprintf(err, errlen, "register: cannot read the message to store");
			goto fail;
		}
		if (fill == 0 && *chunks > 0)
			break;
		pg_num(nb, sizeof(nb), *chunks);
		v[2] = buf;
		lens[2] = (int)fill;
		if (!(r = pg_exec_bin(p, "INSERT INTO message_chunks (id, n, data) VALUES ($1, $2,"
		    " $3)", 3, v, lens, fmts, 0, "store message", err, errlen)))
			goto fail;
		PQclear(r);
		total += (long long)fill;
		if (fill < CHUNK) {
			(*chunks)++;
			break;
		}
	}
	free(buf);
	return total;
fail:
	free(buf);
	return -1;
}

int pg_msg_put(struct reg *rg, const char *id, long (*rd)(void *arg, void *buf, size_t len),
    void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char tb[24], sb[24], cb[24];
	const char *v[4] = { id, pg_num(tb, sizeof(tb), time(NULL)), sb, cb };
	long long size, chunks;
	PGresult *r;

	pg_lock(p);
	if (pg_begin(p, "store message", err, errlen) < 0)
		goto fail;
	if (!(r = pg_exec(p, "INSERT INTO messages (id, created) VALUES ($1, $2)", 2, v,
	    "store message", err, errlen))) {
		if (pg_failed_with(p, "23505"))
			snprintf(err, errlen, "store: a stored message with id %s exists", id);
		goto fail;
	}
	PQclear(r);
	if ((size = put_chunks(p, id, rd, arg, &chunks, err, errlen)) < 0)
		goto fail;
	pg_num(sb, sizeof(sb), size);
	pg_num(cb, sizeof(cb), chunks);
	if (!(r = pg_exec(p, "UPDATE messages SET size = $3, chunks = $4 WHERE id = $1 AND"
	    " created = $2", 4, v, "store message", err, errlen)))
		goto fail;
	PQclear(r);
	if (pg_commit(p, "store message", NULL, err, errlen) < 0)
		goto fail;
	pg_unlock(p);
	return 0;
fail:
	pg_rollback(p);
	pg_unlock(p);
	return -1;
}

int pg_msg_read(struct reg *rg, const char *id,
    int (*out)(void *arg, const void *buf, size_t len), void *arg, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char nb[24];
	const char *v[2] = { id, nb };
	long long chunks;
	PGresult *r;
	int rc = -1;

	pg_lock(p);
	if (pg_cmd(p, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "read message", err,
	    errlen) < 0 || !(r = pg_exec(p, "SELECT chunks FROM messages WHERE id = $1", 1, v,
	    "read message", err, errlen)))
		goto out;
	if (PQntuples(r) == 0) {
		snprintf(err, errlen, "no stored message for %s (in the register's database)", id);
		PQclear(r);
		rc = 1;
		goto out;
	}
	chunks = pg_ll(r, 0, 0);
	PQclear(r);
	for (long long n = 0; n < chunks; n++) {
		pg_num(nb, sizeof(nb), n);
		if (!(r = pg_exec_bin(p, "SELECT data FROM message_chunks WHERE id = $1 AND n = $2",
		    2, v, NULL, NULL, 1, "read message", err, errlen)))
			goto out;
		if (PQntuples(r) != 1) {
			snprintf(err, errlen, "stored message %s lacks part %lld of %lld", id, n,
			    chunks);
			PQclear(r);
			goto out;
		}
		if (out(arg, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0)) != 0) {
			snprintf(err, errlen, "store: cannot pass on message %s", id);
			PQclear(r);
			goto out;
		}
		PQclear(r);
	}
	rc = 0;
out:
	pg_rollback(p);	/* a read-only transaction: nothing to keep */
	pg_unlock(p);
	return rc;
}

int pg_msg_chunk(struct reg *rg, const char *id, long long n, unsigned char **data,
    size_t *len, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char nb[24];
	const char *v[2] = { id, pg_num(nb, sizeof(nb), n) };
	PGresult *r;
	int rc = 1;

	*data = NULL;
	*len = 0;
	pg_lock(p);
	r = pg_exec_bin(p, "SELECT data FROM message_chunks WHERE id = $1 AND n = $2", 2, v, NULL,
	    NULL, 1, "read message", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		*len = (size_t)PQgetlength(r, 0, 0);
		if ((*data = malloc(*len + 1))) {
			memcpy(*data, PQgetvalue(r, 0, 0), *len);
			rc = 0;
		} else {
			snprintf(err, errlen, "register: out of memory");
			rc = -1;
		}
	}
	PQclear(r);
	return rc;
}

long long pg_msg_size(struct reg *rg, const char *id, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { id };
	long long size;
	PGresult *r;

	pg_lock(p);
	r = pg_exec(p, "SELECT size FROM messages WHERE id = $1", 1, v, "message size", err,
	    errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	size = PQntuples(r) == 1 ? pg_ll(r, 0, 0) : -2;
	PQclear(r);
	return size;
}

int pg_msg_remove(struct reg *rg, const char *id, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	const char *v[1] = { id };
	PGresult *r;

	pg_lock(p);
	r = pg_exec(p, "DELETE FROM messages WHERE id = $1", 1, v, "remove message", err,
	    errlen);
	pg_unlock(p);
	PQclear(r);
	return r ? 0 : -1;
}

int pg_msg_orphans(struct reg *rg, time_t cutoff, int *removed, char *err, size_t errlen)
{
	struct pg_reg *p = pgr(rg);
	char cb[24];
	const char *v[1] = { pg_num(cb, sizeof(cb), cutoff) };
	PGresult *r;

	pg_lock(p);
	r = pg_exec(p, "DELETE FROM messages m WHERE created < $1 AND NOT EXISTS"
	    " (SELECT 1 FROM incidents i WHERE i.id = m.id)", 1, v, "purge orphans", err, errlen);
	pg_unlock(p);
	if (!r)
		return -1;
	*removed = atoi(PQcmdTuples(r));
	PQclear(r);
	return 0;
}
