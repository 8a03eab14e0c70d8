/*
 * queue.c — the notice queue (see queue.h): who gets which notice, when a
 * failed one is tried again and what its audit row says.  The rows are the
 * register's (reg_notice_*), which runs every change in one transaction of
 * its backend, so the daemon's notifier and any number of dlpctl
 * processes can claim and finish notices at once without a notice being
 * sent twice by two live senders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/recipients.h"
#include "notice/queue.h"

void nq_notice_clear(struct nq_notice *n)
{
	if (!n)
		return;
	free(n->note);
	free(n->last_error);
	memset(n, 0, sizeof(*n));
}

long nq_backoff(int attempts)
{
	long s = 60;

	for (int i = 1; i < attempts && s < 3600; i++)
		s *= 2;
	return s < 3600 ? s : 3600;
}

bool nq_sender_internal(const struct scan_options *opt, const char *sender)
{
	const char *at = sender ? strrchr(sender, '@') : NULL;

	return at && at != sender && at[1] && rcpt_is_internal(opt, sender);
}

/* Take over r's fields into n (r is left empty). */
static void from_reg(struct nq_notice *n, struct reg_notice *r)
{
	memset(n, 0, sizeof(*n));
	n->seq = r->seq;
	snprintf(n->incident, sizeof(n->incident), "%s", r->incident);
	n->kind = notice_kind_from_name(r->kind);
	snprintf(n->recipient, sizeof(n->recipient), "%s", r->recipient);
	n->note = r->note;
	snprintf(n->status, sizeof(n->status), "%s", r->status);
	n->attempts = r->attempts;
	n->created = r->created;
	n->next_try = r->next_try;
	n->claimed = r->claimed;
	n->sent = r->sent;
	n->last_error = r->last_error;
	memset(r, 0, sizeof(*r));
}

struct plan {
	struct reg *rg;
	const struct scan_options *opt;
	const char *admin;
	/* the approvers of the incident being planned (valid until the next) */
	char addr[REG_PLAN_MAX][330];
	int naddr, room;
	char (*buf)[NQ_ADDR_MAX];	/* the admin addresses split, REG_PLAN_MAX */
};

int nq_admins(const char *list, struct reg_notice_want *w, int max, char (*buf)[NQ_ADDR_MAX])
{
	int n = 0;
	size_t len;

	for (const char *s = list; s && n < max;) {
		s += strspn(s, ", \t");
		if (!*s)
			break;
		len = strcspn(s, ", \t");
		if (len < NQ_ADDR_MAX) {
			memcpy(buf[n], s, len);
			buf[n][len] = '\0';
			w[n] = (struct reg_notice_want){ notice_kind_name(NOTICE_ADMIN), buf[n] };
			n++;
		}
		s += len;
	}
	return n;
}

static int add_approver(const struct reg_approver *a, void *arg)
{
	struct plan *p = arg;

	if (a->rank != 0)
		return 0;	/* proxies (代理承認者) are not asked first */
	if (p->naddr >= p->room)
		return 1;
	snprintf(p->addr[p->naddr++], sizeof(p->addr[0]), "%s", a->approver);
	return 0;
}

/* The notices of one unplanned incident: hold → its sender when the
 * incident is a hold (or an approve), still held and the sender internal;
 * reject → its sender when a reject and the sender internal; admin → the
 * administrator for a hold or a reject; approval → the sender's approvers
 * (approvers table) for an approve, as many as fit; delay → its sender
 * when still delayed and internal, and nobody else. */
static int want(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w)
{
	struct plan *p = arg;
	bool held = status && strcmp(status, "held") == 0;
	bool approve = action && strcmp(action, "approve") == 0;
	bool delay = action && strcmp(action, "delay") == 0;
	char err[256];
	int n = 0;

	(void)id;
	/* A delay: the sender may cancel it until it goes; no admin notice
	 * (delays are routine, the register and the log have them). */
	if (delay) {
		if (status && strcmp(status, "delayed") == 0 && nq_sender_internal(p->opt, sender))
			w[n++] = (struct reg_notice_want){ notice_kind_name(NOTICE_DELAY), sender };
		return n;
	}
	if (action && (strcmp(action, "hold") == 0 || approve) && held &&
	    nq_sender_internal(p->opt, sender))
		w[n++] = (struct reg_notice_want){ notice_kind_name(NOTICE_HOLD), sender };
	if (action && strcmp(action, "reject") == 0 && status && strcmp(status, "rejected") == 0 &&
	    nq_sender_internal(p->opt, sender))
		w[n++] = (struct reg_notice_want){ notice_kind_name(NOTICE_REJECT), sender };
	n += nq_admins(p->admin, w + n, REG_PLAN_MAX - n, p->buf);
	if (approve && held && sender && *sender) {
		p->naddr = 0;
		p->room = REG_PLAN_MAX - n;
		if (reg_approver_list(p->rg, sender, add_approver, p, err, sizeof(err)) < 0)
			p->naddr = 0;	/* the admin notice still goes; the console shows it */
		for (int i = 0; i < p->naddr; i++)
			w[n++] = (struct reg_notice_want){ notice_kind_name(NOTICE_APPROVAL),
			    p->addr[i] };
	}
	return n;
}

int nq_plan(struct reg *rg, const struct scan_options *opt, const char *admin, time_t now,
    int *added, char *err, size_t errlen)
{
	char buf[REG_PLAN_MAX][NQ_ADDR_MAX];
	struct plan p = { .rg = rg, .opt = opt, .admin = admin, .buf = buf };

	return reg_notice_plan(rg, want, &p, now, added, err, errlen);
}

struct hold_to {
	const char *sender;
	bool found;
};

static int hold_cb(const struct nq_notice *n, void *arg)
{
	struct hold_to *h = arg;

	if (n->kind == NOTICE_HOLD && strcmp(n->recipient, h->sender) == 0)
		h->found = true;
	return h->found;
}

int nq_expired(struct reg *rg, const char *id, time_t now, char *err, size_t errlen)
{
	struct incident inc;
	struct hold_to h = { NULL, false };
	char e[256];
	int rc;

	if (!err) {
		err = e;
		errlen = sizeof(e);
	}
	if ((rc = reg_get(rg, id, &inc, err, errlen)) != 0) {
		if (rc > 0)
			snprintf(err, errlen, "no incident %s", id);
		return -1;
	}
	h.sender = inc.sender ? inc.sender : "";
	rc = inc.status && strcmp(inc.status, "expired") == 0 && *h.sender ?
	    nq_list(rg, id, hold_cb, &h, err, errlen) : 0;
	if (rc >= 0 && h.found)
		rc = reg_notice_add(rg, id, notice_kind_name(NOTICE_EXPIRED), h.sender, NULL, false,
		    now, NULL, err, errlen) < 0 ? -1 : 0;
	incident_clear(&inc);
	return rc < 0 ? -1 : h.found ? 1 : 0;
}

int nq_add(struct reg *rg, const char *id, enum notice_kind kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen)
{
	int rc = reg_notice_add(rg, id, notice_kind_name(kind), rcpt, note, claim, now, seq, err,
	    errlen);

	if (rc == 1)
		snprintf(err, errlen, "a %s notice to %s for %s exists already",
		    notice_kind_name(kind), rcpt, id);
	return rc;
}

int nq_get(struct reg *rg, long long seq, struct nq_notice *n, char *err, size_t errlen)
{
	struct reg_notice r;
	int rc = reg_notice_get(rg, seq, &r, err, errlen);

	memset(n, 0, sizeof(*n));
	if (rc == 0)
		from_reg(n, &r);
	return rc;
}

int nq_claim(struct reg *rg, time_t now, long stale, struct nq_notice *n,
    char *err, size_t errlen)
{
	struct reg_notice r;
	int rc = reg_notice_claim(rg, now, stale, &r, err, errlen);

	memset(n, 0, sizeof(*n));
	if (rc == 0)
		from_reg(n, &r);
	return rc;
}

int nq_finish(struct reg *rg, const struct nq_notice *n, const char *actor,
    const char *error, time_t now, char *err, size_t errlen)
{
	bool give_up = error && now - n->created >= NQ_GIVE_UP;
	const char *status = !error ? "sent" : give_up ? "failed" : "pending";
	time_t next = error && !give_up ? now + nq_backoff(n->attempts) : now;
	struct reg_notice r = { .seq = n->seq };
	char why[1024], when[40];
	struct tm tm;

	snprintf(r.incident, sizeof(r.incident), "%s", n->incident);
	localtime_r(&next, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (!error)
		snprintf(why, sizeof(why), "%s to %s", notice_kind_name(n->kind), n->recipient);
	else
		snprintf(why, sizeof(why), "%s to %s, attempt %d: %s%s%s", notice_kind_name(n->kind),
		    n->recipient, n->attempts, error, give_up ? "; giving up" : "; next try at ",
		    give_up ? "" : when);
	return reg_notice_finish(rg, &r, status, next, error, now, actor,
	    error ? "notice failed" : "notice sent", why, err, errlen);
}

struct list_arg {
	int (*cb)(const struct nq_notice *n, void *arg);
	void *arg;
};

static int list_one(const struct reg_notice *r, void *arg)
{
	struct list_arg *l = arg;
	struct reg_notice copy = *r;
	struct nq_notice n;
	int rc;

	/* the walk owns r's strings: lend them, take them back */
	from_reg(&n, &copy);
	rc = l->cb(&n, l->arg);
	return rc;
}

int nq_list(struct reg *rg, const char *id, int (*cb)(const struct nq_notice *n, void *arg),
    void *arg, char *err, size_t errlen)
{
	struct list_arg l = { cb, arg };

	return reg_notice_list(rg, id, list_one, &l, err, errlen);
}

/* ---- the proxy approvers (代理承認) ---- */

/* Where the notices of one asking go: queued for the notifier, or claimed
 * for the caller to deliver now (their seqs kept). */
struct asking {
	struct reg *rg;
	time_t now;
	bool claim;
	long long *seqs;
	int nseq, maxseq;
};

/* Queue (or claim) an approval notice of incident id for rcpt with note.
 * 0 queued, 1 queued before, -1 with err. */
static int ask_one(struct asking *k, const char *id, const char *rcpt, const char *note,
    char *err, size_t errlen)
{
	long long seq = 0;
	int rc = reg_notice_add(k->rg, id, notice_kind_name(NOTICE_APPROVAL), rcpt, note, k->claim,
	    k->now, k->claim ? &seq : NULL, err, errlen);

	if (rc == 0 && k->claim && k->nseq < k->maxseq)
		k->seqs[k->nseq++] = seq;
	return rc;
}

struct who {
	char a[REG_PLAN_MAX][330];	/* rank 0 */
	char p[REG_PLAN_MAX][330];	/* rank 1 */
	int na, np;
};

static int who_row(const struct reg_approver *a, void *arg)
{
	struct who *w = arg;

	if (a->rank == 0 && w->na < REG_PLAN_MAX)
		snprintf(w->a[w->na++], sizeof(w->a[0]), "%s", a->approver);
	else if (a->rank != 0 && w->np < REG_PLAN_MAX)
		snprintf(w->p[w->np++], sizeof(w->p[0]), "%s", a->approver);
	return 0;
}

/* The one rule for a request waiting for its approvers (an approve hold
 * since the hold, a justified hold since the sender's request): its
 * sender's proxies are asked, with the request's note, and the request
 * marked, when an approver is away at now, when there are proxies but no
 * approver, or when after (> 0) seconds have passed since wt->created.
 * 1 asked, 0 not (yet), -1 with err (not marked: tried again). */
static int ask_proxies(struct asking *k, const struct reg_waiting *wt, const struct who *w,
    long after, char *err, size_t errlen)
{
	char why[512] = "";
	int rc;

	if (w->np == 0)
		return 0;	/* no proxy: the approvers (or the admin) decide */
	for (int i = 0; i < w->na && !why[0]; i++)
		if ((rc = reg_away_is(k->rg, w->a[i], k->now, err, errlen)) == 1)
			snprintf(why, sizeof(why), "承認者 %s 不在 / approver %s away", w->a[i], w->a[i]);
	if (!why[0] && (w->na == 0 || (after > 0 && k->now - wt->created >= after)))
		snprintf(why, sizeof(why), "%s", w->na == 0 ? "承認者なし / no approver" :
		    "期限までに未決定 / no decision in time");
	if (!why[0])
		return 0;
	for (int i = 0; i < w->np; i++)
		if (ask_one(k, wt->id, w->p[i], wt->note, err, errlen) < 0)
			return -1;
	if (reg_proxy_mark(k->rg, wt->id, why, k->now, err, errlen) < 0)
		return -1;
	return 1;
}

struct proxy_run {
	struct asking k;
	long after;		/* seconds; 0: never by time */
	int asked;
	int failed;
	char err[256];
};

static int proxy_one(const struct reg_waiting *wt, void *arg)
{
	struct proxy_run *r = arg;
	struct who w = { .na = 0, .np = 0 };
	char err[256];
	int rc;

	if (reg_approver_list(r->k.rg, wt->sender, who_row, &w, err, sizeof(err)) < 0 ||
	    (rc = ask_proxies(&r->k, wt, &w, r->after, err, sizeof(err))) < 0) {
		snprintf(r->err, sizeof(r->err), "%s", err);
		r->failed++;
		return 0;
	}
	r->asked += rc;
	return 0;
}

int nq_proxy(struct reg *rg, long after, time_t now, int *asked, char *err, size_t errlen)
{
	struct proxy_run r = { .k = { .rg = rg, .now = now }, .after = after };

	if (reg_proxy_waiting(rg, proxy_one, &r, err, errlen) < 0)
		return -1;
	if (asked)
		*asked = r.asked;
	if (r.failed) {
		snprintf(err, errlen, "proxy requests: %s", r.err);
		return -1;
	}
	return 0;
}

int nq_request_approval(struct reg *rg, const char *id, const char *sender, const char *note,
    long after, time_t now, long long *seqs, int max, int *n, char *err, size_t errlen)
{
	struct asking k = { .rg = rg, .now = now, .claim = true, .seqs = seqs, .maxseq = max };
	struct reg_waiting wt = { .id = id, .sender = sender, .created = now, .note = note };
	struct who w = { .na = 0, .np = 0 };
	int proxies;

	*n = 0;
	if (!sender || !*sender || reg_approver_list(rg, sender, who_row, &w, err, errlen) < 0)
		return sender && *sender ? -1 : 0;
	for (int i = 0; i < w.na; i++)
		if (ask_one(&k, id, w.a[i], note, err, errlen) < 0)
			return -1;
	if ((proxies = ask_proxies(&k, &wt, &w, after, err, errlen)) < 0)
		return -1;
	*n = k.nseq;
	return w.na + (proxies ? w.np : 0);
}
