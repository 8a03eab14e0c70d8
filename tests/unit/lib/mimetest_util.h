/*
 * mimetest_util.h — shared helpers for the engine's unit tests: an engine
 * with test limits, a message fed from a string through feed.h, part
 * lookup by path.
 */
#ifndef DLP_MIMETEST_UTIL_H
#define DLP_MIMETEST_UTIL_H

#include <stddef.h>

#include "detectors/scan.h"

/* Limits generous enough for every test message. */
struct scan_limits mt_limits(void);
/* An engine with internal domain "example.go.jp" and the given limits
 * (NULL: mt_limits()).  Fails the test on error. */
struct scan_engine *mt_engine(const struct scan_limits *lim);
/* Feed text[0..len) (a whole .eml) with envelope recipients rcpt
 * (NULL-terminated, or NULL) and run eom.  The result is m's. */
struct scan_msg *mt_scan(const struct scan_engine *eng, const char *text, size_t len,
    const char *const *rcpt);
/* Same with a NUL-terminated message. */
struct scan_msg *mt_scan_str(const struct scan_engine *eng, const char *text);
/* The result of m (after mt_scan). */
const struct scan_result *mt_result(struct scan_msg *m);
/* The part at path, or NULL. */
const struct scan_part *mt_part(const struct scan_result *r, const char *path);
/* A base64 encoding of data[0..len) in 76-column lines.  malloc'd. */
char *mt_base64(const void *data, size_t len);

#endif
