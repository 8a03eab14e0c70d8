/*
 * audit.c — the console's audit trail (table web_audit: sign-ins, views,
 * decisions, refusals) for admins and auditors, newest first, as a page
 * or as CSV (UTF-8 with a BOM, for Excel).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <microhttpd.h>

#include "web/web.h"

#define AUDIT_PAGE 500
#define AUDIT_CSV 100000

void csv_field(GString *g, const char *s, bool last)
{
	bool quote;

	s = s ? s : "";
	quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@\t", *s) != NULL;
	if (quote)
		g_string_append_c(g, '"');
	if (*s && strchr("=+-@\t", *s))
		g_string_append_c(g, '\'');	/* not a formula */
	for (; *s; s++) {
		if (*s == '"')
			g_string_append_c(g, '"');
		g_string_append_c(g, *s);
	}
	if (quote)
		g_string_append_c(g, '"');
	g_string_append(g, last ? "\r\n" : ",");
}

struct walk {
	GString *g;
	bool csv;
};

static int audit_row(const struct web_audit *a, void *arg)
{
	struct walk *wk = arg;
	GString *g = wk->g;
	char when[40];

	if (wk->csv) {
		GString *t = g_string_new(NULL);
		html_time(t, a->time);
		snprintf(when, sizeof(when), "%s", t->str);
		g_string_free(t, TRUE);
		csv_field(g, when, false);
		csv_field(g, a->actor, false);
		csv_field(g, a->action, false);
		csv_field(g, a->incident, false);
		csv_field(g, a->detail, true);
		return 0;
	}
	g_string_append(g, "<tr><td>");
	html_time(g, a->time);
	g_string_append(g, "</td><td>");
	html_esc(g, a->actor);
	g_string_append(g, "</td><td class=\"action\">");
	html_esc(g, a->action);
	g_string_append(g, "</td><td>");
	if (a->incident) {
		g_string_append(g, "<a href=\"/incident/");
		html_esc(g, a->incident);
		g_string_append(g, "\">");
		html_esc(g, a->incident);
		g_string_append(g, "</a>");
	}
	g_string_append(g, "</td><td>");
	html_esc(g, a->detail ? a->detail : "");
	g_string_append(g, "</td></tr>\n");
	return 0;
}

void page_audit(struct req *r, struct resp *p, bool csv)
{
	struct walk wk = { p->body, csv };
	char err[512];

	if (strcmp(r->s.role, "admin") != 0 && strcmp(r->s.role, "auditor") != 0) {
		html_message(r, p, MHD_HTTP_FORBIDDEN, "権限がありません", "Not allowed",
		    "監査記録は管理者と監査担当だけが見られます。",
		    "Only administrators and auditors see the audit trail.");
		return;
	}
	web_audit(r, r->actor, csv ? "audit exported" : "audit viewed", NULL, NULL);
	if (csv) {
		p->ctype = "text/csv; charset=utf-8";
		snprintf(p->filename, sizeof(p->filename), "dlp-web-audit.csv");
		g_string_append(p->body, "\xef\xbb\xbf" "time,actor,action,incident,detail\r\n");
	} else {
		html_head(r, p, "監査記録", "Audit trail");
		html_printf(p->body, "<p><a href=\"/audit.csv\" id=\"csv\">CSV</a> · "
		    "<span class=\"en\">newest %d rows</span></p><table id=\"audit\"><thead><tr>"
		    "<th>日時 <span class=\"en\">time</span></th><th>誰が <span class=\"en\">actor"
		    "</span></th><th>操作 <span class=\"en\">action</span></th><th>受付番号 "
		    "<span class=\"en\">incident</span></th><th>詳細 <span class=\"en\">detail</span>"
		    "</th></tr></thead><tbody>", AUDIT_PAGE);
	}
	if (reg_web_audit_list(r->w->rg, NULL, csv ? AUDIT_CSV : AUDIT_PAGE, audit_row, &wk, err,
	    sizeof(err)) < 0)
		web_log(LOG_ERR, "audit: %s", err);
	if (!csv) {
		g_string_append(p->body, "</tbody></table>");
		html_foot(p);
	}
}
