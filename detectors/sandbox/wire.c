/*
 * wire.c — framing and encoding between daemon and worker (wire.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox/wire.h"

static void
wb_put(struct wbuf *w, const void *s, size_t n)
{
	if (w->fail)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		unsigned char *p;

		while (cap < w->len + n)
			cap *= 2;
		if (!(p = realloc(w->p, cap))) {
			w->fail = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

void
wb_u32(struct wbuf *w, uint32_t v)
{
	unsigned char b[4] = { v, v >> 8, v >> 16, v >> 24 };

	wb_put(w, b, 4);
}

void
wb_u64(struct wbuf *w, uint64_t v)
{
	wb_u32(w, (uint32_t)v);
	wb_u32(w, (uint32_t)(v >> 32));
}

void
wb_str(struct wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	wb_u32(w, s ? (uint32_t)n : 0xffffffffu);
	if (s)
		wb_put(w, s, n);
}

void
wb_free(struct wbuf *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

uint32_t
rb_u32(struct rbuf *r)
{
	const unsigned char *b;

	if (r->fail || r->len - r->off < 4) {
		r->fail = true;
		return 0;
	}
	b = r->p + r->off;
	r->off += 4;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t
rb_u64(struct rbuf *r)
{
	uint64_t lo = rb_u32(r);

	return lo | (uint64_t)rb_u32(r) << 32;
}

char *
rb_str(struct rbuf *r)
{
	uint32_t n = rb_u32(r);
	char *s;

	if (r->fail || n == 0xffffffffu)
		return NULL;
	if (r->len - r->off < n) {
		r->fail = true;
		return NULL;
	}
	if (!(s = malloc((size_t)n + 1))) {
		r->fail = true;
		return NULL;
	}
	memcpy(s, r->p + r->off, n);
	s[n] = '\0';
	r->off += n;
	return s;
}

const char *
rb_view(struct rbuf *r, size_t *len)
{
	uint32_t n = rb_u32(r);
	const char *s;

	if (r->fail || n == 0xffffffffu)
		return NULL;
	if (r->len - r->off < n) {
		r->fail = true;
		return NULL;
	}
	s = (const char *)r->p + r->off;
	*len = strnlen(s, n);		/* as strlen of rb_str's copy */
	r->off += n;
	return s;
}

int
wire_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
wire_send(int fd, const struct wbuf *w)
{
	unsigned char b[4] = { w->len, w->len >> 8, w->len >> 16, w->len >> 24 };

	if (w->fail || w->len > WIRE_MAX_FRAME)
		return -1;
	return wire_write_all(fd, b, 4) < 0 ? -1 : wire_write_all(fd, w->p, w->len);
}

int
wire_read_all(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
wire_recv(int fd, unsigned char **buf, size_t *len)
{
	unsigned char b[4];
	uint32_t n;

	*buf = NULL;
	*len = 0;
	if (wire_read_all(fd, b, 4) < 0)
		return -1;
	n = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (n > WIRE_MAX_FRAME || !(*buf = malloc(n ? n : 1)))
		return -1;
	if (wire_read_all(fd, *buf, n) < 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	*len = n;
	return 0;
}
