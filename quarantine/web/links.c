/*
 * links.c — the pages of the signed links in the hold notice (link.h):
 *   /link/cancel/TOKEN    「送信を取り消す」: the held message is deleted
 *                         (release_delete, as `dlpctl delete`), the
 *                         sender told;
 *   /link/justify/TOKEN   「理由を添えて承認を依頼する」: the sender's
 *                         reason becomes a "release requested" row of the
 *                         incident's history, for the admin (the
 *                         approver, once supervisor approval is routed).
 * A GET only shows the page and its form (mail scanners and previews open
 * links); the POST of that form acts, once: the link is marked used in the
 * register first (reg_link_use), so a second POST, or a replay, finds it
 * used.  The form carries a token of its own, HMAC("form|" link id), so a
 * POST needs the page.  Altered, expired, used or wrong-action links get
 * a page saying so, and nothing changes.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <microhttpd.h>
#include <sodium.h>

#include "quarantine/release.h"
#include "web/web.h"

static void form_token(struct web *w, const struct link *l, char out[65])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char msg[128];

	snprintf(msg, sizeof(msg), "form|%s", l->id);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), w->key);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
}

static void refuse(struct req *r, struct resp *p, int status, const char *ja, const char *en)
{
	html_message(r, p, status, "このリンクは使えません", "This link cannot be used", ja, en);
}

/* The page of a valid, unused link: what it does and its form. */
static void show_form(struct req *r, struct resp *p, const struct link *l,
    const struct incident *inc, const char *token)
{
	bool cancel = strcmp(l->action, "cancel") == 0;
	GString *g = p->body;
	char ft[65];

	form_token(r->w, l, ft);
	html_head(r, p, cancel ? "送信を取り消す" : "理由を添えて承認を依頼する",
	    cancel ? "Cancel sending" : "Request release with a reason");
	g_string_append(g, "<table><tr><th>受付番号 <span class=\"en\">incident</span></th><td id=\"id\">");
	html_esc(g, inc->id);
	g_string_append(g, "</td></tr><tr><th>件名 <span class=\"en\">subject</span></th><td id=\"subject\">");
	html_esc(g, inc->subject ? inc->subject : "");
	g_string_append(g, "</td></tr><tr><th>日時 <span class=\"en\">time</span></th><td>");
	html_time(g, inc->created);
	g_string_append(g, "</td></tr></table><form method=\"post\" id=\"act\" action=\"/link/");
	html_esc(g, l->action);
	g_string_append(g, "/");
	html_esc(g, token);
	g_string_append(g, "\"><input type=\"hidden\" name=\"form\" value=\"");
	g_string_append(g, ft);
	g_string_append(g, "\">");
	if (cancel)
		g_string_append(g, "<p>このメールは宛先に送信されず、削除されます。"
		    "<span class=\"en\">The message will not be sent; it is deleted.</span></p>"
		    "<button id=\"go\">送信を取り消す / Cancel sending</button>");
	else
		html_printf(g, "<p>送信が必要な理由を書いてください。承認者が確認します。"
		    "<span class=\"en\">Say why the message must go; an approver decides.</span></p>"
		    "<textarea name=\"reason\" id=\"reason\" maxlength=\"%d\" rows=\"4\" required>"
		    "</textarea><br><button id=\"go\">承認を依頼する / Request release</button>",
		    WEB_REASON_MAX);
	g_string_append(g, "</form>");
	html_foot(p);
}

/* The action of the link's POST, the link marked used. */
static void act(struct req *r, struct resp *p, const struct link *l, const char *reason)
{
	struct release_opts o = { .relay = r->w->cf->release_relay, .qdir = r->w->qdir };
	char actor[400], msg[2048] = "", err[512];
	enum release_rc rc;

	snprintf(actor, sizeof(actor), "link:%s", l->recipient);
	o.actor = actor;
	if (strcmp(l->action, "cancel") == 0) {
		o.reason = "送信者が取り消し / cancelled by the sender";
		rc = release_delete(r->w->rg, l->incident, &o, msg, sizeof(msg));
		web_audit(r, actor, "cancel", l->incident, release_strerror(rc));
		if (rc == REL_DONE) {
			web_tell_sender(r->w, l->incident, NOTICE_DELETED, o.reason, actor);
			html_message(r, p, MHD_HTTP_OK, "送信を取り消しました", "Sending cancelled",
			    "このメールは送信されず、削除されました。", "The message was not sent; it is deleted.");
		} else {
			html_message(r, p, rc == REL_ERROR ? MHD_HTTP_INTERNAL_SERVER_ERROR :
			    MHD_HTTP_CONFLICT, "取り消せませんでした", "Not cancelled",
			    "この保留はすでに処理されています。", msg);
		}
		return;
	}
	if (reg_audit(r->w->rg, l->incident, actor, "release requested", reason, err,
	    sizeof(err)) < 0) {
		web_log(LOG_ERR, "%s: release request not recorded: %s", l->incident, err);
		html_message(r, p, MHD_HTTP_INTERNAL_SERVER_ERROR, "エラー", "Error",
		    "依頼を記録できませんでした。", "The request could not be recorded.");
		return;
	}
	web_audit(r, actor, "release requested", l->incident, reason);
	html_message(r, p, MHD_HTTP_OK, "承認を依頼しました", "Release requested",
	    "理由を添えて承認を依頼しました。結果はメールでお知らせします。",
	    "Your request and reason were passed on; you will be told the outcome by mail.");
}

void page_link(struct req *r, struct resp *p, const char *action, const char *token)
{
	const char *reason = req_arg(r, "reason"), *form = req_arg(r, "form");
	bool post = strcmp(r->method, "POST") == 0;
	struct incident inc;
	struct link l;
	enum link_rc lrc;
	char err[512], ft[65];
	int rc;

	if (strcmp(action, "cancel") != 0 && strcmp(action, "justify") != 0) {
		html_message(r, p, MHD_HTTP_NOT_FOUND, "ページがありません", "Not found",
		    "このアドレスのページはありません。", "There is no page at this address.");
		return;
	}
	lrc = link_check(r->w->key, token, action, time(NULL), &l);
	if (lrc == LINK_EXPIRED) {
		refuse(r, p, MHD_HTTP_GONE, "このリンクは有効期限が切れています。何も変更していません。",
		    "This link has expired. Nothing was changed.");
		return;
	}
	if (lrc != LINK_OK) {
		refuse(r, p, MHD_HTTP_BAD_REQUEST, "このリンクは正しくありません（一部が欠けているか、"
		    "書き換えられています）。何も変更していません。",
		    "This link is not valid (incomplete or altered). Nothing was changed.");
		return;
	}
	if ((rc = reg_link_used(r->w->rg, l.id, NULL, err, sizeof(err))) != 0) {
		if (rc < 0)
			web_log(LOG_ERR, "link: %s", err);
		refuse(r, p, rc < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_GONE,
		    "このリンクは使用済みです。何も変更していません。",
		    "This link was already used. Nothing was changed.");
		return;
	}
	if ((rc = reg_get(r->w->rg, l.incident, &inc, err, sizeof(err))) != 0) {
		refuse(r, p, rc > 0 ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "この保留は見つかりません。", "No such held message.");
		return;
	}
	if (strcmp(inc.status, "held") != 0) {
		refuse(r, p, MHD_HTTP_CONFLICT, "この保留はすでに処理されています。何も変更していません。",
		    "This held message was already dealt with. Nothing was changed.");
		goto out;
	}
	if (!post) {
		show_form(r, p, &l, &inc, token);
		goto out;
	}
	form_token(r->w, &l, ft);
	if (!form || strlen(form) != 64 || sodium_memcmp(form, ft, 64) != 0) {
		web_audit(r, "link", "refused: no form token", l.incident, l.action);
		refuse(r, p, MHD_HTTP_FORBIDDEN, "リンクのページから送信してください。何も変更していません。",
		    "Send the form of the link's page. Nothing was changed.");
		goto out;
	}
	if (strcmp(action, "justify") == 0 && (!reason || !*reason ||
	    strlen(reason) > WEB_REASON_MAX)) {
		html_message(r, p, MHD_HTTP_BAD_REQUEST, "理由を書いてください", "A reason is needed",
		    "理由（1000バイト以内）を書いてから送信してください。何も変更していません。",
		    "Write a reason (up to 1000 bytes) first. Nothing was changed.");
		goto out;
	}
	if ((rc = reg_link_use(r->w->rg, l.id, l.incident, l.action, time(NULL), err,
	    sizeof(err))) != 0) {
		refuse(r, p, rc < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_GONE,
		    "このリンクは使用済みです。何も変更していません。",
		    "This link was already used. Nothing was changed.");
		goto out;
	}
	act(r, p, &l, reason);
out:
	incident_clear(&inc);
}
