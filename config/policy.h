/*
 * policy.h — the `when` language and the verdict.
 *
 *   expr    := or
 *   or      := and { "or" and }
 *   and     := unary { "and" unary }
 *   unary   := "not" unary | cmp
 *   cmp     := operand [ ("<" | "<=" | "==" | "!=" | ">=" | ">") operand ]
 *   operand := counter | integer | "(" expr ")"
 *   counter := NAME | "dictionary." NAME | "pattern." NAME
 *            | ("recipient_domains" | "sender" | "sender_group") "in" NAME
 *
 * Counters are the names of scan.h's enum scan_counter; the others are
 * slots past SC_COUNT that the config names (conf.h POLICY_SLOTS): a
 * dictionary's or pattern's count, and the `in` predicates, 0 or 1.  An
 * operand alone is true when non-zero.  Compiled expressions are
 * immutable and shared.
 */
#ifndef DLP_POLICY_H
#define DLP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "detectors/scan.h"

/* In order of strength.  bcc sends the message on with the external
 * addresses taken out of To and Cc (the envelope unchanged).  delay (送信保留)
 * holds it for the rule's `delay` and then releases it by itself unless the
 * sender cancelled it (or an admin decided first); a bcc rule that fired
 * too makes that release Bcc-converted.  approve is a hold that the
 * sender's approver (上長) decides, from the approval request's links or the
 * console; a plain hold, which only an admin decides, is stronger. */
enum action { ACT_PASS, ACT_TAG, ACT_BCC, ACT_DELAY, ACT_APPROVE, ACT_HOLD, ACT_REJECT,
	ACT_COUNT };

const char *action_name(enum action a);
/* Action for name, or -1. */
int action_lookup(const char *name);

struct expr;

/* Compile src.  NULL on error, with the message in err and the 1-based
 * column of the offending token in *col. */
struct expr *expr_compile(const char *src, char *err, size_t errlen, int *col);
/* The names past the counters.  resolve(arg, kind, name, nlen, why, n):
 * kind "dictionary" or "pattern" (for KIND.NAME) or "recipient_domains",
 * "sender", "sender_group" (for KIND in NAME); the slot (>= SC_COUNT), or
 * -1 with why ("unknown dictionary 'x'"). */
struct expr_names {
	int (*resolve)(void *arg, const char *kind, const char *name, size_t nlen, char *why,
	    size_t whylen);
};
/* expr_compile with those names (names NULL: none, as expr_compile). */
struct expr *expr_compile_names(const char *src, const struct expr_names *names, void *arg,
    char *err, size_t errlen, int *col);
/* counters: SC_COUNT entries, or as many as the slots e reads. */
long expr_eval(const struct expr *e, const long *counters);
void expr_free(struct expr *e);

/* The integer a comparison of e compares counter c with (c < 0: any
 * counter), the first such comparison as written, left to right:
 * `external > 0 and external_visible >= 10` has threshold 0 for any
 * counter and 10 for external_visible.  -1 when there is none. */
long expr_threshold(const struct expr *e, int c);
/* e names counter c somewhere. */
bool expr_uses(const struct expr *e, int c);
/* Some rule of cf names counter c (the daemon asks the register for the
 * counters across messages only then). */
struct conf;
bool policy_uses(const struct conf *cf, int c);
/* Every integer compared with a counter in e, as written, into out[0 ..
 * max); returns how many there are (may exceed max). */
size_t expr_constants(const struct expr *e, long *out, size_t max);

/* The reason (or advice) text of a rule with its placeholders filled:
 *   {NAME}            the message's counter NAME (any counter of `when`)
 *   {threshold}       expr_threshold(when, any): the first comparison's integer
 *   {threshold:NAME}  expr_threshold(when, NAME)
 * Anything else in braces, or a threshold the rule does not have, is left
 * as written.  counters may be NULL (thresholds only).  malloc'd, NULL on
 * ENOMEM. */
char *policy_fill(const char *text, const struct expr *when, const long *counters);
/* policy_fill, and also
 *   {dictionary.NAME} {pattern.NAME}   the counter of the policy's own
 *                     dictionary or pattern NAME in r (its hits; a
 *                     pattern's distinct matches), as `when` reads it
 * (r NULL, or no such term in r: left as written). */
struct scan_result;
char *policy_fill_result(const char *text, const struct expr *when, const long *counters,
    const struct scan_result *r);
/* A term placeholder at s, "{dictionary.NAME}" or "{pattern.NAME}": its
 * length, the kind (TERM_DICT, TERM_PATTERN, text/terms.h) and the
 * name's span; 0 when s holds none. */
size_t policy_term_placeholder(const char *s, int *kind, const char **name, size_t *nlen);
/* Problems of a reason's placeholders and numbers for `dlp-milter -n`: calls
 * warn(arg, off, msg) for every {NAME} that is no counter, every
 * {threshold...} the rule's when cannot give, and every literal number (ASCII
 * or full-width digits outside braces) that is none of the integers when
 * compares (write {threshold} instead); off is the byte offset in text. */
void policy_check_text(const char *text, const struct expr *when,
    void (*warn)(void *arg, size_t off, const char *msg), void *arg);

struct conf;
struct conf_rule;

#define VERDICT_MAX_RULES 64

/* The decision: the strongest action among the rules that fired
 * (reject > hold > approve > delay > bcc > tag > pass), naming every rule
 * that fired.  delay: the longest `delay` of the fired delay rules, in
 * seconds (0 when none fired); bcc: a bcc rule fired. */
struct verdict {
	enum action action;
	long delay;
	bool bcc;
	const struct conf_rule *fired[VERDICT_MAX_RULES];
	size_t nfired;
};

/* Evaluate every rule of cf in order.  counters: POLICY_SLOTS entries
 * (conf.h), scan_result_counters then conf_policy_slots; a pure
 * function of them. */
void policy_decide(const struct conf *cf, const long *counters, struct verdict *v);
/* Comma-separated names of the rules that fired ("-" when none) into buf. */
const char *verdict_rules(const struct verdict *v, char *buf, size_t len);

#endif
