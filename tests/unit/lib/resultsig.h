/*
 * resultsig.h — a scan result as one string, to compare two scans of the
 * same message exactly: every part (path, file name, extractor, detected
 * type, reason, size, encrypted, counts), every distinct value in order,
 * the message's counters.
 */
#ifndef DLP_RESULTSIG_H
#define DLP_RESULTSIG_H

#include "detectors/scan.h"

/* malloc'd. */
char *rs_signature(const struct scan_result *r);

#endif
