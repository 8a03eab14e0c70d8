/*
 * normalize.h — text normalization before matching.
 *
 * utf8proc NFKC (full-width digits and letters to ASCII, ideographic space
 * to space, half-width katakana to full width), then:
 *  - dash variants between digits (ー－‐‑‒–—―−﹣ and the like) become '-';
 *  - other spaces (NBSP, thin, em …) become ' '; zero-width characters go;
 *  - CR LF and CR become LF; NUL becomes a space;
 *  - invalid UTF-8 bytes become U+FFFD.
 * Lines made only of characters NFKC leaves alone are copied as they are.
 */
#ifndef DLP_NORMALIZE_H
#define DLP_NORMALIZE_H

#include <stddef.h>

/* Returns a malloc'd NUL-terminated string and its length in *outlen,
 * or NULL on ENOMEM. */
char *normalize_text(const char *in, size_t len, size_t *outlen);

#endif
