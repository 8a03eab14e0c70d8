/*
 * release.c — `dlpctl release`, `dlpctl delete`, `dlpctl purge`.
 *
 * release and delete tell the sender of the outcome (when the sender is
 * internal): the notice is queued in the register already claimed by
 * this dlpctl and sent at once through [notice] relay; if that fails it
 * stays queued and the daemon's notifier retries it with backoff.  The
 * release or delete itself is done either way.
 */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "ctl/ctl.h"
#include "notice/notify.h"
#include "quarantine/release.h"
#include "notice/smtp.h"

struct act_args {
	const char *id;
	const char *reason;
	bool force;
	bool bcc;
};

static void act_usage(FILE *fp, const char *cmd)
{
	bool rel = strcmp(cmd, "release") == 0;

	fprintf(fp, "usage: dlpctl %s ID [--reason TEXT] [--force]%s\n\n", cmd,
	    rel ? " [--bcc]" : "");
	if (rel)
		fprintf(fp,
		    "Send the held message of incident ID on, unchanged, to every original\n"
		    "recipient with the original sender, through [release] relay, with a trace\n"
		    "header X-DLP-Released: TOKEN (random; the audit trail ties it to the\n"
		    "incident).  The incident becomes released only when the relay accepted\n"
		    "the whole transaction; otherwise it stays held, the relay's reply is\n"
		    "printed and the exit status is 3.  A delayed incident (action delay) may be\n"
		    "released before its time the same way.\n\n"
		    "  -b, --bcc          Bcc conversion: the external addresses of To and Cc are\n"
		    "                     taken out of the header (To: undisclosed-recipients:;\n"
		    "                     when none is left), the envelope unchanged: every\n"
		    "                     recipient gets it, none sees the others\n");
	else
		fprintf(fp, "Delete the held message of incident ID; the incident stays, as deleted.\n\n");
	fprintf(fp,
	    "  -r, --reason TEXT  why, for the audit trail and the sender's notice\n"
	    "  -f, --force        take over a release left unfinished by a dlpctl that died\n"
	    "                     (status releasing for more than %d minutes)\n"
	    "  -h, --help         this help\n", RELEASE_STALE / 60);
}

static int parse_act_args(int argc, char **argv, struct act_args *a)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "bcc", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	bool rel = strcmp(argv[0], "release") == 0;

	while ((c = getopt_long(argc, argv, rel ? "r:fbh" : "r:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': a->reason = optarg; break;
		case 'f': a->force = true; break;
		case 'b':
			if (!rel) {
				act_usage(stderr, argv[0]);
				return CTL_USAGE;
			}
			a->bcc = true;
			break;
		case 'h': act_usage(stdout, argv[0]); return -1;
		default: act_usage(stderr, argv[0]); return CTL_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "dlpctl %s: %s\n\n", argv[0], argc == optind ? "ID missing" :
		    "one ID only");
		act_usage(stderr, argv[0]);
		return CTL_USAGE;
	}
	a->id = argv[optind];
	return 0;
}

/* Queue the outcome notice for the sender of id, claimed by us, and try
 * to send it now.  Prints what happened. */
static void outcome_notice(struct reg *rg, const struct conf *cf, const char *id,
    enum notice_kind kind, const char *note, const char *actor)
{
	struct scan_options opt;
	struct incident inc;
	struct nq_notice n;
	char err[1024];
	long long seq = 0;

	conf_scan_options(cf, &opt);
	if (reg_get(rg, id, &inc, err, sizeof(err)) != 0)
		return;
	if (!nq_sender_internal(&opt, inc.sender)) {
		printf("no notice: the sender %s is not internal\n",
		    inc.sender && *inc.sender ? inc.sender : "<>");
		goto out;
	}
	if (nq_add(rg, id, kind, inc.sender, note, true, time(NULL), &seq, err, sizeof(err)) != 0 ||
	    nq_get(rg, seq, &n, err, sizeof(err)) != 0) {
		fprintf(stderr, "dlpctl: notice to %s not queued: %s\n", inc.sender, err);
		goto out;
	}
	if (notify_deliver(rg, cf, &n, actor, NULL, err, sizeof(err)) == 0)
		printf("notice sent to %s\n", inc.sender);
	else
		fprintf(stderr, "dlpctl: notice to %s not sent yet (dlp-milter retries it): %s\n",
		    inc.sender, err);
	nq_notice_clear(&n);
out:
	incident_clear(&inc);
}

static int exit_code(enum release_rc rc)
{
	switch (rc) {
	case REL_DONE:
	case REL_ALREADY: return CTL_OK;
	case REL_NOT_FOUND: return CTL_NOTFOUND;
	case REL_BUSY:
	case REL_NOT_HELD: return CTL_REFUSED;
	default: return CTL_FAIL;
	}
}

/* release (rel) or delete ID. */
static int run_action(const struct ctl *g, int argc, char **argv, bool rel)
{
	struct act_args a = { .id = NULL };
	char qdir[PATH_MAX], actor[128], msg[2048] = "", id[32];
	struct release_opts o;
	struct scan_options opt;
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	enum release_rc rc;
	int code;

	if ((code = parse_act_args(argc, argv, &a)) != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_admin_conf(g)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, REG_RW)))
		goto out;
	if ((code = ctl_incident_id(rg, argv[0], a.id, id)) != CTL_OK)
		goto out;
	a.id = id;
	conf_var_path(cf, "quarantine", qdir, sizeof(qdir));
	memset(&o, 0, sizeof(o));
	o.relay = cf->release_relay;
	o.qdir = qdir;
	o.actor = ctl_actor(actor, sizeof(actor));
	o.reason = a.reason;
	o.force = a.force;
	if (a.bcc) {
		conf_scan_options(cf, &opt);
		o.bcc = &opt;
	}
	rc = rel ? release_incident(rg, a.id, &o, NULL, msg, sizeof(msg)) :
	    release_delete(rg, a.id, &o, msg, sizeof(msg));
	code = exit_code(rc);
	if (rc == REL_DONE || rc == REL_ALREADY)
		printf("%s%s\n", msg, rc == REL_ALREADY ? (rel ? " (nothing sent)" : "") : "");
	else
		fprintf(stderr, "dlpctl %s: %s%s\n", argv[0], msg,
		    rc == REL_SEND_FAILED ? " — the incident is still held (a delay: still delayed)" : "");
	if (rc == REL_DONE)
		outcome_notice(rg, cf, a.id, rel ? NOTICE_RELEASED : NOTICE_DELETED, a.reason, actor);
out:
	reg_close(rg);
	conf_unref(cf);
	return code;
}

int ctl_release(const struct ctl *g, int argc, char **argv)
{
	int rc;

	g_mime_init();
	smtp_global_init();
	rc = run_action(g, argc, argv, true);
	g_mime_shutdown();
	return rc;
}

int ctl_delete(const struct ctl *g, int argc, char **argv)
{
	int rc;

	g_mime_init();
	smtp_global_init();
	rc = run_action(g, argc, argv, false);
	g_mime_shutdown();
	return rc;
}

static void purge_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl purge [--older-than DAYS] [--force]\n"
	    "\n"
	    "Held incidents older than DAYS become expired and their stored messages are\n"
	    "removed; stored copies of released or deleted incidents older than DAYS are\n"
	    "removed too.  The register rows stay: the register is the record.\n"
	    "\n"
	    "  -d, --older-than DAYS  default: [register] retention_days\n"
	    "  -f, --force            needed for --older-than 0 (every held message now)\n"
	    "  -h, --help             this help\n");
}

int ctl_purge(const struct ctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "older-than", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "bcc", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char qdir[PATH_MAX], actor[128], err[1024] = "", *end;
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	bool force = false;
	long days = -1;
	int c, code, expired = 0, removed = 0;

	while ((c = getopt_long(argc, argv, "d:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'd':
			days = strtol(optarg, &end, 10);
			if (end == optarg || *end || days < 0 || days > 36500) {
				fprintf(stderr, "dlpctl purge: --older-than takes days (0..36500)\n");
				return CTL_USAGE;
			}
			break;
		case 'h': purge_usage(stdout); return CTL_OK;
		default: purge_usage(stderr); return CTL_USAGE;
		}
	}
	if (ctl_no_operands("purge", argc, argv) != 0)
		return CTL_USAGE;
	if (days == 0 && !force) {
		fprintf(stderr, "dlpctl purge: --older-than 0 expires every held message now, the"
		    " ones held a minute ago too: add --force if that is what you mean\n");
		return CTL_USAGE;
	}
	if (!(cf = ctl_load_admin_conf(g)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, REG_RW)))
		goto out;
	if (days < 0)
		days = cf->retention_days;
	conf_var_path(cf, "quarantine", qdir, sizeof(qdir));
	/* created <= now - days: at least DAYS old (0: everything up to now) */
	if (release_purge(rg, qdir, time(NULL) - days * 86400 + 1, ctl_actor(actor, sizeof(actor)),
	    &expired, &removed, err, sizeof(err)) < 0)
		fprintf(stderr, "dlpctl purge: %s\n", err);
	else
		code = CTL_OK;
	printf("older than %ld days: %d held incident%s expired, %d stored cop%s removed\n", days,
	    expired, expired == 1 ? "" : "s", removed, removed == 1 ? "y" : "ies");
out:
	reg_close(rg);
	conf_unref(cf);
	return code;
}
