/*
 * migrate.c — dlpctl migrate --to postgresql://…: copy this node's SQLite
 * register (var_dir/incidents.db) and its quarantine files into a
 * PostgreSQL register, verify, and say what was done.
 *
 * Every incident goes over as it is, in one transaction of its own: its
 * row (notices counted as planned), its audit trail and its notices
 * (reg_import); then its held copy, streamed from the file into bytea
 * chunks.  An incident that is in the database already is left as it is
 * (a second run after an interruption copies only what is missing, and
 * two nodes can be migrated into one database one after the other).
 *
 * The links' key (link.h) goes too when the database has none yet, and
 * then the register's other tables (migrate_tables.c).
 *
 * Verification, per incident copied or found: status, last change and
 * the numbers of audit rows and notices equal on both sides, and the
 * SHA-256 of the held copy equal on both sides.  Totals and a digest over
 * all of it are printed; any difference exits 3.
 *
 * Stop the milter of this node first (new holds would land in SQLite
 * after the copy), then switch its config to [register] url.
 */
#include <getopt.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>

#include "ctl/ctl.h"
#include "notice/link.h"
#include "quarantine/store.h"

struct ids {
	char (*id)[32];
	size_t n, cap;
	bool oom;
};

static int collect_id(const struct incident *inc, void *arg)
{
	struct ids *l = arg;
	void *p;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		if (!(p = realloc(l->id, l->cap * sizeof(*l->id)))) {
			l->oom = true;
			return 1;
		}
		l->id = p;
	}
	snprintf(l->id[l->n++], 32, "%s", inc->id);
	return 0;
}

/* An incident's audit trail and notices, copied out of the callbacks. */
struct trail {
	struct audit *a;
	size_t na, ca;
	struct reg_notice *n;
	size_t nn, cn;
	bool oom;
};

static int keep_audit(const struct audit *a, void *arg)
{
	struct trail *t = arg;
	void *p;

	if (t->na == t->ca) {
		t->ca = t->ca ? 2 * t->ca : 8;
		if (!(p = realloc(t->a, t->ca * sizeof(*t->a)))) {
			t->oom = true;
			return 1;
		}
		t->a = p;
	}
	t->a[t->na++] = (struct audit){ .time = a->time,
		.actor = a->actor ? strdup(a->actor) : NULL,
		.action = a->action ? strdup(a->action) : NULL,
		.reason = a->reason ? strdup(a->reason) : NULL };
	return 0;
}

static int keep_notice(const struct reg_notice *n, void *arg)
{
	struct trail *t = arg;
	void *p;

	if (t->nn == t->cn) {
		t->cn = t->cn ? 2 * t->cn : 4;
		if (!(p = realloc(t->n, t->cn * sizeof(*t->n)))) {
			t->oom = true;
			return 1;
		}
		t->n = p;
	}
	t->n[t->nn] = *n;
	t->n[t->nn].note = n->note ? strdup(n->note) : NULL;
	t->n[t->nn].last_error = n->last_error ? strdup(n->last_error) : NULL;
	t->nn++;
	return 0;
}

static void trail_free(struct trail *t)
{
	for (size_t i = 0; i < t->na; i++) {
		free((char *)t->a[i].actor);
		free((char *)t->a[i].action);
		free((char *)t->a[i].reason);
	}
	for (size_t i = 0; i < t->nn; i++)
		reg_notice_clear(&t->n[i]);
	free(t->a);
	free(t->n);
	memset(t, 0, sizeof(*t));
}

/* The trail of id in rg.  0 or -1 with err. */
static int read_trail(struct reg *rg, const char *id, struct trail *t, char *err,
    size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (reg_history(rg, id, keep_audit, t, err, errlen) < 0 ||
	    reg_notice_list(rg, id, keep_notice, t, err, errlen) < 0)
		return -1;
	if (t->oom)
		snprintf(err, errlen, "out of memory");
	return t->oom ? -1 : 0;
}

static long read_fd(void *arg, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(*(int *)arg, buf, len);
	while (n < 0 && errno == EINTR);
	return (long)n;
}

static int sum_chunk(void *arg, const void *buf, size_t len)
{
	g_checksum_update(arg, buf, (gssize)len);
	return 0;
}

/* SHA-256 of the file at path into hex[65]: 0, 1 when missing, -1. */
static int file_digest(const char *path, char hex[65])
{
	GChecksum *ck;
	char buf[65536];
	long n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	ck = g_checksum_new(G_CHECKSUM_SHA256);
	while ((n = read_fd(&fd, buf, sizeof(buf))) > 0)
		g_checksum_update(ck, (const guchar *)buf, n);
	close(fd);
	snprintf(hex, 65, "%s", g_checksum_get_string(ck));
	g_checksum_free(ck);
	return n < 0 ? -1 : 0;
}

struct totals {
	long incidents, copied, present, audits, notices, messages, msg_copied;
	long mismatches;
	GChecksum *all;		/* over every verified incident and copy */
};

/* Copy the held copy of id (a file in qdir) unless the database has it. */
static int copy_message(struct reg *dst, const char *qdir, const char *id,
    struct totals *tt, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd, rc;

	store_path(qdir, id, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return 0;	/* released, deleted, expired: no copy */
		snprintf(err, errlen, "cannot open %.900s: %s", path, strerror(errno));
		return -1;
	}
	tt->messages++;
	if (reg_msg_size(dst, id, err, errlen) == -2) {
		rc = reg_msg_put(dst, id, read_fd, &fd, err, errlen);
		tt->msg_copied += rc == 0;
	} else {
		rc = 0;
	}
	close(fd);
	return rc;
}

/* Compare id on both sides: 0 same, 1 different (said on stderr), -1. */
static int verify_one(struct reg *src, struct reg *dst, const char *qdir, const char *id,
    struct totals *tt, char *err, size_t errlen)
{
	struct incident a = { .created = 0 }, b = { .created = 0 };
	struct trail ta, tb;
	char path[PATH_MAX], ha[65] = "", hb[65] = "", line[256];
	GChecksum *ck;
	int rc = -1, fr;

	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	if (reg_get(src, id, &a, err, errlen) != 0 || reg_get(dst, id, &b, err, errlen) != 0 ||
	    read_trail(src, id, &ta, err, errlen) < 0 || read_trail(dst, id, &tb, err, errlen) < 0)
		goto out;
	store_path(qdir, id, path, sizeof(path));
	if ((fr = file_digest(path, ha)) < 0) {
		snprintf(err, errlen, "cannot read %.900s", path);
		goto out;
	}
	if (fr == 0) {
		ck = g_checksum_new(G_CHECKSUM_SHA256);
		if (reg_msg_read(dst, id, sum_chunk, ck, err, errlen) == 0)
			snprintf(hb, sizeof(hb), "%s", g_checksum_get_string(ck));
		g_checksum_free(ck);
	}
	rc = 0;
	if (strcmp(a.status, b.status) || a.updated != b.updated || ta.na != tb.na ||
	    ta.nn != tb.nn || strcmp(ha, hb)) {
		fprintf(stderr, "dlpctl migrate: incident %s differs: status %s/%s, audit rows "
		    "%zu/%zu, notices %zu/%zu%s\n", id, a.status, b.status, ta.na, tb.na, ta.nn,
		    tb.nn, strcmp(ha, hb) ? ", held copy differs" : "");
		tt->mismatches++;
		rc = 1;
	}
	tt->audits += (long)ta.na;
	tt->notices += (long)ta.nn;
	snprintf(line, sizeof(line), "%s %s %lld %zu %zu %s\n", id, a.status,
	    (long long)a.updated, ta.na, ta.nn, ha);
	g_checksum_update(tt->all, (const guchar *)line, (gssize)strlen(line));
out:
	incident_clear(&a);
	incident_clear(&b);
	trail_free(&ta);
	trail_free(&tb);
	return rc;
}

/* Copy incident id and its held copy.  0 or -1 with err. */
static int copy_one(struct reg *src, struct reg *dst, const char *qdir, const char *id,
    struct totals *tt, char *err, size_t errlen)
{
	struct incident inc = { .created = 0 };
	struct trail t;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	if (reg_get(src, id, &inc, err, errlen) != 0 || read_trail(src, id, &t, err, errlen) < 0)
		goto out;
	/* the message before its row, as the milter does: no row without it */
	if (copy_message(dst, qdir, id, tt, err, errlen) < 0)
		goto out;
	if ((rc = reg_import(dst, &inc, t.a, t.na, t.n, t.nn, err, errlen)) < 0)
		goto out;
	tt->copied += rc == 0;
	tt->present += rc == 1;
	rc = 0;
out:
	incident_clear(&inc);
	trail_free(&t);
	return rc;
}

static int usage(FILE *fp)
{
	fprintf(fp, "usage: dlpctl migrate --to postgresql://USER@HOST/DB [--password-file FILE]\n"
	    "  copy this node's SQLite register and quarantine into PostgreSQL, verify\n"
	    "  counts and SHA-256 digests on both sides and report; stop dlp-milter first\n"
	    "  --to URL               the PostgreSQL register (libpq URL)\n"
	    "  --password-file FILE   its password (default: [register] password_file)\n");
	return fp == stdout ? CTL_OK : CTL_USAGE;
}

static int parse(int argc, char **argv, const char **to, const char **pw)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:p:h", opts, NULL)) != -1) {
		if (c == 't')
			*to = optarg;
		else if (c == 'p')
			*pw = optarg;
		else
			return usage(c == 'h' ? stdout : stderr) == CTL_OK ? -1 : CTL_USAGE;
	}
	if (ctl_no_operands("migrate", argc, argv) != 0)
		return CTL_USAGE;
	if (!*to || !reg_location_is_url(*to)) {
		fprintf(stderr, "dlpctl migrate: --to postgresql://… is required\n");
		return CTL_USAGE;
	}
	return 0;
}

/* The key of the links this node's notices carry: into the database when
 * it has none, so those links stay valid; said either way.  0 or -1. */
static int copy_link_key(struct reg *src, struct reg *dst)
{
	char mine[80], theirs[80], err[1024] = "";
	int rc;

	if ((rc = reg_secret(src, LINK_KEY_SECRET, NULL, mine, sizeof(mine), err,
	    sizeof(err))) == 1) {
		printf("link key: none on this node (the database keeps its own)\n");
		return 0;
	}
	if (rc < 0 || reg_secret(dst, LINK_KEY_SECRET, mine, theirs, sizeof(theirs), err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "dlpctl migrate: link key: %s\n", err);
		return -1;
	}
	printf("link key: %s\n", strcmp(mine, theirs) == 0 ? "this node's, in the database: "
	    "the links its notices carry stay valid" : "the database has another node's: "
	    "links in this node's earlier notices are no longer valid (decide those holds "
	    "in the console)");
	sodium_memzero(mine, sizeof(mine));
	sodium_memzero(theirs, sizeof(theirs));
	return 0;
}

/* Copy then verify every id of l.  The exit code. */
static int run(struct reg *src, struct reg *dst, const char *qdir, const struct ids *l)
{
	struct totals tt = { .incidents = (long)l->n };
	char err[1024] = "";
	int code = CTL_OK;

	for (size_t i = 0; i < l->n; i++)
		if (copy_one(src, dst, qdir, l->id[i], &tt, err, sizeof(err)) < 0) {
			fprintf(stderr, "dlpctl migrate: incident %s: %s (%zu of %zu done; run "
			    "again to go on)\n", l->id[i], err, i, l->n);
			return CTL_FAIL;
		}
	if (copy_link_key(src, dst) < 0)
		return CTL_FAIL;
	printf("copied: %ld incidents (%ld new, %ld there already), %ld held copies (%ld new) "
	    "to %s\n", tt.incidents, tt.copied, tt.present, tt.messages, tt.msg_copied,
	    reg_backend_name(dst));
	if (ctl_migrate_tables(src, dst) < 0)
		return CTL_FAIL;
	tt.all = g_checksum_new(G_CHECKSUM_SHA256);
	for (size_t i = 0; i < l->n; i++)
		if (verify_one(src, dst, qdir, l->id[i], &tt, err, sizeof(err)) < 0) {
			fprintf(stderr, "dlpctl migrate: verify %s: %s\n", l->id[i], err);
			code = CTL_FAIL;
			break;
		}
	if (code == CTL_OK) {
		printf("verified: %ld incidents, %ld audit rows, %ld notices, %ld held copies: %s\n",
		    tt.incidents, tt.audits, tt.notices, tt.messages, tt.mismatches ?
		    "DIFFERENCES (see above)" : "the same on both sides (status, history, notices, "
		    "SHA-256 of every copy)");
		printf("digest: sha256:%s\n", g_checksum_get_string(tt.all));
		if (tt.mismatches)
			code = CTL_FAIL;
		else
			printf("next: set [register] url (and password_file) in the config of "
			    "every node to this database and restart dlp-milter\n");
	}
	g_checksum_free(tt.all);
	return code;
}

int ctl_migrate(const struct ctl *g, int argc, char **argv)
{
	const char *to = NULL, *pw = NULL;
	char path[PATH_MAX], qdir[PATH_MAX], err[1024] = "";
	struct ids l = { 0 };
	struct conf *cf;
	struct reg *src = NULL, *dst = NULL;
	int code;

	if ((code = parse(argc, argv, &to, &pw)) != 0)
		return code < 0 ? CTL_OK : code;
	if (!(cf = ctl_load_conf(g, NULL)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!pw)
		pw = conf_register_password_file(cf);
	conf_var_path(cf, "incidents.db", path, sizeof(path));
	conf_var_path(cf, "quarantine", qdir, sizeof(qdir));
	if (ctl_become_owner(cf) == -1)
		goto out;
	if (!(src = reg_open(path, REG_RO, err, sizeof(err))) ||
	    !(dst = reg_connect(to, pw, REG_RW, err, sizeof(err)))) {
		fprintf(stderr, "dlpctl migrate: %s\n", err);
		goto out;
	}
	if (!reg_keeps_messages(dst)) {
		fprintf(stderr, "dlpctl migrate: %s keeps no messages: nothing to migrate to\n", to);
		goto out;
	}
	if (reg_list(src, NULL, 0, 0, collect_id, &l, err, sizeof(err)) < 0 || l.oom) {
		fprintf(stderr, "dlpctl migrate: %s\n", l.oom ? "out of memory" : err);
		goto out;
	}
	printf("from: %s and %s/msg (%zu incidents)\n", path, qdir, l.n);
	code = run(src, dst, qdir, &l);
out:
	free(l.id);
	reg_close(dst);
	reg_close(src);
	conf_unref(cf);
	return code;
}
