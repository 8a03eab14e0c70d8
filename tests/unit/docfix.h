/*
 * docfix.h — helpers for the document extractor tests: the generated
 * fixtures (tests/fixtures/make_docs.py run into a temporary directory),
 * the committed ones (tests/fixtures/office/), and a message carrying
 * attachments, scanned through the public engine.
 */
#ifndef DLP_DOCFIX_H
#define DLP_DOCFIX_H

#include <stddef.h>

#include "detectors/scan.h"

/* The source tree: $DLP_SRCDIR, else ".". */
const char *df_srcdir(void);
/* Run make_docs.py for groups ("pdf", "xls rtf" …) into a new temporary
 * directory and return it (malloc'd).  Fails the test on error. */
char *df_make(const char *groups);
/* Remove dir and everything in it, and free the string. */
void df_rmtree(char *dir);
/* The bytes of dir/name (dir NULL: the source tree).  Fails the test when
 * the file cannot be read.  malloc'd. */
unsigned char *df_load(const char *dir, const char *name, size_t *len);

struct df_att {
	const char *name;		/* file name of the attachment */
	const char *type;		/* declared Content-Type */
	const void *data;
	size_t len;
};

/* A multipart/mixed message: a plain-text body without personal data,
 * then the attachments in base64.  malloc'd, NUL-terminated. */
char *df_message(const struct df_att *att, size_t n, size_t *len);
/* Build and scan it; free with scan_msg_free. */
struct scan_msg *df_scan(const struct scan_engine *eng, const struct df_att *att, size_t n);
/* The part whose file name is filename, or NULL. */
const struct scan_part *df_part(const struct scan_result *r, const char *filename);
/* The first part whose path ends with suffix, or NULL. */
const struct scan_part *df_part_suffix(const struct scan_result *r, const char *suffix);
/* Scan n mutated copies of data (8 random bytes changed past the first
 * skip bytes; every fourth copy also truncated) as attachment name, with
 * stdout and stderr captured.  Returns the copies whose part is missing
 * from the result plus the bytes written to stdout/stderr: 0 is good. */
long df_mutants(const struct scan_engine *eng, const unsigned char *data, size_t len,
    size_t skip, int n, const char *name);
/* Send stdout and stderr to a temporary file until df_quiet_end(), which
 * returns how many bytes were written there meanwhile. */
void df_quiet_begin(void);
long df_quiet_end(void);
/* Peak resident set size of the process so far, in KB. */
long df_maxrss_kb(void);
/* Monotonic seconds. */
double df_now(void);

#endif
