/*
 * notify.h — send queued notices: render a claimed notice from its
 * incident and the config (templates, [notice] from/admin/relay), hand it
 * to the relay, record the outcome.  Used by the daemon's notifier thread
 * (milter/notifier.c) and by dlpctl for the outcome of a release or a
 * delete.
 */
#ifndef DLP_NOTIFY_H
#define DLP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "config/conf.h"
#include "notice/queue.h"
#include "register/register.h"

#define NOTIFY_TIMEOUT 60	/* seconds for one notice's SMTP transaction */

/* The relay notices go through: [notice] relay, else [release] relay. */
const char *notify_relay(const struct conf *cf);
/* The template directory of cf into buf ("" for the built-in texts):
 * [notice] templates, relative to the directory of the config file. */
void notify_template_dir(const struct conf *cf, char *buf, size_t len);

/* The decoded display name of the From header of incident id's stored
 * message (the quarantine of cf) into buf; "" when there is no stored copy
 * (a reject, or removed by delete or purge), no From or no name.  As
 * mail gives it: notice_expand() cleans it before use. */
void notify_sender_name(const struct conf *cf, const char *id, char *buf, size_t len);

/* Render and send the claimed notice n, then record the outcome
 * (nq_finish) as actor.  0 sent; -1 not sent, with err (the notice is
 * pending again for a later try, or failed for good).  cancel (may be
 * NULL): the SMTP transaction is abandoned soon after *cancel is true. */
int notify_deliver(struct reg *rg, const struct conf *cf, const struct nq_notice *n,
    const char *actor, const bool *cancel, char *err, size_t errlen);

/* Plan the notices of new incidents, queue the proxy approvers' requests
 * that are due (nq_proxy, [web] proxy_after), then send every due one until none
 * is left or *stop becomes true (which also cuts the current send short).  *sent and *failed (may be NULL) count
 * this run.  0, or -1 with err when the register failed. */
int notify_run(struct reg *rg, const struct conf *cf, const char *actor, const bool *stop,
    int *sent, int *failed, char *err, size_t errlen);

#endif
