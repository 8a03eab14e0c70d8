/*
 * test_policy.c — the `when` language (every operator, precedence,
 * parentheses, integers, error messages and columns) and the verdict
 * (strongest action wins, every fired rule named in file order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/conf.h"
#include "config/policy.h"

static long ctr[SC_COUNT];

static long eval(const char *src)
{
	char err[200];
	int col = -1;
	struct expr *e = expr_compile(src, err, sizeof(err), &col);
	long v;

	if (!e)
		fail_msg("'%s': %s", src, err);
	assert_int_equal(col, 0);
	v = expr_eval(e, ctr);
	expr_free(e);
	return v;
}

static void expect_error(const char *src, int want_col, const char *msg)
{
	char err[200], full[300];
	int col = 0;
	struct expr *e = expr_compile(src, err, sizeof(err), &col);

	if (e) {
		expr_free(e);
		fail_msg("'%s' compiled; expected %s", src, msg);
	}
	snprintf(full, sizeof(full), "%s at column %d", msg, want_col);
	if (col != want_col || strcmp(err, full) != 0)
		fail_msg("'%s': got \"%s\" (col %d), want \"%s\"", src, err, col, full);
}

static void test_actions(void **state)
{
	for (int a = 0; a < ACT_COUNT; a++)
		assert_int_equal(action_lookup(action_name(a)), a);
	assert_string_equal(action_name(ACT_PASS), "pass");
	assert_string_equal(action_name(ACT_REJECT), "reject");
	assert_string_equal(action_name(ACT_COUNT), "?");
	assert_int_equal(action_lookup("quarantine"), -1);
	assert_int_equal(action_lookup("HOLD"), -1);
	assert_int_equal(action_lookup(NULL), -1);
	assert_true(ACT_REJECT > ACT_HOLD && ACT_HOLD > ACT_TAG && ACT_TAG > ACT_PASS);
	/* reject > hold > approve > delay > bcc > tag > pass */
	assert_true(ACT_HOLD > ACT_APPROVE && ACT_APPROVE > ACT_DELAY && ACT_DELAY > ACT_BCC &&
	    ACT_BCC > ACT_TAG);
	assert_string_equal(action_name(ACT_DELAY), "delay");
}

static void test_every_counter(void **state)
{
	char src[64];

	for (int c = 0; c < SC_COUNT; c++) {
		memset(ctr, 0, sizeof(ctr));
		ctr[c] = 7;
		snprintf(src, sizeof(src), "%s == 7", scan_counter_name(c));
		assert_int_equal(eval(src), 1);
		/* An operand alone is its value: true when non-zero. */
		assert_int_equal(eval(scan_counter_name(c)), 7);
		ctr[c] = 0;
		assert_int_equal(eval(src), 0);
	}
}

static void test_comparisons(void **state)
{
	static const char *const ops[] = { "<", "<=", "==", "!=", ">=", ">" };
	char src[64];

	memset(ctr, 0, sizeof(ctr));
	for (long l = 0; l < 4; l++)
		for (long r = 0; r < 4; r++) {
			int want[6] = { l < r, l <= r, l == r, l != r, l >= r, l > r };
			int swapped[6] = { r < l, r <= l, r == l, r != l, r >= l, r > l };
			ctr[SC_PHONE] = l;
			for (int o = 0; o < 6; o++) {
				/* counter op number, number op counter, without spaces */
				snprintf(src, sizeof(src), "phone %s %ld", ops[o], r);
				assert_int_equal(eval(src), want[o]);
				snprintf(src, sizeof(src), "%ld%sphone", r, ops[o]);
				assert_int_equal(eval(src), swapped[o]);
			}
		}
	ctr[SC_EMAIL] = 3;
	ctr[SC_PHONE] = 5;
	assert_int_equal(eval("email < phone"), 1);
	assert_int_equal(eval("phone<=email"), 0);
	assert_int_equal(eval("2147483647 > phone"), 1);
	assert_int_equal(eval("0"), 0);
	assert_int_equal(eval("42"), 42);
	assert_int_equal(eval("007 == 7"), 1);
}

static void test_logic(void **state)
{
	memset(ctr, 0, sizeof(ctr));
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++) {
			ctr[SC_EMAIL] = a;
			ctr[SC_PHONE] = b;
			assert_int_equal(eval("email and phone"), a && b);
			assert_int_equal(eval("email or phone"), a || b);
			assert_int_equal(eval("not email"), !a);
			assert_int_equal(eval("not not email"), !!a);
		}
	/* and/or give 0 or 1, not the operand. */
	ctr[SC_EMAIL] = 5;
	ctr[SC_PHONE] = 9;
	assert_int_equal(eval("email and phone"), 1);
	assert_int_equal(eval("email or phone"), 1);
}

/* Each case is true under one grouping and false under the other. */
static void test_precedence(void **state)
{
	memset(ctr, 0, sizeof(ctr));
	/* and binds tighter than or: a or (b and c), not (a or b) and c. */
	ctr[SC_EMAIL] = 1; ctr[SC_PHONE] = 1; ctr[SC_MY_NUMBER] = 0;
	assert_int_equal(eval("email or phone and my_number"), 1);
	assert_int_equal(eval("(email or phone) and my_number"), 0);
	assert_int_equal(eval("my_number and phone or email"), 1);
	assert_int_equal(eval("my_number and (phone or email)"), 0);
	/* not binds tighter than and: (not a) and b. */
	ctr[SC_EMAIL] = 1; ctr[SC_PHONE] = 0;
	assert_int_equal(eval("not email and phone"), 0);
	assert_int_equal(eval("not (email and phone)"), 1);
	/* not binds tighter than or: (not a) or b. */
	ctr[SC_EMAIL] = 1; ctr[SC_PHONE] = 1;
	assert_int_equal(eval("not email or phone"), 1);
	assert_int_equal(eval("not (email or phone)"), 0);
	/* Comparison binds tighter than not (policy.h: unary := "not" unary | cmp):
	 * not (a > 1), which differs from (not a) > 1 when a is 0. */
	ctr[SC_EMAIL] = 0;
	assert_int_equal(eval("not email > 1"), 1);
	assert_int_equal(eval("(not email) > 1"), 0);
	/* Comparison binds tighter than and / or. */
	ctr[SC_EMAIL] = 2; ctr[SC_PHONE] = 0;
	assert_int_equal(eval("email > 1 and phone == 0"), 1);
	assert_int_equal(eval("email == 1 or phone == 0 and email == 2"), 1);
	assert_int_equal(eval("(email == 1 or phone == 0) and email == 3"), 0);
	/* Parenthesised operands of a comparison. */
	assert_int_equal(eval("(email > 1) == (phone == 0)"), 1);
	assert_int_equal(eval("((((email))))"), 2);
	/* Whitespace of any kind, or none where tokens are distinct. */
	assert_int_equal(eval(" \temail\n>\r1 "), 1);
	assert_int_equal(eval("(email>1)and(phone<1)"), 1);
}

static void test_errors(void **state)
{
	expect_error("phones > 1", 1, "unknown counter 'phones'");
	expect_error("external > 0 and phones >= 3", 18, "unknown counter 'phones'");
	expect_error("Phone > 1", 1, "unknown counter 'Phone'");
	expect_error("(phone > 1", 11, "expected ')', found end of expression");
	expect_error("(phone > 1 email", 12, "expected ')', found 'email'");
	expect_error("phone > 1)", 10, "trailing input ')'");
	expect_error("phone > 1 email", 11, "trailing input 'email'");
	expect_error("phone = 1", 7, "unexpected '=' (use '==')");
	expect_error("!phone", 1, "unexpected '!' (use 'not' or '!=')");
	expect_error("phone > 1 && email", 11, "unexpected character '&'");
	expect_error("phone > 1 > 0", 11, "comparisons do not chain (use 'and')");
	expect_error("", 1, "empty expression");
	expect_error("   ", 4, "empty expression");
	expect_error("phone >", 8, "expected a counter, a number or '(', found end of expression");
	expect_error("and phone", 1, "expected a counter, a number or '(', found 'and'");
	expect_error("phone > not 1", 9, "expected a counter, a number or '(', found 'not'");
	expect_error("()", 2, "expected a counter, a number or '(', found ')'");
	expect_error("phone > 10k", 9, "bad integer '10k'");
	expect_error("phone > 2147483648", 9, "integer '2147483648' out of range (0..2147483647)");
	expect_error("phone > -1", 9, "unexpected character '-'");
	/* Columns count characters, not bytes. */
	expect_error("phone >= １", 10, "unexpected character '１'");
	expect_error("電話 > 1", 1, "unexpected character '電'");
	expect_error("email > 1 and 電話", 15, "unexpected character '電'");
}

static void test_nesting(void **state)
{
	char src[512];
	size_t n = 0;
	char err[200];
	int col;

	for (int i = 0; i < 60; i++)
		src[n++] = '(';
	n += (size_t)snprintf(src + n, sizeof(src) - n, "phone");
	for (int i = 0; i < 60; i++)
		src[n++] = ')';
	src[n] = '\0';
	memset(ctr, 0, sizeof(ctr));
	ctr[SC_PHONE] = 3;
	assert_int_equal(eval(src), 3);
	memset(src, '(', 200);
	src[200] = '\0';
	assert_null(expr_compile(src, err, sizeof(err), &col));
	assert_non_null(strstr(err, "nested too deeply"));
	assert_int_equal(col, 65);
	n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "not ");
	snprintf(src + n, sizeof(src) - n, "phone");
	assert_null(expr_compile(src, err, sizeof(err), &col));
	assert_non_null(strstr(err, "nested too deeply"));
	/* NULL-safe and no column pointer needed. */
	assert_null(expr_compile("bad bad", NULL, 0, NULL));
	expr_free(NULL);
	assert_int_equal(expr_eval(NULL, ctr), 0);
}

/* Load a config whose one rule has the `when` lines given; expect one error
 * at file line:col (the rule's `when` starts on line 4). */
static void expect_file_error(const char *when, int line, int col, const char *msg)
{
	char path[] = "/tmp/test_policy.XXXXXX", err[1000], head[200];
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct conf *cf;

	assert_non_null(fp);
	fprintf(fp, "[general]\ninternal_domains = example.go.jp\n[rule r]\nwhen =%s\n"
	    "action = tag\n", when);
	fclose(fp);
	cf = conf_load(path, err, sizeof(err));
	unlink(path);
	if (cf) {
		conf_unref(cf);
		fail_msg("'%s' loaded", when);
	}
	snprintf(head, sizeof(head), "%s:%d:%d: rule 'r': when: %s", path, line, col, msg);
	if (strcmp(err, head) != 0)
		fail_msg("want \"%s\"\nhave \"%s\"", head, err);
}

/* In a config file, an error names the file line and column of the token,
 * whichever line of a multi-line condition it is on. */
static void test_errors_in_file(void **state)
{
	/* "when = " is 7 characters: the expression starts in column 8. */
	expect_file_error(" external > 0 and phones >= 3", 4, 25, "unknown counter 'phones'");
	expect_file_error(" (external > 0", 4, 21, "expected ')', found end of expression");
	expect_file_error(" external > 0)", 4, 20, "trailing input ')'");
	expect_file_error("", 4, 7, "empty expression");
	expect_file_error(" external > 0\n\tand phone = 3", 5, 12, "unexpected '=' (use '==')");
	expect_file_error("\n    external > 0\n    and phone > x", 6, 17, "unknown counter 'x'");
	expect_file_error("\n    external >", 5, 15,
	    "expected a counter, a number or '(', found end of expression");
	/* Columns count characters. */
	expect_file_error("   phone >= １", 4, 19, "unexpected character '１'");
	expect_file_error(" 電話 > 1", 4, 8, "unexpected character '電'");
	expect_file_error(" email > 1 and\n  電話 > 1", 5, 3, "unexpected character '電'");
}

/* A config holding only rules, built without a file. */
static struct conf *rules_conf(const char *const *spec, size_t n)
{
	struct conf *cf = calloc(1, sizeof(*cf));
	char err[200];

	assert_non_null(cf);
	cf->rules = calloc(n, sizeof(*cf->rules));
	assert_non_null(cf->rules);
	cf->nrules = n;
	for (size_t i = 0; i < n; i++) {
		struct conf_rule *r = &cf->rules[i];
		char name[32];
		const char *sp = strchr(spec[i], ':');

		snprintf(name, sizeof(name), "%.*s", (int)(sp - spec[i]), spec[i]);
		r->name = strdup(name);
		r->action = action_lookup(strrchr(spec[i], ':') + 1);
		r->when_src = strndup(sp + 1, (size_t)(strrchr(spec[i], ':') - sp - 1));
		r->when = expr_compile(r->when_src, err, sizeof(err), NULL);
		if (!r->when)
			fail_msg("%s: %s", spec[i], err);
		assert_true((int)r->action >= 0);
	}
	return cf;
}

static void free_rules_conf(struct conf *cf)
{
	for (size_t i = 0; i < cf->nrules; i++) {
		free(cf->rules[i].name);
		free(cf->rules[i].when_src);
		expr_free(cf->rules[i].when);
	}
	free(cf->rules);
	free(cf);
}

static void test_decide(void **state)
{
	static const char *const spec[] = {
		"tag_phone:phone >= 1:tag",
		"reject_card:credit_card >= 1:reject",
		"hold_many:personal_items >= 10:hold",
		"pass_internal:external == 0:pass",
		"hold_phone:phone >= 5:hold",
	};
	struct conf *cf = rules_conf(spec, 5);
	struct verdict v;
	char buf[256];

	memset(ctr, 0, sizeof(ctr));
	ctr[SC_EXTERNAL] = 1;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_PASS);
	assert_int_equal(v.nfired, 0);
	assert_string_equal(verdict_rules(&v, buf, sizeof(buf)), "-");
	/* A pass rule that fires is named, and changes nothing. */
	ctr[SC_EXTERNAL] = 0;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_PASS);
	assert_string_equal(verdict_rules(&v, buf, sizeof(buf)), "pass_internal");
	/* Strongest wins whatever the order; all fired named in file order. */
	ctr[SC_PHONE] = 6;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_HOLD);
	assert_string_equal(verdict_rules(&v, buf, sizeof(buf)), "tag_phone,pass_internal,hold_phone");
	assert_ptr_equal(v.fired[0], &cf->rules[0]);
	ctr[SC_CREDIT_CARD] = 1;
	ctr[SC_PERSONAL_ITEMS] = 12;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_REJECT);
	assert_int_equal(v.nfired, 5);
	assert_string_equal(verdict_rules(&v, buf, sizeof(buf)),
	    "tag_phone,reject_card,hold_many,pass_internal,hold_phone");
	/* A buffer too small: whole names only, then "...". */
	assert_string_equal(verdict_rules(&v, buf, 25), "tag_phone,reject_card");
	assert_string_equal(verdict_rules(&v, buf, 26), "tag_phone,reject_card,...");
	assert_string_equal(verdict_rules(&v, buf, 6), "...");
	assert_string_equal(verdict_rules(&v, buf, 3), "");
	/* No config: pass. */
	policy_decide(NULL, ctr, &v);
	assert_int_equal(v.action, ACT_PASS);
	free_rules_conf(cf);
}

/* delay: beaten by approve, hold and reject, beats bcc, tag and pass; the
 * longest delay of the fired delay rules; a bcc rule that fired is noted
 * for the delayed release. */
static void test_decide_delay(void **state)
{
	static const char *const spec[] = {
		"bcc_many:external_visible >= 10:bcc",
		"delay_ext:external >= 1:delay",
		"delay_long:personal_items >= 1:delay",
		"tag_phone:phone >= 1:tag",
		"approve_many:personal_items >= 50:approve",
		"hold_card:credit_card >= 1:hold",
	};
	struct conf *cf = rules_conf(spec, 6);
	struct verdict v;

	cf->rules[1].delay = 120;
	cf->rules[2].delay = 600;
	memset(ctr, 0, sizeof(ctr));
	ctr[SC_EXTERNAL] = 3;
	ctr[SC_PHONE] = 1;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_DELAY);
	assert_int_equal(v.delay, 120);
	assert_false(v.bcc);
	ctr[SC_EXTERNAL_VISIBLE] = 12;
	ctr[SC_PERSONAL_ITEMS] = 5;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_DELAY);	/* delay beats bcc, the bcc noted */
	assert_int_equal(v.delay, 600);		/* the longest */
	assert_true(v.bcc);
	ctr[SC_PERSONAL_ITEMS] = 50;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_APPROVE);
	ctr[SC_CREDIT_CARD] = 1;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_HOLD);
	/* without a delay rule firing: bcc, no delay */
	memset(ctr, 0, sizeof(ctr));
	ctr[SC_EXTERNAL_VISIBLE] = 12;
	policy_decide(cf, ctr, &v);
	assert_int_equal(v.action, ACT_BCC);
	assert_int_equal(v.delay, 0);
	free_rules_conf(cf);
}

static void test_decide_cap(void **state)
{
	enum { N = VERDICT_MAX_RULES + 6 };
	char specs[N][48];
	const char *spec[N];
	struct conf *cf;
	struct verdict v;
	size_t nfire = 0;

	for (int i = 0; i < N; i++) {
		snprintf(specs[i], sizeof(specs[i]), "r%d:attachments > %d:%s", i, i % 3,
		    i == N - 1 ? "reject" : "tag");
		spec[i] = specs[i];
	}
	cf = rules_conf(spec, N);
	memset(ctr, 0, sizeof(ctr));
	ctr[SC_ATTACHMENTS] = 5;
	policy_decide(cf, ctr, &v);
	/* Only the first VERDICT_MAX_RULES are named; the last, unnamed one
	 * still decides. */
	assert_int_equal(v.nfired, VERDICT_MAX_RULES);
	assert_int_equal(v.action, ACT_REJECT);
	assert_string_equal(v.fired[VERDICT_MAX_RULES - 1]->name, "r63");
	ctr[SC_ATTACHMENTS] = 2;	/* fires where i % 3 < 2 */
	policy_decide(cf, ctr, &v);
	for (int i = 0; i < N; i++)
		nfire += i % 3 < 2;
	assert_int_equal(v.nfired, nfire < VERDICT_MAX_RULES ? nfire : VERDICT_MAX_RULES);
	assert_string_equal(v.fired[2]->name, "r3");
	assert_int_equal(v.action, (N - 1) % 3 < 2 ? ACT_REJECT : ACT_TAG);
	free_rules_conf(cf);
}

static struct expr *compile(const char *src)
{
	char err[200];
	struct expr *e = expr_compile(src, err, sizeof(err), NULL);

	if (!e)
		fail_msg("'%s': %s", src, err);
	return e;
}

static void test_threshold(void **state)
{
	struct expr *e = compile("external > 0 and (personal_items >= 10 or 3 < email)");
	long k[8];

	(void)state;
	assert_int_equal(expr_threshold(e, -1), 0);	/* the first comparison, as written */
	assert_int_equal(expr_threshold(e, SC_PERSONAL_ITEMS), 10);
	assert_int_equal(expr_threshold(e, SC_EMAIL), 3);	/* integer on the left */
	assert_int_equal(expr_threshold(e, SC_PHONE), -1);
	assert_int_equal(expr_constants(e, k, 8), 3);
	assert_int_equal(k[0], 0);
	assert_int_equal(k[1], 10);
	assert_int_equal(k[2], 3);
	assert_int_equal(expr_constants(e, k, 1), 3);	/* counts beyond max */
	expr_free(e);
	e = compile("encrypted");		/* no comparison */
	assert_int_equal(expr_threshold(e, -1), -1);
	assert_int_equal(expr_constants(e, k, 8), 0);
	expr_free(e);
}

static void test_fill(void **state)
{
	struct expr *e = compile("external_visible >= 5");
	long c[SC_COUNT] = { 0 };
	char *s;

	(void)state;
	c[SC_EXTERNAL_VISIBLE] = 7;
	c[SC_EMAIL] = 12;
	s = policy_fill("To/Cc に {external_visible} 件（{threshold} 件以上で保留）、"
	    "{threshold:external_visible}; {email} mails; {threshold:email} {nope} {admin} {x:y} {",
	    e, c);
	assert_string_equal(s, "To/Cc に 7 件（5 件以上で保留）、5; 12 mails; {threshold:email} "
	    "{nope} {admin} {x:y} {");
	free(s);
	s = policy_fill("{threshold} only {external_visible}", e, NULL);	/* no counters */
	assert_string_equal(s, "5 only {external_visible}");
	free(s);
	s = policy_fill(NULL, e, c);
	assert_string_equal(s, "");
	free(s);
	expr_free(e);
}

struct warned {
	char all[2048];
	int n;
};

static void warn_cb(void *arg, size_t off, const char *msg)
{
	struct warned *w = arg;
	size_t used = strlen(w->all);

	snprintf(w->all + used, sizeof(w->all) - used, "%zu:%s\n", off, msg);
	w->n++;
}

static void test_check_text(void **state)
{
	struct expr *e = compile("external > 0 and external_visible >= 5");
	struct warned w = { "", 0 };

	(void)state;
	/* what still fits: the thresholds, placeholders, digits inside words */
	policy_check_text("{threshold:external_visible} 件以上、{external_visible} 件 (5 or more, "
	    "UTF-8, X509, 0)", e, warn_cb, &w);
	assert_int_equal(w.n, 0);
	/* "10件以上" under >= 5, in ASCII and in full-width digits */
	policy_check_text("宛先に10件以上", e, warn_cb, &w);
	policy_check_text("１０件", e, warn_cb, &w);
	assert_int_equal(w.n, 2);
	assert_non_null(strstr(w.all, "9:the number 10 is not what 'when' compares with (0, ...): "
	    "write {threshold}"));
	assert_non_null(strstr(w.all, "0:the number 10 is not"));
	memset(&w, 0, sizeof(w));
	policy_check_text("{bogus} {threshold:email} {threshold:nocounter}", e, warn_cb, &w);
	assert_int_equal(w.n, 3);
	assert_non_null(strstr(w.all, "0:{bogus}: unknown placeholder"));
	assert_non_null(strstr(w.all, "8:{threshold:email}: 'when' does not compare email"));
	assert_non_null(strstr(w.all, "26:{threshold:nocounter}: no counter 'nocounter'"));
	expr_free(e);
	e = compile("encrypted");
	memset(&w, 0, sizeof(w));
	policy_check_text("{threshold} 2 files", e, warn_cb, &w);	/* no integers: no number check */
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.all, "{threshold}: 'when' compares no counter with a number"));
	expr_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_every_counter),
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_errors_in_file),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_decide_cap),
		cmocka_unit_test(test_decide_delay),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_check_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
