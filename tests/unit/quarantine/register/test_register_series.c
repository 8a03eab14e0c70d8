/*
 * test_register_series.c — the counters across messages (register.h
 * reg_series_*) against both backends, as test_register_backends does:
 * SQLite (a file) and PostgreSQL (tests/pgserver.sh, a fresh database per
 * case).  The incident's two sends (16 sends of 9 recipients), the window
 * sliding and pruning, the row cap, the sender's hour, a retry counted
 * once, a reopened register (a restart), and that nothing in the tables is
 * an address or a subject in the clear.  Times are given, never waited.
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

#include <sqlite3.h>

#include <jansson.h>

#include "register/register.h"
#include "tests/unit/lib/pgtest.h"

static struct pgtest pg;
static int pg_state;		/* 0 up, 1 absent (skip), -1 failed */

struct fx {
	bool pg;
	char dir[64];
	char loc[512];
	const char *pw;
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
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_regser.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
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

static struct fx *fixture(void **state)
{
	struct fx *fx = *state;

	if (fx->pg && pg_state != 0) {
		print_message("skipped: %s\n", pg.absent);
		skip();
	}
	return fx;
}

static struct reg *open_rw(const struct fx *fx)
{
	char err[512] = "";
	struct reg *rg = reg_connect(fx->loc, fx->pw, REG_RW, err, sizeof(err));

	if (!rg)
		fail_msg("reg_connect %s: %s", fx->loc, err);
	return rg;
}

#define T0 1790000000		/* 2026-09 */
#define WINDOW 7200

/* A message of sender with keys and n recipients r<first>..@partner.example. */
struct msg {
	struct reg_series_msg m;
	char rbuf[200][64];
	const char *rcpts[200];
	char id[32];
};

static void make_msg(struct msg *x, const char *sender, const char *const *keys, size_t nkeys,
    int first, size_t n, time_t now, const char *id)
{
	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < n; i++) {
		snprintf(x->rbuf[i], sizeof(x->rbuf[i]), "R%d@Partner.example", first + (int)i);
		x->rcpts[i] = x->rbuf[i];
	}
	snprintf(x->id, sizeof(x->id), "%s", id);
	x->m.sender = sender;
	x->m.keys = keys;
	x->m.nkeys = nkeys;
	x->m.rcpts = x->rcpts;
	x->m.nrcpts = n;
	x->m.msg = x->id;
	x->m.bytes = 1000;
	x->m.now = now;
	x->m.window = WINDOW;
	x->m.max_rows = 100000;
}

static struct reg_series_counts count(struct reg *rg, const struct msg *x)
{
	struct reg_series_counts c;
	char err[512] = "";

	if (reg_series_count(rg, &x->m, &c, err, sizeof(err)) != 0)
		fail_msg("reg_series_count: %s", err);
	return c;
}

static void add(struct reg *rg, const struct msg *x)
{
	char err[512] = "";

	if (reg_series_add(rg, &x->m, err, sizeof(err)) != 0)
		fail_msg("reg_series_add: %s", err);
}

static long long rows(struct reg *rg, const char *table)
{
	long long n = -1;
	char err[256];

	assert_int_equal(reg_count(rg, table, &n, err, sizeof(err)), 0);
	return n;
}

static const char *const ATT[] = { "a:5e2b1c", "s:名簿の送付について" };

/* 16 sends of 9 distinct recipients each, 3 minutes apart: the counter
 * grows by 9 each send and includes the send it is asked for. */
static void test_sixteen_sends(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	struct msg x;

	for (int s = 0; s < 16; s++) {
		char id[32];
		struct reg_series_counts c;

		snprintf(id, sizeof(id), "<send%d@example.go.jp>", s);
		make_msg(&x, "taro@example.go.jp", ATT, 2, s * 9, 9, T0 + s * 180, id);
		c = count(rg, &x);
		assert_int_equal(c.series_external, (s + 1) * 9);
		assert_int_equal(c.sender_external_hour, s + 1);	/* 16 sends in 48 minutes */
		assert_int_equal(c.sender_bytes_hour, (s + 1) * 1000);
		add(rg, &x);
	}
	assert_int_equal(rows(rg, "series"), 16 * 9 * 2);
	assert_int_equal(rows(rg, "series_sent"), 16);
	/* a recipient reached before is not counted twice; another sender and
	 * another key have their own series */
	make_msg(&x, "taro@example.go.jp", ATT, 2, 0, 9, T0 + 16 * 180, "<again@x>");
	assert_int_equal(count(rg, &x).series_external, 144);
	make_msg(&x, "TARO@example.go.jp", ATT + 1, 1, 200, 3, T0 + 16 * 180, "<case@x>");
	assert_int_equal(count(rg, &x).series_external, 147);	/* sender case folded */
	make_msg(&x, "hanako@example.go.jp", ATT, 2, 0, 9, T0 + 16 * 180, "<h@x>");
	assert_int_equal(count(rg, &x).series_external, 9);
	{
		static const char *const other[] = { "a:ffff" };

		make_msg(&x, "taro@example.go.jp", other, 1, 0, 9, T0 + 16 * 180, "<o@x>");
		assert_int_equal(count(rg, &x).series_external, 9);
	}
	reg_close(rg);
}

/* The window slides: recipients reached longer ago than it are no longer
 * counted, and the next write prunes their rows; the sender's hour too. */
static void test_window_and_pruning(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	struct msg x;

	make_msg(&x, "taro@example.go.jp", ATT, 1, 0, 9, T0, "<1@x>");
	add(rg, &x);
	make_msg(&x, "taro@example.go.jp", ATT, 1, 9, 9, T0 + 3000, "<2@x>");
	add(rg, &x);
	make_msg(&x, "taro@example.go.jp", ATT, 1, 18, 9, T0 + 3599, "<3@x>");
	assert_int_equal(count(rg, &x).sender_external_hour, 3);
	assert_int_equal(count(rg, &x).series_external, 27);
	/* an hour and a bit later: the first send is out of the hour */
	make_msg(&x, "taro@example.go.jp", ATT, 1, 18, 9, T0 + 3601, "<3@x>");
	assert_int_equal(count(rg, &x).sender_external_hour, 2);
	assert_int_equal(count(rg, &x).sender_bytes_hour, 2000);
	/* past the window of the first send: its 9 are gone */
	make_msg(&x, "taro@example.go.jp", ATT, 1, 18, 9, T0 + WINDOW + 1, "<3@x>");
	assert_int_equal(count(rg, &x).series_external, 18);
	assert_int_equal(rows(rg, "series"), 18);
	add(rg, &x);	/* the write prunes */
	assert_int_equal(rows(rg, "series"), 18);
	assert_int_equal(rows(rg, "series_sent"), 1);	/* only <3@x> is in its hour */
	/* a recipient reached again keeps its row fresh */
	make_msg(&x, "taro@example.go.jp", ATT, 1, 18, 9, T0 + WINDOW + 3001, "<4@x>");
	assert_int_equal(count(rg, &x).series_external, 9);
	reg_close(rg);
}

/* max_rows bounds each table whatever the volume, the oldest go first
 * (cut to 9/10 of it when passed, so that most writes need no count). */
static void test_row_cap(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	struct msg x;
	long long n;

	for (int s = 0; s < 30; s++) {
		char id[32];

		snprintf(id, sizeof(id), "<cap%d@x>", s);
		make_msg(&x, "taro@example.go.jp", ATT, 1, s * 10, 10, T0 + s, id);
		x.m.max_rows = 100;
		add(rg, &x);
		assert_true(rows(rg, "series") <= 100);
		assert_true(rows(rg, "series_sent") <= 100);
		if (s >= 10)
			assert_true(rows(rg, "series") >= 90);
	}
	n = rows(rg, "series");
	/* the first send's recipients are gone (new again), the last's kept */
	make_msg(&x, "taro@example.go.jp", ATT, 1, 0, 10, T0 + 30, "<first@x>");
	assert_int_equal(count(rg, &x).series_external, n + 10);
	make_msg(&x, "taro@example.go.jp", ATT, 1, 290, 10, T0 + 30, "<last@x>");
	assert_int_equal(count(rg, &x).series_external, n);
	/* many sends, one recipient each: series_sent is bounded the same way */
	for (int s = 0; s < 300; s++) {
		char id[32];

		snprintf(id, sizeof(id), "<sent%d@x>", s);
		make_msg(&x, "taro@example.go.jp", ATT, 1, 5000, 1, T0 + 31, id);
		x.m.max_rows = 100;
		add(rg, &x);
		assert_true(rows(rg, "series_sent") <= 100);
	}
	reg_close(rg);
}

/* A retry of the same message (same id, same recipients) counts once; a
 * message to no external recipient is not remembered. */
static void test_retry_and_internal(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	struct msg x;

	make_msg(&x, "taro@example.go.jp", ATT, 2, 0, 9, T0, "<same@x>");
	add(rg, &x);
	x.m.now = T0 + 60;
	assert_int_equal(count(rg, &x).series_external, 9);
	assert_int_equal(count(rg, &x).sender_external_hour, 1);
	add(rg, &x);
	assert_int_equal(count(rg, &x).sender_external_hour, 1);
	assert_int_equal(rows(rg, "series_sent"), 1);
	make_msg(&x, "taro@example.go.jp", ATT, 2, 0, 0, T0 + 70, "<inside@x>");
	assert_int_equal(count(rg, &x).sender_external_hour, 1);	/* not itself: internal */
	assert_int_equal(count(rg, &x).series_external, 9);
	add(rg, &x);
	assert_int_equal(rows(rg, "series_sent"), 1);
	reg_close(rg);
}

/* The counters survive the register being closed and opened again (the
 * daemon's restart): they are in the register, not the process. */
static void test_survives_reopen(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	struct msg x;

	make_msg(&x, "taro@example.go.jp", ATT, 2, 0, 72, T0, "<first@x>");
	add(rg, &x);
	reg_close(rg);
	rg = open_rw(fx);
	make_msg(&x, "taro@example.go.jp", ATT, 2, 72, 72, T0 + 41 * 60, "<second@x>");
	assert_int_equal(count(rg, &x).series_external, 144);
	assert_int_equal(count(rg, &x).sender_external_hour, 2);
	reg_close(rg);
}

/* A held incident to keep series rows for (series_held refers to it). */
static void held_incident(struct reg *rg, const char *id)
{
	struct incident inc;
	char err[512] = "";

	memset(&inc, 0, sizeof(inc));
	snprintf(inc.id, sizeof(inc.id), "%s", id);
	inc.created = T0;
	inc.queue_id = strdup("4XyZ1abc");
	inc.message_id = strdup("<held@example.go.jp>");
	inc.sender = strdup("taro@example.go.jp");
	inc.subject = strdup("名簿の送付について");
	inc.rcpt = json_pack("[s]", "r0@partner.example");
	inc.rules = json_pack("[{s:s,s:s}]", "name", "series_recipients", "action", "hold");
	inc.action = strdup("hold");
	inc.status = strdup("held");
	if (reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)) != 0)
		fail_msg("reg_insert: %s", err);
	incident_clear(&inc);
}

/* A held message adds nothing until it is released; its release records
 * it (at the release's time), once however often it is repeated. */
static void test_held_then_released(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	struct msg x;
	char err[512] = "";

	make_msg(&x, "taro@example.go.jp", ATT, 2, 0, 9, T0, "<first@x>");
	add(rg, &x);					/* the first send went out */
	held_incident(rg, "20260901-HELD01");
	make_msg(&x, "taro@example.go.jp", ATT, 2, 9, 9, T0 + 60, "<held@x>");
	assert_int_equal(count(rg, &x).series_external, 18);	/* it counts itself */
	assert_int_equal(reg_series_hold(rg, "20260901-HELD01", &x.m, err, sizeof(err)), 0);
	assert_int_equal(rows(rg, "series_held"), 1);
	/* held: the next send meets the first one's recipients only */
	make_msg(&x, "taro@example.go.jp", ATT, 2, 100, 9, T0 + 120, "<next@x>");
	assert_int_equal(count(rg, &x).series_external, 18);
	assert_int_equal(count(rg, &x).sender_external_hour, 2);
	/* released: its nine recipients and its message count for the next */
	assert_int_equal(reg_series_released(rg, "20260901-HELD01", T0 + 600, err,
	    sizeof(err)), 1);
	assert_int_equal(rows(rg, "series_held"), 0);	/* recorded, then forgotten */
	make_msg(&x, "taro@example.go.jp", ATT, 2, 100, 9, T0 + 660, "<next@x>");
	assert_int_equal(count(rg, &x).series_external, 27);
	assert_int_equal(count(rg, &x).sender_external_hour, 3);
	assert_int_equal(count(rg, &x).sender_bytes_hour, 3000);
	/* released again (a repeat, a retry): nothing more */
	assert_int_equal(reg_series_released(rg, "20260901-HELD01", T0 + 700, err,
	    sizeof(err)), 0);
	assert_int_equal(count(rg, &x).series_external, 27);
	assert_int_equal(count(rg, &x).sender_external_hour, 3);
	assert_int_equal(rows(rg, "series_sent"), 2);
	assert_int_equal(rows(rg, "series_hour"), 1);		/* one sender */
	/* the window counts from the release: at T0 + 2h + 30 s the first send
	 * is out of it, the released one (T0 + 600) still in */
	make_msg(&x, "taro@example.go.jp", ATT, 2, 100, 9, T0 + WINDOW + 30, "<late@x>");
	assert_int_equal(count(rg, &x).series_external, 18);
	/* an incident with nothing kept: 0 */
	assert_int_equal(reg_series_released(rg, "20260901-NONE00", T0, err, sizeof(err)), 0);
	reg_close(rg);
}

/* The hour counters read the senders' running totals: pruned rows and the
 * row cap take their part off; a reopened register agrees with a count of
 * the rows. */
static void test_hour_totals(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	struct msg x;

	for (int i = 0; i < 30; i++) {
		char id[32];

		snprintf(id, sizeof(id), "<h%d@x>", i);
		make_msg(&x, "taro@example.go.jp", ATT, 1, i, 1, T0 + i * 240, id);
		x.m.max_rows = 100;
		add(rg, &x);
	}
	/* at T0 + 29*240 the hour holds sends 14..29 (at >= T0 + 3360) */
	make_msg(&x, "taro@example.go.jp", ATT, 1, 0, 1, T0 + 29 * 240, "<h29@x>");
	assert_int_equal(count(rg, &x).sender_external_hour, 16);	/* itself once */
	assert_int_equal(count(rg, &x).sender_bytes_hour, 16000);
	/* later, with no write meanwhile: rows out of the hour not yet pruned
	 * are not counted (sends 19..29, and the new one) */
	make_msg(&x, "taro@example.go.jp", ATT, 1, 0, 1, T0 + 29 * 240 + 1200, "<new@x>");
	assert_int_equal(count(rg, &x).sender_external_hour, 12);
	assert_int_equal(count(rg, &x).sender_bytes_hour, 12000);
	/* another sender past the row cap: the totals lose what the cap cuts */
	for (int i = 0; i < 30; i++) {
		char id[32];

		snprintf(id, sizeof(id), "<k%d@x>", i);
		make_msg(&x, "hanako@example.go.jp", ATT, 1, i, 1, T0 + 8160 + i * 10, id);
		x.m.max_rows = 10;
		add(rg, &x);
	}
	{
		struct msg t, h;
		long long n = rows(rg, "series_sent");

		make_msg(&t, "taro@example.go.jp", ATT, 1, 0, 1, T0 + 8460, "<t@x>");
		make_msg(&h, "hanako@example.go.jp", ATT, 1, 0, 1, T0 + 8460, "<h@x>");
		assert_true(n <= 10);
		assert_int_equal(count(rg, &t).sender_external_hour - 1 +
		    count(rg, &h).sender_external_hour - 1, n);
		reg_close(rg);
		rg = open_rw(fx);
		assert_int_equal(count(rg, &h).sender_bytes_hour,
		    (long long)count(rg, &h).sender_external_hour * 1000);
	}
	reg_close(rg);
}

/* SQLite: no address, subject or digest in the clear in the file; every
 * stored value a 32-digit hex hash. */
static int hex_only(void *arg, int n, char **v, char **names)
{
	for (int i = 0; i < n; i++)
		if (v[i] && strcmp(names[i], "at") != 0 && strcmp(names[i], "bytes") != 0 &&
		    (strlen(v[i]) != 32 || strspn(v[i], "0123456789abcdef") != 32))
			(*(int *)arg)++;
	return 0;
}

static void test_hashes_only(void **state)
{
	struct fx *fx = fixture(state);
	struct reg *rg = open_rw(fx);
	struct msg x;
	sqlite3 *db;
	int bad = 0;
	char buf[65536];
	FILE *fp;
	size_t n;

	make_msg(&x, "taro@example.go.jp", ATT, 2, 0, 9, T0, "<hash@x>");
	add(rg, &x);
	reg_close(rg);
	assert_int_equal(sqlite3_open(fx->loc, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "SELECT * FROM series; SELECT sender, msg FROM"
	    " series_sent", hex_only, &bad, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(bad, 0);
	/* and not in the file's bytes either (WAL checkpointed on close) */
	assert_non_null(fp = fopen(fx->loc, "rb"));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		assert_null(memmem(buf, n, "partner.example", 15));
		assert_null(memmem(buf, n, "taro@", 5));
		assert_null(memmem(buf, n, "名簿", strlen("名簿")));
	}
	fclose(fp);
}

#define BOTH(f) \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, (void *)&ON_SQLITE), \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, (void *)&ON_PG)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_sixteen_sends),
		BOTH(test_window_and_pruning),
		BOTH(test_row_cap),
		BOTH(test_retry_and_internal),
		BOTH(test_survives_reopen),
		BOTH(test_held_then_released),
		BOTH(test_hour_totals),
		cmocka_unit_test_prestate_setup_teardown(test_hashes_only, setup, teardown,
		    (void *)&ON_SQLITE),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
