/*
 * show.c — `dlpctl show ID`: one incident in full (envelope,
 * recipients, rules with reasons, findings with masked samples, parts,
 * status, the stored message) and its audit history; or one JSON object.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl/ctl.h"
#include "detectors/feed.h"
#include "detectors/scan.h"
#include "quarantine/incident.h"
#include "notice/queue.h"
#include "quarantine/held.h"
#include "quarantine/store.h"

static void show_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl show ID [--json | --raw | --text [--unmasked]]\n"
	    "\n"
	    "Show an incident: sender, subject, queue id, Message-ID, time, recipients,\n"
	    "rules with reasons, findings with masked samples, parts, status, the\n"
	    "quarantined copy and the audit history.\n"
	    "\n"
	    "  -j, --json   one JSON object (the incident, \"stored\", \"history\", \"notices\")\n"
	    "  -r, --raw    the stored message itself, byte for byte (it holds the\n"
	    "               personal data: for an administrator's eyes)\n"
	    "  -t, --text   the decoded body and each part's extracted text, numbers\n"
	    "               and mail addresses masked\n"
	    "      --unmasked  with --text: the values in full\n"
	    "  -h, --help   this help\n"
	    "\n"
	    "--json, --raw and --text each write an audit row naming who looked.\n");
}

static void print_incident(const struct incident *inc, const char *stored, long long size)
{
	char created[40], updated[40];
	size_t i;
	json_t *a;

	incident_format_time(inc->created, created, sizeof(created));
	incident_format_time(inc->updated, updated, sizeof(updated));
	printf("incident:   %s\n", inc->id);
	printf("status:     %s (action %s), since %s by %s\n", inc->status, inc->action,
	    updated, ctl_shown(inc->updated_by, "?"));
	printf("time:       %s\n", created);
	if (inc->due) {
		char due[40];

		incident_format_time(inc->due, due, sizeof(due));
		printf("due:        %s (%s)%s\n", due, strcmp(inc->status, "delayed") == 0 ?
		    "sent by itself then, unless cancelled" : "the delay's time",
		    inc->delay_tries ? ", after a failed automatic release" : "");
	}
	printf("queue id:   %s\n", ctl_shown(inc->queue_id, "-"));
	printf("message id: %s\n", ctl_shown(inc->message_id, "-"));
	printf("sender:     %s\n", ctl_shown(inc->sender, "<>"));
	printf("subject:    %s\n", ctl_shown(inc->subject, "-"));
	if (size >= 0)
		printf("stored:     %s (%lld bytes)\n", stored, size);
	else
		printf("stored:     no (%s)\n", stored);
	printf("recipients: %ld (external %ld, external visible %ld, external domains %ld)\n",
	    inc->recipients, inc->external, inc->external_visible, inc->external_domains);
	json_array_foreach(inc->rcpt, i, a)
		printf("  %s\n", ctl_shown(json_string_value(a), "?"));
	ctl_print_rules(inc->rules);
	ctl_print_findings(inc->findings);
	ctl_print_parts(inc->parts);
}

struct hist_out {
	bool json;
	json_t *array;
	bool failed;
};

static int history_cb(const struct audit *a, void *arg)
{
	struct hist_out *ho = arg;
	char when[40];

	incident_format_time(a->time, when, sizeof(when));
	if (ho->json) {
		ho->failed = json_array_append_new(ho->array, json_pack("{s:s, s:I, s:s?, s:s?, s:s?}",
		    "time", when, "time_epoch", (json_int_t)a->time, "actor", a->actor,
		    "action", a->action, "reason", a->reason)) < 0;
		return ho->failed;
	}
	printf("  %s  %-12s %s%s%s\n", when, ctl_shown(a->actor, "?"), ctl_shown(a->action, "?"),
	    a->reason && *a->reason ? ": " : "", ctl_shown(a->reason, ""));
	return 0;
}

/* Where the quarantined copy is (a path, or the database) and its size,
 * or -1 and why not. */
static long long stored_copy(const struct conf *cf, struct reg *rg, const char *id,
    char *buf, size_t len)
{
	char dir[PATH_MAX];
	long long n;

	conf_var_path(cf, "quarantine", dir, sizeof(dir));
	n = held_size(rg, dir, id, buf, len);
	return n < 0 ? -1 : n;
}

/* The stored message of id to stdout, byte for byte, chunk by chunk. */
static int show_raw(const struct conf *cf, struct reg *rg, const char *id)
{
	char dir[PATH_MAX], err[PATH_MAX + 128];
	int rc;

	conf_var_path(cf, "quarantine", dir, sizeof(dir));
	if ((rc = held_write(rg, dir, id, stdout, err, sizeof(err))) != 0) {
		fprintf(stderr, "dlpctl show: %s\n", err);
		return rc > 0 ? CTL_NOTFOUND : CTL_FAIL;
	}
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAIL;
}

struct notices_out {
	json_t *array;		/* --json, else NULL: print */
	bool failed;
};

static int notice_cb(const struct nq_notice *n, void *arg)
{
	struct notices_out *no = arg;
	char when[40] = "-";

	if (n->sent)
		incident_format_time(n->sent, when, sizeof(when));
	else if (strcmp(n->status, "pending") == 0)
		incident_format_time(n->next_try, when, sizeof(when));
	if (no->array) {
		no->failed = json_array_append_new(no->array, json_pack("{s:s, s:s, s:s, s:i,"
		    " s:s, s:s?}", "kind", notice_kind_name(n->kind), "recipient", n->recipient,
		    "status", n->status, "attempts", n->attempts,
		    n->sent ? "sent" : "next_try", when, "last_error", n->last_error)) < 0;
		return no->failed;
	}
	printf("  %-8s %-30s %-8s attempts %d, %s %s%s%s\n", notice_kind_name(n->kind),
	    n->recipient, n->status, n->attempts, n->sent ? "sent" : "next try", when,
	    n->last_error && !n->sent ? "; last error: " : "",
	    n->last_error && !n->sent ? n->last_error : "");
	return 0;
}

static int show_json(const struct incident *inc, const char *stored, long long size,
    struct reg *rg)
{
	struct hist_out ho = { .json = true, .array = json_array() };
	struct notices_out no = { .array = NULL };
	json_t *o = incident_json(inc);
	char err[512] = "";
	int code = CTL_FAIL;

	if (!o || !ho.array)
		goto out;
	if (reg_history(rg, inc->id, history_cb, &ho, err, sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl show: %s\n", err);
		goto out;
	}
	if (!(no.array = json_array()) ||
	    nq_list(rg, inc->id, notice_cb, &no, err, sizeof(err)) < 0 || no.failed ||
	    json_object_set(o, "notices", no.array) < 0) {
		fprintf(stderr, "dlpctl show: %s\n", err[0] ? err : "out of memory");
		goto out;
	}
	if (ho.failed || json_object_set_new(o, "stored", size >= 0 ?
	    json_pack("{s:s, s:I}", "path", stored, "size", (json_int_t)size) : json_null()) < 0 ||
	    json_object_set(o, "history", ho.array) < 0)
		goto out;
	code = ctl_print_json(stdout, o) < 0 ? CTL_FAIL : CTL_OK;
out:
	json_decref(no.array);
	json_decref(ho.array);
	json_decref(o);
	return code;
}

struct text_out {
	bool unmasked;
	size_t pieces;
};

static void text_cb(void *arg, const struct scan_part *part, const char *text, size_t len)
{
	struct text_out *to = arg;
	bool header = part->extractor && strcmp(part->extractor, "header") == 0;
	char *shown;

	to->pieces++;
	printf("--- %s%s%s (%s) ---\n", ctl_shown(part->path, "?"), part->filename ? "  " : "",
	    part->filename ? ctl_shown(part->filename, "") : "", ctl_shown(part->extractor, "-"));
	/* a header is one line: a line break in it is shown escaped */
	shown = ctl_mask_text(text, len, !to->unmasked, header);
	fputs(shown, stdout);
	free(shown);
	if (len && text[len - 1] != '\n')
		putchar('\n');
}

/* The stored message of id read again by the engine, its text printed as
 * it is extracted. */
static int show_text(const struct conf *cf, struct reg *rg, const char *id, bool unmasked)
{
	struct text_out to = { .unmasked = unmasked };
	char path[PATH_MAX], dir[PATH_MAX], err[1024] = "";
	const char *tmp = getenv("TMPDIR");
	struct scan_engine *eng = NULL;
	struct scan_msg *m = NULL;
	struct scan_options opt;
	int code = CTL_FAIL;
	FILE *fp;

	conf_var_path(cf, "quarantine", dir, sizeof(dir));
	if (!reg_keeps_messages(rg)) {
		store_path(dir, id, path, sizeof(path));
		if (!(fp = fopen(path, "rb"))) {
			fprintf(stderr, "dlpctl show: no stored copy of %s in %s/msg\n", id, dir);
			return CTL_NOTFOUND;
		}
	} else {
		/* from the database into an unnamed temp file, chunk by chunk */
		snprintf(path, sizeof(path), "the stored copy of %s", id);
		if (!(fp = tmpfile()) || (code = held_write(rg, dir, id, fp, err, sizeof(err))) != 0 ||
		    fflush(fp) != 0) {
			fprintf(stderr, "dlpctl show: %s\n", err[0] ? err : strerror(errno));
			if (fp)
				fclose(fp);
			return code == 1 ? CTL_NOTFOUND : CTL_FAIL;
		}
		rewind(fp);
		code = CTL_FAIL;
	}
	conf_scan_options(cf, &opt);
	opt.spool_dir = tmp && *tmp ? tmp : "/tmp";
	if (!(eng = scan_engine_new(&opt, err, sizeof(err))) || !(m = scan_msg_new(eng))) {
		fprintf(stderr, "dlpctl show: %s\n", err[0] ? err : "out of memory");
		goto out;
	}
	printf("text of %s (%s):\n", id, unmasked ? "in full" :
	    "numbers and mail addresses masked; --unmasked shows them");
	scan_msg_on_text(m, text_cb, &to);
	if (feed_file(m, fp) < 0 || !scan_msg_eom(m)) {
		fprintf(stderr, "dlpctl show: cannot read %s: %s\n", path,
		    scan_msg_error(m) ? scan_msg_error(m) : "read error");
		goto out;
	}
	if (to.pieces == 0)
		printf("(no text)\n");
	code = CTL_OK;
out:
	if (fp)
		fclose(fp);
	scan_msg_free(m);
	scan_engine_free(eng);
	return code;
}

struct show_args {
	const char *id;
	bool json, raw, text, unmasked;
};

static int parse_show_args(int argc, char **argv, struct show_args *a)
{
	enum { O_UNMASKED = 0x200 };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "raw", no_argument, NULL, 'r' },
		{ "text", no_argument, NULL, 't' },
		{ "unmasked", no_argument, NULL, O_UNMASKED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "jrth", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = true; break;
		case 'r': a->raw = true; break;
		case 't': a->text = true; break;
		case O_UNMASKED: a->unmasked = true; break;
		case 'h': show_usage(stdout); return -1;
		default: show_usage(stderr); return CTL_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "dlpctl show: %s\n\n", argc == optind ? "ID missing" : "one ID only");
		show_usage(stderr);
		return CTL_USAGE;
	}
	if (a->json + a->raw + a->text > 1) {
		fprintf(stderr, "dlpctl show: one of --json, --raw and --text\n");
		return CTL_USAGE;
	}
	if (a->unmasked && !a->text) {
		fprintf(stderr, "dlpctl show: --unmasked goes with --text\n");
		return CTL_USAGE;
	}
	a->id = argv[optind];
	return 0;
}

/* Who looked at what, in the audit trail, before it is shown. */
static int audit_view(struct reg *rg, const char *id, const struct show_args *a)
{
	const char *what = a->raw ? "viewed the stored message" : a->json ?
	    "viewed the incident (json)" : a->unmasked ? "viewed the text unmasked" :
	    "viewed the text (masked)";
	char actor[128], err[512] = "";

	if (reg_audit(rg, id, ctl_actor(actor, sizeof(actor)), what, NULL, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl show: cannot write the audit row, nothing shown: %s\n", err);
		return -1;
	}
	return 0;
}

int ctl_show(const struct ctl *g, int argc, char **argv)
{
	struct show_args a = { .id = NULL };
	struct hist_out ho = { .json = false };
	char err[512] = "", stored[PATH_MAX + 64], full[32];
	struct incident inc = { .created = 0 };
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	bool viewed;
	long long size;
	int code, rc;

	if ((code = parse_show_args(argc, argv, &a)) != 0)
		return code < 0 ? CTL_OK : code;
	viewed = a.json || a.raw || a.text;
	if (!(cf = ctl_load_admin_conf(g)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, viewed ? REG_RW : REG_RO)))
		goto out;
	if ((code = ctl_incident_id(rg, "show", a.id, full)) != CTL_OK)
		goto out;
	code = CTL_FAIL;
	if ((rc = reg_get(rg, full, &inc, err, sizeof(err))) != 0) {
		fprintf(stderr, "dlpctl show: %s\n", err);
		code = rc > 0 ? CTL_NOTFOUND : CTL_FAIL;
		goto out;
	}
	if (viewed && audit_view(rg, inc.id, &a) < 0)
		goto out;
	if (a.raw) {
		code = show_raw(cf, rg, inc.id);
		goto out;
	}
	if (a.text) {
		code = show_text(cf, rg, inc.id, a.unmasked);
		goto out;
	}
	size = stored_copy(cf, rg, inc.id, stored, sizeof(stored));
	if (a.json) {
		code = show_json(&inc, stored, size, rg);
		goto out;
	}
	print_incident(&inc, stored, size);
	printf("history:\n");
	if (reg_history(rg, inc.id, history_cb, &ho, err, sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl show: %s\n", err);
		goto out;
	}
	printf("notices:\n");
	if (nq_list(rg, inc.id, notice_cb, &(struct notices_out){ .array = NULL }, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl show: %s\n", err);
		goto out;
	}
	code = CTL_OK;
out:
	incident_clear(&inc);
	reg_close(rg);
	conf_unref(cf);
	return code;
}
