/*
 * report.h — the incident report for the ministry: one row per incident
 * and a summary by rule and by disposition, as JSON or as CSV that Excel
 * opens as it is (RFC 4180 quoting, CRLF, UTF-8, optional BOM).
 *
 * Row fields, in CSV column order: id, date (local "YYYY-MM-DD HH:MM:SS"),
 * sender, subject (left out with no_subject), recipients, external,
 * external_visible, external_domain_count, external_domains, findings,
 * rules, action (hold | reject), disposition (the status now: held,
 * rejected, releasing, released, deleted, expired), decided_by,
 * decided_at (who settled a hold and when; for a reject, dlp-milter at
 * the time of the reject; empty while held), reason (the reason given
 * with the release or delete).  The CSV headings are Japanese with the
 * key, "日時 (date)", or the keys alone in English.  In JSON the counts are
 * numbers, external_domains and rules arrays, findings {type: count}.
 * No personal value appears: findings are counts.
 */
#ifndef DLP_REPORT_H
#define DLP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "detectors/scan.h"
#include "register/register.h"

/* The disposition column: the status, except for a delay — "sent after
 * delay" (released by the timer), "cancelled by sender". */
const char *report_disposition(const struct incident *inc);
/* One incident as a report row (a new JSON object), NULL on ENOMEM.
 * opt gives the internal domains, for the external domain names. */
json_t *report_row(const struct incident *inc, const struct scan_options *opt,
    bool no_subject, const char *reason);

/* The summary of rows: {"incidents": n, "by_month": {"YYYY-MM": n},
 * "by_rule": {rule: n}, "by_sender": {sender: n}, "by_disposition":
 * {status: n}, "by_action": {action: n}}. */
json_t *report_summary(const json_t *rows);

/* s as one CSV field: quoted when it holds a comma, a quote, CR or LF, or
 * starts or ends with a space; quotes doubled.  A text that Excel would
 * run as a formula (starting with = + - @ or a tab) gets a leading ' .
 * malloc'd, NULL on ENOMEM. */
char *report_csv_field(const char *s, bool text);

/* The CSV of the rows: optional BOM, the heading row, one row per
 * incident.  -1 on write error. */
int report_write_csv(FILE *fp, const json_t *rows, bool no_subject, bool english, bool bom);
/* The summary as a CSV of its own: summary,name,incidents rows (month,
 * rule, sender, disposition, action), then the total.  -1 on write error. */
int report_write_summary_csv(FILE *fp, const json_t *summary, bool english, bool bom);

#endif
