/*
 * scan_expect.h — the text pipeline's findings asserted in unit tests: a
 * textscan made by the group's setup, and the values one text gives.
 */
#ifndef DLP_SCAN_EXPECT_H
#define DLP_SCAN_EXPECT_H

#include "detect/detector.h"
#include "detect/valueset.h"
#include "text/textscan.h"

/* cmocka group setup and teardown: the textscan the others use. */
int se_setup(void **state);
int se_teardown(void **state);
/* The values of every type that one text gives. */
struct se_found {
	struct valueset *v[FT_COUNT];
};

/* The textscan of the group (after se_setup). */
struct textscan *se_ts(void);
/* Scan text into f (new sets; se_release frees them). */
void se_scan(const char *text, struct se_found *f);
void se_release(struct se_found *f);
/* The values of type t found in text are exactly the NULL-terminated list
 * of strings that follows (in any order). */
void se_expect(const char *text, enum finding_type t, ...);
/* Nothing at all is found in text. */
void se_clean(const char *text);

#endif
