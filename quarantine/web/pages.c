/*
 * pages.c — the console's pages: the queue of held mail, an incident, and
 * the admin's decisions (release, delete) through release.c, the checked
 * path of `dlpctl release` and `dlpctl delete`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <microhttpd.h>

#include "notice/notify.h"
#include "notice/queue.h"
#include "quarantine/incident.h"
#include "quarantine/release.h"
#include "web/web.h"

static bool is_admin(struct req *r)
{
	return r->signed_in && strcmp(r->s.role, "admin") == 0;
}

bool web_sees_all(struct req *r)
{
	return strcmp(r->s.role, "admin") == 0 || strcmp(r->s.role, "auditor") == 0;
}

/* An approver (whose user name is their mail address) sees and decides
 * the holds of the senders they approve for (approvers table, proxies
 * included), and no others. */
static bool routed(struct req *r, const struct incident *inc)
{
	char err[256];

	return strcmp(r->s.role, "approver") == 0 &&
	    reg_approver_is(r->w->rg, inc->sender, r->s.user, 1, err, sizeof(err)) == 1;
}

bool web_may_see(struct req *r, const struct incident *inc)
{
	return web_sees_all(r) || routed(r, inc);
}

static bool may_decide(struct req *r, const struct incident *inc)
{
	return is_admin(r) || routed(r, inc);
}

const char *web_str_or(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* ---- one incident ---- */

static void row(GString *g, const char *ja, const char *en, const char *id, const char *value)
{
	html_printf(g, "<tr><th>%s <span class=\"en\">%s</span></th><td id=\"%s\">", ja, en, id);
	html_esc(g, value);
	g_string_append(g, "</td></tr>");
}

static void show_rules(GString *g, const struct incident *inc)
{
	size_t i;
	json_t *o;

	g_string_append(g, "<h2>ルールと理由 <span class=\"en\">rules and reasons</span></h2><ul>");
	json_array_foreach(inc->rules, i, o) {
		g_string_append(g, "<li><b>");
		html_esc(g, web_str_or(json_string_value(json_object_get(o, "name")), "?"));
		g_string_append(g, "</b> (");
		html_esc(g, web_str_or(json_string_value(json_object_get(o, "action")), "?"));
		g_string_append(g, ")<pre>");
		html_esc(g, web_str_or(json_string_value(json_object_get(o, "reason")), "-"));
		g_string_append(g, "</pre></li>");
	}
	g_string_append(g, "</ul>");
}

static void show_findings(GString *g, const struct incident *inc)
{
	const char *type;
	json_t *f, *s, *pt, *v;
	size_t i;

	g_string_append(g, "<h2>検出 <span class=\"en\">findings (masked)</span></h2><table>");
	json_object_foreach(inc->findings, type, f) {
		g_string_append(g, "<tr><th>");
		html_esc(g, type);
		html_printf(g, "</th><td>%lld</td><td>",
		    (long long)json_integer_value(json_object_get(f, "count")));
		json_array_foreach(json_object_get(f, "samples"), i, s) {
			if (i)
				g_string_append(g, ", ");
			html_esc(g, web_str_or(json_string_value(s), "?"));
		}
		g_string_append(g, "</td></tr>");
	}
	g_string_append(g, "</table><h2>パート <span class=\"en\">parts</span></h2><table>");
	json_array_foreach(inc->parts, i, pt) {
		g_string_append(g, "<tr><td>");
		html_esc(g, web_str_or(json_string_value(json_object_get(pt, "path")), "?"));
		g_string_append(g, "</td><td class=\"filename\">");
		html_esc(g, web_str_or(json_string_value(json_object_get(pt, "filename")), "-"));
		g_string_append(g, "</td><td>");
		html_esc(g, web_str_or(json_string_value(json_object_get(pt, "detected_type")), "-"));
		g_string_append(g, "</td><td>");
		json_object_foreach(json_object_get(pt, "findings"), type, v)
			if (json_integer_value(v)) {
				html_esc(g, type);
				html_printf(g, "=%lld ", (long long)json_integer_value(v));
			}
		if ((type = json_string_value(json_object_get(pt, "unscanned")))) {
			g_string_append(g, " unscanned: ");
			html_esc(g, type);
		}
		g_string_append(g, "</td></tr>");
	}
	g_string_append(g, "</table>");
}

static int history_row(const struct audit *a, void *arg)
{
	GString *g = arg;

	g_string_append(g, "<tr><td>");
	html_time(g, a->time);
	g_string_append(g, "</td><td>");
	html_esc(g, a->actor);
	g_string_append(g, "</td><td>");
	html_esc(g, a->action);
	g_string_append(g, "</td><td>");
	html_esc(g, web_str_or(a->reason, ""));
	g_string_append(g, "</td></tr>");
	return 0;
}

static void decide_forms(struct req *r, GString *g, const struct incident *inc)
{
	static const struct { const char *verb, *ja, *en; } verbs[] = {
		{ "release", "送信する（保留を解除）", "Release" },
		{ "delete", "削除する", "Delete" },
	}, approver_verbs[] = {
		{ "release", "承認して送信する", "Approve and send" },
		{ "delete", "差し戻す（削除）", "Reject" },
	};
	bool admin = is_admin(r);

	if (!may_decide(r, inc) || (strcmp(inc->status, "held") != 0 &&
	    strcmp(inc->status, "delayed") != 0))
		return;
	g_string_append(g, "<h2>判断 <span class=\"en\">decide</span></h2>");
	for (size_t i = 0; i < 2; i++) {
		g_string_append(g, "<form method=\"post\" action=\"/incident/");
		html_esc(g, inc->id);
		html_printf(g, "/%s\" id=\"form-%s\">", verbs[i].verb, verbs[i].verb);
		html_csrf(r, g);
		html_printf(g, "<label>理由 <span class=\"en\">reason</span><br><textarea name=\"reason\" "
		    "maxlength=\"%d\" rows=\"2\"></textarea></label><br><button id=\"%s\">%s / %s"
		    "</button></form>", WEB_REASON_MAX, verbs[i].verb,
		    admin ? verbs[i].ja : approver_verbs[i].ja, admin ? verbs[i].en : approver_verbs[i].en);
	}
	/* the release with the external To/Cc addresses out of the header:
	 * an admin's, or an approver's decision on a hold routed to them */
	g_string_append(g, "<form method=\"post\" action=\"/incident/");
	html_esc(g, inc->id);
	g_string_append(g, "/bcc\" id=\"form-bcc\">");
	html_csrf(r, g);
	html_printf(g, "<label>理由 <span class=\"en\">reason</span><br><textarea name=\"reason\" "
	    "maxlength=\"%d\" rows=\"2\"></textarea></label><br><button id=\"bcc\">"
	    "Bccに変換して送信 / Release as Bcc</button><br><small>To/Cc の外部アドレスを見えない"
	    "ようにして送信します（宛先はそのまま）。 <span class=\"en\">The external To/Cc "
	    "addresses are taken out of the header; every recipient still gets it.</span>"
	    "</small></form>", WEB_REASON_MAX);
}

static void show_incident(struct req *r, struct resp *p, const struct incident *inc)
{
	GString *g = p->body;
	char err[256];

	html_head(r, p, "保留メールの詳細", "Incident");
	g_string_append(g, "<table>");
	row(g, "受付番号", "incident", "id", inc->id);
	row(g, "状態", "status", "status", inc->status);
	row(g, "処置", "action", "action", inc->action);
	if (strcmp(inc->action, "approve") == 0)
		html_printf(g, "<tr><th>必要な承認 <span class=\"en\">approvals needed</span></th>"
		    "<td id=\"approvals\">%d</td></tr>", incident_approvals(inc,
		    (int)r->w->cf->web_approvals));
	if (inc->due) {
		g_string_append(g, "<tr><th>自動送信 <span class=\"en\">sent by itself at</span>"
		    "</th><td id=\"due\">");
		html_time(g, inc->due);
		g_string_append(g, "</td></tr>");
	}
	row(g, "送信者", "sender", "sender", web_str_or(inc->sender, "<>"));
	row(g, "件名", "subject", "subject", web_str_or(inc->subject, ""));
	row(g, "Message-ID", "", "message-id", web_str_or(inc->message_id, ""));
	row(g, "キューID", "queue id", "queue-id", web_str_or(inc->queue_id, ""));
	g_string_append(g, "<tr><th>日時 <span class=\"en\">time</span></th><td>");
	html_time(g, inc->created);
	html_printf(g, "</td></tr><tr><th>宛先 <span class=\"en\">recipients</span></th><td>"
	    "%ld（外部 %ld、To/Cc に見える外部 %ld、外部ドメイン %ld）", inc->recipients,
	    inc->external, inc->external_visible, inc->external_domains);
	web_recipients(r->w, g, inc);
	g_string_append(g, "</td></tr></table>");
	if (strcmp(inc->status, "held") == 0 || strcmp(inc->status, "delayed") == 0 ||
	    strcmp(inc->status, "releasing") == 0) {
		g_string_append(g, "<p><a id=\"content\" href=\"/incident/");
		html_esc(g, inc->id);
		g_string_append(g, "/message\">メールの内容を表示（監査記録に残ります） / "
		    "show the message (audited)</a></p>");
	}
	show_rules(g, inc);
	show_findings(g, inc);
	decide_forms(r, g, inc);
	g_string_append(g, "<h2>履歴 <span class=\"en\">history</span></h2><table id=\"history\">");
	if (reg_history(r->w->rg, inc->id, history_row, g, err, sizeof(err)) < 0)
		web_log(LOG_ERR, "history %s: %s", inc->id, err);
	g_string_append(g, "</table>");
	html_foot(p);
}

int web_send_notice(struct web *w, const char *id, enum notice_kind kind, const char *rcpt,
    const char *note, const char *actor)
{
	char err[1024];
	long long seq = 0;
	int rc;

	if ((rc = nq_add(w->rg, id, kind, rcpt, note, true, time(NULL), &seq, err,
	    sizeof(err))) != 0) {
		if (rc < 0)
			web_log(LOG_WARNING, "%s: notice not queued: %s", id, err);
		return rc > 0 ? 1 : -1;
	}
	web_deliver_notice(w, id, seq, actor);
	return 0;
}

void web_deliver_notice(struct web *w, const char *id, long long seq, const char *actor)
{
	struct nq_notice n;
	char err[1024];

	if (nq_get(w->rg, seq, &n, err, sizeof(err)) != 0) {
		web_log(LOG_WARNING, "%s: notice %lld not read back: %s", id, seq, err);
		return;
	}
	if (notify_deliver(w->rg, w->cf, &n, actor, NULL, err, sizeof(err)) < 0)
		web_log(LOG_WARNING, "%s: notice not sent yet (dlp-milter retries it): %s", id, err);
	nq_notice_clear(&n);
}

void web_tell_sender(struct web *w, const char *id, enum notice_kind kind, const char *note,
    const char *actor)
{
	struct scan_options opt;
	struct incident inc;
	char err[512];

	conf_scan_options(w->cf, &opt);
	if (reg_get(w->rg, id, &inc, err, sizeof(err)) != 0)
		return;
	if (nq_sender_internal(&opt, inc.sender))
		web_send_notice(w, id, kind, inc.sender, note, actor);
	incident_clear(&inc);
}

/* true when r is an approver of incident id's sender. */
static bool decidable_by_approver(struct req *r, const char *id)
{
	struct incident inc;
	char err[256];
	bool yes;

	if (strcmp(r->s.role, "approver") != 0 || reg_get(r->w->rg, id, &inc, err, sizeof(err)) != 0)
		return false;
	yes = routed(r, &inc);
	incident_clear(&inc);
	return yes;
}

/* POST /incident/ID/release, /bcc (release Bcc-converted: an admin, or
 * an approver of the sender, as their approval) or /delete. */
static void decide(struct req *r, struct resp *p, const char *id, const char *verb)
{
	const char *reason = req_arg(r, "reason");
	bool bcc = strcmp(verb, "bcc") == 0, rel = bcc || strcmp(verb, "release") == 0;
	struct scan_options opt;
	struct release_opts o = { .relay = r->w->cf->release_relay, .qdir = r->w->qdir,
		.actor = r->actor };
	char msg[2048] = "", detail[2300];
	enum release_rc rc;
	int have = 0;

	if (!auth_csrf_ok(r)) {
		web_audit(r, r->actor, "refused: no CSRF token", id, verb);
		html_message(r, p, MHD_HTTP_FORBIDDEN, "不正な送信です", "Refused",
		    "フォームの確認用トークンがないか、正しくありません。何も変更していません。",
		    "The form's CSRF token is missing or wrong. Nothing was changed.");
		return;
	}
	if (!rel && strcmp(verb, "delete") != 0) {
		html_message(r, p, MHD_HTTP_NOT_FOUND, "ページがありません", "Not found",
		    "このアドレスのページはありません。", "There is no page at this address.");
		return;
	}
	if (!is_admin(r) && !decidable_by_approver(r, id)) {
		web_audit(r, r->actor, "refused: not allowed for the role", id, verb);
		html_message(r, p, MHD_HTTP_FORBIDDEN, "権限がありません", "Not allowed",
		    "この操作は管理者と、この送信者の承認者だけが行えます。何も変更していません。",
		    "Only an administrator, or an approver of this sender, may do this. "
		    "Nothing was changed.");
		return;
	}
	if (reason && strlen(reason) > WEB_REASON_MAX) {
		html_message(r, p, MHD_HTTP_CONTENT_TOO_LARGE, "理由が長すぎます", "Reason too long",
		    "理由は1000バイト以内で書いてください。何も変更していません。",
		    "Keep the reason under 1000 bytes. Nothing was changed.");
		return;
	}
	o.reason = reason && *reason ? reason : NULL;
	if (bcc) {
		conf_scan_options(r->w->cf, &opt);
		o.bcc = &opt;
	}
	if (rel && !is_admin(r))	/* an approver: one approval of those needed */
		rc = web_approve(r->w, id, r->actor, o.reason, bcc, &have, msg, sizeof(msg));
	else
		rc = rel ? release_incident(r->w->rg, id, &o, NULL, msg, sizeof(msg)) :
		    release_delete(r->w->rg, id, &o, msg, sizeof(msg));
	snprintf(detail, sizeof(detail), "%s: %s", release_strerror(rc), msg);
	web_audit(r, r->actor, bcc ? "release Bcc-converted" : verb, id, detail);
	if (rc == REL_DONE)
		web_tell_sender(r->w, id, rel ? NOTICE_RELEASED : NOTICE_DELETED, o.reason, r->actor);
	if (rel && rc == REL_BUSY && have > 0) {
		html_message(r, p, MHD_HTTP_OK, "承認を記録しました", "Approval recorded",
		    "二人目の承認者の承認を待っています。", msg);
		return;
	}
	p->status = rc == REL_DONE || rc == REL_ALREADY ? MHD_HTTP_OK : rc == REL_NOT_FOUND ?
	    MHD_HTTP_NOT_FOUND : rc == REL_ERROR || rc == REL_SEND_FAILED ?
	    MHD_HTTP_BAD_GATEWAY : MHD_HTTP_CONFLICT;
	html_head(r, p, rc == REL_DONE ? (rel ? "送信しました" : "削除しました") : "できませんでした",
	    rc == REL_DONE ? (rel ? "Released" : "Deleted") : "Not done");
	g_string_append(p->body, "<p class=\"msg\" id=\"msg\">");
	html_esc(p->body, msg);
	g_string_append(p->body, "</p><p><a id=\"back\" href=\"/incident/");
	html_esc(p->body, id);
	g_string_append(p->body, "\">戻る / back</a> · <a href=\"/queue\">一覧 / queue</a></p>");
	html_foot(p);
}

void page_incident(struct req *r, struct resp *p, const char *id, const char *verb)
{
	struct incident inc;
	char err[512];
	int rc;

	if (verb && strcmp(verb, "message") != 0) {
		decide(r, p, id, verb);
		return;
	}
	if ((rc = reg_get(r->w->rg, id, &inc, err, sizeof(err))) == 1 ||
	    (rc == 0 && !web_may_see(r, &inc))) {
		if (rc == 0)
			incident_clear(&inc);
		html_message(r, p, MHD_HTTP_NOT_FOUND, "見つかりません", "Not found",
		    "この受付番号の保留はないか、表示する権限がありません。",
		    "No such incident, or it is not yours to see.");
		return;
	}
	if (rc < 0) {
		web_log(LOG_ERR, "incident %s: %s", id, err);
		html_message(r, p, MHD_HTTP_INTERNAL_SERVER_ERROR, "エラー", "Error",
		    "登録簿を読めませんでした。", "The register could not be read.");
		return;
	}
	if (verb) {
		web_message_page(r, p, &inc);
		incident_clear(&inc);
		return;
	}
	web_audit(r, r->actor, "viewed", inc.id, NULL);
	show_incident(r, p, &inc);
	incident_clear(&inc);
}
