/*
 * release.c — release, delete and purge (see release.h).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "mime/bcc.h"
#include "quarantine/incident.h"
#include "notice/queue.h"
#include "quarantine/release.h"
#include "notice/smtp.h"
#include "quarantine/held.h"
#include "quarantine/store.h"

static const char *const rc_text[REL_COUNT] = {
	[REL_DONE] = "done",
	[REL_ALREADY] = "already done",
	[REL_BUSY] = "being released by another process",
	[REL_NOT_HELD] = "not held",
	[REL_NOT_FOUND] = "no such incident",
	[REL_SEND_FAILED] = "the relay did not accept the message",
	[REL_ERROR] = "register or store failure",
};

const char *release_strerror(enum release_rc rc)
{
	return rc >= 0 && rc < REL_COUNT ? rc_text[rc] : "?";
}

int release_token(char token[RELEASE_TOKEN_LEN + 1])
{
	unsigned char raw[RELEASE_TOKEN_LEN / 2];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* releasing → held (a delay's: delayed) when the claim is older than stale seconds, in one
 * transaction (the age is part of the compare).  0 taken over, 1 not
 * (fresh, or no longer releasing), -1 with err. */
static int take_over(struct reg *rg, const char *id, const struct incident *inc, long stale,
    const char *actor, char *err, size_t errlen)
{
	char why[256], since[40];

	incident_format_time(inc->updated, since, sizeof(since));
	snprintf(why, sizeof(why), "--force: release claim of %s since %s abandoned",
	    inc->updated_by ? inc->updated_by : "?", since);
	return reg_set_status_before(rg, id, "releasing", inc->due ? "delayed" : "held",
	    time(NULL) - stale, actor, why, err, errlen);
}

/* Why an incident in status inc->status cannot be claimed: msg and rc. */
static enum release_rc not_claimable(const struct incident *inc, const char *done,
    long stale, char *msg, size_t msglen)
{
	char since[40], until[40];

	incident_format_time(inc->updated, since, sizeof(since));
	if (strcmp(inc->status, done) == 0) {
		snprintf(msg, msglen, "incident %s was %s at %s by %s: nothing to do", inc->id,
		    done, since, inc->updated_by ? inc->updated_by : "?");
		return REL_ALREADY;
	}
	if (strcmp(inc->status, "releasing") == 0) {
		incident_format_time(inc->updated + stale, until, sizeof(until));
		snprintf(msg, msglen, "incident %s is being released by %s since %s; if that "
		    "dlpctl died, run again with --force after %s", inc->id,
		    inc->updated_by ? inc->updated_by : "?", since, until);
		return REL_BUSY;
	}
	snprintf(msg, msglen, "incident %s is %s, not held", inc->id, inc->status);
	return REL_NOT_HELD;
}

/* Claim id: held (or delayed) → `to`, *from saying which.  REL_DONE when
 * claimed; otherwise why not (msg). */
static enum release_rc claim(struct reg *rg, const char *id, const char *to, const char *done,
    const struct release_opts *o, const char *reason, const char **from, char *msg,
    size_t msglen)
{
	long stale = o->stale > 0 ? o->stale : RELEASE_STALE;
	struct incident inc;
	enum release_rc rc;
	int r;

	for (int round = 0; round < 2; round++) {
		*from = "held";
		r = reg_set_status(rg, id, "held", to, o->actor, reason, msg, msglen);
		if (r == 1) {	/* a delay waiting for its time is claimed the same way */
			*from = "delayed";
			r = reg_set_status(rg, id, "delayed", to, o->actor, reason, msg, msglen);
		}
		if (r == 0)
			return REL_DONE;
		if (r < 0)
			return REL_ERROR;
		if ((r = reg_get(rg, id, &inc, msg, msglen)) != 0)
			return r > 0 ? REL_NOT_FOUND : REL_ERROR;
		rc = not_claimable(&inc, done, stale, msg, msglen);
		if (rc == REL_BUSY && o->force && round == 0 && inc.updated <= time(NULL) - stale) {
			r = take_over(rg, id, &inc, stale, o->actor, msg, msglen);
			incident_clear(&inc);
			if (r < 0)
				return REL_ERROR;
			continue;	/* held again (by us or by another --force): claim */
		}
		incident_clear(&inc);
		return rc;
	}
	return REL_BUSY;
}

/* Back from releasing to held (or delayed: the timer tries again) after a
 * failure, with why in the audit. */
static void unclaim(struct reg *rg, const char *id, const char *to, const char *actor,
    const char *why)
{
	char err[256];

	reg_set_status(rg, id, "releasing", to, actor, why, err, sizeof(err));
}

/* The envelope recipients of inc as a NULL-terminated array (pointers
 * into inc->rcpt), or NULL on ENOMEM. */
static const char **rcpt_array(const struct incident *inc, size_t *n)
{
	const char **a = calloc(json_array_size(inc->rcpt) + 1, sizeof(*a));
	size_t i;
	json_t *v;

	*n = 0;
	if (!a)
		return NULL;
	json_array_foreach(inc->rcpt, i, v)
		if (json_string_value(v))
			a[(*n)++] = json_string_value(v);
	return a;
}

#define BCC_HEADER_MAX (1024 * 1024)	/* bytes of a stored header rewritten */
#define BCC_FIELDS 64

/* --bcc: the stored header read from hs, its To and Cc rewritten
 * (mime/bcc.h), appended to pre after the trace header, with the bytes
 * read past the header; the rest of the message follows from hs.  *nf:
 * the fields changed.  0, or -1 with msg. */
static int bcc_prefix(struct held_stream *hs, const struct scan_options *opt, GString *pre,
    size_t *nf, char *msg, size_t msglen)
{
	struct bcc_change ch[BCC_FIELDS];
	GString *raw = g_string_new(NULL);
	char buf[65536], *hdr = NULL, *sep;
	size_t hlen, outlen;
	long n;
	int rc = -1;

	*nf = 0;
	for (;;) {
		if ((sep = strstr(raw->str, "\r\n\r\n")) || (sep = strstr(raw->str, "\n\n")))
			break;
		if (raw->len > BCC_HEADER_MAX) {
			snprintf(msg, msglen, "--bcc: the stored header is over %d bytes",
			    BCC_HEADER_MAX);
			goto out;
		}
		if ((n = held_stream_read(hs, buf, sizeof(buf))) < 0) {
			snprintf(msg, msglen, "--bcc: cannot read the stored message: %s",
			    held_stream_error(hs) ? held_stream_error(hs) : "read error");
			goto out;
		}
		if (n == 0) {
			sep = NULL;	/* all header */
			break;
		}
		g_string_append_len(raw, buf, n);
	}
	hlen = sep ? (size_t)(sep - raw->str) + (sep[0] == '\r' ? 2 : 1) : raw->len;
	if (!(hdr = g_strndup(raw->str, hlen)))
		goto out;
	bcc_plan_header(hdr, opt, ch, BCC_FIELDS, nf);
	{
		char *nh = bcc_apply(hdr, hlen, ch, *nf, &outlen);

		bcc_free(ch, *nf);
		if (!nh) {
			snprintf(msg, msglen, "out of memory");
			goto out;
		}
		g_string_append_len(pre, nh, (gssize)outlen);
		free(nh);
	}
	g_string_append_len(pre, raw->str + hlen, (gssize)(raw->len - hlen));
	rc = 0;
out:
	g_free(hdr);
	g_string_free(raw, TRUE);
	return rc;
}

/* Send the claimed incident, under a fresh release token that the audit
 * trail ties to it first; with o->bcc its To and Cc Bcc-converted (an
 * audit row says so).  0, or -1 with msg. */
static int send_claimed(struct reg *rg, const struct incident *inc,
    const struct release_opts *o, int *code, char token[RELEASE_TOKEN_LEN + 1], char *msg,
    size_t msglen)
{
	char hdr[64], err[1024], what[128];
	GString *pre = g_string_new(NULL);
	size_t nf = 0;
	struct smtp_msg m = { .relay = o->relay, .from = inc->sender,
		.timeout = o->timeout > 0 ? o->timeout : RELEASE_TIMEOUT, .cancel = o->cancel };
	struct held_stream *hs;
	const char **rcpt = NULL, *why;
	int rc = -1, missing;

	/* streamed from the store (a file, or the database chunk by chunk) */
	if (!(hs = held_stream_open(rg, o->qdir, inc->id, &missing, err, sizeof(err)))) {
		snprintf(msg, msglen, "%s", err);
		return -1;
	}
	if (!(rcpt = rcpt_array(inc, &m.nrcpt))) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	m.rcpt = rcpt;
	m.read = held_stream_read;
	m.read_arg = hs;
	/* Outsiders see a random token, not the incident, the admin or the
	 * time: those stay in the register, which the token leads back to. */
	if (release_token(token) < 0) {
		snprintf(msg, msglen, "no random bytes for the release token: %s", strerror(errno));
		goto out;
	}
	snprintf(hdr, sizeof(hdr), "X-DLP-Released: %s\r\n", token);
	g_string_append(pre, hdr);
	if (o->bcc && bcc_prefix(hs, o->bcc, pre, &nf, msg, msglen) < 0)
		goto out;
	if (reg_audit(rg, inc->id, o->actor, "release sent as", token, err, sizeof(err)) < 0 ||
	    (o->bcc && (snprintf(what, sizeof(what), "%zu To/Cc field%s rewritten: the external "
	    "addresses are out of the visible header, the envelope unchanged", nf,
	    nf == 1 ? "" : "s"), reg_audit(rg, inc->id, o->actor, RELEASE_BCC_ACTION, what, err,
	    sizeof(err)) < 0))) {
		snprintf(msg, msglen, "%s", err);
		goto out;
	}
	m.prefix = (const unsigned char *)pre->str;
	m.prefix_len = pre->len;
	if ((rc = smtp_send(&m, code, err, sizeof(err))) < 0) {
		why = held_stream_error(hs);	/* the store failed, not the relay */
		snprintf(msg, msglen, "%s%s%s", why ? why : "", why ? ": " : "", err);
	}
out:
	free(rcpt);
	held_stream_close(hs);
	g_string_free(pre, TRUE);
	return rc;
}

/* The released incident id gone out: its series rows kept with the hold
 * recorded (once: they are deleted as they are recorded; a release repeated
 * after a failure here records them then).  A failure is said after msg:
 * the mail went out, the release stands.  -1 when it failed. */
static int series_released(struct reg *rg, const char *id, char *msg, size_t msglen)
{
	char err[512];
	size_t n;

	if (reg_series_released(rg, id, time(NULL), err, sizeof(err)) >= 0)
		return 0;
	n = strlen(msg);
	if (n < msglen)
		snprintf(msg + n, msglen - n, "; not counted in its series (%s): release it again"
		    " to count it", err);
	return -1;
}

enum release_rc release_incident(struct reg *rg, const char *id, const struct release_opts *o,
    int *code, char *msg, size_t msglen)
{
	char why[1200], err[512], token[RELEASE_TOKEN_LEN + 1] = "";
	struct incident inc;
	enum release_rc rc;
	const char *from = "held";

	if (code)
		*code = 0;
	if ((rc = claim(rg, id, "releasing", "released", o, o->bcc ?
	    "release started (Bcc-converted)" : "release started", &from, msg, msglen)) !=
	    REL_DONE) {
		if (rc == REL_ALREADY)
			(void)series_released(rg, id, msg, msglen);	/* if it failed then */
		return rc;
	}
	if (reg_get(rg, id, &inc, msg, msglen) != 0) {
		unclaim(rg, id, from, o->actor, "release failed: cannot read the incident");
		return REL_ERROR;
	}
	if (send_claimed(rg, &inc, o, code, token, msg, msglen) < 0) {
		snprintf(why, sizeof(why), "release failed: %s", msg);
		unclaim(rg, id, strcmp(from, "delayed") == 0 || inc.due ? "delayed" : "held",
		    o->actor, why);
		incident_clear(&inc);
		return REL_SEND_FAILED;
	}
	if (reg_set_status(rg, id, "releasing", "released", o->actor, o->reason ? o->reason :
	    o->bcc ? "Bcc-converted" : NULL, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "the relay accepted incident %s, but the register still says "
		    "releasing: %s — do not release it again", id, err);
		incident_clear(&inc);
		return REL_ERROR;
	}
	snprintf(msg, msglen, "incident %s released%s to %zu recipient%s through %s"
	    " (X-DLP-Released: %s)", id, o->bcc ? " Bcc-converted" : "",
	    json_array_size(inc.rcpt), json_array_size(inc.rcpt) == 1 ? "" : "s", o->relay, token);
	incident_clear(&inc);
	(void)series_released(rg, id, msg, msglen);
	return REL_DONE;
}

enum release_rc release_delete(struct reg *rg, const char *id, const struct release_opts *o,
    char *msg, size_t msglen)
{
	const char *to = o->delete_as ? o->delete_as : "deleted", *from;
	char err[512], aerr[256];
	enum release_rc rc;

	if ((rc = claim(rg, id, to, to, o, o->reason, &from, msg, msglen)) != REL_DONE)
		return rc;
	if (held_remove(rg, o->qdir, id, err, sizeof(err)) < 0) {
		snprintf(msg, msglen, "incident %s marked deleted, but %s", id, err);
		reg_audit(rg, id, o->actor, "delete incomplete", err, aerr, sizeof(aerr));
		return REL_ERROR;
	}
	snprintf(msg, msglen, "incident %s %s", id, to);
	return REL_DONE;
}

/* true when a rule of action bcc fired with the incident's. */
static bool bcc_fired(const struct incident *inc)
{
	size_t i;
	json_t *r;

	json_array_foreach(inc->rules, i, r) {
		const char *a = json_string_value(json_object_get(r, "action"));
		if (a && strcmp(a, "bcc") == 0)
			return true;
	}
	return false;
}

long release_retry_after(int tries)
{
	long s = RELEASE_RETRY_MIN;

	for (int i = 0; i < tries && s < RELEASE_RETRY_MAX; i++)
		s *= 2;
	return s < RELEASE_RETRY_MAX ? s : RELEASE_RETRY_MAX;
}

#define DUE_BATCH 32

int release_due(struct reg *rg, const struct release_opts *o, const struct scan_options *opt,
    time_t now, void (*log)(void *arg, const char *id, enum release_rc rc, const char *msg,
    time_t retry), void *arg, int *released, time_t *next, char *err, size_t errlen)
{
	char ids[DUE_BATCH][32], msg[2048], e2[256];
	struct release_opts ro;
	struct incident inc;
	enum release_rc rc;
	time_t retry;
	size_t n;

	*released = 0;
	if (reg_delay_due(rg, now, o->stale > 0 ? o->stale : RELEASE_STALE, ids, DUE_BATCH, &n,
	    next, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (o->cancel && __atomic_load_n(o->cancel, __ATOMIC_RELAXED))
			break;	/* stopping: the rest waits in the register */
		ro = *o;
		ro.force = true;	/* a claim its process left, older than stale */
		ro.bcc = NULL;
		ro.reason = "送信保留の時間が過ぎたため送信 / the delay is over: sent";
		if (reg_get(rg, ids[i], &inc, err, errlen) != 0)
			continue;	/* gone meanwhile */
		if (bcc_fired(&inc)) {
			ro.bcc = opt;
			ro.reason = "送信保留の時間が過ぎたため Bcc に変換して送信 / the delay is over:"
			    " sent Bcc-converted";
		}
		msg[0] = '\0';
		retry = 0;
		rc = release_incident(rg, ids[i], &ro, NULL, msg, sizeof(msg));
		if (rc == REL_DONE)
			(*released)++;
		else if ((rc == REL_SEND_FAILED || rc == REL_ERROR) && !(o->cancel &&
		    __atomic_load_n(o->cancel, __ATOMIC_RELAXED))) {	/* not cut short */
			retry = now + release_retry_after(inc.delay_tries);
			if (reg_delay_retry(rg, ids[i], retry, e2, sizeof(e2)) < 0)
				snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "; %s", e2);
			if (!*next || retry < *next)
				*next = retry;
		}
		if (log)
			log(arg, ids[i], rc, msg, retry);
		incident_clear(&inc);
	}
	if (n == DUE_BATCH)
		*next = now;	/* more are due: the caller runs again at once */
	return 0;
}

/* Ids collected by reg_list (the walk must not change what it reads). */
struct idlist {
	char (*ids)[32];
	size_t n, cap;
	bool oom;
	bool held;		/* collect held ones; else every other status */
};

static int collect(const struct incident *inc, void *arg)
{
	struct idlist *l = arg;
	void *p;

	bool waiting = strcmp(inc->status, "held") == 0 || strcmp(inc->status, "delayed") == 0;

	if (l->held != waiting ||
	    strcmp(inc->status, "releasing") == 0)
		return 0;	/* a copy being released is not touched */
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if (!(p = realloc(l->ids, l->cap * sizeof(*l->ids)))) {
			l->oom = true;
			return 1;
		}
		l->ids = p;
	}
	snprintf(l->ids[l->n++], 32, "%s", inc->id);
	return 0;
}

static int list_ids(struct reg *rg, bool held, time_t cutoff, struct idlist *l, char *err,
    size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->held = held;
	if (reg_list(rg, NULL, 0, cutoff, collect, l, err, errlen) < 0)
		return -1;
	if (l->oom)
		snprintf(err, errlen, "purge: out of memory");
	return l->oom ? -1 : 0;
}

/* Held and older than cutoff: held → expired, then the copy removed. */
static int expire_held(struct reg *rg, const char *qdir, time_t cutoff, const char *actor,
    int *expired, char *err, size_t errlen)
{
	struct idlist l;
	char why[64];
	int rc = 0, r;

	if (list_ids(rg, true, cutoff, &l, err, errlen) < 0) {
		free(l.ids);
		return -1;
	}
	snprintf(why, sizeof(why), "retention: held longer than the retention period");
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		r = reg_set_status(rg, l.ids[i], "held", "expired", actor, why, err, errlen);
		if (r == 1)	/* a delay whose release kept failing */
			r = reg_set_status(rg, l.ids[i], "delayed", "expired", actor, why, err, errlen);
		if (r > 0)
			continue;	/* released or deleted meanwhile */
		if (r == 0) nq_expired(rg, l.ids[i], time(NULL), NULL, 0);	/* notices: the sender's 期限切れ */
		if (r < 0 || held_remove(rg, qdir, l.ids[i], err, errlen) < 0)
			rc = -1;
		else
			(*expired)++;
	}
	free(l.ids);
	return rc;
}

/* Not held and older than cutoff: remove a stored copy left behind. */
static int remove_copies(struct reg *rg, const char *qdir, time_t cutoff, const char *actor,
    int *removed, char *err, size_t errlen)
{
	char where[PATH_MAX];
	struct idlist l;
	int rc = 0;

	if (list_ids(rg, false, cutoff, &l, err, errlen) < 0) {
		free(l.ids);
		return -1;
	}
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		if (held_size(rg, qdir, l.ids[i], where, sizeof(where)) < 0)
			continue;
		if (held_remove(rg, qdir, l.ids[i], err, errlen) < 0 ||
		    reg_audit(rg, l.ids[i], actor, "stored copy removed",
		    "retention: older than the retention period", err, errlen) < 0)
			rc = -1;
		else
			(*removed)++;
	}
	free(l.ids);
	return rc;
}

/* A stored copy with no register row: dlp-milter was killed (or the power
 * went) between storing a held message and committing its row.  Its client
 * was never answered, so it sent the message again; the copy is a leftover
 * that nothing else would ever remove.  Files older than cutoff in msg/
 * whose name is no incident, and in tmp/ (writes that never finished), are
 * removed — never one younger than ORPHAN_MIN_AGE, whatever the cutoff: it
 * may belong to a hold in progress, its row not committed yet. */
#define ORPHAN_MIN_AGE 3600

static int remove_orphans(struct reg *rg, const char *qdir, time_t cutoff, int *removed,
    char *err, size_t errlen)
{
	static const char *const subs[] = { "msg", "tmp" };
	char dir[PATH_MAX], path[PATH_MAX + 256], id[32];
	struct incident inc;
	struct dirent *de;
	struct stat sb;
	size_t n;
	DIR *d;
	int rc = 0, r;

	if (cutoff > time(NULL) - ORPHAN_MIN_AGE)
		cutoff = time(NULL) - ORPHAN_MIN_AGE;
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", qdir, subs[i]);
		if (!(d = opendir(dir)))
			continue;
		while (rc == 0 && (de = readdir(d)) != NULL) {
			n = strlen(de->d_name);
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (de->d_name[0] == '.' || n < 5 || n - 4 >= sizeof(id) ||
			    strcmp(de->d_name + n - 4, ".eml") != 0 ||
			    lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_mtime >= cutoff)
				continue;
			if (i == 0) {
				snprintf(id, sizeof(id), "%.*s", (int)(n - 4), de->d_name);
				if ((r = reg_get(rg, id, &inc, err, errlen)) == 0)
					incident_clear(&inc);
				if (r != 1) {
					rc = r < 0 ? -1 : 0;
					continue;	/* registered: not an orphan */
				}
			}
			if (unlink(path) == 0)
				(*removed)++;
			else if (errno != ENOENT) {
				snprintf(err, errlen, "purge: cannot remove %s: %s", path, strerror(errno));
				rc = -1;
			}
		}
		closedir(d);
	}
	return rc;
}

int release_purge(struct reg *rg, const char *qdir, time_t cutoff, const char *actor,
    int *expired, int *removed, char *err, size_t errlen)
{
	int n = 0;

	*expired = *removed = 0;
	if (expire_held(rg, qdir, cutoff, actor, expired, err, errlen) < 0 ||
	    remove_copies(rg, qdir, cutoff, actor, removed, err, errlen) < 0)
		return -1;
	/* In the database, an orphan is a message row older than the same
	 * bound whose incident row never committed. */
	if (reg_keeps_messages(rg)) {
		if (reg_msg_orphans(rg, cutoff > time(NULL) - ORPHAN_MIN_AGE ?
		    time(NULL) - ORPHAN_MIN_AGE : cutoff, &n, err, errlen) < 0)
			return -1;
		*removed += n;
	}
	return remove_orphans(rg, qdir, cutoff, removed, err, errlen);
}
