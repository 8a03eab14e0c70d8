/*
 * test_release.c — the release state machine against a tiny local SMTP
 * server (smtp_fake.c): what is sent (envelope, trace header, bytes, dot
 * stuffing, CRLF), the claim held → releasing → released, every failure
 * leaving the incident held with the relay's reply in msg and the audit
 * trail, releasing twice, concurrent releases, taking over an abandoned
 * claim, delete and purge.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "register/register.h"
#include "quarantine/release.h"
#include "notice/smtp.h"
#include "quarantine/store.h"
#include "tests/unit/lib/smtp_fake.h"

static const char MSG[] =
	"From: taro@example.go.jp\r\n"
	"To: a@partner.example.com\r\n"
	"Subject: test\r\n"
	"\r\n"
	"line one\r\n"
	".a line that starts with a dot\r\n"
	"..two dots\r\n"
	"last line\r\n";

struct fx {
	char dir[64], db[128], qdir[128];
	struct reg *rg;
	struct fake_smtp *fs;
	struct release_opts o;
};

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void put_incident(struct fx *fx, const char *id, const char *sender, time_t created,
    const char *body)
{
	char err[256] = "", path[256];
	struct incident inc = { .created = created };
	int fd;

	snprintf(inc.id, sizeof(inc.id), "%s", id);
	inc.updated = created;
	inc.sender = (char *)sender;
	inc.subject = "test";
	inc.recipients = 3;
	inc.rcpt = json_pack("[s, s, s]", "a@partner.example.com", "b@other.example.net",
	    "c@example.go.jp");
	inc.action = "hold";
	inc.status = "held";
	store_path(fx->qdir, id, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	if (reg_insert(fx->rg, &inc, "dlp-milter", err, sizeof(err)) < 0)
		fail_msg("reg_insert: %s", err);
	json_decref(inc.rcpt);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_release.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->db, sizeof(fx->db), "%s/incidents.db", fx->dir);
	snprintf(fx->qdir, sizeof(fx->qdir), "%s/quarantine", fx->dir);
	if (store_init(fx->qdir, err, sizeof(err)) < 0 ||
	    !(fx->rg = reg_open(fx->db, REG_RW, err, sizeof(err))))
		return -1;
	fx->fs = fake_smtp_start(NULL);
	fx->o.relay = fake_smtp_url(fx->fs);
	fx->o.qdir = fx->qdir;
	fx->o.actor = "admin1";
	fx->o.timeout = 20;
	put_incident(fx, "20261125-AAAAAA", "taro@example.go.jp", time(NULL), MSG);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	fake_smtp_stop(fx->fs);
	reg_close(fx->rg);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static char *status_of(struct fx *fx, const char *id)
{
	static char buf[32];
	struct incident inc;
	char err[256];

	assert_int_equal(reg_get(fx->rg, id, &inc, err, sizeof(err)), 0);
	snprintf(buf, sizeof(buf), "%s", inc.status);
	incident_clear(&inc);
	return buf;
}

struct hist { char all[4096]; };

static int hist_cb(const struct audit *a, void *arg)
{
	struct hist *h = arg;
	size_t n = strlen(h->all);

	snprintf(h->all + n, sizeof(h->all) - n, "%s|%s|%s\n", a->actor, a->action,
	    a->reason ? a->reason : "");
	return 0;
}

static const char *history(struct fx *fx, const char *id)
{
	static struct hist h;
	char err[256];

	h.all[0] = '\0';
	assert_int_equal(reg_history(fx->rg, id, hist_cb, &h, err, sizeof(err)), 0);
	return h.all;
}

static void test_release_sends_original(void **state)
{
	struct fx *fx = *state;
	const struct fake_txn *t;
	char msg[1024];
	int code;

	fx->o.reason = "checked";
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, &code, msg,
	    sizeof(msg)), REL_DONE);
	assert_int_equal(code, 250);
	assert_non_null(strstr(msg, "3 recipients"));
	assert_string_equal(status_of(fx, "20261125-AAAAAA"), "released");
	assert_int_equal(fake_smtp_count(fx->fs), 1);
	t = fake_smtp_txn(fx->fs, 0);
	assert_string_equal(t->from, "<taro@example.go.jp>");
	assert_string_equal(t->rcpts, "<a@partner.example.com>\n<b@other.example.net>\n"
	    "<c@example.go.jp>\n");
	/* One trace header, then the stored bytes exactly (dots unstuffed). */
	/* An opaque token, which the audit trail ties to the incident; no id,
	 * login or time for outsiders. */
	assert_memory_equal(t->data, "X-DLP-Released: ", 16);
	assert_int_equal(strspn((char *)t->data + 16, "0123456789abcdef"), RELEASE_TOKEN_LEN);
	assert_memory_equal(t->data + 16 + RELEASE_TOKEN_LEN, "\r\n", 2);
	assert_null(memmem(t->data, 60, "20261125-AAAAAA", 15));
	assert_null(memmem(t->data, 60, "admin1", 6));
	{
		char want[64];
		snprintf(want, sizeof(want), "admin1|release sent as|%.*s\n", RELEASE_TOKEN_LEN,
		    (char *)t->data + 16);
		assert_non_null(strstr(history(fx, "20261125-AAAAAA"), want));
	}
	assert_true(t->len > strlen(MSG));
	assert_memory_equal(t->data + t->len - strlen(MSG), MSG, strlen(MSG));
	assert_non_null(strstr((char *)t->data, "\r\n"));
	assert_ptr_equal(memchr(t->data, '\n', t->len), strstr((char *)t->data, "\r\n") + 1);
	assert_non_null(strstr(history(fx, "20261125-AAAAAA"),
	    "admin1|held -> releasing|release started\nadmin1|release sent as|"));
	assert_non_null(strstr(history(fx, "20261125-AAAAAA"),
	    "\nadmin1|releasing -> released|checked\n"));
}

static void test_release_twice_sends_once(void **state)
{
	struct fx *fx = *state;
	char msg[1024];

	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_DONE);
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_ALREADY);
	assert_non_null(strstr(msg, "nothing to do"));
	assert_int_equal(fake_smtp_count(fx->fs), 1);
	assert_int_equal(release_incident(fx->rg, "20261125-NOSUCH", &fx->o, NULL, msg,
	    sizeof(msg)), REL_NOT_FOUND);
}

static void test_null_sender_and_bare_lf(void **state)
{
	struct fx *fx = *state;
	const struct fake_txn *t;
	char msg[1024];

	put_incident(fx, "20261125-BBBBBB", "", time(NULL), "Subject: lf\n\nbody\n.\nend\n");
	assert_int_equal(release_incident(fx->rg, "20261125-BBBBBB", &fx->o, NULL, msg,
	    sizeof(msg)), REL_DONE);
	t = fake_smtp_txn(fx->fs, 0);
	assert_non_null(t);
	assert_string_equal(t->from, "<>");
	/* Bare LF sent as CRLF; the lone "." line stuffed, not an end of data. */
	assert_non_null(strstr((char *)t->data, "\r\nSubject: lf\r\n\r\nbody\r\n.\r\nend\r\n"));
}

static void test_refused_recipient_stays_held(void **state)
{
	struct fx *fx = *state;
	struct fake_smtp_cfg cfg = { .refuse_rcpt = "b@other" };
	struct fake_smtp *bad = fake_smtp_start(&cfg);
	char msg[1024];
	int code;

	fx->o.relay = fake_smtp_url(bad);
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, &code, msg,
	    sizeof(msg)), REL_SEND_FAILED);
	assert_int_equal(code, 550);
	assert_non_null(strstr(msg, "RCPT TO:<b@other.example.net>: 550 5.1.1 refused here"));
	assert_int_equal(fake_smtp_count(bad), 0);
	assert_string_equal(status_of(fx, "20261125-AAAAAA"), "held");
	assert_non_null(strstr(history(fx, "20261125-AAAAAA"),
	    "releasing -> held|release failed: "));
	fake_smtp_stop(bad);
}

static void test_4xx_after_data_stays_held(void **state)
{
	struct fx *fx = *state;
	struct fake_smtp_cfg cfg = { .eom_reply = "451 4.3.0 try later" };
	struct fake_smtp *bad = fake_smtp_start(&cfg);
	char msg[1024];
	int code;

	fx->o.relay = fake_smtp_url(bad);
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, &code, msg,
	    sizeof(msg)), REL_SEND_FAILED);
	assert_int_equal(code, 451);
	assert_non_null(strstr(msg, "end of DATA: 451 4.3.0 try later"));
	assert_string_equal(status_of(fx, "20261125-AAAAAA"), "held");
	/* It can be released afterwards. */
	fx->o.relay = fake_smtp_url(fx->fs);
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_DONE);
	fake_smtp_stop(bad);
}

static void test_connection_refused_stays_held(void **state)
{
	struct fx *fx = *state;
	struct fake_smtp *gone = fake_smtp_start(NULL);
	char url[64], msg[1024];
	int code;

	snprintf(url, sizeof(url), "%s", fake_smtp_url(gone));
	fake_smtp_stop(gone);	/* nothing listens there any more */
	fx->o.relay = url;
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, &code, msg,
	    sizeof(msg)), REL_SEND_FAILED);
	assert_int_equal(code, 0);
	assert_non_null(strstr(msg, "onnect"));
	assert_string_equal(status_of(fx, "20261125-AAAAAA"), "held");
	fx->o.relay = "http://127.0.0.1/";
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_SEND_FAILED);
	assert_non_null(strstr(msg, "not smtp://"));
	assert_string_equal(status_of(fx, "20261125-AAAAAA"), "held");
}

/* --bcc: the external To/Cc addresses out of the header, every other
 * byte as stored, the envelope unchanged; the history says so. */
static void test_release_bcc(void **state)
{
	static const char BMSG[] =
		"From: taro@example.go.jp\r\n"
		"To: a@partner.example.com, c@example.go.jp\r\n"
		"Cc: b@other.example.net\r\n"
		"Subject: bcc\r\n"
		"\r\n"
		"To: a@partner.example.com in the body stays\r\n";
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1 };
	struct fx *fx = *state;
	const struct fake_txn *t;
	char msg[1024];
	const char *body;

	put_incident(fx, "20261125-BCCBCC", "taro@example.go.jp", time(NULL), BMSG);
	fx->o.bcc = &opt;
	assert_int_equal(release_incident(fx->rg, "20261125-BCCBCC", &fx->o, NULL, msg,
	    sizeof(msg)), REL_DONE);
	assert_non_null(strstr(msg, "released Bcc-converted to 3 recipients"));
	t = fake_smtp_txn(fx->fs, 0);
	assert_non_null(t);
	assert_string_equal(t->rcpts, "<a@partner.example.com>\n<b@other.example.net>\n"
	    "<c@example.go.jp>\n");
	body = strstr((char *)t->data, "\r\n\r\n");
	assert_non_null(body);
	assert_null(memmem(t->data, (size_t)(body - (char *)t->data), "partner", 7));
	assert_null(memmem(t->data, (size_t)(body - (char *)t->data), "other.example", 13));
	assert_null(memmem(t->data, (size_t)(body - (char *)t->data), "Cc:", 3));
	assert_non_null(strstr((char *)t->data, "\r\nTo: c@example.go.jp\r\n"));
	assert_non_null(strstr((char *)t->data, "\r\nFrom: taro@example.go.jp\r\n"));
	assert_string_equal(body, "\r\n\r\nTo: a@partner.example.com in the body stays\r\n");
	assert_memory_equal(t->data, "X-DLP-Released: ", 16);
	assert_non_null(strstr(history(fx, "20261125-BCCBCC"),
	    "admin1|held -> releasing|release started (Bcc-converted)\n"));
	assert_non_null(strstr(history(fx, "20261125-BCCBCC"),
	    "admin1|release Bcc-converted|2 To/Cc fields rewritten"));
	assert_non_null(strstr(history(fx, "20261125-BCCBCC"),
	    "admin1|releasing -> released|Bcc-converted\n"));
}

/* A delayed incident (action delay, status delayed, due). */
static void put_delayed(struct fx *fx, const char *id, time_t due, bool bcc, const char *body)
{
	char err[256] = "", path[256];
	struct incident inc = { .created = due - 2, .due = due };
	int fd;

	snprintf(inc.id, sizeof(inc.id), "%s", id);
	inc.updated = inc.created;
	inc.sender = "taro@example.go.jp";
	inc.subject = "delay";
	inc.recipients = 2;
	inc.rcpt = json_pack("[s, s]", "a@partner.example.com", "c@example.go.jp");
	inc.rules = bcc ? json_pack("[{s:s,s:s},{s:s,s:s}]", "name", "wait", "action", "delay",
	    "name", "many", "action", "bcc") : json_pack("[{s:s,s:s}]", "name", "wait", "action",
	    "delay");
	inc.action = "delay";
	inc.status = "delayed";
	store_path(fx->qdir, id, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	if (reg_insert(fx->rg, &inc, "dlp-milter", err, sizeof(err)) < 0)
		fail_msg("reg_insert: %s", err);
	json_decref(inc.rcpt);
	json_decref(inc.rules);
}

struct logged { int n, done; char last[1024]; };

static void log_cb(void *arg, const char *id, enum release_rc rc, const char *msg, time_t retry)
{
	struct logged *l = arg;

	l->n++;
	l->done += rc == REL_DONE;
	snprintf(l->last, sizeof(l->last), "%s %s %s %lld", id, release_strerror(rc), msg,
	    (long long)retry);
}

/* The timer: only what is due goes, once, through the checked path; a
 * bcc rule that fired with it makes it Bcc-converted; the next due time. */
static void test_release_due(void **state)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1 };
	struct fx *fx = *state;
	struct logged l = { 0 };
	time_t now = time(NULL), next = 0;
	char err[256];
	int released = 0;

	put_delayed(fx, "20261125-DELAY1", now - 1, false, MSG);
	put_delayed(fx, "20261125-DELAY2", now - 1, true, MSG);
	put_delayed(fx, "20261125-DELAY3", now + 300, false, MSG);
	fx->o.actor = "dlp-milter";
	/* an admin's early release of a delayed one is the same release */
	assert_int_equal(release_delete(fx->rg, "20261125-DELAY3", &fx->o, err, sizeof(err)),
	    REL_DONE);
	put_delayed(fx, "20261125-DELAY4", now + 300, false, MSG);
	assert_int_equal(release_due(fx->rg, &fx->o, &opt, now, log_cb, &l, &released, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(released, 2);
	assert_int_equal(l.n, 2);
	assert_int_equal(next, now + 300);
	assert_int_equal(fake_smtp_count(fx->fs), 2);
	assert_string_equal(status_of(fx, "20261125-DELAY1"), "released");
	assert_string_equal(status_of(fx, "20261125-DELAY2"), "released");
	assert_string_equal(status_of(fx, "20261125-DELAY3"), "deleted");
	assert_string_equal(status_of(fx, "20261125-DELAY4"), "delayed");
	assert_non_null(strstr(history(fx, "20261125-DELAY1"),
	    "dlp-milter|delayed -> releasing|release started\n"));
	assert_non_null(strstr(history(fx, "20261125-DELAY1"),
	    "dlp-milter|releasing -> released|送信保留の時間が過ぎたため送信"));
	assert_non_null(strstr(history(fx, "20261125-DELAY2"), "release Bcc-converted"));
	/* the bcc one: no external address in the header that went */
	for (size_t i = 0; i < 2; i++) {
		const struct fake_txn *t = fake_smtp_txn(fx->fs, i);
		bool conv = strstr((char *)t->data, "undisclosed-recipients") != NULL;
		assert_true(conv == (strstr((char *)t->data, "To: a@partner") == NULL));
		assert_string_equal(t->rcpts, "<a@partner.example.com>\n<c@example.go.jp>\n");
	}
	/* nothing more is due: a second timer run sends nothing */
	assert_int_equal(release_due(fx->rg, &fx->o, &opt, now, log_cb, &l, &released, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(released, 0);
	assert_int_equal(fake_smtp_count(fx->fs), 2);
	/* a cancelled one never goes */
	fx->o.delete_as = "cancelled";
	assert_int_equal(release_delete(fx->rg, "20261125-DELAY4", &fx->o, err, sizeof(err)),
	    REL_DONE);
	assert_string_equal(status_of(fx, "20261125-DELAY4"), "cancelled");
	assert_int_equal(release_due(fx->rg, &fx->o, &opt, now + 400, log_cb, &l, &released,
	    &next, err, sizeof(err)), 0);
	assert_int_equal(released, 0);
	assert_int_equal(next, 0);
	assert_int_equal(fake_smtp_count(fx->fs), 2);
}

/* The series of a message sent to its nine recipients x0..x8@partner now. */
static void series_msg(struct reg_series_msg *m, const char *msgid, char rb[9][40],
    const char *rp[9], time_t now)
{
	static const char *const keys[] = { "a:d1g3st", "s:名簿の送付について" };

	for (int i = 0; i < 9; i++) {
		snprintf(rb[i], 40, "x%d@partner.example.com", i);
		rp[i] = rb[i];
	}
	memset(m, 0, sizeof(*m));
	m->sender = "taro@example.go.jp";
	m->keys = keys;
	m->nkeys = 2;
	m->rcpts = rp;
	m->nrcpts = 9;
	m->msg = msgid;
	m->bytes = 500;
	m->now = now;
	m->window = 7200;
	m->max_rows = 1000;
}

/* A hold's series rows, kept by the milter, are recorded by the release
 * that sends it, once: a repeated release adds nothing; a delay released
 * when due is recorded the same way. */
static void test_release_records_series(void **state)
{
	struct fx *fx = *state;
	struct reg_series_msg m;
	struct reg_series_counts c;
	char rb[9][40], msg[1024], err[256];
	const char *rp[9];
	time_t now = time(NULL), next = 0;
	int released = 0;

	series_msg(&m, "<held@example.go.jp>", rb, rp, now);
	assert_int_equal(reg_series_hold(fx->rg, "20261125-AAAAAA", &m, err, sizeof(err)), 0);
	series_msg(&m, "<next@example.go.jp>", rb, rp, now);
	assert_int_equal(reg_series_count(fx->rg, &m, &c, err, sizeof(err)), 0);
	assert_int_equal(c.sender_external_hour, 1);		/* held: only itself */
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_DONE);
	assert_null(strstr(msg, "not counted"));
	assert_int_equal(reg_series_count(fx->rg, &m, &c, err, sizeof(err)), 0);
	assert_int_equal(c.series_external, 9);		/* the same nine: reached */
	assert_int_equal(c.sender_external_hour, 2);
	assert_int_equal(c.sender_bytes_hour, 500 + m.bytes);
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_ALREADY);
	assert_int_equal(reg_series_count(fx->rg, &m, &c, err, sizeof(err)), 0);
	assert_int_equal(c.sender_external_hour, 2);		/* not twice */
	/* a delay released when due */
	put_delayed(fx, "20261125-DELAY1", now - 1, false, MSG);
	series_msg(&m, "<delayed@example.go.jp>", rb, rp, now);
	assert_int_equal(reg_series_hold(fx->rg, "20261125-DELAY1", &m, err, sizeof(err)), 0);
	fx->o.actor = "dlp-milter";
	assert_int_equal(release_due(fx->rg, &fx->o, NULL, now, NULL, NULL, &released, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(released, 1);
	series_msg(&m, "<next@example.go.jp>", rb, rp, now);
	assert_int_equal(reg_series_count(fx->rg, &m, &c, err, sizeof(err)), 0);
	assert_int_equal(c.sender_external_hour, 3);
}

/* A relay that refuses: still delayed, tried again later with a backoff
 * that doubles up to its bound; then it goes. */
static void test_release_due_retry(void **state)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1 };
	struct fx *fx = *state;
	struct fake_smtp_cfg cfg = { .eom_reply = "451 4.3.0 try later" };
	struct fake_smtp *bad = fake_smtp_start(&cfg);
	struct logged l = { 0 };
	time_t now = time(NULL), next = 0;
	struct incident inc;
	char err[256];
	int released = 0;

	assert_int_equal(release_retry_after(0), RELEASE_RETRY_MIN);
	assert_int_equal(release_retry_after(1), 2 * RELEASE_RETRY_MIN);
	assert_int_equal(release_retry_after(3), 8 * RELEASE_RETRY_MIN);
	assert_int_equal(release_retry_after(40), RELEASE_RETRY_MAX);
	put_delayed(fx, "20261125-DELAYR", now - 1, false, MSG);
	fx->o.relay = fake_smtp_url(bad);
	fx->o.actor = "dlp-milter";
	assert_int_equal(release_due(fx->rg, &fx->o, &opt, now, log_cb, &l, &released, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(released, 0);
	assert_string_equal(status_of(fx, "20261125-DELAYR"), "delayed");
	assert_int_equal(next, now + RELEASE_RETRY_MIN);
	assert_non_null(strstr(l.last, "451 4.3.0 try later"));
	assert_non_null(strstr(history(fx, "20261125-DELAYR"),
	    "releasing -> delayed|release failed: "));
	/* not before its retry time */
	assert_int_equal(release_due(fx->rg, &fx->o, &opt, now + 10, log_cb, &l, &released,
	    &next, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(release_due(fx->rg, &fx->o, &opt, now + RELEASE_RETRY_MIN, log_cb, &l,
	    &released, &next, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(next, now + RELEASE_RETRY_MIN + 2 * RELEASE_RETRY_MIN);
	assert_int_equal(reg_get(fx->rg, "20261125-DELAYR", &inc, err, sizeof(err)), 0);
	assert_int_equal(inc.delay_tries, 2);
	incident_clear(&inc);
	fx->o.relay = fake_smtp_url(fx->fs);
	assert_int_equal(release_due(fx->rg, &fx->o, &opt, next, log_cb, &l, &released, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(released, 1);
	assert_string_equal(status_of(fx, "20261125-DELAYR"), "released");
	assert_int_equal(fake_smtp_count(fx->fs), 1);
	fake_smtp_stop(bad);
}

/* Two timers (two milters on one register) at once: sent once. */
struct timer_racer {
	struct fx *fx;
	int released;
};

static void *timer_race(void *arg)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1 };
	struct timer_racer *r = arg;
	struct release_opts o = r->fx->o;
	char err[256];
	time_t next;
	struct reg *rg = reg_open(r->fx->db, REG_RW, err, sizeof(err));

	assert_non_null(rg);
	release_due(rg, &o, &opt, time(NULL), NULL, NULL, &r->released, &next, err, sizeof(err));
	reg_close(rg);
	return NULL;
}

static void test_release_due_two_timers(void **state)
{
	struct fx *fx = *state;
	struct timer_racer r[4];
	pthread_t t[4];
	char id[32];
	int total = 0;

	fx->o.actor = "dlp-milter";
	for (int i = 0; i < 8; i++) {
		snprintf(id, sizeof(id), "20261125-DUE00%d", i);
		put_delayed(fx, id, time(NULL) - 1, false, MSG);
	}
	for (int i = 0; i < 4; i++) {
		r[i] = (struct timer_racer){ fx, 0 };
		pthread_create(&t[i], NULL, timer_race, &r[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += r[i].released;
	}
	assert_int_equal(total, 8);
	assert_int_equal(fake_smtp_count(fx->fs), 8);
}

struct racer {
	struct fx *fx;
	enum release_rc rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	char err[256], msg[1024];
	struct reg *rg = reg_open(r->fx->db, REG_RW, err, sizeof(err));

	assert_non_null(rg);
	r->rc = release_incident(rg, "20261125-AAAAAA", &r->fx->o, NULL, msg, sizeof(msg));
	reg_close(rg);
	return NULL;
}

static void test_concurrent_releases_send_once(void **state)
{
	struct fx *fx = *state;
	struct fake_smtp_cfg cfg = { .eom_delay_ms = 300 };
	struct fake_smtp *slow = fake_smtp_start(&cfg);
	struct racer r[6];
	pthread_t t[6];
	int done = 0;

	fx->o.relay = fake_smtp_url(slow);
	for (int i = 0; i < 6; i++) {
		r[i].fx = fx;
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		done += r[i].rc == REL_DONE;
		assert_true(r[i].rc == REL_DONE || r[i].rc == REL_BUSY || r[i].rc == REL_ALREADY);
	}
	assert_int_equal(done, 1);
	assert_int_equal(fake_smtp_count(slow), 1);
	assert_string_equal(status_of(fx, "20261125-AAAAAA"), "released");
	fake_smtp_stop(slow);
}

static void test_abandoned_claim_taken_over(void **state)
{
	struct fx *fx = *state;
	char err[256], msg[1024];

	/* A dlpctl that claimed and died. */
	assert_int_equal(reg_set_status(fx->rg, "20261125-AAAAAA", "held", "releasing", "ghost",
	    "release started", err, sizeof(err)), 0);
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_BUSY);
	assert_non_null(strstr(msg, "being released by ghost"));
	assert_non_null(strstr(msg, "--force"));
	fx->o.force = true;
	fx->o.stale = 2;
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_BUSY);	/* fresh claim: not taken over */
	assert_int_equal(release_delete(fx->rg, "20261125-AAAAAA", &(struct release_opts){
	    .qdir = fx->qdir, .actor = "x" }, msg, sizeof(msg)), REL_BUSY);
	assert_int_equal(fake_smtp_count(fx->fs), 0);
	sleep(3);
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_DONE);
	assert_int_equal(fake_smtp_count(fx->fs), 1);
	assert_non_null(strstr(history(fx, "20261125-AAAAAA"),
	    "admin1|releasing -> held|--force: release claim of ghost since "));
}

static void test_delete(void **state)
{
	struct fx *fx = *state;
	char msg[1024], path[256];

	store_path(fx->qdir, "20261125-AAAAAA", path, sizeof(path));
	fx->o.reason = "wrong recipients";
	assert_int_equal(release_delete(fx->rg, "20261125-AAAAAA", &fx->o, msg, sizeof(msg)),
	    REL_DONE);
	assert_int_equal(access(path, F_OK), -1);
	assert_string_equal(status_of(fx, "20261125-AAAAAA"), "deleted");
	assert_non_null(strstr(history(fx, "20261125-AAAAAA"),
	    "admin1|held -> deleted|wrong recipients"));
	assert_int_equal(release_delete(fx->rg, "20261125-AAAAAA", &fx->o, msg, sizeof(msg)),
	    REL_ALREADY);
	assert_int_equal(release_incident(fx->rg, "20261125-AAAAAA", &fx->o, NULL, msg,
	    sizeof(msg)), REL_NOT_HELD);
	assert_non_null(strstr(msg, "is deleted, not held"));
	assert_int_equal(fake_smtp_count(fx->fs), 0);
}

static void test_purge(void **state)
{
	struct fx *fx = *state;
	time_t now = time(NULL), day = 86400;
	char err[256], msg[1024], p1[256], p2[256], p3[256];
	int expired, removed;

	put_incident(fx, "20261125-OLDOLD", "taro@example.go.jp", now - 100 * day, MSG);
	put_incident(fx, "20261125-OLDREL", "taro@example.go.jp", now - 100 * day, MSG);
	assert_int_equal(release_incident(fx->rg, "20261125-OLDREL", &fx->o, NULL, msg,
	    sizeof(msg)), REL_DONE);
	store_path(fx->qdir, "20261125-OLDOLD", p1, sizeof(p1));
	store_path(fx->qdir, "20261125-OLDREL", p2, sizeof(p2));
	store_path(fx->qdir, "20261125-AAAAAA", p3, sizeof(p3));
	assert_int_equal(release_purge(fx->rg, fx->qdir, now - 90 * day, "admin1", &expired,
	    &removed, err, sizeof(err)), 0);
	assert_int_equal(expired, 1);
	assert_int_equal(removed, 1);
	assert_string_equal(status_of(fx, "20261125-OLDOLD"), "expired");
	assert_string_equal(status_of(fx, "20261125-OLDREL"), "released");
	assert_string_equal(status_of(fx, "20261125-AAAAAA"), "held");
	assert_int_equal(access(p1, F_OK), -1);
	assert_int_equal(access(p2, F_OK), -1);
	assert_int_equal(access(p3, F_OK), 0);
	assert_non_null(strstr(history(fx, "20261125-OLDREL"), "stored copy removed"));
	/* Again: nothing left to do. */
	assert_int_equal(release_purge(fx->rg, fx->qdir, now - 90 * day, "admin1", &expired,
	    &removed, err, sizeof(err)), 0);
	assert_int_equal(expired + removed, 0);
}

/* A file of the quarantine, given a modification time. */
static void put_file(struct fx *fx, const char *sub, const char *name, time_t mtime, char *path,
    size_t len)
{
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	int fd;

	snprintf(path, len, "%s/%s/%s", fx->qdir, sub, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, MSG, strlen(MSG)), (ssize_t)strlen(MSG));
	close(fd);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Copies with no register row (a daemon killed between the copy and the
 * row) and unfinished writes in tmp/ go once older than the cutoff. */
static void test_purge_orphans(void **state)
{
	struct fx *fx = *state;
	time_t now = time(NULL), day = 86400;
	char err[256], old_orphan[512], new_orphan[512], old_tmp[512], new_tmp[512], other[512],
	    held[256];
	int expired, removed;

	put_incident(fx, "20261125-KEEPME", "taro@example.go.jp", now, MSG);
	store_path(fx->qdir, "20261125-KEEPME", held, sizeof(held));
	assert_int_equal(utimensat(AT_FDCWD, held, (struct timespec[2]){ { now - 100 * day, 0 },
	    { now - 100 * day, 0 } }, 0), 0);	/* an old file, but a held incident */
	put_file(fx, "msg", "20261125-ORPHAN.eml", now - 100 * day, old_orphan, sizeof(old_orphan));
	put_file(fx, "msg", "20261125-YOUNGO.eml", now - 60, new_orphan, sizeof(new_orphan));
	put_file(fx, "tmp", "20261125-HALFWR.eml", now - 100 * day, old_tmp, sizeof(old_tmp));
	put_file(fx, "tmp", "20261125-INPROG.eml", now, new_tmp, sizeof(new_tmp));
	put_file(fx, "msg", "README", now - 100 * day, other, sizeof(other));
	assert_int_equal(release_purge(fx->rg, fx->qdir, now - 90 * day, "admin1", &expired,
	    &removed, err, sizeof(err)), 0);
	assert_int_equal(expired, 0);
	assert_int_equal(removed, 2);
	assert_int_equal(access(old_orphan, F_OK), -1);
	assert_int_equal(access(old_tmp, F_OK), -1);
	assert_int_equal(access(new_orphan, F_OK), 0);
	assert_int_equal(access(new_tmp, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(access(held, F_OK), 0);
	assert_string_equal(status_of(fx, "20261125-KEEPME"), "held");
	/* "Everything up to now" still spares what may be a hold in progress. */
	assert_int_equal(release_purge(fx->rg, fx->qdir, now + 1, "admin1", &expired, &removed,
	    err, sizeof(err)), 0);
	assert_int_equal(expired, 2);		/* AAAAAA and KEEPME */
	assert_int_equal(access(new_orphan, F_OK), 0);
	assert_int_equal(access(new_tmp, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_release_sends_original, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_twice_sends_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_records_series, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_sender_and_bare_lf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_recipient_stays_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4xx_after_data_stays_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused_stays_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_releases_send_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandoned_claim_taken_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_orphans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_bcc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_due_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_due_two_timers, setup, teardown),
	};

	smtp_global_init();
	g_mime_init();		/* the Bcc rewrite parses addresses with GMime */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
