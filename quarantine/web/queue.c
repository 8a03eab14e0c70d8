/*
 * queue.c — the queue page of the console: incidents newest first,
 * filtered by status, sender (a part of the address, any case), a rule
 * that fired and a period; 50 a page; or all of them as CSV (UTF-8 with a
 * BOM, for Excel; every export an audit row).  Only what the user may see
 * (web_may_see) is listed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <microhttpd.h>

#include "web/web.h"

#define QUEUE_PAGE 50

static const char *const statuses[] = { "held", "delayed", "releasing", "released", "deleted",
	"cancelled", "rejected", "expired", "all" };

/* The rule names of inc, comma separated, escaped. */
static void rule_names(GString *g, const struct incident *inc)
{
	size_t i;
	json_t *o;

	json_array_foreach(inc->rules, i, o) {
		if (i)
			g_string_append(g, ", ");
		html_esc(g, web_str_or(json_string_value(json_object_get(o, "name")), "?"));
	}
}

struct filter {
	const char *status;	/* NULL: all */
	const char *sender;	/* substring, any case; NULL: any */
	const char *rule;	/* a rule that fired; NULL: any */
	time_t since, until;	/* created in [since, until); 0: open */
};

struct queue_walk {
	struct req *r;
	GString *g;
	long skip, left;	/* rows to skip, rows still to show */
	bool more, csv;
};

static void csv_row(GString *g, const struct incident *inc)
{
	GString *t = g_string_new(NULL);
	size_t i;
	json_t *o;

	csv_field(g, inc->id, false);
	html_time(t, inc->created);
	csv_field(g, t->str, false);
	csv_field(g, inc->sender, false);
	csv_field(g, inc->subject, false);
	g_string_truncate(t, 0);
	json_array_foreach(inc->rules, i, o)
		g_string_append_printf(t, "%s%s", i ? " " : "",
		    web_str_or(json_string_value(json_object_get(o, "name")), "?"));
	csv_field(g, t->str, false);
	csv_field(g, inc->action, false);
	csv_field(g, inc->status, false);
	g_string_printf(t, "%ld", inc->recipients);
	csv_field(g, t->str, false);
	g_string_printf(t, "%ld", inc->external);
	csv_field(g, t->str, true);
	g_string_free(t, TRUE);
}

static int queue_row(const struct incident *inc, void *arg)
{
	struct queue_walk *q = arg;
	GString *g = q->g;

	if (!web_may_see(q->r, inc))
		return 0;
	if (q->skip > 0) {
		q->skip--;
		return 0;
	}
	if (q->left == 0) {
		q->more = true;
		return 1;
	}
	q->left--;
	if (q->csv) {
		csv_row(g, inc);
		return 0;
	}
	g_string_append(g, "<tr class=\"inc\"><td><a href=\"/incident/");
	html_esc(g, inc->id);
	g_string_append(g, "\">");
	html_esc(g, inc->id);
	g_string_append(g, "</a></td><td>");
	html_time(g, inc->created);
	g_string_append(g, "</td><td class=\"sender\">");
	html_esc(g, web_str_or(inc->sender, "<>"));
	g_string_append(g, "</td><td class=\"subject\">");
	html_esc(g, web_str_or(inc->subject, "(件名なし / no subject)"));
	g_string_append(g, "</td><td class=\"rules\">");
	rule_names(g, inc);
	g_string_append(g, "</td><td class=\"status\">");
	html_esc(g, inc->status);
	g_string_append(g, "</td></tr>\n");
	return 0;
}

/* YYYY-MM-DD (local midnight; with end, the next one) into *t.  An empty
 * or missing s leaves 0.  false when s is not a date. */
static bool day_arg(const char *s, bool end, time_t *t)
{
	struct tm tm = { .tm_isdst = -1 };
	const char *rest;

	*t = 0;
	if (!s || !*s)
		return true;
	if (!(rest = strptime(s, "%Y-%m-%d", &tm)) || *rest)
		return false;
	tm.tm_mday += end;
	*t = mktime(&tm);
	return *t > 0;
}

/* The query string of the filter and page, URL-encoded, then escaped. */
static void query(GString *g, const char *status, const char *sender, const char *rule,
    const char *from, const char *to, long page)
{
	GString *q = g_string_new(NULL);
	const char *names[] = { "status", "sender", "rule", "from", "to" };
	const char *vals[] = { status, sender, rule, from, to };

	for (size_t i = 0; i < 5; i++) {
		if (!vals[i] || !*vals[i])
			continue;
		g_string_append_printf(q, "%s%s=", q->len ? "&" : "", names[i]);
		g_string_append_uri_escaped(q, vals[i], NULL, FALSE);
	}
	g_string_append_printf(q, "%spage=%ld", q->len ? "&" : "", page);
	html_esc(g, q->str);
	g_string_free(q, TRUE);
}

static void filter_form(GString *g, const char *status, const char *sender, const char *rule,
    const char *from, const char *to)
{
	g_string_append(g, "<form method=\"get\" action=\"/queue\" id=\"filter\"><label>状態 "
	    "<span class=\"en\">status</span> <select name=\"status\">");
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		html_printf(g, "<option%s>%s</option>", strcmp(status, statuses[i]) == 0 ?
		    " selected" : "", statuses[i]);
	g_string_append(g, "</select></label> <label>送信者 <span class=\"en\">sender</span> "
	    "<input name=\"sender\" maxlength=\"320\" size=\"18\" value=\"");
	html_esc(g, sender ? sender : "");
	g_string_append(g, "\"></label> <label>ルール <span class=\"en\">rule</span> "
	    "<input name=\"rule\" maxlength=\"64\" size=\"14\" value=\"");
	html_esc(g, rule ? rule : "");
	g_string_append(g, "\"></label> <label>期間 <span class=\"en\">from</span> "
	    "<input name=\"from\" type=\"date\" value=\"");
	html_esc(g, from ? from : "");
	g_string_append(g, "\"></label> <label><span class=\"en\">to</span> "
	    "<input name=\"to\" type=\"date\" value=\"");
	html_esc(g, to ? to : "");
	g_string_append(g, "\"></label> <button>表示 / Show</button></form>");
}

void page_queue(struct req *r, struct resp *p, bool csv)
{
	const char *status = req_arg(r, "status"), *pg = req_arg(r, "page");
	const char *sender = req_arg(r, "sender"), *rule = req_arg(r, "rule");
	const char *from = req_arg(r, "from"), *to = req_arg(r, "to");
	struct filter f = { 0 };
	struct queue_walk q = { .r = r, .g = p->body, .left = csv ? 100000 : QUEUE_PAGE,
		.csv = csv };
	char err[512], *end = NULL;
	long page = pg && *pg ? strtol(pg, &end, 10) : 1;
	bool known = false;

	if (!status || !*status)
		status = "held";
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		known |= strcmp(status, statuses[i]) == 0;
	if (!known || (end && (*end || end == pg)) || page < 1 || page > 100000 ||
	    (sender && strlen(sender) > 320) || (rule && (strlen(rule) > 64 ||
	    strspn(rule, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
	    strlen(rule))) || !day_arg(from, false, &f.since) || !day_arg(to, true, &f.until)) {
		html_message(r, p, MHD_HTTP_BAD_REQUEST, "条件が正しくありません", "Bad filter",
		    "状態・送信者・ルール・期間・ページの指定が正しくありません。",
		    "Unknown status, or a bad sender, rule, date or page.");
		return;
	}
	f.status = strcmp(status, "all") == 0 ? NULL : status;
	f.sender = sender && *sender ? sender : NULL;
	f.rule = rule && *rule ? rule : NULL;
	q.skip = csv ? 0 : (page - 1) * QUEUE_PAGE;
	if (csv) {
		web_audit(r, r->actor, "queue exported", NULL, status);
		p->ctype = "text/csv; charset=utf-8";
		snprintf(p->filename, sizeof(p->filename), "dlp-incidents.csv");
		g_string_append(p->body, "\xef\xbb\xbf" "id,created,sender,subject,rules,action,"
		    "status,recipients,external\r\n");
	} else {
		html_head(r, p, "保留中のメール", "Held mail");
		filter_form(p->body, status, sender, rule, from, to);
		if (!web_sees_all(r))
			g_string_append(p->body, "<p id=\"routed\">あなたが承認者の送信者の保留だけを表示"
			    "しています。<span class=\"en\">Only the holds of senders you approve for."
			    "</span></p>");
		g_string_append(p->body, "<p><a id=\"csv\" href=\"/queue.csv?");
		query(p->body, status, sender, rule, from, to, 1);
		g_string_append(p->body, "\">CSV</a>");
		if (web_sees_all(r))
			g_string_append(p->body, " · <a href=\"/audit\">監査記録 / audit trail</a> · "
			    "<a href=\"/report\">報告 / reports</a>");
		g_string_append(p->body, "</p><table id=\"queue\"><thead><tr><th>受付番号<br>"
		    "<span class=\"en\">incident</span></th><th>日時<br><span class=\"en\">time</span>"
		    "</th><th>送信者<br><span class=\"en\">sender</span></th><th>件名<br>"
		    "<span class=\"en\">subject</span></th><th>ルール<br><span class=\"en\">rules"
		    "</span></th><th>状態<br><span class=\"en\">status</span></th></tr></thead>"
		    "<tbody>\n");
	}
	/* The register selects by status, period, sender and rule, and skips
	 * the earlier pages itself; an approver's holds are chosen here, by
	 * the approvers table, so their pages are counted here too. */
	struct reg_where w = { .status = f.status, .since = f.since, .until = f.until,
		.sender = f.sender, .rule = f.rule };
	if (web_sees_all(r)) {
		w.offset = q.skip;
		q.skip = 0;
	}
	if (reg_list_where(r->w->rg, &w, queue_row, &q, err, sizeof(err)) < 0)
		web_log(LOG_ERR, "queue: %s", err);
	if (csv)
		return;
	g_string_append(p->body, "</tbody></table><p>");
	if (page > 1) {
		g_string_append(p->body, "<a id=\"prev\" href=\"/queue?");
		query(p->body, status, sender, rule, from, to, page - 1);
		g_string_append(p->body, "\">← 前 / previous</a> ");
	}
	if (q.more) {
		g_string_append(p->body, "<a id=\"next\" href=\"/queue?");
		query(p->body, status, sender, rule, from, to, page + 1);
		g_string_append(p->body, "\">次 / next →</a>");
	}
	g_string_append(p->body, "</p>");
	html_foot(p);
}

