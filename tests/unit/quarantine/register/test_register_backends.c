/*
 * test_register_backends.c — the same register cases against both
 * backends: SQLite (a file) and PostgreSQL (a private server started by
 * tests/pgserver.sh, a fresh database per case).  Round trip, paged
 * newest-first walk with a re-entrant callback, compare-and-set races of
 * two connections, the notice queue's claims by two threads, held
 * messages (held.h: files or bytea chunks), read-only handles, import and
 * counts; dlp-web's accounts, sessions, used links (two handles racing
 * for the same link: used once), its audit trail and the approvers;
 * PostgreSQL alone: the server going away and coming back,
 * passwords from a file, the dialect translation.
 *
 * Without initdb (no postgresql package) the PostgreSQL cases are skipped
 * with the reason; the SQLite ones run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "mime/spool.h"
#include "quarantine/held.h"
#include "quarantine/store.h"
#include "register/register.h"
#include "tests/unit/lib/pgtest.h"

char *pg_translate(const char *sql);	/* register/pg.c */

static struct pgtest pg;
static int pg_state;		/* 0 up, 1 absent (skip), -1 failed */

struct fx {
	bool pg;
	char dir[64];
	char loc[512];
	char qdir[128];
	const char *pw;		/* password file or NULL */
};

static const bool ON_SQLITE = false, ON_PG = true;

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int group_setup(void **state)
{
	pg_state = pgtest_start(&pg);
	return pg_state < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	pgtest_end(&pg);
	return 0;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->pg = *(const bool *)*state;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_regbe.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->qdir, sizeof(fx->qdir), "%s/quarantine", fx->dir);
	if (!fx->pg) {
		snprintf(fx->loc, sizeof(fx->loc), "%s/incidents.db", fx->dir);
	} else if (pg_state == 0) {
		if (pgtest_new_db(&pg, fx->loc, sizeof(fx->loc)) < 0)
			return -1;
		fx->pw = pg.password_file;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* The fixture, or a skip when this case is PostgreSQL's and it is absent. */
static struct fx *fixture(void **state)
{
	struct fx *fx = *state;

	if (fx->pg && pg_state != 0) {
		print_message("skipped: %s\n", pg.absent);
		skip();
	}
	return fx;
}

static struct reg *open_mode(const struct fx *fx, enum reg_mode mode)
{
	char err[512] = "";
	struct reg *rg = reg_connect(fx->loc, fx->pw, mode, err, sizeof(err));

	if (!rg)
		fail_msg("reg_connect %s: %s", fx->loc, err);
	return rg;
}

static struct reg *open_rw(const struct fx *fx) { return open_mode(fx, REG_RW); }

static void make_incident(struct incident *inc, const char *id, time_t t, const char *status)
{
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s", id);
	inc->created = t;
	inc->queue_id = strdup("4XyZ1abc");
	inc->message_id = strdup("<m1@example.go.jp>");
	inc->sender = strdup("taro@example.go.jp");
	inc->subject = strdup("名簿の送付について");
	inc->recipients = 144;
	inc->external = 140;
	inc->external_visible = 139;
	inc->external_domains = 12;
	inc->rcpt = json_pack("[ss]", "a@partner.example", "b@example.go.jp");
	inc->rules = json_pack("[{s:s,s:s}]", "name", "mass_recipients", "action", "hold");
	inc->findings = json_pack("{s:{s:i,s:[s]}}", "phone", "count", 49, "samples",
	    "090-****-5678");
	inc->parts = json_pack("[{s:s,s:s}]", "path", "2", "filename", "名簿.xlsx");
	inc->action = strdup(strcmp(status, "rejected") == 0 ? "reject" : "hold");
	inc->status = strdup(status);
}

static void insert(struct reg *rg, const char *id, time_t t, const char *status)
{
	char err[512] = "";
	struct incident inc;

	make_incident(&inc, id, t, status);
	if (reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)) != 0)
		fail_msg("reg_insert %s: %s", id, err);
	incident_clear(&inc);
}

static void test_round_trip(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "";
	struct incident inc, got;
	struct reg *rg = open_rw(fx);

	make_incident(&inc, "20261125-K3M9QX", 1795000000, "held");
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
	assert_int_equal(reg_get(rg, inc.id, &got, err, sizeof(err)), 0);
	assert_string_equal(got.id, inc.id);
	assert_int_equal(got.created, inc.created);
	assert_string_equal(got.subject, "名簿の送付について");
	assert_string_equal(got.sender, inc.sender);
	assert_int_equal(got.recipients, 144);
	assert_int_equal(got.external_domains, 12);
	assert_true(json_equal(got.rcpt, inc.rcpt));
	assert_true(json_equal(got.findings, inc.findings));
	assert_true(json_equal(got.parts, inc.parts));
	assert_string_equal(got.status, "held");
	assert_string_equal(got.updated_by, "dlp-milter");
	assert_int_equal(got.updated, inc.created);
	incident_clear(&got);
	/* an id is taken once */
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(reg_get(rg, "20261125-NOSUCH", &got, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no incident"));
	incident_clear(&inc);
	reg_close(rg);
}

#define LIST_N 1010		/* more than two pages of the PostgreSQL walk */

struct walk {
	struct reg *rg;
	int n, audited;
	time_t last;
	char (*ids)[32];
	bool ordered;
};

static int walk_cb(const struct incident *inc, void *arg)
{
	struct walk *w = arg;
	char err[256];

	if (w->n > 0 && inc->created > w->last)
		w->ordered = false;
	w->last = inc->created;
	snprintf(w->ids[w->n++], 32, "%s", inc->id);
	/* re-enter the register from the callback, on the same handle */
	if (w->rg && w->audited < 3 && reg_audit(w->rg, inc->id, "lister", "seen", NULL, err,
	    sizeof(err)) == 0)
		w->audited++;
	return 0;
}

static int cmp_id(const void *a, const void *b) { return strcmp(a, b); }

static void test_list_pages(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "", id[32];
	struct walk w = { .ordered = true };
	struct reg *rg = open_rw(fx);

	w.ids = calloc(LIST_N, 32);
	assert_int_equal(reg_audit(rg, "20261125-NOSUCH", "x", "y", NULL, err, sizeof(err)), -1);
	for (int i = 0; i < LIST_N; i++) {
		snprintf(id, sizeof(id), "20261125-L%05d", i);
		/* pairs share a second: the walk must not lose or repeat one */
		insert(rg, id, 1795000000 + i / 2, i % 3 ? "held" : "released");
	}
	w.rg = rg;
	assert_int_equal(reg_list(rg, NULL, 0, 0, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, LIST_N);
	assert_true(w.ordered);
	assert_int_equal(w.audited, 3);
	qsort(w.ids, (size_t)w.n, 32, cmp_id);
	for (int i = 1; i < w.n; i++)
		assert_true(strcmp(w.ids[i - 1], w.ids[i]) != 0);
	/* filters */
	w.n = 0;
	w.rg = NULL;
	assert_int_equal(reg_list(rg, "released", 0, 0, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, (LIST_N + 2) / 3);
	w.n = 0;
	assert_int_equal(reg_list(rg, NULL, 1795000010, 1795000020, walk_cb, &w, err,
	    sizeof(err)), 0);
	assert_int_equal(w.n, 20);
	free(w.ids);
	reg_close(rg);
}

/* reg_list_where: sender part (any ASCII case), rule name, offset, with
 * the status and period, in the register's own query. */
static void test_list_where(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "", id[32];
	struct walk w = { .ordered = true };
	struct reg *rg = open_rw(fx);
	struct incident inc;
	struct reg_where q = { 0 };

	w.ids = calloc(LIST_N, 32);
	for (int i = 0; i < LIST_N; i++) {
		snprintf(id, sizeof(id), "20261125-W%05d", i);
		make_incident(&inc, id, 1795000000 + i / 2, i % 3 ? "held" : "released");
		if (i % 5 == 0) {
			free(inc.sender);
			inc.sender = strdup(i % 10 ? "Hanako.Sato@Soumu.example.go.jp" : "");
		}
		if (i % 7 == 0) {
			json_decref(inc.rules);
			inc.rules = json_pack("[{s:s,s:s},{s:s,s:s}]", "name", "my_number",
			    "action", "hold", "name", "mass_recipients_x", "action", "tag");
		}
		if (reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)) != 0)
			fail_msg("reg_insert %s: %s", id, err);
		incident_clear(&inc);
	}
	/* i % 10 == 5: 101 incidents of hanako, any case */
	q.sender = "hanako.sato@soumu";
	assert_int_equal(reg_list_where(rg, &q, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, 101);
	assert_true(w.ordered);
	w.n = 0;
	q.sender = "SOUMU.EXAMPLE";
	q.status = "held";	/* i % 3 != 0 too */
	assert_int_equal(reg_list_where(rg, &q, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, 67);
	/* a rule by its whole name: mass_recipients is not mass_recipients_x */
	w.n = 0;
	q = (struct reg_where){ .rule = "my_number" };
	assert_int_equal(reg_list_where(rg, &q, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, (LIST_N + 6) / 7);
	w.n = 0;
	q.rule = "mass_recipients";
	assert_int_equal(reg_list_where(rg, &q, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, LIST_N - (LIST_N + 6) / 7);
	w.n = 0;
	q.rule = "mass_recipients_";
	assert_int_equal(reg_list_where(rg, &q, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, 0);
	/* offset: the walk from row 1000 is the last 10, the same ids as the
	 * tail of the whole walk (over PostgreSQL's page boundary) */
	q = (struct reg_where){ 0 };
	w.n = 0;
	assert_int_equal(reg_list_where(rg, &q, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, LIST_N);
	char tail[10][32];
	memcpy(tail, w.ids[LIST_N - 10], sizeof(tail));
	w.n = 0;
	q.offset = LIST_N - 10;
	assert_int_equal(reg_list_where(rg, &q, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, 10);
	for (int i = 0; i < 10; i++)
		assert_string_equal(w.ids[i], tail[i]);
	/* offset with a filter and a period */
	w.n = 0;
	q = (struct reg_where){ .status = "released", .since = 1795000010, .until = 1795000040,
		.offset = 5 };
	assert_int_equal(reg_list_where(rg, &q, walk_cb, &w, err, sizeof(err)), 0);
	assert_int_equal(w.n, 20 - 5);
	free(w.ids);
	reg_close(rg);
}

/* reg_list_where's order and search. */
#define OS_N 1010		/* over two pages of the PostgreSQL walk */

struct sorted {
	int n;
	char ids[OS_N][32];
	char key[OS_N][80];	/* the sort key, as the test reads it */
	long num[OS_N];
	enum reg_order order;
};

/* The name of inc's first rule, or "". */
static const char *web_rule0(const struct incident *inc)
{
	const char *s = json_string_value(json_object_get(json_array_get(inc->rules, 0),
	    "name"));

	return s ? s : "";
}

static void ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int sorted_cb(const struct incident *inc, void *arg)
{
	struct sorted *o = arg;
	const char *k = "";

	if (o->n == OS_N)
		return 1;
	snprintf(o->ids[o->n], 32, "%s", inc->id);
	switch (o->order) {
	case REG_ORDER_SENDER: k = inc->sender ? inc->sender : ""; break;
	case REG_ORDER_SUBJECT: k = inc->subject ? inc->subject : ""; break;
	case REG_ORDER_RULE:
		k = web_rule0(inc);
		break;
	case REG_ORDER_STATUS: k = inc->status; break;
	default: break;
	}
	snprintf(o->key[o->n], 80, "%s", k);
	ascii_lower(o->key[o->n]);
	o->num[o->n] = o->order == REG_ORDER_RECIPIENTS ? inc->recipients : (long)inc->created;
	o->n++;
	return 0;
}

/* Walk q into *o; the rows in (key, id) order, ascending or not. */
static void walk_sorted(struct reg *rg, struct reg_where q, struct sorted *o)
{
	char err[512] = "";

	memset(o, 0, sizeof(*o));
	o->order = q.order;
	if (reg_list_where(rg, &q, sorted_cb, o, err, sizeof(err)) != 0)
		fail_msg("reg_list_where: %s", err);
	for (int i = 1; i < o->n; i++) {
		int c = q.order == REG_ORDER_CREATED || q.order == REG_ORDER_RECIPIENTS ?
		    (o->num[i - 1] > o->num[i]) - (o->num[i - 1] < o->num[i]) :
		    strcmp(o->key[i - 1], o->key[i]);
		if (q.order != REG_ORDER_CREATED && c == 0)
			c = strcmp(o->ids[i - 1], o->ids[i]);
		if (q.ascending ? c > 0 : c < 0)
			fail_msg("order %d %s: row %d (%s %s) before row %d (%s %s)", q.order,
			    q.ascending ? "asc" : "desc", i - 1, o->ids[i - 1], o->key[i - 1], i,
			    o->ids[i], o->key[i]);
	}
}

/* How many rows q selects. */
static int count_where(struct reg *rg, struct reg_where q)
{
	static struct sorted o;

	walk_sorted(rg, q, &o);
	return o.n;
}

static const char *const OS_SUBJECTS[4] = { "名簿の送付について", "Quarterly REPORT 100%",
	"経費_精算", "会議の件" };

static void test_list_order_search(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "", id[32], sender[64], big[REG_SEARCH_MAX + 2];
	struct reg *rg = open_rw(fx);
	static struct sorted a, d;
	struct incident inc;
	struct reg_where q = { 0 };
	int n0 = 0, n36 = 0, n3 = 0, n9 = 0, nheld4 = 0;

	for (int i = 0; i < OS_N; i++) {
		snprintf(id, sizeof(id), "20261125-S%05d", i);
		make_incident(&inc, id, 1795000000 + i / 3, i % 3 ? "held" : "released");
		free(inc.sender);
		free(inc.subject);
		snprintf(sender, sizeof(sender), i % 2 ? "Kakari%02d@Example.go.jp" :
		    "kakari%02d@example.go.jp", i % 23);
		inc.sender = i % 50 == 7 ? NULL : strdup(sender);
		inc.subject = strdup(OS_SUBJECTS[i % 4]);
		inc.recipients = i % 17;
		json_decref(inc.parts);
		inc.parts = json_pack("[{s:s,s:s},{s:s,s:n}]", "path", "2", "filename",
		    i == 4 ? "見積\"v2\".xlsx" : i == 8 ? "C:\\temp\\x.doc" :
		    i % 10 == 3 ? "給与一覧.xlsx" : "資料.pdf", "path", "1", "filename");
		if (i % 9 == 0)
			json_array_append_new(inc.rcpt, json_string("Tanaka@Client.example.com"));
		if (i % 11 == 0) {
			json_decref(inc.rules);
			inc.rules = json_pack("[{s:s},{s:s}]", "name", "a_first", "name", "z_last");
		}
		if (reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)) != 0)
			fail_msg("reg_insert %s: %s", id, err);
		incident_clear(&inc);
		n0 += i % 4 == 0;
		n36 += i % 36 == 0;
		n3 += i % 10 == 3;
		n9 += i % 9 == 0;
		nheld4 += i % 4 == 0 && i % 3 != 0;
	}
	/* every order, both ways: all rows, sorted, each once; descending is
	 * ascending reversed (ties by id, over the page boundary) */
	for (int o = 0; o < REG_ORDER_COUNT; o++) {
		q = (struct reg_where){ .order = (enum reg_order)o, .ascending = true };
		walk_sorted(rg, q, &a);
		q.ascending = false;
		walk_sorted(rg, q, &d);
		assert_int_equal(a.n, OS_N);
		assert_int_equal(d.n, OS_N);
		if (o != REG_ORDER_CREATED)	/* SQLite: ties of a second by rowid */
			for (int i = 0; i < OS_N; i++)
				assert_string_equal(a.ids[i], d.ids[OS_N - 1 - i]);
	}
	/* the sender, ASCII case ignored: kakari00 first, no sender first of all */
	q = (struct reg_where){ .order = REG_ORDER_SENDER, .ascending = true };
	walk_sorted(rg, q, &a);
	assert_string_equal(a.key[0], "");
	assert_string_equal(a.key[OS_N / 50 + 1], "kakari00@example.go.jp");
	assert_string_equal(a.key[OS_N - 1], "kakari22@example.go.jp");
	/* the first rule: a_first before mass_recipients */
	q = (struct reg_where){ .order = REG_ORDER_RULE, .ascending = true };
	walk_sorted(rg, q, &a);
	assert_string_equal(a.key[0], "a_first");
	assert_string_equal(a.key[OS_N - 1], "mass_recipients");
	/* an offset in a sorted walk is the tail of the whole one */
	q = (struct reg_where){ .order = REG_ORDER_SUBJECT };
	walk_sorted(rg, q, &a);
	q.offset = 700;
	walk_sorted(rg, q, &d);
	assert_int_equal(d.n, OS_N - 700);
	for (int i = 0; i < d.n; i++)
		assert_string_equal(d.ids[i], a.ids[700 + i]);
	/* with a filter: held only, sorted */
	q = (struct reg_where){ .status = "held", .order = REG_ORDER_SENDER };
	assert_int_equal(count_where(rg, q), OS_N - (OS_N + 2) / 3);

	/* search: a Japanese word of the subject, any ASCII case */
	q = (struct reg_where){ .search = "名簿" };
	assert_int_equal(count_where(rg, q), n0);
	q.search = "report";
	assert_int_equal(count_where(rg, q), (OS_N + 2) / 4);
	/* % and _ are letters, not wildcards */
	q.search = "%";
	assert_int_equal(count_where(rg, q), (OS_N + 2) / 4);
	q.search = "_";
	assert_int_equal(count_where(rg, q), (OS_N + 1) / 4);
	q.search = "0%";
	assert_int_equal(count_where(rg, q), (OS_N + 2) / 4);
	q.search = "1_0";
	assert_int_equal(count_where(rg, q), 0);
	/* an attachment's file name; a recipient; the sender */
	q.search = "給与一覧";
	assert_int_equal(count_where(rg, q), n3);
	/* a file name with " or \ (escaped in the JSON text) */
	q.search = "積\"V2\"";
	assert_int_equal(count_where(rg, q), 1);
	q.search = "\\TEMP\\x";
	assert_int_equal(count_where(rg, q), 1);
	q.search = "TANAKA@client";
	assert_int_equal(count_where(rg, q), n9);
	q.search = "kakari07@";
	assert_int_equal(count_where(rg, q), count_where(rg, (struct reg_where){
	    .sender = "kakari07@" }));
	/* every word (blank or U+3000 between them), with a filter and an
	 * order */
	q.search = " 名簿 tanaka ";
	assert_int_equal(count_where(rg, q), n36);
	q.search = "名簿\u3000Tanaka";
	assert_int_equal(count_where(rg, q), n36);
	q = (struct reg_where){ .search = "名簿", .status = "held", .order = REG_ORDER_SENDER,
		.ascending = true };
	assert_int_equal(count_where(rg, q), nheld4);
	/* a reason a person wrote; not the daemon's, not a release token */
	assert_int_equal(reg_audit(rg, "20261125-S00001", "sender:kakari01@example.go.jp",
	    "release requested", "定例の送付です", err, sizeof(err)), 0);
	assert_int_equal(reg_audit(rg, "20261125-S00002", "approver:kacho@example.go.jp",
	    "approved", "定例なので承認", err, sizeof(err)), 0);
	assert_int_equal(reg_audit(rg, "20261125-S00005", "dlp-milter", "proxy asked",
	    "定例 after 4h", err, sizeof(err)), 0);
	assert_int_equal(reg_audit(rg, "20261125-S00006", "web:alice", "release sent as",
	    "定例TOKEN", err, sizeof(err)), 0);
	q = (struct reg_where){ .search = "定例", .order = REG_ORDER_SUBJECT };
	walk_sorted(rg, q, &a);
	assert_int_equal(a.n, 2);
	/* blanks only: everything; too long, too many words, an unknown order:
	 * refused */
	q.search = " \u3000 ";
	assert_int_equal(count_where(rg, q), OS_N);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	q.search = big;
	assert_int_equal(reg_list_where(rg, &q, sorted_cb, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));
	q.search = "a b c d e f g h i";
	assert_int_equal(reg_list_where(rg, &q, sorted_cb, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "words"));
	q.search = NULL;
	q.order = REG_ORDER_COUNT;
	assert_int_equal(reg_list_where(rg, &q, sorted_cb, &a, err, sizeof(err)), -1);
	reg_close(rg);
}

static void test_status_and_audit(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "";
	struct incident got;
	struct reg *rg = open_rw(fx);
	time_t now = time(NULL);

	insert(rg, "20261125-S00001", now - 100, "held");
	assert_int_equal(reg_set_status(rg, "20261125-S00001", "held", "releasing", "admin1",
	    "release started", err, sizeof(err)), 0);
	assert_int_equal(reg_set_status(rg, "20261125-S00001", "held", "deleted", "admin2",
	    NULL, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "is releasing, not held"));
	assert_int_equal(reg_set_status(rg, "20261125-NOSUCH", "held", "deleted", "admin2",
	    NULL, err, sizeof(err)), 1);
	/* an age bound in the past does not apply to a fresh change */
	assert_int_equal(reg_set_status_before(rg, "20261125-S00001", "releasing", "held",
	    now - 50, "admin2", "--force", err, sizeof(err)), 1);
	assert_non_null(strstr(err, "changed after"));
	assert_int_equal(reg_set_status_before(rg, "20261125-S00001", "releasing", "held",
	    now + 5, "admin2", "--force", err, sizeof(err)), 0);
	assert_int_equal(reg_get(rg, "20261125-S00001", &got, err, sizeof(err)), 0);
	assert_string_equal(got.status, "held");
	assert_string_equal(got.updated_by, "admin2");
	incident_clear(&got);
	assert_int_equal(reg_set_status(rg, "20261125-S00001", "held", "bogus", "a", NULL, err,
	    sizeof(err)), -1);
	reg_close(rg);
}

/* The send delay's due times (migration 6): stored with the incident,
 * read back, the due ones listed oldest first, a left release claim
 * listed after stale, the next due time, a retry moving it and counting. */
static void insert_delay(struct reg *rg, const char *id, time_t t, time_t due,
    const char *status)
{
	char err[512] = "";
	struct incident inc;

	make_incident(&inc, id, t, status);
	free(inc.action);
	inc.action = strdup("delay");
	inc.due = due;
	if (reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)) != 0)
		fail_msg("reg_insert %s: %s", id, err);
	incident_clear(&inc);
}

static void test_delay_due(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "", ids[8][32];
	struct incident got;
	struct reg *rg = open_rw(fx);
	time_t now = time(NULL), next = -1;
	size_t n = 99;

	insert(rg, "20261125-D00000", now - 500, "held");		/* no due: never */
	insert_delay(rg, "20261125-D00001", now - 300, now - 10, "delayed");
	insert_delay(rg, "20261125-D00002", now - 300, now - 200, "delayed");
	insert_delay(rg, "20261125-D00003", now - 5, now + 100, "delayed");
	insert_delay(rg, "20261125-D00004", now - 5, now + 40, "delayed");
	assert_int_equal(reg_get(rg, "20261125-D00001", &got, err, sizeof(err)), 0);
	assert_int_equal(got.due, now - 10);
	assert_int_equal(got.delay_tries, 0);
	assert_string_equal(got.status, "delayed");
	assert_string_equal(got.action, "delay");
	incident_clear(&got);
	assert_int_equal(reg_get(rg, "20261125-D00000", &got, err, sizeof(err)), 0);
	assert_int_equal(got.due, 0);
	incident_clear(&got);
	assert_int_equal(reg_delay_due(rg, now, 600, ids, 8, &n, &next, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "20261125-D00002");	/* oldest due first */
	assert_string_equal(ids[1], "20261125-D00001");
	assert_int_equal(next, now + 40);
	/* at most max */
	assert_int_equal(reg_delay_due(rg, now, 600, ids, 1, &n, &next, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "20261125-D00002");
	/* a claim is not due while fresh; cancelled is never due */
	assert_int_equal(reg_set_status(rg, "20261125-D00002", "delayed", "releasing",
	    "dlp-milter", "release started", err, sizeof(err)), 0);
	assert_int_equal(reg_set_status(rg, "20261125-D00004", "delayed", "cancelled",
	    "sender:taro@example.go.jp", NULL, err, sizeof(err)), 0);
	assert_int_equal(reg_delay_due(rg, now, 600, ids, 8, &n, &next, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "20261125-D00001");
	assert_int_equal(next, now + 100);
	/* the claim, older than stale (its process died): due again */
	assert_int_equal(reg_delay_due(rg, now + 700, 600, ids, 8, &n, &next, err, sizeof(err)),
	    0);
	assert_int_equal(n, 3);
	/* a retry: later, counted; only while delayed */
	assert_int_equal(reg_delay_retry(rg, "20261125-D00001", now + 60, err, sizeof(err)), 0);
	assert_int_equal(reg_delay_retry(rg, "20261125-D00001", now + 120, err, sizeof(err)), 0);
	assert_int_equal(reg_get(rg, "20261125-D00001", &got, err, sizeof(err)), 0);
	assert_int_equal(got.due, now + 120);
	assert_int_equal(got.delay_tries, 2);
	incident_clear(&got);
	assert_int_equal(reg_delay_retry(rg, "20261125-D00004", now + 60, err, sizeof(err)), 1);
	assert_int_equal(reg_delay_retry(rg, "20261125-NOSUCH", now + 60, err, sizeof(err)), 1);
	assert_int_equal(reg_delay_due(rg, now, 600, ids, 8, &n, &next, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(next, now + 100);
	/* nothing delayed left: no next */
	assert_int_equal(reg_set_status(rg, "20261125-D00001", "delayed", "released",
	    "dlp-milter", NULL, err, sizeof(err)), 0);
	assert_int_equal(reg_set_status(rg, "20261125-D00003", "delayed", "deleted",
	    "admin", NULL, err, sizeof(err)), 0);
	assert_int_equal(reg_delay_due(rg, now, 600, ids, 8, &n, &next, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(next, 0);
	reg_close(rg);
}

#define RACE_N 40

struct racer {
	const struct fx *fx;
	pthread_barrier_t *start;
	const char *actor;
	int won[RACE_N];
	int errors;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	char err[512], id[32];
	struct reg *rg = reg_connect(r->fx->loc, r->fx->pw, REG_RW, err, sizeof(err));

	pthread_barrier_wait(r->start);
	for (int i = 0; rg && i < RACE_N; i++) {
		snprintf(id, sizeof(id), "20261125-RACE%02d", i);
		int rc = reg_set_status(rg, id, "held", "released", r->actor, NULL, err,
		    sizeof(err));
		if (rc == 0)
			r->won[i] = 1;
		else if (rc < 0)
			r->errors++;
	}
	r->errors += !rg;
	reg_close(rg);
	return NULL;
}

struct hist {
	int n;
	char last[64], actor[32];
};

static int hist_cb(const struct audit *a, void *arg)
{
	struct hist *h = arg;

	h->n++;
	snprintf(h->last, sizeof(h->last), "%s", a->action);
	snprintf(h->actor, sizeof(h->actor), "%s", a->actor);
	return 0;
}

/* Two connections release the same incidents at once: one winner each,
 * one status audit row each. */
static int count_audit(const struct audit *a, void *arg)
{
	int *n = arg;

	if (!a->incident || !a->action)
		fail_msg("audit row without incident or action");
	(*n)++;
	return 0;
}

/* reg_audit_find: the incident of the newest row with an action and a
 * reason; reg_audit_list: every incident's rows, by time. */
static void test_audit_find_and_list(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "", id[32];
	struct reg *rg = open_rw(fx);
	int n = 0;

	insert(rg, "20261125-A00001", 1795000000, "held");
	insert(rg, "20261125-A00002", 1795000001, "held");
	assert_int_equal(reg_audit(rg, "20261125-A00001", "admin", "release sent as",
	    "0123456789abcdef0123456789abcdef", err, sizeof(err)), 0);
	assert_int_equal(reg_audit_find(rg, "release sent as", "0123456789abcdef0123456789abcdef",
	    id, err, sizeof(err)), 0);
	assert_string_equal(id, "20261125-A00001");
	assert_int_equal(reg_audit_find(rg, "release sent as", "ffff", id, err, sizeof(err)), 1);
	assert_int_equal(reg_audit_list(rg, 0, 0, count_audit, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(reg_audit_list(rg, 1795000001, 1795000002, count_audit, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 1);
	reg_close(rg);
}

static void test_cas_race(void **state)
{
	struct fx *fx = fixture(state);
	struct racer a = { .fx = fx, .actor = "racer-a" }, b = { .fx = fx, .actor = "racer-b" };
	pthread_barrier_t bar;
	pthread_t ta, tb;
	char err[512] = "", id[32];
	struct reg *rg = open_rw(fx);
	struct hist h;

	for (int i = 0; i < RACE_N; i++) {
		snprintf(id, sizeof(id), "20261125-RACE%02d", i);
		insert(rg, id, 1795000000 + i, "held");
	}
	pthread_barrier_init(&bar, NULL, 2);
	a.start = b.start = &bar;
	pthread_create(&ta, NULL, racer_run, &a);
	pthread_create(&tb, NULL, racer_run, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&bar);
	assert_int_equal(a.errors + b.errors, 0);
	for (int i = 0; i < RACE_N; i++) {
		assert_int_equal(a.won[i] + b.won[i], 1);
		snprintf(id, sizeof(id), "20261125-RACE%02d", i);
		memset(&h, 0, sizeof(h));
		assert_int_equal(reg_history(rg, id, hist_cb, &h, err, sizeof(err)), 0);
		assert_int_equal(h.n, 2);
		assert_string_equal(h.last, "held -> released");
		assert_string_equal(h.actor, a.won[i] ? "racer-a" : "racer-b");
	}
	reg_close(rg);
}

static int want_two(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w)
{
	(*(int *)arg)++;
	w[0].kind = "hold";
	w[0].recipient = sender;
	w[1].kind = "admin";
	w[1].recipient = "admin@example.go.jp";
	return 2;
}

#define NOTICE_INC 30

struct claimer {
	const struct fx *fx;
	pthread_barrier_t *start;
	long long seqs[2 * NOTICE_INC + 4];
	int n, errors;
};

static void *claimer_run(void *arg)
{
	struct claimer *c = arg;
	char err[512];
	struct reg_notice n;
	struct reg *rg = reg_connect(c->fx->loc, c->fx->pw, REG_RW, err, sizeof(err));
	int rc;

	pthread_barrier_wait(c->start);
	while (rg && (rc = reg_notice_claim(rg, time(NULL), 600, &n, err, sizeof(err))) == 0) {
		c->seqs[c->n++] = n.seq;
		if (reg_notice_finish(rg, &n, "sent", 0, NULL, time(NULL), "test", "notice sent",
		    n.kind, err, sizeof(err)) < 0)
			c->errors++;
		reg_notice_clear(&n);
	}
	c->errors += !rg || rc < 0;
	reg_close(rg);
	return NULL;
}

static int count_sent(const struct reg_notice *n, void *arg)
{
	*(int *)arg += strcmp(n->status, "sent") == 0 && n->attempts == 1;
	return 0;
}

/* Plan, add (once), then two threads claim every due notice: each is
 * claimed exactly once. */
static void test_notice_claims(void **state)
{
	struct fx *fx = fixture(state);
	struct claimer a = { .fx = fx }, b = { .fx = fx };
	char err[512] = "", id[32];
	pthread_barrier_t bar;
	pthread_t ta, tb;
	struct reg *rg = open_rw(fx);
	int planned = 0, added = 0, sent = 0, total;
	long long seq;
	bool *seen;

	for (int i = 0; i < NOTICE_INC; i++) {
		snprintf(id, sizeof(id), "20261125-N%05d", i);
		insert(rg, id, 1795000000 + i, "held");
	}
	assert_int_equal(reg_notice_plan(rg, want_two, &planned, time(NULL), &added, err,
	    sizeof(err)), 0);
	assert_int_equal(planned, NOTICE_INC);
	assert_int_equal(added, 2 * NOTICE_INC);
	planned = 0;
	assert_int_equal(reg_notice_plan(rg, want_two, &planned, time(NULL), &added, err,
	    sizeof(err)), 0);
	assert_int_equal(planned, 0);	/* planned once */
	assert_int_equal(reg_notice_add(rg, "20261125-N00000", "hold", "taro@example.go.jp",
	    NULL, false, time(NULL), &seq, err, sizeof(err)), 1);
	assert_int_equal(reg_notice_add(rg, "20261125-N00000", "released", "taro@example.go.jp",
	    "note", false, time(NULL), &seq, err, sizeof(err)), 0);
	assert_true(seq > 0);
	assert_int_equal(reg_notice_add(rg, "20261125-NOSUCH", "hold", "x@example.go.jp", NULL,
	    false, time(NULL), NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no incident"));
	total = 2 * NOTICE_INC + 1;

	pthread_barrier_init(&bar, NULL, 2);
	a.start = b.start = &bar;
	pthread_create(&ta, NULL, claimer_run, &a);
	pthread_create(&tb, NULL, claimer_run, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&bar);
	assert_int_equal(a.errors + b.errors, 0);
	assert_int_equal(a.n + b.n, total);
	seen = calloc((size_t)total + 64, sizeof(*seen));
	for (int i = 0; i < a.n + b.n; i++) {
		long long s = i < a.n ? a.seqs[i] : b.seqs[i - a.n];
		assert_true(s > 0 && s < total + 64);
		assert_false(seen[s]);
		seen[s] = true;
	}
	free(seen);
	for (int i = 0; i < NOTICE_INC; i++) {
		snprintf(id, sizeof(id), "20261125-N%05d", i);
		assert_int_equal(reg_notice_list(rg, id, count_sent, &sent, err, sizeof(err)), 0);
	}
	assert_int_equal(sent, total);
	reg_close(rg);
}

static struct spool *make_spool(const char *dir, size_t n)
{
	struct spool *sp = spool_new(dir, 64 * 1024);
	unsigned char buf[4096];
	size_t done = 0, k;

	assert_non_null(sp);
	while (done < n) {
		k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		for (size_t i = 0; i < k; i++)
			buf[i] = (unsigned char)((done + i) * 131 + ((done + i) >> 9));
		assert_int_equal(spool_write(sp, buf, k), 0);
		done += k;
	}
	return sp;
}

/* Remove chunk n of message id behind the register's back. */
static void pg_drop_chunk(const struct fx *fx, const char *id, int n)
{
	char pw[128] = "", sql[160];
	const char *k[] = { "dbname", "password", NULL }, *v[] = { fx->loc, pw, NULL };
	FILE *f = fopen(fx->pw, "r");
	PGconn *c;
	PGresult *r;

	assert_non_null(f);
	if (!fgets(pw, sizeof(pw), f))
		pw[0] = '\0';
	fclose(f);
	pw[strcspn(pw, "\n")] = '\0';
	c = PQconnectdbParams(k, v, 1);
	snprintf(sql, sizeof(sql), "DELETE FROM message_chunks WHERE id = '%s' AND n = %d", id, n);
	r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	assert_string_equal(PQcmdTuples(r), "1");
	PQclear(r);
	PQfinish(c);
}

/* Held copies through held.h: files on SQLite, bytea chunks on
 * PostgreSQL; sizes around the 256 KiB chunk. */
static void test_held_messages(void **state)
{
	static const size_t sizes[] = { 0, 1, 262144, 262145, 700001 };
	struct fx *fx = fixture(state);
	char err[512] = "", id[32], where[512], path[160];
	struct reg *rg = open_rw(fx);
	unsigned char *got, *tmp;
	struct held_stream *hs;
	struct spool *sp;
	int missing, removed;
	size_t len;
	long n;
	FILE *f;

	assert_int_equal(reg_keeps_messages(rg), fx->pg);
	assert_int_equal(store_init(fx->qdir, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(id, sizeof(id), "20261125-M%05zu", i);
		sp = make_spool(fx->dir, sizes[i]);
		if (held_put(rg, fx->qdir, id, sp, err, sizeof(err)) != 0)
			fail_msg("held_put: %s", err);
		assert_int_equal(held_size(rg, fx->qdir, id, where, sizeof(where)),
		    (long long)sizes[i]);
		got = held_get(rg, fx->qdir, id, &len, &missing, err, sizeof(err));
		assert_non_null(got);
		assert_int_equal(len, sizes[i]);
		if (sizes[i])
			assert_memory_equal(got, spool_data(sp), sizes[i]);
		assert_int_equal(got[len], 0);
		free(got);
		snprintf(path, sizeof(path), "%s/out", fx->dir);
		f = fopen(path, "w+");
		assert_int_equal(held_write(rg, fx->qdir, id, f, err, sizeof(err)), 0);
		assert_int_equal(ftell(f), (long)sizes[i]);
		rewind(f);
		tmp = malloc(sizes[i] + 1);
		assert_int_equal(fread(tmp, 1, sizes[i] + 1, f), sizes[i]);
		if (sizes[i])
			assert_memory_equal(tmp, spool_data(sp), sizes[i]);
		free(tmp);
		fclose(f);
		/* the same, streamed as a release reads it */
		hs = held_stream_open(rg, fx->qdir, id, &missing, err, sizeof(err));
		assert_non_null(hs);
		tmp = malloc(sizes[i] + 7000);	/* room for the last read's 7000 */
		for (len = 0; (n = held_stream_read(hs, tmp + len, 7000)) > 0; len += (size_t)n)
			;
		assert_int_equal(n, 0);
		assert_null(held_stream_error(hs));
		assert_int_equal(len, sizes[i]);
		if (sizes[i])
			assert_memory_equal(tmp, spool_data(sp), sizes[i]);
		free(tmp);
		held_stream_close(hs);
		/* one copy per id */
		assert_int_equal(held_put(rg, fx->qdir, id, sp, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "exists"));
		spool_free(sp);
	}
	assert_int_equal(held_remove(rg, fx->qdir, "20261125-M00002", err, sizeof(err)), 0);
	assert_int_equal(held_remove(rg, fx->qdir, "20261125-M00002", err, sizeof(err)), 0);
	assert_int_equal(held_size(rg, fx->qdir, "20261125-M00002", where, sizeof(where)), -2);
	assert_null(held_get(rg, fx->qdir, "20261125-M00002", &len, &missing, err,
	    sizeof(err)));
	assert_int_equal(missing, 1);
	assert_null(held_stream_open(rg, fx->qdir, "20261125-M00002", &missing, err, sizeof(err)));
	assert_int_equal(missing, 1);
	assert_non_null(strstr(err, "no stored message"));
	if (fx->pg) {
		/* a chunk gone: the stream says the copy is short, never ends quietly */
		pg_drop_chunk(fx, "20261125-M00004", 1);
		hs = held_stream_open(rg, fx->qdir, "20261125-M00004", &missing, err, sizeof(err));
		assert_non_null(hs);
		while ((n = held_stream_read(hs, where, sizeof(where))) > 0)
			;
		assert_int_equal(n, -1);
		assert_non_null(strstr(held_stream_error(hs), "262144 read"));
		held_stream_close(hs);
		/* copies whose incident row never came are orphans; others stay */
		insert(rg, "20261125-M00003", time(NULL), "held");
		assert_int_equal(reg_msg_orphans(rg, time(NULL) + 10, &removed, err, sizeof(err)),
		    0);
		assert_int_equal(removed, 3);
		assert_int_equal(held_size(rg, fx->qdir, "20261125-M00003", where, sizeof(where)),
		    262145);
	}
	reg_close(rg);
}

/* A read-only handle reads and cannot write. */
static void test_read_only(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "";
	struct incident got;
	struct reg *rg = open_rw(fx), *ro;

	insert(rg, "20261125-R00001", 1795000000, "held");
	reg_close(rg);
	ro = open_mode(fx, REG_RO);
	assert_int_equal(reg_get(ro, "20261125-R00001", &got, err, sizeof(err)), 0);
	incident_clear(&got);
	assert_int_equal(reg_set_status(ro, "20261125-R00001", "held", "deleted", "a", NULL,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "read"));	/* read-only transaction / readonly database */
	reg_close(ro);
}

struct copy {
	struct reg *src;
	struct audit a[8];
	char buf[8][3][64];
	size_t na;
};

static int copy_audit(const struct audit *a, void *arg)
{
	struct copy *c = arg;

	if (c->na == 8)
		return 1;
	snprintf(c->buf[c->na][0], 64, "%s", a->actor);
	snprintf(c->buf[c->na][1], 64, "%s", a->action);
	snprintf(c->buf[c->na][2], 64, "%s", a->reason ? a->reason : "");
	c->a[c->na] = (struct audit){ .time = a->time, .actor = c->buf[c->na][0],
		.action = c->buf[c->na][1], .reason = a->reason ? c->buf[c->na][2] : NULL };
	c->na++;
	return 0;
}

/* An incident copied with its audit trail and notices, once. */
static void test_import_and_count(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "";
	struct incident inc;
	struct reg_notice n = { .seq = 1, .incident = "20261125-I00001", .kind = "hold",
		.recipient = "taro@example.go.jp", .status = "sent", .attempts = 1,
		.created = 1795000000, .next_try = 1795000000, .sent = 1795000001 };
	struct copy c = { 0 };
	struct reg *rg = open_rw(fx);
	long long count;

	make_incident(&inc, "20261125-I00001", 1795000000, "released");
	inc.updated = 1795000500;
	inc.updated_by = strdup("admin1");
	c.a[0] = (struct audit){ .time = 1795000000, .actor = "dlp-milter",
		.action = "created held" };
	c.a[1] = (struct audit){ .time = 1795000500, .actor = "admin1",
		.action = "held -> released", .reason = "ok" };
	if (!fx->pg) {	/* migrate copies into PostgreSQL only */
		assert_int_equal(reg_import(rg, &inc, c.a, 2, &n, 1, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "no import"));
		incident_clear(&inc);
		reg_close(rg);
		return;
	}
	assert_int_equal(reg_import(rg, &inc, c.a, 2, &n, 1, err, sizeof(err)), 0);
	assert_int_equal(reg_import(rg, &inc, c.a, 2, &n, 1, err, sizeof(err)), 1);
	incident_clear(&inc);
	assert_int_equal(reg_get(rg, "20261125-I00001", &inc, err, sizeof(err)), 0);
	assert_string_equal(inc.status, "released");
	assert_int_equal(inc.updated, 1795000500);
	incident_clear(&inc);
	memset(&c, 0, sizeof(c));
	assert_int_equal(reg_history(rg, "20261125-I00001", copy_audit, &c, err, sizeof(err)),
	    0);
	assert_int_equal(c.na, 2);
	assert_string_equal(c.a[1].reason, "ok");
	assert_int_equal(reg_count(rg, "incidents", &count, err, sizeof(err)), 0);
	assert_int_equal(count, 1);
	assert_int_equal(reg_count(rg, "audit", &count, err, sizeof(err)), 0);
	assert_int_equal(count, 2);
	assert_int_equal(reg_count(rg, "notices", &count, err, sizeof(err)), 0);
	assert_int_equal(count, 1);
	assert_int_equal(reg_count(rg, "incidents; DROP", &count, err, sizeof(err)), -1);
	/* imported incidents count as planned: no second round of notices */
	assert_int_equal(reg_notice_plan(rg, want_two, &(int){ 0 }, time(NULL), NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(reg_count(rg, "notices", &count, err, sizeof(err)), 0);
	assert_int_equal(count, 1);
	reg_close(rg);
}

/* ---- dlp-web's tables: the same answers on both backends ---- */

struct names {
	int n;
	char name[8][96];
	bool disabled[8];
};

static int names_cb(const struct reg_user *u, void *arg)
{
	struct names *x = arg;

	if (x->n < 8) {
		snprintf(x->name[x->n], sizeof(x->name[0]), "%s/%s", u->name, u->role);
		x->disabled[x->n] = u->disabled;
	}
	x->n++;
	return 0;
}

struct wa {
	int n;
	long long seq[4];
	char action[4][32], incident[4][32], actor[4][32], detail[4][128];
	long long last_seq;
	bool descending;
};

static int wa_cb(const struct web_audit *a, void *arg)
{
	struct wa *w = arg;

	if (w->n > 0 && a->seq >= w->last_seq)
		w->descending = false;
	w->last_seq = a->seq;
	if (w->n < 4) {
		w->seq[w->n] = a->seq;
		snprintf(w->action[w->n], 32, "%s", a->action);
		snprintf(w->incident[w->n], 32, "%s", a->incident ? a->incident : "(null)");
		snprintf(w->actor[w->n], 32, "%s", a->actor);
		snprintf(w->detail[w->n], 128, "%s", a->detail ? a->detail : "(null)");
	}
	w->n++;
	return 0;
}

static struct wa audit_of(struct reg *rg, const char *incident, int limit)
{
	char err[512] = "";
	struct wa w = { .descending = true };

	if (reg_web_audit_list(rg, incident, limit, wa_cb, &w, err, sizeof(err)) != 0)
		fail_msg("reg_web_audit_list: %s", err);
	return w;
}

static const char HASH[] = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

/* Accounts: add once, replace, get, list in byte order, disable (its
 * sessions end), enable; each change a web_audit row. */
static void test_web_users(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "";
	struct reg *rg = open_rw(fx);
	struct reg_session s;
	struct reg_user u;
	struct names x = { 0 };
	struct wa w;
	time_t now = time(NULL);

	assert_int_equal(reg_user_put(rg, "alice", "admin", HASH, false, "dlpctl", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_user_put(rg, "alice", "auditor", "other", false, "dlpctl", err,
	    sizeof(err)), 1);
	assert_non_null(strstr(err, "exists"));
	assert_int_equal(reg_user_put(rg, "bob", "auditor", HASH, false, "dlpctl", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_user_put(rg, "Zed", "approver", HASH, false, "dlpctl", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_user_put(rg, "bad name", "admin", HASH, false, "dlpctl", err,
	    sizeof(err)), -1);
	assert_int_equal(reg_user_put(rg, "carol", "root", HASH, false, "dlpctl", err,
	    sizeof(err)), -1);
	assert_int_equal(reg_user_get(rg, "alice", &u, err, sizeof(err)), 0);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.role, "admin");
	assert_string_equal(u.hash, HASH);
	assert_false(u.disabled);
	assert_in_range(u.created, now - 5, now + 5);
	reg_user_clear(&u);
	assert_int_equal(reg_user_get(rg, "nobody", &u, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no user nobody"));
	/* byte order: upper case first, whatever the database's collation */
	assert_int_equal(reg_user_list(rg, names_cb, &x, err, sizeof(err)), 0);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.name[0], "Zed/approver");
	assert_string_equal(x.name[1], "alice/admin");
	assert_string_equal(x.name[2], "bob/auditor");

	/* disabling ends the user's sessions; enabling does not bring them back */
	assert_int_equal(reg_session_add(rg, "5e55", "bob", "c5rf", now, now + 3600, err,
	    sizeof(err)), 0);
	assert_int_equal(reg_session_get(rg, "5e55", now, &s, err, sizeof(err)), 0);
	assert_int_equal(reg_user_disable(rg, "bob", true, "web:alice", err, sizeof(err)), 0);
	assert_int_equal(reg_user_get(rg, "bob", &u, err, sizeof(err)), 0);
	assert_true(u.disabled);
	reg_user_clear(&u);
	assert_int_equal(reg_user_disable(rg, "bob", false, "web:alice", err, sizeof(err)), 0);
	assert_int_equal(reg_session_get(rg, "5e55", now, &s, err, sizeof(err)), 1);
	assert_int_equal(reg_user_disable(rg, "nobody", true, "web:alice", err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no user nobody"));
	/* replace: a new role and password, enabled again */
	assert_int_equal(reg_user_disable(rg, "alice", true, "dlpctl", err, sizeof(err)), 0);
	assert_int_equal(reg_user_put(rg, "alice", "auditor", "new-hash", true, "dlpctl", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_user_get(rg, "alice", &u, err, sizeof(err)), 0);
	assert_string_equal(u.role, "auditor");
	assert_string_equal(u.hash, "new-hash");
	assert_false(u.disabled);
	reg_user_clear(&u);

	/* the trail: 3 added, bob disabled and enabled, alice disabled and set */
	w = audit_of(rg, NULL, 0);
	assert_int_equal(w.n, 7);
	assert_true(w.descending);
	assert_string_equal(w.action[0], "user set");
	assert_string_equal(w.detail[0], "user alice, role auditor");
	assert_string_equal(w.actor[0], "dlpctl");
	assert_string_equal(w.incident[0], "(null)");
	assert_string_equal(w.action[1], "user disabled");
	assert_string_equal(w.action[2], "user enabled");
	assert_string_equal(w.actor[2], "web:alice");
	reg_close(rg);
}

/* Sessions: the user's current role; expired, deleted or of a disabled
 * user: none; a sign-in sweeps the expired ones. */
static void test_web_sessions(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "";
	struct reg *rg = open_rw(fx);
	struct reg_session s;
	time_t now = time(NULL);
	long long before;

	assert_int_equal(reg_user_put(rg, "kacho@example.go.jp", "approver", HASH, false, "t",
	    err, sizeof(err)), 0);
	assert_int_equal(reg_session_add(rg, "aaaa", "kacho@example.go.jp", "csrf-a", now,
	    now + 600, err, sizeof(err)), 0);
	assert_int_equal(reg_session_add(rg, "bbbb", "kacho@example.go.jp", "csrf-b", now - 900,
	    now - 300, err, sizeof(err)), 0);
	/* a session of no user is refused (the foreign key) */
	assert_int_equal(reg_session_add(rg, "cccc", "ghost", "csrf-c", now, now + 600, err,
	    sizeof(err)), -1);
	assert_int_equal(reg_session_get(rg, "aaaa", now, &s, err, sizeof(err)), 0);
	assert_string_equal(s.user, "kacho@example.go.jp");
	assert_string_equal(s.role, "approver");
	assert_string_equal(s.csrf, "csrf-a");
	assert_int_equal(s.created, now);
	assert_int_equal(s.expires, now + 600);
	/* the role as it is now */
	assert_int_equal(reg_user_put(rg, "kacho@example.go.jp", "admin", HASH, true, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_session_get(rg, "aaaa", now, &s, err, sizeof(err)), 0);
	assert_string_equal(s.role, "admin");
	assert_int_equal(reg_session_get(rg, "aaaa", now + 600, &s, err, sizeof(err)), 1);
	assert_int_equal(reg_session_get(rg, "bbbb", now, &s, err, sizeof(err)), 1);
	assert_int_equal(reg_session_get(rg, "zzzz", now, &s, err, sizeof(err)), 1);
	/* the next sign-in removes bbbb, which expired */
	assert_int_equal(reg_count(rg, "incidents", &before, err, sizeof(err)), 0);
	assert_int_equal(reg_session_add(rg, "dddd", "kacho@example.go.jp", "csrf-d", now,
	    now + 600, err, sizeof(err)), 0);
	assert_int_equal(reg_session_get(rg, "dddd", now, &s, err, sizeof(err)), 0);
	assert_int_equal(reg_session_delete(rg, "dddd", err, sizeof(err)), 0);
	assert_int_equal(reg_session_delete(rg, "dddd", err, sizeof(err)), 0);
	assert_int_equal(reg_session_get(rg, "dddd", now, &s, err, sizeof(err)), 1);
	assert_int_equal(reg_session_get(rg, "aaaa", now, &s, err, sizeof(err)), 0);
	reg_close(rg);
}

#define WEB_AUDIT_N 1005	/* more than one page of the PostgreSQL walk */

/* Used links, once; the console's trail newest first, by incident, with a
 * limit, over more than a page. */
static void test_web_links_and_audit(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "", id[64];
	struct reg *rg = open_rw(fx);
	time_t when = 0;
	struct wa w;

	assert_int_equal(reg_link_used(rg, "mac1", &when, err, sizeof(err)), 0);
	assert_int_equal(reg_link_use(rg, "mac1", "20261125-W00001", "cancel", 1795000000, err,
	    sizeof(err)), 0);
	assert_int_equal(reg_link_use(rg, "mac1", "20261125-W00001", "cancel", 1795000009, err,
	    sizeof(err)), 1);
	assert_int_equal(reg_link_used(rg, "mac1", &when, err, sizeof(err)), 1);
	assert_int_equal(when, 1795000000);
	assert_int_equal(reg_link_used(rg, "mac1", NULL, err, sizeof(err)), 1);
	assert_int_equal(reg_link_use(rg, "mac2", "20261125-W00001", "justify", 1795000001, err,
	    sizeof(err)), 0);

	assert_int_equal(reg_web_audit(rg, "web:alice", "sign-in", NULL, "127.0.0.1", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_web_audit(rg, "web:alice", "incident viewed", "20261125-W00001",
	    NULL, err, sizeof(err)), 0);
	assert_int_equal(reg_web_audit(rg, NULL, "link used", "20261125-W00001", "cancel", err,
	    sizeof(err)), 0);
	w = audit_of(rg, NULL, 0);
	assert_int_equal(w.n, 3);
	assert_true(w.descending);
	assert_string_equal(w.action[0], "link used");
	assert_string_equal(w.actor[0], "?");
	assert_string_equal(w.detail[0], "cancel");
	assert_string_equal(w.action[1], "incident viewed");
	assert_string_equal(w.detail[1], "(null)");
	assert_string_equal(w.action[2], "sign-in");
	assert_string_equal(w.incident[2], "(null)");
	w = audit_of(rg, "20261125-W00001", 0);
	assert_int_equal(w.n, 2);
	w = audit_of(rg, NULL, 2);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.action[1], "incident viewed");
	w = audit_of(rg, "20261125-NOSUCH", 0);
	assert_int_equal(w.n, 0);
	for (int i = 0; i < WEB_AUDIT_N; i++) {
		snprintf(id, sizeof(id), "row %d", i);
		assert_int_equal(reg_web_audit(rg, "web:bob", "queue viewed", NULL, id, err,
		    sizeof(err)), 0);
	}
	w = audit_of(rg, NULL, 0);
	assert_int_equal(w.n, WEB_AUDIT_N + 3);
	assert_true(w.descending);
	assert_string_equal(w.detail[0], "row 1004");
	w = audit_of(rg, NULL, 1001);
	assert_int_equal(w.n, 1001);
	reg_close(rg);
}

#define LINKS 60

struct link_racer {
	const struct fx *fx;
	pthread_barrier_t *start;
	int won[LINKS];
	int errors;
	char err[512];
};

/* One dlp-web: its own handle (a connection of its own), every link. */
static void *link_racer_run(void *arg)
{
	struct link_racer *r = arg;
	char id[72];
	struct reg *rg = reg_connect(r->fx->loc, r->fx->pw, REG_RW, r->err, sizeof(r->err));
	int rc;

	pthread_barrier_wait(r->start);
	for (int i = 0; rg && i < LINKS; i++) {
		snprintf(id, sizeof(id), "%064x", i);
		pthread_barrier_wait(r->start);	/* both POST the same link at once */
		rc = reg_link_use(rg, id, "20261125-RACE00", "approve", time(NULL), r->err,
		    sizeof(r->err));
		if (rc == 0)
			r->won[i] = 1;
		else if (rc < 0)
			r->errors++;
	}
	r->errors += !rg;
	reg_close(rg);
	return NULL;
}

/* Two dlp-web get the POST of the same link at once, 60 times: the link
 * is used once, by one of them; the other is told it was used. */
static void test_link_use_race(void **state)
{
	struct fx *fx = fixture(state);
	struct link_racer a = { .fx = fx }, b = { .fx = fx };
	pthread_barrier_t bar;
	pthread_t ta, tb;
	char err[512] = "", id[72];
	struct reg *rg = open_rw(fx);
	long long n;
	int wa = 0, wb = 0;

	pthread_barrier_init(&bar, NULL, 2);
	a.start = b.start = &bar;
	pthread_create(&ta, NULL, link_racer_run, &a);
	pthread_create(&tb, NULL, link_racer_run, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&bar);
	if (a.errors + b.errors)
		fail_msg("link_use errors: %d %s / %d %s", a.errors, a.err, b.errors, b.err);
	for (int i = 0; i < LINKS; i++) {
		assert_int_equal(a.won[i] + b.won[i], 1);
		wa += a.won[i];
		wb += b.won[i];
		snprintf(id, sizeof(id), "%064x", i);
		assert_int_equal(reg_link_used(rg, id, NULL, err, sizeof(err)), 1);
	}
	print_message("link races: %d won by one dlp-web, %d by the other\n", wa, wb);
	assert_int_equal(reg_count(rg, "incidents", &n, err, sizeof(err)), 0);
	reg_close(rg);
}

/* A secret is stored once: the first proposal wins for every handle,
 * a later proposal changes nothing, a read of a missing one says 1. */
static void test_secret_once(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *a = open_rw(fx), *b = open_rw(fx);
	char err[512] = "", out[80];

	assert_int_equal(reg_secret(a, "link_key", NULL, out, sizeof(out), err, sizeof(err)), 1);
	assert_int_equal(reg_secret(a, "link_key", "first", out, sizeof(out), err, sizeof(err)),
	    0);
	assert_string_equal(out, "first");
	assert_int_equal(reg_secret(b, "link_key", "second", out, sizeof(out), err,
	    sizeof(err)), 0);
	assert_string_equal(out, "first");
	assert_int_equal(reg_secret(b, "link_key", NULL, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "first");
	assert_int_equal(reg_secret(b, "link_key", NULL, out, 3, err, sizeof(err)), -1);
	assert_int_equal(reg_secret(a, "other", NULL, out, sizeof(out), err, sizeof(err)), 1);
	reg_close(b);
	reg_close(a);
}

struct appr {
	int n;
	char row[8][128];
};

static int appr_cb(const struct reg_approver *a, void *arg)
{
	struct appr *x = arg;

	if (x->n < 8)
		snprintf(x->row[x->n], sizeof(x->row[0]), "%s %s %d", a->subject, a->approver,
		    a->rank);
	x->n++;
	return 0;
}

static struct appr approvers_of(struct reg *rg, const char *sender)
{
	char err[512] = "";
	struct appr x = { 0 };

	if (reg_approver_list(rg, sender, appr_cb, &x, err, sizeof(err)) != 0)
		fail_msg("reg_approver_list: %s", err);
	return x;
}

/* The approvers table: set, replace, remove; the subject that decides for
 * a sender (address, domain, parent domain); approver_is by rank. */
static void test_approvers(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "";
	struct reg *rg = open_rw(fx);
	const char *kacho[] = { "kacho@example.go.jp", "kacho2@example.go.jp" };
	const char *jicho[] = { "jicho@example.go.jp" };
	const char *bucho[] = { "bucho@example.go.jp" };
	struct appr x;
	struct wa w;

	assert_int_equal(reg_approver_set(rg, "kakari@example.go.jp", kacho, 2, jicho, 1,
	    "dlpctl", err, sizeof(err)), 0);
	assert_int_equal(reg_approver_set(rg, "@Soumu.Example.GO.jp", bucho, 1, NULL, 0,
	    "dlpctl", err, sizeof(err)), 0);
	assert_int_equal(reg_approver_set(rg, "@example.go.jp", jicho, 1, NULL, 0, "dlpctl",
	    err, sizeof(err)), 0);
	assert_int_equal(reg_approver_set(rg, "nobody", bucho, 1, NULL, 0, "dlpctl", err,
	    sizeof(err)), -1);
	x = approvers_of(rg, NULL);
	assert_int_equal(x.n, 5);
	assert_string_equal(x.row[0], "@example.go.jp jicho@example.go.jp 0");
	assert_string_equal(x.row[1], "@soumu.example.go.jp bucho@example.go.jp 0");
	assert_string_equal(x.row[2], "kakari@example.go.jp kacho2@example.go.jp 0");
	assert_string_equal(x.row[3], "kakari@example.go.jp kacho@example.go.jp 0");
	assert_string_equal(x.row[4], "kakari@example.go.jp jicho@example.go.jp 1");
	/* the address, else its domain, else a parent domain */
	x = approvers_of(rg, "kakari@EXAMPLE.go.jp");
	assert_int_equal(x.n, 3);
	x = approvers_of(rg, "ka@sub.soumu.example.go.jp");
	assert_int_equal(x.n, 1);
	assert_string_equal(x.row[0], "@soumu.example.go.jp bucho@example.go.jp 0");
	x = approvers_of(rg, "someone@example.go.jp");
	assert_int_equal(x.n, 1);
	assert_string_equal(x.row[0], "@example.go.jp jicho@example.go.jp 0");
	x = approvers_of(rg, "someone@partner.example");
	assert_int_equal(x.n, 0);
	assert_int_equal(reg_approver_is(rg, "kakari@example.go.jp", "KACHO@example.go.jp", 0, err,
	    sizeof(err)), 1);
	assert_int_equal(reg_approver_is(rg, "kakari@example.go.jp", "jicho@example.go.jp", 0, err,
	    sizeof(err)), 0);
	assert_int_equal(reg_approver_is(rg, "kakari@example.go.jp", "jicho@example.go.jp", 1, err,
	    sizeof(err)), 1);
	/* replace, then remove: the domain decides again */
	assert_int_equal(reg_approver_set(rg, "kakari@example.go.jp", bucho, 1, NULL, 0, "dlpctl",
	    err, sizeof(err)), 0);
	x = approvers_of(rg, "kakari@example.go.jp");
	assert_int_equal(x.n, 1);
	assert_string_equal(x.row[0], "kakari@example.go.jp bucho@example.go.jp 0");
	assert_int_equal(reg_approver_set(rg, "kakari@example.go.jp", NULL, 0, NULL, 0, "dlpctl",
	    err, sizeof(err)), 0);
	x = approvers_of(rg, "kakari@example.go.jp");
	assert_int_equal(x.n, 1);
	assert_string_equal(x.row[0], "@example.go.jp jicho@example.go.jp 0");
	w = audit_of(rg, NULL, 0);
	assert_int_equal(w.n, 5);
	assert_string_equal(w.action[0], "approvers removed");
	assert_string_equal(w.action[1], "approvers set");
	assert_string_equal(w.detail[1], "kakari@example.go.jp: bucho@example.go.jp");
	reg_close(rg);
}

/* The server goes away: opening fails plainly, a handle's statements
 * fail; it comes back: the same handle and new ones work again, on
 * connections made anew (the pooled ones died with the server). */
static void test_pg_server_restart(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "";
	struct incident got;
	struct reg *rg = open_rw(fx), *held_open = open_rw(fx), *rg2;

	reg_close(held_open);	/* its connection waits in the pool */
	insert(rg, "20261125-P00001", 1795000000, "held");
	assert_int_equal(pgtest_stop(&pg, 1), 0);
	/* the pooled connection is handed out, and its first statement fails;
	 * being dead, it is not pooled again */
	rg2 = open_rw(fx);
	assert_int_equal(reg_get(rg2, "20261125-P00001", &got, err, sizeof(err)), -1);
	reg_close(rg2);
	assert_null(reg_connect(fx->loc, fx->pw, REG_RW, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
	assert_int_equal(reg_get(rg, "20261125-P00001", &got, err, sizeof(err)), -1);
	assert_int_equal(reg_set_status(rg, "20261125-P00001", "held", "deleted", "a", NULL, err,
	    sizeof(err)), -1);
	assert_int_equal(pgtest_restart(&pg), 0);
	assert_int_equal(reg_get(rg, "20261125-P00001", &got, err, sizeof(err)), 0);
	assert_string_equal(got.status, "held");
	incident_clear(&got);
	rg2 = open_rw(fx);
	insert(rg2, "20261125-P00002", 1795000001, "held");
	reg_close(rg2);
	reg_close(rg);
}

static void test_pg_password_file(void **state)
{
	struct fx *fx = fixture(state);
	char err[512] = "", path[160];
	struct reg *rg;
	FILE *f;

	/* the URL names no password: without the file, the server refuses */
	assert_null(reg_connect(fx->loc, NULL, REG_RW, err, sizeof(err)));
	assert_non_null(strstr(err, "password"));
	snprintf(path, sizeof(path), "%s/wrong", fx->dir);
	f = fopen(path, "w");
	fputs("not-the-password\n", f);
	fclose(f);
	assert_null(reg_connect(fx->loc, path, REG_RW, err, sizeof(err)));
	assert_non_null(strstr(err, "password authentication failed"));
	assert_null(strstr(err, "not-the-password"));
	snprintf(path, sizeof(path), "%s/missing", fx->dir);
	assert_null(reg_connect(fx->loc, path, REG_RW, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot read password_file"));
	rg = open_rw(fx);
	assert_string_equal(reg_backend_name(rg), "postgresql");
	reg_close(rg);
}

#define POOL_MAX 32	/* pg.c */

static void *close_later(void *arg)
{
	usleep(300 * 1000);
	reg_close(arg);
	return NULL;
}

/* A process has at most POOL_MAX connections to one database: one more
 * handle waits until one is given back. */
static void test_pg_pool_limit(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg[POOL_MAX + 1];
	struct timespec t0, t1;
	pthread_t t;
	long ms;

	for (int i = 0; i < POOL_MAX; i++)
		rg[i] = open_rw(fx);
	pthread_create(&t, NULL, close_later, rg[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rg[POOL_MAX] = open_rw(fx);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(t, NULL);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_in_range(ms, 250, 5000);
	insert(rg[POOL_MAX], "20261125-Q00001", 1795000000, "held");
	for (int i = 1; i <= POOL_MAX; i++)
		reg_close(rg[i]);
}

static void test_unknown_scheme(void **state)
{
	char err[256] = "";

	(void)state;
	assert_null(reg_open("mysql://db.example/dlp", REG_RW, err, sizeof(err)));
	assert_non_null(strstr(err, "no backend for mysql://"));
	assert_true(reg_location_is_url("postgresql://x/y"));
	assert_false(reg_location_is_url("/var/lib/dlp-milter/incidents.db"));
}

static void test_pg_translate(void **state)
{
	char *s = pg_translate("CREATE TABLE a (seq INTEGER PRIMARY KEY, n INTEGER NOT NULL,"
	    " d BLOB, INTEGERS TEXT, x_INTEGER TEXT);");

	(void)state;
	assert_string_equal(s, "CREATE TABLE a (seq BIGINT GENERATED BY DEFAULT AS IDENTITY"
	    " PRIMARY KEY, n BIGINT NOT NULL, d BYTEA, INTEGERS TEXT, x_INTEGER TEXT);");
	free(s);
}

static int member_row(const struct reg_member *m, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s%s=%s", n ? " " : "", m->member, m->group);
	return 0;
}

static int away_row(const struct reg_away *a, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s%s/%lld", n ? " " : "", a->approver, (long long)a->back);
	return 0;
}

static int waiting_row(const struct reg_waiting *w, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s%s", n ? " " : "", w->id);
	return 0;
}

/* "ID=NOTE", and the time of the request checked against now. */
static int waiting_note_row(const struct reg_waiting *w, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	assert_true(w->created > time(NULL) - 60 && w->created <= time(NULL));
	snprintf(out + n, 512 - n, "%s%s=%s", n ? " " : "", w->id, w->note ? w->note : "-");
	return 0;
}

static int approver_row(const struct reg_approver *a, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s%s=%s/%d", n ? " " : "", a->subject, a->approver, a->rank);
	return 0;
}

static int proxy_asked_row(const struct audit *a, void *arg)
{
	if (strcmp(a->action, "proxy asked") == 0)
		snprintf(arg, 512, "%s", a->reason ? a->reason : "");
	return 0;
}

/* Migration 7: groups, approvers away, the proxy requests' marks; the
 * lookup order: address, group, domain. */
static void test_approval_tables(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	char err[512] = "", out[512] = "", group[200];
	const char *kacho[] = { "kacho@example.go.jp" }, *jicho[] = { "jicho@example.go.jp" };
	struct incident inc;
	time_t t = 1764000000;

	assert_int_equal(reg_group_set(rg, "a@Soumu.example.go.jp", "総務課", "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_group_set(rg, "b@soumu.example.go.jp", "総務課", "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_group_set(rg, "c@jinji.example.go.jp", "人事課", "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_group_set(rg, "b@soumu.example.go.jp", "人事課", "t", err,
	    sizeof(err)), 0);	/* moved: one group a member */
	assert_int_equal(reg_group_of(rg, "a@soumu.example.go.jp", group, sizeof(group), err,
	    sizeof(err)), 0);
	assert_string_equal(group, "総務課");
	assert_int_equal(reg_group_list(rg, "人事課", member_row, out, err, sizeof(err)), 0);
	assert_string_equal(out, "b@soumu.example.go.jp=人事課 c@jinji.example.go.jp=人事課");
	out[0] = '\0';
	assert_int_equal(reg_group_set(rg, "c@jinji.example.go.jp", NULL, "t", err, sizeof(err)),
	    0);
	assert_int_equal(reg_group_of(rg, "c@jinji.example.go.jp", group, sizeof(group), err,
	    sizeof(err)), 1);
	assert_int_equal(reg_group_list(rg, NULL, member_row, out, err, sizeof(err)), 0);
	assert_string_equal(out, "b@soumu.example.go.jp=人事課 a@soumu.example.go.jp=総務課");

	out[0] = '\0';
	assert_int_equal(reg_away_set(rg, "kacho@example.go.jp", true, t + 86400, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_away_set(rg, "bucho@example.go.jp", true, 0, "t", err, sizeof(err)),
	    0);
	assert_int_equal(reg_away_set(rg, "kacho@example.go.jp", true, t + 2 * 86400, "t", err,
	    sizeof(err)), 0);	/* a new date replaces the old */
	assert_int_equal(reg_away_list(rg, away_row, out, err, sizeof(err)), 0);
	assert_string_equal(out, "bucho@example.go.jp/0 kacho@example.go.jp/1764172800");
	assert_int_equal(reg_away_is(rg, "kacho@example.go.jp", t + 86400, err, sizeof(err)), 1);
	assert_int_equal(reg_away_is(rg, "kacho@example.go.jp", t + 2 * 86400, err, sizeof(err)),
	    0);
	assert_int_equal(reg_away_set(rg, "bucho@example.go.jp", false, 0, "t", err, sizeof(err)),
	    0);
	assert_int_equal(reg_away_is(rg, "bucho@example.go.jp", t, err, sizeof(err)), 0);

	/* the approve holds still held and not escalated, oldest first */
	for (int i = 0; i < 3; i++) {
		char id[32];

		snprintf(id, sizeof(id), "20261125-APPRV%d", i);
		make_incident(&inc, id, t + 10 - i, "held");
		free(inc.action);
		inc.action = strdup(i == 2 ? "hold" : "approve");
		assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
		incident_clear(&inc);
	}
	out[0] = '\0';
	assert_int_equal(reg_proxy_waiting(rg, waiting_row, out, err, sizeof(err)), 0);
	assert_string_equal(out, "20261125-APPRV1 20261125-APPRV0");
	assert_int_equal(reg_proxy_mark(rg, "20261125-APPRV1", "after 4h", t + 100, err,
	    sizeof(err)), 0);
	assert_int_equal(reg_proxy_mark(rg, "20261125-APPRV1", "again", t + 200, err,
	    sizeof(err)), 1);
	assert_int_equal(reg_proxy_mark(rg, "20261125-NOSUCH", "x", t, err, sizeof(err)), -1);
	out[0] = '\0';
	assert_int_equal(reg_history(rg, "20261125-APPRV1", proxy_asked_row, out, err,
	    sizeof(err)), 0);
	assert_string_equal(out, "after 4h");
	out[0] = '\0';
	assert_int_equal(reg_set_status(rg, "20261125-APPRV0", "held", "released", "t", NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(reg_proxy_waiting(rg, waiting_row, out, err, sizeof(err)), 0);
	assert_string_equal(out, "");
	/* a plain hold whose sender asked for approval (the justify link)
	 * waits too, from its first request, with the last request's reason */
	assert_int_equal(reg_audit(rg, "20261125-APPRV2", "sender:a@example.go.jp",
	    REG_RELEASE_REQUESTED, "first", err, sizeof(err)), 0);
	assert_int_equal(reg_audit(rg, "20261125-APPRV2", "sender:a@example.go.jp",
	    REG_RELEASE_REQUESTED, "second", err, sizeof(err)), 0);
	assert_int_equal(reg_proxy_waiting(rg, waiting_note_row, out, err, sizeof(err)), 0);
	assert_string_equal(out, "20261125-APPRV2=second");
	out[0] = '\0';
	assert_int_equal(reg_proxy_mark(rg, "20261125-APPRV2", "away", t + 100, err,
	    sizeof(err)), 0);
	assert_int_equal(reg_proxy_waiting(rg, waiting_row, out, err, sizeof(err)), 0);
	assert_string_equal(out, "");

	/* the group before the domain, the address before the group */
	assert_int_equal(reg_approver_set(rg, "group:総務課", kacho, 1, jicho, 1, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_approver_set(rg, "@soumu.example.go.jp", jicho, 1, NULL, 0, "t", err,
	    sizeof(err)), 0);
	out[0] = '\0';
	assert_int_equal(reg_approver_list(rg, "a@soumu.example.go.jp", approver_row, out, err,
	    sizeof(err)), 0);
	assert_string_equal(out, "group:総務課=kacho@example.go.jp/0 "
	    "group:総務課=jicho@example.go.jp/1");
	out[0] = '\0';
	assert_int_equal(reg_approver_list(rg, "z@soumu.example.go.jp", approver_row, out, err,
	    sizeof(err)), 0);
	assert_string_equal(out, "@soumu.example.go.jp=jicho@example.go.jp/0");
	assert_int_equal(reg_approver_set(rg, "a@soumu.example.go.jp", jicho, 1, NULL, 0, "t", err,
	    sizeof(err)), 0);
	out[0] = '\0';
	assert_int_equal(reg_approver_list(rg, "a@soumu.example.go.jp", approver_row, out, err,
	    sizeof(err)), 0);
	assert_string_equal(out, "a@soumu.example.go.jp=jicho@example.go.jp/0");
	reg_close(rg);
}

#define BOTH(f) \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, (void *)&ON_SQLITE), \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, (void *)&ON_PG)
#define PG_ONLY(f) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, (void *)&ON_PG)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_round_trip),
		BOTH(test_list_pages),
		BOTH(test_list_where),
		BOTH(test_list_order_search),
		BOTH(test_status_and_audit),
		BOTH(test_audit_find_and_list),
		BOTH(test_cas_race),
		BOTH(test_notice_claims),
		BOTH(test_held_messages),
		BOTH(test_read_only),
		BOTH(test_import_and_count),
		BOTH(test_delay_due),
		BOTH(test_web_users),
		BOTH(test_web_sessions),
		BOTH(test_web_links_and_audit),
		BOTH(test_link_use_race),
		BOTH(test_secret_once),
		BOTH(test_approvers),
		BOTH(test_approval_tables),
		PG_ONLY(test_pg_password_file),
		PG_ONLY(test_pg_server_restart),
		PG_ONLY(test_pg_pool_limit),
		cmocka_unit_test(test_unknown_scheme),
		cmocka_unit_test(test_pg_translate),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
