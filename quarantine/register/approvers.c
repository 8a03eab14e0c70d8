/*
 * approvers.c — the register's front for supervisor approval
 * (register.h): checks subjects, and finds the subject that decides for
 * a sender (its address, else its group, else its domain, else each parent
 * domain); groups, approvers away and the proxy requests.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "register/backend.h"

bool reg_group_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	const unsigned char *p = (const unsigned char *)name;

	if (n < 1 || n > 128 || isspace(p[0]) || isspace(p[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		size_t k = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 :
		    (c & 0xF8) == 0xF0 ? 3 : 9;

		if (k == 9 || (k == 1 && c < 0xC2) || (k && i + k >= n))
			return false;
		if (k == 0 && (c < 0x20 || c == 0x7F || strchr(",;\"", c)))
			return false;
		for (size_t j = 1; j <= k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

bool reg_approver_subject_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *at = s ? strrchr(s, '@') : NULL;

	if (s && strncmp(s, REG_GROUP_PREFIX, strlen(REG_GROUP_PREFIX)) == 0)
		return reg_group_name_ok(s + strlen(REG_GROUP_PREFIX));

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
		snprintf(err, errlen, "approvers: bad subject \"%s\" (an address, @domain or "
		    "group:NAME)",
		    subject ? subject : "");
		return -1;
	}
	for (size_t i = 0; i < n + m; i++) {
		const char *a = i < n ? approvers[i] : proxies[i - n];
		if (!reg_approver_subject_ok(a) || a[0] == '@' || !strchr(a, '@')) {
			snprintf(err, errlen, "approvers: bad approver address \"%s\"", a ? a : "");
			return -1;
		}
	}
	if (!rg->be->approver_set || !rg->be->approver_rows) {
		snprintf(err, errlen, "register backend %s has no approvers table", rg->be->name);
		return -1;
	}
	/* Domains compare without case: kept in lower case (a group as written). */
	snprintf(lower, sizeof(lower), "%s", subject);
	for (char *p = strchr(lower, ':') ? NULL : strrchr(lower, '@'); p && *p; p++)
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
	if (f.n == 0 && rg->be->group_of) {
		char group[200];
		int rc = rg->be->group_of(rg, lower, group, sizeof(group), err, errlen);

		if (rc < 0)
			return -1;
		snprintf(subject, sizeof(subject), "%s%s", REG_GROUP_PREFIX, group);
		if (rc == 0 && rg->be->approver_rows(rg, subject, pass_on, &f, err, errlen) < 0)
			return -1;
	}
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

/* ---- groups, away, proxy requests ---- */

static bool has(const struct reg *rg, const void *op, char *err, size_t errlen)
{
	if (!op)
		snprintf(err, errlen, "register backend %s has no approver groups", rg->be->name);
	return op != NULL;
}

/* An address with its domain in lower case into out[330]; false when bad. */
static bool address(const char *a, char out[330])
{
	if (!reg_approver_subject_ok(a) || a[0] == '@' || !strchr(a, '@') ||
	    strchr(a, ':'))
		return false;
	snprintf(out, 330, "%s", a);
	for (char *p = strrchr(out, '@'); *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return true;
}

int reg_group_set(struct reg *rg, const char *member, const char *group, const char *actor,
    char *err, size_t errlen)
{
	char m[330];

	if (!address(member, m)) {
		snprintf(err, errlen, "groups: bad member address \"%s\"", member ? member : "");
		return -1;
	}
	if (group && *group && !reg_group_name_ok(group)) {
		snprintf(err, errlen, "groups: bad group name \"%s\" (1 to 128 bytes of UTF-8, "
		    "no control characters, no , ; \")", group);
		return -1;
	}
	if (!has(rg, rg->be->group_set, err, errlen))
		return -1;
	return rg->be->group_set(rg, m, group && *group ? group : NULL, actor, err, errlen);
}

int reg_group_of(struct reg *rg, const char *member, char *group, size_t len, char *err,
    size_t errlen)
{
	char m[330];

	if (!address(member, m))
		return 1;
	if (!has(rg, rg->be->group_of, err, errlen))
		return -1;
	return rg->be->group_of(rg, m, group, len, err, errlen);
}

int reg_group_list(struct reg *rg, const char *group,
    int (*cb)(const struct reg_member *m, void *arg), void *arg, char *err, size_t errlen)
{
	if (!has(rg, rg->be->group_list, err, errlen))
		return -1;
	return rg->be->group_list(rg, group, cb, arg, err, errlen);
}

int reg_away_set(struct reg *rg, const char *approver, bool away, time_t back,
    const char *actor, char *err, size_t errlen)
{
	char a[330];

	if (!address(approver, a)) {
		snprintf(err, errlen, "approvers: bad approver address \"%s\"",
		    approver ? approver : "");
		return -1;
	}
	if (!has(rg, rg->be->away_set, err, errlen))
		return -1;
	return rg->be->away_set(rg, a, away, away ? back : 0, actor, err, errlen);
}

int reg_away_list(struct reg *rg, int (*cb)(const struct reg_away *a, void *arg), void *arg,
    char *err, size_t errlen)
{
	if (!has(rg, rg->be->away_list, err, errlen))
		return -1;
	return rg->be->away_list(rg, NULL, cb, arg, err, errlen);
}

struct away_arg {
	time_t now;
	bool yes;
};

static int away_row(const struct reg_away *a, void *arg)
{
	struct away_arg *x = arg;

	x->yes = a->back == 0 || a->back > x->now;
	return 1;
}

int reg_away_is(struct reg *rg, const char *approver, time_t now, char *err, size_t errlen)
{
	struct away_arg x = { now, false };
	char a[330];

	if (!address(approver, a))
		return 0;
	if (!has(rg, rg->be->away_list, err, errlen) ||
	    rg->be->away_list(rg, a, away_row, &x, err, errlen) < 0)
		return -1;
	return x.yes ? 1 : 0;
}

int reg_proxy_waiting(struct reg *rg, int (*cb)(const struct reg_waiting *w, void *arg),
    void *arg, char *err, size_t errlen)
{
	if (!has(rg, rg->be->proxy_waiting, err, errlen))
		return -1;
	return rg->be->proxy_waiting(rg, cb, arg, err, errlen);
}

int reg_proxy_mark(struct reg *rg, const char *id, const char *actor, const char *why,
    time_t now, char *err, size_t errlen)
{
	if (!id || !*id || !why) {
		snprintf(err, errlen, "proxy requests: no incident");
		return -1;
	}
	if (!actor || !*actor) {
		snprintf(err, errlen, "proxy requests: no actor");
		return -1;
	}
	if (!has(rg, rg->be->proxy_mark, err, errlen))
		return -1;
	return rg->be->proxy_mark(rg, id, actor, why, now, err, errlen);
}
