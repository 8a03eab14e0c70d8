/*
 * incident_id.c — an incident id as an administrator types it (ctl.h):
 * in any case, whole or by a unique tail ("k3m9qx" for 20261125-K3M9QX).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

#define SHOW_MATCHES 5

struct by_tail {
	const char *tail;
	size_t len;
	char first[32];
	char seen[SHOW_MATCHES][32];
	size_t n;
};

static int tail_cb(const struct incident *inc, void *arg)
{
	struct by_tail *t = arg;
	size_t n = strlen(inc->id);

	if (n < t->len || strcasecmp(inc->id + n - t->len, t->tail) != 0)
		return 0;
	if (t->n < SHOW_MATCHES)
		snprintf(t->seen[t->n], sizeof(t->seen[0]), "%s", inc->id);
	t->n++;
	return 0;
}

int ctl_incident_id(struct reg *rg, const char *cmd, const char *arg, char id[32])
{
	struct by_tail t = { .tail = arg, .len = strlen(arg) };
	struct incident inc = { .created = 0 };
	char err[512] = "";
	size_t i;
	int rc;

	if (t.len == 0 || t.len >= 32) {
		fprintf(stderr, "dlpctl %s: \"%s\" is not an incident id (YYYYMMDD-XXXXXX,"
		    " or its last characters)\n", cmd, ctl_shown(arg, ""));
		return CTL_USAGE;
	}
	for (i = 0; i <= t.len; i++)
		id[i] = (char)toupper((unsigned char)arg[i]);
	if ((rc = reg_get(rg, id, &inc, err, sizeof(err))) <= 0) {
		incident_clear(&inc);
		if (rc == 0)
			return CTL_OK;
		fprintf(stderr, "dlpctl %s: %s\n", cmd, err);
		return CTL_FAIL;
	}
	if (reg_list(rg, NULL, 0, 0, tail_cb, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl %s: %s\n", cmd, err);
		return CTL_FAIL;
	}
	if (t.n == 1) {
		snprintf(id, 32, "%s", t.seen[0]);
		return CTL_OK;
	}
	if (t.n == 0) {
		fprintf(stderr, "dlpctl %s: no incident %s\n", cmd, ctl_shown(arg, ""));
		return CTL_NOTFOUND;
	}
	fprintf(stderr, "dlpctl %s: \"%s\" is the end of %zu incident ids (", cmd,
	    ctl_shown(arg, ""), t.n);
	for (i = 0; i < t.n && i < SHOW_MATCHES; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", t.seen[i]);
	fprintf(stderr, "%s): give more of it\n", t.n > SHOW_MATCHES ? ", …" : "");
	return CTL_USAGE;
}
