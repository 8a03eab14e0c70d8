/*
 * held.h — the held copy of an incident, wherever its register keeps it:
 * in the register's database when its backend stores messages
 * (PostgreSQL, reg_keeps_messages: every node sees every copy), else in
 * the quarantine directory's files (store.h; SQLite, one node).
 *
 * The milter, release, delete, purge and `dlpctl show` call these, never
 * store.h or reg_msg_* directly, so they work the same on both.
 */
#ifndef DLP_HELD_H
#define DLP_HELD_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct reg;
struct spool;

/* Store the spooled message under id (durable when 0 is returned: the
 * file fsync'ed and renamed, or the transaction committed).  0 or -1 with
 * err; nothing is left behind on failure. */
int held_put(struct reg *rg, const char *qdir, const char *id, struct spool *sp, char *err,
    size_t errlen);
/* The stored bytes of id, malloc'd (NUL after the end), or NULL with err;
 * *missing (may be NULL) tells that there is none. */
unsigned char *held_get(struct reg *rg, const char *qdir, const char *id, size_t *len,
    int *missing, char *err, size_t errlen);
/* Write the stored bytes of id to f, chunk by chunk.  0, 1 when there is
 * none, -1 with err. */
int held_write(struct reg *rg, const char *qdir, const char *id, FILE *f, char *err,
    size_t errlen);
/* Size of the stored copy: >= 0, -2 when there is none (where says where
 * it was looked for), -1 with err. */
long long held_size(struct reg *rg, const char *qdir, const char *id, char *where,
    size_t wherelen);
/* The stored copy read as a stream, for a release: a chunk of the
 * database (or a block of the file) at a time.  held_stream_open: NULL
 * with err (*missing set when there is none).  held_stream_read has
 * smtp_msg's read signature: bytes, 0 at the end, -1 on an error (a copy
 * found shorter or longer than its recorded size is an error, which
 * held_stream_error says; NULL while there is none).  held_stream_close accepts NULL. */
struct held_stream;
struct held_stream *held_stream_open(struct reg *rg, const char *qdir, const char *id,
    int *missing, char *err, size_t errlen);
long held_stream_read(void *hs, void *buf, size_t len);
const char *held_stream_error(const struct held_stream *hs);
void held_stream_close(struct held_stream *hs);
/* Remove the stored copy (missing is no error).  0 or -1 with err. */
int held_remove(struct reg *rg, const char *qdir, const char *id, char *err, size_t errlen);

#endif
