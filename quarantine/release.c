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
#include <unistd.h>

#include "quarantine/incident.h"
#include "quarantine/release.h"
#include "notice/smtp.h"
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

/* releasing → held when the claim is older than stale seconds, in one
 * transaction (the age is part of the compare).  0 taken over, 1 not
 * (fresh, or no longer releasing), -1 with err. */
static int take_over(struct reg *rg, const char *id, const struct incident *inc, long stale,
    const char *actor, char *err, size_t errlen)
{
	char why[256], since[40];

	incident_format_time(inc->updated, since, sizeof(since));
	snprintf(why, sizeof(why), "--force: release claim of %s since %s abandoned",
	    inc->updated_by ? inc->updated_by : "?", since);
	return reg_set_status_before(rg, id, "releasing", "held", time(NULL) - stale, actor, why,
	    err, errlen);
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

/* Claim id: held → `to`.  REL_DONE when claimed; otherwise why not (msg). */
static enum release_rc claim(struct reg *rg, const char *id, const char *to, const char *done,
    const struct release_opts *o, const char *reason, char *msg, size_t msglen)
{
	long stale = o->stale > 0 ? o->stale : RELEASE_STALE;
	struct incident inc;
	enum release_rc rc;
	int r;

	for (int round = 0; round < 2; round++) {
		r = reg_set_status(rg, id, "held", to, o->actor, reason, msg, msglen);
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

/* Back from releasing to held after a failure, with why in the audit. */
static void unclaim(struct reg *rg, const char *id, const char *actor, const char *why)
{
	char err[256];

	reg_set_status(rg, id, "releasing", "held", actor, why, err, sizeof(err));
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

/* Send the claimed incident, under a fresh release token that the audit
 * trail ties to it first.  0, or -1 with msg. */
static int send_claimed(struct reg *rg, const struct incident *inc,
    const struct release_opts *o, int *code, char token[RELEASE_TOKEN_LEN + 1], char *msg,
    size_t msglen)
{
	char hdr[64], err[1024];
	struct smtp_msg m = { .relay = o->relay, .from = inc->sender,
		.timeout = o->timeout > 0 ? o->timeout : RELEASE_TIMEOUT };
	unsigned char *data;
	const char **rcpt;
	int rc = -1;

	if (!(data = store_get(o->qdir, inc->id, &m.len, err, sizeof(err)))) {
		snprintf(msg, msglen, "%s", err);
		return -1;
	}
	if (!(rcpt = rcpt_array(inc, &m.nrcpt))) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	m.rcpt = rcpt;
	m.data = data;
	/* Outsiders see a random token, not the incident, the admin or the
	 * time: those stay in the register, which the token leads back to. */
	if (release_token(token) < 0) {
		snprintf(msg, msglen, "no random bytes for the release token: %s", strerror(errno));
		goto out;
	}
	snprintf(hdr, sizeof(hdr), "X-DLP-Released: %s\r\n", token);
	if (reg_audit(rg, inc->id, o->actor, "release sent as", token, err, sizeof(err)) < 0) {
		snprintf(msg, msglen, "%s", err);
		goto out;
	}
	m.prefix = (const unsigned char *)hdr;
	m.prefix_len = strlen(hdr);
	if ((rc = smtp_send(&m, code, err, sizeof(err))) < 0)
		snprintf(msg, msglen, "%s", err);
out:
	free(rcpt);
	free(data);
	return rc;
}

enum release_rc release_incident(struct reg *rg, const char *id, const struct release_opts *o,
    int *code, char *msg, size_t msglen)
{
	char why[1200], err[512], token[RELEASE_TOKEN_LEN + 1] = "";
	struct incident inc;
	enum release_rc rc;

	if (code)
		*code = 0;
	if ((rc = claim(rg, id, "releasing", "released", o, "release started", msg, msglen)) !=
	    REL_DONE)
		return rc;
	if (reg_get(rg, id, &inc, msg, msglen) != 0) {
		unclaim(rg, id, o->actor, "release failed: cannot read the incident");
		return REL_ERROR;
	}
	if (send_claimed(rg, &inc, o, code, token, msg, msglen) < 0) {
		snprintf(why, sizeof(why), "release failed: %s", msg);
		unclaim(rg, id, o->actor, why);
		incident_clear(&inc);
		return REL_SEND_FAILED;
	}
	if (reg_set_status(rg, id, "releasing", "released", o->actor, o->reason, err,
	    sizeof(err)) != 0) {
		snprintf(msg, msglen, "the relay accepted incident %s, but the register still says "
		    "releasing: %s — do not release it again", id, err);
		incident_clear(&inc);
		return REL_ERROR;
	}
	snprintf(msg, msglen, "incident %s released to %zu recipient%s through %s"
	    " (X-DLP-Released: %s)", id, json_array_size(inc.rcpt),
	    json_array_size(inc.rcpt) == 1 ? "" : "s", o->relay, token);
	incident_clear(&inc);
	return REL_DONE;
}

enum release_rc release_delete(struct reg *rg, const char *id, const struct release_opts *o,
    char *msg, size_t msglen)
{
	char err[512], aerr[256];
	enum release_rc rc;

	if ((rc = claim(rg, id, "deleted", "deleted", o, o->reason, msg, msglen)) != REL_DONE)
		return rc;
	if (store_remove(o->qdir, id, err, sizeof(err)) < 0) {
		snprintf(msg, msglen, "incident %s marked deleted, but %s", id, err);
		reg_audit(rg, id, o->actor, "delete incomplete", err, aerr, sizeof(aerr));
		return REL_ERROR;
	}
	snprintf(msg, msglen, "incident %s deleted", id);
	return REL_DONE;
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

	if (l->held != (strcmp(inc->status, "held") == 0) ||
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
	if (reg_list(rg, held ? "held" : NULL, 0, cutoff, collect, l, err, errlen) < 0)
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
		if (r > 0)
			continue;	/* released or deleted meanwhile */
		if (r < 0 || store_remove(qdir, l.ids[i], err, errlen) < 0)
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
	char path[PATH_MAX];
	struct stat sb;
	struct idlist l;
	int rc = 0;

	if (list_ids(rg, false, cutoff, &l, err, errlen) < 0) {
		free(l.ids);
		return -1;
	}
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		store_path(qdir, l.ids[i], path, sizeof(path));
		if (stat(path, &sb) < 0)
			continue;
		if (store_remove(qdir, l.ids[i], err, errlen) < 0 ||
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
	*expired = *removed = 0;
	if (expire_held(rg, qdir, cutoff, actor, expired, err, errlen) < 0 ||
	    remove_copies(rg, qdir, cutoff, actor, removed, err, errlen) < 0)
		return -1;
	return remove_orphans(rg, qdir, cutoff, removed, err, errlen);
}
