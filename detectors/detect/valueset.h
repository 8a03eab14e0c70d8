/*
 * valueset.h — a set of distinct strings (normalized finding values).
 * Open addressing, insertion order kept so samples are the first seen.
 */
#ifndef DLP_VALUESET_H
#define DLP_VALUESET_H

#include <stdbool.h>
#include <stddef.h>

struct valueset;

struct valueset *valueset_new(void);
/* Add s[0..len) if absent.  Returns 1 if added, 0 if present, -1 on ENOMEM. */
int valueset_add(struct valueset *vs, const char *s, size_t len);
bool valueset_has(const struct valueset *vs, const char *s, size_t len);
size_t valueset_count(const struct valueset *vs);
/* The i-th value in insertion order (NUL-terminated), i < count. */
const char *valueset_get(const struct valueset *vs, size_t i);
/* Add every value of src to dst.  Returns 0 or -1 on ENOMEM. */
int valueset_merge(struct valueset *dst, const struct valueset *src);
/* Mark the set incomplete: a value was lost for lack of memory (sticky; a
 * failed add marks it too, and merge carries it over). */
void valueset_set_incomplete(struct valueset *vs);
bool valueset_incomplete(const struct valueset *vs);
void valueset_free(struct valueset *vs);

#endif
