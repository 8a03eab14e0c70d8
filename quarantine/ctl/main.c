/*
 * main.c — the administration tool: global options, subcommand
 * dispatch, and what the subcommands share (config, register).
 *
 *   dlpctl [-c FILE] COMMAND [OPTIONS] [ARGS]
 *
 * Exit codes are in ctl.h.  Every subcommand takes -h/--help.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "quarantine/priv.h"

#define SYSTEM_CONF "/etc/dlp-milter/dlp-milter.conf"
#define TREE_CONF "config/dlp-milter.conf"

static const struct command {
	const char *name;
	int (*run)(const struct ctl *g, int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "scan", ctl_scan, "inspect a .eml file and print the decision the daemon would take" },
	{ "list", ctl_list, "list incidents, newest first" },
	{ "show", ctl_show, "show one incident and its history" },
	{ "release", ctl_release, "send a held message on to its recipients" },
	{ "delete", ctl_delete, "delete a held message (the incident stays)" },
	{ "purge", ctl_purge, "expire held messages past retention, remove old copies" },
	{ "report", ctl_report, "incident report for a period (CSV or JSON)" },
	{ "stats", ctl_stats, "counts by action and rule, and the daemon's live counters" },
	{ "audit", ctl_audit, "the audit trail: who created, viewed, released, deleted" },
	{ "reload", ctl_reload, "check the config and have the running daemon reload it" },
	{ "migrate", ctl_migrate, "copy the SQLite register and quarantine into PostgreSQL" },
	{ "approver", ctl_approver, "who approves whose mail (supervisor approval)" },
	{ "user", ctl_user, "accounts of the web console dlp-web (add, set, disable, list)" },
};

static char actor_at_start[128];	/* ctl_actor() before a switch of user */

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl [-c FILE] COMMAND [OPTIONS] [ARGS]\n"
	    "\n"
	    "  -c, --config FILE  config file (default: $DLP_MILTER_CONF, else\n"
	    "                     " SYSTEM_CONF ", else " TREE_CONF "\n"
	    "                     of the source tree)\n"
	    "  -h, --help         this help; `dlpctl COMMAND -h` for a command's\n"
	    "\n"
	    "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nexit status: 0 done, 1 usage or config error, 2 not found, 3 failure,\n"
	    "4 refused (the incident is not in a state that allows it)\n");
}

static int readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* <dir of the dlpctl binary>/../config/dlp-milter.conf into buf, or "". */
static void tree_conf_by_exe(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	buf[0] = '\0';
	if (n <= 0)
		return;
	exe[n] = '\0';
	snprintf(buf, len, "%s/../%s", dirname(exe), TREE_CONF);
}

const char *ctl_conf_path(const char *given, char *buf, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("DLP_MILTER_CONF");
	char by_exe[PATH_MAX + 32];

	if (given || (env && *env)) {
		snprintf(buf, len, "%s", given ? given : env);
		return buf;
	}
	if (readable(SYSTEM_CONF)) {
		snprintf(buf, len, "%s", SYSTEM_CONF);
		return buf;
	}
	if (readable(TREE_CONF)) {
		snprintf(buf, len, "%s", TREE_CONF);
		return buf;
	}
	tree_conf_by_exe(by_exe, sizeof(by_exe));
	if (by_exe[0] && readable(by_exe)) {
		snprintf(buf, len, "%s", by_exe);
		return buf;
	}
	snprintf(err, errlen, "no config file: give -c FILE or set DLP_MILTER_CONF "
	    "(looked for %s and %s)", SYSTEM_CONF, TREE_CONF);
	return NULL;
}

/* The config file this run uses, for the messages that go wrong later. */
static char conf_used[PATH_MAX];

/* Find the config; say so when it was not named (a fallback is never
 * silent), and where a relative var_dir puts the register. */
static const char *find_conf(const struct ctl *g, const char *given, char *path, size_t len)
{
	const char *env = getenv("DLP_MILTER_CONF");
	char err[1024] = "";

	if (!ctl_conf_path(given ? given : g->conf_path, path, len, err, sizeof(err))) {
		fprintf(stderr, "dlpctl: %s\n", err);
		return NULL;
	}
	if (!given && !g->conf_path && !(env && *env) && strcmp(path, SYSTEM_CONF) != 0)
		fprintf(stderr, "dlpctl: no -c FILE, $DLP_MILTER_CONF or %s: using %s\n",
		    SYSTEM_CONF, path);
	snprintf(conf_used, sizeof(conf_used), "%s", path);
	return path;
}

static void say_relative_var_dir(const struct conf *cf)
{
	char cwd[PATH_MAX];

	if (cf->var_dir[0] != '/' && getcwd(cwd, sizeof(cwd)))
		fprintf(stderr, "dlpctl: %s: var_dir %s is relative to the current directory:"
		    " %s/%s\n", conf_used, cf->var_dir, cwd, cf->var_dir);
}

struct conf *ctl_load_conf(const struct ctl *g, const char *given)
{
	char path[PATH_MAX], err[8192] = "";
	struct conf *cf;

	if (!find_conf(g, given, path, sizeof(path)))
		return NULL;
	if (!(cf = conf_load(path, err, sizeof(err)))) {
		size_t n = strlen(err);
		fprintf(stderr, "dlpctl: config %s:\n%s%s", path, err,
		    n && err[n - 1] == '\n' ? "" : "\n");
		return NULL;
	}
	return cf;
}

struct conf *ctl_load_admin_conf(const struct ctl *g)
{
	char path[PATH_MAX], err[8192] = "";
	struct conf *cf;
	bool partial;
	size_t n;

	if (!find_conf(g, NULL, path, sizeof(path)))
		return NULL;
	cf = conf_load_admin(path, err, sizeof(err), &partial);
	n = strlen(err);
	if (!cf) {
		fprintf(stderr, "dlpctl: config %s:\n%s%s", path, err,
		    n && err[n - 1] == '\n' ? "" : "\n");
		return NULL;
	}
	if (partial)
		fprintf(stderr, "dlpctl: warning: config %s has errors in its rules (the daemon"
		    " keeps its running policy; dlp-milter -n checks the file); the register"
		    " and the relay are read, so this command goes on:\n%s%s", path, err,
		    n && err[n - 1] == '\n' ? "" : "\n");
	say_relative_var_dir(cf);
	return cf;
}

int ctl_become_owner(const struct conf *cf)
{
	struct priv_id to;
	char err[1024];

	if (geteuid() != 0)
		return 0;
	ctl_actor(actor_at_start, sizeof(actor_at_start));	/* who, before switching */
	if (priv_owner_of(cf->var_dir, &to, err, sizeof(err)) == -1) {
		if (errno != ENOENT) {
			fprintf(stderr, "dlpctl: %s\n", err);
			return -1;
		}
		/* No var_dir yet: the daemon's configured user, if any. */
		if (priv_plan(0, cf->user, cf->group, &to, err, sizeof(err)) == -1)
			return 0;
	}
	if (priv_drop(&to, err, sizeof(err)) == -1) {
		fprintf(stderr, "dlpctl: cannot switch to %s, the owner of %s: %s\n",
		    to.name[0] ? to.name : "the uid", cf->var_dir, err);
		return -1;
	}
	return 0;
}

struct reg *ctl_open_register(const struct conf *cf, enum reg_mode mode)
{
	char path[PATH_MAX], err[512] = "";
	struct reg *rg;

	if (ctl_become_owner(cf) == -1)
		return NULL;
	conf_register_location(cf, path, sizeof(path));
	if (!(rg = reg_connect(path, conf_register_password_file(cf), mode, err, sizeof(err))))
		fprintf(stderr, "dlpctl: %s (var_dir %s, from %s)\n", err, cf->var_dir,
		    conf_used[0] ? conf_used : cf->path);
	return rg;
}

/* Keep a name printable and header-safe: letters, digits, . _ @ - + */
static void clean_name(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("._@-+", *s)))
			*s = '_';
}

const char *ctl_actor(char *buf, size_t len)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	/* SUDO_USER only counts when sudo made us root: anyone can set it. */
	if (actor_at_start[0] && buf != actor_at_start) {
		snprintf(buf, len, "%s", actor_at_start);
		return buf;
	}
	if (getuid() == 0 && sudo && *sudo)
		snprintf(buf, len, "%s", sudo);
	else if (getlogin_r(buf, len) == 0 && *buf)
		;
	else if ((pw = getpwuid(getuid())))
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid%lu", (unsigned long)getuid());
	clean_name(buf);
	return buf;
}

int ctl_no_operands(const char *cmd, int argc, char **argv)
{
	if (optind < argc) {
		fprintf(stderr, "dlpctl %s: unexpected argument \"%s\"\n", cmd, argv[optind]);
		return CTL_USAGE;
	}
	return 0;
}

int ctl_print_json(FILE *fp, const json_t *j)
{
	if (!j || json_dumpf(j, fp, JSON_INDENT(2) | JSON_ENCODE_ANY) < 0)
		return -1;
	return fputc('\n', fp) == EOF ? -1 : 0;
}

/* Print text with every line after the first indented by ind spaces. */
void ctl_print_indented(const char *s, int ind)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\n') {
			char c[2] = { *s, '\0' };
			fputs(ctl_shown(c, ""), stdout);
			continue;
		}
		putchar(*s);
		if (*s == '\n' && s[1])
			printf("%*s", ind, "");
	}
}

void ctl_print_rules(const json_t *rules)
{
	size_t i;
	json_t *r;

	printf("rules:\n");
	json_array_foreach(rules, i, r) {
		const char *reason = json_string_value(json_object_get(r, "reason"));
		printf("  %s (%s)", ctl_shown(json_string_value(json_object_get(r, "name")), "?"),
		    ctl_shown(json_string_value(json_object_get(r, "action")), "?"));
		if (reason && *reason) {
			printf(": ");
			ctl_print_indented(reason, 4);
		}
		printf("\n");
	}
	if (json_array_size(rules) == 0)
		printf("  (none)\n");
}

/* {type: {count, samples}}: one line per type, "…" when samples are fewer. */
void ctl_print_findings(const json_t *findings)
{
	const char *type;
	json_t *f, *s;
	size_t i, shown = 0;
	long long n, x;

	printf("findings:\n");
	json_object_foreach((json_t *)findings, type, f) {
		n = (long long)json_integer_value(json_object_get(f, "count"));
		x = (long long)json_integer_value(json_object_get(f, "excluded"));
		if (n) {
			shown++;
			printf("  %-15s %5lld ", type, n);
			json_array_foreach(json_object_get(f, "samples"), i, s)
				printf("%s%s", i ? ", " : " ", ctl_shown(json_string_value(s), "?"));
			printf("%s\n", n > (long long)json_array_size(json_object_get(f, "samples")) ?
			    ", …" : "");
		}
		if (x) {
			shown++;
			printf("  %-15s %5lld  excluded, the organisation's own:", type, x);
			json_array_foreach(json_object_get(f, "excluded_samples"), i, s)
				printf("%s%s", i ? ", " : " ", ctl_shown(json_string_value(s), "?"));
			printf("%s\n", x > (long long)json_array_size(json_object_get(f,
			    "excluded_samples")) ? ", …" : "");
		}
	}
	if (shown == 0)
		printf("  (none)\n");
}

/* "declared -> detected", one of them, or "-". */
static void print_types(const json_t *p)
{
	const char *decl = json_string_value(json_object_get(p, "declared_type"));
	const char *det = json_string_value(json_object_get(p, "detected_type"));

	if (decl && det)
		printf("%s -> %s", decl, det);
	else
		printf("%s", ctl_shown(decl ? decl : det, "-"));
}

/* One line per part of result_json_parts(): path, file name, types,
 * extractor, counts, encrypted / unscanned and why, size. */
void ctl_print_parts(const json_t *parts)
{
	const char *type, *why;
	json_t *p, *v;
	size_t i;

	printf("parts:\n");
	json_array_foreach(parts, i, p) {
		printf("  %-10s %-16s ", ctl_shown(json_string_value(json_object_get(p, "path")), "?"),
		    ctl_shown(json_string_value(json_object_get(p, "filename")), "-"));
		print_types(p);
		printf("  [%s]", ctl_shown(json_string_value(json_object_get(p, "extractor")), "-"));
		json_object_foreach(json_object_get(p, "findings"), type, v)
			if (json_integer_value(v))
				printf(" %s=%lld", type, (long long)json_integer_value(v));
		if (json_is_true(json_object_get(p, "encrypted")))
			printf("  encrypted");
		if ((why = json_string_value(json_object_get(p, "unscanned"))))
			printf("  unscanned: %s", ctl_shown(why, "?"));
		if (json_is_integer(json_object_get(p, "size")))
			printf("  (%lld bytes)", (long long)json_integer_value(json_object_get(p, "size")));
		printf("\n");
	}
	if (json_array_size(parts) == 0)
		printf("  (none)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl g = { .conf_path = NULL };
	int c, rc;

	/* "+": stop at the subcommand, its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g.conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CTL_OK;
		default:
			usage(stderr);
			return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		argc -= optind;
		argv += optind;
		optind = 0;	/* full re-initialisation of getopt for the subcommand */
		rc = commands[i].run(&g, argc, argv);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			fprintf(stderr, "dlpctl: cannot write output: %s\n", strerror(errno));
			return CTL_FAIL;
		}
		return rc;
	}
	fprintf(stderr, "dlpctl: unknown command \"%s\"\n\n", argv[optind]);
	usage(stderr);
	return CTL_USAGE;
}
