/*
 * wire.h — the byte format between the daemon and a sandbox worker:
 * little-endian integers, strings as a u32 length (0xffffffff for NULL)
 * and their bytes, in a frame of a u32 length.  A reader never reads past
 * its buffer: a short or malformed frame sets fail and yields zeros.
 */
#ifndef DLP_WIRE_H
#define DLP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAX_FRAME (512u << 20)	/* a frame longer than this is refused */

struct wbuf {
	unsigned char *p;
	size_t len, cap;
	bool fail;			/* ENOMEM once: the frame is not sent */
};

void wb_u32(struct wbuf *w, uint32_t v);
void wb_u64(struct wbuf *w, uint64_t v);
void wb_str(struct wbuf *w, const char *s);
void wb_free(struct wbuf *w);

struct rbuf {
	const unsigned char *p;
	size_t len, off;
	bool fail;
};

uint32_t rb_u32(struct rbuf *r);
uint64_t rb_u64(struct rbuf *r);
/* A malloc'd copy, or NULL (NULL sent, or fail). */
char *rb_str(struct rbuf *r);
/* The same string in place, not copied (valid while r's bytes are, not
 * NUL-terminated): its length up to its first NUL into *len, or NULL. */
const char *rb_view(struct rbuf *r, size_t *len);

/* Write all of buf to fd (EINTR retried, no SIGPIPE).  0 or -1. */
int wire_write_all(int fd, const void *buf, size_t len);
/* Write w as one frame: its length, then its bytes.  0 or -1. */
int wire_send(int fd, const struct wbuf *w);
/* Read exactly len bytes.  0, or -1 (EOF or error; errno 0 at EOF). */
int wire_read_all(int fd, void *buf, size_t len);
/* Read one frame into a malloc'd *buf of *len bytes.  0 or -1. */
int wire_recv(int fd, unsigned char **buf, size_t *len);

#endif
