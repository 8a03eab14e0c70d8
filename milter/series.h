/*
 * series.h — the counters across messages for the daemon (series.c):
 * series_external, sender_external_hour, sender_bytes_hour, read from the
 * register before the policy and written once a message went out.
 */
#ifndef DLP_MILTER_SERIES_H
#define DLP_MILTER_SERIES_H

#include <stdbool.h>
#include <stddef.h>

struct msgctx;
struct reg;
struct scan_result;

/* Some rule of the running config names one of the three counters and the
 * message goes outside (a sender, an external recipient): only then does
 * the daemon read or write the series tables; otherwise the counters are
 * 0. */
bool series_wanted(const struct msgctx *mc, const struct scan_result *res);
/* The three counters of mc's message, from rg, into its result (so the
 * policy, the log line and the incident see them).  0, or -1 with err. */
int series_fill(struct msgctx *mc, struct reg *rg, const struct scan_result *res,
    char *err, size_t errlen);
/* Record that mc's message went out (accepted: pass, tag, bcc).  0, or -1
 * with err. */
int series_record(struct msgctx *mc, struct reg *rg, const struct scan_result *res,
    char *err, size_t errlen);
/* Keep what a release of incident id (mc's message, held) records in the
 * series (quarantine/release.c).  0, or -1 with err. */
int series_hold(struct msgctx *mc, struct reg *rg, const struct scan_result *res,
    const char *id, char *err, size_t errlen);

#endif
