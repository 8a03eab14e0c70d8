/*
 * proto.h — what the daemon and a worker say to each other (pool.c,
 * worker.c), in the encoding of wire.h.
 *
 * Request, one frame: PROTO_VERSION, the limits (max_depth, max_parts
 * left, max_members, max_member_bytes, max_expanded_bytes, expanded so
 * far, max_ratio, max_text_bytes, max_base64_runs, ocr, ocr_unscanned,
 * ocr_max_pixels), the time left (ms), depth, charset,
 * the part (path, file name, declared type, detected type), the
 * extractor's name and the data's length, the terms of the config (count,
 * then per term: kind, name, source; text/terms.h; or TERMS_AGAIN alone:
 * the same as this worker was sent last); then the data's bytes, raw.
 *
 * Reply, one frame: REPLY_OK, bytes expanded in all, out of time (0/1),
 * the walk's error, the parts (count, then per part: path, file name,
 * declared type, detected type, extractor, size, encrypted, unscanned
 * reason, FT_COUNT counts, then per finding type the part's own distinct
 * values: count and values; the first part is the one handed over), then
 * per finding type for the whole: count, incomplete (0/1), the values,
 * then per term (count first): occurrences (u64), distinct matched texts
 * (count and texts).  Or REPLY_CRASH and
 * the signal number, sent by the worker's fault handler before it dies.
 * A type whose whole values are exactly the first part's, in the same
 * order and complete (a part read alone, the common case), is sent as the
 * count VALUES_AS_FIRST and incomplete 0, without the values: the daemon
 * takes the first part's again rather than reading and adding each one
 * twice.
 */
#ifndef DLP_SANDBOX_PROTO_H
#define DLP_SANDBOX_PROTO_H

#define PROTO_VERSION 6u
#define TERMS_AGAIN 0xfffffffeu	/* in place of the terms' count */
#define REPLY_OK 0u
#define REPLY_CRASH 2u
#define VALUES_AS_FIRST 0xffffffffu
/* A reason a worker gives a part it could not read for lack of memory. */
#define REASON_MEMORY "worker over memory limit"
#define REASON_TIME "worker over time limit"

#endif
