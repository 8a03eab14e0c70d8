/*
 * recipients.h — internal or external, and the recipient counters.
 */
#ifndef DLP_RECIPIENTS_H
#define DLP_RECIPIENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "detectors/scan.h"

/* True when addr's domain is one of the internal domains or a subdomain
 * of one (case-insensitive).  An address without a domain is internal
 * (local delivery). */
bool rcpt_is_internal(const struct scan_options *opt, const char *addr);
/* Fill recipients, external, external_domains from r->envelope, and
 * external_visible from the To/Cc addresses visible[0..nvisible). */
void rcpt_count(const struct scan_options *opt, struct scan_rcpts *r,
    char *const *visible, size_t nvisible);

#endif
