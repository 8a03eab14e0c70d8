/*
 * scan.c — the engine and the message context: the milter phases feed the
 * spool, end of message runs the inspection (mime/walk.c, extract/inspect.c) and
 * the recipient analysis (recipients.c) into a scan_result.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "detect/valueset.h"
#include "detectors/exclude.h"
#include "detectors/scan.h"
#include "extract/extract.h"
#include "mime/digest.h"
#include "mime/recipients.h"
#include "mime/spool.h"
#include "mime/walk.h"
#include "sandbox/sandbox.h"
#include "text/charset.h"
#include "text/terms.h"
#include "text/textscan.h"

#define FROM_MAX 65536		/* bytes of the From header kept for the sender */

struct scan_engine {
	struct scan_options opt;	/* deep copy; opt.internal_domains = domains */
	char **domains;			/* owned copies of the internal domains */
	char *spool_dir;		/* owned copy */
	char **own_numbers;		/* parsed own_numbers, or NULL */
	struct textscan *ts;		/* compiled detectors, shared read-only */
};

struct scan_msg {
	const struct scan_engine *eng;
	struct spool *sp;		/* the message as received */
	char *sender;			/* envelope sender (no <>), or NULL if not given */
	char **rcpt;			/* envelope recipients (no <>) */
	size_t nrcpt;
	char *from_hdr;			/* first From header, for a sender when none given */
	struct scan_result res;		/* valid after eom */
	void (*on_text)(void *, const struct scan_part *, const char *, size_t);
	void *on_text_arg;
	bool done;			/* eom ran */
	char err[256];			/* last error */
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void
lib_init(void)
{
	g_mime_init();
	xmlInitParser();
	charset_keep_modules();
	(void)mime_digest_init();	/* a failure shows as ENOMEM at the first attachment */
}

void
scan_engine_free(struct scan_engine *eng)
{
	if (!eng)
		return;
	for (size_t i = 0; i < eng->opt.n_internal; i++)
		free(eng->domains[i]);
	free(eng->domains);
	free(eng->spool_dir);
	exclude_free(eng->own_numbers);
	textscan_free(eng->ts);
	free(eng);
}

struct scan_engine *
scan_engine_new(const struct scan_options *opt, char *err, size_t errlen)
{
	struct scan_engine *eng = calloc(1, sizeof(*eng));

	pthread_once(&lib_once, lib_init);
	if (!eng)
		goto nomem;
	eng->opt = *opt;
	eng->opt.n_internal = 0;
	eng->domains = calloc(opt->n_internal + 1, sizeof(char *));
	eng->spool_dir = strdup(opt->spool_dir ? opt->spool_dir : "/tmp");
	if (!eng->domains || !eng->spool_dir)
		goto nomem;
	for (size_t i = 0; i < opt->n_internal; i++, eng->opt.n_internal++)
		if (!(eng->domains[i] = strdup(opt->internal_domains[i])))
			goto nomem;
	eng->opt.internal_domains = (const char *const *)eng->domains;
	eng->opt.spool_dir = eng->spool_dir;
	if (opt->own_numbers && *opt->own_numbers &&
	    !(eng->own_numbers = exclude_parse_numbers(opt->own_numbers)))
		goto nomem;
	eng->opt.own_numbers = NULL;	/* the caller's string: parsed above */
	if (!(eng->ts = textscan_new(err, errlen)))
		goto fail;
	if (inspect_magic_load(err, errlen) < 0)
		goto fail;
	return eng;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	scan_engine_free(eng);
	return NULL;
}

struct scan_msg *
scan_msg_new(const struct scan_engine *eng)
{
	struct scan_msg *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->eng = eng;
	m->sp = spool_new(eng->opt.spool_dir, eng->opt.limits.spool_memory);
	if (!m->sp) {
		free(m);
		return NULL;
	}
	return m;
}

/* addr without surrounding blanks and one pair of <>.  malloc'd. */
static char *
bare_addr(const char *addr)
{
	size_t n;

	addr = addr ? addr : "";
	addr += strspn(addr, " \t");
	n = strlen(addr);
	while (n > 0 && (addr[n - 1] == ' ' || addr[n - 1] == '\t'))
		n--;
	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>')
		addr++, n -= 2;
	return strndup(addr, n);
}

static int
fail_errno(struct scan_msg *m, const char *what)
{
	snprintf(m->err, sizeof(m->err), "%s: %s", what, strerror(errno));
	return -1;
}

int
scan_msg_envfrom(struct scan_msg *m, const char *addr)
{
	char *s = bare_addr(addr);

	if (!s)
		return fail_errno(m, "envfrom");
	free(m->sender);
	m->sender = s;
	return 0;
}

int
scan_msg_rcpt(struct scan_msg *m, const char *addr)
{
	char **v = realloc(m->rcpt, (m->nrcpt + 1) * sizeof(*v));

	if (!v)
		return fail_errno(m, "rcpt");
	m->rcpt = v;
	if (!(v[m->nrcpt] = bare_addr(addr)))
		return fail_errno(m, "rcpt");
	m->nrcpt++;
	return 0;
}

/* Write s[0..n) to the spool with every bare "\n" made "\r\n". */
static int
write_crlf(struct scan_msg *m, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n' || (i > 0 && s[i - 1] == '\r'))
			continue;
		if (spool_write(m->sp, s + start, i - start) < 0 ||
		    spool_write(m->sp, "\r", 1) < 0)
			return -1;
		start = i;
	}
	return spool_write(m->sp, s + start, n - start);
}

/* "Name:" + sep + value + CRLF into the spool. */
static int
write_header(struct scan_msg *m, const char *name, const char *sep, const char *value)
{
	value = value ? value : "";
	if (!m->from_hdr && strcasecmp(name, "From") == 0)
		m->from_hdr = strndup(value + strspn(value, " \t"), FROM_MAX);
	if (spool_write(m->sp, name, strlen(name)) < 0 || spool_write(m->sp, ":", 1) < 0 ||
	    spool_write(m->sp, sep, strlen(sep)) < 0 ||
	    write_crlf(m, value, strlen(value)) < 0 || spool_write(m->sp, "\r\n", 2) < 0)
		return fail_errno(m, "spool");
	return 0;
}

int
scan_msg_header(struct scan_msg *m, const char *name, const char *value)
{
	return write_header(m, name, " ", value);
}

int
scan_msg_header_raw(struct scan_msg *m, const char *name, const char *value)
{
	return write_header(m, name, "", value);
}

int
scan_msg_eoh(struct scan_msg *m)
{
	if (spool_write(m->sp, "\r\n", 2) < 0)
		return fail_errno(m, "spool");
	return 0;
}

int
scan_msg_body(struct scan_msg *m, const void *buf, size_t len)
{
	if (spool_write(m->sp, buf, len) < 0)
		return fail_errno(m, "spool");
	return 0;
}

/* The first mailbox of the From header, or "". */
static char *
from_address(const char *hdr)
{
	InternetAddressList *l = hdr ? internet_address_list_parse(NULL, hdr) : NULL;
	const char *addr = NULL;
	char *s;

	for (int i = 0; l && i < internet_address_list_length(l) && !addr; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
	}
	s = strdup(addr ? addr : "");
	if (l)
		g_object_unref(l);
	return s;
}

/* Envelope recipients: as given, else the distinct To, Cc and Bcc
 * addresses (dlpctl scan without --rcpt).  Takes m->rcpt. */
static int
set_envelope(struct scan_msg *m, const struct inspect *in)
{
	struct scan_rcpts *r = &m->res.rcpt;
	GHashTable *seen;
	char *const *lists[2] = { in->visible, in->bcc };
	size_t lens[2] = { in->nvisible, in->nbcc };

	if (m->nrcpt) {
		r->envelope = m->rcpt;
		r->n_envelope = m->nrcpt;
		m->rcpt = NULL;
		m->nrcpt = 0;
		return 0;
	}
	r->envelope = calloc(in->nvisible + in->nbcc + 1, sizeof(char *));
	if (!r->envelope)
		return -1;
	seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lens[l]; i++) {
			if (!g_hash_table_add(seen, g_ascii_strdown(lists[l][i], -1)))
				continue;
			if ((r->envelope[r->n_envelope] = strdup(lists[l][i])) != NULL)
				r->n_envelope++;
		}
	g_hash_table_destroy(seen);
	return 0;
}

/* CLOCK_MONOTONIC now + ms. */
static struct timespec
deadline_in(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

void
scan_msg_on_text(struct scan_msg *m,
    void (*fn)(void *arg, const struct scan_part *part, const char *text, size_t len),
    void *arg)
{
	m->on_text = fn;
	m->on_text_arg = arg;
}

const struct scan_result *
scan_msg_eom(struct scan_msg *m)
{
	const struct scan_engine *eng = m->eng;
	struct inspect in = { .opt = &eng->opt, .ts = eng->ts, .res = &m->res,
	    .walk = mime_walk, .on_text = m->on_text, .on_text_arg = m->on_text_arg,
	    .offload = eng->opt.sandbox ? sandbox_inspect : NULL, .offload_ctx = eng->opt.sandbox };
	const unsigned char *data = NULL;
	int fd = spool_fd(m->sp);

	if (m->done)
		return &m->res;
	/* a message that went to a file is read from it, never mapped whole */
	if (fd < 0 && !(data = spool_data(m->sp))) {
		fail_errno(m, "spool map");
		return NULL;
	}
	in.deadline = deadline_in(eng->opt.limits.time_budget_ms);
	if (fd >= 0)
		(void)mime_walk_spool(&in, m->sp);
	else
		(void)mime_walk(&in, data, spool_size(m->sp), "", 0, true);
	if (set_envelope(m, &in) < 0) {
		inspect_done(&in);
		fail_errno(m, "recipients");
		return NULL;
	}
	rcpt_count(&eng->opt, &m->res.rcpt, in.visible, in.nvisible);
	if (exclude_apply(&in, &eng->opt, eng->own_numbers) < 0 && !m->res.error)
		m->res.error = strdup("out of memory excluding the organisation's own numbers");
	m->res.sender = m->sender ? strdup(m->sender) : from_address(m->from_hdr);
	inspect_done(&in);
	m->done = true;
	return &m->res;
}

struct spool *
scan_msg_spool(struct scan_msg *m)
{
	return m->sp;
}

void
scan_msg_set_history(struct scan_msg *m, const long history[3])
{
	if (m->done)
		memcpy(m->res.history, history, sizeof(m->res.history));
}

const char *
scan_msg_error(const struct scan_msg *m)
{
	return m->err[0] ? m->err : "no error";
}

static void
result_free(struct scan_result *r)
{
	for (int t = 0; t < FT_COUNT; t++) {
		valueset_free(r->values[t]);
		valueset_free(r->excluded[t]);
	}
	for (size_t i = 0; i < r->nparts; i++) {
		free(r->parts[i].path);
		free(r->parts[i].filename);
		free(r->parts[i].declared_type);
		free(r->parts[i].detected_type);
		free(r->parts[i].unscanned);
	}
	free(r->parts);
	for (size_t i = 0; i < r->rcpt.n_envelope; i++)
		free(r->rcpt.envelope[i]);
	free(r->rcpt.envelope);
	free(r->sender);
	free(r->subject);
	free(r->message_id);
	free(r->error);
	for (size_t i = 0; i < r->nterms; i++)
		valueset_free(r->term_seen[i]);
	free(r->term_seen);
	free(r->term_hits);
	memset(r, 0, sizeof(*r));
}

void
scan_msg_free(struct scan_msg *m)
{
	if (!m)
		return;
	result_free(&m->res);
	spool_free(m->sp);
	free(m->sender);
	for (size_t i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	free(m->from_hdr);
	free(m);
}

size_t
scan_result_count(const struct scan_result *r, enum finding_type t)
{
	return t < FT_COUNT && r->values[t] ? valueset_count(r->values[t]) : 0;
}

void
scan_result_counters(const struct scan_result *r, long counters[SC_COUNT])
{
	counters[SC_PERSONAL_ITEMS] = 0;
	for (int t = 0; t < FT_COUNT; t++) {
		counters[t] = (long)scan_result_count(r, (enum finding_type)t);
		if (finding_type_personal((enum finding_type)t))
			counters[SC_PERSONAL_ITEMS] += counters[t];
	}
	counters[SC_RECIPIENTS] = r->rcpt.recipients;
	counters[SC_EXTERNAL] = r->rcpt.external;
	counters[SC_EXTERNAL_VISIBLE] = r->rcpt.external_visible;
	counters[SC_EXTERNAL_DOMAINS] = r->rcpt.external_domains;
	counters[SC_ENCRYPTED] = r->encrypted;
	counters[SC_UNSCANNED] = r->unscanned;
	counters[SC_ATTACHMENTS] = r->attachments;
	counters[SC_SERIES_EXTERNAL] = r->history[0];
	counters[SC_SENDER_EXTERNAL_HOUR] = r->history[1];
	counters[SC_SENDER_BYTES_HOUR] = r->history[2];
}

#define SAMPLE_LOOK 256

/* Up to max distinct masks of the first values of vs. */
static size_t
samples_of(const struct valueset *vs, enum finding_type t, char (*out)[64], size_t max)
{
	size_t n = vs ? valueset_count(vs) : 0, got = 0;

	if (n > SAMPLE_LOOK)
		n = SAMPLE_LOOK;
	for (size_t i = 0; i < n && got < max; i++) {
		size_t k;

		textscan_mask(t, valueset_get(vs, i), out[got], sizeof(out[got]));
		for (k = 0; k < got && strcmp(out[k], out[got]) != 0; k++)
			;
		if (k == got)
			got++;
	}
	return got;
}

size_t
scan_result_excluded(const struct scan_result *r, enum finding_type t)
{
	return t < FT_COUNT && r->excluded[t] ? valueset_count(r->excluded[t]) : 0;
}

size_t
scan_result_excluded_samples(const struct scan_result *r, enum finding_type t,
    char (*out)[64], size_t max)
{
	return t < FT_COUNT ? samples_of(r->excluded[t], t, out, max) : 0;
}

size_t
scan_result_samples(const struct scan_result *r, enum finding_type t, char (*out)[64],
    size_t max)
{
	/* Masks that read the same (p***@mail.example.com for every p...)
	 * are shown once; at most SAMPLE_LOOK values are looked at. */
	return t < FT_COUNT ? samples_of(r->values[t], t, out, max) : 0;
}

long
scan_result_term(const struct scan_result *r, size_t i)
{
	if (!r->terms || i >= r->nterms || i >= terms_count(r->terms))
		return 0;
	if (terms_def(r->terms, i)->kind == TERM_DICT)
		return (long)r->term_hits[i];
	return r->term_seen[i] ? (long)valueset_count(r->term_seen[i]) : 0;
}

size_t
scan_result_term_samples(const struct scan_result *r, size_t i, char (*out)[64], size_t max)
{
	const struct valueset *vs;
	size_t n, got = 0;

	if (!r->terms || i >= r->nterms || !(vs = r->term_seen[i]))
		return 0;
	n = valueset_count(vs) < SAMPLE_LOOK ? valueset_count(vs) : SAMPLE_LOOK;
	for (size_t k = 0; k < n && got < max; k++) {
		size_t j;

		terms_mask(terms_def(r->terms, i)->kind, valueset_get(vs, k), out[got],
		    sizeof(out[got]));
		for (j = 0; j < got && strcmp(out[j], out[got]) != 0; j++)
			;
		if (j == got)
			got++;
	}
	return got;
}
