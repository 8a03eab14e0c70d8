/*
 * test_incident.c — an incident built from a real scan of a generated
 * message (My Number, phones, mail addresses in the body and in a CSV
 * attachment): counters, recipients, rules, findings with at most three
 * masked samples, parts; and no full value anywhere in the JSON, neither
 * in the incident as built nor after a round trip through the register.
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

#include "config/conf.h"
#include "config/policy.h"
#include "detectors/feed.h"
#include "detectors/scan.h"
#include "detect/valueset.h"
#include "quarantine/incident.h"
#include "register/register.h"

#define NPHONES 12

struct fx {
	char dir[64];
	struct conf *cf;
	struct scan_engine *eng;
	struct scan_msg *msg;
	const struct scan_result *res;
	struct verdict v;
	char *eml;		/* the generated message */
};

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static const char CONF_FMT[] =
	"[general]\n"
	"internal_domains = example.go.jp\n"
	"var_dir = %s\n"
	"\n"
	"[rule my_number]\n"
	"when = my_number > 0\n"
	"action = reject\n"
	"reason = マイナンバーを含むメールは送信できません。\n"
	"\n"
	"[rule personal_data]\n"
	"when = personal_items >= 10\n"
	"action = hold\n"
	"reason = 個人情報が多く含まれています。\n"
	"\n"
	"[rule mass_recipients]\n"
	"when = external_visible >= 50\n"
	"action = hold\n"
	"reason = 外部宛先が多すぎます。\n";

/* Base64 of s (for the attachment), malloc'd. */
static char *base64(const char *s)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), o = 0;
	char *out = malloc(n * 2 + 8);

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n) v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n) v |= (unsigned char)s[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
		if ((i / 3 + 1) % 19 == 0)
			out[o++] = '\n';
	}
	out[o] = '\0';
	return out;
}

/* Body: a My Number with its keyword and two mail addresses; attachment:
 * a CSV of NPHONES people with phones and addresses. */
static char *make_message(void)
{
	char csv[4096], *b64, *eml;
	size_t used = 0;

	used += (size_t)snprintf(csv, sizeof(csv), "氏名,電話番号,メール\r\n");
	for (int i = 0; i < NPHONES; i++)
		used += (size_t)snprintf(csv + used, sizeof(csv) - used,
		    "職員%02d,090-2345-%04d,person%02d@mail.example.com\r\n", i, 6100 + i * 7, i);
	b64 = base64(csv);
	if (asprintf(&eml,
	    "From: Taro Yamada <taro@example.go.jp>\r\n"
	    "To: partner@outside.example, colleague@example.go.jp\r\n"
	    "Cc: other@second.example\r\n"
	    "Subject: =?UTF-8?B?5ZCN57C/44Gu6YCB5LuY?=\r\n"
	    "Message-ID: <incident-test-1@example.go.jp>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	    "\r\n"
	    "--b1\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\n"
	    "お世話になっております。\r\n"
	    "私のマイナンバーは 1234 5678 9018 です。\r\n"
	    "連絡先: hanako.suzuki@mail.example.com, jiro@mail.example.com\r\n"
	    "\r\n"
	    "--b1\r\n"
	    "Content-Type: text/csv; charset=utf-8; name=\"list.csv\"\r\n"
	    "Content-Disposition: attachment; filename=\"list.csv\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "%s\r\n"
	    "--b1--\r\n", b64) < 0)
		eml = NULL;
	free(b64);
	return eml;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char path[128], err[4096] = "";
	struct scan_options opt;
	long counters[SC_COUNT];
	FILE *fp;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_incident.XXXXXX");
	if (!fx || !mkdtemp(fx->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/dlp-milter.conf", fx->dir);
	if (!(fp = fopen(path, "w")))
		return -1;
	fprintf(fp, CONF_FMT, fx->dir);
	fclose(fp);
	if (!(fx->cf = conf_load(path, err, sizeof(err)))) {
		fprintf(stderr, "conf_load: %s\n", err);
		return -1;
	}
	conf_scan_options(fx->cf, &opt);
	if (!(fx->eng = scan_engine_new(&opt, err, sizeof(err)))) {
		fprintf(stderr, "scan_engine_new: %s\n", err);
		return -1;
	}
	fx->msg = scan_msg_new(fx->eng);
	fx->eml = make_message();
	if (!fx->msg || !fx->eml || scan_msg_envfrom(fx->msg, "taro@example.go.jp") < 0 ||
	    scan_msg_rcpt(fx->msg, "partner@outside.example") < 0 ||
	    scan_msg_rcpt(fx->msg, "colleague@example.go.jp") < 0 ||
	    scan_msg_rcpt(fx->msg, "other@second.example") < 0)
		return -1;
	if (!(fp = fmemopen(fx->eml, strlen(fx->eml), "r")) || feed_file(fx->msg, fp) < 0)
		return -1;
	fclose(fp);
	if (!(fx->res = scan_msg_eom(fx->msg))) {
		fprintf(stderr, "scan_msg_eom: %s\n", scan_msg_error(fx->msg));
		return -1;
	}
	scan_result_counters(fx->res, counters);
	policy_decide(fx->cf, counters, &fx->v);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	scan_msg_free(fx->msg);
	scan_engine_free(fx->eng);
	conf_unref(fx->cf);
	free(fx->eml);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static const json_t *rule_named(const json_t *rules, const char *name)
{
	size_t i;
	json_t *r;

	json_array_foreach(rules, i, r)
		if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
			return r;
	return NULL;
}

static void test_scan_is_as_expected(void **state)
{
	struct fx *fx = *state;

	/* The premises of the other tests: what the scan itself found. */
	assert_int_equal(scan_result_count(fx->res, FT_MY_NUMBER), 1);
	assert_int_equal(scan_result_count(fx->res, FT_PHONE), NPHONES);
	assert_int_equal(scan_result_count(fx->res, FT_EMAIL), NPHONES + 2);
	assert_int_equal(fx->v.action, ACT_REJECT);
	assert_true(fx->res->nparts >= 2);
}

static void test_fields_from_scan(void **state)
{
	struct fx *fx = *state;
	const struct scan_result *r = fx->res;
	struct incident inc;
	char err[256] = "";
	const json_t *rule, *f;
	time_t now = time(NULL);

	assert_int_equal(incident_from_scan(&inc, r, &fx->v, "4XyZ1abc", ACT_REJECT, now, err,
	    sizeof(err)), 0);
	assert_int_equal(strlen(inc.id), 15);
	assert_int_equal(inc.created, now);
	assert_string_equal(inc.queue_id, "4XyZ1abc");
	assert_string_equal(inc.sender, "taro@example.go.jp");
	assert_string_equal(inc.subject, "名簿の送付");
	assert_string_equal(inc.message_id, r->message_id);
	assert_string_equal(inc.action, "reject");
	assert_string_equal(inc.status, "rejected");
	assert_int_equal(inc.recipients, 3);
	assert_int_equal(inc.external, 2);
	assert_int_equal(inc.external_visible, 2);
	assert_int_equal(inc.external_domains, 2);
	assert_int_equal(json_array_size(inc.rcpt), 3);
	assert_string_equal(json_string_value(json_array_get(inc.rcpt, 1)),
	    "colleague@example.go.jp");

	/* Every rule that fired, with its action and reason; no other. */
	assert_int_equal(json_array_size(inc.rules), fx->v.nfired);
	assert_non_null(rule = rule_named(inc.rules, "my_number"));
	assert_string_equal(json_string_value(json_object_get(rule, "action")), "reject");
	assert_non_null(strstr(json_string_value(json_object_get(rule, "reason")), "マイナンバー"));
	assert_non_null(rule = rule_named(inc.rules, "personal_data"));
	assert_string_equal(json_string_value(json_object_get(rule, "action")), "hold");
	assert_null(rule_named(inc.rules, "mass_recipients"));

	/* Findings: counts, and at most INCIDENT_SAMPLES masked samples. */
	assert_non_null(f = json_object_get(inc.findings, "phone"));
	assert_int_equal(json_integer_value(json_object_get(f, "count")), NPHONES);
	assert_int_equal(json_array_size(json_object_get(f, "samples")), INCIDENT_SAMPLES);
	assert_non_null(f = json_object_get(inc.findings, "my_number"));
	assert_int_equal(json_integer_value(json_object_get(f, "count")), 1);
	assert_int_equal(json_array_size(json_object_get(f, "samples")), 1);
	assert_non_null(strchr(json_string_value(json_array_get(json_object_get(f, "samples"), 0)),
	    '*'));
	assert_null(json_object_get(inc.findings, "credit_card"));	/* types found only */
	assert_int_equal(json_array_size(inc.parts), r->nparts);
	incident_clear(&inc);

	/* Only hold and reject make incidents. */
	assert_int_equal(incident_from_scan(&inc, r, &fx->v, "q", ACT_PASS, now, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "pass"));
	assert_null(inc.rules);
	assert_int_equal(incident_from_scan(&inc, r, &fx->v, NULL, ACT_HOLD, now, err,
	    sizeof(err)), 0);
	assert_string_equal(inc.status, "held");
	assert_null(inc.queue_id);
	incident_clear(&inc);
}

/* No value the detectors found appears in full in text. */
static void assert_no_full_value(const struct scan_result *r, const char *text)
{
	static const char *const written[] = { "1234 5678 9018", "123456789018",
	    "090-2345-6100", "09023456100", "hanako.suzuki@mail.example.com",
	    "person03@mail.example.com", NULL };
	size_t total = 0;

	for (int t = 0; t < FT_COUNT; t++) {
		for (size_t i = 0; r->values[t] && i < valueset_count(r->values[t]); i++) {
			const char *v = valueset_get(r->values[t], i);
			if (strstr(text, v))
				fail_msg("full %s value %s in JSON", finding_type_name(t), v);
			total++;
		}
	}
	assert_true(total >= 2 * NPHONES + 3);	/* the check saw the values */
	for (size_t i = 0; written[i]; i++)
		if (strstr(text, written[i]))
			fail_msg("value as written %s in JSON", written[i]);
}

static void test_no_full_value_in_json(void **state)
{
	struct fx *fx = *state;
	struct incident inc, got;
	char err[512] = "", path[128];
	struct reg *rg;
	json_t *j;
	char *text;

	assert_int_equal(incident_from_scan(&inc, fx->res, &fx->v, "4XyZ1abc", ACT_REJECT,
	    time(NULL), err, sizeof(err)), 0);
	j = incident_json(&inc);
	assert_non_null(j);
	text = json_dumps(j, 0);
	assert_non_null(strstr(text, "\"my_number\""));
	assert_no_full_value(fx->res, text);
	free(text);
	json_decref(j);

	/* And as stored in and read back from the register. */
	snprintf(path, sizeof(path), "%s/incidents.db", fx->dir);
	rg = reg_open(path, REG_RW, err, sizeof(err));
	assert_non_null(rg);
	assert_int_equal(reg_insert(rg, &inc, "dlp-milter", err, sizeof(err)), 0);
	assert_int_equal(reg_get(rg, inc.id, &got, err, sizeof(err)), 0);
	assert_true(json_equal(got.findings, inc.findings));
	assert_true(json_equal(got.parts, inc.parts));
	j = incident_json(&got);
	text = json_dumps(j, 0);
	assert_no_full_value(fx->res, text);
	free(text);
	json_decref(j);
	incident_clear(&got);
	incident_clear(&inc);
	reg_close(rg);
}

static void test_json_shape(void **state)
{
	struct fx *fx = *state;
	struct incident inc;
	char err[256] = "";
	json_t *j, *rc;

	assert_int_equal(incident_from_scan(&inc, fx->res, &fx->v, "Q1", ACT_HOLD,
	    1795000000, err, sizeof(err)), 0);
	j = incident_json(&inc);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")), inc.id);
	assert_int_equal(json_integer_value(json_object_get(j, "created_epoch")), 1795000000);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "created"))), 24);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "held");
	rc = json_object_get(j, "recipients");
	assert_int_equal(json_integer_value(json_object_get(rc, "external")), 2);
	assert_true(json_equal(json_object_get(j, "rules"), inc.rules));
	assert_true(json_is_null(json_object_get(j, "updated_by")));
	json_decref(j);
	incident_clear(&inc);
}

/* The approvals an approve hold needs: its approve rules' largest, the
 * default written in where a rule has none, other actions ignored. */
static void test_approvals(void **state)
{
	struct incident inc;

	memset(&inc, 0, sizeof(inc));
	assert_int_equal(incident_approvals(&inc, 1), 1);	/* no rules */
	inc.rules = json_pack("[{s:s,s:s},{s:s,s:s,s:i}]", "name", "a", "action", "approve",
	    "name", "h", "action", "hold", "approvals", 2);
	assert_int_equal(incident_approvals(&inc, 1), 1);	/* a hold's does not count */
	incident_set_approvals(&inc, 2);
	assert_int_equal(incident_approvals(&inc, 1), 2);	/* remembered */
	json_decref(inc.rules);
	inc.rules = json_pack("[{s:s,s:s,s:i},{s:s,s:s}]", "name", "one", "action", "approve",
	    "approvals", 1, "name", "b", "action", "approve");
	incident_set_approvals(&inc, 2);	/* b takes [web] approvals = 2 */
	assert_int_equal(incident_approvals(&inc, 1), 2);
	json_decref(inc.rules);
	inc.rules = json_pack("[{s:s,s:s,s:i}]", "name", "one", "action", "approve",
	    "approvals", 1);
	incident_set_approvals(&inc, 2);
	assert_int_equal(incident_approvals(&inc, 2), 1);	/* the rule's, not the default */
	json_decref(inc.rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_is_as_expected),
		cmocka_unit_test(test_fields_from_scan),
		cmocka_unit_test(test_no_full_value_in_json),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_approvals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
