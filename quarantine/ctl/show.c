/*
 * show.c — `dlpctl show ID`: one incident in full (envelope,
 * recipients, rules with reasons, findings with masked samples, parts,
 * status, the stored message) and its audit history; or one JSON object.
 */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl/ctl.h"
#include "quarantine/incident.h"
#include "notice/queue.h"
#include "quarantine/held.h"

static void show_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl show ID [--json | --raw]\n"
	    "\n"
	    "Show an incident: sender, subject, queue id, Message-ID, time, recipients,\n"
	    "rules with reasons, findings with masked samples, parts, status, the\n"
	    "quarantined copy and the audit history.\n"
	    "\n"
	    "  -j, --json   one JSON object (the incident, \"stored\", \"history\", \"notices\")\n"
	    "  -r, --raw    the stored message itself, byte for byte (it holds the\n"
	    "               personal data: for an administrator's eyes)\n"
	    "  -h, --help   this help\n");
}

static const char *str_or(const char *s, const char *def)
{
	return s && *s ? s : def;
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
	    updated, str_or(inc->updated_by, "?"));
	printf("time:       %s\n", created);
	printf("queue id:   %s\n", str_or(inc->queue_id, "-"));
	printf("message id: %s\n", str_or(inc->message_id, "-"));
	printf("sender:     %s\n", str_or(inc->sender, "<>"));
	printf("subject:    %s\n", str_or(inc->subject, "-"));
	if (size >= 0)
		printf("stored:     %s (%lld bytes)\n", stored, size);
	else
		printf("stored:     no (%s)\n", stored);
	printf("recipients: %ld (external %ld, external visible %ld, external domains %ld)\n",
	    inc->recipients, inc->external, inc->external_visible, inc->external_domains);
	json_array_foreach(inc->rcpt, i, a)
		printf("  %s\n", str_or(json_string_value(a), "?"));
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
	printf("  %s  %-12s %s%s%s\n", when, str_or(a->actor, "?"), str_or(a->action, "?"),
	    a->reason && *a->reason ? ": " : "", a->reason ? a->reason : "");
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

static int parse_show_args(int argc, char **argv, const char **id, bool *json, bool *raw)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "jrh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': *json = true; break;
		case 'r': *raw = true; break;
		case 'h': show_usage(stdout); return -1;
		default: show_usage(stderr); return CTL_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "dlpctl show: %s\n\n", argc == optind ? "ID missing" : "one ID only");
		show_usage(stderr);
		return CTL_USAGE;
	}
	if (*json && *raw) {
		fprintf(stderr, "dlpctl show: --json or --raw, not both\n");
		return CTL_USAGE;
	}
	*id = argv[optind];
	return 0;
}

int ctl_show(const struct ctl *g, int argc, char **argv)
{
	struct hist_out ho = { .json = false };
	char err[512] = "", stored[PATH_MAX + 64];
	struct incident inc = { .created = 0 };
	const char *id = NULL;
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	bool json = false, raw = false;
	long long size;
	int code, rc;

	if ((code = parse_show_args(argc, argv, &id, &json, &raw)) != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_conf(g, NULL)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, REG_RO)))
		goto out;
	if ((rc = reg_get(rg, id, &inc, err, sizeof(err))) != 0) {
		fprintf(stderr, "dlpctl show: %s\n", err);
		code = rc > 0 ? CTL_NOTFOUND : CTL_FAIL;
		goto out;
	}
	if (raw) {
		code = show_raw(cf, rg, inc.id);
		goto out;
	}
	size = stored_copy(cf, rg, inc.id, stored, sizeof(stored));
	if (json) {
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
