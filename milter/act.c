/*
 * act.c — verdict → action.
 *
 *   pass    accept
 *   tag     X-DLP-Verdict / X-DLP-Rules headers, accept
 *   bcc     the external addresses out of To and Cc (bcc.c), the tag
 *           headers, accept: the envelope still reaches every recipient
 *   reject  register row (status rejected), then 550 5.7.1 with the
 *           incident id
 *   delay   as hold, the incident `delayed` with its due time; the
 *           notifier thread releases it when due (release_due)
 *   hold    the message as received into the quarantine (held.h: a file,
 *           fsync'ed and renamed, or the register's database, committed),
 *           then the register row committed, and only then discard.  If
 *           either write fails: 451, never discard.
 * A register that cannot be reached (PostgreSQL down) is logged once when
 * it goes and once when it is back; meanwhile every hold and reject
 * answers 451 and the MTA keeps the mail queued.
 * The counters across messages (series.c) follow the same rule: when a
 * rule names one of them and the register cannot be read or written for
 * an external message, it answers 451 (logged once, as above), never
 * accepted uncounted: the second batch is what they are for.  Internal
 * mail does not need them and still passes.
 * Any internal error answers the configured on_error (default tempfail).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "config/conf.h"
#include "config/policy.h"
#include "detectors/scan.h"
#include "milter/act.h"
#include "milter/bcc.h"
#include "milter/context.h"
#include "milter/counters.h"
#include "milter/log.h"
#include "milter/notifier.h"
#include "milter/runtime.h"
#include "milter/series.h"
#include "quarantine/incident.h"
#include "quarantine/release.h"
#include "register/register.h"
#include "text/terms.h"
#include "quarantine/held.h"
#include "quarantine/sender_group.h"

/* The daemon's own register writes take turns here rather than in SQLite's
 * busy handler, which polls with growing sleeps and lets newcomers overtake
 * old waiters: with a few hundred sessions, some waited past its timeout.
 * The busy timeout still bounds a wait on another process (dlpctl). */
static pthread_mutex_t reg_write_mu = PTHREAD_MUTEX_INITIALIZER;

static bool reg_down;		/* atomic: the last record() failed on the register */

/* Log the register's going away and coming back, once each. */
static void
note_register(bool ok, const char *qid, const char *location, const char *err)
{
	bool was = __atomic_exchange_n(&reg_down, !ok, __ATOMIC_SEQ_CST);

	if (!ok && !was)
		log_qid(LOG_ERR, qid, "register %s failing, holds and rejects answer tempfail "
		    "until it works again: %s", reg_location_is_url(location) ? "database" :
		    "or quarantine", err);
	else if (ok && was)
		log_qid(LOG_INFO, qid, "register %s works again: holds and rejects are recorded",
		    reg_location_is_url(location) ? "database" : "and quarantine");
}

static long
elapsed_ms(const struct msgctx *mc)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - mc->start.tv_sec) * 1000 +
	    (now.tv_nsec - mc->start.tv_nsec) / 1000000;
}

static sfsistat
tempfail(SMFICTX *ctx, const char *text)
{
	smfi_setreply(ctx, "451", "4.3.0", (char *)text);
	return SMFIS_TEMPFAIL;
}

sfsistat
act_internal_error(SMFICTX *ctx, struct msgctx *mc, const char *why)
{
	enum on_error oe = (mc && mc->rt) ? mc->rt->conf->on_error : ONERR_TEMPFAIL;
	const char *qid = mc ? mc->qid : NULL;
	bool timed = mc && mc->eom.tv_sec != 0;

	counters_error(oe == ONERR_TEMPFAIL, timed, timed ? counters_since_us(&mc->eom) : 0);

	switch (oe) {
	case ONERR_ACCEPT:
		log_qid(LOG_ERR, qid, "error=\"%s\" action=accept (on_error)", why);
		return SMFIS_ACCEPT;
	case ONERR_REJECT:
		log_qid(LOG_ERR, qid, "error=\"%s\" action=reject (on_error)", why);
		smfi_setreply(ctx, "550", "5.7.1",
		    "Message refused: the data-loss prevention filter could not inspect it");
		return SMFIS_REJECT;
	default:
		log_qid(LOG_ERR, qid, "error=\"%s\" action=tempfail (on_error)", why);
		return tempfail(ctx, "Data-loss prevention filter unavailable, try again later");
	}
}

void
act_register_state(bool ok, const char *location, const char *why)
{
	note_register(ok, NULL, location, why);
}

/* "email:49,phone:49" or "-" into buf. */
static const char *
findings_summary(const struct scan_result *res, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int t = 0; t < FT_COUNT && off < len; t++) {
		size_t n = scan_result_count(res, t);
		if (n)
			off += snprintf(buf + off, len - off, "%s%s:%zu", off ? "," : "",
			    finding_type_name(t), n);
	}
	/* the config's dictionaries and patterns: counts, never the words */
	for (size_t i = 0; res->terms && i < res->nterms && off < len; i++) {
		long n = scan_result_term(res, i);
		if (n > 0)
			off += snprintf(buf + off, len - off, "%s%s.%s:%ld", off ? "," : "",
			    term_kind_name(terms_def(res->terms, i)->kind),
			    terms_def(res->terms, i)->name, n);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
	return buf;
}

static void
log_verdict(const struct msgctx *mc, const struct scan_result *res, const struct verdict *v,
    const char *action, const char *incident)
{
	char rules[1024], finds[512];

	log_qid(LOG_INFO, mc->qid,
	    "verdict=%s action=%s rules=%s findings=%s rcpt=%u external=%u visible=%u "
	    "domains=%u parts=%zu unscanned=%u encrypted=%u series=%ld hour=%ld/%ld ms=%ld%s%s",
	    action_name(v->action), action, verdict_rules(v, rules, sizeof(rules)),
	    findings_summary(res, finds, sizeof(finds)), res->rcpt.recipients,
	    res->rcpt.external, res->rcpt.external_visible, res->rcpt.external_domains,
	    res->nparts, res->unscanned, res->encrypted, res->history[0], res->history[1],
	    res->history[2], elapsed_ms(mc),
	    incident ? " incident=" : "", incident ? incident : "");
}

/* Register row for a hold or a reject; for a hold the message is stored
 * first.  Returns 0, or -1 with err (nothing left behind). */
static int
record(struct msgctx *mc, const struct scan_result *res, const struct verdict *v,
    bool hold, char id[32], char *err, size_t errlen)
{
	struct runtime *rt = mc->rt;
	struct incident inc;
	struct reg *rg = NULL;
	bool serial;
	int rc = -1;

	memset(&inc, 0, sizeof(inc));
	if (incident_from_scan(&inc, res, v, mc->qid, hold ? v->action : ACT_REJECT, time(NULL),
		err, errlen) == -1)
		return -1;
	incident_set_approvals(&inc, (int)rt->conf->web_approvals);	/* remembered */
	snprintf(id, 32, "%s", inc.id);
	if ((rg = reg_connect(rt->register_path, rt->register_password, REG_RW, err, errlen)) ==
	    NULL)
		goto out;
	if (hold && held_put(rg, rt->quarantine_dir, id, scan_msg_spool(mc->scan), err,
	    errlen) == -1)
		goto out;
	/* SQLite's writers take turns in this process; PostgreSQL locks rows. */
	serial = strcmp(reg_backend_name(rg), "sqlite") == 0;
	if (serial)
		pthread_mutex_lock(&reg_write_mu);
	rc = reg_insert(rg, &inc, "dlp-milter", err, errlen);
	if (rc == 0 && hold) {
		char serr[512];

		/* held, not gone out: the release records it in the series */
		if (series_hold(mc, rg, res, id, serr, sizeof(serr)) == -1)
			log_qid(LOG_ERR, mc->qid, "incident %s: its series not kept for its"
			    " release (a release will not count it): %s", id, serr);
	}
	if (serial)
		pthread_mutex_unlock(&reg_write_mu);
	if (rc == -1 && hold)
		held_remove(rg, rt->quarantine_dir, id, NULL, 0);
out:
	note_register(rc == 0, mc->qid, rt->register_path, err);	/* err: set when rc != 0 */
	incident_clear(&inc);
	reg_close(rg);
	return rc;
}

static sfsistat
do_reject(SMFICTX *ctx, struct msgctx *mc, const struct scan_result *res,
    const struct verdict *v)
{
	char id[32], err[1024], rules[1024], text[2048];

	if (record(mc, res, v, false, id, err, sizeof(err)) == -1)
		return act_internal_error(ctx, mc, err);
	log_verdict(mc, res, v, "reject", id);
	counters_verdict(STATS_REJECT, counters_since_us(&mc->eom));
	notifier_wake();	/* notices are sent by the notifier thread */
	snprintf(text, sizeof(text),
	    "Message refused by the data-loss prevention policy (%s); incident %s",
	    verdict_rules(v, rules, sizeof(rules)), id);
	smfi_setreply(ctx, "550", "5.7.1", text);
	return SMFIS_REJECT;
}

static sfsistat
do_hold(SMFICTX *ctx, struct msgctx *mc, const struct scan_result *res,
    const struct verdict *v)
{
	char id[32], err[1024];

	if (record(mc, res, v, true, id, err, sizeof(err)) == -1) {
		/* Never discard what is not safely stored: the client retries. */
		log_qid(LOG_ERR, mc->qid, "hold failed, answering tempfail: %s", err);
		counters_error(true, true, counters_since_us(&mc->eom));
		return tempfail(ctx, "Message could not be quarantined, try again later");
	}
	log_verdict(mc, res, v, v->action == ACT_DELAY ? "delay" : "hold", id);
	counters_verdict(v->action == ACT_DELAY ? STATS_DELAY : STATS_HOLD,
	    counters_since_us(&mc->eom));
	notifier_wake();	/* notices are sent by the notifier thread */
	return SMFIS_DISCARD;
}

static sfsistat
do_tag(SMFICTX *ctx, struct msgctx *mc, const struct scan_result *res,
    const struct verdict *v)
{
	char rules[1024], value[1040];

	/* With SMFIP_HDR_LEADSPC negotiated, an added value carries its own
	 * leading space, as received ones do. */
	const char *sp = mc->leadspc ? " " : "";

	snprintf(value, sizeof(value), "%s%s", sp, verdict_rules(v, rules, sizeof(rules)));
	if (smfi_addheader(ctx, "X-DLP-Verdict", mc->leadspc ? " tag" : "tag") == MI_FAILURE ||
	    smfi_addheader(ctx, "X-DLP-Rules", value) == MI_FAILURE)
		return act_internal_error(ctx, mc, "cannot add the X-DLP headers");
	log_verdict(mc, res, v, "tag", NULL);
	counters_verdict(STATS_TAG, counters_since_us(&mc->eom));
	return SMFIS_ACCEPT;
}

#define BCC_FIELDS 64

/* bcc: rewrite To and Cc, then tag as do_tag does. */
static sfsistat
do_bcc(SMFICTX *ctx, struct msgctx *mc, const struct scan_result *res,
    const struct verdict *v)
{
	struct bcc_change ch[BCC_FIELDS];
	struct scan_options opt;
	size_t n = 0;
	int rc = MI_SUCCESS;

	conf_scan_options(mc->rt->conf, &opt);
	if (bcc_plan(scan_msg_spool(mc->scan), &opt, ch, BCC_FIELDS, &n) < 0)
		return act_internal_error(ctx, mc, "bcc: cannot read the header");
	for (size_t i = 0; i < n && rc == MI_SUCCESS; i++) {
		const char *nv = bcc_value(&ch[i]);

		if (!*nv)
			rc = smfi_chgheader(ctx, "Cc", ch[i].index, NULL);	/* removed */
		else {
			/* folded with LF alone: libmilter's multi-line value */
			char *fv = bcc_folded(&ch[i], "\n");
			char *value = g_strconcat(mc->leadspc ? " " : "", fv, NULL);

			rc = smfi_chgheader(ctx, ch[i].cc ? "Cc" : "To", ch[i].index, value);
			g_free(value);
			g_free(fv);
		}
	}
	bcc_free(ch, n);
	if (rc != MI_SUCCESS)
		return act_internal_error(ctx, mc, "bcc: cannot change the To/Cc headers");
	log_qid(LOG_INFO, mc->qid, "bcc: %zu To/Cc field%s rewritten", n, n == 1 ? "" : "s");
	return do_tag(ctx, mc, res, v);
}

void
act_note_released(struct msgctx *mc, const char *value)
{
	size_t n;

	value += strspn(value, " \t");
	n = strspn(value, "0123456789abcdef");
	if (n == RELEASE_TOKEN_LEN && value[strspn(value + n, " \t\r\n") + n] == '\0')
		snprintf(mc->released, sizeof(mc->released), "%.*s", (int)n, value);
}

/* A released copy back in the filter: say so where the admin looks. */
static void
check_release_loop(struct msgctx *mc)
{
	char id[32], err[512] = "", why[200];
	struct reg *rg;

	if (!mc->released[0] || !(rg = reg_connect(mc->rt->register_path,
	    mc->rt->register_password, REG_RW, err, sizeof(err))))
		return;
	if (reg_audit_find(rg, "release sent as", mc->released, id, err, sizeof(err)) == 0) {
		log_qid(LOG_ERR, mc->qid, "released copy of incident %s came back through the"
		    " filter: the [release] relay it was sent to reaches a port that runs"
		    " dlp-milter; released mail must go to a listener without it (see README,"
		    " MTA configuration)", id);
		snprintf(why, sizeof(why), "the [release] relay it was sent to runs dlp-milter"
		    " again; queue id %s", mc->qid[0] ? mc->qid : "?");
		pthread_mutex_lock(&reg_write_mu);
		reg_audit(rg, id, "dlp-milter", RELEASE_LOOP_ACTION, why, err, sizeof(err));
		pthread_mutex_unlock(&reg_write_mu);
	}
	reg_close(rg);
}

/* The register of mc's runtime for the series, or NULL with err. */
static struct reg *
series_reg(struct msgctx *mc, char *err, size_t errlen)
{
	return reg_connect(mc->rt->register_path, mc->rt->register_password, REG_RW, err,
	    errlen);
}

/* A message that goes out, remembered in the series first (rg NULL: no
 * rule wants them).  0, or -1 after the 451 is set. */
static int
series_went_out(SMFICTX *ctx, struct msgctx *mc, struct reg *rg,
    const struct scan_result *res)
{
	char err[1024] = "";
	bool serial;
	int rc;

	if (!rg)
		return 0;
	serial = strcmp(reg_backend_name(rg), "sqlite") == 0;
	if (serial)
		pthread_mutex_lock(&reg_write_mu);
	rc = series_record(mc, rg, res, err, sizeof(err));
	if (serial)
		pthread_mutex_unlock(&reg_write_mu);
	note_register(rc == 0, mc->qid, mc->rt->register_path, err);
	if (rc == 0)
		return 0;
	log_qid(LOG_ERR, mc->qid, "series not recorded, answering tempfail: %s", err);
	counters_error(true, true, counters_since_us(&mc->eom));
	tempfail(ctx, "Data-loss prevention register unavailable, try again later");
	return -1;
}

/* The counters across messages into res when a rule wants them; *rgp the
 * register kept for series_went_out.  0, or -1 after the 451 is set. */
static int
series_before(SMFICTX *ctx, struct msgctx *mc, const struct scan_result *res,
    struct reg **rgp)
{
	char err[1024] = "";
	int rc = -1;

	*rgp = NULL;
	if (!series_wanted(mc, res))
		return 0;
	if ((*rgp = series_reg(mc, err, sizeof(err))) != NULL)
		rc = series_fill(mc, *rgp, res, err, sizeof(err));
	note_register(rc == 0, mc->qid, mc->rt->register_path, err);
	if (rc == 0)
		return 0;
	reg_close(*rgp);
	*rgp = NULL;
	log_qid(LOG_ERR, mc->qid, "series counters unreadable, answering tempfail: %s", err);
	counters_error(true, true, counters_since_us(&mc->eom));
	tempfail(ctx, "Data-loss prevention register unavailable, try again later");
	return -1;
}

sfsistat
act_decide(SMFICTX *ctx, struct msgctx *mc)
{
	const struct scan_result *res;
	long counters[POLICY_SLOTS];
	char gerr[512];
	struct verdict v;
	struct reg *srg = NULL;
	sfsistat rc;

	clock_gettime(CLOCK_MONOTONIC, &mc->eom);
	if (mc->failed || mc->scan == NULL)
		return act_internal_error(ctx, mc, mc->scan ? scan_msg_error(mc->scan)
							    : "out of memory");
	if ((res = scan_msg_eom(mc->scan)) == NULL)
		return act_internal_error(ctx, mc, scan_msg_error(mc->scan));
	check_release_loop(mc);
	if (series_before(ctx, mc, res, &srg) == -1)
		return SMFIS_TEMPFAIL;
	scan_result_counters(res, counters);
	sender_group_slots(mc->rt->conf, res, counters, gerr, sizeof(gerr));
	if (gerr[0])
		log_qid(LOG_WARNING, mc->qid, "sender_group: the register: %s (the sender is in "
		    "no group)", gerr);
	policy_decide(mc->rt->conf, counters, &v);
	switch (v.action) {
	case ACT_REJECT:
		rc = do_reject(ctx, mc, res, &v);
		break;
	case ACT_HOLD:
	case ACT_APPROVE:	/* held; the approval request goes with the notices */
	case ACT_DELAY:		/* held until due; the notifier releases it (release_due) */
		rc = do_hold(ctx, mc, res, &v);
		break;
	case ACT_TAG:
	case ACT_BCC:
	default:		/* it goes out: remembered first */
		if (series_went_out(ctx, mc, srg, res) == -1)
			rc = SMFIS_TEMPFAIL;
		else if (v.action == ACT_TAG)
			rc = do_tag(ctx, mc, res, &v);
		else if (v.action == ACT_BCC)
			rc = do_bcc(ctx, mc, res, &v);
		else {
			log_verdict(mc, res, &v, "accept", NULL);
			counters_verdict(STATS_ACCEPT, counters_since_us(&mc->eom));
			rc = SMFIS_ACCEPT;
		}
		break;
	}
	reg_close(srg);
	return rc;
}
