/*
 * test_conf_terms.c — [dictionary NAME], [pattern NAME] and [list NAME]:
 * loading (words on several lines and from a file), every error at its
 * FILE:LINE(:COL) (a bad regex at PCRE2's offset, unknown names in `when`
 * at the name's column), the new atoms of the `when` language, and the
 * partners rule pair decided over messages run through the engine: the
 * slots are filled before policy_decide, which reads only them.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/conf.h"
#include "config/policy.h"
#include "detectors/scan.h"
#include "quarantine/incident.h"
#include "quarantine/notice/notice.h"

#define HEAD "[general]\ninternal_domains = example.go.jp\nvar_dir = /tmp\n"

static char dir[64], path[128], words[128];
static char err[16384];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_conf_terms.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	snprintf(words, sizeof(words), "%s/words.txt", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	unlink(words);
	rmdir(dir);
	return 0;
}

static void write_file(const char *p, const char *text)
{
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static struct conf *load(const char *text)
{
	write_file(path, text);
	return conf_load(path, err, sizeof(err));
}

static struct conf *load_ok(const char *text)
{
	struct conf *cf = load(text);

	if (!cf)
		fail_msg("unexpected errors:\n%s", err);
	return cf;
}

/* The load fails, and err has "t.conf:LINE[:COL]: " + needle on a line. */
static void expect_error(const char *text, int line, int col, const char *needle)
{
	char want[600];
	struct conf *cf = load(text);

	if (cf) {
		conf_unref(cf);
		fail_msg("loaded, but expected an error '%s'", needle);
	}
	if (col)
		snprintf(want, sizeof(want), "%s:%d:%d: %s", path, line, col, needle);
	else
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, needle);
	if (!strstr(err, want))
		fail_msg("want '%s' in:\n%s", want, err);
}

#define TERMS \
	"[dictionary secret]\n" \
	"words = 秘, 極秘、取扱注意\n" \
	"\t部外秘\n" \
	"[pattern emp]\n" \
	"regex = EMP-[0-9]{6}\n" \
	"[list partners]\n" \
	"domains = partner.example.com, ally.example.org\n" \
	"addresses = Someone@Elsewhere.example\n" \
	"[list finance]\n" \
	"groups = 経理課, 会計課\n"

static void test_load(void **state)
{
	struct conf *cf;

	(void)state;
	cf = load_ok(HEAD TERMS
	    "[rule r]\nwhen = dictionary.secret >= 1 and pattern.emp >= 1 or\n"
	    "\tsender_group in finance\naction = hold\n");
	assert_int_equal(cf->nterm_src, 2);
	assert_string_equal(cf->term_src[0].source, "秘\n極秘\n取扱注意\n部外秘\n");
	assert_string_equal(cf->term_src[1].source, "EMP-[0-9]{6}");
	assert_int_equal(cf->nlists, 2);
	assert_int_equal(cf->lists[0].ndomains, 2);
	assert_string_equal(cf->lists[0].addresses[0], "someone@elsewhere.example");
	assert_int_equal(cf->lists[1].ngroups, 2);
	assert_string_equal(cf->lists[1].groups[1], "会計課");
	assert_int_equal(cf->npreds, 1);
	assert_non_null(cf->terms);
	conf_unref(cf);
}

static void test_words_file(void **state)
{
	struct conf *cf;

	(void)state;
	write_file(words, "# the ministry's marks\n極秘\n\n  社外秘  \n");
	cf = load_ok(HEAD "[dictionary marks]\nfile = words.txt\nwords = 厳秘\n"
	    "[rule r]\nwhen = dictionary.marks > 0\naction = tag\n");
	assert_string_equal(cf->term_src[0].source, "厳秘\n極秘\n社外秘\n");
	assert_string_equal(cf->term_src[0].file, words);
	conf_unref(cf);
	expect_error(HEAD "[dictionary marks]\nfile = nosuch.txt\n", 5, 0,
	    "dictionary 'marks': file: ");
}

static void test_errors(void **state)
{
	(void)state;
	/* PCRE2's message and offset, at the column of that byte */
	expect_error(HEAD "[pattern p]\nregex = ab(c\n", 5, 13,
	    "pattern p: missing closing parenthesis at offset 4");
	expect_error(HEAD "[pattern p]\nregex =   x{2,1}\n", 5, 16,
	    "pattern p: numbers out of order in {} quantifier at offset 5");
	expect_error(HEAD "[pattern p]\n", 4, 0, "pattern 'p' has no 'regex'");
	expect_error(HEAD "[dictionary d]\nwords = , ,\n", 4, 0, "dictionary 'd' has no words");
	expect_error(HEAD "[dictionary d]\n", 4, 0, "dictionary 'd' has no words");
	expect_error(HEAD "[list l]\n", 4, 0, "list 'l' is empty");
	expect_error(HEAD "[list l]\ndomains = a..b\n", 5, 0, "list 'l': domains: bad domain");
	expect_error(HEAD "[list l]\naddresses = nobody\n", 5, 0,
	    "list 'l': addresses: bad mail address 'nobody'");
	expect_error(HEAD "[dictionary d]\nwords = a\n[dictionary d]\nwords = b\n", 6, 0,
	    "duplicate dictionary 'd' (first at line 4)");
	expect_error(HEAD "[dictionary d]\nwords = a\nwords = b\n", 6, 0,
	    "duplicate key 'words' (first at line 5)");
	expect_error(HEAD "[dictionary d.x]\nwords = a\n", 4, 0, "bad dictionary name 'd.x'");
	expect_error(HEAD "[pattern]\n", 4, 0, "[pattern] without a name");
	expect_error(HEAD "[pattern p]\nregex = a\nwords = b\n", 6, 0,
	    "unknown key 'words' in [pattern NAME]");
	expect_error(HEAD "[pattern p]\nregex = a\n\tb\n", 6, 0,
	    "indented line continues 'regex', which takes one line");
}

static void test_when_names(void **state)
{
	(void)state;
	expect_error(HEAD TERMS "[rule r]\nwhen = external > 0 and dictionary.nosuch >= 1\n"
	    "action = hold\n", 15, 36, "rule 'r': when: unknown dictionary 'nosuch'");
	expect_error(HEAD TERMS "[rule r]\nwhen = pattern.secret >= 1\naction = hold\n", 15, 16,
	    "rule 'r': when: unknown pattern 'secret'");
	/* on the second line of a multi-line when */
	expect_error(HEAD TERMS "[rule r]\nwhen = external > 0 and\n\trecipient_domains in "
	    "parners\naction = hold\n", 16, 23, "rule 'r': when: unknown list 'parners'");
	expect_error(HEAD TERMS "[rule r]\nwhen = sender > 0\naction = hold\n", 15, 8,
	    "rule 'r': when: 'sender' needs 'in LIST' (sender in NAME)");
	expect_error(HEAD TERMS "[rule r]\nwhen = sender_group in\naction = hold\n", 15, 23,
	    "rule 'r': when: expected a name after 'sender_group in'");
	expect_error(HEAD TERMS "[rule r]\nwhen = dictionary. > 1\naction = hold\n", 15, 19,
	    "rule 'r': when: expected a name after 'dictionary.'");
}

/* Without a config's names (expr_compile), the new atoms are unknown;
 * with them, they read their slots. */
static void test_expr_atoms(void **state)
{
	char msg[200];
	int col = 0;
	struct expr *e;
	struct conf *cf;
	long slots[POLICY_SLOTS] = { 0 };

	(void)state;
	assert_null(expr_compile("dictionary.secret >= 1", msg, sizeof(msg), &col));
	assert_int_equal(col, 12);
	assert_non_null(strstr(msg, "unknown dictionary 'secret'"));
	cf = load_ok(HEAD TERMS "[rule r]\nwhen = pattern.emp >= 1\naction = hold\n");
	e = expr_compile_names("not recipient_domains in partners and dictionary.secret >= 2",
	    &(struct expr_names){ NULL }, NULL, msg, sizeof(msg), &col);
	assert_null(e);		/* a resolver without a function knows no names */
	conf_unref(cf);
	(void)slots;
}

/* A message from sender to rcpt (comma-separated) with body, through the
 * engine; the verdict of cf's rules, the rule names into fired. */
static enum action decide(const struct conf *cf, const char *sender, const char *rcpt,
    const char *body, const char *group, char *fired, size_t len, long *slots)
{
	struct scan_options opt;
	struct scan_engine *eng;
	struct scan_msg *m;
	const struct scan_result *r;
	struct verdict v;
	char e[256], list[512], *save = NULL, *tok;

	conf_scan_options(cf, &opt);
	opt.spool_dir = dir;
	assert_non_null(eng = scan_engine_new(&opt, e, sizeof(e)));
	assert_non_null(m = scan_msg_new(eng));
	assert_int_equal(scan_msg_envfrom(m, sender), 0);
	snprintf(list, sizeof(list), "%s", rcpt);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		assert_int_equal(scan_msg_rcpt(m, tok), 0);
	assert_int_equal(scan_msg_header(m, "From", sender), 0);
	assert_int_equal(scan_msg_header(m, "Subject", "test"), 0);
	assert_int_equal(scan_msg_header(m, "Content-Type", "text/plain; charset=utf-8"), 0);
	assert_int_equal(scan_msg_eoh(m), 0);
	assert_int_equal(scan_msg_body(m, body, strlen(body)), 0);
	assert_non_null(r = scan_msg_eom(m));
	scan_result_counters(r, slots);
	conf_policy_slots(cf, r, group, slots);
	policy_decide(cf, slots, &v);
	verdict_rules(&v, fired, len);
	scan_msg_free(m);
	scan_engine_free(eng);
	return v.action;
}

/* n distinct mail addresses of people, one a line. */
static char *people(int n)
{
	static char buf[8192];
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
		    "担当者%02d: tanaka.taro%02d@mail.sample-corp.jp\r\n", i, i);
	return buf;
}

#define PARTNER_RULES \
	"[rule partners_bulk]\n" \
	"when = recipient_domains in partners and personal_items > 20\n" \
	"action = hold\n" \
	"[rule others_bulk]\n" \
	"when = external > 0 and not recipient_domains in partners and personal_items > 10\n" \
	"action = hold\n" \
	"[rule secret_out]\n" \
	"when = external > 0 and dictionary.secret >= 1\n" \
	"action = hold\n" \
	"[rule finance_out]\n" \
	"when = external > 0 and sender_group in finance and pattern.emp >= 1\n" \
	"action = reject\n"

static void test_partners_pair(void **state)
{
	struct conf *cf;
	char fired[256];
	long s[POLICY_SLOTS];

	(void)state;
	cf = load_ok(HEAD TERMS PARTNER_RULES);
	/* 15 people to a partner (a subdomain of one, too): up to 20 pass */
	assert_int_equal(decide(cf, "a@example.go.jp", "x@partner.example.com,y@sub.ally.example.org",
	    people(15), NULL, fired, sizeof(fired), s), ACT_PASS);
	assert_int_equal(s[SC_PERSONAL_ITEMS], 15);
	/* the same to another domain: more than 10 is held */
	assert_int_equal(decide(cf, "a@example.go.jp", "x@other.example.net", people(15), NULL,
	    fired, sizeof(fired), s), ACT_HOLD);
	assert_string_equal(fired, "others_bulk");
	/* a partner and someone else: not every recipient is a partner */
	assert_int_equal(decide(cf, "a@example.go.jp", "x@partner.example.com,z@other.example.net",
	    people(15), NULL, fired, sizeof(fired), s), ACT_HOLD);
	/* the listed address counts as a partner, internal recipients do not matter */
	assert_int_equal(decide(cf, "a@example.go.jp",
	    "someone@elsewhere.example,b@example.go.jp", people(15), NULL, fired, sizeof(fired), s),
	    ACT_PASS);
	/* 25 to a partner: held by the partners' rule */
	assert_int_equal(decide(cf, "a@example.go.jp", "x@partner.example.com", people(25), NULL,
	    fired, sizeof(fired), s), ACT_HOLD);
	assert_string_equal(fired, "partners_bulk");
	/* inside only: no rule; recipient_domains in partners is false */
	assert_int_equal(decide(cf, "a@example.go.jp", "b@example.go.jp", people(25), NULL,
	    fired, sizeof(fired), s), ACT_PASS);
	conf_unref(cf);
}

static void test_dictionary_and_group(void **state)
{
	struct conf *cf;
	char fired[256];
	long s[POLICY_SLOTS];

	(void)state;
	cf = load_ok(HEAD TERMS PARTNER_RULES);
	assert_int_equal(decide(cf, "a@example.go.jp", "x@other.example.net",
	    "【秘】来期予算案です。\r\n", NULL, fired, sizeof(fired), s), ACT_HOLD);
	assert_string_equal(fired, "secret_out");
	assert_int_equal(s[SC_COUNT + 0], 1);
	/* the clean mail stays clean: 秘書課, 秘密保持 are no marks */
	assert_int_equal(decide(cf, "a@example.go.jp", "x@other.example.net",
	    "秘書課の佐藤です。秘密保持契約の件でご連絡しました。\r\n", NULL, fired,
	    sizeof(fired), s), ACT_PASS);
	assert_int_equal(s[SC_COUNT + 0], 0);
	/* sender_group: the group given by the caller (the register's) */
	assert_int_equal(decide(cf, "a@example.go.jp", "x@other.example.net",
	    "社員番号 EMP-123456\r\n", "経理課", fired, sizeof(fired), s), ACT_REJECT);
	assert_string_equal(fired, "finance_out");
	assert_int_equal(decide(cf, "a@example.go.jp", "x@other.example.net",
	    "社員番号 EMP-123456\r\n", "人事課", fired, sizeof(fired), s), ACT_PASS);
	assert_int_equal(decide(cf, "a@example.go.jp", "x@other.example.net",
	    "社員番号 EMP-123456\r\n", NULL, fired, sizeof(fired), s), ACT_PASS);
	conf_unref(cf);
}

/* {dictionary.NAME} and {pattern.NAME} in a reason: the term's counter,
 * in the reason policy_fill_result gives and in the incident's rules (the
 * notice's {reasons}); a name the config lacks is a warning. */
static void test_reason_terms(void **state)
{
	struct scan_options opt;
	struct scan_engine *eng;
	struct scan_msg *m;
	const struct scan_result *r;
	struct verdict v;
	struct incident inc;
	struct conf *cf;
	long slots[POLICY_SLOTS];
	const char *body = "【秘】来期予算案（極秘）です。社員番号 EMP-123456, EMP-654321, EMP-123456\r\n";
	char e[256], *txt;

	(void)state;
	cf = load_ok(HEAD TERMS "[rule secret_out]\nwhen = external > 0 and dictionary.secret >= 1\n"
	    "action = hold\nreason = 秘密の印が {dictionary.secret} 件、社員番号が {pattern.emp} 件"
	    "（{dictionary.nope} は残る）\n");
	assert_non_null(cf->warnings);
	assert_non_null(strstr(cf->warnings, "{dictionary.nope}: no [dictionary nope] in the config"));
	assert_null(strstr(cf->warnings, "{dictionary.secret}"));
	conf_scan_options(cf, &opt);
	opt.spool_dir = dir;
	assert_non_null(eng = scan_engine_new(&opt, e, sizeof(e)));
	assert_non_null(m = scan_msg_new(eng));
	assert_int_equal(scan_msg_envfrom(m, "a@example.go.jp"), 0);
	assert_int_equal(scan_msg_rcpt(m, "x@other.example.net"), 0);
	assert_int_equal(scan_msg_header(m, "Subject", "test"), 0);
	assert_int_equal(scan_msg_header(m, "Content-Type", "text/plain; charset=utf-8"), 0);
	assert_int_equal(scan_msg_eoh(m), 0);
	assert_int_equal(scan_msg_body(m, body, strlen(body)), 0);
	assert_non_null(r = scan_msg_eom(m));
	scan_result_counters(r, slots);
	conf_policy_slots(cf, r, NULL, slots);
	policy_decide(cf, slots, &v);
	assert_int_equal(v.action, ACT_HOLD);
	assert_non_null(txt = policy_fill_result(cf->rules[0].reason, cf->rules[0].when, slots, r));
	assert_string_equal(txt, "秘密の印が 2 件、社員番号が 2 件（{dictionary.nope} は残る）");
	free(txt);
	/* without the result (policy_fill): as written */
	assert_non_null(txt = policy_fill("{dictionary.secret} 件", NULL, slots));
	assert_string_equal(txt, "{dictionary.secret} 件");
	free(txt);
	assert_int_equal(incident_from_scan(&inc, r, &v, "Q1", ACT_HOLD, 1795000000, e,
	    sizeof(e)), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(inc.rules, 0),
	    "reason")), "秘密の印が 2 件、社員番号が 2 件（{dictionary.nope} は残る）");
	/* the notice's {reasons} */
	struct notice_ctx c = { .inc = &inc, .kind = NOTICE_HOLD, .from = "dlp@example.go.jp",
		.to = "a@example.go.jp", .admin = "admin@example.go.jp", .now = 1795000100 };
	assert_non_null(txt = notice_expand("{reasons}", &c));
	assert_non_null(strstr(txt, "secret_out: 秘密の印が 2 件、社員番号が 2 件"));
	free(txt);
	incident_clear(&inc);
	scan_msg_free(m);
	scan_engine_free(eng);
	conf_unref(cf);
}

static void test_sender_in(void **state)
{
	struct conf *cf;
	char fired[256];
	long s[POLICY_SLOTS];

	(void)state;
	cf = load_ok(HEAD "[list vip]\naddresses = boss@example.go.jp\ndomains = hq.example.go.jp\n"
	    "[rule vip]\nwhen = sender in vip\naction = tag\n");
	assert_int_equal(decide(cf, "Boss@Example.go.jp", "x@other.example.net", "hello\r\n", NULL,
	    fired, sizeof(fired), s), ACT_TAG);
	assert_int_equal(decide(cf, "a@dept.hq.example.go.jp", "x@other.example.net", "hello\r\n",
	    NULL, fired, sizeof(fired), s), ACT_TAG);
	assert_int_equal(decide(cf, "a@example.go.jp", "x@other.example.net", "hello\r\n", NULL,
	    fired, sizeof(fired), s), ACT_PASS);
	conf_unref(cf);
}

static void test_diff(void **state)
{
	struct conf *a, *b;
	char buf[512];

	(void)state;
	a = load_ok(HEAD TERMS "[rule r]\nwhen = dictionary.secret > 0\naction = hold\n");
	b = load_ok(HEAD TERMS "[rule r]\nwhen = dictionary.secret > 0\naction = hold\n");
	conf_diff_rules(a, b, buf, sizeof(buf));
	assert_string_equal(buf, "rules unchanged (1)");
	conf_unref(b);
	b = load_ok(HEAD "[dictionary secret]\nwords = 社外秘\n[pattern other]\nregex = x\n"
	    "[rule r]\nwhen = dictionary.secret > 0\naction = hold\n");
	conf_diff_rules(a, b, buf, sizeof(buf));
	assert_string_equal(buf, "rules unchanged (1); words changed: dictionary.secret, "
	    "pattern.other, pattern.emp; lists changed: partners, finance");
	conf_unref(a);
	conf_unref(b);
}

/* dlpctl list, show …: a bad pattern is the policy's problem, like a bad
 * rule: the config comes without its rules, the problem still said. */
static void test_admin_partial(void **state)
{
	bool partial = false;
	struct conf *cf;

	(void)state;
	write_file(path, HEAD "[pattern p]\nregex = ab(c\n[rule r]\nwhen = pattern.p > 0\n"
	    "action = hold\n");
	cf = conf_load_admin(path, err, sizeof(err), &partial);
	assert_non_null(cf);
	assert_true(partial);
	assert_int_equal(cf->nrules, 0);
	assert_non_null(strstr(err, "pattern p: missing closing parenthesis"));
	conf_unref(cf);
	assert_null(conf_load(path, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_words_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_when_names),
		cmocka_unit_test(test_expr_atoms),
		cmocka_unit_test(test_partners_pair),
		cmocka_unit_test(test_dictionary_and_group),
		cmocka_unit_test(test_reason_terms),
		cmocka_unit_test(test_sender_in),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_admin_partial),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
