/*
 * hdr_decode.h — decoding of unstructured header text (Subject) to UTF-8:
 * RFC 2047 encoded-words, with our charset mapping (charset.h), so that
 * ISO-2022-JP and Shift_JIS subjects holding NEC specials (①, ㈱) decode
 * where GMime's own decoder (plain glibc names) loses them.
 */
#ifndef DLP_HDR_DECODE_H
#define DLP_HDR_DECODE_H

#include <stddef.h>

/* Decode the raw (folded, possibly 8-bit) header value raw.  At most max
 * bytes of output.  Returns malloc'd UTF-8 text, or NULL on ENOMEM. */
char *hdr_decode_text(const char *raw, size_t max);

#endif
