/*
 * store.h — the durable message store of the quarantine.
 *
 * <dir>/tmp/<id>.eml is written (mode 0600), fsync'ed, renamed to
 * <dir>/msg/<id>.eml, and the directory fsync'ed: once store_put returns 0
 * the message survives a crash.  Names are incident ids, never anything
 * taken from the message.
 *
 * The milter, release and dlpctl do not call this directly but held.h,
 * which uses it for a SQLite register and the register's database for a
 * PostgreSQL one.
 */
#ifndef DLP_STORE_H
#define DLP_STORE_H

#include <stddef.h>

struct spool;

/* Create dir, dir/tmp and dir/msg (0700) if missing.  0 or -1 with err. */
int store_init(const char *dir, char *err, size_t errlen);
/* Store the spooled message under id.  0 or -1 with err; nothing is left
 * behind on failure. */
int store_put(const char *dir, const char *id, struct spool *sp, char *err, size_t errlen);
/* Path of a stored message into buf. */
void store_path(const char *dir, const char *id, char *buf, size_t len);
/* Read a stored message: malloc'd bytes and length, or NULL with err. */
unsigned char *store_get(const char *dir, const char *id, size_t *len, char *err, size_t errlen);
/* Remove a stored message (missing is not an error).  0 or -1 with err. */
int store_remove(const char *dir, const char *id, char *err, size_t errlen);

#endif
