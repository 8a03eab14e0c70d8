/*
 * queue.c — the queue page of the console: incidents newest first, or
 * sorted by a column (its header a link: time, sender, subject, rule,
 * status, recipients, ascending or descending), filtered by status,
 * sender (a part of the address, any case), a rule that fired, a period
 * and a search (words of the subject, sender, recipients, file names,
 * people's reasons); 50 a page; or all of them as CSV (UTF-8 with a BOM,
 * for Excel; every export an audit row).  Sorting and search are the
 * register's (reg_list_where).  Only what the user may see (web_may_see)
 * is listed.
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

/* The arguments of the page, as given (validated), for its links. */
struct qargs {
	const char *status, *sender, *rule, *from, *to, *q;
	int sort;		/* enum reg_order */
	bool asc;
};


struct queue_walk {
	struct req *r;
	GString *g;
	long skip, left;	/* rows to skip, rows still to show */
	long shown;		/* rows listed */
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
	q->shown++;
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
	html_printf(g, "</td><td class=\"rcpts\">%ld <span class=\"en\">(%ld)</span></td></tr>\n",
	    inc->recipients, inc->external);
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

/* The query string of a's filter, sort (sort, asc) and page,
 * URL-encoded, then escaped. */
static void query(GString *g, const struct qargs *a, int sort, bool asc, long page)
{
	GString *q = g_string_new(NULL);
	const char *names[] = { "status", "sender", "rule", "from", "to", "q" };
	const char *vals[] = { a->status, a->sender, a->rule, a->from, a->to, a->q };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!vals[i] || !*vals[i])
			continue;
		g_string_append_printf(q, "%s%s=", q->len ? "&" : "", names[i]);
		g_string_append_uri_escaped(q, vals[i], NULL, FALSE);
	}
	if (sort != 0 || asc)
		g_string_append_printf(q, "%ssort=%s&dir=%s", q->len ? "&" : "", reg_orders[sort].word,
		    asc ? "asc" : "desc");
	g_string_append_printf(q, "%spage=%ld", q->len ? "&" : "", page);
	html_esc(g, q->str);
	g_string_free(q, TRUE);
}

static void filter_form(GString *g, const struct qargs *a)
{
	g_string_append(g, "<form method=\"get\" action=\"/queue\" id=\"filter\"><label>検索 "
	    "<span class=\"en\">search</span> <input type=\"search\" name=\"q\" id=\"q\" "
	    "maxlength=\"" G_STRINGIFY(REG_SEARCH_MAX) "\" size=\"24\" "
	    "placeholder=\"件名・送信者・宛先・ファイル名・理由\" value=\"");
	html_esc(g, a->q ? a->q : "");
	g_string_append(g, "\"></label> <label>状態 <span class=\"en\">status</span> "
	    "<select name=\"status\">");
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		html_printf(g, "<option%s>%s</option>", strcmp(a->status, statuses[i]) == 0 ?
		    " selected" : "", statuses[i]);
	g_string_append(g, "</select></label> <label>送信者 <span class=\"en\">sender</span> "
	    "<input name=\"sender\" maxlength=\"320\" size=\"18\" value=\"");
	html_esc(g, a->sender ? a->sender : "");
	g_string_append(g, "\"></label> <label>ルール <span class=\"en\">rule</span> "
	    "<input name=\"rule\" maxlength=\"64\" size=\"14\" value=\"");
	html_esc(g, a->rule ? a->rule : "");
	g_string_append(g, "\"></label> <label>期間 <span class=\"en\">from</span> "
	    "<input name=\"from\" type=\"date\" value=\"");
	html_esc(g, a->from ? a->from : "");
	g_string_append(g, "\"></label> <label><span class=\"en\">to</span> "
	    "<input name=\"to\" type=\"date\" value=\"");
	html_esc(g, a->to ? a->to : "");
	g_string_append(g, "\"></label>");
	if (a->sort != 0 || a->asc)	/* a new filter keeps the order */
		html_printf(g, "<input type=\"hidden\" name=\"sort\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"dir\" value=\"%s\">", reg_orders[a->sort].word,
		    a->asc ? "asc" : "desc");
	g_string_append(g, " <button id=\"show\">表示 / Show</button></form>");
}

/* The header cell of column sort: a link to the queue sorted by it (the
 * other way round when it is the current order), marked when current. */
static void sort_th(GString *g, const struct qargs *a, int sort, const char *ja,
    const char *en)
{
	bool cur = a->sort == sort, asc = cur ? !a->asc : reg_orders[sort].asc;

	if (cur)
		html_printf(g, "<th class=\"sorted\" aria-sort=\"%s\">", a->asc ? "ascending" :
		    "descending");
	else
		g_string_append(g, "<th>");
	html_printf(g, "<a class=\"sort\" id=\"sort-%s\" href=\"/queue?", reg_orders[sort].word);
	query(g, a, sort, asc, 1);
	html_printf(g, "\">%s%s<br><span class=\"en\">%s</span></a></th>", ja,
	    cur ? (a->asc ? " ▲" : " ▼") : "", en);
}

static void table_head(GString *g, const struct qargs *a)
{
	g_string_append(g, "<table id=\"queue\"><thead><tr><th>受付番号<br>"
	    "<span class=\"en\">incident</span></th>");
	sort_th(g, a, 0, "日時", "time");
	sort_th(g, a, 1, "送信者", "sender");
	sort_th(g, a, 2, "件名", "subject");
	sort_th(g, a, 3, "ルール", "rules");
	sort_th(g, a, 4, "状態", "status");
	sort_th(g, a, 5, "宛先数", "recipients (external)");
	g_string_append(g, "</tr></thead><tbody>\n");
}

/* The search text: at most REG_SEARCH_MAX bytes of UTF-8 in at most
 * REG_SEARCH_WORDS words, no control characters. */
static bool search_ok(const char *q)
{
	char words[REG_SEARCH_WORDS][REG_SEARCH_MAX + 1], err[128];

	if (!q)
		return true;
	for (const unsigned char *c = (const unsigned char *)q; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return g_utf8_validate(q, -1, NULL) && reg_search_words(q, words, err, sizeof(err)) >= 0;
}

/* The sort of the arguments sort and dir into a: false when unknown. */
static bool sort_arg(const char *sort, const char *dir, struct qargs *a)
{
	a->sort = 0;
	if (sort && *sort) {
		if ((a->sort = reg_order_named(sort)) < 0)
			return false;
	}
	a->asc = reg_orders[a->sort].asc;
	if (dir && *dir) {
		if (strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0)
			return false;
		a->asc = strcmp(dir, "asc") == 0;
	}
	return true;
}

/* The page down to the table's head: the form, the links, the columns. */
static void page_top(struct req *r, struct resp *p, const struct qargs *a)
{
	html_head(r, p, "保留中のメール", "Held mail");
	filter_form(p->body, a);
	if (!web_sees_all(r))
		g_string_append(p->body, "<p id=\"routed\">あなたが承認者の送信者の保留だけを表示"
		    "しています。<span class=\"en\">Only the holds of senders you approve for."
		    "</span></p>");
	g_string_append(p->body, "<p><a id=\"csv\" href=\"/queue.csv?");
	query(p->body, a, a->sort, a->asc, 1);
	g_string_append(p->body, "\">CSV</a>");
	if (web_sees_all(r))
		g_string_append(p->body, " · <a href=\"/audit\">監査記録 / audit trail</a> · "
		    "<a href=\"/report\">報告 / reports</a>");
	g_string_append(p->body, "</p>");
	table_head(p->body, a);
}

void page_queue(struct req *r, struct resp *p, bool csv)
{
	const char *pg = req_arg(r, "page");
	struct qargs a = { .status = req_arg(r, "status"), .sender = req_arg(r, "sender"),
		.rule = req_arg(r, "rule"), .from = req_arg(r, "from"), .to = req_arg(r, "to"),
		.q = req_arg(r, "q") };
	struct reg_where w = { 0 };
	struct queue_walk q = { .r = r, .g = p->body, .left = csv ? 100000 : QUEUE_PAGE,
		.csv = csv };
	char err[512], *end = NULL;
	long page = pg && *pg ? strtol(pg, &end, 10) : 1;
	bool known = false;

	if (!a.status || !*a.status)
		a.status = "held";
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		known |= strcmp(a.status, statuses[i]) == 0;
	if (!known || (end && (*end || end == pg)) || page < 1 || page > 100000 ||
	    (a.sender && strlen(a.sender) > 320) || (a.rule && (strlen(a.rule) > 64 ||
	    strspn(a.rule, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
	    strlen(a.rule))) || !day_arg(a.from, false, &w.since) ||
	    !day_arg(a.to, true, &w.until) || !search_ok(a.q) ||
	    !sort_arg(req_arg(r, "sort"), req_arg(r, "dir"), &a)) {
		html_message(r, p, MHD_HTTP_BAD_REQUEST, "条件が正しくありません", "Bad filter",
		    "状態・送信者・ルール・期間・検索語・並べ替え・ページの指定が正しくありません。",
		    "Unknown status or sort, or a bad sender, rule, date, search or page.");
		return;
	}
	/* The register selects by status, period, sender, rule and search,
	 * sorts, and skips the earlier pages itself; an approver's holds are
	 * chosen here, by the approvers table, so their pages are counted
	 * here too. */
	w.status = strcmp(a.status, "all") == 0 ? NULL : a.status;
	w.sender = a.sender && *a.sender ? a.sender : NULL;
	w.rule = a.rule && *a.rule ? a.rule : NULL;
	w.search = a.q && *a.q ? a.q : NULL;
	w.order = (enum reg_order)a.sort;
	w.ascending = a.asc;
	q.skip = csv ? 0 : (page - 1) * QUEUE_PAGE;
	if (csv) {
		web_audit(r, r->actor, "queue exported", NULL, a.status);
		p->ctype = "text/csv; charset=utf-8";
		snprintf(p->filename, sizeof(p->filename), "dlp-incidents.csv");
		g_string_append(p->body, "\xef\xbb\xbf" "id,created,sender,subject,rules,action,"
		    "status,recipients,external\r\n");
	} else {
		page_top(r, p, &a);
	}
	if (web_sees_all(r)) {
		w.offset = q.skip;
		q.skip = 0;
	}
	if (reg_list_where(r->w->rg, &w, queue_row, &q, err, sizeof(err)) < 0)
		web_log(LOG_ERR, "queue: %s", err);
	if (csv)
		return;
	g_string_append(p->body, "</tbody></table>");
	if (q.shown == 0)
		g_string_append(p->body, "<p id=\"none\">該当するメールはありません。"
		    "<span class=\"en\">No incident matches.</span></p>");
	g_string_append(p->body, "<p>");
	if (page > 1) {
		g_string_append(p->body, "<a id=\"prev\" href=\"/queue?");
		query(p->body, &a, a.sort, a.asc, page - 1);
		g_string_append(p->body, "\">← 前 / previous</a> ");
	}
	if (q.more) {
		g_string_append(p->body, "<a id=\"next\" href=\"/queue?");
		query(p->body, &a, a.sort, a.asc, page + 1);
		g_string_append(p->body, "\">次 / next →</a>");
	}
	g_string_append(p->body, "</p>");
	html_foot(p);
}
