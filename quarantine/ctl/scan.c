/*
 * scan.c — `dlpctl scan`: feed a .eml through the same engine
 * calls as the daemon (scan_msg_* via feed_file), decide with the same
 * policy, and print the decision.  Only masked samples are printed.
 *
 * Envelope: --from, else the From header's address; --rcpt (repeatable),
 * else every address of the To, Cc and Bcc headers (groups included).
 * The engine's temp files go under $TMPDIR (else /tmp), not the daemon's
 * var_dir, so a scan needs no access to the daemon's directories.
 * Exit status 0 when a decision was printed, whatever the verdict.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "config/policy.h"
#include "detectors/feed.h"
#include "detectors/result_json.h"
#include "detectors/scan.h"
#include "mime/spool.h"
#include "ctl/ctl.h"
#include "quarantine/sender_group.h"

#define HEADER_MAX (1 << 20)	/* bytes of header read for the envelope */
#define SAMPLES 3

struct addrs {
	char **v;
	size_t n, cap;
};

struct scan_args {
	const char *conf;
	bool json;
	const char *from;
	struct addrs rcpt;	/* --rcpt, in order */
	const char *file;
};

static void scan_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl scan [--config FILE] [--json] [--from ADDR] [--rcpt ADDR]... FILE\n"
	    "\n"
	    "Inspect a message as the daemon would and print its decision: verdict,\n"
	    "rules that fired, findings per type (counts and masked samples) and per\n"
	    "[dictionary] and [pattern] of the config, the rules' `in` conditions, the\n"
	    "recipient counters and one line per inspected part.  FILE `-` reads\n"
	    "standard input.  Options may stand before or after FILE.  A FILE that is\n"
	    "not a mail message (an .xlsx, a .pdf, a .zip) is scanned as the attachment\n"
	    "of one, from --from (default: scan@ the first internal domain) to --rcpt\n"
	    "(default: one external recipient), and the output says so.\n"
	    "The counters across messages (series_external, sender_external_hour,\n"
	    "sender_bytes_hour) need the register's other messages: scan gives them\n"
	    "as this message alone would count, as if the sender had sent nothing\n"
	    "before it (the daemon reads them from the register).\n"
	    "\n"
	    "  -c, --config FILE  config file (default as for dlpctl)\n"
	    "  -j, --json         one JSON object: verdict, rules, findings, samples,\n"
	    "                     recipients, counters, parts\n"
	    "  -f, --from ADDR    envelope sender (default: the From header's address)\n"
	    "  -r, --rcpt ADDR    envelope recipient, repeatable (default: every To,\n"
	    "                     Cc and Bcc address)\n"
	    "  -h, --help         this help\n");
}

static int addrs_add(struct addrs *a, const char *s)
{
	char **nv;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		if (!(nv = realloc(a->v, cap * sizeof(*nv))))
			return -1;
		a->v = nv;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(s)))
		return -1;
	a->n++;
	return 0;
}

static void addrs_free(struct addrs *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* 0 to go on, or an exit code (help printed: CTL_OK with *done). */
static int parse_args(int argc, char **argv, struct scan_args *sa, bool *done)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "from", required_argument, NULL, 'f' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* No leading '+': GNU permutation lets options follow FILE. */
	while ((c = getopt_long(argc, argv, "c:jf:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': sa->conf = optarg; break;
		case 'j': sa->json = true; break;
		case 'f': sa->from = optarg; break;
		case 'r':
			if (addrs_add(&sa->rcpt, optarg) < 0) {
				fprintf(stderr, "dlpctl scan: out of memory\n");
				return CTL_FAIL;
			}
			break;
		case 'h':
			scan_usage(stdout);
			*done = true;
			return CTL_OK;
		default:
			scan_usage(stderr);
			return CTL_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "dlpctl scan: %s\n\n", argc - optind ? "one FILE only" :
		    "FILE missing");
		scan_usage(stderr);
		return CTL_USAGE;
	}
	sa->file = argv[optind];
	return 0;
}

/* The input, rewindable: a file, or stdin copied into an unnamed temp file. */
static FILE *open_input(const char *file, int *code)
{
	char buf[65536];
	FILE *fp;
	size_t n;

	if (strcmp(file, "-") != 0) {
		if (!(fp = fopen(file, "rb"))) {
			fprintf(stderr, "dlpctl scan: cannot open %s: %s\n", file, strerror(errno));
			*code = errno == ENOENT ? CTL_NOTFOUND : CTL_USAGE;
		}
		return fp;
	}
	if (!(fp = tmpfile())) {
		fprintf(stderr, "dlpctl scan: cannot create a temp file: %s\n", strerror(errno));
		*code = CTL_FAIL;
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, fp) != n)
			break;
	if (ferror(stdin) || ferror(fp) || fflush(fp) == EOF) {
		fprintf(stderr, "dlpctl scan: cannot copy standard input: %s\n", strerror(errno));
		fclose(fp);
		*code = CTL_FAIL;
		return NULL;
	}
	rewind(fp);
	return fp;
}

/* Whether fp holds a mail message: no NUL in its first 4 KiB, and its
 * first line (after an mbox "From " line) a header field "Name: …".  fp is
 * rewound. */
static bool looks_like_mail(FILE *fp)
{
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf), fp), i = 0, name;

	rewind(fp);
	if (n == 0 || memchr(buf, '\0', n))
		return false;
	if (n > 5 && memcmp(buf, "From ", 5) == 0) {
		const char *nl = memchr(buf, '\n', n);
		if (!nl)
			return false;
		i = (size_t)(nl - buf) + 1;
	}
	for (name = i; i < n && buf[i] > ' ' && buf[i] < 127 && buf[i] != ':'; i++)
		;
	return i > name && i < n && buf[i] == ':';
}

/* A message made around the bare file in (an .xlsx, a .pdf, a .zip): From
 * --from or scan@ the first internal domain, To the --rcpt addresses or one
 * external stand-in, the file attached under its own name.  A new temp
 * file, or NULL (said) with *code. */
static FILE *wrap_attachment(FILE *in, const char *file, const struct scan_args *sa,
    const struct conf *cf, int *code)
{
	const char *name = strcmp(file, "-") == 0 ? "stdin" : strrchr(file, '/') ?
	    strrchr(file, '/') + 1 : file;
	GMimeMessage *msg = g_mime_message_new(TRUE);
	GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");
	GMimeTextPart *text = g_mime_text_part_new_with_subtype("plain");
	GMimePart *att = g_mime_part_new_with_type("application", "octet-stream");
	GMimeStream *src = NULL, *out = NULL;
	GMimeDataWrapper *dw;
	char from[320];
	FILE *fp = NULL;
	int fd;

	if (sa->from)
		snprintf(from, sizeof(from), "%s", sa->from);
	else
		snprintf(from, sizeof(from), "dlpctl-scan@%s",
		    cf->n_internal ? cf->internal_domains[0] : "localhost");
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, NULL, from);
	if (sa->rcpt.n == 0)
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL,
		    "recipient@external.invalid");
	for (size_t i = 0; i < sa->rcpt.n; i++)
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, sa->rcpt.v[i]);
	g_mime_message_set_subject(msg, name, "utf-8");
	g_mime_text_part_set_text(text, "");
	g_mime_multipart_add(mp, GMIME_OBJECT(text));
	if ((fd = dup(fileno(in))) < 0 || !(src = g_mime_stream_fs_new(fd))) {
		fprintf(stderr, "dlpctl scan: cannot read %s: %s\n", file, strerror(errno));
		goto fail;
	}
	dw = g_mime_data_wrapper_new_with_stream(src, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(att, dw);
	g_object_unref(dw);
	g_mime_part_set_filename(att, name);
	g_mime_part_set_content_encoding(att, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_multipart_add(mp, GMIME_OBJECT(att));
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(mp));
	if (!(fp = tmpfile()) || (fd = dup(fileno(fp))) < 0 || !(out = g_mime_stream_fs_new(fd)) ||
	    g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, out) < 0 ||
	    g_mime_stream_flush(out) < 0) {
		fprintf(stderr, "dlpctl scan: cannot write a temp file: %s\n", strerror(errno));
		goto fail;
	}
	g_object_unref(out);
	out = NULL;
	rewind(fp);
	goto done;
fail:
	if (fp)
		fclose(fp);
	fp = NULL;
	*code = CTL_FAIL;
done:
	if (out)
		g_object_unref(out);
	if (src)
		g_object_unref(src);
	g_object_unref(att);
	g_object_unref(text);
	g_object_unref(mp);
	g_object_unref(msg);
	return fp;
}

/* Add every mailbox of an address list (groups flattened) to out. */
static int add_list(InternetAddressList *l, struct addrs *out)
{
	for (int i = 0; l && i < internet_address_list_length(l); i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			if (add_list(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
			    out) < 0)
				return -1;
		} else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *s = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			if (s && *s && addrs_add(out, s) < 0)
				return -1;
		}
	}
	return 0;
}

/* One unfolded header field: To/Cc/Bcc go to rcpt, From to from. */
static int take_header(const char *field, struct addrs *rcpt, struct addrs *from)
{
	const char *colon = strchr(field, ':');
	struct addrs *out = NULL;
	InternetAddressList *l;
	size_t n;
	int rc;

	if (!colon)
		return 0;
	n = (size_t)(colon - field);
	while (n && (field[n - 1] == ' ' || field[n - 1] == '\t'))
		n--;
	if ((n == 2 && (!strncasecmp(field, "to", 2) || !strncasecmp(field, "cc", 2))) ||
	    (n == 3 && !strncasecmp(field, "bcc", 3)))
		out = rcpt;
	else if (n == 4 && !strncasecmp(field, "from", 4) && from->n == 0)
		out = from;
	if (!out)
		return 0;
	if (!(l = internet_address_list_parse(NULL, colon + 1)))
		return 0;
	rc = add_list(l, out);
	g_object_unref(l);
	return rc;
}

/* Read the header block of fp (then rewind it) for the envelope. */
static int header_addresses(FILE *fp, struct addrs *rcpt, struct addrs *from)
{
	char *line = NULL, *field = NULL, *nf;
	size_t cap = 0, flen = 0, total = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, fp)) > 0 && total < HEADER_MAX) {
		total += (size_t)n;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (field && n && (line[0] == ' ' || line[0] == '\t')) {
			if (!(nf = realloc(field, flen + (size_t)n + 1))) {
				rc = -1;
				break;
			}
			field = nf;
			memcpy(field + flen, line, (size_t)n + 1);	/* unfold */
			flen += (size_t)n;
			continue;
		}
		if (field)
			rc = take_header(field, rcpt, from);
		free(field);
		field = NULL;
		if (n == 0)
			break;		/* end of the header */
		if (!(field = strdup(line)))
			rc = -1;
		flen = (size_t)n;
	}
	if (field && rc == 0)
		rc = take_header(field, rcpt, from);
	free(field);
	free(line);
	rewind(fp);
	return rc;
}

struct scan_run {
	struct conf *cf;
	struct scan_engine *eng;
	struct scan_msg *msg;
	const struct scan_result *res;
	long counters[POLICY_SLOTS];
	struct verdict v;
	const char *attachment;	/* a bare file, scanned attached to a message */
};

/* The counters across messages as the message alone gives them: its own
 * external recipients (series_external when it has a series key: a subject
 * or an attachment), itself and its bytes in the sender's hour. */
static void alone_history(struct scan_msg *m, const struct scan_result *r)
{
	bool key = r->subject && *r->subject;
	long h[3] = { 0, 0, 0 };

	for (size_t i = 0; !key && i < r->nparts; i++)
		key = r->parts[i].has_digest;
	if (r->sender && *r->sender && r->rcpt.external > 0) {
		h[0] = key ? (long)r->rcpt.external : 0;
		h[1] = 1;
		h[2] = (long)spool_size(scan_msg_spool(m));
	}
	scan_msg_set_history(m, h);
}

/* Feed the envelope and the file through the engine.  0 or an exit code. */
static int run_scan(struct scan_run *sr, const struct scan_args *sa, FILE *fp)
{
	struct addrs hdr_rcpt = { 0 }, hdr_from = { 0 };
	const struct addrs *rcpt = &sa->rcpt;
	struct scan_options opt;
	const char *tmp = getenv("TMPDIR");
	char err[1024] = "";
	int code = CTL_FAIL;

	if (header_addresses(fp, &hdr_rcpt, &hdr_from) < 0) {
		fprintf(stderr, "dlpctl scan: out of memory reading the header\n");
		goto out;
	}
	conf_scan_options(sr->cf, &opt);
	opt.spool_dir = tmp && *tmp ? tmp : "/tmp";
	if (!(sr->eng = scan_engine_new(&opt, err, sizeof(err)))) {
		fprintf(stderr, "dlpctl scan: %s\n", err);
		goto out;
	}
	if (!(sr->msg = scan_msg_new(sr->eng))) {
		fprintf(stderr, "dlpctl scan: out of memory\n");
		goto out;
	}
	if (rcpt->n == 0)
		rcpt = &hdr_rcpt;
	if (scan_msg_envfrom(sr->msg, sa->from ? sa->from : hdr_from.n ? hdr_from.v[0] : "") < 0)
		goto msgerr;
	for (size_t i = 0; i < rcpt->n; i++)
		if (scan_msg_rcpt(sr->msg, rcpt->v[i]) < 0)
			goto msgerr;
	if (feed_file(sr->msg, fp) < 0) {
		fprintf(stderr, "dlpctl scan: cannot read %s: %s\n", sa->file,
		    scan_msg_error(sr->msg) ? scan_msg_error(sr->msg) : strerror(errno));
		goto out;
	}
	if (!(sr->res = scan_msg_eom(sr->msg)))
		goto msgerr;
	alone_history(sr->msg, sr->res);
	scan_result_counters(sr->res, sr->counters);
	sender_group_slots(sr->cf, sr->res, sr->counters, err, sizeof(err));
	if (err[0])
		fprintf(stderr, "dlpctl scan: sender_group: the register: %s (the sender is in no "
		    "group)\n", err);
	policy_decide(sr->cf, sr->counters, &sr->v);
	code = 0;
	goto out;
msgerr:
	fprintf(stderr, "dlpctl scan: %s\n", scan_msg_error(sr->msg) ?
	    scan_msg_error(sr->msg) : "internal error");
out:
	addrs_free(&hdr_rcpt);
	addrs_free(&hdr_from);
	return code;
}

/* Every counter, then the config's slots ("dictionary.secret": n,
 * "recipient_domains in partners": 0 or 1). */
static json_t *counters_json(const struct conf *cf, const long counters[POLICY_SLOTS])
{
	json_t *o = json_object();
	char name[160];

	for (int c = 0; o && c < SC_COUNT; c++)
		if (json_object_set_new(o, scan_counter_name(c), json_integer(counters[c])) < 0) {
			json_decref(o);
			return NULL;
		}
	for (size_t i = SC_COUNT; o && i < POLICY_SLOTS; i++)
		if (conf_slot_name(cf, i, name, sizeof(name)) &&
		    json_object_set_new(o, name, json_integer(counters[i])) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* The `in` conditions of the rules, as the message meets them. */
static void print_conditions(const json_t *counters)
{
	const char *name;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)counters, name, v)
		if (strstr(name, " in "))
			printf("%s  %s: %s", n++ ? "\n" : "conditions:\n", name,
			    json_integer_value(v) ? "yes" : "no");
	if (n)
		printf("\n");
}

/* The fired rules; detail: with when and the reason as the notice fills
 * it (placeholders from the counters). */
static json_t *rules_json(const struct verdict *v, const long *counters,
    const struct scan_result *r, bool detail)
{
	json_t *a = json_array(), *e;

	for (size_t i = 0; a && i < v->nfired; i++) {
		const struct conf_rule *cr = v->fired[i];
		char *reason = detail && cr->reason ? policy_fill_result(cr->reason, cr->when, counters, r) :
		    NULL;
		e = detail ? json_pack("{s:s, s:s, s:s?, s:s?}", "name", cr->name, "action",
		    action_name(cr->action), "when", cr->when_src, "reason",
		    reason ? reason : cr->reason) : json_string(cr->name);
		free(reason);
		if (!e || json_array_append_new(a, e) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The decision as one JSON object (the --json output; plain output is
 * printed from it too).  NULL on ENOMEM. */
static json_t *decision_json(const struct scan_run *sr, const struct scan_args *sa)
{
	const struct scan_result *r = sr->res;

	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s?, s:s?,"
	    " s:{s:I, s:I, s:I}}",
	    "file", sa->file, "input", sr->attachment ? "attachment" : "message",
	    "verdict", action_name(sr->v.action),
	    "rules", rules_json(&sr->v, sr->counters, sr->res, false),
	    "rules_detail", rules_json(&sr->v, sr->counters, sr->res, true),
	    "findings", result_json_findings(r),
	    "samples", result_json_findings_samples(r, SAMPLES),
	    "recipients", result_json_recipients(r),
	    "counters", counters_json(sr->cf, sr->counters),
	    "parts", result_json_parts(r),
	    "sender", r->sender,
	    "error", r->error,
	    "totals", "encrypted", (json_int_t)r->encrypted, "unscanned",
	    (json_int_t)r->unscanned, "attachments", (json_int_t)r->attachments);
}

static long long jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void print_plain(const json_t *d)
{
	const json_t *rc = json_object_get(d, "recipients"), *tot = json_object_get(d, "totals");
	const char *error = json_string_value(json_object_get(d, "error"));

	if (strcmp(json_string_value(json_object_get(d, "input")) ?: "", "attachment") == 0)
		printf("input: %s is not a mail message: scanned as the attachment of a message"
		    " from %s to %s\n", ctl_shown(json_string_value(json_object_get(d, "file")), "?"),
		    ctl_shown(json_string_value(json_object_get(d, "sender")), "?"),
		    jint(rc, "external") ? "an external recipient" : "internal recipients");
	printf("verdict: %s\n", json_string_value(json_object_get(d, "verdict")));
	ctl_print_rules(json_object_get(d, "rules_detail"));
	ctl_print_findings(json_object_get(d, "samples"));
	print_conditions(json_object_get(d, "counters"));
	printf("recipients: %lld (external %lld, external visible %lld, external domains %lld)\n",
	    jint(rc, "recipients"), jint(rc, "external"), jint(rc, "external_visible"),
	    jint(rc, "external_domains"));
	printf("encrypted %lld, unscanned %lld, attachments %lld\n", jint(tot, "encrypted"),
	    jint(tot, "unscanned"), jint(tot, "attachments"));
	printf("across messages (this one alone; the daemon adds the register's): series_external"
	    " %lld, sender_external_hour %lld, sender_bytes_hour %lld\n",
	    jint(json_object_get(d, "counters"), "series_external"),
	    jint(json_object_get(d, "counters"), "sender_external_hour"),
	    jint(json_object_get(d, "counters"), "sender_bytes_hour"));
	ctl_print_parts(json_object_get(d, "parts"));
	if (error)
		printf("inspection stopped early: %s\n", error);
}

static int print_decision(const struct scan_run *sr, const struct scan_args *sa)
{
	json_t *d = decision_json(sr, sa);
	int rc = 0;

	if (!d) {
		fprintf(stderr, "dlpctl scan: out of memory\n");
		return CTL_FAIL;
	}
	if (sa->json)
		rc = ctl_print_json(stdout, d);
	else
		print_plain(d);
	json_decref(d);
	return rc < 0 ? CTL_FAIL : CTL_OK;
}

int ctl_scan(const struct ctl *g, int argc, char **argv)
{
	struct scan_args sa = { 0 };
	struct scan_run sr = { 0 };
	bool done = false;
	FILE *fp = NULL;
	int code;

	if ((code = parse_args(argc, argv, &sa, &done)) != 0 || done)
		goto out;
	code = CTL_USAGE;
	if (!(fp = open_input(sa.file, &code)))
		goto out;
	code = CTL_USAGE;
	if (!(sr.cf = ctl_load_conf(g, sa.conf)))
		goto out;
	g_mime_init();
	if (!looks_like_mail(fp)) {
		FILE *wrapped = wrap_attachment(fp, sa.file, &sa, sr.cf, &code);
		if (!wrapped) {
			g_mime_shutdown();
			goto out;
		}
		fclose(fp);
		fp = wrapped;
		sr.attachment = sa.file;
	}
	code = run_scan(&sr, &sa, fp);
	if (code == 0)
		code = print_decision(&sr, &sa);
	scan_msg_free(sr.msg);
	scan_engine_free(sr.eng);
	g_mime_shutdown();
out:
	if (fp)
		fclose(fp);
	conf_unref(sr.cf);
	addrs_free(&sa.rcpt);
	return code;
}
