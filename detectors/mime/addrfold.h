/*
 * addrfold.h — an address-list header value folded for the wire
 * (RFC 5322 2.2.3): a line break put before an existing blank, preferably
 * the one after an address (a comma at the top level, outside quotes,
 * comments and angle brackets), else before another blank of an address
 * too long for a line, so that unfolding gives back the value byte for
 * byte; encoded words, quoted display names and addr-specs are never cut.
 * Lines are kept to ADDRFOLD_SOFT octets where a break allows it; a line
 * is longer only when one word (an encoded word, an address) is, and no
 * line exceeds ADDRFOLD_HARD unless a single word does.
 */
#ifndef DLP_MIME_ADDRFOLD_H
#define DLP_MIME_ADDRFOLD_H

#include <stddef.h>

#define ADDRFOLD_SOFT 78	/* RFC 5322's "SHOULD" */
#define ADDRFOLD_HARD 998	/* RFC 5322's "MUST" */

/* value folded with nl (“\r\n” for a stored message, “\n” for libmilter,
 * which adds the CR itself) before the blank that starts each
 * continuation line; col is the width already used on the first line
 * (4 for "To: ").  g_malloc'd, never NULL. */
char *addrfold(const char *value, size_t col, const char *nl);

#endif
