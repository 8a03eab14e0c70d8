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
/* Load the config (path as ctl_conf_path); prints errors to stderr. */
struct conf *ctl_load_conf(const struct ctl *g, const char *given);
/* Started as root: switch for good to the owner of cf's var_dir (the
 * daemon's user; [milter] user when var_dir does not exist yet), so that
 * no file there becomes root's.  The audit actor is taken first.  0, or -1
 * with the error printed.  Not root: nothing to do. */
int ctl_become_owner(const struct conf *cf);
/* ctl_become_owner(), then open the register of cf; prints the error to
 * stderr. */
struct reg *ctl_open_register(const struct conf *cf, enum reg_mode mode);

/* The subcommands: argv[0] is the subcommand name.  Return an exit code. */
int ctl_scan(const struct ctl *g, int argc, char **argv);
int ctl_list(const struct ctl *g, int argc, char **argv);
int ctl_show(const struct ctl *g, int argc, char **argv);
int ctl_release(const struct ctl *g, int argc, char **argv);
int ctl_delete(const struct ctl *g, int argc, char **argv);
int ctl_purge(const struct ctl *g, int argc, char **argv);
int ctl_report(const struct ctl *g, int argc, char **argv);
int ctl_stats(const struct ctl *g, int argc, char **argv);
int ctl_user(const struct ctl *g, int argc, char **argv);
int ctl_approver(const struct ctl *g, int argc, char **argv);

/* Who runs dlpctl, for the audit trail: SUDO_USER when sudo made us
 * root, else the login name, else the user of the real uid, as it was
 * before ctl_become_owner() switched; characters outside [A-Za-z0-9._@+-]
 * become '_'.  Into buf, returned. */
const char *ctl_actor(char *buf, size_t len);

/* DATE (local time): YYYY-MM-DD, "YYYY-MM-DD HH:MM[:SS]", with a T, or an
 * age Nd / Nh before now.  A bare day is its midnight, or with end_of_day
 * the next midnight (so --to 2026-11-30 covers the 30th).  -1 if bad. */
time_t ctl_parse_date(const char *s, bool end_of_day);
/* ctl_parse_date of option argument arg into *t; CTL_USAGE, said on
 * stderr as "dlpctl CMD: cannot read date", if bad, else 0. */
int ctl_date_arg(const char *cmd, const char *arg, bool end_of_day, time_t *t);
/* 0 when getopt left no operand in argv, else CTL_USAGE, said on stderr. */
int ctl_no_operands(const char *cmd, int argc, char **argv);

/* Prints a JSON value followed by a newline; -1 on failure. */
int ctl_print_json(FILE *fp, const json_t *j);

/* Plain output shared by scan and show, from the JSON shapes of
 * incident.h and result_json.h, to stdout. */
void ctl_print_indented(const char *s, int ind);
void ctl_print_rules(const json_t *rules);	/* [{name, action, reason}] */
void ctl_print_findings(const json_t *findings); /* {type: {count, samples}} */
void ctl_print_parts(const json_t *parts);	/* result_json_parts() */

#endif
