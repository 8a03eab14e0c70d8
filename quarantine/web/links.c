/*
 * links.c — the pages of the signed links (notice/link.h):
 *   for the sender, in the hold notice:
 *   /link/cancel/TOKEN    「送信を取り消す」: the held message is deleted
 *                         (release_delete, as `dlpctl delete`), the
 *                         sender told; in the delay notice too, where a
 *                         delayed message becomes `cancelled`;
 *   /link/justify/TOKEN   「理由を添えて承認を依頼する」: the sender's
 *                         reason becomes a "release requested" row of the
 *                         incident's history and goes, in an approval
 *                         request, to the sender's approvers;
 *   for an approver, in the approval request:
 *   /link/approve/TOKEN   the message is released (release_incident, as
 *                         `dlpctl release`), the sender told;
 *   /link/reject/TOKEN    it is deleted, the sender told.
 * An approver's link works only while its recipient is still an approver
 * of the sender (approvers table, proxies included).  With [web]
 * approver_link_password = yes its form also asks for the password of the
 * approver account named by the link's recipient: a wrong one changes
 * nothing (the link stays unused), counts as a failed sign-in and is an
 * audit row.  A GET only shows the page and its form
 * (mail scanners and previews open links); the POST of that form acts,
 * once: the link is marked used in the register first (reg_link_use), so
 * a second POST, or a replay, finds it used.  The form carries a token of
 * its own, HMAC("form|" link id), so a POST needs the page.  Altered,
 * expired, used or wrong-action links get a page saying so, and nothing
 * changes.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <microhttpd.h>
#include <sodium.h>

#include "notice/queue.h"
#include "quarantine/release.h"
#include "web/web.h"

static const struct page {
	const char *action, *title_ja, *title_en, *what_ja, *what_en, *button;
	bool reason_required, approver;
} pages[] = {
	{ "cancel", "送信を取り消す", "Cancel sending",
	  "このメールは宛先に送信されず、削除されます。", "The message will not be sent; it is deleted.",
	  "送信を取り消す / Cancel sending", false, false },
	{ "justify", "理由を添えて承認を依頼する", "Request release with a reason",
	  "送信が必要な理由を書いてください。承認者が確認します。",
	  "Say why the message must go; an approver decides.",
	  "承認を依頼する / Request release", true, false },
	{ "approve", "送信を承認する", "Approve and send",
	  "承認すると、このメールは宛先に送信されます。", "If you approve, the message is sent to its recipients.",
	  "承認して送信する / Approve", false, true },
	{ "reject", "差し戻す（削除）", "Reject",
	  "差し戻すと、このメールは送信されずに削除されます。", "If you reject, the message is deleted, not sent.",
	  "差し戻す / Reject", false, true },
};

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

/* The sender's reasons (history rows "release requested"), for approvers. */
static int requested_row(const struct audit *a, void *arg)
{
	GString *g = arg;

	if (strcmp(a->action, "release requested") != 0)
		return 0;
	g_string_append(g, "<li class=\"request\">");
	html_time(g, a->time);
	g_string_append(g, " ");
	html_esc(g, a->actor);
	g_string_append(g, ": ");
	html_esc(g, a->reason ? a->reason : "");
	g_string_append(g, "</li>");
	return 0;
}

/* The page of a valid, unused link: what it does and its form. */
static void show_form(struct req *r, struct resp *p, const struct page *pg,
    const struct link *l, const struct incident *inc, const char *token)
{
	GString *g = p->body;
	char ft[65], err[256];

	form_token(r->w, l, ft);
	html_head(r, p, pg->title_ja, pg->title_en);
	g_string_append(g, "<table><tr><th>受付番号 <span class=\"en\">incident</span></th><td id=\"id\">");
	html_esc(g, inc->id);
	if (pg->approver) {
		g_string_append(g, "</td></tr><tr><th>送信者 <span class=\"en\">sender</span></th>"
		    "<td id=\"sender\">");
		html_esc(g, inc->sender ? inc->sender : "");
	}
	g_string_append(g, "</td></tr><tr><th>件名 <span class=\"en\">subject</span></th><td id=\"subject\">");
	html_esc(g, inc->subject ? inc->subject : "");
	g_string_append(g, "</td></tr><tr><th>日時 <span class=\"en\">time</span></th><td>");
	html_time(g, inc->created);
	html_printf(g, "</td></tr><tr><th>宛先 <span class=\"en\">recipients</span></th><td>"
	    "%ld（外部 %ld）</td></tr></table>", inc->recipients, inc->external);
	if (pg->approver) {
		g_string_append(g, "<h2>送信者の理由 <span class=\"en\">the sender's reason</span></h2>"
		    "<ul id=\"requests\">");
		if (reg_history(r->w->rg, inc->id, requested_row, g, err, sizeof(err)) < 0)
			web_log(LOG_ERR, "history %s: %s", inc->id, err);
		g_string_append(g, "</ul>");
	}
	g_string_append(g, "<form method=\"post\" id=\"act\" action=\"/link/");
	html_esc(g, l->action);
	g_string_append(g, "/");
	html_esc(g, token);
	html_printf(g, "\"><input type=\"hidden\" name=\"form\" value=\"%s\"><p>%s"
	    "<span class=\"en\"> %s</span></p>", ft, pg->what_ja, pg->what_en);
	if (pg->approver && r->w->cf->web_link_password) {
		g_string_append(g, "<p>承認者アカウント <b id=\"account\">");
		html_esc(g, l->recipient);
		g_string_append(g, "</b> のパスワードを入力してください。<span class=\"en\"> The password "
		    "of the approver account above is needed.</span></p><label>パスワード <span "
		    "class=\"en\">password</span><br><input type=\"password\" name=\"password\" "
		    "id=\"password\" autocomplete=\"current-password\" required></label><br>");
	}
	if (strcmp(pg->action, "cancel") != 0)
		html_printf(g, "<label>理由 <span class=\"en\">reason</span><br><textarea name=\"reason\" "
		    "id=\"reason\" maxlength=\"%d\" rows=\"4\"%s></textarea></label><br>",
		    WEB_REASON_MAX, pg->reason_required ? " required" : "");
	html_printf(g, "<button id=\"go\">%s</button></form>", pg->button);
	html_foot(p);
}

/* justify: the reason in the history, and an approval request with it to
 * the sender's approvers and, by the proxy rule of an approve hold, their
 * proxies (notice/queue.h nq_request_approval: at once when an approver
 * is away, else by the milter's notifier after [web] proxy_after); none:
 * the admin sees it in the console. */
static void request_release(struct req *r, struct resp *p, const struct link *l,
    const struct incident *inc, const char *reason, const char *actor)
{
	long long seqs[2 * REG_PLAN_MAX];
	char err[512];
	int asked, n = 0;

	if (reg_audit(r->w->rg, l->incident, actor, REG_RELEASE_REQUESTED, reason, err,
	    sizeof(err)) < 0) {
		web_log(LOG_ERR, "%s: release request not recorded: %s", l->incident, err);
		html_message(r, p, MHD_HTTP_INTERNAL_SERVER_ERROR, "エラー", "Error",
		    "依頼を記録できませんでした。", "The request could not be recorded.");
		return;
	}
	web_audit(r, actor, REG_RELEASE_REQUESTED, l->incident, reason);
	if ((asked = nq_request_approval(r->w->rg, l->incident, inc->sender, reason,
	    r->w->cf->web_proxy_after / 1000, time(NULL), seqs, 2 * REG_PLAN_MAX, &n, err,
	    sizeof(err))) < 0)
		web_log(LOG_ERR, "%s: approval request: %s", l->incident, err);
	for (int i = 0; i < n; i++)
		web_deliver_notice(r->w, l->incident, seqs[i], actor);
	html_message(r, p, MHD_HTTP_OK, "承認を依頼しました", "Release requested",
	    asked > 0 ? "理由を添えて承認者に依頼しました。結果はメールでお知らせします。" :
	    "理由を添えて管理者に依頼しました。結果はメールでお知らせします。",
	    "Your request and reason were passed on; you will be told the outcome by mail.");
}

/* The action of the link's POST, the link marked used. */
static void act(struct req *r, struct resp *p, const struct link *l, const struct incident *inc,
    const char *reason)
{
	struct release_opts o = { .relay = r->w->cf->release_relay, .qdir = r->w->qdir };
	bool cancel = strcmp(l->action, "cancel") == 0, approve = strcmp(l->action, "approve") == 0;
	char actor[400], msg[2048] = "", detail[2200];
	enum release_rc rc;
	int have = 0;

	snprintf(actor, sizeof(actor), "%s:%s", cancel ? "sender" : "approver", l->recipient);
	o.actor = actor;
	if (strcmp(l->action, "justify") == 0) {
		snprintf(actor, sizeof(actor), "sender:%s", l->recipient);
		request_release(r, p, l, inc, reason, actor);
		return;
	}
	o.reason = cancel ? "送信者が取り消し / cancelled by the sender" :
	    reason && *reason ? reason : NULL;
	if (cancel && strcmp(inc->status, "delayed") == 0)
		o.delete_as = "cancelled";	/* a delay the sender stopped before it went */
	rc = approve ? web_approve(r->w, l->incident, actor, o.reason, false, &have,
	    msg, sizeof(msg)) :
	    release_delete(r->w->rg, l->incident, &o, msg, sizeof(msg));
	snprintf(detail, sizeof(detail), "%s: %s", release_strerror(rc), msg);
	web_audit(r, actor, l->action, l->incident, detail);
	if (approve && rc == REL_BUSY && have > 0) {
		html_message(r, p, MHD_HTTP_OK, "承認を記録しました", "Approval recorded",
		    "二人目の承認者の承認を待っています。", msg);
		return;
	}
	if (rc == REL_DONE) {
		web_tell_sender(r->w, l->incident, approve ? NOTICE_RELEASED : NOTICE_DELETED, o.reason,
		    actor);
		html_message(r, p, MHD_HTTP_OK, cancel ? "送信を取り消しました" : approve ?
		    "承認して送信しました" : "差し戻しました", cancel ? "Sending cancelled" : approve ?
		    "Approved and sent" : "Rejected", approve ? "このメールは宛先に送信されました。" :
		    "このメールは送信されず、削除されました。", approve ?
		    "The message was sent to its recipients." : "The message was not sent; it is deleted.");
		return;
	}
	html_message(r, p, rc == REL_ERROR || rc == REL_SEND_FAILED ? MHD_HTTP_BAD_GATEWAY :
	    MHD_HTTP_CONFLICT, "できませんでした", "Not done", rc == REL_SEND_FAILED ?
	    "送信できませんでした。メールは保留のままです。管理者にご連絡ください。" :
	    "この保留はすでに処理されています。", msg);
}

/* Checks of a POST: its form token, its reason.  true when it may act. */
static bool post_ok(struct req *r, struct resp *p, const struct page *pg, const struct link *l)
{
	const char *reason = req_arg(r, "reason"), *form = req_arg(r, "form");
	char ft[65];

	form_token(r->w, l, ft);
	if (!form || strlen(form) != 64 || sodium_memcmp(form, ft, 64) != 0) {
		web_audit(r, "link", "refused: no form token", l->incident, l->action);
		refuse(r, p, MHD_HTTP_FORBIDDEN, "リンクのページから送信してください。何も変更していません。",
		    "Send the form of the link's page. Nothing was changed.");
		return false;
	}
	if ((pg->reason_required && (!reason || !*reason)) ||
	    (reason && strlen(reason) > WEB_REASON_MAX)) {
		html_message(r, p, MHD_HTTP_BAD_REQUEST, "理由を書いてください", "A reason is needed",
		    "理由（1000バイト以内）を書いてから送信してください。何も変更していません。",
		    "Write a reason (up to 1000 bytes) first. Nothing was changed.");
		return false;
	}
	if (pg->approver && r->w->cf->web_link_password) {
		char actor[400];
		int rc = auth_password(r, l->recipient, req_arg(r, "password"));

		snprintf(actor, sizeof(actor), "approver:%s", l->recipient);
		if (rc == AUTH_BLOCKED) {
			web_audit(r, actor, "link refused: too many failures", l->incident, l->action);
			refuse(r, p, MHD_HTTP_TOO_MANY_REQUESTS, "失敗が続いたため、しばらく使えません。15分ほど"
			    "待ってからお試しください。何も変更していません。", "Too many failed passwords: "
			    "wait about 15 minutes and try again. Nothing was changed.");
			return false;
		}
		if (rc != AUTH_OK) {
			web_audit(r, actor, "link password failed", l->incident, l->action);
			refuse(r, p, MHD_HTTP_UNAUTHORIZED, "パスワードが違います。何も変更していません。"
			    "リンクはもう一度使えます。", "Wrong password. Nothing was changed; the link "
			    "can be used again.");
			return false;
		}
	}
	return true;
}

/* The link's own checks: signature, action, expiry, single use.  true
 * when it may be shown; else the page is made. */
static bool link_ok(struct req *r, struct resp *p, const char *action, const char *token,
    struct link *l)
{
	enum link_rc lrc = link_check(r->w->key, token, action, time(NULL), l);
	char err[512];
	int rc;

	if (lrc == LINK_EXPIRED) {
		refuse(r, p, MHD_HTTP_GONE, "このリンクは有効期限が切れています。何も変更していません。",
		    "This link has expired. Nothing was changed.");
		return false;
	}
	if (lrc != LINK_OK) {
		refuse(r, p, MHD_HTTP_BAD_REQUEST, "このリンクは正しくありません（一部が欠けているか、"
		    "書き換えられています）。何も変更していません。",
		    "This link is not valid (incomplete or altered). Nothing was changed.");
		return false;
	}
	if ((rc = reg_link_used(r->w->rg, l->id, NULL, err, sizeof(err))) != 0) {
		if (rc < 0)
			web_log(LOG_ERR, "link: %s", err);
		refuse(r, p, rc < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_GONE,
		    "このリンクは使用済みです。何も変更していません。",
		    "This link was already used. Nothing was changed.");
		return false;
	}
	return true;
}

void page_link(struct req *r, struct resp *p, const char *action, const char *token)
{
	const struct page *pg = NULL;
	struct incident inc;
	struct link l;
	char err[512];
	int rc;

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (strcmp(action, pages[i].action) == 0)
			pg = &pages[i];
	if (!pg) {
		html_message(r, p, MHD_HTTP_NOT_FOUND, "ページがありません", "Not found",
		    "このアドレスのページはありません。", "There is no page at this address.");
		return;
	}
	if (!link_ok(r, p, action, token, &l))
		return;
	if ((rc = reg_get(r->w->rg, l.incident, &inc, err, sizeof(err))) != 0) {
		refuse(r, p, rc > 0 ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "この保留は見つかりません。", "No such held message.");
		return;
	}
	/* a delay waiting for its time may be cancelled by its sender */
	if (strcmp(inc.status, "held") != 0 && !(strcmp(inc.status, "delayed") == 0 &&
	    strcmp(action, "cancel") == 0)) {
		refuse(r, p, MHD_HTTP_CONFLICT, "この保留はすでに処理されています。何も変更していません。",
		    "This held message was already dealt with. Nothing was changed.");
		goto out;
	}
	if (pg->approver && reg_approver_is(r->w->rg, inc.sender, l.recipient, 1, err,
	    sizeof(err)) != 1) {
		refuse(r, p, MHD_HTTP_FORBIDDEN, "このリンクの宛先は、現在この送信者の承認者ではありません。"
		    "何も変更していません。", "The link's recipient is no longer an approver of this "
		    "sender. Nothing was changed.");
		goto out;
	}
	if (strcmp(r->method, "POST") != 0) {
		show_form(r, p, pg, &l, &inc, token);
		goto out;
	}
	if (!post_ok(r, p, pg, &l))
		goto out;
	if ((rc = reg_link_use(r->w->rg, l.id, l.incident, l.action, time(NULL), err,
	    sizeof(err))) != 0) {
		refuse(r, p, rc < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_GONE,
		    "このリンクは使用済みです。何も変更していません。",
		    "This link was already used. Nothing was changed.");
		goto out;
	}
	act(r, p, &l, &inc, req_arg(r, "reason"));
out:
	incident_clear(&inc);
}
