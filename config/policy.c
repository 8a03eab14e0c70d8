/*
 * policy.c — the verdict over a config's rules: the action names, which
 * rules fire for a message's counters, the list of fired rules for the log.
 * The `when` language is expr.c; the placeholders of a rule's reason are
 * reason.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/policy.h"

static const char *const action_names[ACT_COUNT] = { "pass", "tag", "bcc", "delay", "approve",
	"hold", "reject" };

const char *action_name(enum action a)
{
	return (unsigned)a < ACT_COUNT ? action_names[a] : "?";
}

int action_lookup(const char *name)
{
	for (int i = 0; i < ACT_COUNT; i++)
		if (name && strcmp(name, action_names[i]) == 0)
			return i;
	return -1;
}

void policy_decide(const struct conf *cf, const long *counters, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->action = ACT_PASS;
	if (!cf)
		return;
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct conf_rule *r = &cf->rules[i];

		if (!expr_eval(r->when, counters))
			continue;
		if (v->nfired < VERDICT_MAX_RULES)
			v->fired[v->nfired++] = r;
		if (r->action > v->action)
			v->action = r->action;
		if (r->action == ACT_DELAY && r->delay > v->delay)
			v->delay = r->delay;
		if (r->action == ACT_BCC)
			v->bcc = true;
	}
}

/* Names that do not fit are left out whole and "..." ends the list. */
const char *verdict_rules(const struct verdict *v, char *buf, size_t len)
{
	size_t used = 0;

	if (!buf || len == 0)
		return buf;
	snprintf(buf, len, "%s", v->nfired ? "" : "-");
	for (size_t i = 0; i < v->nfired; i++) {
		const char *name = v->fired[i]->name;
		size_t need = strlen(name) + (i ? 1 : 0);

		if (used + need + 1 > len) {
			const char *more = used ? ",..." : "...";

			if (used + strlen(more) + 1 <= len)
				snprintf(buf + used, len - used, "%s", more);
			break;
		}
		snprintf(buf + used, len - used, "%s%s", i ? "," : "", name);
		used += need;
	}
	return buf;
}

bool policy_uses(const struct conf *cf, int c)
{
	for (size_t i = 0; cf && i < cf->nrules; i++)
		if (expr_uses(cf->rules[i].when, c))
			return true;
	return false;
}
