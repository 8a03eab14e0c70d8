/*
 * detector.h — the pattern detectors, one row each in one registry.
 *
 * A detector is a file of its own defining `const struct detector det_NAME`,
 * named on its finding type's line in finding_types.h, which gives it its
 * name, its counter and its words.  It finds values of one finding type in normalized UTF-8 text
 * (see normalize.h) with PCRE2 (JIT) and a validator (names: MeCab), and adds each valid
 * value, in its normalized form, to a valueset:
 *   email          lower-cased address               "taro.yamada@example.com"
 *   phone          digits, +81 folded to 0            "09012345678"
 *   my_number      12 digits                          "123456789018"
 *   credit_card    digits                             "4111111111111111"
 *   postal_address "NNN-NNNN " + address text         "100-8914 東京都千代田区永田町1-6-1"
 *   birth_date     ISO date                           "1980-04-01"
 *   bank_account   7 digits                           "1234567"
 *   passport       2 letters (upper) + 7 digits       "TK1234567"
 *   drivers_license 12 digits                         "309012345620"
 *   residence_card 2 letters + 8 digits + 2 letters   "AB12345678CD"
 *   pension_number 10 digits                          "1234567890"
 *   health_insurance insurer/symbol/number            "01130012/1234/56"
 *   names          surname + " " + given name         "山田 太郎"  (MeCab, names.c)
 * Compiled state is read-only after init and shared between threads; scan()
 * allocates its own match data.  scan() takes normalized text only: it must
 * be valid UTF-8 (normalize_text() output is), as PCRE2's UTF check is
 * skipped; a value lost for lack of memory marks the valueset incomplete.
 */
#ifndef DLP_DETECTOR_H
#define DLP_DETECTOR_H

#include <stddef.h>

#include "detectors/scan.h"

struct valueset;

struct detector {
	/* Compile patterns.  NULL with err on failure. */
	void *(*init)(char *err, size_t errlen);
	/* Add every valid value found in text[0..len) to out. */
	void (*scan)(const void *state, const char *text, size_t len, struct valueset *out);
	/* Masked form of a normalized value, e.g. "090-****-5678". */
	void (*mask)(const char *value, char *out, size_t outlen);
	void (*free)(void *state);
};

/* The registry, indexed by finding type. */
extern const struct detector *const detectors[FT_COUNT];

/* The text every detector is about to scan (textscan.c), until
 * det_text_end(): what the detectors' shared prefilters find in it (the
 * digit clusters, util.c) is kept and used by all of them in this thread.
 * The text must not change in between; other texts are scanned as usual. */
void det_text_begin(const char *text, size_t len);
void det_text_end(void);

/* Context helpers shared by the detectors that need a keyword nearby
 * (detectors/context.c).  Offsets are byte offsets into text. */

/* True when one of keywords (NULL-terminated list, matched case-insensitively
 * for ASCII) occurs within `window` characters before start or after end. */
int context_keyword_near(const char *text, size_t len, size_t start, size_t end,
    const char *const *keywords, size_t window);
/* True when text is tabular (cells split by tabs or commas) and the header
 * cell of the column holding offset `at` contains one of keywords.  The
 * header row is the first non-empty line of the table block holding `at`;
 * blocks are separated by form feeds ('\f', one per sheet). */
int context_column_header(const char *text, size_t len, size_t at,
    const char *const *keywords);

#endif
