/*
 * approvers.c — the register's front for supervisor approval
 * (register.h): checks subjects, and finds the subject that decides for
 * a sender (its address, else its domain, else each parent domain).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "register/backend.h"

bool reg_approver_subject_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *at = s ? strrchr(s, '@') : NULL;

	if (n < 2 || n > 320 || !at || !at[1] || strchr(at + 1, '.') == NULL)
		return false;
	for (const char *p = s; *p; p++)
		if (!isgraph((unsigned char)*p) || strchr("<>\"(),;:\\[]|", *p))
			return false;
	return true;
}

int reg_approver_set(struct reg *rg, const char *subject, const char *const *approvers,
    size_t n, const char *const *proxies, size_t m, const char *actor, char *err,
    size_t errlen)
{
	char lower[330];

	if (!reg_approver_subject_ok(subject)) {
		snprintf(err, errlen, "approvers: bad subject \"%s\" (an address, or @domain)",
		    subject ? subject : "");
		return -1;
	}
	for (size_t i = 0; i < n + m; i++) {
		const char *a = i < n ? approvers[i] : proxies[i - n];
		if (!reg_approver_subject_ok(a) || a[0] == '@') {
			snprintf(err, errlen, "approvers: bad approver address \"%s\"", a ? a : "");
			return -1;
		}
	}
	if (!rg->be->approver_set || !rg->be->approver_rows) {
		snprintf(err, errlen, "register backend %s has no approvers table", rg->be->name);
		return -1;
	}
	/* Domains compare without case: kept in lower case. */
	snprintf(lower, sizeof(lower), "%s", subject);
	for (char *p = strrchr(lower, '@'); p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return rg->be->approver_set(rg, lower, approvers, n, proxies, m, actor, err, errlen);
}

struct found {
	int (*cb)(const struct reg_approver *a, void *arg);
	void *arg;
	int n;
	bool stopped;
};

static int pass_on(const struct reg_approver *a, void *arg)
{
	struct found *f = arg;

	f->n++;
	if (f->cb(a, f->arg) != 0) {
		f->stopped = true;
		return 1;
	}
	return 0;
}

int reg_approver_list(struct reg *rg, const char *sender,
    int (*cb)(const struct reg_approver *a, void *arg), void *arg, char *err, size_t errlen)
{
	struct found f = { cb, arg, 0, false };
	char subject[330], lower[330];
	const char *at, *dom;

	if (!rg->be->approver_rows) {
		snprintf(err, errlen, "register backend %s has no approvers table", rg->be->name);
		return -1;
	}
	if (!sender)
		return rg->be->approver_rows(rg, NULL, cb, arg, err, errlen);
	if (!(at = strrchr(sender, '@')) || strlen(sender) >= sizeof(lower))
		return 0;
	/* Domains compare without case; a local part as written, then lower. */
	snprintf(lower, sizeof(lower), "%s", sender);
	for (char *p = lower + (at - sender); *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (rg->be->approver_rows(rg, lower, pass_on, &f, err, errlen) < 0)
		return -1;
	for (dom = lower + (at - sender) + 1; f.n == 0 && dom && *dom;
	    dom = strchr(dom, '.') ? strchr(dom, '.') + 1 : NULL) {
		if (!strchr(dom, '.'))
			break;	/* not a bare top-level domain */
		snprintf(subject, sizeof(subject), "@%s", dom);
		if (rg->be->approver_rows(rg, subject, pass_on, &f, err, errlen) < 0)
			return -1;
	}
	return 0;
}

struct is_arg {
	const char *addr;
	int max_rank;
	bool yes;
};

static int match(const struct reg_approver *a, void *arg)
{
	struct is_arg *x = arg;

	if (a->rank <= x->max_rank && strcasecmp(a->approver, x->addr) == 0) {
		x->yes = true;
		return 1;
	}
	return 0;
}

int reg_approver_is(struct reg *rg, const char *sender, const char *addr, int max_rank,
    char *err, size_t errlen)
{
	struct is_arg x = { addr, max_rank, false };

	if (!sender || !addr || reg_approver_list(rg, sender, match, &x, err, errlen) < 0)
		return !sender || !addr ? 0 : -1;
	return x.yes ? 1 : 0;
}
