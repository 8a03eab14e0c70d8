/*
 * spool.c — a message's bytes: memory up to mem_limit, then an anonymous
 * temp file under dir (O_TMPFILE, else mkstemp + unlink at once), so the
 * file vanishes with the process and is never seen by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime/spool.h"

struct spool {
	char *dir;		/* temp file directory */
	size_t mem_limit;	/* bytes kept in memory */
	unsigned char *mem;	/* the message while in memory */
	size_t cap;		/* allocated bytes of mem */
	size_t size;		/* bytes written so far */
	int fd;			/* temp file once over mem_limit, else -1 */
	void *map;		/* private read-only mapping of fd, or NULL */
	size_t maplen;		/* bytes mapped */
};

struct spool *
spool_new(const char *dir, size_t mem_limit)
{
	struct spool *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	sp->dir = strdup(dir && *dir ? dir : "/tmp");
	if (!sp->dir) {
		free(sp);
		return NULL;
	}
	sp->mem_limit = mem_limit;
	sp->fd = -1;
	return sp;
}

/* Write all of buf to fd, restarting after EINTR and short writes. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write all of buf at offset off of fd (the file offset is not used: a
 * reader of spool_fd() may move it). */
static int
pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An unnamed file under dir: O_TMPFILE where the file system has it,
 * else a mkstemp name unlinked at once.  Returns the fd or -1. */
static int
open_anon(const char *dir)
{
	char path[4096];
	int fd;

	(void)mkdir(dir, 0700);
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (snprintf(path, sizeof(path), "%s/spool.XXXXXX", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -1;
	(void)unlink(path);
	return fd;
}

/* Move the in-memory bytes to a temp file.  Leaves sp unchanged on failure. */
static int
spool_to_file(struct spool *sp)
{
	int fd = open_anon(sp->dir);

	if (fd < 0)
		return -1;
	if (pwrite_all(fd, sp->mem, sp->size, 0) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	free(sp->mem);
	sp->mem = NULL;
	sp->cap = 0;
	sp->fd = fd;
	return 0;
}

static void
unmap(struct spool *sp)
{
	if (sp->map)
		munmap(sp->map, sp->maplen);
	sp->map = NULL;
	sp->maplen = 0;
}

int
spool_write(struct spool *sp, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (sp->fd < 0 && sp->size + len > sp->mem_limit && spool_to_file(sp) < 0)
		return -1;
	if (sp->fd >= 0) {
		unmap(sp);	/* a later spool_data() maps the new size */
		if (pwrite_all(sp->fd, buf, len, (off_t)sp->size) < 0)
			return -1;
		sp->size += len;
		return 0;
	}
	if (sp->size + len > sp->cap) {
		size_t cap = sp->cap ? sp->cap : 4096;
		unsigned char *p;

		while (cap < sp->size + len)
			cap *= 2;
		if (cap > sp->mem_limit)
			cap = sp->mem_limit;
		p = realloc(sp->mem, cap);
		if (!p)
			return -1;
		sp->mem = p;
		sp->cap = cap;
	}
	memcpy(sp->mem + sp->size, buf, len);
	sp->size += len;
	return 0;
}

size_t
spool_size(const struct spool *sp)
{
	return sp->size;
}

int
spool_in_memory(const struct spool *sp)
{
	return sp->fd < 0;
}

int
spool_fd(const struct spool *sp)
{
	return sp->fd;
}

const unsigned char *
spool_data(struct spool *sp)
{
	static const unsigned char empty[1];

	if (sp->fd < 0)
		return sp->mem ? sp->mem : empty;
	if (sp->map && sp->maplen == sp->size)
		return sp->map;
	unmap(sp);
	sp->map = mmap(NULL, sp->size, PROT_READ, MAP_PRIVATE, sp->fd, 0);
	if (sp->map == MAP_FAILED) {
		sp->map = NULL;
		return NULL;
	}
	sp->maplen = sp->size;
	return sp->map;
}

ssize_t
spool_read(const struct spool *sp, size_t off, void *buf, size_t len)
{
	size_t got = 0;

	if (off >= sp->size)
		return 0;
	if (len > sp->size - off)
		len = sp->size - off;
	if (sp->fd < 0) {
		memcpy(buf, sp->mem + off, len);
		return (ssize_t)len;
	}
	while (got < len) {
		ssize_t n = pread(sp->fd, (unsigned char *)buf + got, len - got,
		    (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;	/* the file shrank under us */
			return -1;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
spool_copy_to(struct spool *sp, int fd)
{
	unsigned char buf[65536];
	size_t off = 0;

	if (sp->fd < 0)
		return write_all(fd, sp->mem, sp->size);
	while (off < sp->size) {
		ssize_t n = spool_read(sp, off, buf, sizeof(buf));

		if (n < 0 || write_all(fd, buf, (size_t)n) < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

void
spool_free(struct spool *sp)
{
	if (!sp)
		return;
	unmap(sp);
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->mem);
	free(sp->dir);
	free(sp);
}
