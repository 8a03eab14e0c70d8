/*
 * exclude.h — the organisation's own contact data, found but not counted
 * (engine-internal: scan.c).
 *
 * A ministry's signature carries its switchboard (03-5253-1111) and its
 * staff's addresses: with [general] own_numbers and internal_addresses =
 * exclude, those values move from the counted findings of a message to
 * its excluded ones, in the whole message and in every part, and are shown
 * as excluded.
 */
#ifndef DLP_EXCLUDE_H
#define DLP_EXCLUDE_H

#include <stdbool.h>

#include "detectors/scan.h"

struct inspect;

/* own_numbers as patterns: digits, a trailing '*' for a range.  NULL
 * with nothing to exclude, else a NULL-terminated array (exclude_free). */
char **exclude_parse_numbers(const char *own_numbers);
void exclude_free(char **patterns);
/* Whether normalized value v of type t is the organisation's own. */
bool exclude_match(const struct scan_options *opt, char *const *numbers, enum finding_type t,
    const char *v);
/* Move the excluded values of in->res (whole message and parts) to
 * res->excluded.  0, or -1 on ENOMEM (then nothing is excluded: counting
 * too much is the safe side). */
int exclude_apply(struct inspect *in, const struct scan_options *opt, char *const *numbers);

#endif
