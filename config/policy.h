/*
 * policy.h — the `when` language and the verdict.
 *
 *   expr    := or
 *   or      := and { "or" and }
 *   and     := unary { "and" unary }
 *   unary   := "not" unary | cmp
 *   cmp     := operand [ ("<" | "<=" | "==" | "!=" | ">=" | ">") operand ]
 *   operand := counter | integer | "(" expr ")"
 *
 * Counters are the names of scan.h's enum scan_counter.  An operand alone
 * is true when non-zero.  Compiled expressions are immutable and shared.
 */
#ifndef DLP_POLICY_H
#define DLP_POLICY_H

#include <stddef.h>

#include "detectors/scan.h"

/* In order of strength.  bcc sends the message on with the external
 * addresses taken out of To and Cc (the envelope unchanged).  approve is a hold that the sender's approver
 * (上長) decides, from the approval request's links or the console; a
 * plain hold, which only an admin decides, is stronger. */
enum action { ACT_PASS, ACT_TAG, ACT_BCC, ACT_APPROVE, ACT_HOLD, ACT_REJECT, ACT_COUNT };

const char *action_name(enum action a);
/* Action for name, or -1. */
int action_lookup(const char *name);

struct expr;

/* Compile src.  NULL on error, with the message in err and the 1-based
 * column of the offending token in *col. */
struct expr *expr_compile(const char *src, char *err, size_t errlen, int *col);
long expr_eval(const struct expr *e, const long counters[SC_COUNT]);
void expr_free(struct expr *e);

struct conf;
struct conf_rule;

#define VERDICT_MAX_RULES 64

/* The decision: the strongest action among the rules that fired
 * (reject > hold > approve > bcc > tag > pass), naming every rule that fired. */
struct verdict {
	enum action action;
	const struct conf_rule *fired[VERDICT_MAX_RULES];
	size_t nfired;
};

/* Evaluate every rule of cf in order. */
void policy_decide(const struct conf *cf, const long counters[SC_COUNT], struct verdict *v);
/* Comma-separated names of the rules that fired ("-" when none) into buf. */
const char *verdict_rules(const struct verdict *v, char *buf, size_t len);

#endif
