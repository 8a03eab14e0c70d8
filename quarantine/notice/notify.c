/*
 * notify.c — render, send and record one notice (see notify.h).
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "notice/link.h"
#include "notice/notify.h"
#include "notice/smtp.h"

#define HEADER_MAX 65536	/* bytes of a stored message's header read for its From */

/* The signed links of notice n into one and two, when [web] base_url is
 * set (else both stay empty): cancel and justify for the sender's hold
 * notice, cancel alone for the delay notice, approve and reject for an
 * approver's approval request.  A key
 * that cannot be read or made leaves them empty too: the notice goes
 * without links rather than not at all. */
static void notice_links(struct reg *rg, const struct conf *cf, const struct nq_notice *n,
    time_t *expires, char *one, char *two, size_t len)
{
	bool sender = n->kind == NOTICE_HOLD || n->kind == NOTICE_DELAY;
	const char *a1 = sender ? "cancel" : "approve";
	const char *a2 = n->kind == NOTICE_DELAY ? NULL : sender ? "justify" : "reject";
	unsigned char key[LINK_KEY_BYTES];
	char path[PATH_MAX], err[512];

	one[0] = two[0] = '\0';
	if ((!sender && n->kind != NOTICE_APPROVAL) || !cf->web_base_url ||
	    !*cf->web_base_url)
		return;
	conf_var_path(cf, LINK_KEY_FILE, path, sizeof(path));
	if (link_key_get(rg, path, key, err, sizeof(err)) < 0)
		return;
	*expires = time(NULL) + cf->web_link_ttl / 1000;
	if (link_url(cf->web_base_url, key, n->incident, a1, n->recipient, *expires, one,
	    len) < 0 || (a2 && link_url(cf->web_base_url, key, n->incident, a2, n->recipient,
	    *expires, two, len) < 0))
		one[0] = two[0] = '\0';
	memset(key, 0, sizeof(key));
}

const char *notify_relay(const struct conf *cf)
{
	return cf->notice_relay && *cf->notice_relay ? cf->notice_relay : cf->release_relay;
}

void notify_template_dir(const struct conf *cf, char *buf, size_t len)
{
	char copy[PATH_MAX];
	const char *t = cf->notice_templates;

	if (!t || !*t) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (t[0] == '/' || !cf->path) {
		snprintf(buf, len, "%s", t);
		return;
	}
	snprintf(copy, sizeof(copy), "%s", cf->path);
	snprintf(buf, len, "%s/%s", dirname(copy), t);
}

void notify_sender_name(const struct conf *cf, const char *id, char *buf, size_t len)
{
	char qdir[PATH_MAX], path[PATH_MAX + 64], *head;
	InternetAddressList *from;
	InternetAddress *a;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeStream *st;
	const char *name;
	size_t n = 0;
	FILE *fp;

	snprintf(buf, len, "%s", "");
	conf_var_path(cf, "quarantine", qdir, sizeof(qdir));
	/* store.h's layout: DIR/msg/ID.eml (libquarantine links before this one) */
	snprintf(path, sizeof(path), "%s/msg/%s.eml", qdir, id);
	if (!(fp = fopen(path, "rb")))
		return;
	if (!(head = malloc(HEADER_MAX + 3))) {
		fclose(fp);
		return;
	}
	/* the header only: up to the first empty line */
	while (n < HEADER_MAX && fgets(head + n, (int)(HEADER_MAX - n + 1), fp)) {
		size_t l = strlen(head + n);
		int blank = strcmp(head + n, "\n") == 0 || strcmp(head + n, "\r\n") == 0;

		n += l;
		if (blank)
			break;
	}
	fclose(fp);
	memcpy(head + n, "\n", 2);
	st = g_mime_stream_mem_new_with_buffer(head, n + 1);
	parser = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(parser, NULL);
	from = msg ? g_mime_message_get_from(msg) : NULL;
	a = from && internet_address_list_length(from) > 0 ?
	    internet_address_list_get_address(from, 0) : NULL;
	name = a ? internet_address_get_name(a) : NULL;
	if (name && g_utf8_validate(name, -1, NULL))
		snprintf(buf, len, "%s", name);
	if (msg)
		g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(st);
	free(head);
}

/* The mail for n: malloc'd bytes, or NULL with err. */
static unsigned char *render(struct reg *rg, const struct conf *cf, const struct nq_notice *n,
    size_t *len, char *err, size_t errlen)
{
	char dir[PATH_MAX], who[256] = "", name[512], cancel[2048], justify[2048];
	struct incident inc;
	struct notice_ctx c;
	unsigned char *mail = NULL;
	char *tmpl = NULL;
	int rc;

	if ((rc = reg_get(rg, n->incident, &inc, err, errlen)) != 0)
		return NULL;
	notify_template_dir(cf, dir, sizeof(dir));
	if (!(tmpl = notice_template(dir, n->kind, err, errlen)))
		goto out;
	memset(&c, 0, sizeof(c));
	c.inc = &inc;
	c.kind = n->kind;
	c.from = cf->notice_from;
	c.to = n->recipient;
	c.admin = cf->notice_admin && *cf->notice_admin ? cf->notice_admin : cf->notice_from;
	notify_sender_name(cf, inc.id, name, sizeof(name));
	c.sender_name = name;
	c.retention_days = (int)cf->retention_days;
	notice_links(rg, cf, n, &c.links_expire, cancel, justify, sizeof(cancel));
	if (n->kind == NOTICE_HOLD || n->kind == NOTICE_DELAY) {
		c.cancel_url = cancel[0] ? cancel : NULL;
		c.justify_url = justify[0] ? justify : NULL;
	} else if (n->kind == NOTICE_APPROVAL) {
		c.approve_url = cancel[0] ? cancel : NULL;
		c.reject_url = justify[0] ? justify : NULL;
		c.note = n->note;
	}
	if (n->kind == NOTICE_RELEASED || n->kind == NOTICE_DELETED) {
		snprintf(who, sizeof(who), "%s", inc.updated_by ? inc.updated_by : "-");
		c.actor = who;
		c.decided = inc.updated;
		c.note = n->note;
	}
	mail = notice_compose(tmpl, &c, len, err, errlen);
out:
	free(tmpl);
	incident_clear(&inc);
	return mail;
}

int notify_deliver(struct reg *rg, const struct conf *cf, const struct nq_notice *n,
    const char *actor, const bool *cancel, char *err, size_t errlen)
{
	char why[1024] = "", ferr[256];
	const char *rcpt[1] = { n->recipient };
	struct smtp_msg m = { .relay = notify_relay(cf), .from = cf->notice_from, .rcpt = rcpt,
		.nrcpt = 1, .timeout = NOTIFY_TIMEOUT, .cancel = cancel };
	unsigned char *mail;
	int rc;

	mail = render(rg, cf, n, &m.len, why, sizeof(why));
	m.data = mail;
	rc = mail ? smtp_send(&m, NULL, why, sizeof(why)) : -1;
	free(mail);
	if (nq_finish(rg, n, actor, rc == 0 ? NULL : why, time(NULL), ferr, sizeof(ferr)) < 0) {
		snprintf(err, errlen, "%s%s%s", rc == 0 ? "" : why, rc == 0 ? "" : "; ", ferr);
		return -1;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", why);
	return rc;
}

int notify_run(struct reg *rg, const struct conf *cf, const char *actor, const bool *stop,
    int *sent, int *failed, char *err, size_t errlen)
{
	struct scan_options opt;
	struct nq_notice n;
	char why[1024];
	int ok = 0, bad = 0, rc = 0, proxy_rc;

	conf_scan_options(cf, &opt);
	if (nq_plan(rg, &opt, cf->notice_admin, time(NULL), NULL, err, errlen) < 0)
		return -1;
	/* the proxies of approve holds past [web] proxy_after or whose approver
	 * is away; a failure there still lets the due notices go */
	proxy_rc = nq_proxy(rg, cf->web_proxy_after / 1000, time(NULL), NULL, err, errlen);
	while (!(stop && __atomic_load_n(stop, __ATOMIC_RELAXED))) {
		if ((rc = nq_claim(rg, time(NULL), NQ_STALE, &n, err, errlen)) != 0)
			break;
		if (notify_deliver(rg, cf, &n, actor, stop, why, sizeof(why)) == 0)
			ok++;
		else
			bad++;
		nq_notice_clear(&n);
	}
	if (sent)
		*sent = ok;
	if (failed)
		*failed = bad;
	return rc < 0 || proxy_rc < 0 ? -1 : 0;
}
