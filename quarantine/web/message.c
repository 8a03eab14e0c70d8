/*
 * message.c — the held message itself, read from the quarantine with
 * GMime: which envelope recipients were visible (To, Cc) or not (Bcc),
 * and the page of its decoded text (/incident/ID/message), every view of
 * which is an audit row.  Text parts are shown decoded to UTF-8 and
 * escaped, cut at MESSAGE_TEXT_MAX bytes; other parts by type, name and
 * size only.  Nothing is ever served as the part's own content type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <gmime/gmime.h>
#include <microhttpd.h>

#include "quarantine/held.h"
#include "web/web.h"

#define MESSAGE_TEXT_MAX (256 * 1024)	/* bytes of one part's text shown */
#define MESSAGE_PARTS_MAX 200

/* The stored message of id parsed, or NULL (err logged). */
static GMimeMessage *load(struct web *w, const char *id)
{
	GMimeMessage *msg = NULL;
	GMimeParser *parser;
	GMimeStream *st;
	unsigned char *data;
	char err[512];
	size_t len;

	if (!(data = held_get(w->rg, w->qdir, id, &len, NULL, err, sizeof(err)))) {
		web_log(LOG_WARNING, "%s: %s", id, err);
		return NULL;
	}
	st = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	parser = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(st);
	free(data);
	return msg;
}

/* true when addr is in the list (case-insensitive). */
static bool in_list(InternetAddressList *l, const char *addr)
{
	int n = l ? internet_address_list_length(l) : 0;

	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a) &&
		    strcasecmp(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)), addr) == 0)
			return true;
		if (INTERNET_ADDRESS_IS_GROUP(a) &&
		    in_list(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), addr))
			return true;
	}
	return false;
}

void web_recipients(struct web *w, GString *g, const struct incident *inc)
{
	GMimeMessage *msg = load(w, inc->id);
	InternetAddressList *to = NULL, *cc = NULL;
	const char *a, *mark;
	size_t i;
	json_t *v;

	if (msg) {
		to = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO);
		cc = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC);
	}
	g_string_append(g, "<ul id=\"rcpt\">");
	json_array_foreach(inc->rcpt, i, v) {
		a = json_string_value(v) ? json_string_value(v) : "?";
		mark = !msg ? "" : in_list(to, a) ? "To" : in_list(cc, a) ? "Cc" : "Bcc";
		html_printf(g, "<li><span class=\"mark\">%s</span> ", mark);
		html_esc(g, a);
		g_string_append(g, "</li>");
	}
	g_string_append(g, "</ul>");
	if (msg)
		g_object_unref(msg);
}

struct walk {
	GString *g;
	int n;
};

static void show_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	struct walk *wk = data;
	GString *g = wk->g;
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	const char *name = GMIME_IS_PART(part) ? g_mime_part_get_filename(GMIME_PART(part)) : NULL;
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *text;
	size_t len;

	if (GMIME_IS_MULTIPART(part) || ++wk->n > MESSAGE_PARTS_MAX) {
		g_free(type);
		return;
	}
	html_printf(g, "<h3 class=\"part\">%d. ", wk->n);
	html_esc(g, type ? type : "?");
	if (name) {
		g_string_append(g, " 「");
		html_esc(g, name);
		g_string_append(g, "」");
	}
	g_string_append(g, "</h3>");
	g_free(type);
	if (!GMIME_IS_TEXT_PART(part) || (name && g_mime_part_is_attachment(GMIME_PART(part)) &&
	    !g_mime_content_type_is_type(ct, "text", "*"))) {
		g_string_append(g, "<p class=\"en\">（テキストではありません / not text: see the "
		    "findings above）</p>");
		return;
	}
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	len = text ? strlen(text) : 0;
	g_string_append(g, "<pre class=\"text\">");
	html_escn(g, text ? text : "", len > MESSAGE_TEXT_MAX ? MESSAGE_TEXT_MAX : len);
	g_string_append(g, "</pre>");
	if (len > MESSAGE_TEXT_MAX)
		html_printf(g, "<p class=\"en\">（%zu バイト中 %d バイトを表示 / first %d of %zu bytes）</p>",
		    len, MESSAGE_TEXT_MAX, MESSAGE_TEXT_MAX, len);
	g_free(text);
}

static void header_row(GString *g, const char *name, const char *value)
{
	g_string_append(g, "<tr><th>");
	html_esc(g, name);
	g_string_append(g, "</th><td>");
	html_esc(g, value ? value : "");
	g_string_append(g, "</td></tr>");
}

void web_message_page(struct req *r, struct resp *p, const struct incident *inc)
{
	static const struct { const char *name; GMimeAddressType t; } lists[] = {
		{ "From", GMIME_ADDRESS_TYPE_FROM }, { "To", GMIME_ADDRESS_TYPE_TO },
		{ "Cc", GMIME_ADDRESS_TYPE_CC },
	};
	struct walk wk = { p->body, 0 };
	GMimeMessage *msg;
	char *s;

	if (!(msg = load(r->w, inc->id))) {
		html_message(r, p, MHD_HTTP_NOT_FOUND, "本文がありません", "No stored message",
		    "この保留のメールは保存されていません（送信済み・削除済み・期限切れ）。",
		    "The message is no longer stored (released, deleted or expired).");
		return;
	}
	web_audit(r, r->actor, "message viewed", inc->id, NULL);
	html_head(r, p, "メールの内容", "Message content");
	g_string_append(p->body, "<p class=\"en\">この表示は監査記録に残ります。"
	    "This view is recorded in the audit trail.</p><table id=\"headers\">");
	header_row(p->body, "Subject", g_mime_message_get_subject(msg));
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		s = internet_address_list_to_string(g_mime_message_get_addresses(msg, lists[i].t),
		    NULL, FALSE);
		header_row(p->body, lists[i].name, s);
		g_free(s);
	}
	header_row(p->body, "Date", g_mime_object_get_header(GMIME_OBJECT(msg), "Date"));
	g_string_append(p->body, "</table><div id=\"parts\">");
	g_mime_message_foreach(msg, show_part, &wk);
	g_string_append(p->body, "</div><p><a href=\"/incident/");
	html_esc(p->body, inc->id);
	g_string_append(p->body, "\">戻る / back</a></p>");
	html_foot(p);
	g_object_unref(msg);
}
