/*
 * policy_slots.c — the slots past the counters (conf.h POLICY_SLOTS),
 * filled before policy_decide so that it stays a pure function of them:
 * the terms' counts, and the `in` predicates over the sender, the
 * sender's group and the external recipients.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/conf.h"
#include "mime/recipients.h"
#include "text/terms.h"

/* dom (lower or mixed case) is d or a subdomain of d. */
static bool domain_in(const char *dom, const char *d)
{
	size_t n = strlen(dom), k = strlen(d);

	if (n < k || strcasecmp(dom + n - k, d) != 0)
		return false;
	return n == k || dom[n - k - 1] == '.';
}

/* addr is one of l's addresses, or its domain under one of l's domains. */
static bool address_in(const struct conf_list *l, const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	if (!addr || !*addr)
		return false;
	for (size_t i = 0; i < l->naddresses; i++)
		if (strcasecmp(l->addresses[i], addr) == 0)
			return true;
	for (size_t i = 0; at && i < l->ndomains; i++)
		if (domain_in(at + 1, l->domains[i]))
			return true;
	return false;
}

/* Every external envelope recipient is in l; false when there is none
 * (a message to no one outside is no message "to partners"). */
static bool recipients_in(const struct conf *cf, const struct conf_list *l,
    const struct scan_result *r)
{
	struct scan_options opt;
	size_t external = 0;

	conf_scan_options(cf, &opt);
	for (size_t i = 0; i < r->rcpt.n_envelope; i++) {
		if (rcpt_is_internal(&opt, r->rcpt.envelope[i]))
			continue;
		external++;
		if (!address_in(l, r->rcpt.envelope[i]))
			return false;
	}
	return external > 0;
}

static bool group_in(const struct conf_list *l, const char *group)
{
	for (size_t i = 0; group && *group && i < l->ngroups; i++)
		if (strcmp(l->groups[i], group) == 0)
			return true;
	return false;
}

void conf_policy_slots(const struct conf *cf, const struct scan_result *r,
    const char *sender_group, long counters[POLICY_SLOTS])
{
	memset(counters + SC_COUNT, 0, (POLICY_SLOTS - SC_COUNT) * sizeof(*counters));
	if (!cf)
		return;
	for (size_t i = 0; i < cf->nterm_src && i < TERMS_MAX; i++)
		counters[SC_COUNT + i] = scan_result_term(r, i);
	for (size_t i = 0; i < cf->npreds && SC_COUNT + TERMS_MAX + i < POLICY_SLOTS; i++) {
		const struct conf_list *l = &cf->lists[cf->preds[i].list];
		bool v = false;

		switch (cf->preds[i].kind) {
		case PRED_RECIPIENT_DOMAINS:
			v = recipients_in(cf, l, r);
			break;
		case PRED_SENDER:
			v = address_in(l, r->sender);
			break;
		default:
			v = group_in(l, sender_group);
			break;
		}
		counters[SC_COUNT + TERMS_MAX + i] = v;
	}
}

const char *conf_slot_name(const struct conf *cf, size_t i, char *buf, size_t len)
{
	static const char *const subjects[PRED_COUNT] = { "recipient_domains", "sender",
	    "sender_group" };

	if (i >= SC_COUNT && i < SC_COUNT + cf->nterm_src) {
		const struct conf_term *t = &cf->term_src[i - SC_COUNT];

		snprintf(buf, len, "%s.%s", term_kind_name((enum term_kind)t->kind), t->name);
		return buf;
	}
	if (i >= SC_COUNT + TERMS_MAX && i < SC_COUNT + TERMS_MAX + cf->npreds) {
		const struct conf_pred *p = &cf->preds[i - SC_COUNT - TERMS_MAX];

		snprintf(buf, len, "%s in %s", subjects[p->kind], cf->lists[p->list].name);
		return buf;
	}
	return NULL;
}
