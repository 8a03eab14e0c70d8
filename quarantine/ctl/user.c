/*
 * user.c — `dlpctl user`: the accounts of dlp-web, kept in the register.
 *
 *   dlpctl user add NAME --role admin|approver|auditor
 *   dlpctl user set NAME --role ROLE      new password (and role), enabled
 *   dlpctl user disable NAME | enable NAME
 *   dlpctl user list
 *
 * The password is read from the terminal (twice, not echoed) or, when
 * stdin is not a terminal, as the first line of stdin; it is hashed with
 * libsodium's crypto_pwhash_str (Argon2id) and never stored or shown.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl/ctl.h"
#include "quarantine/incident.h"
#include "quarantine/passwd.h"

static void user_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlpctl user add NAME --role admin|approver|auditor\n"
	    "       dlpctl user set NAME --role ROLE   (new password and role)\n"
	    "       dlpctl user disable NAME | enable NAME\n"
	    "       dlpctl user list\n"
	    "\n"
	    "Accounts of the web console dlp-web.  admin decides every hold; approver\n"
	    "decides the holds routed to them; auditor reads and decides nothing.\n"
	    "The password (at least %d characters) is asked on the terminal, or read\n"
	    "as the first line of stdin.  Disabling ends the user's sessions.\n", PASSWD_MIN);
}

/* One line from fp into buf without its newline.  0 or -1 (EOF, too long). */
static int read_line(FILE *fp, char *buf, size_t len)
{
	size_t n;

	if (!fgets(buf, (int)len, fp))
		return -1;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(fp))
		return -1;	/* longer than the buffer */
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* Ask on the terminal with echo off. */
static int ask(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int rc;

	fprintf(stderr, "%s", prompt);
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	rc = read_line(stdin, buf, len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

/* The new password into buf (PASSWD_MAX + 2).  0 or CTL_USAGE (said). */
static int get_password(char *buf, size_t len)
{
	char again[PASSWD_MAX + 2];
	const char *why;

	if (isatty(STDIN_FILENO)) {
		if (ask("password: ", buf, len) < 0 || ask("again: ", again, sizeof(again)) < 0)
			return CTL_USAGE;
		if (strcmp(buf, again) != 0) {
			fprintf(stderr, "dlpctl user: the two passwords differ\n");
			sodium_memzero(again, sizeof(again));
			return CTL_USAGE;
		}
		sodium_memzero(again, sizeof(again));
	} else if (read_line(stdin, buf, len) < 0) {
		fprintf(stderr, "dlpctl user: no password on stdin (one line, at most %d bytes)\n",
		    PASSWD_MAX);
		return CTL_USAGE;
	}
	if ((why = passwd_weak(buf))) {
		fprintf(stderr, "dlpctl user: password %s\n", why);
		return CTL_USAGE;
	}
	return 0;
}

static int print_user(const struct reg_user *u, void *arg)
{
	char when[40];

	incident_format_time(u->updated, when, sizeof(when));
	printf("%-24s %-9s %-9s %s\n", u->name, u->role, u->disabled ? "disabled" : "enabled",
	    when);
	return 0;
}

static int put_user(struct reg *rg, const char *name, const char *role, bool replace,
    const char *actor)
{
	char pw[PASSWD_MAX + 2], hash[PASSWD_HASH_MAX], err[512];
	int rc;

	if ((rc = get_password(pw, sizeof(pw))) != 0) {
		sodium_memzero(pw, sizeof(pw));
		return rc;
	}
	rc = passwd_hash(pw, hash, err, sizeof(err));
	sodium_memzero(pw, sizeof(pw));
	if (rc < 0) {
		fprintf(stderr, "dlpctl user: %s\n", err);
		return CTL_FAIL;
	}
	rc = reg_user_put(rg, name, role, hash, replace, actor, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "dlpctl user: %s%s\n", err, rc > 0 ? " (dlpctl user set changes it)" :
		    "");
		return rc > 0 ? CTL_REFUSED : CTL_FAIL;
	}
	printf("user %s %s, role %s\n", name, replace ? "set" : "added", role);
	return CTL_OK;
}

int ctl_user(const struct ctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role = NULL, *verb, *name = NULL;
	char actor[128], err[512];
	struct conf *cf = NULL;
	struct reg *rg = NULL;
	int c, code = CTL_USAGE, rc;

	while ((c = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': role = optarg; break;
		case 'h': user_usage(stdout); return CTL_OK;
		default: user_usage(stderr); return CTL_USAGE;
		}
	}
	verb = optind < argc ? argv[optind++] : "";
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc || !(strcmp(verb, "list") == 0 ? !name && !role :
	    (strcmp(verb, "add") == 0 || strcmp(verb, "set") == 0) ? name && role :
	    (strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0) ? name && !role : 0)) {
		user_usage(stderr);
		return CTL_USAGE;
	}
	if (name && !reg_user_name_ok(name)) {
		fprintf(stderr, "dlpctl user: bad name \"%s\" (1..64 of letters, digits and . _ @ -)\n",
		    name);
		return CTL_USAGE;
	}
	if (role && !reg_user_role_ok(role)) {
		fprintf(stderr, "dlpctl user: bad role \"%s\" (admin, approver or auditor)\n", role);
		return CTL_USAGE;
	}
	if (!(cf = ctl_load_conf(g, NULL)))
		return CTL_USAGE;
	code = CTL_FAIL;
	if (!(rg = ctl_open_register(cf, strcmp(verb, "list") == 0 ? REG_RO : REG_RW)))
		goto out;
	ctl_actor(actor, sizeof(actor));
	if (strcmp(verb, "list") == 0) {
		code = reg_user_list(rg, print_user, NULL, err, sizeof(err)) == 0 ? CTL_OK : CTL_FAIL;
		if (code != CTL_OK)
			fprintf(stderr, "dlpctl user: %s\n", err);
	} else if (strcmp(verb, "add") == 0 || strcmp(verb, "set") == 0) {
		code = put_user(rg, name, role, strcmp(verb, "set") == 0, actor);
	} else {
		rc = reg_user_disable(rg, name, strcmp(verb, "disable") == 0, actor, err, sizeof(err));
		code = rc == 0 ? CTL_OK : rc > 0 ? CTL_NOTFOUND : CTL_FAIL;
		if (rc == 0)
			printf("user %s %sd\n", name, verb);
		else
			fprintf(stderr, "dlpctl user: %s\n", err);
	}
out:
	reg_close(rg);
	conf_unref(cf);
	return code;
}
