/*
 * report.c — report rows, summary and CSV (see report.h).
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mime/recipients.h"
#include "quarantine/incident.h"
#include "quarantine/report.h"

/* The columns: the JSON key, and the heading in Japanese. */
static const struct { const char *key, *ja; } columns[] = {
	{ "id", "管理番号" }, { "date", "日時" }, { "sender", "送信者" },
	{ "subject", "件名" }, { "recipients", "宛先数" }, { "external", "外部宛先数" },
	{ "external_visible", "To/Ccの外部宛先数" },
	{ "external_domain_count", "外部ドメイン数" }, { "external_domains", "外部ドメイン" },
	{ "findings", "検出内容" }, { "rules", "規則" }, { "action", "処置" },
	{ "disposition", "状態" }, { "decided_by", "判断者" }, { "decided_at", "判断日時" },
	{ "reason", "理由" },
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

/* The summary's sections: key in the JSON, the word in the CSV. */
static const struct { const char *key, *name, *ja; } sections[] = {
	{ "by_month", "month", "月" }, { "by_rule", "rule", "規則" },
	{ "by_sender", "sender", "送信者" }, { "by_disposition", "disposition", "状態" },
	{ "by_action", "action", "処置" },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

static void local_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

static gint cmp_str(gconstpointer a, gconstpointer b, gpointer unused)
{
	return strcmp(a, b);
}

static gboolean append_key(gpointer key, gpointer value, gpointer arr)
{
	return json_array_append_new(arr, json_string(key)) < 0;	/* TRUE stops */
}

/* Sorted distinct lower-case domains of the external envelope recipients. */
static json_t *external_domains(const struct incident *inc, const struct scan_options *opt)
{
	GTree *t = g_tree_new_full(cmp_str, NULL, g_free, NULL);
	json_t *a = json_array();
	const char *at;
	size_t i;
	json_t *v;

	json_array_foreach(inc->rcpt, i, v) {
		const char *r = json_string_value(v);
		if (!r || !(at = strrchr(r, '@')) || !at[1] || rcpt_is_internal(opt, r))
			continue;
		size_t n = strcspn(at + 1, ">");
		while (n > 0 && at[n] == '.')	/* at[n] is the domain's last byte */
			n--;
		g_tree_insert(t, g_ascii_strdown(at + 1, (gssize)n), GINT_TO_POINTER(1));
	}
	if (a)
		g_tree_foreach(t, append_key, a);
	g_tree_destroy(t);
	return a;
}

/* {type: count} from {type: {count, samples}}. */
static json_t *finding_counts(const struct incident *inc)
{
	json_t *o = json_object(), *f;
	const char *type;

	json_object_foreach(inc->findings, type, f)
		if (o && json_integer_value(json_object_get(f, "count")))
			json_object_set_new(o, type, json_integer(json_integer_value(
			    json_object_get(f, "count"))));
	return o;
}

static json_t *rule_names(const struct incident *inc)
{
	json_t *a = json_array(), *r;
	size_t i;

	json_array_foreach(inc->rules, i, r)
		if (a)
			json_array_append_new(a, json_string(json_string_value(json_object_get(r,
			    "name")) ?: "?"));
	return a;
}

const char *report_disposition(const struct incident *inc)
{
	bool delay = inc->action && strcmp(inc->action, "delay") == 0;

	if (delay && strcmp(inc->status, "released") == 0 && inc->updated_by &&
	    strcmp(inc->updated_by, "dlp-milter") == 0)
		return "sent after delay";
	if (delay && strcmp(inc->status, "cancelled") == 0)
		return "cancelled by sender";
	return inc->status;
}

json_t *report_row(const struct incident *inc, const struct scan_options *opt,
    bool no_subject, const char *reason)
{
	char date[32], decided[32] = "";
	const char *by = "";
	json_t *o;

	local_time(inc->created, date, sizeof(date));
	if (strcmp(inc->status, "held") != 0 && strcmp(inc->status, "delayed") != 0) {
		local_time(inc->updated, decided, sizeof(decided));
		by = inc->updated_by ? inc->updated_by : "";
	}
	o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:s, s:s, s:s, s:s,"
	    " s:s}",
	    "id", inc->id, "date", date, "sender", inc->sender && *inc->sender ? inc->sender : "<>",
	    "recipients", (json_int_t)inc->recipients, "external", (json_int_t)inc->external,
	    "external_visible", (json_int_t)inc->external_visible,
	    "external_domain_count", (json_int_t)inc->external_domains,
	    "external_domains", external_domains(inc, opt), "findings", finding_counts(inc),
	    "rules", rule_names(inc), "action", inc->action, "disposition", report_disposition(inc),
	    "decided_by", by, "decided_at", decided, "reason", reason ? reason : "");
	if (o && !no_subject && json_object_set_new(o, "subject",
	    json_string(inc->subject ? inc->subject : "")) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void count_in(json_t *obj, const char *key)
{
	json_int_t n = json_integer_value(json_object_get(obj, key));

	json_object_set_new(obj, key, json_integer(n + 1));
}

json_t *report_summary(const json_t *rows)
{
	json_t *s = json_pack("{s:I}", "incidents", (json_int_t)json_array_size(rows));
	json_t *row, *r;
	size_t i, j;
	char month[8];

	for (i = 0; s && i < NSECTIONS; i++)
		if (json_object_set_new(s, sections[i].key, json_object()) < 0) {
			json_decref(s);
			return NULL;
		}
	if (!s)
		return NULL;
	json_array_foreach(rows, i, row) {
		/* "YYYY-MM" of the row's local date "YYYY-MM-DD HH:MM:SS" */
		snprintf(month, sizeof(month), "%.7s",
		    json_string_value(json_object_get(row, "date")) ?: "?");
		count_in(json_object_get(s, "by_month"), month);
		json_array_foreach(json_object_get(row, "rules"), j, r)
			count_in(json_object_get(s, "by_rule"), json_string_value(r));
		count_in(json_object_get(s, "by_sender"),
		    json_string_value(json_object_get(row, "sender")));
		count_in(json_object_get(s, "by_disposition"),
		    json_string_value(json_object_get(row, "disposition")));
		count_in(json_object_get(s, "by_action"),
		    json_string_value(json_object_get(row, "action")));
	}
	return s;
}

char *report_csv_field(const char *s, bool text)
{
	GString *g = g_string_new(NULL);
	size_t n = strlen(s);
	bool guard = text && n && strchr("=+-@\t\r", s[0]);
	bool quote = guard || strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' '));

	if (quote)
		g_string_append_c(g, '"');
	if (guard)
		g_string_append_c(g, '\'');
	for (; *s; s++) {
		if (*s == '"')
			g_string_append_c(g, '"');
		g_string_append_c(g, *s);
	}
	if (quote)
		g_string_append_c(g, '"');
	return g_string_free(g, FALSE);
}

/* The CSV text of a JSON value: strings as they are, numbers in decimal,
 * arrays joined with "; ", objects as "key=value; …". */
static char *cell_text(const json_t *v)
{
	GString *g = g_string_new(NULL);
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		g_string_append(g, json_string_value(v));
	else if (json_is_integer(v))
		g_string_append_printf(g, "%lld", (long long)json_integer_value(v));
	else if (json_is_array(v))
		json_array_foreach(v, i, x)
			g_string_append_printf(g, "%s%s", i ? "; " : "", json_string_value(x) ?: "");
	else if (json_is_object(v))
		json_object_foreach((json_t *)v, k, x)
			g_string_append_printf(g, "%s%s=%lld", g->len ? "; " : "", k,
			    (long long)json_integer_value(x));
	return g_string_free(g, FALSE);
}

static int put_field(FILE *fp, const char *s, bool text, bool first)
{
	char *f = report_csv_field(s, text);
	int rc = f && fprintf(fp, "%s%s", first ? "" : ",", f) >= 0 ? 0 : -1;

	free(f);
	return rc;
}

static int write_row(FILE *fp, const json_t *row, bool no_subject)
{
	bool first = true;
	char *t;
	int rc = 0;

	for (size_t c = 0; c < NCOLUMNS && rc == 0; c++) {
		const json_t *v = json_object_get(row, columns[c].key);
		if (no_subject && strcmp(columns[c].key, "subject") == 0)
			continue;
		t = cell_text(v);
		rc = put_field(fp, t, json_is_string(v) || json_is_array(v), first);
		free(t);
		first = false;
	}
	return rc == 0 && fputs("\r\n", fp) != EOF ? 0 : -1;
}

/* A heading: "日時 (date)" in Japanese, "date" in English. */
static int put_heading(FILE *fp, const char *key, const char *ja, bool english, bool first)
{
	char buf[128];

	if (!english)
		snprintf(buf, sizeof(buf), "%s (%s)", ja, key);
	return put_field(fp, english ? key : buf, false, first);
}

static int put_bom(FILE *fp, bool bom)
{
	return bom && fputs("\xEF\xBB\xBF", fp) == EOF ? -1 : 0;
}

int report_write_summary_csv(FILE *fp, const json_t *summary, bool english, bool bom)
{
	const char *k;
	json_t *v;
	int rc = put_bom(fp, bom);

	if (rc == 0 && (put_heading(fp, "summary", "集計", english, true) < 0 ||
	    put_heading(fp, "name", "項目", english, false) < 0 ||
	    put_heading(fp, "incidents", "件数", english, false) < 0 || fputs("\r\n", fp) == EOF))
		rc = -1;
	for (size_t i = 0; i < NSECTIONS && rc == 0; i++)
		json_object_foreach(json_object_get(summary, sections[i].key), k, v) {
			if (put_heading(fp, sections[i].name, sections[i].ja, english, true) < 0 ||
			    put_field(fp, k, true, false) < 0 ||
			    fprintf(fp, ",%lld\r\n", (long long)json_integer_value(v)) < 0)
				rc = -1;
		}
	if (rc == 0 && (put_heading(fp, "total", "合計", english, true) < 0 ||
	    fprintf(fp, ",,%lld\r\n",
	    (long long)json_integer_value(json_object_get(summary, "incidents"))) < 0))
		rc = -1;
	return rc;
}

int report_write_csv(FILE *fp, const json_t *rows, bool no_subject, bool english, bool bom)
{
	const json_t *row;
	size_t i;
	bool first = true;

	if (put_bom(fp, bom) < 0)
		return -1;
	for (size_t c = 0; c < NCOLUMNS; c++) {
		if (no_subject && strcmp(columns[c].key, "subject") == 0)
			continue;
		if (put_heading(fp, columns[c].key, columns[c].ja, english, first) < 0)
			return -1;
		first = false;
	}
	if (fputs("\r\n", fp) == EOF)
		return -1;
	json_array_foreach(rows, i, row)
		if (write_row(fp, row, no_subject) < 0)
			return -1;
	return 0;
}
