/*
 * html.c — the pages' frame and escaping (see web.h).  Every string that
 * can come from a mail, a form or the register goes through html_esc.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "web/web.h"

void html_escn(GString *g, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *bad;

	while (p < end) {
		if (!g_utf8_validate(p, end - p, &bad) && bad == p) {
			g_string_append(g, "\xef\xbf\xbd");	/* U+FFFD */
			p++;
			continue;
		}
		for (const char *q = p; q < (bad ? bad : end); q++) {
			unsigned char c = (unsigned char)*q;
			switch (c) {
			case '&': g_string_append(g, "&amp;"); break;
			case '<': g_string_append(g, "&lt;"); break;
			case '>': g_string_append(g, "&gt;"); break;
			case '"': g_string_append(g, "&quot;"); break;
			case '\'': g_string_append(g, "&#39;"); break;
			default:
				if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
					g_string_append(g, "\xef\xbf\xbd");
				else
					g_string_append_c(g, (char)c);
			}
		}
		p = bad ? bad : end;
		bad = NULL;
	}
}

void html_esc(GString *g, const char *s)
{
	if (s)
		html_escn(g, s, strlen(s));
}

/* fmt is the program's own HTML; arguments are escaped by the caller. */
void html_printf(GString *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_string_append_vprintf(g, fmt, ap);
	va_end(ap);
}

void html_time(GString *g, time_t t)
{
	char buf[64];
	struct tm tm;

	if (localtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		g_string_append(g, buf);
	else
		g_string_append(g, "-");
}

void html_csrf(struct req *r, GString *g)
{
	g_string_append(g, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_esc(g, r->s.csrf);
	g_string_append(g, "\">");
}

static const char STYLE[] =
	"body{font-family:'IPAGothic','Noto Sans CJK JP',sans-serif;margin:0;color:#222}"
	"header{background:#1d3557;color:#fff;padding:.6em 1em;display:flex;flex-wrap:wrap;"
	"justify-content:space-between;align-items:center}"
	"header a{color:#fff}main{padding:1em;max-width:72em}"
	"table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;"
	"padding:.35em;text-align:left;vertical-align:top}"
	".en{color:#666;font-size:.9em}.msg{font-size:1.1em}"
	"button{padding:.5em 1em;margin:.2em}textarea{width:100%;max-width:40em}"
	"pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.5em}"
	"@media(max-width:40em){td,th{display:block}}";

void html_head(struct req *r, struct resp *p, const char *title_ja, const char *title_en)
{
	GString *g = p->body;

	g_string_append(g, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>");
	html_esc(g, title_ja);
	g_string_append(g, " / ");
	html_esc(g, title_en);
	html_printf(g, " — dlp-web</title><style>%s</style></head><body><header>"
	    "<span><a href=\"/queue\">dlp-web</a> 保留メールの管理 "
	    "<span class=\"en\" style=\"color:#ddd\">held mail</span></span>", STYLE);
	if (r->signed_in) {
		g_string_append(g, "<form method=\"post\" action=\"/signout\"><span id=\"who\">");
		html_esc(g, r->s.user);
		g_string_append(g, " (");
		html_esc(g, r->s.role);
		g_string_append(g, ")</span> ");
		html_csrf(r, g);
		g_string_append(g, "<button id=\"signout\">サインアウト / Sign out</button></form>");
	}
	g_string_append(g, "</header><main><h1>");
	html_esc(g, title_ja);
	g_string_append(g, " <span class=\"en\">");
	html_esc(g, title_en);
	g_string_append(g, "</span></h1>\n");
}

void html_foot(struct resp *p)
{
	g_string_append(p->body, "</main></body></html>\n");
}

void html_message(struct req *r, struct resp *p, int status, const char *title_ja,
    const char *title_en, const char *ja, const char *en)
{
	p->status = status;
	html_head(r, p, title_ja, title_en);
	g_string_append(p->body, "<p class=\"msg\" id=\"msg\">");
	html_esc(p->body, ja);
	g_string_append(p->body, "</p><p class=\"en\" id=\"msg-en\">");
	html_esc(p->body, en);
	g_string_append(p->body, "</p>");
	html_foot(p);
}
