/*
 * spool.h — the bytes of one message as received: in memory up to a
 * limit, then in an unnamed temp file (created and at once unlinked under
 * the spool directory), so a 50 MB message is never held in memory.
 */
#ifndef DLP_SPOOL_H
#define DLP_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

struct spool;

struct spool *spool_new(const char *dir, size_t mem_limit);
/* Append.  Returns 0, or -1 with errno set (temp file could not be written). */
int spool_write(struct spool *sp, const void *buf, size_t len);
size_t spool_size(const struct spool *sp);
/* Read-only view of the whole message: memory, or a private mapping of the
 * temp file.  Valid until spool_free().  NULL on failure (errno set). */
const unsigned char *spool_data(struct spool *sp);
/* Up to len bytes of the message from offset off into buf (memory or the
 * temp file, whose offset is not used).  Returns the bytes read (fewer only
 * at the end of the message), or -1 with errno set. */
ssize_t spool_read(const struct spool *sp, size_t off, void *buf, size_t len);
/* Write the whole message to fd.  Returns 0, or -1 with errno set. */
int spool_copy_to(struct spool *sp, int fd);
/* True while the message is held in memory. */
int spool_in_memory(const struct spool *sp);
/* The temp file holding the message once it left memory, else -1.  Owned
 * by the spool (do not close it); the spool writes with pwrite, so a
 * reader may move the file offset (or read a dup of it). */
int spool_fd(const struct spool *sp);
void spool_free(struct spool *sp);

#endif
