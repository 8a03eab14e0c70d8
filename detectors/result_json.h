/*
 * result_json.h — a scan_result as JSON (jansson), the shape of
 * `dlpctl scan --json` and of the register's findings and parts columns.
 * Only masked samples appear, never full values.
 */
#ifndef DLP_RESULT_JSON_H
#define DLP_RESULT_JSON_H

#include <jansson.h>

#include "detectors/scan.h"

/* {"email": 3, "phone": 49, …}: every type, distinct counts. */
json_t *result_json_findings(const struct scan_result *r);
/* {"phone": {"count": 49, "samples": ["090-****-5678", …]}, …}: types found
 * only; a type with values excluded as the organisation's own also has
 * "excluded": n and "excluded_samples" (count may then be 0).  Then the
 * config's terms found, as "dictionary.NAME" (occurrences, the words as
 * samples) and "pattern.NAME" (distinct values, masked samples). */
json_t *result_json_findings_samples(const struct scan_result *r, size_t max_samples);
/* {"recipients": n, "external": n, "external_visible": n, "external_domains": n} */
json_t *result_json_recipients(const struct scan_result *r);
/* [{"path", "filename", "declared_type", "detected_type", "extractor",
 *   "size", "findings": {type: n}, "encrypted", "unscanned"}] */
json_t *result_json_parts(const struct scan_result *r);

#endif
