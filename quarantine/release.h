/*
 * release.h — what an administrator does to a held message: release it
 * (re-inject it unchanged, with one trace header, to the milter-less
 * relay), delete it, or let it expire (purge).
 *
 * Release is a claim, a send, and a settlement:
 *   held → releasing   compare-and-set (reg_set_status): of two admins
 *                      releasing at once exactly one wins, the other is
 *                      told it is being released;
 *   send               MAIL FROM the original envelope sender (<> too),
 *                      RCPT TO every original envelope recipient, DATA =
 *                      "X-DLP-Released: TOKEN" + the stored
 *                      bytes;
 *   releasing → released  only after 250 to the whole transaction;
 *   releasing → held      on any failure, with the relay's reply in the
 *                      audit row.
 * A dlpctl that dies between claim and settlement leaves `releasing`.
 * release with force takes such a claim over once it is older than
 * RELEASE_STALE seconds (no live dlpctl sends for that long: the SMTP
 * transaction times out at RELEASE_TIMEOUT) and releases again; if the
 * dead process had in fact been answered 250, the recipients get the
 * message twice — the lesser harm than losing it, and the audit trail
 * names the token of each copy.
 */
#ifndef DLP_RELEASE_H
#define DLP_RELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "detectors/scan.h"
#include "register/register.h"

#define RELEASE_STALE 600	/* seconds before a releasing claim may be taken over */
#define RELEASE_TIMEOUT 300	/* seconds for the SMTP transaction of a release */

enum release_rc {
	REL_DONE,		/* released (deleted, for release_delete) */
	REL_ALREADY,		/* released (deleted) before: nothing done */
	REL_BUSY,		/* another release holds the claim */
	REL_NOT_HELD,		/* rejected, deleted, expired … */
	REL_NOT_FOUND,
	REL_SEND_FAILED,	/* the relay refused or was unreachable; still held */
	REL_ERROR,		/* register or store failure */
	REL_COUNT
};

const char *release_strerror(enum release_rc rc);

struct release_opts {
	const char *relay;	/* smtp://HOST:PORT */
	const char *qdir;	/* the quarantine store */
	const char *actor;	/* who, for the audit trail and the trace header */
	const char *reason;	/* --reason, or NULL */
	bool force;		/* take over a releasing claim older than stale */
	long stale;		/* 0: RELEASE_STALE */
	long timeout;		/* 0: RELEASE_TIMEOUT */
	/* release: non-NULL converts the copy to Bcc (mime/bcc.h) with these
	 * internal domains: the external To/Cc addresses out of the visible
	 * header, the envelope unchanged */
	const struct scan_options *bcc;
	/* delete: the status it gets (NULL: "deleted"; the sender's cancel of
	 * a delay: "cancelled") */
	const char *delete_as;
	/* NULL, or a release gives up soon after *cancel turns true (the
	 * daemon stopping): the incident stays held or delayed */
	const bool *cancel;
};

/* Release incident id.  msg gets one line for the administrator (the
 * relay's reply on failure).  *code (may be NULL): the relay's last reply
 * code, 0 when it said nothing. */
enum release_rc release_incident(struct reg *rg, const char *id, const struct release_opts *o,
    int *code, char *msg, size_t msglen);

/* Delete held incident id: held → deleted, then its stored copy removed.
 * With force a stale releasing claim is taken over first. */
enum release_rc release_delete(struct reg *rg, const char *id, const struct release_opts *o,
    char *msg, size_t msglen);

/* Expire what is older than cutoff (created < cutoff): held incidents →
 * expired and their stored copies removed; stored copies of released,
 * deleted or expired incidents removed too; so are stored files older than
 * cutoff that belong to no incident (left by a daemon killed between the
 * copy and the row) and unfinished writes in tmp/.  Register rows stay.
 * *expired and *removed count them.  0, or -1 with err (what was done
 * before the failure stays done). */
int release_purge(struct reg *rg, const char *qdir, time_t cutoff, const char *actor,
    int *expired, int *removed, char *err, size_t errlen);

/* The send delay's timer (送信保留): every incident whose delay is over
 * (reg_delay_due, now) is released through release_incident with o
 * (force: a release claim its process left is taken over after stale),
 * Bcc-converted with opt's internal domains when a bcc rule fired with
 * it.  A release that fails leaves it delayed and is tried again after
 * release_retry_after(tries): RELEASE_RETRY_MIN seconds doubled for each
 * failure, at most RELEASE_RETRY_MAX.  Of two processes running the timer
 * the claim lets one release it.  log(arg, id, rc, msg, retry) (may be
 * NULL) for every incident tried (retry: the next try, 0 when none).
 * *released counts the releases, *next the earliest due time left (0:
 * none; now: more are due at once).  0, or -1 with err. */
#define RELEASE_RETRY_MIN 60
#define RELEASE_RETRY_MAX 3600
long release_retry_after(int tries);
int release_due(struct reg *rg, const struct release_opts *o, const struct scan_options *opt,
    time_t now, void (*log)(void *arg, const char *id, enum release_rc rc, const char *msg,
    time_t retry), void *arg, int *released, time_t *next, char *err, size_t errlen);

/* A fresh release token (hex, random) for the trace header
 * "X-DLP-Released: TOKEN": the audit row "release sent as TOKEN" ties it
 * to the incident, the admin and the time, which the mail does not show.
 * 0, or -1 (errno) without random bytes. */
#define RELEASE_TOKEN_LEN 20
/* The audit action of a Bcc-converted release. */
#define RELEASE_BCC_ACTION "release Bcc-converted"
/* The audit action of a released copy the daemon saw come back. */
#define RELEASE_LOOP_ACTION "released copy came back through the filter"
int release_token(char token[RELEASE_TOKEN_LEN + 1]);

#endif
