/*
 * web.h — dlp-web, the console and the target of the notices' signed
 * links: what its files share.  Only the files of quarantine/web/ include it.
 *
 *   main.c     options, start-up, signals
 *   http.c     libmicrohttpd glue: a request, its form, the response
 *   html.c     pages: layout, escaping (every byte from mail is escaped)
 *   auth.c     sign-in, sessions, CSRF tokens, the sign-in rate limit
 *   pages.c    an incident, the decisions of the console, roles
 *   queue.c    the queue: filters, search, sorting by column, paging, CSV
 *   message.c  the held message: To/Cc/Bcc, its decoded text
 *   audit.c    the console's audit trail page and CSV
 *   reports.c  the reports (month, fiscal year) with SVG charts, and CSV
 *   approve.c  an approver's approval, the two-person rule
 *   links.c    the pages of the signed links (cancel, justify, approve, reject)
 *
 * Rules: a GET never changes anything (mail scanners open links); every
 * POST carries a CSRF token; every sign-in, view and decision is a row of
 * web_audit; a decision goes through release.c like `dlpctl release`.
 */
#ifndef DLP_WEB_H
#define DLP_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <glib.h>

#include "config/conf.h"
#include "notice/link.h"
#include "notice/notice.h"
#include "quarantine/release.h"
#include "register/register.h"

#define WEB_FIELD_MAX 4096	/* bytes of one form field */
#define WEB_BODY_MAX 65536	/* bytes of a POST body */
#define WEB_FIELDS_MAX 16	/* fields of one form */
#define WEB_REASON_MAX 1000	/* characters (bytes) of a reason */
#define WEB_COOKIE "dlp_session"
#define WEB_PRE_COOKIE "dlp_signin"	/* the sign-in form's CSRF token */

struct web {
	struct conf *cf;
	struct reg *rg;
	unsigned char key[LINK_KEY_BYTES];	/* links and link forms */
	char qdir[4096];		/* the quarantine store */
	bool secure;			/* TLS here or at the proxy: Secure cookies */
};

struct field {
	char name[32];
	char *value;			/* malloc'd, NUL-terminated */
	size_t len;
};

/* One request: made by http.c, handed to a page, freed by http.c. */
struct req {
	struct web *w;
	void *conn;			/* struct MHD_Connection */
	const char *method;		/* "GET", "POST", … */
	const char *path;
	char client[64];		/* the client's address */
	struct field fields[WEB_FIELDS_MAX];
	size_t nfields;
	bool too_big;			/* a field or the body over its limit */
	bool bad_form;			/* a field with a NUL or not UTF-8 */
	void *pp;			/* struct MHD_PostProcessor */
	size_t body;			/* bytes of body so far */
	/* the session, when signed in (auth_session) */
	bool signed_in;
	struct reg_session s;
	char actor[80];			/* "web:NAME" for the register */
};

/* A response the page builds; http.c sends it. */
struct resp {
	int status;
	GString *body;			/* text/html; charset=utf-8 */
	char location[2048];		/* a redirect when set (303 See Other) */
	char cookies[2][512];		/* Set-Cookie values */
	int ncookies;
	const char *ctype;		/* NULL: text/html; charset=utf-8 */
	char filename[64];		/* a download (Content-Disposition) when set */
};

/* http.c */
/* The value of form field name (POST) or query argument (GET), or NULL. */
const char *req_arg(struct req *r, const char *name);
/* The value of cookie name, or NULL. */
const char *req_cookie(struct req *r, const char *name);
void resp_cookie(struct resp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void resp_redirect(struct resp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int http_start(struct web *w, char *err, size_t errlen);
void http_stop(void);

/* html.c: text appended HTML-escaped (& < > " '), control characters
 * other than newline and tab shown as U+FFFD, invalid UTF-8 replaced. */
void html_esc(GString *g, const char *s);
void html_escn(GString *g, const char *s, size_t n);
void html_printf(GString *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The page head (title bilingual "ja / en") and top bar (signed-in user,
 * sign-out form) / the foot. */
void html_head(struct req *r, struct resp *p, const char *title_ja, const char *title_en);
void html_foot(struct resp *p);
/* A whole page that says one thing: status, a Japanese and an English
 * line. */
void html_message(struct req *r, struct resp *p, int status, const char *title_ja,
    const char *title_en, const char *ja, const char *en);
/* The hidden CSRF field of the session's forms. */
void html_csrf(struct req *r, GString *g);
void html_time(GString *g, time_t t);

/* auth.c */
/* Look up the session cookie: fills r->s, r->signed_in, r->actor. */
void auth_session(struct req *r);
/* true when the POST carries the session's CSRF token (constant time). */
bool auth_csrf_ok(struct req *r);
void page_signin(struct req *r, struct resp *p);
/* The password pw of account name (an approver or admin, not disabled),
 * under the sign-in limit: a failure counts as a failed sign-in of name
 * and of the client's address. */
enum { AUTH_OK, AUTH_WRONG, AUTH_BLOCKED };
int auth_password(struct req *r, const char *name, const char *pw);
void page_signout(struct req *r, struct resp *p);
/* Audit row in web_audit (errors logged). */
void web_audit(struct req *r, const char *actor, const char *action, const char *incident,
    const char *detail);

/* pages.c */
/* admin or auditor: sees every incident */
bool web_sees_all(struct req *r);
/* r may see inc: web_sees_all, or an approver of its sender */
bool web_may_see(struct req *r, const struct incident *inc);
/* s, or def when s is NULL or empty */
const char *web_str_or(const char *s, const char *def);
/* queue.c */
void page_queue(struct req *r, struct resp *p, bool csv);
/* reports.c: the report of a month or a fiscal year, page or CSV. */
void page_report(struct req *r, struct resp *p, bool csv);
/* audit.c: the console's audit trail (admin, auditor), page or CSV. */
void page_audit(struct req *r, struct resp *p, bool csv);
/* A CSV field (quoted when needed; a leading = + - @ neutralised against
 * spreadsheet formulas). */
void csv_field(GString *g, const char *s, bool last);
void page_incident(struct req *r, struct resp *p, const char *id, const char *verb);
/* Queue a notice of kind for id to rcpt, claimed, and try to send it now
 * (the milter's notifier retries it otherwise).  0, 1 when that notice
 * exists already, -1. */
int web_send_notice(struct web *w, const char *id, enum notice_kind kind, const char *rcpt,
    const char *note, const char *actor);
/* Queue the outcome notice (kind) for the sender of id, when internal, and
 * try to send it now (the milter's notifier retries it otherwise). */
void web_tell_sender(struct web *w, const char *id, enum notice_kind kind, const char *note,
    const char *actor);
/* Try to send now the claimed notice seq of incident id (the milter's
 * notifier retries it otherwise). */
void web_deliver_notice(struct web *w, const char *id, long long seq, const char *actor);

/* message.c: the envelope recipients of inc marked To, Cc or Bcc (from
 * the stored message's headers; unmarked when it is gone) as a list; the
 * page of the stored message's decoded text (audited). */
void web_recipients(struct web *w, GString *g, const struct incident *inc);
void web_message_page(struct req *r, struct resp *p, const struct incident *inc);

/* approve.c: record actor's approval of id (bcc: asking for the release
 * Bcc-converted) and release it once [web] approvals distinct approvers
 * approved (*have: how many so far), Bcc-converted when any of them
 * asked.  REL_BUSY with msg while more are needed; else release_incident's. */
enum release_rc web_approve(struct web *w, const char *id, const char *actor,
    const char *reason, bool bcc, int *have, char *msg, size_t msglen);

/* links.c */
void page_link(struct req *r, struct resp *p, const char *action, const char *token);

/* main.c */
void web_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
