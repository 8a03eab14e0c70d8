/*
 * conf_keys.c — the one table of configuration keys.  The loader, `-n`,
 * the README key table and the unit tests all read it.  Numbers are bounded
 * in the unit they are stored in: bytes (size), milliseconds (duration),
 * seconds or a plain count (integer), permission bits (mode).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"

#define K 1024LL
#define M (1024LL * K)
#define G (1024LL * M)

#define FIELD(f) .offset = offsetof(struct conf, f), .size = sizeof(((struct conf *)0)->f)

#define KEY(sec, nm, ty, df, lo, hi, ch, f, ds) \
	{ .section = sec, .name = nm, .type = ty, .def = df, .min = lo, .max = hi, \
	  .choices = ch, FIELD(f), .desc = ds }
#define RULE(nm, ty, df, ch, ds) \
	{ .section = "rule", .name = nm, .type = ty, .def = df, .choices = ch, .desc = ds }

#define FACILITIES "auth|authpriv|cron|daemon|kern|local0|local1|local2|local3|local4|" \
	"local5|local6|local7|lpr|mail|news|syslog|user|uucp"

const struct conf_key conf_keys[] = {
	KEY("milter", "socket", CT_STRING, "inet:8890@127.0.0.1", 0, 0, NULL, socket,
	    "libmilter socket the MTA connects to: inet:PORT@HOST, inet6:PORT@HOST or unix:PATH"),
	KEY("milter", "on_error", CT_ENUM, "tempfail", 0, 0, "tempfail|accept|reject", on_error,
	    "answer to the MTA when a message cannot be handled (internal error)"),
	KEY("milter", "timeout", CT_INT, "60", 1, 3600, NULL, timeout,
	    "seconds libmilter waits on the MTA, and the longest SIGTERM waits for messages in progress"),
	KEY("milter", "user", CT_STRING, "", 0, 0, NULL, user,
	    "account to switch to once the socket is open; required as root (root: stay root)"),
	KEY("milter", "group", CT_STRING, "", 0, 0, NULL, group,
	    "group to switch to (empty: the user's own group)"),
	KEY("milter", "pidfile", CT_STRING, "", 0, 0, NULL, pidfile,
	    "file of the daemon's pid, written as the user, removed at exit (empty: none)"),
	KEY("milter", "socket_mode", CT_MODE, "0660", 0, 0777, NULL, socket_mode,
	    "permissions of a unix: socket, in octal"),
	KEY("milter", "socket_group", CT_STRING, "", 0, 0, NULL, socket_group,
	    "group of a unix: socket, e.g. postfix (empty: the daemon's group)"),

	KEY("general", "internal_domains", CT_DOMAINS, NULL, 0, 0, NULL, internal_domains,
	    "the organisation's mail domains, comma or space separated; each covers its subdomains"),
	KEY("general", "var_dir", CT_STRING, "/var/lib/dlp-milter", 0, 0, NULL, var_dir,
	    "directory of incidents.db, quarantine/ and spool/ (relative: to the current directory)"),
	KEY("general", "own_numbers", CT_STRING, "", 0, 0, NULL, own_numbers,
	    "the organisation's own phone numbers, not counted: 03-5253-1111, ranges 03-5253-* (empty: none)"),
	KEY("general", "internal_addresses", CT_ENUM, "count", 0, 0, "count|exclude",
	    internal_addresses, "mail addresses in internal_domains: count them as personal data, or exclude them"),
	KEY("general", "log_facility", CT_STRING, "mail", 0, 0, FACILITIES, log_facility,
	    "syslog facility of the daemon's log"),

	KEY("limits", "spool_memory", CT_SIZE, "1M", 4 * K, 1 * G, NULL, limits.spool_memory,
	    "bytes of a message kept in memory before it goes to a file under spool/"),
	KEY("limits", "max_message_bytes", CT_SIZE, "64M", 64 * K, 2 * G, NULL,
	    limits.max_message_bytes, "larger messages are not inspected and count as unscanned"),
	KEY("limits", "max_depth", CT_INT, "8", 1, 32, NULL, limits.max_depth,
	    "nesting of multiparts, archives and attached messages inspected"),
	KEY("limits", "max_parts", CT_INT, "1000", 1, 100000, NULL, limits.max_parts,
	    "parts and archive members inspected per message"),
	KEY("limits", "max_members", CT_INT, "1000", 1, 100000, NULL, limits.max_members,
	    "members inspected per archive"),
	KEY("limits", "max_member_bytes", CT_SIZE, "64M", 64 * K, 2 * G, NULL,
	    limits.max_member_bytes, "bytes decoded per MIME part or expanded per archive member"),
	KEY("limits", "max_expanded_bytes", CT_SIZE, "256M", 64 * K, 16 * G, NULL,
	    limits.max_expanded_bytes, "bytes expanded from all archives of one message"),
	KEY("limits", "max_ratio", CT_INT, "200", 10, 100000, NULL, limits.max_ratio,
	    "largest expanded/compressed size ratio of an archive member (zip bombs)"),
	KEY("limits", "max_text_bytes", CT_SIZE, "4M", 4 * K, 256 * M, NULL, limits.max_text_bytes,
	    "bytes of extracted text per part given to the detectors"),
	KEY("limits", "max_base64_runs", CT_INT, "16", 0, 1000, NULL, limits.max_base64_runs,
	    "base64 runs pasted into one text part that are decoded and read like attachments (0: none)"),
	KEY("limits", "time_budget", CT_DURATION, "60s", 1000, 3600000, NULL, limits.time_budget_ms,
	    "time to inspect one message; what is left when it runs out counts as unscanned"),
	KEY("limits", "ocr", CT_ENUM, "yes", 0, 0, "no|yes", limits.ocr,
	    "read attached images (PNG, JPEG, TIFF, GIF) and PDF pages without text by OCR"),
	KEY("limits", "ocr_max_pixels", CT_INT, "25000000", 10000, 400000000, NULL,
	    limits.ocr_max_pixels, "images of more pixels (width x height) are not decoded, nor read by OCR"),
	KEY("limits", "ocr_unscanned", CT_ENUM, "no", 0, 0, "no|yes", limits.ocr_unscanned,
	    "yes: an image OCR could not read within the limits is unscanned (no: most are logos)"),
	KEY("limits", "workers", CT_INT, "0", 0, 1024, NULL, workers,
	    "worker processes that read attachments, sandboxed (0: one per CPU core; read at start)"),
	KEY("limits", "worker_jobs", CT_INT, "200", 1, 1000000, NULL, worker_jobs,
	    "attachments a worker reads before a fresh one replaces it (read at start)"),
	KEY("limits", "worker_memory", CT_SIZE, "1G", 256 * M, 64 * G, NULL, worker_memory,
	    "address space of a worker (RLIMIT_AS); past it the attachment is unscanned (read at start)"),
	KEY("limits", "worker_cpu", CT_DURATION, "60s", 1000, 3600000, NULL, worker_cpu_ms,
	    "CPU time a worker may spend on one attachment; past it it is killed, the part unscanned"),

	KEY("register", "retention_days", CT_INT, "90", 1, 36500, NULL, retention_days,
	    "days incidents and quarantined messages are kept before they are purged"),
	KEY("register", "url", CT_STRING, "", 0, 0, NULL, register_url,
	    "postgresql:// URL of a register and quarantine shared by several milters (empty: SQLite in var_dir)"),
	KEY("register", "password_file", CT_STRING, "", 0, 0, NULL, register_password_file,
	    "file whose first line is the database password (relative: to the config file's directory)"),

	KEY("series", "window", CT_DURATION, "2h", 1000, 604800000LL, NULL, series_window,
	    "how long the recipients a sender reached with an attachment or a subject count for series_external"),
	KEY("series", "max_rows", CT_INT, "200000", 100, 100000000, NULL, series_max_rows,
	    "rows kept per series table at most, the oldest dropped first (about 250 bytes a row on disk)"),

	KEY("release", "relay", CT_STRING, "smtp://127.0.0.1:10026", 0, 0, NULL, release_relay,
	    "where released mail is re-injected: smtp://HOST:PORT of an MTA port without this milter"),

	KEY("notice", "from", CT_STRING, "postmaster@localhost", 0, 0, NULL, notice_from,
	    "sender (From) address of the notices"),
	KEY("notice", "admin", CT_STRING, "", 0, 0, NULL, notice_admin,
	    "administrator addresses told of every hold and reject, split by commas (empty: nobody)"),
	KEY("notice", "relay", CT_STRING, "", 0, 0, NULL, notice_relay,
	    "SMTP server notices are sent through: smtp://HOST:PORT (empty: [release] relay)"),
	KEY("notice", "templates", CT_STRING, "", 0, 0, NULL, notice_templates,
	    "directory of notice templates, relative to the config file's directory (empty: built-in)"),

	KEY("web", "listen", CT_STRING, "127.0.0.1:8891", 0, 0, NULL, web_listen,
	    "HOST:PORT of dlp-web; without TLS or behind_proxy only a loopback address"),
	KEY("web", "base_url", CT_STRING, "", 0, 0, NULL, web_base_url,
	    "the console's URL as users reach it; notice links start with it (empty: no links)"),
	KEY("web", "tls_cert", CT_STRING, "", 0, 0, NULL, web_tls_cert,
	    "PEM certificate chain for HTTPS, relative to the config's directory (empty: no TLS)"),
	KEY("web", "tls_key", CT_STRING, "", 0, 0, NULL, web_tls_key,
	    "PEM private key of tls_cert"),
	KEY("web", "behind_proxy", CT_ENUM, "no", 0, 0, "no|yes", web_behind_proxy,
	    "yes: a TLS reverse proxy in front (Secure cookies, client address from X-Forwarded-For)"),
	KEY("web", "session_lifetime", CT_DURATION, "8h", 60000, 86400000, NULL, web_session_ttl,
	    "how long a sign-in lasts"),
	KEY("web", "link_lifetime", CT_DURATION, "168h", 60000, 2160000000LL, NULL, web_link_ttl,
	    "how long a signed link in a notice stays valid"),
	KEY("web", "signin_limit", CT_INT, "5", 1, 1000, NULL, web_signin_limit,
	    "failed sign-ins allowed per user name and per client address in 15 minutes"),
	KEY("web", "threads", CT_INT, "4", 1, 64, NULL, web_threads,
	    "worker threads of dlp-web"),
	KEY("web", "approvals", CT_INT, "1", 1, 2, NULL, web_approvals,
	    "approvers who must approve a hold of action approve (2: two-person rule); a rule may override"),
	KEY("web", "proxy_after", CT_DURATION, "4h", 0, 2160000000LL, NULL, web_proxy_after,
	    "no decision this long after an approve hold: its proxy approvers are asked (0: never)"),
	KEY("web", "approver_link_password", CT_ENUM, "no", 0, 0, "no|yes", web_link_password,
	    "yes: an approver's link asks the password of the approver account it was sent to"),

	RULE("when", CT_EXPR, NULL, NULL,
	    "condition on the message's counters, in the `when` language"),
	RULE("action", CT_ACTION, NULL, "pass|tag|bcc|delay|approve|hold|reject",
	    "what to do when the condition holds; the strongest fired rule decides"),
	RULE("reason", CT_TEXT, "", NULL,
	    "why, for the sender's notice: Japanese first, English may follow; may span lines"),
	RULE("advice", CT_TEXT, "", NULL,
	    "what the sender should do now, for the hold notice: Japanese first, English may follow"),
	{ .section = "rule", .name = "approvals", .type = CT_INT, .def = "", .min = 1, .max = 2,
	  .desc = "action approve: approvers who must approve (2: two-person rule); empty: [web] approvals" },
	{ .section = "rule", .name = "delay", .type = CT_DURATION, .def = "5m", .min = 1000,
	  .max = 86400000, .desc = "action delay: how long a message waits before it is sent, "
	  "unless its sender cancels it" },

	{ .section = "dictionary", .name = "words", .type = CT_TEXT, .def = "",
	  .desc = "words, comma-separated, may span lines; `when` counts their occurrences as "
	  "dictionary.NAME" },
	{ .section = "dictionary", .name = "file", .type = CT_STRING, .def = "",
	  .desc = "a file of more words, one a line (UTF-8, # comments), relative to the config file" },
	{ .section = "pattern", .name = "regex", .type = CT_STRING, .def = NULL,
	  .desc = "PCRE2 regular expression; `when` counts its distinct matches as pattern.NAME" },
	{ .section = "list", .name = "addresses", .type = CT_TEXT, .def = "",
	  .desc = "mail addresses, comma-separated, may span lines (sender in NAME, recipient_domains in NAME)" },
	{ .section = "list", .name = "domains", .type = CT_TEXT, .def = "",
	  .desc = "domains, comma-separated; a domain matches its subdomains" },
	{ .section = "list", .name = "groups", .type = CT_TEXT, .def = "",
	  .desc = "the sender's groups as the register has them (dlpctl approver member; sender_group in NAME)" },
};

const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);

static const char *const type_names[CT_COUNT] = {
	[CT_STRING] = "string", [CT_INT] = "integer", [CT_SIZE] = "size",
	[CT_DURATION] = "duration", [CT_ENUM] = "enum", [CT_DOMAINS] = "domains",
	[CT_EXPR] = "expression", [CT_ACTION] = "action", [CT_TEXT] = "text",
	[CT_MODE] = "mode",
};

const char *conf_type_name(enum conf_type t)
{
	return (unsigned)t < CT_COUNT && type_names[t] ? type_names[t] : "?";
}

bool conf_key_named(const struct conf_key *k)
{
	return strcmp(k->section, "rule") == 0 || strcmp(k->section, "dictionary") == 0 ||
	    strcmp(k->section, "pattern") == 0 || strcmp(k->section, "list") == 0;
}

const struct conf_key *conf_key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].section, section) == 0 && strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

int conf_choice_index(const char *choices, const char *s)
{
	const char *p = choices;
	size_t n = strlen(s);

	for (int i = 0; p && *p; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && memcmp(p, s, n) == 0)
			return i;
		p = bar ? bar + 1 : NULL;
	}
	return -1;
}

void conf_format_choices(const char *choices, char *buf, size_t len)
{
	const char *p = choices;
	size_t used = 0;

	buf[0] = '\0';
	while (p && *p) {
		const char *bar = strchr(p, '|');
		int n = bar ? (int)(bar - p) : (int)strlen(p);
		const char *sep = used == 0 ? "" : bar ? ", " : " or ";
		int w = snprintf(buf + used, len - used, "%s%.*s", sep, n, p);

		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
		p = bar ? bar + 1 : NULL;
	}
}

void conf_format_number(enum conf_type t, long long v, char *buf, size_t len)
{
	if (t == CT_SIZE && v >= G && v % G == 0)
		snprintf(buf, len, "%lldG", v / G);
	else if (t == CT_SIZE && v >= M && v % M == 0)
		snprintf(buf, len, "%lldM", v / M);
	else if (t == CT_SIZE && v >= K && v % K == 0)
		snprintf(buf, len, "%lldK", v / K);
	else if (t == CT_DURATION && v >= 3600000 && v % 3600000 == 0)
		snprintf(buf, len, "%lldh", v / 3600000);
	else if (t == CT_DURATION && v >= 60000 && v % 60000 == 0)
		snprintf(buf, len, "%lldm", v / 60000);
	else if (t == CT_DURATION && v % 1000 == 0)
		snprintf(buf, len, "%llds", v / 1000);
	else if (t == CT_DURATION)
		snprintf(buf, len, "%lldms", v);
	else if (t == CT_MODE)
		snprintf(buf, len, "%04llo", v);
	else
		snprintf(buf, len, "%lld", v);
}

/* Markdown cell text: '|' escaped, nothing else changed. */
static void print_cell(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', fp);
		fputc(*s, fp);
	}
}

static void print_bounds(FILE *fp, const struct conf_key *k)
{
	char lo[32], hi[32], buf[300];

	switch (k->type) {
	case CT_INT:
	case CT_SIZE:
	case CT_DURATION:
	case CT_MODE:
		conf_format_number(k->type, k->min, lo, sizeof(lo));
		conf_format_number(k->type, k->max, hi, sizeof(hi));
		fprintf(fp, "%s..%s", lo, hi);
		break;
	default:
		if (k->choices) {
			conf_format_choices(k->choices, buf, sizeof(buf));
			print_cell(fp, buf);
		}
		break;
	}
}

void conf_print_keys(FILE *fp)
{
	fprintf(fp, "| Section | Key | Type | Default | Bounds | Description |\n");
	fprintf(fp, "| --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];

		fprintf(fp, "| [%s%s] | %s | %s | ", k->section,
		    conf_key_named(k) ? " NAME" : "", k->name, conf_type_name(k->type));
		if (!k->def)
			fprintf(fp, "*required*");
		else if (!*k->def)
			fprintf(fp, "(empty)");
		else {
			fputc('`', fp);
			print_cell(fp, k->def);
			fputc('`', fp);
		}
		fprintf(fp, " | ");
		print_bounds(fp, k);
		fprintf(fp, " | ");
		print_cell(fp, k->desc);
		fprintf(fp, " |\n");
	}
}

/* roff text: backslash and minus escaped, a leading . or ' made literal. */
static void print_roff(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

/* "(type, bounds, default X)" of k, in roff. */
static void print_man_kind(FILE *fp, const struct conf_key *k)
{
	char *bounds = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&bounds, &len);

	if (mem) {
		print_bounds(mem, k);
		fclose(mem);
	}
	fprintf(fp, "(%s", conf_type_name(k->type));
	if (bounds && *bounds) {
		fputs(k->choices ? ": " : ", ", fp);
		print_roff(fp, bounds);
	}
	if (!k->def)
		fputs("; required)", fp);
	else if (!*k->def)
		fputs("; default empty)", fp);
	else {
		fputs("; default \\fB", fp);
		print_roff(fp, k->def);
		fputs("\\fR)", fp);
	}
	free(bounds);
}

void conf_print_keys_man(FILE *fp)
{
	const char *sec = "";

	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (strcmp(k->section, sec) != 0) {
			sec = k->section;
			fprintf(fp, ".SS \"[%s%s]\"\n", sec, conf_key_named(k) ? " NAME" : "");
		}
		fputs(".TP\n\\fB", fp);
		print_roff(fp, k->name);
		fputs("\\fR ", fp);
		print_man_kind(fp, k);
		fputc('\n', fp);
		print_roff(fp, k->desc);
		fputs(".\n", fp);
	}
}
