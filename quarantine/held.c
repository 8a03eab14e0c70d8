/*
 * held.c — the held copy in the register or in the files (see held.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime/spool.h"
#include "quarantine/held.h"
#include "quarantine/store.h"
#include "register/register.h"

struct spool_reader {
	struct spool *sp;
	size_t off;
};

static long read_spool(void *arg, void *buf, size_t len)
{
	struct spool_reader *r = arg;
	ssize_t n = spool_read(r->sp, r->off, buf, len);

	if (n > 0)
		r->off += (size_t)n;
	return (long)n;
}

int held_put(struct reg *rg, const char *qdir, const char *id, struct spool *sp, char *err,
    size_t errlen)
{
	struct spool_reader r = { sp, 0 };

	if (!reg_keeps_messages(rg))
		return store_put(qdir, id, sp, err, errlen);
	if (reg_msg_put(rg, id, read_spool, &r, err, errlen) < 0)
		return -1;
	if (r.off != spool_size(sp)) {
		snprintf(err, errlen, "store: short copy of %s: %zu of %zu bytes", id, r.off,
		    spool_size(sp));
		reg_msg_remove(rg, id, NULL, 0);
		return -1;
	}
	return 0;
}

struct membuf {
	unsigned char *data;
	size_t len, cap;
};

static int to_mem(void *arg, const void *buf, size_t len)
{
	struct membuf *m = arg;
	unsigned char *p;

	if (m->len + len + 1 > m->cap) {
		m->cap = (m->len + len + 1) * 2;
		if (!(p = realloc(m->data, m->cap)))
			return -1;
		m->data = p;
	}
	memcpy(m->data + m->len, buf, len);
	m->len += len;
	m->data[m->len] = '\0';
	return 0;
}

unsigned char *held_get(struct reg *rg, const char *qdir, const char *id, size_t *len,
    int *missing, char *err, size_t errlen)
{
	struct membuf m = { 0 };
	unsigned char *data;
	int rc;

	if (missing)
		*missing = 0;
	if (!reg_keeps_messages(rg)) {
		if (!(data = store_get(qdir, id, len, err, errlen)) && missing)
			*missing = strncmp(err, "no stored message", 17) == 0;
		return data;
	}
	if ((rc = reg_msg_read(rg, id, to_mem, &m, err, errlen)) != 0 ||
	    (!m.data && to_mem(&m, "", 0) < 0)) {
		if (missing)
			*missing = rc == 1;
		free(m.data);
		return NULL;
	}
	*len = m.len;
	return m.data;
}

static int to_file(void *arg, const void *buf, size_t len)
{
	return fwrite(buf, 1, len, arg) == len ? 0 : -1;
}

int held_write(struct reg *rg, const char *qdir, const char *id, FILE *f, char *err,
    size_t errlen)
{
	unsigned char *buf;
	size_t len;
	int missing, rc;

	if (reg_keeps_messages(rg))
		return reg_msg_read(rg, id, to_file, f, err, errlen);
	if (!(buf = held_get(rg, qdir, id, &len, &missing, err, errlen)))
		return missing ? 1 : -1;
	rc = to_file(f, buf, len);
	if (rc < 0)
		snprintf(err, errlen, "cannot write message %s: %s", id, strerror(errno));
	free(buf);
	return rc;
}

long long held_size(struct reg *rg, const char *qdir, const char *id, char *where,
    size_t wherelen)
{
	struct stat sb;
	long long n;

	if (reg_keeps_messages(rg)) {
		if ((n = reg_msg_size(rg, id, where, wherelen)) == -2)
			snprintf(where, wherelen, "no copy in the register's database");
		else if (n >= 0)
			snprintf(where, wherelen, "in the register's database");
		return n;
	}
	store_path(qdir, id, where, wherelen);
	if (stat(where, &sb) == 0)
		return (long long)sb.st_size;
	snprintf(where, wherelen, "no copy in %s/msg", qdir);
	return -2;
}

int held_remove(struct reg *rg, const char *qdir, const char *id, char *err, size_t errlen)
{
	if (reg_keeps_messages(rg))
		return reg_msg_remove(rg, id, err, errlen);
	return store_remove(qdir, id, err, errlen);
}

struct held_stream {
	struct reg *rg;		/* NULL: the file fd */
	int fd;
	char id[32];
	long long size, done;	/* recorded size, bytes given */
	long long next;		/* the next chunk */
	unsigned char *chunk;
	size_t len, pos;
	char err[256];
};

struct held_stream *held_stream_open(struct reg *rg, const char *qdir, const char *id,
    int *missing, char *err, size_t errlen)
{
	struct held_stream *hs = calloc(1, sizeof(*hs));
	char where[PATH_MAX];

	*missing = 0;
	if (!hs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	hs->fd = -1;
	snprintf(hs->id, sizeof(hs->id), "%s", id);
	if ((hs->size = held_size(rg, qdir, id, where, sizeof(where))) < 0) {
		if ((*missing = hs->size == -2))
			snprintf(err, errlen, "no stored message for %s (%s)", id, where);
		else
			snprintf(err, errlen, "%s", where);
		free(hs);
		return NULL;
	}
	if (reg_keeps_messages(rg)) {
		hs->rg = rg;
		return hs;
	}
	store_path(qdir, id, where, sizeof(where));
	if ((hs->fd = open(where, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		*missing = errno == ENOENT;
		snprintf(err, errlen, "store: cannot open %s: %s", where, strerror(errno));
		free(hs);
		return NULL;
	}
	return hs;
}

/* The next bytes of hs into buf: > 0, 0 at the end, -1 (hs->err). */
static long stream_more(struct held_stream *hs, void *buf, size_t len)
{
	ssize_t n;
	size_t k;

	if (!hs->rg) {
		do
			n = read(hs->fd, buf, len);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			snprintf(hs->err, sizeof(hs->err), "store: cannot read %s: %s", hs->id,
			    strerror(errno));
		return (long)n;
	}
	if (hs->pos == hs->len) {
		free(hs->chunk);
		hs->chunk = NULL;
		hs->len = hs->pos = 0;
		switch (reg_msg_chunk(hs->rg, hs->id, hs->next, &hs->chunk, &hs->len, hs->err,
		    sizeof(hs->err))) {
		case 1:
			return 0;
		case 0:
			hs->next++;
			break;
		default:
			return -1;
		}
	}
	k = hs->len - hs->pos < len ? hs->len - hs->pos : len;
	memcpy(buf, hs->chunk + hs->pos, k);
	hs->pos += k;
	return (long)k;
}

long held_stream_read(void *arg, void *buf, size_t len)
{
	struct held_stream *hs = arg;
	long n;

	n = stream_more(hs, buf, len);
	if (n > 0)
		hs->done += n;
	if (n == 0 && hs->done != hs->size) {
		snprintf(hs->err, sizeof(hs->err), "stored message %s is %lld bytes, %lld read",
		    hs->id, hs->size, hs->done);
		return -1;
	}
	if (n > 0 && hs->done > hs->size) {
		snprintf(hs->err, sizeof(hs->err), "stored message %s grew while read", hs->id);
		return -1;
	}
	return n;
}

const char *held_stream_error(const struct held_stream *hs)
{
	return hs->err[0] ? hs->err : NULL;
}

void held_stream_close(struct held_stream *hs)
{
	if (!hs)
		return;
	if (hs->fd >= 0)
		close(hs->fd);
	free(hs->chunk);
	free(hs);
}
