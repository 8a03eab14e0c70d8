/*
 * conf.h — the configuration: one table of keys (conf_keys.c), an INI
 * reader on inih, validation with file:line errors, and a refcounted
 * immutable object that a reload swaps whole.
 */
#ifndef DLP_CONF_H
#define DLP_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "config/policy.h"
#include "detectors/scan.h"

enum on_error { ONERR_TEMPFAIL, ONERR_ACCEPT, ONERR_REJECT };

#define RULE_DELAY_DEFAULT 300	/* seconds: the `delay` key's default, 5m */

struct conf_rule {
	char *name;		/* from [rule NAME] */
	char *when_src;		/* the condition as written */
	struct expr *when;
	enum action action;
	char *reason;		/* Japanese text for notices; lines may follow in English */
	char *advice;		/* what the sender should do, the same way (NULL: none) */
	int approvals;		/* action approve: approvers needed (0: [web] approvals) */
	long delay;		/* action delay: seconds held before the release (`delay`) */
	int line;		/* line of the section header */
};

struct conf {
	int refs;		/* conf_ref / conf_unref; atomic */
	char *path;
	/* [milter] */
	char *socket;		/* "inet:8890@127.0.0.1", "unix:/run/dlp-milter/sock" */
	enum on_error on_error;
	long timeout;		/* seconds libmilter waits on the MTA */
	char *user, *group;	/* drop privileges to (empty: stay) */
	char *pidfile;
	long socket_mode;	/* unix socket mode */
	char *socket_group;	/* unix socket group (empty: the daemon's) */
	/* [general] */
	char **internal_domains; /* lower-case, NULL-terminated */
	size_t n_internal;
	char *var_dir;		/* register, quarantine, spool */
	char *own_numbers;	/* the organisation's phone numbers / ranges, "" for none */
	int internal_addresses;	/* 0 count, 1 exclude addresses in internal_domains */
	char *log_facility;
	/* [limits] */
	struct scan_limits limits;
	long workers;		/* sandbox worker processes (0: one per CPU) */
	long worker_jobs;	/* parts a worker reads before it is replaced */
	size_t worker_memory;	/* address space of a worker */
	unsigned worker_cpu_ms;	/* CPU time of a worker for one part */
	/* [register] */
	long retention_days;
	char *register_url;	/* empty: SQLite under var_dir */
	char *register_password_file;	/* absolute once loaded; empty: none */
	/* [series] (counters across messages, milter/series.c) */
	long series_window;	/* ms a series lasts */
	long series_max_rows;	/* rows per series table at most */
	/* [release] */
	char *release_relay;	/* smtp://127.0.0.1:10026 */
	/* [notice] */
	char *notice_from;
	char *notice_admin;	/* empty: none */
	char *notice_relay;	/* empty: release_relay */
	char *notice_templates;	/* directory of the templates */
	/* [web] (dlp-web, quarantine/web/) */
	char *web_listen;	/* HOST:PORT */
	char *web_base_url;	/* "http://HOST:PORT/": links in notices ("" none) */
	char *web_tls_cert, *web_tls_key;	/* PEM files; both empty: plain HTTP */
	int web_behind_proxy;	/* 1: a TLS proxy in front (Secure cookies, X-Forwarded-For) */
	long web_session_ttl;	/* ms a session lasts after sign-in */
	long web_link_ttl;	/* ms a link in a notice stays valid */
	long web_signin_limit;	/* failed sign-ins per name or address per 15 min */
	long web_threads;	/* worker threads */
	long web_approvals;	/* approvers who must approve (1, or 2: two-person rule) */
	long web_proxy_after;	/* ms before the proxy approvers are asked (0: never) */
	int web_link_password;	/* 1: approver links ask the approver account's password */
	/* [rule NAME] … in file order */
	struct conf_rule *rules;
	size_t nrules;
	char *spool_dir;	/* var_dir + "/spool": what conf_scan_options() points to */
	char *warnings;		/* "FILE:LINE:COL: warning: …" lines, or NULL: what
				 * works but is likely wrong (dlp-milter -n prints them) */
	/* [dictionary NAME], [pattern NAME], [list NAME] (conf_terms.c) */
	struct conf_term *term_src;	/* in file order, dictionaries and patterns */
	size_t nterm_src;
	struct terms *terms;	/* compiled from term_src; scan_options terms */
	struct conf_list *lists;
	size_t nlists;
	struct conf_pred *preds;	/* the `in` predicates the rules use */
	size_t npreds;
};

/* A dictionary or a pattern as written.  Its counter is the policy slot
 * SC_COUNT + its index. */
struct conf_term {
	int kind;		/* enum term_kind (text/terms.h) */
	char *name;
	char *source;		/* words one a line (words and file), or the regex */
	char *file;		/* dictionary `file`, absolute once loaded, or NULL */
	int line;		/* of the section header */
	int value_line, value_col;	/* where regex's value starts */
};

/* Addresses (lower case), domains (lower case; a domain matches its
 * subdomains) and groups (所属, as the register has them). */
struct conf_list {
	char *name;
	char **addresses, **domains, **groups;	/* NULL-terminated */
	size_t naddresses, ndomains, ngroups;
	int line;
};

/* What a predicate slot of `when` asks (slot SC_COUNT + nterm_src + index). */
enum conf_pred_kind { PRED_RECIPIENT_DOMAINS, PRED_SENDER, PRED_SENDER_GROUP, PRED_COUNT };
struct conf_pred {
	enum conf_pred_kind kind;
	size_t list;		/* index in lists */
};

/* Every slot a `when` may read: the counters, then the terms, then the
 * predicates.  Arrays given to policy_decide have this many entries. */
#define POLICY_SLOTS (SC_COUNT + 64 + 64)	/* 64: TERMS_MAX, then 64 predicates */

/* Fill the slots past SC_COUNT for r: each term's counter, each
 * predicate 0 or 1.  sender_group: the sender's group in the register
 * (reg_group_of), or NULL when it has none or it is not known.  The
 * first SC_COUNT slots are scan_result_counters'. */
void conf_policy_slots(const struct conf *cf, const struct scan_result *r,
    const char *sender_group, long counters[POLICY_SLOTS]);
/* The name of slot i as a rule writes it ("dictionary.secret",
 * "recipient_domains in partners") into buf; NULL when i is no slot of
 * cf past SC_COUNT. */
const char *conf_slot_name(const struct conf *cf, size_t i, char *buf, size_t len);

/* Read and check path.  On error returns NULL and writes every problem,
 * one "file:line: message" per line ("file:line:col:" inside a `when`),
 * sorted by line, into err.  Sets inih's global knobs: do not run two
 * conf_load() at once. */
struct conf *conf_load(const char *path, char *err, size_t errlen);
/* For the commands that work on the register and the quarantine (dlpctl
 * list, show, release …): as conf_load, but when every problem is inside
 * [rule NAME] sections (or [dictionary], [pattern], [list]: the policy's
 * too) the config is returned without any rule, the
 * problems still in err and *partial set.  A problem anywhere else (a
 * var_dir, a relay, a syntax error outside the rules) fails as conf_load. */
struct conf *conf_load_admin(const char *path, char *err, size_t errlen, bool *partial);
struct conf *conf_ref(struct conf *cf);
/* Drop a reference; frees at zero.  NULL-safe. */
void conf_unref(struct conf *cf);

/* What new changes in old's policy, one line: "rules added: a, b; rules
 * removed: c; rules changed: d" (changed: its when, action or reason), or
 * "rules unchanged (N)"; then "; words changed: dictionary.x, pattern.y"
 * and "; lists changed: z" when dictionaries, patterns or lists were
 * added, removed or changed. */
void conf_diff_rules(const struct conf *old, const struct conf *new, char *buf, size_t len);

/* The engine's view of the config (points into cf). */
void conf_scan_options(const struct conf *cf, struct scan_options *opt);
/* Paths under var_dir: "incidents.db", "quarantine", "spool". */
void conf_var_path(const struct conf *cf, const char *name, char *buf, size_t len);
/* Where the register is: [register] url, else var_dir/incidents.db.  The
 * password file (or NULL) is conf's register_password_file. */
void conf_register_location(const struct conf *cf, char *buf, size_t len);
const char *conf_register_password_file(const struct conf *cf);

/* The one table of keys: for `-n`, the README table and the man page. */
enum conf_type { CT_STRING, CT_INT, CT_SIZE, CT_DURATION, CT_ENUM, CT_DOMAINS, CT_EXPR,
	CT_ACTION, CT_TEXT, CT_MODE, CT_COUNT };

struct conf_key {
	const char *section;	/* "milter", "general", "limits", …, "rule" for [rule NAME] */
	const char *name;
	enum conf_type type;
	const char *def;	/* default as written in a file; NULL = required */
	long long min, max;	/* bounds for numbers, in the stored unit (bytes, ms, s) */
	const char *choices;	/* "tempfail|accept|reject": CT_ENUM (stored as the int
				 * index), CT_ACTION, or a CT_STRING limited to these */
	size_t offset;		/* into struct conf (not used for rule keys) */
	const char *desc;
	size_t size;		/* sizeof the field at offset (numbers, enums) */
};

extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;
const char *conf_type_name(enum conf_type t);
/* Print the key table as a Markdown table (README) to fp. */
#include <stdio.h>
void conf_print_keys(FILE *fp);
/* Print it as roff for the KEYS part of man/dlp-milter.conf.5: per
 * section a .SS, per key a .TP with type, bounds, default, description. */
void conf_print_keys_man(FILE *fp);

/* A key of a [NAME]d section (rule, dictionary, pattern, list): not a
 * field of struct conf. */
bool conf_key_named(const struct conf_key *k);

#endif
