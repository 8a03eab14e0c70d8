/*
 * zipx_util.h — shared helpers of the zip / OOXML / ODF extractor tests:
 * the generated fixtures (tests/fixtures/make_office.py into a temp dir),
 * a MIME message carrying attachments, zips built in memory with libzip
 * (WinZip AES members), and a direct call of one extractor on bytes.
 */
#ifndef DLP_ZIPX_UTIL_H
#define DLP_ZIPX_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "extract/extract.h"
#include "detectors/scan.h"

/* The fixture directory, generated on first use.  Fails the test on error. */
const char *zt_fixtures(void);
/* Remove the fixture directory (group teardown). */
void zt_fixtures_free(void);
/* Group setup and teardown of a cmocka test: zt_fixtures() and
 * zt_fixtures_free().  Return 0. */
int zt_setup(void **state);
int zt_teardown(void **state);
/* Run the generator into the fixture directory with extra arguments
 * (e.g. "big 5").  Returns the directory. */
const char *zt_generate(const char *args);
/* The bytes of fixture name (malloc'd), or fails the test. */
unsigned char *zt_load(const char *name, size_t *len);

/* One attachment of a test message. */
struct zt_att {
	const char *filename;	/* ASCII */
	const char *type;	/* declared Content-Type */
	const unsigned char *data;
	size_t len;
};

/* A multipart/mixed message: a text/plain body (part "1"), then the
 * attachments (parts "2", "3" …), base64.  malloc'd, NUL-terminated. */
char *zt_message(const char *body, const struct zt_att *att, size_t n, size_t *len);
/* Scan a message with one body and one fixture attachment (declared as
 * type, or application/octet-stream when NULL) under lim (NULL: the
 * defaults of mimetest_util).  The caller frees the msg and the engine. */
struct scan_msg *zt_scan_fixture(struct scan_engine **eng, const struct scan_limits *lim,
    const char *body, const char *fixture, const char *filename, const char *type);
/* Same with bytes in hand. */
struct scan_msg *zt_scan_bytes(struct scan_engine **eng, const struct scan_limits *lim,
    const char *body, const unsigned char *data, size_t len, const char *filename,
    const char *type);

/* The first part whose path ends with suffix, or NULL. */
const struct scan_part *zt_part(const struct scan_result *r, const char *suffix);
/* Assert that attachment part "2" of r was read in full (not unscanned,
 * not encrypted) with detected type detected and extractor extractor, that
 * emails and phones were found in it and in the whole message, and that no
 * part is unscanned. */
void zt_expect_read(const struct scan_result *r, const char *detected, const char *extractor,
    unsigned emails, unsigned phones);
/* Scan each fixture of the NULL-terminated list files behind body (one
 * address): assert that the attachment, part "2", is unscanned for a
 * reason containing "corrupt" (or alt, when not NULL) and that the body's
 * address still counts. */
void zt_expect_broken(const char *body, const char *const *files, const char *alt);
/* Number of parts with a reason containing needle. */
size_t zt_unscanned_with(const struct scan_result *r, const char *needle);

/* A zip made in memory with libzip: names[i] holds datas[i]; members
 * whose aes[i] is true are WinZip AES-256 encrypted ("secret").  Returns
 * malloc'd bytes. */
unsigned char *zt_zip_build(const char *const *names, const char *const *datas,
    const bool *aes, size_t n, size_t *len);

/* Run extractor ex directly on data (a part "1" at depth 1), under lim
 * (NULL: defaults).  Returns the text (malloc'd, NUL-terminated); *unscanned
 * gets a copy of the part's reason or NULL, *encrypted the flag. */
char *zt_extract_text(const struct extractor *ex, const struct scan_limits *lim,
    const unsigned char *data, size_t len, char **unscanned, bool *encrypted);

/* Monotonic seconds. */
double zt_now(void);
/* Peak resident set of this process, in MiB. */
double zt_maxrss_mb(void);
/* Print the parts of r to stderr when ZT_DEBUG is set. */
void zt_dump(const struct scan_result *r);
/* Number of parts whose path starts with prefix. */
size_t zt_count_prefix(const struct scan_result *r, const char *prefix);
/* How much slower than native this run is (valgrind: 50, or
 * $ZT_TIME_FACTOR): time bounds in the tests are multiplied by it. */
double zt_slow(void);

#endif
