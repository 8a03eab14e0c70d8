/*
 * bcc.h — the header changes of the action bcc (bcc.c): which To and Cc
 * fields lose their external addresses, and their new values.  No
 * libmilter here: act.c applies them with smfi_chgheader.
 */
#ifndef DLP_MILTER_BCC_H
#define DLP_MILTER_BCC_H

#include <stdbool.h>
#include <stddef.h>

#include "detectors/scan.h"

#include "mime/bcc.h"

struct spool;

/* The changes for the spooled message sp into ch[0 .. max), *n of them.
 * 0, or -1 when the header cannot be read.  bcc_free() the values. */
int bcc_plan(struct spool *sp, const struct scan_options *opt, struct bcc_change *ch,
    size_t max, size_t *n);

#endif
