/*
 * ctl.h — what the dlpctl subcommands share: exit codes, the config
 * path, opening the config and the register.  Only dlpctl*.c include it.
 *
 * Exit codes: 0 done; 1 usage or config error; 2 not found (incident id,
 * file to scan); 3 failure while running (register, store, scan engine,
 * the relay refusing a release); 4 refused: the incident is not in a
 * state that allows it (not held, being released by another dlpctl).
 */
#ifndef DLP_DLPCTL_H
#define DLP_DLPCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "config/conf.h"
#include "register/register.h"

enum ctl_exit { CTL_OK = 0, CTL_USAGE = 1, CTL_NOTFOUND = 2, CTL_FAIL = 3, CTL_REFUSED = 4 };

/* Options before the subcommand. */
struct ctl {
	const char *conf_path;	/* -c FILE, or NULL: ctl_conf_path() decides */
};

/* The config file to use: given (-c/--config), else $DLP_MILTER_CONF, else
 * /etc/dlp-milter/dlp-milter.conf when it exists, else config/dlp-milter.conf
 * of the source tree (the current directory's, or the one above the
 * directory of the dlpctl binary, e.g. build/..).  Copies into buf; NULL
 * when none is found (err says where it looked). */
const char *ctl_conf_path(const char *given, char *buf, size_t len, char *err, size_t errlen);
/* Load the config (path as ctl_conf_path); prints errors to stderr, with
 * the file's name.  A config found by a fallback (not -c, not
 * $DLP_MILTER_CONF, not the system one) is named on stderr. */
struct conf *ctl_load_conf(const struct ctl *g, const char *given);
/* The same for the commands that work on the register (list, show,
 * release, delete, purge, report, stats): errors only inside the rules
 * are a warning with FILE:LINE, and the command goes on without them;
 * a relative var_dir is said with the directory it resolves to. */
struct conf *ctl_load_admin_conf(const struct ctl *g);
/* Started as root: switch for good to the owner of cf's var_dir (the
 * daemon's user; [milter] user when var_dir does not exist yet), so that
 * no file there becomes root's.  The audit actor is taken first.  0, or -1
 * with the error printed.  Not root: nothing to do. */
int ctl_become_owner(const struct conf *cf);
/* ctl_become_owner(), then open the register of cf; prints the error to
 * stderr. */
struct reg *ctl_open_register(const struct conf *cf, enum reg_mode mode);

/* The incident meant by arg, as typed: the id in any case, or the last
 * characters of exactly one id.  CTL_OK with id[32] set; else the exit code
 * (not found, ambiguous: a usage error listing some of the ids, register
 * failure), said on stderr as "dlpctl CMD: …". */
int ctl_incident_id(struct reg *rg, const char *cmd, const char *arg, char id[32]);

/* The subcommands: argv[0] is the subcommand name.  Return an exit code. */
int ctl_scan(const struct ctl *g, int argc, char **argv);
int ctl_list(const struct ctl *g, int argc, char **argv);
int ctl_show(const struct ctl *g, int argc, char **argv);
int ctl_release(const struct ctl *g, int argc, char **argv);
int ctl_delete(const struct ctl *g, int argc, char **argv);
int ctl_purge(const struct ctl *g, int argc, char **argv);
int ctl_report(const struct ctl *g, int argc, char **argv);
int ctl_stats(const struct ctl *g, int argc, char **argv);
int ctl_audit(const struct ctl *g, int argc, char **argv);
int ctl_reload(const struct ctl *g, int argc, char **argv);
int ctl_migrate(const struct ctl *g, int argc, char **argv);
/* migrate_tables.c: the register's tables besides the incidents, copied
 * and reported on stdout.  0, or -1 after a message on stderr. */
int ctl_migrate_tables(struct reg *src, struct reg *dst);
int ctl_user(const struct ctl *g, int argc, char **argv);
int ctl_approver(const struct ctl *g, int argc, char **argv);

/* Who runs dlpctl, for the audit trail: SUDO_USER when sudo made us
 * root, else the login name, else the user of the real uid, as it was
 * before ctl_become_owner() switched; characters outside [A-Za-z0-9._@+-]
 * become '_'.  Into buf, returned. */
const char *ctl_actor(char *buf, size_t len);

/* The period of the commands that read the register (list, report,
 * stats), one vocabulary for all (period.c):
 *   --since DATE      created at or after DATE (a bare day: its midnight)
 *   --until DATE      created before DATE; a bare day counts whole
 *   --month YYYY-MM   that calendar month
 *   --fiscal-year Y   the Japanese fiscal year (年度) Y: Y-04-01 to (Y+1)-03-31
 * --from and --to are accepted as the older spelling of --since/--until.
 * DATE (local time): YYYY-MM-DD, "YYYY-MM-DD HH:MM[:SS]", with a T, or an
 * age Nd / Nh before now.  A month or a fiscal year is a period of its own:
 * it does not mix with --since/--until, and a reversed range is an error. */
struct ctl_period {
	time_t since, until;	/* 0: open */
	char name[24];		/* "2026-12", "FY2026", or "" */
	int given;		/* how many of the options were given */
	bool named;		/* --month or --fiscal-year */
};
enum { CTL_OPT_SINCE = 0x100, CTL_OPT_UNTIL, CTL_OPT_MONTH, CTL_OPT_FISCAL_YEAR };
#define CTL_PERIOD_OPTIONS                                                  \
	{ "since", required_argument, NULL, CTL_OPT_SINCE },                \
	{ "until", required_argument, NULL, CTL_OPT_UNTIL },                \
	{ "from", required_argument, NULL, CTL_OPT_SINCE },                 \
	{ "to", required_argument, NULL, CTL_OPT_UNTIL },                   \
	{ "month", required_argument, NULL, CTL_OPT_MONTH },                \
	{ "fiscal-year", required_argument, NULL, CTL_OPT_FISCAL_YEAR }
/* The help lines of the period options, for a usage text. */
extern const char ctl_period_help[];
/* One getopt result c with its argument: 0 when it was a period option
 * and is taken, 1 when c is not one, CTL_USAGE (said on stderr as
 * "dlpctl CMD: …") when the argument is wrong. */
int ctl_period_opt(const char *cmd, int c, const char *arg, struct ctl_period *p);
/* After the options: CTL_USAGE (said) for a reversed range or a month
 * mixed with --since/--until, else 0. */
int ctl_period_check(const char *cmd, const struct ctl_period *p);
/* DATE as above; a bare day is its midnight, or with end_of_day the next
 * midnight.  -1 if bad. */
time_t ctl_parse_date(const char *s, bool end_of_day);
/* 0 when getopt left no operand in argv, else CTL_USAGE, said on stderr. */
int ctl_no_operands(const char *cmd, int argc, char **argv);

/* s made safe to print: CR, LF, tab, ESC and the other C0 and C1
 * controls and DEL written as escapes (\r, \n, \e, \x01, \u009b), a
 * backslash doubled; def when s is NULL or empty.  The result lives in one
 * of 8 rotating buffers (so up to 8 may stand in one printf), cut at 4 KiB
 * with "…".  Every text that mail brings in goes through it before it is
 * printed (subjects, addresses, display names, file names, reasons). */
const char *ctl_shown(const char *s, const char *def);

/* text[0..len) with (mask) every run of 6 or more digits masked but its
 * last two and every mail address's local part but its first character,
 * and the control characters escaped: all of them with one_line (a header),
 * else all but LF and tab, CRLF read as a line end (mask.c).  malloc'd. */
char *ctl_mask_text(const char *text, size_t len, bool mask, bool one_line);

/* Prints a JSON value followed by a newline; -1 on failure. */
int ctl_print_json(FILE *fp, const json_t *j);

/* Plain output shared by scan and show, from the JSON shapes of
 * incident.h and result_json.h, to stdout. */
void ctl_print_indented(const char *s, int ind);
void ctl_print_rules(const json_t *rules);	/* [{name, action, reason}] */
void ctl_print_findings(const json_t *findings); /* {type: {count, samples}} */
void ctl_print_parts(const json_t *parts);	/* result_json_parts() */

#endif
