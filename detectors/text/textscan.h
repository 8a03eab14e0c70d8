/*
 * textscan.h — the text pipeline: normalize, fold the escapes
 * (unescape.h), then every detector.
 */
#ifndef DLP_TEXTSCAN_H
#define DLP_TEXTSCAN_H

#include <stddef.h>

#include "detectors/scan.h"

struct valueset;
struct textscan;

/* Compile every detector.  NULL with err on failure. */
struct textscan *textscan_new(char *err, size_t errlen);
/* Normalize utf8[0..len), fold its escapes, and add the values found to
 * sets[type].
 * Returns 0, or -1 on ENOMEM. */
int textscan_run(const struct textscan *ts, const char *utf8, size_t len,
    struct valueset *sets[FT_COUNT]);
/* Mask a normalized value of type t for display. */
void textscan_mask(enum finding_type t, const char *value, char *out, size_t outlen);
void textscan_free(struct textscan *ts);

#endif
