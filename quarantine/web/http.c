/*
 * http.c — dlp-web on libmicrohttpd: the daemon (a thread pool), one
 * struct req per request with its form read by MHD's post processor
 * (bounded: WEB_BODY_MAX, WEB_FIELD_MAX, WEB_FIELDS_MAX), the routing to
 * the pages, and the response with its security headers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "web/web.h"

static struct MHD_Daemon *daemon_;
static char *tls_cert_pem, *tls_key_pem;

const char *req_arg(struct req *r, const char *name)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return r->fields[i].value;
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	return NULL;
}

const char *req_cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

void resp_cookie(struct resp *p, const char *fmt, ...)
{
	va_list ap;

	if (p->ncookies >= 2)
		return;
	va_start(ap, fmt);
	vsnprintf(p->cookies[p->ncookies++], sizeof(p->cookies[0]), fmt, ap);
	va_end(ap);
}

void resp_redirect(struct resp *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->location, sizeof(p->location), fmt, ap);
	va_end(ap);
	p->status = MHD_HTTP_SEE_OTHER;
}

/* Append data to field key (MHD hands a long value over in pieces). */
static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *content_type, const char *transfer_encoding,
    const char *data, uint64_t off, size_t size)
{
	struct req *r = cls;
	struct field *f = NULL;
	char *v;

	if (r->nfields > 0 && strcmp(r->fields[r->nfields - 1].name, key) == 0 && off > 0)
		f = &r->fields[r->nfields - 1];
	if (!f) {
		if (r->nfields >= WEB_FIELDS_MAX || strlen(key) >= sizeof(f->name) || filename) {
			r->too_big = true;
			return MHD_YES;	/* read on, answer 413 at the end */
		}
		f = &r->fields[r->nfields++];
		snprintf(f->name, sizeof(f->name), "%s", key);
	}
	if (f->len + size > WEB_FIELD_MAX) {
		r->too_big = true;
		return MHD_YES;
	}
	if (!(v = realloc(f->value, f->len + size + 1)))
		return MHD_NO;
	memcpy(v + f->len, data, size);
	f->len += size;
	v[f->len] = '\0';
	f->value = v;
	return MHD_YES;
}

/* Every field is UTF-8 without NUL: else bad_form. */
static void check_fields(struct req *r)
{
	for (size_t i = 0; i < r->nfields; i++) {
		struct field *f = &r->fields[i];

		if (!f->value && !(f->value = calloc(1, 1)))
			r->bad_form = true;
		else if (memchr(f->value, '\0', f->len) || !g_utf8_validate(f->value, (gssize)f->len,
		    NULL))
			r->bad_form = true;
	}
}

static void req_free(struct req *r)
{
	if (!r)
		return;
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	for (size_t i = 0; i < r->nfields; i++)
		free(r->fields[i].value);
	free(r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	req_free(*con_cls);
	*con_cls = NULL;
}

static void client_address(struct req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff, *last;

	snprintf(r->client, sizeof(r->client), "?");
	if (ci && ci->client_addr)
		getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), r->client,
		    sizeof(r->client), NULL, 0, NI_NUMERICHOST);
	if (!r->w->cf->web_behind_proxy)
		return;
	/* The proxy appends the address it saw: the last entry is the one to trust. */
	if ((xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For"))) {
		last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		last += strspn(last, " \t");
		if (*last && strlen(last) < sizeof(r->client) &&
		    strspn(last, "0123456789abcdefABCDEF.:") == strlen(last))
			snprintf(r->client, sizeof(r->client), "%s", last);
	}
}

/* The page for r (a path inside the site, else 404). */
static void route(struct req *r, struct resp *p)
{
	const char *path = r->path;
	bool get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
	bool post = strcmp(r->method, "POST") == 0;
	char id[64], verb[16], action[16];
	int n = 0;

	if (!get && !post) {
		html_message(r, p, MHD_HTTP_METHOD_NOT_ALLOWED, "使用できない操作です",
		    "Method not allowed", "この操作には対応していません。",
		    "This method is not supported.");
		return;
	}
	if (post && (r->too_big || r->bad_form)) {
		html_message(r, p, r->too_big ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST,
		    "入力を受け付けられません", "Input refused",
		    r->too_big ? "入力が長すぎます。何も変更していません。" :
		    "入力に使えない文字が含まれています。何も変更していません。",
		    r->too_big ? "The input is too long. Nothing was changed." :
		    "The input holds characters that are not allowed. Nothing was changed.");
		return;
	}
	if (strncmp(path, "/link/", 6) == 0 && sscanf(path, "/link/%15[a-z]/%n", action, &n) == 1 &&
	    n > 0) {
		page_link(r, p, action, path + n);
		return;
	}
	auth_session(r);
	if (strcmp(path, "/") == 0 && get) {
		resp_redirect(p, "%s", r->signed_in ? "/queue" : "/signin");
		return;
	}
	if (strcmp(path, "/signin") == 0) {
		page_signin(r, p);
		return;
	}
	if (strcmp(path, "/signout") == 0 && post) {
		page_signout(r, p);
		return;
	}
	if (!r->signed_in && (strncmp(path, "/queue", 6) == 0 || strncmp(path, "/audit", 6) == 0 ||
	    strncmp(path, "/report", 7) == 0 ||
	    strncmp(path, "/incident/", 10) == 0)) {
		if (get)
			resp_redirect(p, "/signin");
		else
			html_message(r, p, MHD_HTTP_FORBIDDEN, "サインインしてください", "Please sign in",
			    "セッションが無効です。サインインし直してください。何も変更していません。",
			    "No valid session: sign in again. Nothing was changed.");
		return;
	}
	if ((strcmp(path, "/queue") == 0 || strcmp(path, "/queue.csv") == 0) && get) {
		page_queue(r, p, path[6] == '.');
		return;
	}
	if ((strcmp(path, "/report") == 0 || strcmp(path, "/report.csv") == 0) && get) {
		page_report(r, p, path[7] == '.');
		return;
	}
	if ((strcmp(path, "/audit") == 0 || strcmp(path, "/audit.csv") == 0) && get) {
		page_audit(r, p, path[6] == '.');
		return;
	}
	verb[0] = '\0';
	if (strlen(path) < 80 && (sscanf(path, "/incident/%31[0-9A-Z-]%n", id, &n) == 1) &&
	    (path[n] == '\0' || (path[n] == '/' && sscanf(path + n, "/%15[a-z]", verb) == 1 &&
	    strlen(path + n + 1) == strlen(verb))) &&
	    (get == (!verb[0] || strcmp(verb, "message") == 0))) {
		page_incident(r, p, id, verb[0] ? verb : NULL);
		return;
	}
	html_message(r, p, MHD_HTTP_NOT_FOUND, "ページがありません", "Not found",
	    "このアドレスのページはありません。", "There is no page at this address.");
}

static enum MHD_Result send_resp(struct req *r, struct resp *p)
{
	struct MHD_Response *mr;
	enum MHD_Result rc;
	const char *body = p->body ? p->body->str : "";
	size_t len = p->body ? p->body->len : 0;

	mr = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!mr)
		return MHD_NO;
	MHD_add_response_header(mr, "Content-Type", p->ctype ? p->ctype : "text/html; charset=utf-8");
	if (p->filename[0]) {
		char cd[128];

		snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", p->filename);
		MHD_add_response_header(mr, "Content-Disposition", cd);
	}
	MHD_add_response_header(mr, "Cache-Control", "no-store");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "X-Frame-Options", "DENY");
	MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(mr, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	if (r->w->secure)
		MHD_add_response_header(mr, "Strict-Transport-Security", "max-age=31536000");
	if (p->location[0])
		MHD_add_response_header(mr, "Location", p->location);
	for (int i = 0; i < p->ncookies; i++)
		MHD_add_response_header(mr, "Set-Cookie", p->cookies[i]);
	rc = MHD_queue_response(r->conn, (unsigned)p->status, mr);
	MHD_destroy_response(mr);
	return rc;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct web *w = cls;
	struct req *r = *con_cls;
	struct resp p = { .status = MHD_HTTP_OK };
	enum MHD_Result rc;

	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->w = w;
		r->conn = c;
		r->method = method;
		r->path = url;
		client_address(r);
		if (strcmp(method, "POST") == 0) {
			r->pp = MHD_create_post_processor(c, 8192, post_iter, r);
			if (!r->pp)
				r->bad_form = true;	/* not a form: refused at the end */
		}
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size) {
		r->body += *upload_data_size;
		if (r->body > WEB_BODY_MAX)
			r->too_big = true;
		else if (r->pp && MHD_post_process(r->pp, upload_data, *upload_data_size) != MHD_YES)
			r->bad_form = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	check_fields(r);
	p.body = g_string_sized_new(4096);
	route(r, &p);
	if (p.location[0] && p.body->len == 0)
		g_string_append(p.body, "<!DOCTYPE html><title>303</title>");
	rc = send_resp(r, &p);
	g_string_free(p.body, TRUE);
	return rc;
}

/* PEM file path (relative to the config's directory) into a malloc'd
 * string.  NULL with err. */
static char *read_pem(const struct conf *cf, const char *path, char *err, size_t errlen)
{
	char full[PATH_MAX], copy[PATH_MAX];
	gchar *text = NULL;
	GError *ge = NULL;
	char *out;

	if (path[0] != '/' && cf->path) {
		snprintf(copy, sizeof(copy), "%s", cf->path);
		snprintf(full, sizeof(full), "%s/%s", dirname(copy), path);
	} else {
		snprintf(full, sizeof(full), "%s", path);
	}
	if (!g_file_get_contents(full, &text, NULL, &ge)) {
		snprintf(err, errlen, "[web] %s: %s", full, ge->message);
		g_error_free(ge);
		return NULL;
	}
	out = strdup(text);
	g_free(text);
	return out;
}

/* listen HOST:PORT into a sockaddr.  0 or -1 with err. */
static int listen_addr(const char *listen, struct sockaddr_storage *ss, bool *loopback,
    char *err, size_t errlen)
{
	char host[256], port[8];
	const char *colon = strrchr(listen, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai;
	size_t hl;

	if (!colon || (hl = (size_t)(colon - listen)) >= sizeof(host) || strlen(colon + 1) >= 8) {
		snprintf(err, errlen, "[web] listen %s: HOST:PORT", listen);
		return -1;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
		snprintf(err, errlen, "[web] listen %s: cannot resolve %s", listen, host);
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*loopback = (ai->ai_family == AF_INET &&
	    (ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127) ||
	    (ai->ai_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr));
	freeaddrinfo(ai);
	return 0;
}

int http_start(struct web *w, char *err, size_t errlen)
{
	const struct conf *cf = w->cf;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	bool tls = *cf->web_tls_cert || *cf->web_tls_key, loopback = false;

	if (listen_addr(cf->web_listen, &ss, &loopback, err, errlen) < 0)
		return -1;
	if (tls && (!*cf->web_tls_cert || !*cf->web_tls_key)) {
		snprintf(err, errlen, "[web] tls_cert and tls_key go together: give both or neither");
		return -1;
	}
	if (!tls && !cf->web_behind_proxy && !loopback) {
		snprintf(err, errlen, "[web] listen %s is not a loopback address: plain HTTP would "
		    "carry passwords and cookies in clear; set tls_cert and tls_key, or put a TLS "
		    "proxy in front on this host and set behind_proxy = yes", cf->web_listen);
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls) {
		if (!(tls_cert_pem = read_pem(cf, cf->web_tls_cert, err, errlen)) ||
		    !(tls_key_pem = read_pem(cf, cf->web_tls_key, err, errlen)))
			return -1;
		flags |= MHD_USE_TLS;
	}
	w->secure = tls || cf->web_behind_proxy;
	daemon_ = tls ?
	    MHD_start_daemon(flags, 0, NULL, NULL, handler, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cf->web_threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 256u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)131072,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_HTTPS_MEM_CERT, tls_cert_pem, MHD_OPTION_HTTPS_MEM_KEY, tls_key_pem,
	    MHD_OPTION_END) :
	    MHD_start_daemon(flags, 0, NULL, NULL, handler, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cf->web_threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 256u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)131072,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
	if (!daemon_) {
		snprintf(err, errlen, "[web] cannot listen on %s%s: %s", cf->web_listen,
		    tls ? " with TLS (check tls_cert and tls_key)" : "", strerror(errno));
		return -1;
	}
	return 0;
}

void http_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	free(tls_cert_pem);
	free(tls_key_pem);
	tls_cert_pem = tls_key_pem = NULL;
}
