/*
 * reports.c — the reports of `dlpctl report` as pages (admin, auditor):
 * a month (/report?month=YYYY-MM) or a Japanese fiscal year, April to
 * March (/report?fy=YYYY), with two bar charts drawn here as SVG
 * (incidents per month or per day, and per rule; no script), the summary
 * by disposition, and the same report as CSV (/report.csv?…: report_write_csv's
 * rows with a BOM, then report_write_summary_csv's summary).  Every view and export is an audit row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <microhttpd.h>

#include "quarantine/report.h"
#include "web/web.h"

#define BARS_MAX 31

struct period {
	time_t since, until;
	int year, month;	/* month 0: a fiscal year from April of year */
	int nbars;		/* days of the month, or 12 */
	char label[32];		/* "2026-12" or "FY2026" */
};

static time_t local_day(int y, int m, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1 };

	return mktime(&tm);
}

/* The period asked for (default: this month).  false when malformed. */
static bool period_of(struct req *r, struct period *pd)
{
	const char *month = req_arg(r, "month"), *fy = req_arg(r, "fy");
	time_t now = time(NULL);
	struct tm tm;
	char *end;

	memset(pd, 0, sizeof(*pd));
	localtime_r(&now, &tm);
	if (fy && *fy) {
		long y = strtol(fy, &end, 10);
		if (*end || y < 2000 || y > 2100)
			return false;
		pd->year = (int)y;
		pd->since = local_day(pd->year, 4, 1);
		pd->until = local_day(pd->year + 1, 4, 1);
		pd->nbars = 12;
		snprintf(pd->label, sizeof(pd->label), "FY%d", pd->year);
		return true;
	}
	pd->year = tm.tm_year + 1900;
	pd->month = tm.tm_mon + 1;
	if (month && *month && (sscanf(month, "%4d-%2d%c", &pd->year, &pd->month, (char[2]){0}) != 2 ||
	    strlen(month) != 7 || pd->year < 2000 || pd->year > 2100 || pd->month < 1 ||
	    pd->month > 12))
		return false;
	pd->since = local_day(pd->year, pd->month, 1);
	pd->until = local_day(pd->year, pd->month + 1, 1);	/* mktime normalises */
	pd->nbars = (int)((pd->until - pd->since + 43200) / 86400);
	snprintf(pd->label, sizeof(pd->label), "%04d-%02d", pd->year, pd->month);
	return true;
}

struct collect {
	json_t *rows;
	struct scan_options opt;
	const struct period *pd;
	long bars[BARS_MAX];
	bool oom;
};

static int collect_cb(const struct incident *inc, void *arg)
{
	struct collect *c = arg;
	struct tm tm;
	int i;

	c->oom |= json_array_insert_new(c->rows, 0, report_row(inc, &c->opt, false, NULL)) < 0;
	localtime_r(&inc->created, &tm);
	i = c->pd->month ? tm.tm_mday - 1 : (tm.tm_mon + 12 - 3) % 12;	/* April first */
	if (i >= 0 && i < BARS_MAX)
		c->bars[i]++;
	return c->oom;
}

/* A column chart of n bars, values v[i], labelled by day (1..n) or, with
 * fy, by month from April. */
static void svg_bars(GString *g, const char *id, const char *title, const long *v, int n,
    int fy)
{
	long max = 1;
	int w = n > 12 ? 22 : 48, h = 160, x;

	for (int i = 0; i < n; i++)
		max = v[i] > max ? v[i] : max;
	html_printf(g, "<svg id=\"%s\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"><title>", id, n * w + 40, h + 40,
	    n * w + 40, h + 40);
	html_esc(g, title);
	g_string_append(g, "</title>");
	for (int i = 0; i < n; i++) {
		int bh = (int)(v[i] * h / max);

		x = 30 + i * w;
		html_printf(g, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		    "fill=\"#1d3557\"><title>%ld</title></rect>", x, 10 + h - bh, w - 4, bh, v[i]);
		if (v[i])
			html_printf(g, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%ld</text>", x,
			    6 + h - bh, v[i]);
		g_string_append_printf(g, "<text x=\"%d\" y=\"%d\" font-size=\"10\">", x, h + 24);
		g_string_append_printf(g, "%d", fy ? (i + 3) % 12 + 1 : i + 1);
		g_string_append(g, "</text>");
	}
	g_string_append(g, "</svg>");
}

/* Horizontal bars with their names: one row per rule. */
static void svg_hbars(GString *g, const char *id, const char *title, const long *v, int n,
    const char *const *names)
{
	long max = 1;
	int rowh = 22, w = 360;

	for (int i = 0; i < n; i++)
		max = v[i] > max ? v[i] : max;
	html_printf(g, "<svg id=\"%s\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"><title>", id, 220 + w + 50,
	    n * rowh + 10, 220 + w + 50, n * rowh + 10);
	html_esc(g, title);
	g_string_append(g, "</title>");
	for (int i = 0; i < n; i++) {
		int bw = (int)(v[i] * w / max), y = 5 + i * rowh;

		g_string_append_printf(g, "<text x=\"0\" y=\"%d\" font-size=\"12\">", y + 14);
		html_esc(g, names[i]);
		html_printf(g, "</text><rect class=\"bar\" x=\"220\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\" fill=\"#457b9d\"><title>%ld</title></rect><text x=\"%d\" y=\"%d\" "
		    "font-size=\"12\">%ld</text>", y, bw, rowh - 6, v[i], 224 + bw, y + 14, v[i]);
	}
	g_string_append(g, "</svg>");
}

static void show(struct req *r, struct resp *p, const struct period *pd, struct collect *c)
{
	json_t *summary = report_summary(c->rows), *by;
	const char *names[BARS_MAX], *key;
	long counts[BARS_MAX];
	GString *g = p->body;
	int n = 0;
	json_t *v;

	html_head(r, p, "報告", "Report");
	g_string_append(g, "<form method=\"get\" action=\"/report\"><label>月 <span class=\"en\">"
	    "month</span> <input name=\"month\" type=\"month\"></label> <button>表示</button></form>"
	    "<form method=\"get\" action=\"/report\"><label>年度 <span class=\"en\">fiscal year"
	    "</span> <input name=\"fy\" size=\"5\" maxlength=\"4\"></label> <button>表示</button>"
	    "</form><h2 id=\"period\">");
	html_esc(g, pd->label);
	html_printf(g, "</h2><p>件数 <span class=\"en\">incidents</span>: <b id=\"total\">%zu</b> · "
	    "<a id=\"csv\" href=\"/report.csv?%s=", json_array_size(c->rows), pd->month ? "month" : "fy");
	if (pd->month)
		html_printf(g, "%04d-%02d", pd->year, pd->month);
	else
		html_printf(g, "%d", pd->year);
	g_string_append(g, "\">CSV</a></p><h3>");
	g_string_append(g, pd->month ? "日別 <span class=\"en\">per day</span>" :
	    "月別 <span class=\"en\">per month (April to March)</span>");
	g_string_append(g, "</h3>");
	svg_bars(g, "chart-time", pd->month ? "incidents per day" : "incidents per month",
	    c->bars, pd->nbars, !pd->month);
	g_string_append(g, "<h3>ルール別 <span class=\"en\">per rule</span></h3>");
	by = json_object_get(summary, "by_rule");
	json_object_foreach(by, key, v) {
		if (n >= BARS_MAX)
			break;
		names[n] = key;
		counts[n++] = (long)json_integer_value(v);
	}
	if (n)
		svg_hbars(g, "chart-rules", "incidents per rule", counts, n, names);
	g_string_append(g, "<h3>処理状況 <span class=\"en\">by disposition</span></h3><table "
	    "id=\"dispositions\">");
	json_object_foreach(json_object_get(summary, "by_disposition"), key, v) {
		g_string_append(g, "<tr><th>");
		html_esc(g, key);
		html_printf(g, "</th><td>%lld</td></tr>", (long long)json_integer_value(v));
	}
	g_string_append(g, "</table>");
	html_foot(p);
	json_decref(summary);
}

void page_report(struct req *r, struct resp *p, bool csv)
{
	struct period pd;
	struct collect c = { .pd = &pd };
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *mem;
	json_t *summary;

	if (!web_sees_all(r)) {
		html_message(r, p, MHD_HTTP_FORBIDDEN, "権限がありません", "Not allowed",
		    "報告は管理者と監査担当だけが見られます。",
		    "Only administrators and auditors see the reports.");
		return;
	}
	if (!period_of(r, &pd)) {
		html_message(r, p, MHD_HTTP_BAD_REQUEST, "期間が正しくありません", "Bad period",
		    "month=YYYY-MM か fy=YYYY（年度）で指定してください。",
		    "Give month=YYYY-MM or fy=YYYY (the fiscal year from April).");
		return;
	}
	conf_scan_options(r->w->cf, &c.opt);
	if (!(c.rows = json_array()) || reg_list(r->w->rg, NULL, pd.since, pd.until, collect_cb,
	    &c, err, sizeof(err)) < 0 || c.oom) {
		web_log(LOG_ERR, "report: %s", c.oom ? "out of memory" : err);
		json_decref(c.rows);
		html_message(r, p, MHD_HTTP_INTERNAL_SERVER_ERROR, "エラー", "Error",
		    "登録簿を読めませんでした。", "The register could not be read.");
		return;
	}
	web_audit(r, r->actor, csv ? "report exported" : "report viewed", NULL, pd.label);
	if (!csv) {
		show(r, p, &pd, &c);
		json_decref(c.rows);
		return;
	}
	summary = report_summary(c.rows);
	if ((mem = open_memstream(&buf, &len))) {
		report_write_csv(mem, c.rows, false, false, true);
		fputs("\r\n", mem);
		report_write_summary_csv(mem, summary, false, false);
		fclose(mem);
		g_string_append_len(p->body, buf, (gssize)len);
		free(buf);
	}
	p->ctype = "text/csv; charset=utf-8";
	snprintf(p->filename, sizeof(p->filename), "dlp-report-%s.csv", pd.label);
	json_decref(summary);
	json_decref(c.rows);
}
