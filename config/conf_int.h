/*
 * conf_int.h — internal to config/: key lookup and value parsing shared by
 * conf.c (the loader) and conf_keys.c (the table and its printout).
 */
#ifndef DLP_CONF_INT_H
#define DLP_CONF_INT_H

#include <stddef.h>

#include "config/conf.h"

/* The key named name in section ("rule" for [rule NAME]), or NULL. */
const struct conf_key *conf_key_find(const char *section, const char *name);
/* Index of s in "a|b|c", or -1. */
int conf_choice_index(const char *choices, const char *s);
/* choices "a|b|c" as "a, b or c" into buf. */
void conf_format_choices(const char *choices, char *buf, size_t len);
/* A number of type t in the file's notation: "64M", "60s", "0660", "8". */
void conf_format_number(enum conf_type t, long long v, char *buf, size_t len);

/* Parse a number of k's type (CT_INT, CT_SIZE, CT_DURATION, CT_MODE) and
 * check it against k's bounds.  0, or -1 with err (out unchanged). */
int conf_parse_number(const struct conf_key *k, const char *s, long long *out,
    char *err, size_t errlen);
/* Check a CT_STRING value: its choices, or the form that key requires
 * (socket, relay, mail address).  0, or -1 with err. */
int conf_check_string(const struct conf_key *k, const char *s, char *err, size_t errlen);
/* Check one domain name; writes its canonical form (lower case, no
 * trailing dot) into out.  0, or -1 with err. */
int conf_check_domain(const char *s, size_t len, char *out, size_t outlen,
    char *err, size_t errlen);

/* Free cf's rules and leave it with none. */
void conf_free_rules(struct conf *cf);
/* Free cf's dictionaries, patterns, lists and predicates (conf_terms.c). */
void conf_named_free(struct conf *cf);
/* Free cf and everything it owns, whatever its reference count.  NULL-safe. */
void conf_destroy(struct conf *cf);

#endif
