/*
 * auth.c — sign-in, sessions and CSRF tokens (see web.h).
 *
 * The session cookie is 32 random bytes (base64url); the register keeps
 * only its BLAKE2b hash, so a copy of the register signs nobody in.  Each
 * session has its own CSRF token (32 random bytes, hex) that every form of
 * the console carries and every POST must return.  The sign-in form,
 * before any session, has a token of its own in a cookie of its own
 * (double submit).  Failed sign-ins are counted per user name and per
 * client address; past [web] signin_limit in 15 minutes the form refuses
 * (429) until the window is over, whether the password is right or not.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <microhttpd.h>
#include <sodium.h>

#include "quarantine/passwd.h"
#include "web/web.h"

#define RATE_WINDOW 900		/* seconds */
#define RATE_SLOTS 1024

void web_audit(struct req *r, const char *actor, const char *action, const char *incident,
    const char *detail)
{
	char err[512];

	if (reg_web_audit(r->w->rg, actor, action, incident, detail, err, sizeof(err)) < 0)
		web_log(LOG_ERR, "audit row not written (%s %s): %s", actor, action, err);
}

/* hex(BLAKE2b-256(cookie)) into id[65]. */
static void session_id(const char *cookie, char id[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)cookie, strlen(cookie), NULL, 0);
	sodium_bin2hex(id, 65, h, sizeof(h));
}

void auth_session(struct req *r)
{
	const char *c = req_cookie(r, WEB_COOKIE);
	char id[65], err[256];

	r->signed_in = false;
	if (!c || strlen(c) < 40 || strlen(c) > 64)
		return;
	session_id(c, id);
	if (reg_session_get(r->w->rg, id, time(NULL), &r->s, err, sizeof(err)) != 0) {
		memset(&r->s, 0, sizeof(r->s));
		return;
	}
	r->signed_in = true;
	snprintf(r->actor, sizeof(r->actor), "web:%s", r->s.user);
}

/* a and b equal, in time independent of where they differ. */
static bool same_token(const char *a, const char *b)
{
	size_t n = a ? strlen(a) : 0;

	return a && b && n >= 32 && n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

bool auth_csrf_ok(struct req *r)
{
	return r->signed_in && same_token(req_arg(r, "csrf"), r->s.csrf);
}

/* ---- the sign-in rate limit (in memory: one dlp-web) ---- */

static struct slot {
	char key[80];
	time_t start;
	int fails;
} slots[RATE_SLOTS];
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of key (lock held): found, or the oldest one reused. */
static struct slot *slot_of(const char *key, time_t now)
{
	struct slot *old = &slots[0];

	for (size_t i = 0; i < RATE_SLOTS; i++) {
		if (strcmp(slots[i].key, key) == 0) {
			if (now - slots[i].start >= RATE_WINDOW) {
				slots[i].start = now;
				slots[i].fails = 0;
			}
			return &slots[i];
		}
		if (slots[i].start < old->start)
			old = &slots[i];
	}
	snprintf(old->key, sizeof(old->key), "%s", key);
	old->start = now;
	old->fails = 0;
	return old;
}

/* true when key has used up its failures in the window. */
static bool rate_blocked(const char *ukey, const char *akey, long limit)
{
	time_t now = time(NULL);
	bool blocked;

	pthread_mutex_lock(&rate_lock);
	blocked = slot_of(ukey, now)->fails >= limit || slot_of(akey, now)->fails >= limit;
	pthread_mutex_unlock(&rate_lock);
	return blocked;
}

static void rate_count(const char *ukey, const char *akey, bool failed)
{
	time_t now = time(NULL);

	pthread_mutex_lock(&rate_lock);
	if (failed) {
		slot_of(ukey, now)->fails++;
		slot_of(akey, now)->fails++;
	} else {
		slot_of(ukey, now)->fails = 0;
	}
	pthread_mutex_unlock(&rate_lock);
}

/* ---- pages ---- */

static const char *secure_attr(struct req *r)
{
	return r->w->secure ? "; Secure" : "";
}

static void signin_form(struct req *r, struct resp *p, int status, const char *ja,
    const char *en)
{
	unsigned char rnd[32];
	char tok[65];
	GString *g;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(tok, sizeof(tok), rnd, sizeof(rnd));
	resp_cookie(p, WEB_PRE_COOKIE "=%s; Path=/signin; HttpOnly; SameSite=Strict; Max-Age=3600%s",
	    tok, secure_attr(r));
	p->status = status;
	r->signed_in = false;
	html_head(r, p, "サインイン", "Sign in");
	g = p->body;
	if (ja) {
		g_string_append(g, "<p class=\"msg\" id=\"msg\">");
		html_esc(g, ja);
		g_string_append(g, "</p><p class=\"en\" id=\"msg-en\">");
		html_esc(g, en);
		g_string_append(g, "</p>");
	}
	html_printf(g, "<form method=\"post\" action=\"/signin\" id=\"signin\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
	    "<p><label>ユーザー名 <span class=\"en\">User name</span><br>"
	    "<input name=\"name\" id=\"name\" maxlength=\"64\" autocomplete=\"username\" required>"
	    "</label></p><p><label>パスワード <span class=\"en\">Password</span><br>"
	    "<input name=\"password\" id=\"password\" type=\"password\" maxlength=\"256\" "
	    "autocomplete=\"current-password\" required></label></p>"
	    "<p><button id=\"go\">サインイン / Sign in</button></p></form>", tok);
	html_foot(p);
}

/* Make a session for name: the cookie, the register row, the audit row. */
static void start_session(struct req *r, struct resp *p, const char *name)
{
	unsigned char rnd[32], crnd[32];
	char cookie[64], id[65], csrf[65], err[256], detail[128];
	time_t now = time(NULL);
	long ttl = r->w->cf->web_session_ttl / 1000;

	randombytes_buf(rnd, sizeof(rnd));
	randombytes_buf(crnd, sizeof(crnd));
	sodium_bin2base64(cookie, sizeof(cookie), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2hex(csrf, sizeof(csrf), crnd, sizeof(crnd));
	session_id(cookie, id);
	if (reg_session_add(r->w->rg, id, name, csrf, now, now + ttl, err, sizeof(err)) < 0) {
		web_log(LOG_ERR, "session not stored: %s", err);
		html_message(r, p, MHD_HTTP_INTERNAL_SERVER_ERROR, "エラー", "Error",
		    "サインインできませんでした（登録簿のエラー）。", "Sign-in failed (register error).");
		return;
	}
	snprintf(r->actor, sizeof(r->actor), "web:%s", name);
	snprintf(detail, sizeof(detail), "from %s", r->client);
	web_audit(r, r->actor, "sign-in", NULL, detail);
	resp_cookie(p, WEB_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", cookie,
	    ttl, secure_attr(r));
	resp_cookie(p, WEB_PRE_COOKIE "=; Path=/signin; HttpOnly; SameSite=Strict; Max-Age=0%s",
	    secure_attr(r));
	resp_redirect(p, "/queue");
}

void page_signin(struct req *r, struct resp *p)
{
	const char *name = req_arg(r, "name"), *pw = req_arg(r, "password");
	char ukey[80], akey[80], actor[80], detail[160];
	struct reg_user u;
	char err[256];
	bool ok;
	int rc;

	if (strcmp(r->method, "POST") != 0) {
		if (r->signed_in)
			resp_redirect(p, "/queue");
		else
			signin_form(r, p, MHD_HTTP_OK, NULL, NULL);
		return;
	}
	if (!same_token(req_arg(r, "csrf"), req_cookie(r, WEB_PRE_COOKIE))) {
		signin_form(r, p, MHD_HTTP_FORBIDDEN, "フォームの有効期限が切れたか、不正な送信です。もう一度入力してください。",
		    "The form expired or was not sent from this site: please try again.");
		return;
	}
	if (!name || !pw || !reg_user_name_ok(name) || strlen(pw) > PASSWD_MAX) {
		signin_form(r, p, MHD_HTTP_UNAUTHORIZED, "ユーザー名またはパスワードが違います。",
		    "Wrong user name or password.");
		return;
	}
	snprintf(ukey, sizeof(ukey), "u:%s", name);
	snprintf(akey, sizeof(akey), "a:%s", r->client);
	snprintf(actor, sizeof(actor), "web:%s", name);
	snprintf(detail, sizeof(detail), "from %s", r->client);
	if (rate_blocked(ukey, akey, r->w->cf->web_signin_limit)) {
		web_audit(r, actor, "sign-in refused: too many failures", NULL, detail);
		signin_form(r, p, MHD_HTTP_TOO_MANY_REQUESTS,
		    "失敗が続いたため、しばらくサインインできません。15分ほど待ってからお試しください。",
		    "Too many failed sign-ins: wait about 15 minutes and try again.");
		return;
	}
	rc = reg_user_get(r->w->rg, name, &u, err, sizeof(err));
	if (rc < 0)
		web_log(LOG_ERR, "sign-in: %s", err);
	ok = passwd_verify(rc == 0 ? u.hash : NULL, pw) && rc == 0 && !u.disabled;
	reg_user_clear(&u);
	rate_count(ukey, akey, !ok);
	if (!ok) {
		web_audit(r, actor, "sign-in failed", NULL, detail);
		signin_form(r, p, MHD_HTTP_UNAUTHORIZED, "ユーザー名またはパスワードが違います。",
		    "Wrong user name or password.");
		return;
	}
	start_session(r, p, name);
}

int auth_password(struct req *r, const char *name, const char *pw)
{
	char ukey[80], akey[80], err[256];
	struct reg_user u;
	bool ok;
	int rc;

	if (!name || !reg_user_name_ok(name))
		return AUTH_WRONG;
	snprintf(ukey, sizeof(ukey), "u:%s", name);
	snprintf(akey, sizeof(akey), "a:%s", r->client);
	if (rate_blocked(ukey, akey, r->w->cf->web_signin_limit))
		return AUTH_BLOCKED;
	if (!pw || strlen(pw) > PASSWD_MAX)
		pw = "";
	rc = reg_user_get(r->w->rg, name, &u, err, sizeof(err));
	if (rc < 0)
		web_log(LOG_ERR, "link password: %s", err);
	ok = passwd_verify(rc == 0 ? u.hash : NULL, pw) && rc == 0 && !u.disabled &&
	    (strcmp(u.role, "approver") == 0 || strcmp(u.role, "admin") == 0);
	if (rc == 0)
		reg_user_clear(&u);
	rate_count(ukey, akey, !ok);
	return ok ? AUTH_OK : AUTH_WRONG;
}

void page_signout(struct req *r, struct resp *p)
{
	const char *c = req_cookie(r, WEB_COOKIE);
	char id[65], err[256];

	if (!auth_csrf_ok(r)) {
		html_message(r, p, MHD_HTTP_FORBIDDEN, "不正な送信です", "Refused",
		    "フォームの確認用トークンがありません。何も変更していません。",
		    "The form's CSRF token is missing or wrong. Nothing was changed.");
		return;
	}
	session_id(c, id);
	if (reg_session_delete(r->w->rg, id, err, sizeof(err)) < 0)
		web_log(LOG_ERR, "sign-out: %s", err);
	web_audit(r, r->actor, "sign-out", NULL, NULL);
	resp_cookie(p, WEB_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
	    secure_attr(r));
	resp_redirect(p, "/signin");
}
