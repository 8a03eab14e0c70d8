/*
 * users.c — the register's front for dlp-web (register.h): accounts,
 * sessions, used links and the console's audit trail.  Checks names and
 * roles, then calls the backend (backend.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register/backend.h"

static const char *const roles[] = { "admin", "approver", "auditor" };

/* A backend without dlp-web's tables (one written before them) says so
 * instead of calling a NULL pointer. */
#define NEED(rg, op, err, errlen) do { \
	if (!(rg)->be->op) { \
		snprintf(err, errlen, "register backend %s has no %s (dlp-web)", \
		    (rg)->be->name, #op); \
		return -1; \
	} \
} while (0)

bool reg_user_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 1 && n <= 64 && strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") == n;
}

bool reg_user_role_ok(const char *role)
{
	for (size_t i = 0; role && i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(role, roles[i]) == 0)
			return true;
	return false;
}

void reg_user_clear(struct reg_user *u)
{
	if (!u)
		return;
	free(u->hash);
	memset(u, 0, sizeof(*u));
}

int reg_user_put(struct reg *rg, const char *name, const char *role, const char *hash,
    bool replace, const char *actor, char *err, size_t errlen)
{
	if (!reg_user_name_ok(name) || !reg_user_role_ok(role) || !hash || !*hash) {
		snprintf(err, errlen, "register: user needs a name of letters, digits and . _ @ - "
		    "(1..64), a role (admin, approver or auditor) and a password hash");
		return -1;
	}
	NEED(rg, user_put, err, errlen);
	return rg->be->user_put(rg, name, role, hash, replace, actor, err, errlen);
}

int reg_user_get(struct reg *rg, const char *name, struct reg_user *u, char *err,
    size_t errlen)
{
	memset(u, 0, sizeof(*u));
	if (!reg_user_name_ok(name)) {
		snprintf(err, errlen, "no user %s", "(bad name)");
		return 1;
	}
	NEED(rg, user_get, err, errlen);
	return rg->be->user_get(rg, name, u, err, errlen);
}

int reg_user_disable(struct reg *rg, const char *name, bool disabled, const char *actor,
    char *err, size_t errlen)
{
	NEED(rg, user_disable, err, errlen);
	return rg->be->user_disable(rg, name, disabled, actor, err, errlen);
}

int reg_user_list(struct reg *rg, int (*cb)(const struct reg_user *u, void *arg), void *arg,
    char *err, size_t errlen)
{
	NEED(rg, user_list, err, errlen);
	return rg->be->user_list(rg, cb, arg, err, errlen);
}

int reg_session_add(struct reg *rg, const char *id, const char *user, const char *csrf,
    time_t created, time_t expires, char *err, size_t errlen)
{
	NEED(rg, session_add, err, errlen);
	return rg->be->session_add(rg, id, user, csrf, created, expires, err, errlen);
}

int reg_session_get(struct reg *rg, const char *id, time_t now, struct reg_session *s,
    char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	NEED(rg, session_get, err, errlen);
	return rg->be->session_get(rg, id, now, s, err, errlen);
}

int reg_session_delete(struct reg *rg, const char *id, char *err, size_t errlen)
{
	NEED(rg, session_delete, err, errlen);
	return rg->be->session_delete(rg, id, err, errlen);
}

int reg_link_use(struct reg *rg, const char *id, const char *incident, const char *action,
    time_t now, char *err, size_t errlen)
{
	NEED(rg, link_use, err, errlen);
	return rg->be->link_use(rg, id, incident, action, now, err, errlen);
}

int reg_link_used(struct reg *rg, const char *id, time_t *when, char *err, size_t errlen)
{
	NEED(rg, link_used, err, errlen);
	return rg->be->link_used(rg, id, when, err, errlen);
}

int reg_secret(struct reg *rg, const char *name, const char *proposed, char *out,
    size_t outlen, char *err, size_t errlen)
{
	NEED(rg, secret, err, errlen);
	return rg->be->secret(rg, name, proposed, out, outlen, err, errlen);
}

int reg_web_audit(struct reg *rg, const char *actor, const char *action, const char *incident,
    const char *detail, char *err, size_t errlen)
{
	NEED(rg, web_audit, err, errlen);
	return rg->be->web_audit(rg, actor, action, incident, detail, err, errlen);
}

int reg_web_audit_list(struct reg *rg, const char *incident, int limit,
    int (*cb)(const struct web_audit *a, void *arg), void *arg, char *err, size_t errlen)
{
	NEED(rg, web_audit_list, err, errlen);
	return rg->be->web_audit_list(rg, incident, limit, cb, arg, err, errlen);
}
