/*
 * test_notice_queue.c — the notices in the register: migration from a
 * version-1 register, who gets a notice (internal senders only, the
 * admin for holds and rejects, each once), claim / finish / backoff /
 * giving up, abandoned claims, and delivery through notify_deliver and
 * notify_run against a tiny SMTP server, with the audit rows.  The proxy
 * approvers (nq_proxy): asked after the time, at once for an approver
 * away, once, never without a proxy; the state survives a new handle.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <sqlite3.h>

#include "config/conf.h"
#include "notice/queue.h"
#include "notice/notify.h"
#include "notice/smtp.h"
#include "quarantine/release.h"
#include "quarantine/store.h"
#include "tests/unit/lib/smtp_fake.h"

struct fx {
	char dir[64], db[128];
	struct reg *rg;
	struct scan_options opt;
};

static const char *const INTERNAL[] = { "example.go.jp" };

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void add(struct fx *fx, const char *id, const char *sender, const char *action,
    time_t t)
{
	char err[256];
	struct incident inc = { .created = t, .updated = t };

	snprintf(inc.id, sizeof(inc.id), "%s", id);
	inc.sender = (char *)sender;
	inc.subject = "件名";
	inc.action = (char *)action;
	inc.status = strcmp(action, "hold") == 0 ? "held" : "rejected";
	if (reg_insert(fx->rg, &inc, "dlp-milter", err, sizeof(err)) < 0)
		fail_msg("insert: %s", err);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_nq.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->db, sizeof(fx->db), "%s/incidents.db", fx->dir);
	if (!(fx->rg = reg_open(fx->db, REG_RW, err, sizeof(err))))
		return -1;
	fx->opt.internal_domains = INTERNAL;
	fx->opt.n_internal = 1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	reg_close(fx->rg);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

struct seen { char all[2048]; int n; };

static int seen_cb(const struct nq_notice *n, void *arg)
{
	struct seen *s = arg;
	size_t used = strlen(s->all);

	snprintf(s->all + used, sizeof(s->all) - used, "%s>%s:%s\n", notice_kind_name(n->kind),
	    n->recipient, n->status);
	s->n++;
	return 0;
}

static const char *notices(struct fx *fx, const char *id)
{
	static struct seen s;
	char err[256];

	memset(&s, 0, sizeof(s));
	assert_int_equal(nq_list(fx->rg, id, seen_cb, &s, err, sizeof(err)), 0);
	return s.all;
}

static void test_sender_internal(void **state)
{
	struct fx *fx = *state;

	assert_true(nq_sender_internal(&fx->opt, "taro@example.go.jp"));
	assert_true(nq_sender_internal(&fx->opt, "taro@bu.EXAMPLE.go.jp"));
	assert_false(nq_sender_internal(&fx->opt, "taro@example.go.jp.evil.com"));
	assert_false(nq_sender_internal(&fx->opt, "taro@notexample.go.jp"));
	assert_false(nq_sender_internal(&fx->opt, ""));		/* the null sender */
	assert_false(nq_sender_internal(&fx->opt, "root"));	/* no domain */
	assert_false(nq_sender_internal(&fx->opt, NULL));
}

static void test_plan(void **state)
{
	struct fx *fx = *state;
	time_t now = time(NULL);
	char err[256];
	int added;

	add(fx, "20261125-HOLDIN", "taro@example.go.jp", "hold", now);
	add(fx, "20261125-HOLDEX", "forged@outside.example", "hold", now);
	add(fx, "20261125-REJECT", "taro@example.go.jp", "reject", now);
	add(fx, "20261125-NULLSN", "", "hold", now);
	assert_int_equal(nq_plan(fx->rg, &fx->opt, "admin@example.go.jp", now, &added, err,
	    sizeof(err)), 0);
	assert_int_equal(added, 6);
	assert_string_equal(notices(fx, "20261125-HOLDIN"),
	    "hold>taro@example.go.jp:pending\nadmin>admin@example.go.jp:pending\n");
	assert_string_equal(notices(fx, "20261125-HOLDEX"), "admin>admin@example.go.jp:pending\n");
	/* a reject tells its internal sender too (a notice, not only the 550 line) */
	assert_string_equal(notices(fx, "20261125-REJECT"),
	    "reject>taro@example.go.jp:pending\nadmin>admin@example.go.jp:pending\n");
	assert_string_equal(notices(fx, "20261125-NULLSN"), "admin>admin@example.go.jp:pending\n");
	/* Planned once: nothing more on the next run. */
	assert_int_equal(nq_plan(fx->rg, &fx->opt, "admin@example.go.jp", now, &added, err,
	    sizeof(err)), 0);
	assert_int_equal(added, 0);
	/* No admin configured: senders only. */
	add(fx, "20261125-NOADMN", "taro@example.go.jp", "hold", now);
	assert_int_equal(nq_plan(fx->rg, &fx->opt, "", now, &added, err, sizeof(err)), 0);
	assert_int_equal(added, 1);
	/* Released before the daemon planned it: no hold notice any more. */
	add(fx, "20261125-LATEPL", "taro@example.go.jp", "hold", now);
	assert_int_equal(reg_set_status(fx->rg, "20261125-LATEPL", "held", "deleted", "a", NULL,
	    err, sizeof(err)), 0);
	assert_int_equal(nq_plan(fx->rg, &fx->opt, NULL, now, &added, err, sizeof(err)), 0);
	assert_int_equal(added, 0);
	/* Several administrators: one notice each. */
	add(fx, "20261125-MULTIA", "taro@example.go.jp", "hold", now);
	assert_int_equal(nq_plan(fx->rg, &fx->opt, " a1@example.go.jp,a2@example.go.jp\t a3@x.example ",
	    now, &added, err, sizeof(err)), 0);
	assert_int_equal(added, 4);
	assert_string_equal(notices(fx, "20261125-MULTIA"),
	    "hold>taro@example.go.jp:pending\nadmin>a1@example.go.jp:pending\n"
	    "admin>a2@example.go.jp:pending\nadmin>a3@x.example:pending\n");
}

/* A held incident that expires: its sender gets the expired notice that
 * the hold notice promised, once; a sender who had no hold notice (an
 * outside address) gets none; nothing for an incident still held. */
static void test_expired(void **state)
{
	struct fx *fx = *state;
	time_t now = time(NULL);
	char err[256];

	add(fx, "20261125-HOLDIN", "taro@example.go.jp", "hold", now);
	add(fx, "20261125-HOLDEX", "forged@outside.example", "hold", now);
	add(fx, "20261125-STILLH", "jiro@example.go.jp", "hold", now);
	assert_int_equal(nq_plan(fx->rg, &fx->opt, NULL, now, NULL, err, sizeof(err)), 0);
	assert_int_equal(nq_expired(fx->rg, "20261125-STILLH", now, err, sizeof(err)), 0);
	assert_string_equal(notices(fx, "20261125-STILLH"), "hold>jiro@example.go.jp:pending\n");
	for (int i = 0; i < 2; i++) {
		const char *id = i ? "20261125-HOLDEX" : "20261125-HOLDIN";
		assert_int_equal(reg_set_status(fx->rg, id, "held", "expired", "admin1",
		    "retention", err, sizeof(err)), 0);
	}
	assert_int_equal(nq_expired(fx->rg, "20261125-HOLDIN", now, err, sizeof(err)), 1);
	assert_int_equal(nq_expired(fx->rg, "20261125-HOLDIN", now, NULL, 0), 1);	/* once */
	assert_string_equal(notices(fx, "20261125-HOLDIN"),
	    "hold>taro@example.go.jp:pending\nexpired>taro@example.go.jp:pending\n");
	assert_int_equal(nq_expired(fx->rg, "20261125-HOLDEX", now, err, sizeof(err)), 0);
	assert_string_equal(notices(fx, "20261125-HOLDEX"), "");
	assert_int_equal(nq_expired(fx->rg, "20261125-NOSUCH", now, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no incident 20261125-NOSUCH"));
}

/* dlpctl purge's path (release_purge) queues the expired notice. */
static void test_purge_queues_expired(void **state)
{
	struct fx *fx = *state;
	time_t now = time(NULL);
	char err[256], qdir[128];
	int expired, removed;

	snprintf(qdir, sizeof(qdir), "%s/quarantine", fx->dir);
	assert_int_equal(store_init(qdir, err, sizeof(err)), 0);
	add(fx, "20261125-OLDOLD", "taro@example.go.jp", "hold", now - 100 * 86400);
	assert_int_equal(nq_plan(fx->rg, &fx->opt, NULL, now, NULL, err, sizeof(err)), 0);
	assert_int_equal(release_purge(fx->rg, qdir, now - 90 * 86400, "admin1", &expired, &removed,
	    err, sizeof(err)), 0);
	assert_int_equal(expired, 1);
	assert_string_equal(notices(fx, "20261125-OLDOLD"),
	    "hold>taro@example.go.jp:pending\nexpired>taro@example.go.jp:pending\n");
}

static void test_claim_backoff_give_up(void **state)
{
	struct fx *fx = *state;
	time_t now = 1795000000;
	struct nq_notice n, m;
	char err[256];

	add(fx, "20261125-CLAIM1", "taro@example.go.jp", "hold", now);
	assert_int_equal(nq_plan(fx->rg, &fx->opt, NULL, now, NULL, err, sizeof(err)), 0);
	assert_int_equal(nq_claim(fx->rg, now, NQ_STALE, &n, err, sizeof(err)), 0);
	assert_string_equal(n.status, "sending");
	assert_int_equal(n.attempts, 1);
	/* Claimed: nobody else gets it. */
	assert_int_equal(nq_claim(fx->rg, now, NQ_STALE, &m, err, sizeof(err)), 1);
	assert_int_equal(nq_finish(fx->rg, &n, "dlp-milter", "relay down", now, err,
	    sizeof(err)), 0);
	nq_notice_clear(&n);
	assert_int_equal(nq_claim(fx->rg, now + 59, NQ_STALE, &n, err, sizeof(err)), 1);
	assert_int_equal(nq_claim(fx->rg, now + 60, NQ_STALE, &n, err, sizeof(err)), 0);
	assert_int_equal(n.attempts, 2);
	assert_string_equal(n.last_error, "relay down");
	assert_int_equal(nq_finish(fx->rg, &n, "dlp-milter", "still down", now + 60, err,
	    sizeof(err)), 0);
	nq_notice_clear(&n);
	assert_int_equal(nq_claim(fx->rg, now + 60 + 119, NQ_STALE, &n, err, sizeof(err)), 1);
	assert_int_equal(nq_claim(fx->rg, now + 60 + 120, NQ_STALE, &n, err, sizeof(err)), 0);
	/* Past NQ_GIVE_UP since it was queued: failed for good. */
	assert_int_equal(nq_finish(fx->rg, &n, "dlp-milter", "gone", now + NQ_GIVE_UP, err,
	    sizeof(err)), 0);
	nq_notice_clear(&n);
	assert_string_equal(notices(fx, "20261125-CLAIM1"), "hold>taro@example.go.jp:failed\n");
	assert_int_equal(nq_claim(fx->rg, now + 10 * NQ_GIVE_UP, NQ_STALE, &n, err, sizeof(err)), 1);
	assert_int_equal(nq_backoff(1), 60);
	assert_int_equal(nq_backoff(3), 240);
	assert_int_equal(nq_backoff(50), 3600);
}

static void test_abandoned_claim(void **state)
{
	struct fx *fx = *state;
	time_t now = 1795000000;
	struct nq_notice n;
	char err[256];
	long long seq;

	add(fx, "20261125-STALE1", "taro@example.go.jp", "hold", now);
	assert_int_equal(nq_add(fx->rg, "20261125-STALE1", NOTICE_RELEASED, "taro@example.go.jp",
	    "ok", true, now, &seq, err, sizeof(err)), 0);
	assert_true(seq > 0);
	assert_int_equal(nq_add(fx->rg, "20261125-STALE1", NOTICE_RELEASED, "taro@example.go.jp",
	    "ok", true, now, &seq, err, sizeof(err)), 1);
	assert_int_equal(nq_add(fx->rg, "20261125-NOSUCH", NOTICE_RELEASED, "taro@example.go.jp",
	    NULL, false, now, NULL, err, sizeof(err)), -1);
	/* Created claimed by its dlpctl, which died: taken again after NQ_STALE. */
	assert_int_equal(nq_claim(fx->rg, now + NQ_STALE - 1, NQ_STALE, &n, err, sizeof(err)), 1);
	assert_int_equal(nq_claim(fx->rg, now + NQ_STALE, NQ_STALE, &n, err, sizeof(err)), 0);
	assert_int_equal(n.kind, NOTICE_RELEASED);
	assert_string_equal(n.note, "ok");
	assert_int_equal(n.attempts, 2);
	nq_notice_clear(&n);
}

static struct conf *load_conf(struct fx *fx, const char *relay)
{
	char path[128], err[1024];
	struct conf *cf;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/c.conf", fx->dir);
	fp = fopen(path, "w");
	fprintf(fp, "[general]\ninternal_domains = example.go.jp\nvar_dir = %s\n"
	    "[release]\nrelay = %s\n[notice]\nfrom = dlp-notice@example.go.jp\n"
	    "admin = admin@example.go.jp\n", fx->dir, relay);
	fclose(fp);
	if (!(cf = conf_load(path, err, sizeof(err))))
		fail_msg("conf: %s", err);
	return cf;
}

struct hist { int sent, failed; char last[512]; };

static int hist_cb(const struct audit *a, void *arg)
{
	struct hist *h = arg;

	h->sent += strcmp(a->action, "notice sent") == 0;
	h->failed += strcmp(a->action, "notice failed") == 0;
	snprintf(h->last, sizeof(h->last), "%s|%s|%s", a->actor, a->action, a->reason ?: "");
	return 0;
}

static void test_notify_run_delivers(void **state)
{
	struct fx *fx = *state;
	struct fake_smtp *fs = fake_smtp_start(NULL);
	struct conf *cf = load_conf(fx, fake_smtp_url(fs));
	struct hist h = { 0 };
	int sent, failed;
	char err[256];

	add(fx, "20261125-DELIV1", "taro@example.go.jp", "hold", time(NULL));
	assert_int_equal(notify_run(fx->rg, cf, "dlp-milter", NULL, &sent, &failed, err,
	    sizeof(err)), 0);
	assert_int_equal(sent, 2);
	assert_int_equal(failed, 0);
	assert_int_equal(fake_smtp_count(fs), 2);
	for (size_t i = 0; i < 2; i++) {
		const struct fake_txn *t = fake_smtp_txn(fs, i);
		assert_string_equal(t->from, "<dlp-notice@example.go.jp>");
		assert_non_null(strstr((char *)t->data, "X-DLP-Incident: 20261125-DELIV1\r\n"));
	}
	assert_string_equal(notices(fx, "20261125-DELIV1"),
	    "hold>taro@example.go.jp:sent\nadmin>admin@example.go.jp:sent\n");
	assert_int_equal(reg_history(fx->rg, "20261125-DELIV1", hist_cb, &h, err, sizeof(err)), 0);
	assert_int_equal(h.sent, 2);
	/* Nothing more to do. */
	assert_int_equal(notify_run(fx->rg, cf, "dlp-milter", NULL, &sent, &failed, err,
	    sizeof(err)), 0);
	assert_int_equal(sent + failed, 0);
	conf_unref(cf);
	fake_smtp_stop(fs);
}

static void test_notify_failure_retried(void **state)
{
	struct fx *fx = *state;
	struct fake_smtp_cfg bad = { .refuse_rcpt = "taro@" };
	struct fake_smtp *fs = fake_smtp_start(&bad);
	struct conf *cf = load_conf(fx, fake_smtp_url(fs));
	struct hist h = { 0 };
	struct nq_notice n;
	int sent, failed;
	char err[256];

	add(fx, "20261125-RETRY1", "taro@example.go.jp", "hold", time(NULL));
	assert_int_equal(notify_run(fx->rg, cf, "dlp-milter", NULL, &sent, &failed, err,
	    sizeof(err)), 0);
	assert_int_equal(sent, 1);		/* the admin's */
	assert_int_equal(failed, 1);		/* the sender's: refused */
	assert_string_equal(notices(fx, "20261125-RETRY1"),
	    "hold>taro@example.go.jp:pending\nadmin>admin@example.go.jp:sent\n");
	assert_int_equal(reg_history(fx->rg, "20261125-RETRY1", hist_cb, &h, err, sizeof(err)), 0);
	assert_int_equal(h.failed, 1);
	/* Due again after the backoff; sent once the relay takes it. */
	fake_smtp_stop(fs);
	fs = fake_smtp_start(NULL);
	conf_unref(cf);
	cf = load_conf(fx, fake_smtp_url(fs));
	assert_int_equal(nq_claim(fx->rg, time(NULL) + 61, NQ_STALE, &n, err, sizeof(err)), 0);
	assert_int_equal(notify_deliver(fx->rg, cf, &n, "dlp-milter", NULL, err, sizeof(err)), 0);
	nq_notice_clear(&n);
	assert_string_equal(notices(fx, "20261125-RETRY1"),
	    "hold>taro@example.go.jp:sent\nadmin>admin@example.go.jp:sent\n");
	assert_int_equal(fake_smtp_count(fs), 1);
	conf_unref(cf);
	fake_smtp_stop(fs);
}

/* The version-1 schema, as the first release created it. */
static const char V1[] =
	"CREATE TABLE incidents (id TEXT PRIMARY KEY, created INTEGER NOT NULL, queue_id TEXT,"
	" message_id TEXT, sender TEXT, subject TEXT, recipients INTEGER NOT NULL DEFAULT 0,"
	" external INTEGER NOT NULL DEFAULT 0, external_visible INTEGER NOT NULL DEFAULT 0,"
	" external_domains INTEGER NOT NULL DEFAULT 0, rcpt TEXT NOT NULL DEFAULT '[]',"
	" rules TEXT NOT NULL DEFAULT '[]', findings TEXT NOT NULL DEFAULT '{}',"
	" parts TEXT NOT NULL DEFAULT '[]', action TEXT NOT NULL, status TEXT NOT NULL,"
	" updated INTEGER NOT NULL, updated_by TEXT);"
	"CREATE TABLE audit (seq INTEGER PRIMARY KEY, incident TEXT NOT NULL REFERENCES"
	" incidents(id) ON DELETE CASCADE, time INTEGER NOT NULL, actor TEXT NOT NULL,"
	" action TEXT NOT NULL, reason TEXT);"
	"INSERT INTO incidents (id, created, sender, action, status, updated)"
	" VALUES ('20250101-OLDONE', 1735689600, 'taro@example.go.jp', 'hold', 'held', 1735689600);"
	"PRAGMA user_version = 1;";

static void test_migrates_v1(void **state)
{
	struct fx *fx = *state;
	char path[128], err[256];
	struct reg *rg;
	sqlite3 *db;
	int added;

	snprintf(path, sizeof(path), "%s/v1.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, V1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	rg = reg_open(path, REG_RW, err, sizeof(err));
	assert_non_null(rg);
	/* Incidents from before notices existed get none. */
	assert_int_equal(nq_plan(rg, &fx->opt, "admin@example.go.jp", time(NULL), &added, err,
	    sizeof(err)), 0);
	assert_int_equal(added, 0);
	assert_int_equal(reg_set_status(rg, "20250101-OLDONE", "held", "releasing", "a", NULL, err,
	    sizeof(err)), 0);
	reg_close(rg);
}

static void add_approve(struct fx *fx, const char *id, const char *sender, time_t t)
{
	char err[256];
	struct incident inc = { .created = t, .updated = t };

	snprintf(inc.id, sizeof(inc.id), "%s", id);
	inc.sender = (char *)sender;
	inc.subject = "件名";
	inc.action = "approve";
	inc.status = "held";
	if (reg_insert(fx->rg, &inc, "dlp-milter", err, sizeof(err)) < 0)
		fail_msg("insert: %s", err);
}

static int approval_to(const struct nq_notice *n, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);

	if (n->kind == NOTICE_APPROVAL)
		snprintf(out + len, 512 - len, "%s%s", len ? " " : "", n->recipient);
	return 0;
}

static const char *approvals_of(struct fx *fx, const char *id, char out[512])
{
	char err[256];

	out[0] = '\0';
	assert_int_equal(nq_list(fx->rg, id, approval_to, out, err, sizeof(err)), 0);
	return out;
}

static void test_proxy(void **state)
{
	struct fx *fx = *state;
	const char *kacho[] = { "kacho@example.go.jp" }, *jicho[] = { "jicho@example.go.jp" };
	const char *bucho[] = { "bucho@example.go.jp" };
	char err[256], out[512];
	time_t t = 1764000000;
	int asked = -1;

	assert_int_equal(reg_approver_set(fx->rg, "group:総務課", kacho, 1, jicho, 1, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_group_set(fx->rg, "kakari@example.go.jp", "総務課", "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_approver_set(fx->rg, "@other.example.go.jp", bucho, 1, NULL, 0, "t",
	    err, sizeof(err)), 0);
	add_approve(fx, "20261125-PROXY1", "kakari@example.go.jp", t);
	add_approve(fx, "20261125-NOPRXY", "a@other.example.go.jp", t);
	/* before the time: nobody */
	assert_int_equal(nq_proxy(fx->rg, 3600, t + 3599, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 0);
	assert_string_equal(approvals_of(fx, "20261125-PROXY1", out), "");
	/* on time: the group's proxy, once */
	assert_int_equal(nq_proxy(fx->rg, 3600, t + 3600, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 1);
	assert_string_equal(approvals_of(fx, "20261125-PROXY1", out), "jicho@example.go.jp");
	assert_string_equal(approvals_of(fx, "20261125-NOPRXY", out), "");	/* no proxy */
	reg_close(fx->rg);	/* a restart */
	assert_non_null(fx->rg = reg_open(fx->db, REG_RW, err, sizeof(err)));
	assert_int_equal(nq_proxy(fx->rg, 3600, t + 7200, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 0);
	assert_string_equal(approvals_of(fx, "20261125-PROXY1", out), "jicho@example.go.jp");
	/* 0: never by time; an approver away: at once */
	add_approve(fx, "20261125-PROXY2", "kakari@example.go.jp", t + 7000);
	assert_int_equal(nq_proxy(fx->rg, 0, t + 999999, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 0);
	assert_int_equal(reg_away_set(fx->rg, "kacho@example.go.jp", true, t + 8000, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(nq_proxy(fx->rg, 0, t + 7001, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 1);
	assert_string_equal(approvals_of(fx, "20261125-PROXY2", out), "jicho@example.go.jp");
	/* back (the date passed): not away */
	add_approve(fx, "20261125-PROXY3", "kakari@example.go.jp", t + 8000);
	assert_int_equal(nq_proxy(fx->rg, 0, t + 8000, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 0);
}

static void add_hold(struct fx *fx, const char *id, const char *sender, time_t t)
{
	char err[256];
	struct incident inc = { .created = t, .updated = t };

	snprintf(inc.id, sizeof(inc.id), "%s", id);
	inc.sender = (char *)sender;
	inc.subject = "件名";
	inc.action = "hold";
	inc.status = "held";
	if (reg_insert(fx->rg, &inc, "dlp-milter", err, sizeof(err)) < 0)
		fail_msg("insert: %s", err);
}

static int note_of(const struct nq_notice *n, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);

	if (n->kind == NOTICE_APPROVAL)
		snprintf(out + len, 512 - len, "%s%s=%s/%s", len ? " " : "", n->recipient,
		    n->note ? n->note : "-", n->status);
	return 0;
}

/* A plain hold justified by its sender (nq_request_approval): the
 * approvers at once with the reason, the proxies by the same rule as an
 * approve hold's — after the time since the request (nq_proxy), or at
 * once, claimed for the caller, when an approver is away. */
static void test_justify_request(void **state)
{
	struct fx *fx = *state;
	const char *kacho[] = { "kacho@example.go.jp" }, *jicho[] = { "jicho@example.go.jp" };
	char err[256], out[512];
	long long seqs[8];
	time_t t = 1764000000, now = time(NULL);
	int asked = -1, n = -1;

	assert_int_equal(reg_approver_set(fx->rg, "kakari@example.go.jp", kacho, 1, jicho, 1, "t",
	    err, sizeof(err)), 0);
	add_hold(fx, "20261125-JUST1", "kakari@example.go.jp", t);
	assert_int_equal(nq_proxy(fx->rg, 3600, now + 99999, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 0);		/* a hold nobody asked about: not waiting */
	assert_int_equal(reg_audit(fx->rg, "20261125-JUST1", "sender:kakari@example.go.jp",
	    REG_RELEASE_REQUESTED, "至急です", err, sizeof(err)), 0);
	assert_int_equal(nq_request_approval(fx->rg, "20261125-JUST1", "kakari@example.go.jp",
	    "至急です", 3600, now, seqs, 8, &n, err, sizeof(err)), 1);
	assert_int_equal(n, 1);
	out[0] = '\0';
	assert_int_equal(nq_list(fx->rg, "20261125-JUST1", note_of, out, err, sizeof(err)), 0);
	assert_string_equal(out, "kacho@example.go.jp=至急です/sending");
	/* the proxy: from the request's time, not the hold's */
	assert_int_equal(nq_proxy(fx->rg, 3600, now + 3599 - 60, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 0);
	assert_int_equal(nq_proxy(fx->rg, 3600, now + 3600 + 60, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 1);
	out[0] = '\0';
	assert_int_equal(nq_list(fx->rg, "20261125-JUST1", note_of, out, err, sizeof(err)), 0);
	assert_string_equal(out, "kacho@example.go.jp=至急です/sending "
	    "jicho@example.go.jp=至急です/pending");

	/* the approver away: approver and proxy at once, both claimed */
	assert_int_equal(reg_away_set(fx->rg, "kacho@example.go.jp", true, 0, "t", err,
	    sizeof(err)), 0);
	add_hold(fx, "20261125-JUST2", "kakari@example.go.jp", t);
	assert_int_equal(reg_audit(fx->rg, "20261125-JUST2", "sender:kakari@example.go.jp",
	    REG_RELEASE_REQUESTED, "理由", err, sizeof(err)), 0);
	assert_int_equal(nq_request_approval(fx->rg, "20261125-JUST2", "kakari@example.go.jp",
	    "理由", 3600, now, seqs, 8, &n, err, sizeof(err)), 2);
	assert_int_equal(n, 2);
	assert_string_equal(approvals_of(fx, "20261125-JUST2", out),
	    "kacho@example.go.jp jicho@example.go.jp");
	assert_int_equal(nq_proxy(fx->rg, 3600, now + 99999, &asked, err, sizeof(err)), 0);
	assert_int_equal(asked, 0);		/* marked: never asked twice */
	assert_int_equal(nq_request_approval(fx->rg, "20261125-JUST2", "kakari@example.go.jp",
	    "理由", 3600, now, seqs, 8, &n, err, sizeof(err)), 2);
	assert_int_equal(n, 0);			/* asked again: no second notice */

	/* a sender without approvers: nobody (the admin decides) */
	add_hold(fx, "20261125-JUST3", "nobody@example.go.jp", t);
	assert_int_equal(nq_request_approval(fx->rg, "20261125-JUST3", "nobody@example.go.jp",
	    "x", 3600, now, seqs, 8, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sender_internal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_queues_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_backoff_give_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandoned_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_run_delivers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_failure_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_justify_request, setup, teardown),
	};
	int rc;

	g_mime_init();
	smtp_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
