/*
 * queue.h — the notices to send, kept in the register (table
 * notices, migration 2), so that no notice is lost to a slow or dead
 * relay, a crash or a restart.
 *
 * Life of a notice: pending (next_try) → sending (claimed by one sender,
 * attempts + 1) → sent, or back to pending with a later next_try
 * (backoff: 1, 2, 4 … minutes, at most an hour), or failed once
 * NQ_GIVE_UP seconds have passed since it was queued.  A claim older than
 * the caller's `stale` (the sender died) may be taken again.  Every sent
 * notice and every failed attempt is an audit row of its incident.
 *
 * The daemon plans the notices of new incidents (nq_plan: hold → the
 * sender when internal, admin → [notice] admin for holds and rejects);
 * dlpctl adds the outcome notices of release and delete (nq_add).
 */
#ifndef DLP_NOTICE_QUEUE_H
#define DLP_NOTICE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "detectors/scan.h"
#include "notice/notice.h"
#include "register/register.h"

#define NQ_GIVE_UP (2 * 86400)	/* seconds after queueing: failed for good */
#define NQ_STALE 600		/* a claim older than this was abandoned */

struct nq_notice {
	long long seq;
	char incident[32];
	enum notice_kind kind;
	char recipient[512];
	char *note;		/* --reason of a release/delete, or NULL */
	char status[16];	/* pending | sending | sent | failed */
	int attempts;
	time_t created, next_try, claimed, sent;
	char *last_error;	/* or NULL */
};

void nq_notice_clear(struct nq_notice *n);

/* Seconds to wait after the attempts-th failed attempt. */
long nq_backoff(int attempts);

/* True when a notice may go to sender: it has a domain that is one of
 * opt's internal domains (an outside address may be forged). */
bool nq_sender_internal(const struct scan_options *opt, const char *sender);

/* The admin addresses of list ("a@x, b@y": commas or white space between
 * them) as notices of kind admin into w[0 .. max), their text in buf;
 * returns how many.  An address of NQ_ADDR_MAX bytes or more is skipped
 * (the config check refuses it first). */
#define NQ_ADDR_MAX 256
int nq_admins(const char *list, struct reg_notice_want *w, int max, char (*buf)[NQ_ADDR_MAX]);

/* Queue the notices of every incident not planned yet and mark it
 * planned: kind hold to its sender when the incident is a hold, still
 * held and nq_sender_internal(); kind reject to its sender when it is a
 * reject and nq_sender_internal(); kind admin to each address of admin
 * (NULL/"": none; at most REG_PLAN_MAX - 1) for a hold or a reject.  *added (may be NULL) counts the notices queued.
 * 0 or -1 with err. */
int nq_plan(struct reg *rg, const struct scan_options *opt, const char *admin, time_t now,
    int *added, char *err, size_t errlen);

/* The expired notice of incident id, which has just become expired: queued
 * (pending, due now) to the sender when a hold notice went to the sender
 * (the hold notice promises it; an outside sender had none).  For the
 * purge path.  1 queued (or queued before), 0 none due, -1 with err (err
 * may be NULL). */
int nq_expired(struct reg *rg, const char *id, time_t now, char *err, size_t errlen);

/* Queue one notice, due now; with claim it is created `sending` for the
 * caller (attempts 1) and *seq tells which.  0, 1 when that notice
 * (incident, kind, recipient) exists already, -1 with err. */
int nq_add(struct reg *rg, const char *id, enum notice_kind kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen);

/* Claim the notice due first: pending with next_try <= now, or sending
 * with a claim older than stale seconds.  0 with *n filled (clear it with
 * nq_notice_clear), 1 when none is due, -1 with err. */
int nq_claim(struct reg *rg, time_t now, long stale, struct nq_notice *n,
    char *err, size_t errlen);

/* Load notice seq into *n.  0, 1 when missing, -1 with err. */
int nq_get(struct reg *rg, long long seq, struct nq_notice *n, char *err, size_t errlen);

/* Outcome of the claimed notice n, with its audit row by actor: error
 * NULL → sent; else pending again at now + nq_backoff(), or failed when
 * NQ_GIVE_UP has passed since n->created.  0 or -1 with err. */
int nq_finish(struct reg *rg, const struct nq_notice *n, const char *actor,
    const char *error, time_t now, char *err, size_t errlen);

/* The proxy approvers (代理承認者, rank 1) of every hold of action
 * approve, or justified by its sender, still held and not escalated yet
 * (reg_proxy_waiting): each is queued an approval notice, and the hold
 * marked (reg_proxy_mark, with why), when an approver (rank 0) of its
 * sender is away at now, when the sender has proxies but no approver, or
 * when after seconds (> 0) have passed since the hold (a justified one:
 * since the sender's request).  A hold whose sender has no proxy is left
 * as it is (one added later is asked then).  The state is the register's,
 * so a restart loses nothing.  *asked (may be NULL) counts the holds.  0,
 * or -1 with err. */
int nq_proxy(struct reg *rg, long after, time_t now, int *asked, char *err, size_t errlen);

/* A held message's approval request made by its sender (the justify
 * link): the same people and the same rule as an approve hold's — the
 * sender's approvers (rank 0) are asked at now with note (the sender's
 * reason), and the proxies by nq_proxy's rule, at once when an approver
 * is away or there is none, else by a later nq_proxy run once after
 * seconds have passed since the request (reg_proxy_waiting counts a
 * justified hold from its first "release requested" row).  The notices
 * are queued claimed for the caller to deliver now: their seqs into
 * seqs[0 .. max), *n of them.  Returns how many were asked (0: nobody,
 * the admin decides), or -1 with err. */
int nq_request_approval(struct reg *rg, const char *id, const char *sender, const char *note,
    long after, time_t now, long long *seqs, int max, int *n, char *err, size_t errlen);

/* The notices of incident id, oldest first.  cb returns non-zero to stop. */
int nq_list(struct reg *rg, const char *id, int (*cb)(const struct nq_notice *n, void *arg),
    void *arg, char *err, size_t errlen);

#endif
