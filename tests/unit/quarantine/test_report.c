/*
 * test_report.c — the incident report: RFC 4180 quoting of one field
 * (commas, quotes, CR/LF, edge spaces, formula guard), a row built from
 * an incident (external domain names, findings counts, who decided), the
 * summary, and the whole CSV read back by a strict RFC 4180 reader (BOM,
 * CRLF, column count with and without subjects).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine/report.h"

static const char *const INTERNAL[] = { "example.go.jp" };

static void check_field(const char *in, bool text, const char *want)
{
	char *got = report_csv_field(in, text);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_csv_field(void **state)
{
	check_field("plain", true, "plain");
	check_field("", true, "");
	check_field("a,b", true, "\"a,b\"");
	check_field("say \"hi\"", true, "\"say \"\"hi\"\"\"");
	check_field("two\r\nlines", true, "\"two\r\nlines\"");
	check_field("lf\nonly", true, "\"lf\nonly\"");
	check_field(" edge", true, "\" edge\"");
	check_field("名簿の送付", true, "名簿の送付");
	/* Excel would run these: a leading ' keeps them text. */
	check_field("=HYPERLINK(\"x\")", true, "\"'=HYPERLINK(\"\"x\"\")\"");
	check_field("+81 3", true, "\"'+81 3\"");
	check_field("-1", true, "\"'-1\"");
	check_field("@SUM(A1)", true, "\"'@SUM(A1)\"");
	/* Numbers and fixed words are not text: no guard. */
	check_field("-1", false, "-1");
	check_field("144", false, "144");
}

static void make(struct incident *inc, const char *id, const char *status, const char *subject)
{
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s", id);
	inc->created = 1795000000;
	inc->updated = 1795003600;
	inc->updated_by = (char *)"admin1";
	inc->sender = (char *)"taro@example.go.jp";
	inc->subject = (char *)subject;
	inc->recipients = 5;
	inc->external = 4;
	inc->external_visible = 4;
	inc->external_domains = 2;
	inc->rcpt = json_pack("[s,s,s,s,s]", "a@Corp.Example.com", "b@corp.example.com",
	    "c@other.example.net", "d@outside.example.com.", "e@bu.example.go.jp");
	inc->rules = json_pack("[{s:s},{s:s}]", "name", "personal_data", "name", "mass");
	inc->findings = json_pack("{s:{s:i, s:[s]}, s:{s:i}}", "phone", "count", 98, "samples",
	    "090-****-5678", "email", "count", 49);
	inc->action = (char *)"hold";
	inc->status = (char *)status;
}

static void unmake(struct incident *inc)
{
	json_decref(inc->rcpt);
	json_decref(inc->rules);
	json_decref(inc->findings);
}

static void test_row(void **state)
{
	struct scan_options opt = { .internal_domains = INTERNAL, .n_internal = 1 };
	struct incident inc;
	json_t *row, *d;
	char *s;

	make(&inc, "20261125-AAAAAA", "released", "件名");
	row = report_row(&inc, &opt, false, "checked with the sender");
	assert_non_null(row);
	d = json_object_get(row, "external_domains");
	s = json_dumps(d, JSON_COMPACT);
	/* Sorted, distinct, lower case; internal ones left out. */
	assert_string_equal(s, "[\"corp.example.com\",\"other.example.net\",\"outside.example.com\"]");
	free(s);
	s = json_dumps(json_object_get(row, "findings"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"email\":49,\"phone\":98}");	/* counts, no samples */
	free(s);
	assert_string_equal(json_string_value(json_object_get(row, "disposition")), "released");
	assert_string_equal(json_string_value(json_object_get(row, "decided_by")), "admin1");
	assert_true(strlen(json_string_value(json_object_get(row, "decided_at"))) == 19);
	assert_string_equal(json_string_value(json_object_get(row, "subject")), "件名");
	assert_string_equal(json_string_value(json_object_get(row, "reason")),
	    "checked with the sender");
	json_decref(row);
	inc.status = (char *)"held";
	row = report_row(&inc, &opt, true, NULL);
	assert_null(json_object_get(row, "subject"));
	assert_string_equal(json_string_value(json_object_get(row, "decided_by")), "");
	json_decref(row);
	unmake(&inc);
}

/* A strict RFC 4180 reader: fields of one record from *p (advanced past
 * its CRLF).  Returns the field count, -1 on a malformed record. */
static int read_record(const char **p, char fields[][256], int max)
{
	const char *s = *p;
	int n = 0;
	size_t k;

	for (;;) {
		k = 0;
		if (*s == '"') {
			for (s++; ; s++) {
				if (!*s)
					return -1;
				if (*s == '"' && s[1] == '"') {
					fields[n][k++] = '"';
					s++;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					fields[n][k++] = *s;
				}
			}
		} else {
			while (*s && *s != ',' && *s != '\r' && *s != '\n' && *s != '"')
				fields[n][k++] = *s++;
			if (*s == '"' || *s == '\n')
				return -1;	/* a quote inside, or a bare LF */
		}
		fields[n++][k] = '\0';
		if (*s == ',') {
			s++;
			if (n == max)
				return -1;
			continue;
		}
		if (s[0] != '\r' || s[1] != '\n')
			return -1;
		*p = s + 2;
		return n;
	}
}

static void test_csv_document(void **state)
{
	struct scan_options opt = { .internal_domains = INTERNAL, .n_internal = 1 };
	static char fields[20][256];
	struct incident a, b;
	json_t *rows = json_array(), *summary;
	const char *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	make(&a, "20261125-AAAAAA", "released", "会議, \"至急\"\r\n再送");
	make(&b, "20261125-BBBBBB", "held", "=cmd|' /C calc'!A0");
	json_array_append_new(rows, report_row(&a, &opt, false, "送信者に確認済み"));
	json_array_append_new(rows, report_row(&b, &opt, false, NULL));
	summary = report_summary(rows);
	assert_int_equal(json_integer_value(json_object_get(summary, "incidents")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(summary, "by_rule"),
	    "mass")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(summary,
	    "by_disposition"), "held")), 1);

	assert_int_equal(json_integer_value(json_object_get(json_object_get(summary, "by_sender"),
	    "taro@example.go.jp")), 2);
	assert_int_equal(json_object_size(json_object_get(summary, "by_month")), 1);

	/* Japanese headings with the key; the rows; no summary in the sheet. */
	fp = open_memstream(&buf, &len);
	assert_int_equal(report_write_csv(fp, rows, false, false, true), 0);
	fclose(fp);
	assert_memory_equal(buf, "\xEF\xBB\xBF", 3);
	p = buf + 3;
	assert_int_equal(read_record(&p, fields, 20), 16);
	assert_string_equal(fields[0], "管理番号 (id)");
	assert_string_equal(fields[3], "件名 (subject)");
	assert_string_equal(fields[15], "理由 (reason)");
	assert_int_equal(read_record(&p, fields, 20), 16);
	assert_string_equal(fields[0], "20261125-AAAAAA");
	assert_string_equal(fields[3], "会議, \"至急\"\r\n再送");	/* round trip */
	assert_string_equal(fields[8], "corp.example.com; other.example.net; outside.example.com");
	assert_string_equal(fields[9], "phone=98; email=49");
	assert_string_equal(fields[10], "personal_data; mass");
	assert_string_equal(fields[12], "released");
	assert_string_equal(fields[15], "送信者に確認済み");
	assert_int_equal(read_record(&p, fields, 20), 16);
	assert_string_equal(fields[3], "'=cmd|' /C calc'!A0");	/* guarded */
	assert_string_equal(fields[13], "");
	assert_string_equal(p, "");				/* nothing after the rows */
	free(buf);

	/* The summary on its own, English keys. */
	buf = NULL;
	fp = open_memstream(&buf, &len);
	assert_int_equal(report_write_summary_csv(fp, summary, true, false), 0);
	fclose(fp);
	p = buf;
	assert_int_equal(read_record(&p, fields, 20), 3);
	assert_string_equal(fields[0], "summary");
	assert_non_null(strstr(p, "rule,mass,2\r\n"));
	assert_non_null(strstr(p, "sender,taro@example.go.jp,2\r\n"));
	assert_non_null(strstr(p, "disposition,held,1\r\n"));
	assert_non_null(strstr(p, "total,,2\r\n"));
	assert_non_null(strstr(p, "month,"));
	free(buf);
	buf = NULL;
	fp = open_memstream(&buf, &len);
	assert_int_equal(report_write_summary_csv(fp, summary, false, false), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "集計 (summary),項目 (name),件数 (incidents)\r\n"));
	assert_non_null(strstr(buf, "合計 (total),,2\r\n"));
	free(buf);

	/* Without subjects and without a BOM: 14 columns, no subject text. */
	json_decref(rows);
	rows = json_array();
	json_array_append_new(rows, report_row(&a, &opt, true, NULL));
	buf = NULL;
	fp = open_memstream(&buf, &len);
	assert_int_equal(report_write_csv(fp, rows, true, true, false), 0);
	fclose(fp);
	p = buf;
	assert_int_equal(read_record(&p, fields, 20), 15);
	assert_string_equal(fields[0], "id");			/* --lang en */
	assert_int_equal(read_record(&p, fields, 20), 15);
	assert_null(strstr(buf, "至急"));
	free(buf);
	json_decref(summary);
	json_decref(rows);
	unmake(&a);
	unmake(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_csv_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
