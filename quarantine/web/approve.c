/*
 * approve.c — an approver's approval (link or console), with the
 * two-person rule (the hold's approvals: its rule's, else [web] approvals,
 * incident.h incident_approvals): each approval is a row
 * "approved" of the incident's history; the message is released (through
 * release_incident, the checked path) once approvals distinct approvers
 * have approved.  Two approvals at once both count and both try the
 * release; the release's claim lets one win.  An approver counts once,
 * however they approve (link or console).  An approval may ask for the
 * release Bcc-converted (the console's 「Bccに変換して送信」, a row "Bcc
 * conversion asked" beside it): when any approval of the incident asked,
 * the release that the last approval makes is Bcc-converted — the
 * addresses stay hidden whoever approves last.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "quarantine/incident.h"
#include "quarantine/release.h"
#include "web/web.h"

/* The address of an actor "approver:ADDR" or "web:ADDR". */
static const char *who(const char *actor)
{
	const char *colon = actor ? strchr(actor, ':') : NULL;

	return colon ? colon + 1 : actor ? actor : "";
}

#define BCC_ASKED "Bcc conversion asked"

struct count {
	char seen[8][330];
	int n;
	bool bcc;		/* an approval asked for the release Bcc-converted */
};

static int count_row(const struct audit *a, void *arg)
{
	struct count *c = arg;
	const char *addr = who(a->actor);

	if (strcmp(a->action, BCC_ASKED) == 0)
		c->bcc = true;
	if (strcmp(a->action, "approved") != 0)
		return 0;
	for (int i = 0; i < c->n; i++)
		if (strcasecmp(c->seen[i], addr) == 0)
			return 0;
	if (c->n < 8)
		snprintf(c->seen[c->n++], sizeof(c->seen[0]), "%s", addr);
	return 0;
}

enum release_rc web_approve(struct web *w, const char *id, const char *actor,
    const char *reason, bool bcc, int *have, char *msg, size_t msglen)
{
	struct scan_options opt;
	struct release_opts o = { .relay = w->cf->release_relay, .qdir = w->qdir, .actor = actor,
		.reason = reason };
	struct count c = { .n = 0 };
	struct incident inc;
	char err[512];
	int need;

	*have = 0;
	if (reg_get(w->rg, id, &inc, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "incident %s: %s", id, err[0] ? err : "not found");
		return REL_ERROR;
	}
	need = incident_approvals(&inc, (int)w->cf->web_approvals);
	incident_clear(&inc);
	if (reg_audit(w->rg, id, actor, "approved", reason, err, sizeof(err)) < 0 ||
	    (bcc && reg_audit(w->rg, id, actor, BCC_ASKED, NULL, err, sizeof(err)) < 0)) {
		snprintf(msg, msglen, "%s", err);
		return REL_ERROR;
	}
	if (reg_history(w->rg, id, count_row, &c, err, sizeof(err)) < 0) {
		snprintf(msg, msglen, "%s", err);
		return REL_ERROR;
	}
	*have = c.n;
	if (c.n < need) {
		snprintf(msg, msglen, "incident %s: approval %d of %d recorded; waiting for another "
		    "approver", id, c.n, need);
		return REL_BUSY;
	}
	if (c.bcc) {
		conf_scan_options(w->cf, &opt);
		o.bcc = &opt;
	}
	return release_incident(w->rg, id, &o, NULL, msg, msglen);
}
