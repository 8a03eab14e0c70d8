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

/* What the tests of one extractor share: their generated fixtures, an
 * engine, and the type their attachments are declared with.  A test that
 * wants other limits scans through a copy with its own engine. */
struct df_fixture {
	char *dir;			/* generated fixtures (df_make) */
	struct scan_engine *eng;	/* mt_engine(NULL) */
	const char *ctype;		/* declared Content-Type of attachments */
};

/* Group setup: make fixture groups into fx->dir and the engine, keep
 * ctype, and set *state to fx for df_fixture_teardown.  Returns 0; fails
 * the test on error. */
int df_fixture_setup(void **state, struct df_fixture *fx, const char *groups,
    const char *ctype);
/* Group teardown: free the engine and remove the fixtures of *state.
 * Returns 0. */
int df_fixture_teardown(void **state);
/* Scan data as one attachment called name, declared fx->ctype, through
 * fx->eng.  Free with scan_msg_free. */
struct scan_msg *df_scan_mem(const struct df_fixture *fx, const void *data, size_t len,
    const char *name);
/* The same with the bytes of fx->dir/file, as an attachment called file. */
struct scan_msg *df_scan_file(const struct df_fixture *fx, const char *file);
/* Assert that r has a part called name that was read in full (not
 * unscanned), with detected type detected and extractor extractor (either
 * unchecked when NULL), holding email addresses and phone numbers.
 * Returns the part. */
const struct scan_part *df_expect_read(const struct scan_result *r, const char *name,
    const char *detected, const char *extractor, unsigned email, unsigned phone);
/* Assert that r has a part called name, not unscanned, and nothing found
 * in the whole message. */
void df_expect_clean(const struct scan_result *r, const char *name);
/* Assert that r has a part called name, unscanned for a reason containing
 * why (any reason when NULL).  Returns the part. */
const struct scan_part *df_expect_unscanned(const struct scan_result *r, const char *name,
    const char *why);
/* Assert that df_mutants(fx->eng, …, skip, n, file) finds nothing wrong
 * for each file of the NULL-terminated list, read from fx->dir. */
void df_expect_mutants(const struct df_fixture *fx, const char *const *files, size_t skip,
    int n);
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
