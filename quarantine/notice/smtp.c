/*
 * smtp.c — one SMTP transaction with libcurl (see smtp.h).
 *
 * The server's replies are read through CURLOPT_DEBUGFUNCTION: every
 * command libcurl sends (HEADER_OUT) and every reply line (HEADER_IN) is
 * seen, so a failure can name the command and quote the refusal, e.g.
 * "RCPT TO:<x@y>: 550 5.1.1 <x@y>: Recipient address rejected".  The
 * QUIT that follows a failure does not overwrite the refusal: the first
 * reply of 400 or more is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "notice/smtp.h"

#define DEFAULT_TIMEOUT 300
#define CONNECT_TIMEOUT 10

struct xfer {
	const struct smtp_msg *m;
	size_t off;		/* bytes of prefix + data consumed */
	unsigned char buf[16384];	/* read through m->read, bpos .. blen not sent */
	size_t bpos, blen;
	int prev_cr;		/* the last byte sent was CR */
	int pending_lf;		/* an LF is owed after an inserted CR */
	char cmd[160];		/* the last command sent */
	char cur[1024];		/* the reply being read (multi-line) */
	char bad[1200];		/* "COMMAND: first reply >= 400" */
	int last_code;		/* code of the last complete reply */
	int bad_code;
};

/* The next byte of prefix + data (or of m->read), -1 at the end, -2 when
 * m->read failed. */
static int next_byte(struct xfer *x)
{
	const struct smtp_msg *m = x->m;
	long got;

	if (x->off < m->prefix_len)
		return m->prefix[x->off++];
	if (!m->read) {
		if (x->off - m->prefix_len >= m->len)
			return -1;
		return m->data[x->off++ - m->prefix_len];
	}
	if (x->bpos == x->blen) {
		if ((got = m->read(m->read_arg, x->buf, sizeof(x->buf))) <= 0)
			return got < 0 ? -2 : -1;
		x->bpos = 0;
		x->blen = (size_t)got;
	}
	x->off++;
	return x->buf[x->bpos++];
}

/* Read callback: prefix then data, a bare LF sent as CRLF. */
static size_t read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t room = size * nmemb, n = 0;
	int c;

	while (n < room) {
		if (x->pending_lf) {
			buf[n++] = '\n';
			x->pending_lf = 0;
			x->prev_cr = 0;
			continue;
		}
		if ((c = next_byte(x)) == -1)
			break;
		if (c == -2)
			return CURL_READFUNC_ABORT;
		if (c == '\n' && !x->prev_cr) {
			buf[n++] = '\r';
			x->pending_lf = 1;
			continue;
		}
		buf[n++] = (char)c;
		x->prev_cr = c == '\r';
	}
	return n;
}

/* Copy s[0..n) without the line end into dst (size len), appending. */
static void append_line(char *dst, size_t len, const char *s, size_t n)
{
	size_t used = strlen(dst);

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (used && used + 3 < len)
		strcat(dst, " / ");
	used = strlen(dst);
	snprintf(dst + used, len - used, "%.*s", (int)n, s);
}

/* One reply line from the server. */
static void reply_line(struct xfer *x, const char *s, size_t n)
{
	append_line(x->cur, sizeof(x->cur), s, n);
	if (n >= 4 && s[3] == '-')
		return;		/* continuation: more lines follow */
	x->last_code = atoi(x->cur);
	if (x->last_code >= 400 && !x->bad_code) {
		x->bad_code = x->last_code;
		snprintf(x->bad, sizeof(x->bad), "%s: %s", x->cmd[0] ? x->cmd : "greeting",
		    x->cur);
	}
	if (x->last_code == 354)	/* the next reply answers the message */
		snprintf(x->cmd, sizeof(x->cmd), "end of DATA");
	x->cur[0] = '\0';
}

static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct xfer *x = arg;
	size_t i, start = 0;

	if (type == CURLINFO_HEADER_OUT) {
		x->cmd[0] = '\0';
		append_line(x->cmd, sizeof(x->cmd), data, size);
		return 0;
	}
	if (type != CURLINFO_HEADER_IN)
		return 0;
	for (i = 0; i < size; i++) {
		if (data[i] != '\n')
			continue;
		reply_line(x, data + start, i + 1 - start);
		start = i + 1;
	}
	if (start < size)
		reply_line(x, data + start, size - start);
	return 0;
}

/* Progress callback: non-zero aborts the transfer when asked to. */
static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const bool *cancel = arg;

	return __atomic_load_n(cancel, __ATOMIC_RELAXED) ? 1 : 0;
}

int smtp_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static struct curl_slist *rcpt_list(const struct smtp_msg *m)
{
	struct curl_slist *l = NULL, *t;

	for (size_t i = 0; i < m->nrcpt; i++) {
		if (!(t = curl_slist_append(l, m->rcpt[i]))) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = t;
	}
	return l;
}

static int set_options(CURL *c, const struct smtp_msg *m, struct xfer *x,
    struct curl_slist *rcpts, char *cerr)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, m->relay);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT);
	SET(CURLOPT_TIMEOUT, m->timeout > 0 ? m->timeout : (long)DEFAULT_TIMEOUT);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, read_cb);
	SET(CURLOPT_READDATA, x);
	SET(CURLOPT_MAIL_RCPT, rcpts);
	SET(CURLOPT_ERRORBUFFER, cerr);
	SET(CURLOPT_VERBOSE, 1L);	/* needed for the debug callback */
	SET(CURLOPT_DEBUGFUNCTION, debug_cb);
	SET(CURLOPT_DEBUGDATA, x);
	if (m->cancel) {
		SET(CURLOPT_NOPROGRESS, 0L);
		SET(CURLOPT_XFERINFOFUNCTION, progress_cb);
		SET(CURLOPT_XFERINFODATA, (void *)m->cancel);
	}
	/* NULL: libcurl sends MAIL FROM:<>, the null reverse-path. */
	SET(CURLOPT_MAIL_FROM, m->from && *m->from ? m->from : NULL);
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

int smtp_send(const struct smtp_msg *m, int *code, char *err, size_t errlen)
{
	char cerr[CURL_ERROR_SIZE] = "";
	struct xfer x = { .m = m };
	struct curl_slist *rcpts = NULL;
	CURL *c = NULL;
	CURLcode rc;
	int ret = -1;

	if (code)
		*code = 0;
	if (!m->relay || (strncmp(m->relay, "smtp://", 7) != 0 &&
	    strncmp(m->relay, "smtps://", 8) != 0)) {
		snprintf(err, errlen, "relay \"%s\" is not smtp://HOST:PORT", m->relay ? m->relay : "");
		return -1;
	}
	if (m->nrcpt == 0) {
		snprintf(err, errlen, "no recipients");
		return -1;
	}
	if (!(c = curl_easy_init()) || !(rcpts = rcpt_list(m)) ||
	    set_options(c, m, &x, rcpts, cerr) < 0) {
		snprintf(err, errlen, "cannot set up libcurl for %s", m->relay);
		goto out;
	}
	rc = curl_easy_perform(c);
	if (code)
		*code = x.bad_code ? x.bad_code : x.last_code;
	/* CURLE_OK: libcurl saw 250 after DATA (a refused EHLO that HELO
	 * replaced may leave a bad_code behind: not a failure). */
	if (rc == CURLE_OK) {
		ret = 0;
		if (code)
			*code = 250;
	} else if (x.bad_code) {
		snprintf(err, errlen, "%s refused %s", m->relay, x.bad);
	} else {
		snprintf(err, errlen, "%s: %s", m->relay, cerr[0] ? cerr : curl_easy_strerror(rc));
	}
out:
	curl_slist_free_all(rcpts);
	if (c)
		curl_easy_cleanup(c);
	return ret;
}
