/*
 * charset.h — conversion of text to UTF-8.
 *
 * Declared charsets are mapped to what glibc's iconv reads best for
 * Japanese mail (shift_jis and friends → CP932, euc-jp → EUC-JP-MS,
 * iso-2022-jp → ISO-2022-JP-3 with fallback).  Undeclared charsets are
 * detected: BOM, valid UTF-8, ISO-2022-JP escapes, then uchardet.
 * Invalid sequences become U+FFFD; conversion never fails on bad input.
 * A UTF-16 byte-order mark cannot hide text: it does not override a UTF-8
 * label, and an undeclared text behind one with almost no NUL bytes is
 * read both as UTF-16 and as UTF-8 (the two readings one after the other).
 */
#ifndef DLP_CHARSET_H
#define DLP_CHARSET_H

#include <stddef.h>

/* Guess the charset of data (NULL-safe, returns a static string such as
 * "UTF-8", "CP932", "EUC-JP", "ISO-2022-JP", "UTF-16LE"). */
const char *charset_detect(const unsigned char *data, size_t len);
/* Convert data from charset (NULL or "" = detect) to UTF-8.  At most max
 * bytes of output are produced (*truncated set to 1 if more would follow;
 * truncated may be NULL).  Returns malloc'd NUL-terminated text with its
 * length in *outlen, or NULL on ENOMEM. */
char *charset_to_utf8(const unsigned char *data, size_t len, const char *charset,
    size_t max, size_t *outlen, int *truncated);

/* Keep glibc's iconv modules for the Japanese charsets loaded for the
 * life of the process.  glibc loads a module (a shared object;
 * ISO-2022-JP.so brings libJIS, libGB and libKSC with it) at iconv_open
 * and unloads it soon after its last iconv_close, and GMime opens and
 * closes a converter for every encoded header: without this, every
 * Japanese message pays a dlopen and a dlclose.  Call once (scan.c does,
 * at the first scan_engine_new); the descriptors are never closed. */
void charset_keep_modules(void);

#endif
