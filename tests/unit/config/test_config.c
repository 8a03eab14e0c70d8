/*
 * test_config.c — conf_load(): the shipped example, defaults and bounds from
 * the key table, units, multi-line values, and every kind of error with its
 * file:line (and column for `when`), all of them reported at once.
 */
#include <setjmp.h>
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

#define MINIMAL "[general]\ninternal_domains = example.go.jp\n"

static char tmpdir[64];
static char tmpconf[128];
static char err[16384];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(tmpconf, sizeof(tmpconf), "%s/t.conf", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	unlink(tmpconf);
	rmdir(tmpdir);
	return 0;
}

/* Path of a file in the source tree (tests run from the repository root). */
static const char *src_path(const char *rel)
{
	static char buf[512];
	const char *root = getenv("DLP_SRCDIR");

	snprintf(buf, sizeof(buf), "%s/%s", root ? root : ".", rel);
	return buf;
}

static void write_text(const char *text)
{
	FILE *fp = fopen(tmpconf, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static struct conf *load_text(const char *text)
{
	write_text(text);
	return conf_load(tmpconf, err, sizeof(err));
}

static struct conf *load_ok(const char *text)
{
	struct conf *cf = load_text(text);

	if (!cf)
		fail_msg("unexpected errors:\n%s", err);
	return cf;
}

static int count_lines(const char *s)
{
	int n = *s ? 1 : 0;

	while (*s)
		n += *s++ == '\n';
	return n;
}

/* err holds a line "path:line[:col]: ...needle..." */
static void expect_error(const char *path, int line, int col, const char *needle)
{
	char head[600];
	const char *p = err;

	if (col)
		snprintf(head, sizeof(head), "%s:%d:%d: ", path, line, col);
	else if (line)
		snprintf(head, sizeof(head), "%s:%d: ", path, line);
	else
		snprintf(head, sizeof(head), "%s: ", path);
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char one[2048];

		snprintf(one, sizeof(one), "%.*s", (int)len, p);
		if (strncmp(one, head, strlen(head)) == 0 && strstr(one, needle))
			return;
		p = eol ? eol + 1 : NULL;
	}
	fail_msg("no error \"%s...%s\" in:\n%s", head, needle, err);
}

/* Load text, expecting it to fail with exactly one error. */
static void expect_only(const char *text, int line, int col, const char *needle)
{
	struct conf *cf = load_text(text);

	if (cf) {
		conf_unref(cf);
		fail_msg("loaded, expected \"%s\"", needle);
	}
	expect_error(tmpconf, line, col, needle);
	if (count_lines(err) != 1)
		fail_msg("expected one error, got:\n%s", err);
}

static long long field_value(const struct conf *cf, const struct conf_key *k)
{
	const char *p = (const char *)cf + k->offset;

	switch (k->size) {
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	case 8: { uint64_t v; memcpy(&v, p, 8); return (long long)v; }
	default: fail_msg("key %s: field size %zu", k->name, k->size);
	}
	return -1;
}

static const struct conf_key *key(const char *section, const char *name)
{
	for (size_t i = 0; i < conf_nkeys; i++)
		if (!strcmp(conf_keys[i].section, section) && !strcmp(conf_keys[i].name, name))
			return &conf_keys[i];
	fail_msg("no key [%s] %s", section, name);
	return NULL;
}

static const struct conf_rule *rule(const struct conf *cf, const char *name)
{
	for (size_t i = 0; i < cf->nrules; i++)
		if (!strcmp(cf->rules[i].name, name))
			return &cf->rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

static void test_shipped_config(void **state)
{
	static const char *const names[] = { "my_number", "credit_card", "personal_data_volume",
		"mass_recipients", "series_recipients", "encrypted_attachment", "unscanned_attachment",
		"identity_numbers" };
	static const enum action acts[] = { ACT_REJECT, ACT_REJECT, ACT_HOLD, ACT_HOLD, ACT_HOLD,
		ACT_HOLD, ACT_HOLD, ACT_HOLD };
	const char *path = src_path("config/dlp-milter.conf");
	struct conf *cf = conf_load(path, err, sizeof(err));
	char buf[256];

	if (!cf)
		fail_msg("%s", err);
	assert_int_equal(cf->n_internal, 1);
	assert_string_equal(cf->internal_domains[0], "example.go.jp");
	assert_null(cf->internal_domains[1]);
	assert_string_equal(cf->var_dir, "./var");
	assert_string_equal(cf->spool_dir, "./var/spool");
	conf_var_path(cf, "incidents.db", buf, sizeof(buf));
	assert_string_equal(buf, "./var/incidents.db");
	assert_int_equal(cf->nrules, 8);
	for (size_t i = 0; i < 8; i++) {
		const struct conf_rule *r = &cf->rules[i];
		assert_string_equal(r->name, names[i]);
		assert_int_equal(r->action, acts[i]);
		assert_non_null(r->when);
		/* Japanese first (a UTF-8 lead byte), then an English line. */
		assert_true((unsigned char)r->reason[0] >= 0xE3);
		assert_non_null(strchr(r->reason, '\n'));
		assert_null(strchr(r->reason, '\t'));
	}
	assert_string_equal(cf->rules[0].when_src, "external > 0 and my_number >= 1");
	assert_int_equal(count_lines(rule(cf, "personal_data_volume")->reason), 5);
	/* the shipped reasons name the rules' own numbers, not literal ones */
	assert_non_null(strstr(rule(cf, "mass_recipients")->reason, "{threshold}"));
	assert_non_null(strstr(rule(cf, "mass_recipients")->advice, "Bcc"));
	assert_null(cf->warnings);
	assert_string_equal(cf->notice_from, "dlp-notice@example.go.jp");
	assert_int_equal(cf->on_error, ONERR_TEMPFAIL);
	conf_unref(cf);
}

static void test_shipped_policy(void **state)
{
	struct conf *cf = conf_load(src_path("config/dlp-milter.conf"), err, sizeof(err));
	long c[SC_COUNT] = { 0 };
	struct verdict v;
	char buf[256];

	if (!cf)
		fail_msg("%s", err);
	/* Internal mail with everything in it passes. */
	c[SC_MY_NUMBER] = 3;
	c[SC_CREDIT_CARD] = 2;
	c[SC_PERSONAL_ITEMS] = 500;
	c[SC_ENCRYPTED] = c[SC_UNSCANNED] = 1;
	c[SC_RECIPIENTS] = 40;
	policy_decide(cf, c, &v);
	assert_int_equal(v.action, ACT_PASS);
	assert_string_equal(verdict_rules(&v, buf, sizeof(buf)), "-");
	/* The same to one external address: all but mass_recipients fire. */
	c[SC_EXTERNAL] = 1;
	policy_decide(cf, c, &v);
	assert_int_equal(v.action, ACT_REJECT);
	assert_string_equal(verdict_rules(&v, buf, sizeof(buf)), "my_number,credit_card,"
	    "personal_data_volume,encrypted_attachment,unscanned_attachment");
	/* The 2020 incident: 49 people's data to 144 visible external addresses. */
	memset(c, 0, sizeof(c));
	c[SC_PERSONAL_ITEMS] = 98;
	c[SC_RECIPIENTS] = c[SC_EXTERNAL] = c[SC_EXTERNAL_VISIBLE] = 144;
	policy_decide(cf, c, &v);
	assert_int_equal(v.action, ACT_HOLD);
	assert_string_equal(verdict_rules(&v, buf, sizeof(buf)),
	    "personal_data_volume,mass_recipients");
	/* Nine visible, nine items: under both thresholds. */
	c[SC_PERSONAL_ITEMS] = c[SC_EXTERNAL_VISIBLE] = 9;
	policy_decide(cf, c, &v);
	assert_int_equal(v.action, ACT_PASS);
	/* series_recipients is shipped on, sender_burst commented out.  Nine
	 * recipients a send: the sixth (54 reached) is held, the fifth (45) and
	 * one message of 54 alone (mass_recipients' business) are not. */
	assert_true(policy_uses(cf, SC_SERIES_EXTERNAL));
	assert_false(policy_uses(cf, SC_SENDER_BYTES_HOUR));
	memset(c, 0, sizeof(c));
	c[SC_RECIPIENTS] = c[SC_EXTERNAL] = c[SC_EXTERNAL_VISIBLE] = 9;
	c[SC_SERIES_EXTERNAL] = 45;
	policy_decide(cf, c, &v);
	assert_int_equal(v.action, ACT_PASS);
	c[SC_SERIES_EXTERNAL] = 54;
	policy_decide(cf, c, &v);
	assert_int_equal(v.action, ACT_HOLD);
	assert_string_equal(verdict_rules(&v, buf, sizeof(buf)), "series_recipients");
	c[SC_RECIPIENTS] = c[SC_EXTERNAL] = 54;
	policy_decide(cf, c, &v);
	assert_int_equal(v.action, ACT_PASS);
	/* One identifier of any of the six kinds, to an external address. */
	for (int t = SC_BANK_ACCOUNT; t <= SC_HEALTH_INSURANCE; t++) {
		memset(c, 0, sizeof(c));
		c[t] = 1;
		c[SC_RECIPIENTS] = 1;
		policy_decide(cf, c, &v);
		assert_int_equal(v.action, ACT_PASS);	/* internal */
		c[SC_EXTERNAL] = 1;
		policy_decide(cf, c, &v);
		assert_int_equal(v.action, ACT_HOLD);
		assert_string_equal(verdict_rules(&v, buf, sizeof(buf)), "identity_numbers");
	}
	conf_unref(cf);
}

static void test_defaults(void **state)
{
	struct conf *cf = load_ok(MINIMAL);

	assert_string_equal(cf->socket, "inet:8890@127.0.0.1");
	assert_int_equal(cf->on_error, ONERR_TEMPFAIL);
	assert_int_equal(cf->timeout, 60);
	assert_string_equal(cf->user, "");
	assert_string_equal(cf->group, "");
	assert_string_equal(cf->pidfile, "");
	assert_int_equal(cf->socket_mode, 0660);
	assert_string_equal(cf->var_dir, "/var/lib/dlp-milter");
	assert_string_equal(cf->spool_dir, "/var/lib/dlp-milter/spool");
	assert_string_equal(cf->log_facility, "mail");
	assert_int_equal(cf->limits.spool_memory, 1 << 20);
	assert_int_equal(cf->limits.max_message_bytes, 64 << 20);
	assert_int_equal(cf->limits.max_depth, 8);
	assert_int_equal(cf->limits.max_parts, 1000);
	assert_int_equal(cf->limits.max_members, 1000);
	assert_int_equal(cf->limits.max_member_bytes, 64 << 20);
	assert_int_equal(cf->limits.max_expanded_bytes, 256 << 20);
	assert_int_equal(cf->limits.max_ratio, 200);
	assert_int_equal(cf->limits.max_text_bytes, 4 << 20);
	assert_int_equal(cf->limits.time_budget_ms, 60000);
	assert_int_equal(cf->retention_days, 90);
	assert_string_equal(cf->release_relay, "smtp://127.0.0.1:10026");
	assert_string_equal(cf->notice_from, "postmaster@localhost");
	assert_string_equal(cf->notice_admin, "");
	assert_string_equal(cf->notice_relay, "");
	assert_string_equal(cf->notice_templates, "");
	assert_int_equal(cf->nrules, 0);
	/* Every numeric default lies within its own bounds. */
	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (strcmp(k->section, "rule") == 0)
			continue;	/* a rule's numbers: test_rule_delay, test_approval_keys */
		if (k->type == CT_INT || k->type == CT_SIZE || k->type == CT_DURATION ||
		    k->type == CT_MODE) {
			long long v = field_value(cf, k);
			assert_in_range(v, k->min, k->max);
		}
	}
	conf_unref(cf);
}

static void test_key_table(void **state)
{
#define OFF(f) offsetof(struct conf, f)
	static const size_t fields[] = { OFF(socket), OFF(on_error), OFF(timeout), OFF(user),
		OFF(group), OFF(pidfile), OFF(socket_mode), OFF(socket_group),
		OFF(internal_domains), OFF(var_dir), OFF(own_numbers), OFF(internal_addresses),
		OFF(log_facility), OFF(limits.spool_memory),
		OFF(limits.max_message_bytes), OFF(limits.max_depth), OFF(limits.max_parts), OFF(limits.max_members),
		OFF(limits.max_member_bytes), OFF(limits.max_expanded_bytes), OFF(limits.max_ratio),
		OFF(limits.max_text_bytes), OFF(limits.max_base64_runs), OFF(limits.time_budget_ms), OFF(workers),
		OFF(limits.ocr), OFF(limits.ocr_max_pixels), OFF(limits.ocr_unscanned),
		OFF(worker_jobs), OFF(worker_memory), OFF(worker_cpu_ms), OFF(retention_days),
		OFF(register_url), OFF(register_password_file), OFF(series_window),
		OFF(series_max_rows), OFF(release_relay), OFF(notice_from), OFF(notice_admin), OFF(notice_relay),
		OFF(notice_templates), OFF(web_listen), OFF(web_base_url), OFF(web_tls_cert),
		OFF(web_tls_key), OFF(web_behind_proxy), OFF(web_session_ttl), OFF(web_link_ttl),
		OFF(web_signin_limit), OFF(web_threads), OFF(web_approvals), OFF(web_proxy_after),
		OFF(web_link_password) };
#undef OFF
	int required = 0, rulekeys = 0;

	/* Every settable field of struct conf and struct scan_limits, once. */
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		int n = 0;
		for (size_t i = 0; i < conf_nkeys; i++)
			n += !conf_key_named(&conf_keys[i]) && conf_keys[i].offset == fields[f];
		assert_int_equal(n, 1);
	}
	for (size_t i = 0; i < conf_nkeys; i++)
		rulekeys += !strcmp(conf_keys[i].section, "rule");
	assert_int_equal(rulekeys, 6);
	assert_int_equal(conf_nkeys, sizeof(fields) / sizeof(fields[0]) + 6 +
	    6 /* [dictionary] words, file; [pattern] regex; [list] addresses, domains, groups */);
	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		int rulekey = conf_key_named(k);

		assert_non_null(k->desc);
		assert_in_range(strlen(k->desc), 10, 100);
		assert_null(strchr(k->desc, '\n'));
		assert_string_not_equal(conf_type_name(k->type), "?");
		for (size_t j = 0; j < i; j++)
			assert_false(!strcmp(conf_keys[j].section, k->section) &&
			    !strcmp(conf_keys[j].name, k->name));
		if (!k->def) {
			required++;
			assert_true((!strcmp(k->section, "general") && !strcmp(k->name, "internal_domains"))
			    || (rulekey && (!strcmp(k->name, "when") || !strcmp(k->name, "action")))
			    || (!strcmp(k->section, "pattern") && !strcmp(k->name, "regex")));
		}
		if (!rulekey)
			assert_true(k->size > 0 && k->offset + k->size <= sizeof(struct conf));
		switch (k->type) {
		case CT_INT: case CT_SIZE: case CT_DURATION: case CT_MODE:
			assert_true(k->min >= 0 && k->min < k->max);
			assert_true(k->size >= 8 || k->max <= INT32_MAX);
			assert_non_null(k->def);
			break;
		case CT_ENUM: case CT_ACTION:
			assert_non_null(k->choices);
			break;
		default:
			assert_true(k->min == 0 && k->max == 0);
		}
		if (k->choices && k->def) {
			char wrapped[400], def[64];
			snprintf(wrapped, sizeof(wrapped), "|%s|", k->choices);
			snprintf(def, sizeof(def), "|%s|", k->def);
			assert_non_null(strstr(wrapped, def));
		}
	}
	assert_int_equal(required, 4);
}

static void test_print_keys(void **state)
{
	char *out = NULL, *line, *save = NULL;
	size_t len = 0, rows = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_non_null(fp);
	conf_print_keys(fp);
	fclose(fp);
	line = strtok_r(out, "\n", &save);
	assert_string_equal(line, "| Section | Key | Type | Default | Bounds | Description |");
	line = strtok_r(NULL, "\n", &save);
	assert_string_equal(line, "| --- | --- | --- | --- | --- | --- |");
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		const struct conf_key *k = &conf_keys[rows];
		char head[128];
		int cells = 0;

		assert_true(rows < conf_nkeys);
		snprintf(head, sizeof(head), "| [%s%s] | %s | %s | ", k->section,
		    conf_key_named(k) ? " NAME" : "", k->name, conf_type_name(k->type));
		assert_memory_equal(line, head, strlen(head));
		for (const char *p = line; *p; p++)
			cells += *p == '|' && (p == line || p[-1] != '\\');
		assert_int_equal(cells, 7);
		rows++;
	}
	assert_int_equal(rows, conf_nkeys);
	free(out);
}

/* The README's key table is conf_print_keys()'s output, verbatim. */
static void test_readme_table(void **state)
{
	static const char *const docs[] = { "README.md", "config/README-config.md" };
	char *table = NULL, *doc;
	size_t len = 0, checked = 0;
	FILE *fp = open_memstream(&table, &len);

	assert_non_null(fp);
	conf_print_keys(fp);
	fclose(fp);
	for (size_t i = 0; i < 2; i++) {
		long n;
		if (!(fp = fopen(src_path(docs[i]), "r")))
			continue;
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		rewind(fp);
		doc = calloc(1, (size_t)n + 1);
		assert_non_null(doc);
		assert_int_equal(fread(doc, 1, (size_t)n, fp), n);
		fclose(fp);
		if (strstr(doc, "| Section | Key | Type |")) {
			if (!strstr(doc, table))
				fail_msg("%s: key table differs from conf_print_keys()", docs[i]);
			checked++;
		}
		free(doc);
	}
	assert_true(checked > 0);
	free(table);
}

/* A key's value in the file's notation (sizes in bytes, durations in s). */
static void number_text(const struct conf_key *k, long long v, char *buf, size_t len)
{
	if (k->type == CT_MODE)
		snprintf(buf, len, "%llo", v);
	else if (k->type == CT_DURATION)
		snprintf(buf, len, "%llds", v / 1000);
	else
		snprintf(buf, len, "%lld", v);
}

/* The other limit a byte limit must agree with (member <= expanded). */
static const char *companion(const struct conf_key *k)
{
	if (!strcmp(k->name, "max_member_bytes"))
		return "max_expanded_bytes = 16G\n";
	if (!strcmp(k->name, "max_expanded_bytes"))
		return "max_member_bytes = 64K\n";
	return "";
}

static void test_bounds(void **state)
{
	char text[1024], val[64];

	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		long long step = k->type == CT_DURATION ? 1000 : 1;
		struct conf *cf;

		if ((k->type != CT_INT && k->type != CT_SIZE && k->type != CT_DURATION &&
		    k->type != CT_MODE) || strcmp(k->section, "rule") == 0)
			continue;	/* a rule's numbers: test_rule_delay, test_approval_keys */
		for (int edge = 0; edge < 4; edge++) {
			long long v = edge == 0 ? k->min : edge == 1 ? k->max :
			    edge == 2 ? k->min - step : k->max + step;

			if (v < 0)
				continue;
			number_text(k, v, val, sizeof(val));
			snprintf(text, sizeof(text), MINIMAL "[%s]\n%s%s = %s\n", k->section,
			    companion(k), k->name, val);
			cf = load_text(text);
			if (edge < 2) {
				if (!cf)
					fail_msg("%s = %s: %s", k->name, val, err);
				assert_int_equal(field_value(cf, k), v);
				conf_unref(cf);
			} else {
				if (cf)
					fail_msg("%s = %s loaded", k->name, val);
				expect_error(tmpconf, 4 + (*companion(k) ? 1 : 0), 0, "out of bounds");
			}
		}
	}
}

/* The rule key delay: its units, default, bounds and errors, and that
 * it belongs to action delay only. */
static void test_rule_delay(void **state)
{
	static const struct { const char *text; long want; } good[] = {
		{ "2s", 2 }, { "90", 90 }, { "5m", 300 }, { "1h", 3600 }, { "24h", 86400 },
	};
	static const struct { const char *text, *msg; } bad[] = {
		{ "5x", "delay: bad duration '5x'" }, { "1.5m", "delay: bad duration" },
		{ "", "delay: bad duration ''" }, { "0", "delay: '0' is out of bounds (1s..24h)" },
		{ "25h", "'25h' is out of bounds (1s..24h)" }, { "-5m", "bad duration" },
	};
	char text[512];
	struct conf *cf;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), MINIMAL "[rule r]\nwhen = external > 0\naction = delay\n"
		    "delay = %s\n", good[i].text);
		cf = load_ok(text);
		assert_int_equal(cf->nrules, 1);
		assert_int_equal(cf->rules[0].action, ACT_DELAY);
		assert_int_equal(cf->rules[0].delay, good[i].want);
		conf_unref(cf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), MINIMAL "[rule r]\nwhen = external > 0\naction = delay\n"
		    "delay = %s\n", bad[i].text);
		expect_only(text, 6, 0, bad[i].msg);
	}
	/* the default: 5 minutes */
	cf = load_ok(MINIMAL "[rule r]\nwhen = external > 0\naction = delay\n");
	assert_int_equal(cf->rules[0].delay, 300);
	assert_int_equal(cf->rules[0].delay, RULE_DELAY_DEFAULT);
	conf_unref(cf);
	/* only for action delay, said at the key's line */
	expect_only(MINIMAL "[rule r]\nwhen = external > 0\ndelay = 2m\naction = hold\n", 5, 0,
	    "rule 'r': 'delay' is only for action = delay (the action is hold)");
	expect_only(MINIMAL "[rule r]\nwhen = external > 0\naction = delay\ndelay = 1m\n"
	    "delay = 2m\n", 7, 0, "duplicate key 'delay' (first at line 6)");
	/* a changed delay is a changed rule */
	{
		struct conf *a = load_ok(MINIMAL "[rule r]\nwhen = external > 0\naction = delay\n"
		    "delay = 1m\n");
		struct conf *b = load_ok(MINIMAL "[rule r]\nwhen = external > 0\naction = delay\n"
		    "delay = 2m\n");
		char buf[256];

		conf_diff_rules(a, b, buf, sizeof(buf));
		assert_non_null(strstr(buf, "rules changed: r"));
		conf_unref(a);
		conf_unref(b);
	}
}

static void test_units(void **state)
{
	static const struct { const char *key, *text; long long want; } good[] = {
		{ "max_text_bytes", "4096", 4096 }, { "max_text_bytes", "5K", 5120 },
		{ "max_text_bytes", "5k", 5120 }, { "max_text_bytes", "3M", 3 << 20 },
		{ "max_expanded_bytes", "2G", 2LL << 30 }, { "time_budget", "90", 90000 },
		{ "time_budget", "90s", 90000 }, { "time_budget", "5m", 300000 },
		{ "time_budget", "1h", 3600000 },
	};
	static const struct { const char *key, *text, *msg; } bad[] = {
		{ "max_text_bytes", "1.5M", "bad size '1.5M'" },
		{ "max_text_bytes", "1T", "bad size" }, { "max_text_bytes", "M", "bad size" },
		{ "max_text_bytes", "1 M", "bad size" }, { "max_text_bytes", "-4K", "bad size" },
		{ "max_text_bytes", "99999999999999999999", "bad size" },
		{ "max_text_bytes", "1024G", "out of bounds (4K..256M)" },
		{ "time_budget", "5d", "bad duration '5d'" }, { "time_budget", "1.5s", "bad duration" },
		{ "time_budget", "2h", "'2h' is out of bounds (1s..1h)" },
		{ "max_depth", "8x", "bad integer '8x'" }, { "max_depth", "", "bad integer ''" },
		{ "max_depth", "-1", "out of bounds (1..32)" },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct conf *cf;
		snprintf(text, sizeof(text), MINIMAL "[limits]\n%s = %s\n", good[i].key, good[i].text);
		cf = load_ok(text);
		assert_int_equal(field_value(cf, key("limits", good[i].key)), good[i].want);
		conf_unref(cf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), MINIMAL "[limits]\n%s = %s\n", bad[i].key, bad[i].text);
		expect_only(text, 4, 0, bad[i].msg);
	}
	expect_only(MINIMAL "[milter]\nsocket_mode = 0680\n", 4, 0, "bad mode '0680'");
	expect_only(MINIMAL "[limits]\nmax_member_bytes = 300M\n", 4, 0,
	    "max_member_bytes (314572800) is larger than max_expanded_bytes (268435456)");
}

/* many-errors.conf holds one error on each marked line; many-errors.expect
 * has the messages, exactly, as "LINE[:COL]: message", in order. */
static void test_all_errors_reported(void **state)
{
	char path[512], want[1024], have[1024];
	const char *p = err;
	FILE *fp;
	int n = 0;

	snprintf(path, sizeof(path), "%s", src_path("tests/unit/data/conf/many-errors.conf"));
	assert_null(conf_load(path, err, sizeof(err)));
	assert_non_null(fp = fopen(src_path("tests/unit/data/conf/many-errors.expect"), "r"));
	while (fgets(want, sizeof(want), fp)) {
		const char *eol = strchr(p, '\n');

		want[strcspn(want, "\n")] = '\0';
		snprintf(have, sizeof(have), "%.*s", (int)(eol ? eol - p : (long)strlen(p)), p);
		if (strncmp(have, path, strlen(path)) || have[strlen(path)] != ':' ||
		    strcmp(have + strlen(path) + 1, want))
			fail_msg("error %d: want %s:%s\nhave %s", n + 1, path, want, have);
		p = eol ? eol + 1 : "";
		n++;
	}
	fclose(fp);
	assert_int_equal(n, 16);
	assert_int_equal(count_lines(err), n);
}

/* The register commands' load: errors only in rules leave the rest. */
static void test_admin_load(void **state)
{
	static const char base[] = "[general]\ninternal_domains = example.go.jp\n"
	    "var_dir = /srv/dlp\n[release]\nrelay = smtp://127.0.0.1:10026\n"
	    "[rule ok]\nwhen = external > 0\naction = hold\n";
	char text[1024];
	struct conf *cf;
	bool partial = true;

	write_text(base);
	cf = conf_load_admin(tmpconf, err, sizeof(err), &partial);
	assert_non_null(cf);
	assert_false(partial);
	assert_int_equal(cf->nrules, 1);
	conf_unref(cf);

	/* A typo in a `when` and a rule without an action: a warning. */
	snprintf(text, sizeof(text), "%s[rule typo]\nwhen = external_visibel >= 5\n"
	    "action = hold\n[rule half]\nwhen = external > 0\n", base);
	write_text(text);
	assert_null(conf_load(tmpconf, err, sizeof(err)));
	cf = conf_load_admin(tmpconf, err, sizeof(err), &partial);
	assert_non_null(cf);
	assert_true(partial);
	assert_int_equal(cf->nrules, 0);	/* no policy from a broken file */
	assert_string_equal(cf->var_dir, "/srv/dlp");
	assert_string_equal(cf->release_relay, "smtp://127.0.0.1:10026");
	assert_non_null(strstr(err, ":10:"));	/* the typo's FILE:LINE */
	assert_non_null(strstr(err, "rule 'half' has no 'action'"));
	conf_unref(cf);

	/* A bad rule header is a rule problem too; one outside the rules is not. */
	snprintf(text, sizeof(text), "%s[rule bad name!]\nwhen = external > 0\n", base);
	write_text(text);
	cf = conf_load_admin(tmpconf, err, sizeof(err), &partial);
	assert_non_null(cf);
	conf_unref(cf);
	snprintf(text, sizeof(text), "%s[rule typo]\nwhen = externl > 0\naction = hold\n"
	    "[release]\nrelay = not-a-url\n", base);
	write_text(text);
	assert_null(conf_load_admin(tmpconf, err, sizeof(err), &partial));
	assert_non_null(strstr(err, "relay"));
}

static void test_admin_addresses(void **state)
{
	static const char base[] = "[general]\ninternal_domains = example.go.jp\n"
	    "var_dir = /srv/dlp\n[notice]\nfrom = dlp@example.go.jp\nadmin = ";
	char text[512];
	struct conf *cf;

	snprintf(text, sizeof(text), "%sa1@example.go.jp, a2@example.go.jp\n", base);
	cf = load_text(text);
	assert_non_null(cf);
	conf_unref(cf);
	snprintf(text, sizeof(text), "%sa1@example.go.jp, not-an-address\n", base);
	assert_null(load_text(text));
	assert_non_null(strstr(err, ":6: "));
	assert_non_null(strstr(err, "bad mail address 'not-an-address'"));

	/* own_numbers: numbers and ranges; internal_addresses: count|exclude */
	snprintf(text, sizeof(text), "%s\n[general]\nown_numbers = 03-5253-1111, 03-5253-*,"
	    " (0120)123-xxx\ninternal_addresses = exclude\n", base);
	cf = load_text(text);
	assert_non_null(cf);
	assert_int_equal(cf->internal_addresses, 1);
	conf_unref(cf);
	snprintf(text, sizeof(text), "%s\n[general]\nown_numbers = 03-5253-1*1\n", base);
	assert_null(load_text(text));
	assert_non_null(strstr(err, "bad number '03-5253-1*1'"));
}

static void test_diff_rules(void **state)
{
	static const char base[] = "[general]\ninternal_domains = example.go.jp\n"
	    "var_dir = /srv/dlp\n";
	char text[1024], what[400];
	struct conf *a, *b;

	snprintf(text, sizeof(text), "%s[rule keep]\nwhen = external > 0\naction = hold\n"
	    "[rule edit]\nwhen = phone > 0\naction = hold\n"
	    "[rule gone]\nwhen = email > 0\naction = tag\n", base);
	a = load_ok(text);
	snprintf(text, sizeof(text), "%s[rule keep]\nwhen = external > 0\naction = hold\n"
	    "[rule edit]\nwhen = phone > 0\naction = reject\n"
	    "[rule new1]\nwhen = email > 0\naction = tag\n"
	    "[rule new2]\nwhen = email > 1\naction = tag\n", base);
	b = load_ok(text);
	conf_diff_rules(a, b, what, sizeof(what));
	assert_string_equal(what, "rules added: new1, new2; rules removed: gone; rules changed: edit");
	conf_diff_rules(b, b, what, sizeof(what));
	assert_string_equal(what, "rules unchanged (4)");
	conf_diff_rules(a, b, what, 20);	/* cut, still a string */
	assert_int_equal(strlen(what), 19);
	conf_unref(a);
	conf_unref(b);
}

/* A reason or advice whose number is not the rule's threshold, or whose
 * placeholder names nothing: the config loads, with a warning at the file
 * line and column of that text (what dlp-milter -n prints). */
static void test_reason_warnings(void **state)
{
	char want[512];
	struct conf *cf;

	cf = load_ok(MINIMAL "[rule mass]\n"			/* line 3 */
	    "when = external_visible >= 5\n"
	    "action = hold\n"
	    "reason = 宛先に10件以上の外部アドレス（{threshold} 件以上で保留）\n"	/* line 6 */
	    "\t{external_visible} visible, {bogus}\n"
	    "advice = Bcc に移して送り直してください。{threshold:email}\n");	/* line 8 */
	assert_non_null(cf->warnings);
	snprintf(want, sizeof(want), "%s:6:13: warning: rule 'mass': reason: the number 10 is "
	    "not what 'when' compares with (5): write {threshold} so the text follows the rule\n"
	    "%s:7:30: warning: rule 'mass': reason: {bogus}: unknown placeholder", tmpconf, tmpconf);
	assert_non_null(strstr(cf->warnings, want));
	snprintf(want, sizeof(want), "%s:8:28: warning: rule 'mass': advice: {threshold:email}: "
	    "'when' does not compare email with a number\n", tmpconf);
	assert_non_null(strstr(cf->warnings, want));
	assert_int_equal(count_lines(cf->warnings), 4);	/* three lines, each ending in \n */
	assert_string_equal(cf->rules[0].advice, "Bcc に移して送り直してください。{threshold:email}");
	conf_unref(cf);
	/* the same reason with placeholders: no warning; no advice: NULL */
	cf = load_ok(MINIMAL "[rule mass]\nwhen = external_visible >= 5\naction = hold\n"
	    "reason = 宛先に{threshold}件以上、{external_visible} 件\n");
	assert_null(cf->warnings);
	assert_null(cf->rules[0].advice);
	conf_unref(cf);
}

static void test_section_errors(void **state)
{
	expect_only(MINIMAL "[milter\nsocket = unix:/x\n", 3, 0, "missing ']'");
	expect_only(MINIMAL "[milter] extra\n", 3, 0, "text after ']'");
	expect_only(MINIMAL "[rule]\nwhen = 1\naction = tag\n", 3, 0, "without a name");
	expect_only(MINIMAL "[rule a/b]\nwhen = 1\naction = tag\n", 3, 0, "bad rule name 'a/b'");
	expect_only(MINIMAL "[Milter]\n", 3, 0, "unknown section [Milter]");
	expect_only(MINIMAL "[milter]\n= 5\n", 4, 0, "missing key name");
	expect_only("[milter]\ntimeout = 9\n", 0, 0,
	    "missing required key 'internal_domains' in [general]");
	expect_only("[general]\nvar_dir = /x\n", 1, 0, "missing required key 'internal_domains'");
	/* A rule with neither key: both named, at its header line. */
	assert_null(load_text(MINIMAL "\n[rule empty]\n"));
	expect_error(tmpconf, 4, 0, "rule 'empty' has no 'when'");
	expect_error(tmpconf, 4, 0, "rule 'empty' has no 'action'");
	assert_int_equal(count_lines(err), 2);
	/* Same-named rule in a later section, with an error of its own ignored. */
	expect_only(MINIMAL "[rule a]\nwhen = 1\naction = tag\n[rule a]\nwhen = )\n", 6, 0,
	    "duplicate rule 'a' (first at line 3)");
}

/* Supervisor approval's keys: [web] proxy_after (a duration, 0 never),
 * approver_link_password, and a rule's approvals (action approve only). */
static void test_approval_keys(void **state)
{
	struct conf *cf = load_ok(MINIMAL);

	assert_int_equal(cf->web_proxy_after, 4 * 3600 * 1000L);
	assert_int_equal(cf->web_link_password, 0);
	conf_unref(cf);
	cf = load_ok(MINIMAL "[web]\nproxy_after = 3s\napprover_link_password = yes\n"
	    "[rule a]\nwhen = 1\naction = approve\napprovals = 2\n"
	    "[rule b]\nwhen = 1\naction = approve\n");
	assert_int_equal(cf->web_proxy_after, 3000);
	assert_int_equal(cf->web_link_password, 1);
	assert_int_equal(rule(cf, "a")->approvals, 2);
	assert_int_equal(rule(cf, "b")->approvals, 0);
	conf_unref(cf);
	cf = load_ok(MINIMAL "[web]\nproxy_after = 0\n");
	assert_int_equal(cf->web_proxy_after, 0);
	conf_unref(cf);
	expect_only(MINIMAL "[rule r]\nwhen = 1\naction = approve\napprovals = 3\n", 6, 0,
	    "approvals: '3' is out of bounds (1..2)");
	expect_only(MINIMAL "[rule r]\nwhen = 1\napprovals = 2\naction = hold\n", 5, 0,
	    "rule 'r': approvals is for action = approve only");
	expect_only(MINIMAL "[rule r]\nwhen = 1\naction = approve\napprovals = 1\napprovals = 2\n",
	    7, 0, "duplicate key 'approvals' (first at line 6)");
	expect_only(MINIMAL "[web]\napprover_link_password = maybe\n", 4, 0, "bad value 'maybe'");
}

static void test_key_errors(void **state)
{
	expect_only(MINIMAL "[milter]\ntimeout = 9\ntimeout = 10\n", 5, 0,
	    "duplicate key 'timeout' (first at line 4)");
	expect_only(MINIMAL "[milter]\nsocket = unix:/a\n[milter]\nsocket = unix:/b\n", 6, 0,
	    "duplicate key 'socket' (first at line 4)");
	expect_only(MINIMAL "[rule r]\nwhen = 1\naction = tag\nwhen = 2\n", 6, 0,
	    "duplicate key 'when' (first at line 4)");
	expect_only(MINIMAL "[milter]\ntimeout = 9\n  timeout = 10\n", 5, 0,
	    "indented line continues 'timeout'");
	expect_only(MINIMAL "[milter]\nsokcet = unix:/a\n", 4, 0, "unknown key 'sokcet' in [milter]");
	expect_only(MINIMAL "[rule r]\nwhen = 1\naction = tag\nmax_depth = 2\n", 6, 0,
	    "unknown key 'max_depth' in [rule NAME] (it belongs in [limits])");
	expect_only(MINIMAL "[notice]\nwhen = 1\n", 4, 0, "(it belongs in [rule NAME])");
	expect_only(MINIMAL "[rule r]\nwhen = 1\naction = Reject\n", 5, 0, "bad action 'Reject'");
	expect_only(MINIMAL "[milter]\non_error = TEMPFAIL\n", 4, 0, "bad value 'TEMPFAIL'");
	expect_only(MINIMAL "[general]\nlog_facility = local9\n", 4, 0,
	    "bad value 'local9' (one of auth, authpriv");
	expect_only(MINIMAL "[general]\nvar_dir =\n", 4, 0, "var_dir: must not be empty");
	expect_only(MINIMAL "[milter]\nthis is not a pair\n", 4, 0, "expected 'key = value'");
	expect_only(MINIMAL "[milter]\ntimeout = 9 ; nine\n", 4, 0, "bad integer '9 ; nine'");
}

/* [register] url: a PostgreSQL URL without a password; password_file
 * relative to the config file's directory. */
static void test_register_url(void **state)
{
	struct conf *cf;
	char loc[512];

	expect_only(MINIMAL "[register]\nurl = mysql://db/dlp\n", 4, 0,
	    "url: 'mysql://db/dlp' is not postgresql://");
	expect_only(MINIMAL "[register]\nurl = postgresql://dlp:secret@db/dlp\n", 4, 0,
	    "url: a password in the URL; put it in password_file");
	expect_only(MINIMAL "[register]\nurl = postgres://db/dlp?password=x\n", 4, 0,
	    "a password in the URL");
	cf = load_ok(MINIMAL "[register]\nurl = postgresql://dlp@db:5432/dlp?sslmode=verify-full\n"
	    "password_file = db-password\n");
	conf_register_location(cf, loc, sizeof(loc));
	assert_string_equal(loc, "postgresql://dlp@db:5432/dlp?sslmode=verify-full");
	assert_non_null(conf_register_password_file(cf));
	assert_true(conf_register_password_file(cf)[0] == '/' ||
	    strchr(conf_register_password_file(cf), '/'));
	assert_non_null(strstr(conf_register_password_file(cf), "/db-password"));
	conf_unref(cf);
	cf = load_ok(MINIMAL);
	conf_register_location(cf, loc, sizeof(loc));
	assert_non_null(strstr(loc, "/incidents.db"));
	assert_null(conf_register_password_file(cf));
	conf_unref(cf);
}

static void test_string_forms(void **state)
{
	/* bad == NULL: accepted and stored as written. */
	static const struct { const char *sec, *key, *val, *bad; } cases[] = {
		{ "milter", "socket", "inet:8890", NULL }, { "milter", "socket", "inet:1@a.b", NULL },
		{ "milter", "socket", "inet6:8890@[::1]", NULL },
		{ "milter", "socket", "unix:/run/dlp/sock", NULL },
		{ "milter", "socket", "local:/tmp/s", NULL }, { "milter", "socket", "8890", "bad socket" },
		{ "milter", "socket", "inet:", "bad socket" }, { "milter", "socket", "inet:0@x", "bad socket" },
		{ "milter", "socket", "inet:70000", "bad socket" },
		{ "milter", "socket", "inet:8890@", "bad socket" },
		{ "milter", "socket", "unix:relative", "bad socket" },
		{ "milter", "socket", "tcp:1", "bad socket" },
		{ "release", "relay", "smtp://127.0.0.1:10026", NULL },
		{ "release", "relay", "smtp://mx", NULL }, { "notice", "relay", "smtp://[::1]:25", NULL },
		{ "notice", "relay", "", NULL }, { "release", "relay", "", "bad relay ''" },
		{ "release", "relay", "127.0.0.1:25", "bad relay" },
		{ "release", "relay", "smtp://", "bad relay" }, { "notice", "relay", "smtp://h:0", "bad relay" },
		{ "release", "relay", "smtp://h:25/x", "bad relay" },
		{ "release", "relay", "smtp://[::1", "bad relay" },
		{ "release", "relay", "lmtp://h:24", "bad relay" },
		{ "notice", "from", "dlp@mail.example.go.jp", NULL },
		{ "notice", "from", "nobody", "bad mail address 'nobody'" },
		{ "notice", "from", "", "bad mail address ''" }, { "notice", "admin", "", NULL },
		{ "notice", "admin", "a b@example.go.jp", "bad mail address" },
		{ "notice", "admin", "a@-x.jp", "bad mail address" },
		{ "milter", "user", "dlp", NULL }, { "milter", "pidfile", "/run/dlp.pid", NULL },
	};
	char text[512];
	struct conf *cf;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), MINIMAL "[%s]\n%s = %s\n", cases[i].sec, cases[i].key,
		    cases[i].val);
		if (cases[i].bad) {
			expect_only(text, 4, 0, cases[i].bad);
			continue;
		}
		cf = load_ok(text);
		assert_string_equal(*(char **)((char *)cf + key(cases[i].sec, cases[i].key)->offset),
		    cases[i].val);
		conf_unref(cf);
	}
	/* Templates: relative to the config file's directory. */
	cf = load_ok(MINIMAL "[notice]\ntemplates = tpl\n[general]\nvar_dir = /srv/dlp/\n");
	snprintf(text, sizeof(text), "%s/tpl", tmpdir);
	assert_string_equal(cf->notice_templates, text);
	assert_string_equal(cf->spool_dir, "/srv/dlp/spool");
	conf_var_path(cf, "quarantine", text, sizeof(text));
	assert_string_equal(text, "/srv/dlp/quarantine");
	conf_unref(cf);
	cf = load_ok(MINIMAL "[notice]\ntemplates = /etc/dlp/tpl\n");
	assert_string_equal(cf->notice_templates, "/etc/dlp/tpl");
	conf_unref(cf);
}

static void test_domains(void **state)
{
	struct conf *cf = load_ok("[general]\ninternal_domains = Example.GO.jp, mail.example.go.jp."
	    "  other.lg.jp,,example.go.jp\n\tthird.jp\n  fourth.jp,\n");
	static const char *const want[] = { "example.go.jp", "mail.example.go.jp", "other.lg.jp",
		"third.jp", "fourth.jp" };

	assert_int_equal(cf->n_internal, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(cf->internal_domains[i], want[i]);
	assert_null(cf->internal_domains[5]);
	conf_unref(cf);
	expect_only("[general]\ninternal_domains =\n", 2, 0, "internal_domains: empty");
	expect_only("[general]\ninternal_domains = -bad-.jp\n", 2, 0, "bad domain '-bad-.jp'");
	expect_only("[general]\ninternal_domains = a..jp\n", 2, 0, "bad domain 'a..jp'");
	expect_only("[general]\ninternal_domains = 例え.jp\n", 2, 0, "xn-- form");
	expect_only("[general]\ninternal_domains = x@example.jp\n", 2, 0, "not an address");
	/* The list may start on the line after the key. */
	cf = load_ok("[general]\ninternal_domains =\n    a.jp\n    b.jp\n");
	assert_int_equal(cf->n_internal, 2);
	assert_string_equal(cf->internal_domains[1], "b.jp");
	conf_unref(cf);
	expect_only("[general]\ninternal_domains = ,\n", 2, 0, "internal_domains: empty");
	/* An error on a continuation line names that line. */
	expect_only("[general]\ninternal_domains = ok.jp\n  bad_.jp\n", 3, 0, "bad domain 'bad_.jp'");
}

static void test_multiline_values(void **state)
{
	struct conf *cf = load_ok(MINIMAL "[rule r]\nwhen = external > 0\n\tand phone >= 5\n"
	    "action = hold\nreason = 電話番号が多数含まれています; 確認してください。\n"
	    "  # this is a comment, not text\n\n"
	    "\tMany phone numbers ; please check.\n  Third line.\n");
	const struct conf_rule *r = rule(cf, "r");
	long c[SC_COUNT] = { 0 };

	assert_string_equal(r->when_src, "external > 0 and phone >= 5");
	assert_string_equal(r->reason, "電話番号が多数含まれています; 確認してください。\n"
	    "Many phone numbers ; please check.\nThird line.");
	c[SC_EXTERNAL] = 1;
	c[SC_PHONE] = 5;
	assert_int_equal(expr_eval(r->when, c), 1);
	c[SC_PHONE] = 4;
	assert_int_equal(expr_eval(r->when, c), 0);
	conf_unref(cf);
}

static void test_multiline_first_empty(void **state)
{
	struct conf *cf = load_ok(MINIMAL "[rule r]\nwhen =\n    external > 0\n    and phone > 3\n"
	    "action = tag\nreason =\n  日本語\n  English\n");

	assert_string_equal(cf->rules[0].when_src, "external > 0 and phone > 3");
	assert_string_equal(cf->rules[0].reason, "日本語\nEnglish");
	conf_unref(cf);
}

static void test_long_line(void **state)
{
	/* 6000 Japanese characters (18000 bytes) on one line: inih's runtime
	 * knobs (heap buffer that grows) must keep all of it. */
	size_t n = 6000, len = strlen(MINIMAL) + 64 + n * 3;
	char *text = malloc(len), *p;
	struct conf *cf;

	assert_non_null(text);
	p = text + snprintf(text, len, MINIMAL "[rule r]\nwhen = 1\naction = tag\nreason = ");
	for (size_t i = 0; i < n; i++, p += 3)
		memcpy(p, "個", 3);
	snprintf(p, (size_t)(text + len - p), "末\n");
	cf = load_ok(text);
	assert_int_equal(strlen(cf->rules[0].reason), n * 3 + 3);
	assert_string_equal(cf->rules[0].reason + n * 3, "末");
	conf_unref(cf);
	free(text);
}

static void test_too_long_line(void **state)
{
	size_t n = 70000, len = n + 1024;
	char *text = malloc(len), *p;

	assert_non_null(text);
	/* A 300-byte rule name: the header is read whole, not cut at 49. */
	p = text + snprintf(text, len, MINIMAL "[rule %0300d]\nwhen = 1\naction = tag\n"
	    "[milter]\npidfile = ", 7);
	memset(p, 'x', n);
	snprintf(p + n, len - (size_t)(p + n - text), "\ntimeout = 0\n");
	assert_null(load_text(text));
	expect_error(tmpconf, 3, 0, "bad rule name '000");
	expect_error(tmpconf, 7, 0, "line longer than 65536 bytes");
	expect_error(tmpconf, 8, 0, "timeout: '0' is out of bounds");
	assert_int_equal(count_lines(err), 3);
	free(text);
}

static void test_bom_crlf(void **state)
{
	struct conf *cf = load_ok("\xEF\xBB\xBF[general]\r\ninternal_domains = example.go.jp\r\n"
	    "[rule r]\r\nwhen = phone > 1\r\naction = tag\r\nreason = 一行目\r\n  second\r\n");

	assert_string_equal(cf->internal_domains[0], "example.go.jp");
	assert_string_equal(cf->rules[0].reason, "一行目\nsecond");
	assert_int_equal(cf->rules[0].action, ACT_TAG);
	conf_unref(cf);
	expect_only("\xEF\xBB\xBF[general]\r\ninternal_domains = example.go.jp\r\n[x]\r\n", 3, 0,
	    "unknown section [x]");
}

static void test_open_error_small_buffer(void **state)
{
	char path[200], small[100];

	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	assert_null(conf_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
	/* Errors that do not fit are counted, not cut mid-line. */
	assert_null(conf_load(src_path("tests/unit/data/conf/many-errors.conf"), small,
	    sizeof(small)));
	assert_string_equal(small, "... 16 more");
}

static void test_refcount_and_options(void **state)
{
	struct conf *cf = load_ok("[general]\ninternal_domains = a.jp b.jp\nvar_dir = v\n"
	    "[limits]\nmax_depth = 3\n");
	struct scan_options opt;

	assert_int_equal(cf->refs, 1);
	assert_ptr_equal(conf_ref(cf), cf);
	assert_int_equal(cf->refs, 2);
	conf_unref(cf);
	assert_int_equal(cf->refs, 1);
	conf_scan_options(cf, &opt);
	assert_int_equal(opt.n_internal, 2);
	assert_string_equal(opt.internal_domains[1], "b.jp");
	assert_ptr_equal(opt.internal_domains, cf->internal_domains);
	assert_string_equal(opt.spool_dir, "v/spool");
	assert_int_equal(opt.limits.max_depth, 3);
	assert_memory_equal(&opt.limits, &cf->limits, sizeof(opt.limits));
	conf_unref(cf);
	conf_unref(NULL);
	assert_null(conf_ref(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test(test_shipped_policy),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_print_keys),
		cmocka_unit_test(test_readme_table),
		cmocka_unit_test(test_register_url),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_rule_delay),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_admin_load),
		cmocka_unit_test(test_admin_addresses),
		cmocka_unit_test(test_diff_rules),
		cmocka_unit_test(test_reason_warnings),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_approval_keys),
		cmocka_unit_test(test_string_forms),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_multiline_values),
		cmocka_unit_test(test_multiline_first_empty),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_too_long_line),
		cmocka_unit_test(test_bom_crlf),
		cmocka_unit_test(test_open_error_small_buffer),
		cmocka_unit_test(test_refcount_and_options),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
