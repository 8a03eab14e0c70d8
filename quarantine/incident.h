/*
 * incident.h — an incident built from a scan: what the daemon registers
 * for a hold or a reject, and the JSON shape of an incident that dlpctl
 * prints.  Findings carry counts and masked samples only.
 */
#ifndef DLP_INCIDENT_H
#define DLP_INCIDENT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "config/policy.h"
#include "detectors/scan.h"
#include "register/register.h"

#define INCIDENT_SAMPLES 3	/* masked samples kept per finding type */

/* Fill inc from the scan result r and the verdict v: a fresh id
 * (reg_new_id(now)), created = now, queue id, sender, subject, Message-ID,
 * recipient counters and list, the rules that fired [{name, action,
 * reason}], findings {type: {count, samples}} and parts.  act is ACT_HOLD
 * or ACT_APPROVE (status "held"), ACT_DELAY (status "delayed", due = now +
 * v->delay) or ACT_REJECT (status "rejected").  0, or -1 with err and
 * inc left empty.  inc must be released with incident_clear(). */
int incident_from_scan(struct incident *inc, const struct scan_result *r,
    const struct verdict *v, const char *queue_id, enum action act, time_t now,
    char *err, size_t errlen);

/* inc as one JSON object: every field, times as local ISO 8601
 * ("2026-11-25T10:00:00+0900").  A new reference, or NULL on ENOMEM. */
json_t *incident_json(const struct incident *inc);

/* The approvers an approve hold needs (1, or 2: two-person rule): the
 * largest "approvals" of its fired rules of action approve, which the
 * daemon writes at hold time (the rule's approvals, else [web]
 * approvals: incident_set_approvals); dflt for an incident without one.
 * incident_set_approvals writes dflt into each approve rule lacking it. */
int incident_approvals(const struct incident *inc, int dflt);
void incident_set_approvals(struct incident *inc, int dflt);

/* t as local "YYYY-MM-DDTHH:MM:SS+ZZZZ" into buf. */
void incident_format_time(time_t t, char *buf, size_t len);

#endif
