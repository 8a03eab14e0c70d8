/*
 * scan_expect.h — the text pipeline's findings asserted in unit tests: a
 * textscan made by the group's setup, and the values one text gives.
 */
#ifndef DLP_SCAN_EXPECT_H
#define DLP_SCAN_EXPECT_H

#include "detect/detector.h"

/* cmocka group setup and teardown: the textscan the others use. */
int se_setup(void **state);
int se_teardown(void **state);
/* The values of type t found in text are exactly the NULL-terminated list
 * of strings that follows (in any order). */
void se_expect(const char *text, enum finding_type t, ...);
/* Nothing at all is found in text. */
void se_clean(const char *text);

#endif
