/*
 * digest.h — the SHA-256 of a part's decoded content (digest.c), the
 * series key of an attachment (scan.h scan_part.digest, milter/series.c).
 */
#ifndef DLP_MIME_DIGEST_H
#define DLP_MIME_DIGEST_H

#include <stddef.h>

struct mime_digest;

/* Make the process-wide state once (a sandbox worker calls it before its
 * seccomp filter; the engine from scan_engine_new).  Returns 0 or -1. */
int mime_digest_init(void);
/* A new running digest, or NULL (ENOMEM, no SHA-256). */
struct mime_digest *mime_digest_new(void);
void mime_digest_update(struct mime_digest *d, const void *data, size_t len);
/* The 32 bytes into out; d freed. */
void mime_digest_final(struct mime_digest *d, unsigned char out[32]);

#endif
