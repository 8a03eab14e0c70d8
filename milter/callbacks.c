/*
 * callbacks.c — libmilter glue: callback → context → engine call → SMFIS_*.
 *
 * The filter asks the MTA for no more than it needs (negotiate): no
 * CONNECT, HELO or unknown-command stages, and no replies to MAIL FROM,
 * RCPT TO, headers, end of headers and body chunks.  The only decision is
 * taken at end of message (act.c).
 *
 * DATA is asked for, and answered, on purpose.  An MTA sends the macros of
 * a stage even when the stage itself is off, so with SMFIP_NODATA Postfix's
 * smtpd writes the DATA macros and expects nothing back; the next write on
 * the connection comes from the cleanup server (the first header).  Over
 * TCP, Nagle's algorithm holds that write until the macros are
 * acknowledged, and the filter's host, having nothing to send, delays its
 * acknowledgement (40 ms on Linux): every message waited 40 ms.  A reply
 * to DATA carries the acknowledgement at once.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "detectors/scan.h"
#include "milter/act.h"
#include "milter/context.h"
#include "milter/log.h"
#include "milter/runtime.h"

/* Stages we do not use, and replies we do not need (DATA: see above). */
#define WANT_NO (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN)
#define WANT_NR (SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)


static struct connctx *
conn_get(SMFICTX *ctx)
{
	struct connctx *cc = smfi_getpriv(ctx);

	if (cc == NULL && (cc = calloc(1, sizeof(*cc))) != NULL)
		smfi_setpriv(ctx, cc);
	return cc;
}

/* Answer for a stage whose reply we asked the MTA not to wait for. */
static sfsistat
cont(const struct connctx *cc, unsigned long nr_flag)
{
	return (cc && (cc->noreply & nr_flag)) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Pick up the queue id as soon as the MTA sends it. */
static void
note_qid(SMFICTX *ctx, struct msgctx *mc)
{
	const char *q;

	if (mc->qid[0] == '\0' && (q = smfi_getsymval(ctx, "i")) != NULL)
		snprintf(mc->qid, sizeof(mc->qid), "%s", q);
}

/* Strip the angle brackets of an SMTP path. */
static void
unbracket(const char *in, char *out, size_t len)
{
	size_t n = strlen(in);

	if (n >= 2 && in[0] == '<' && in[n - 1] == '>') {
		in++;
		n -= 2;
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
    unsigned long *pf3)
{
	struct connctx *cc = conn_get(ctx);

	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	*pf1 = f1 & (WANT_NO | WANT_NR | SMFIP_HDR_LEADSPC);
	*pf2 = *pf3 = 0;
	if (cc == NULL)		/* ask for replies: nothing else needs the context */
		*pf1 &= ~(unsigned long)WANT_NR;
	else {
		cc->noreply = *pf1 & WANT_NR;
		cc->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct connctx *cc = conn_get(ctx);
	struct msgctx *mc;
	char addr[1024];

	if (cc == NULL)
		return act_internal_error(ctx, NULL, "out of memory");
	msgctx_free(cc->msg);
	cc->msg = NULL;
	if ((mc = msgctx_new()) == NULL)
		return act_internal_error(ctx, NULL, "out of memory");
	cc->msg = mc;
	cc->nmsgs++;
	mc->leadspc = cc->leadspc;
	clock_gettime(CLOCK_MONOTONIC, &mc->start);
	note_qid(ctx, mc);
	if (mc->late) {
		mc->failed = 1;		/* nothing more is read: answered at eom */
		return cont(cc, SMFIP_NR_MAIL);
	}
	mc->rt = runtime_get();
	if (mc->rt == NULL || (mc->scan = scan_msg_new(mc->rt->engine)) == NULL) {
		mc->failed = 1;
		return cont(cc, SMFIP_NR_MAIL);
	}
	unbracket(argv[0] ? argv[0] : "", addr, sizeof(addr));
	if (scan_msg_envfrom(mc->scan, addr) == -1)
		mc->failed = 1;
	return cont(cc, SMFIP_NR_MAIL);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct connctx *cc = smfi_getpriv(ctx);
	char addr[1024];

	if (cc == NULL || cc->msg == NULL || cc->msg->failed)
		return cont(cc, SMFIP_NR_RCPT);
	unbracket(argv[0] ? argv[0] : "", addr, sizeof(addr));
	if (scan_msg_rcpt(cc->msg->scan, addr) == -1)
		cc->msg->failed = 1;
	return cont(cc, SMFIP_NR_RCPT);
}

/* DATA: nothing to do but answer (see the head of this file). */
static sfsistat
cb_data(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct connctx *cc = smfi_getpriv(ctx);

	if (cc == NULL || cc->msg == NULL || cc->msg->failed)
		return cont(cc, SMFIP_NR_HDR);
	note_qid(ctx, cc->msg);
	if (strcasecmp(name, "X-DLP-Released") == 0)
		act_note_released(cc->msg, value);
	if ((cc->leadspc ? scan_msg_header_raw : scan_msg_header)(cc->msg->scan, name, value) == -1)
		cc->msg->failed = 1;
	return cont(cc, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct connctx *cc = smfi_getpriv(ctx);

	if (cc && cc->msg && !cc->msg->failed && scan_msg_eoh(cc->msg->scan) == -1)
		cc->msg->failed = 1;
	return cont(cc, SMFIP_NR_EOH);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	struct connctx *cc = smfi_getpriv(ctx);

	if (cc && cc->msg && !cc->msg->failed && scan_msg_body(cc->msg->scan, buf, len) == -1)
		cc->msg->failed = 1;
	return cont(cc, SMFIP_NR_BODY);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct connctx *cc = smfi_getpriv(ctx);
	sfsistat rc;

	if (cc == NULL || cc->msg == NULL)
		return act_internal_error(ctx, NULL, "end of message without MAIL FROM");
	note_qid(ctx, cc->msg);
	if (cc->msg->late) {
		log_qid(LOG_INFO, cc->msg->qid, "action=tempfail (stopping)");
		smfi_setreply(ctx, "451", "4.3.2", "Data-loss prevention filter restarting, "
		    "try again later");
		rc = SMFIS_TEMPFAIL;
	} else
		rc = act_decide(ctx, cc->msg);
	msgctx_free(cc->msg);
	cc->msg = NULL;
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct connctx *cc = smfi_getpriv(ctx);

	if (cc) {
		msgctx_free(cc->msg);
		cc->msg = NULL;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct connctx *cc = smfi_getpriv(ctx);

	if (cc) {
		msgctx_free(cc->msg);
		free(cc);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc dlp_milter_desc = {
	.xxfi_name = "dlp-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_data = cb_data,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};
