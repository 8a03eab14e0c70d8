/*
 * test_approvers.c — the approvers table (register.h): set replaces a
 * subject's rows; for a sender the address decides before its domain and
 * a domain before its parents, domains without case; proxies are rank 1;
 * bad subjects and approver addresses are refused; an empty set removes
 * the subject; every change is a web_audit row.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_most_specific_decides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_replaces_and_removes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audited, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
