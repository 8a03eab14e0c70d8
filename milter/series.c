/*
 * series.c — the counters across messages, between the message and the
 * register (register.h reg_series_*).
 *
 * A message's series keys are the SHA-256 of each MIME attachment's
 * decoded content (scan_part.digest) and its normalised Subject
 * (mime/subject_key.h); its recipients are its external envelope
 * recipients.  What is recorded is what went out: a message the milter
 * accepted (pass, tag, bcc).  A held, delayed or rejected one reached
 * nobody, and a second send after a hold meets the recipients of the sends
 * that did go out; the held one is counted in its own counters (they
 * include the current message), and its rows are kept with the hold
 * (series_hold) for the release, which records them when it goes out.  A message to no
 * external recipient adds nothing to any series and reads nothing: its
 * three counters are 0, and it never waits on the register.  The null
 * sender (bounces) has no series either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "config/conf.h"
#include "config/policy.h"
#include "detectors/scan.h"
#include "milter/context.h"
#include "milter/runtime.h"
#include "milter/series.h"
#include "mime/recipients.h"
#include "mime/spool.h"
#include "mime/subject_key.h"
#include "register/register.h"

#define SUBJECT_KEY_MAX 512
#define RCPT_MAX 4096		/* envelope recipients looked at (Postfix's default limit: 1000) */

struct series_in {
	struct reg_series_msg m;
	char keybuf[REG_SERIES_KEYS][SUBJECT_KEY_MAX + 3];
	const char *keys[REG_SERIES_KEYS];
	const char *rcpts[RCPT_MAX];
};

bool series_wanted(const struct msgctx *mc, const struct scan_result *res)
{
	const struct conf *cf = mc->rt->conf;

	if (!res->sender || !*res->sender || res->rcpt.external == 0)
		return false;
	return policy_uses(cf, SC_SERIES_EXTERNAL) || policy_uses(cf, SC_SENDER_EXTERNAL_HOUR) ||
	    policy_uses(cf, SC_SENDER_BYTES_HOUR);
}

/* The keys of res into in: the subject first, then the attachments' digests
 * (distinct), as many as fit. */
static void
keys_of(struct series_in *in, const struct scan_result *res)
{
	size_t n = 0;
	char sk[SUBJECT_KEY_MAX];

	if (subject_key(res->subject, sk, sizeof(sk)) > 0)
		snprintf(in->keybuf[n++], sizeof(in->keybuf[0]), "s:%s", sk);
	for (size_t i = 0; i < res->nparts && n < REG_SERIES_KEYS; i++) {
		char hex[65];
		size_t j;

		if (!res->parts[i].has_digest)
			continue;
		sodium_bin2hex(hex, sizeof(hex), res->parts[i].digest, 32);
		for (j = 0; j < n && strcmp(in->keybuf[j] + 2, hex) != 0; j++)
			;
		if (j == n)
			snprintf(in->keybuf[n++], sizeof(in->keybuf[0]), "a:%s", hex);
	}
	for (size_t i = 0; i < n; i++)
		in->keys[i] = in->keybuf[i];
	in->m.keys = in->keys;
	in->m.nkeys = n;
}

/* mc's message as the register's series see it.  false: no series (the
 * null sender). */
static bool
series_in(struct series_in *in, struct msgctx *mc, const struct scan_result *res)
{
	const struct conf *cf = mc->rt->conf;
	struct scan_options opt;
	size_t n = 0;

	memset(in, 0, sizeof(*in));
	if (!res->sender || !*res->sender)
		return false;
	conf_scan_options(cf, &opt);
	for (size_t i = 0; i < res->rcpt.n_envelope && n < RCPT_MAX; i++)
		if (!rcpt_is_internal(&opt, res->rcpt.envelope[i]))
			in->rcpts[n++] = res->rcpt.envelope[i];
	keys_of(in, res);
	in->m.sender = res->sender;
	in->m.rcpts = in->rcpts;
	in->m.nrcpts = n;
	in->m.msg = res->message_id && *res->message_id ? res->message_id : mc->qid;
	in->m.bytes = (long long)spool_size(scan_msg_spool(mc->scan));
	in->m.now = time(NULL);
	in->m.window = cf->series_window / 1000;
	in->m.max_rows = cf->series_max_rows;
	return true;
}

int series_fill(struct msgctx *mc, struct reg *rg, const struct scan_result *res,
    char *err, size_t errlen)
{
	struct series_in *p = NULL;
	struct reg_series_counts c = { 0 };
	long h[3] = { 0, 0, 0 };
	int rc = 0;

	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(err, errlen, "series: out of memory");
		return -1;
	}
	if (series_in(p, mc, res)) {
		rc = reg_series_count(rg, &p->m, &c, err, errlen);
		h[0] = c.series_external;
		h[1] = c.sender_external_hour;
		h[2] = (long)c.sender_bytes_hour;
	}
	free(p);
	if (rc == 0)
		scan_msg_set_history(mc->scan, h);
	return rc;
}

int series_record(struct msgctx *mc, struct reg *rg, const struct scan_result *res,
    char *err, size_t errlen)
{
	struct series_in *p = calloc(1, sizeof(*p));
	int rc = 0;

	if (!p) {
		snprintf(err, errlen, "series: out of memory");
		return -1;
	}
	if (series_in(p, mc, res))
		rc = reg_series_add(rg, &p->m, err, errlen);
	free(p);
	return rc;
}

int series_hold(struct msgctx *mc, struct reg *rg, const struct scan_result *res,
    const char *id, char *err, size_t errlen)
{
	struct series_in *p;
	int rc = 0;

	if (!series_wanted(mc, res))
		return 0;
	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(err, errlen, "series: out of memory");
		return -1;
	}
	if (series_in(p, mc, res))
		rc = reg_series_hold(rg, id, &p->m, err, errlen);
	free(p);
	return rc;
}
