/*
 * test_approvers.c — the approvers table (register.h): set replaces a
 * subject's rows; for a sender the address decides before its domain and
 * a domain before its parents, domains without case; proxies are rank 1;
 * bad subjects and approver addresses are refused; an empty set removes
 * the subject; every change is a web_audit row.  Groups (所属): the order
 * address, group, domain, parent domains; group names; approvers away
 * (until a day, until marked back); the staff-list CSV import with its
 * group column; the proxy requests' marks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "register/register.h"

struct fx {
	char dir[64];
	struct reg *rg;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char path[128], err[256];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_approvers.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(path, sizeof(path), "%s/incidents.db", fx->dir);
	assert_non_null(fx->rg = reg_open(path, REG_RW, err, sizeof(err)));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	reg_close(fx->rg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

struct got {
	char text[1024];
};

static int collect(const struct reg_approver *a, void *arg)
{
	struct got *g = arg;
	size_t n = strlen(g->text);

	snprintf(g->text + n, sizeof(g->text) - n, "%s%s=%s/%d", n ? " " : "", a->subject,
	    a->approver, a->rank);
	return 0;
}

static const char *lookup(struct reg *rg, const char *sender, struct got *g)
{
	char err[256];

	g->text[0] = '\0';
	assert_int_equal(reg_approver_list(rg, sender, collect, g, err, sizeof(err)), 0);
	return g->text;
}

static void test_most_specific_decides(void **state)
{
	struct fx *fx = *state;
	const char *kacho[] = { "kacho@example.go.jp" }, *bucho[] = { "bucho@example.go.jp" };
	const char *jicho[] = { "jicho@example.go.jp" }, *top[] = { "kanbo@example.go.jp" };
	char err[256];
	struct got g;

	assert_int_equal(reg_approver_set(fx->rg, "kakari@example.go.jp", kacho, 1, jicho, 1, "t",
	    err, sizeof(err)), 0);
	assert_int_equal(reg_approver_set(fx->rg, "@Soumu.Example.go.jp", bucho, 1, NULL, 0, "t",
	    err, sizeof(err)), 0);
	assert_int_equal(reg_approver_set(fx->rg, "@example.go.jp", top, 1, NULL, 0, "t", err,
	    sizeof(err)), 0);
	assert_string_equal(lookup(fx->rg, "kakari@example.go.jp", &g),
	    "kakari@example.go.jp=kacho@example.go.jp/0 kakari@example.go.jp=jicho@example.go.jp/1");
	assert_string_equal(lookup(fx->rg, "kakari@EXAMPLE.go.jp", &g),
	    "kakari@example.go.jp=kacho@example.go.jp/0 kakari@example.go.jp=jicho@example.go.jp/1");
	assert_string_equal(lookup(fx->rg, "a@soumu.example.go.jp", &g),
	    "@soumu.example.go.jp=bucho@example.go.jp/0");
	assert_string_equal(lookup(fx->rg, "a@x.soumu.example.go.jp", &g),
	    "@soumu.example.go.jp=bucho@example.go.jp/0");
	assert_string_equal(lookup(fx->rg, "b@jinji.example.go.jp", &g),
	    "@example.go.jp=kanbo@example.go.jp/0");
	assert_string_equal(lookup(fx->rg, "c@example.com", &g), "");
	assert_string_equal(lookup(fx->rg, "no-at-sign", &g), "");
	assert_string_equal(lookup(fx->rg, "", &g), "");
	assert_int_equal(reg_approver_is(fx->rg, "kakari@example.go.jp", "KACHO@example.go.jp", 0,
	    err, sizeof(err)), 1);
	assert_int_equal(reg_approver_is(fx->rg, "kakari@example.go.jp", "jicho@example.go.jp", 0,
	    err, sizeof(err)), 0);	/* a proxy, not asked for rank 0 */
	assert_int_equal(reg_approver_is(fx->rg, "kakari@example.go.jp", "jicho@example.go.jp", 1,
	    err, sizeof(err)), 1);
	assert_int_equal(reg_approver_is(fx->rg, "kakari@example.go.jp", "kanbo@example.go.jp", 1,
	    err, sizeof(err)), 0);	/* the address decides, not the domain */
}

static void test_set_replaces_and_removes(void **state)
{
	struct fx *fx = *state;
	const char *two[] = { "a1@example.go.jp", "a2@example.go.jp" }, *one[] = { "a3@example.go.jp" };
	char err[256];
	struct got g;

	assert_int_equal(reg_approver_set(fx->rg, "s@example.go.jp", two, 2, NULL, 0, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_approver_set(fx->rg, "s@example.go.jp", one, 1, NULL, 0, "t", err,
	    sizeof(err)), 0);
	assert_string_equal(lookup(fx->rg, "s@example.go.jp", &g), "s@example.go.jp=a3@example.go.jp/0");
	assert_int_equal(reg_approver_set(fx->rg, "s@example.go.jp", NULL, 0, NULL, 0, "t", err,
	    sizeof(err)), 0);
	assert_string_equal(lookup(fx->rg, "s@example.go.jp", &g), "");
	assert_string_equal(lookup(fx->rg, NULL, &g), "");
}

static void test_refused(void **state)
{
	struct fx *fx = *state;
	const char *ok[] = { "a@example.go.jp" }, *dom[] = { "@example.go.jp" };
	const char *bad[] = { "<a@example.go.jp>" };
	char err[256];
	struct got g;

	assert_int_equal(reg_approver_set(fx->rg, "nobody", ok, 1, NULL, 0, "t", err, sizeof(err)), -1);
	assert_int_equal(reg_approver_set(fx->rg, "a b@example.go.jp", ok, 1, NULL, 0, "t", err,
	    sizeof(err)), -1);
	assert_int_equal(reg_approver_set(fx->rg, "@jp", ok, 1, NULL, 0, "t", err, sizeof(err)), -1);
	assert_int_equal(reg_approver_set(fx->rg, "s@example.go.jp", dom, 1, NULL, 0, "t", err,
	    sizeof(err)), -1);
	assert_int_equal(reg_approver_set(fx->rg, "s@example.go.jp", ok, 1, bad, 1, "t", err,
	    sizeof(err)), -1);
	assert_string_equal(lookup(fx->rg, NULL, &g), "");	/* nothing half-done */
}

static int count_audit(const struct web_audit *a, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void test_audited(void **state)
{
	struct fx *fx = *state;
	const char *ok[] = { "a@example.go.jp" };
	char err[256];
	int n = 0;

	assert_int_equal(reg_approver_set(fx->rg, "s@example.go.jp", ok, 1, NULL, 0, "admin1", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_web_audit_list(fx->rg, NULL, 0, count_audit, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
}

static void test_group_order(void **state)
{
	struct fx *fx = *state;
	const char *own[] = { "own@example.go.jp" }, *grp[] = { "kacho@example.go.jp" };
	const char *gpx[] = { "jicho@example.go.jp" }, *dom[] = { "bucho@example.go.jp" };
	char err[256], group[200];
	struct got g;

	assert_int_equal(reg_approver_set(fx->rg, "@soumu.example.go.jp", dom, 1, NULL, 0, "t",
	    err, sizeof(err)), 0);
	assert_int_equal(reg_approver_set(fx->rg, "group:総務課", grp, 1, gpx, 1, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_group_set(fx->rg, "a@Soumu.example.go.jp", "総務課", "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_group_set(fx->rg, "b@soumu.example.go.jp", "総務課", "t", err,
	    sizeof(err)), 0);
	/* the group before the domain */
	assert_string_equal(lookup(fx->rg, "a@soumu.example.go.jp", &g),
	    "group:総務課=kacho@example.go.jp/0 group:総務課=jicho@example.go.jp/1");
	/* not a member: the domain */
	assert_string_equal(lookup(fx->rg, "c@soumu.example.go.jp", &g),
	    "@soumu.example.go.jp=bucho@example.go.jp/0");
	/* the address before the group */
	assert_int_equal(reg_approver_set(fx->rg, "b@soumu.example.go.jp", own, 1, NULL, 0, "t",
	    err, sizeof(err)), 0);
	assert_string_equal(lookup(fx->rg, "b@soumu.example.go.jp", &g),
	    "b@soumu.example.go.jp=own@example.go.jp/0");
	/* a group without approvers: on to the domain */
	assert_int_equal(reg_group_set(fx->rg, "a@soumu.example.go.jp", "人事課", "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_group_of(fx->rg, "a@SOUMU.example.go.jp", group, sizeof(group), err,
	    sizeof(err)), 0);
	assert_string_equal(group, "人事課");
	assert_string_equal(lookup(fx->rg, "a@soumu.example.go.jp", &g),
	    "@soumu.example.go.jp=bucho@example.go.jp/0");
	assert_int_equal(reg_approver_is(fx->rg, "a@soumu.example.go.jp", "kacho@example.go.jp",
	    1, err, sizeof(err)), 0);
	/* out of the group */
	assert_int_equal(reg_group_set(fx->rg, "a@soumu.example.go.jp", NULL, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_group_of(fx->rg, "a@soumu.example.go.jp", group, sizeof(group), err,
	    sizeof(err)), 1);
}

static void test_group_names(void **state)
{
	struct fx *fx = *state;
	const char *ok[] = { "a@example.go.jp" };
	char err[256];

	assert_true(reg_group_name_ok("総務課"));
	assert_true(reg_group_name_ok("Soumu ka 1"));
	assert_false(reg_group_name_ok(""));
	assert_false(reg_group_name_ok(" lead"));
	assert_false(reg_group_name_ok("a,b"));
	assert_false(reg_group_name_ok("a;b"));
	assert_false(reg_group_name_ok("a\"b"));
	assert_false(reg_group_name_ok("tab\there"));
	assert_false(reg_group_name_ok("\xe7\xb7"));	/* cut UTF-8 */
	assert_false(reg_group_name_ok("\xc0\xaf"));	/* overlong */
	assert_int_equal(reg_approver_set(fx->rg, "group:", ok, 1, NULL, 0, "t", err,
	    sizeof(err)), -1);
	assert_int_equal(reg_approver_set(fx->rg, "s@example.go.jp", (const char *[]){
	    "group:x" }, 1, NULL, 0, "t", err, sizeof(err)), -1);	/* a group approves nothing */
	assert_int_equal(reg_group_set(fx->rg, "@example.go.jp", "x", "t", err, sizeof(err)), -1);
	assert_int_equal(reg_group_set(fx->rg, "a@example.go.jp", "a,b", "t", err, sizeof(err)),
	    -1);
}

static int away_text(const struct reg_away *a, void *arg)
{
	struct got *g = arg;
	size_t n = strlen(g->text);

	snprintf(g->text + n, sizeof(g->text) - n, "%s%s/%lld", n ? " " : "", a->approver,
	    (long long)a->back);
	return 0;
}

static void test_away(void **state)
{
	struct fx *fx = *state;
	char err[256];
	struct got g = { "" };

	assert_int_equal(reg_away_set(fx->rg, "kacho@Example.go.jp", true, 0, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_away_set(fx->rg, "bucho@example.go.jp", true, 2000, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_away_is(fx->rg, "kacho@example.go.jp", 5000, err, sizeof(err)), 1);
	assert_int_equal(reg_away_is(fx->rg, "bucho@example.go.jp", 1999, err, sizeof(err)), 1);
	assert_int_equal(reg_away_is(fx->rg, "bucho@example.go.jp", 2000, err, sizeof(err)), 0);
	assert_int_equal(reg_away_is(fx->rg, "jicho@example.go.jp", 0, err, sizeof(err)), 0);
	assert_int_equal(reg_away_list(fx->rg, away_text, &g, err, sizeof(err)), 0);
	assert_string_equal(g.text, "bucho@example.go.jp/2000 kacho@example.go.jp/0");
	assert_int_equal(reg_away_set(fx->rg, "kacho@example.go.jp", false, 0, "t", err,
	    sizeof(err)), 0);
	assert_int_equal(reg_away_is(fx->rg, "kacho@example.go.jp", 5000, err, sizeof(err)), 0);
	assert_int_equal(reg_away_set(fx->rg, "nobody", true, 0, "t", err, sizeof(err)), -1);
}

static void warn_none(void *arg, int line, const char *msg)
{
	struct got *g = arg;
	size_t n = strlen(g->text);

	snprintf(g->text + n, sizeof(g->text) - n, "%d:%s;", line, msg);
}

static void test_import_groups(void **state)
{
	struct fx *fx = *state;
	static const char csv[] =
	    "\xef\xbb\xbf所属,職員アドレス,承認者,代理承認者\r\n"
	    "総務課,kakari1@example.go.jp,kacho@example.go.jp,jicho@example.go.jp\r\n"
	    "総務課,kakari2@example.go.jp,kacho@example.go.jp,jicho@example.go.jp\r\n"
	    "総務課,kakari3@example.go.jp,\"bucho@example.go.jp; kanbo@example.go.jp\",\r\n"
	    "\"人事課\",jinji1@example.go.jp,,\r\n"
	    "人事課,,jinji-kacho@example.go.jp,jinji-jicho@example.go.jp\r\n"
	    ",solo@example.go.jp,solo-boss@example.go.jp,\r\n"
	    "総務課,bad address,kacho@example.go.jp,\r\n";
	struct reg_import_counts c;
	struct got g, w = { "" };
	char err[256], group[200];
	FILE *fp = fmemopen((void *)csv, sizeof(csv) - 1, "r");

	/* an older entry of kakari1's own: the group's rows replace it */
	assert_int_equal(reg_approver_set(fx->rg, "kakari1@example.go.jp", (const char *[]){
	    "old@example.go.jp" }, 1, NULL, 0, "t", err, sizeof(err)), 0);
	assert_non_null(fp);
	assert_int_equal(reg_approver_import(fx->rg, fp, "t", &c, warn_none, &w, err,
	    sizeof(err)), 0);
	fclose(fp);
	assert_int_equal(c.groups, 2);
	assert_int_equal(c.members, 4);
	assert_int_equal(c.senders, 2);		/* kakari3 (an exception), solo */
	assert_int_equal(c.refused, 1);
	assert_non_null(strstr(w.text, "8:"));	/* the bad address, its line */
	assert_string_equal(lookup(fx->rg, "kakari1@example.go.jp", &g),
	    "group:総務課=kacho@example.go.jp/0 group:総務課=jicho@example.go.jp/1");
	assert_string_equal(lookup(fx->rg, "kakari2@example.go.jp", &g),
	    "group:総務課=kacho@example.go.jp/0 group:総務課=jicho@example.go.jp/1");
	assert_string_equal(lookup(fx->rg, "kakari3@example.go.jp", &g),
	    "kakari3@example.go.jp=bucho@example.go.jp/0 kakari3@example.go.jp=kanbo@example.go.jp/0");
	/* a member row before its group's approvers row */
	assert_string_equal(lookup(fx->rg, "jinji1@example.go.jp", &g),
	    "group:人事課=jinji-kacho@example.go.jp/0 group:人事課=jinji-jicho@example.go.jp/1");
	assert_int_equal(reg_group_of(fx->rg, "kakari3@example.go.jp", group, sizeof(group), err,
	    sizeof(err)), 0);
	assert_string_equal(group, "総務課");
	assert_string_equal(lookup(fx->rg, "solo@example.go.jp", &g),
	    "solo@example.go.jp=solo-boss@example.go.jp/0");
	assert_int_equal(reg_group_of(fx->rg, "solo@example.go.jp", group, sizeof(group), err,
	    sizeof(err)), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_away, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_most_specific_decides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_replaces_and_removes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audited, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
