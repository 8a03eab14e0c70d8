/*
 * register.h — the incident register: incidents, their audit trail and
 * the notice queue's rows, behind one interface.
 *
 * One row per hold and reject; an audit row for every state change.
 * Rows hold types, counts, part names and masked samples, never full
 * personal values.
 *
 * The storage is a backend (register/backend.h: a table of functions, as
 * OpenSMTPD's queue and table backends), chosen by reg_open from the
 * location: a file is SQLite in WAL mode (register/sqlite_*.c), a
 * postgresql:// URL is PostgreSQL (register/pg*.c), which also keeps the
 * held messages themselves (reg_msg_*), so that every node sharing the
 * database can show and release every incident.  Every change is one
 * transaction of the backend with its audit row, so any number of daemons
 * and dlpctl processes may work on one register at once.
 */
#ifndef DLP_REGISTER_H
#define DLP_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

struct reg;

enum reg_mode { REG_RW, REG_RO };

/* Open (creating and migrating when REG_RW) the register at path (a file:
 * SQLite).  NULL with a plain-language err on failure. */
struct reg *reg_open(const char *path, enum reg_mode mode, char *err, size_t errlen);
/* The same for any location: a file (SQLite) or a postgresql:// URL
 * (libpq's; sslmode and the rest as libpq reads them), password_file (or
 * NULL) holding the password on its first line.  A PostgreSQL handle
 * borrows a connection from a per-process pool and gives it back on
 * reg_close, so opening one per message is cheap. */
struct reg *reg_connect(const char *location, const char *password_file, enum reg_mode mode,
    char *err, size_t errlen);
void reg_close(struct reg *rg);
/* The backend's name: "sqlite" or "postgresql". */
const char *reg_backend_name(const struct reg *rg);
/* true when location names a backend other than a file (a URL). */
bool reg_location_is_url(const char *location);

/* An incident as stored.  JSON members are owned by the struct. */
struct incident {
	char id[32];		/* "20261125-K3M9QX" */
	time_t created;
	char *queue_id, *message_id, *sender, *subject;
	long recipients, external, external_visible, external_domains;
	json_t *rcpt;		/* ["a@x", …] envelope recipients */
	json_t *rules;		/* [{"name": …, "action": …, "reason": …}] */
	json_t *findings;	/* {type: {"count": n, "samples": [masked]}} */
	json_t *parts;		/* result_json_parts() */
	char *action;		/* "hold" | "approve" | "delay" | "reject" */
	char *status;		/* held | delayed | rejected | releasing | released |
				 * deleted | cancelled | expired */
	time_t updated;		/* last status change */
	char *updated_by;	/* actor of the last status change */
	time_t due;		/* action delay: when it is released by itself; 0: none */
	int delay_tries;	/* automatic releases that failed (the retry's backoff) */
};

void incident_clear(struct incident *inc);

/* Make a fresh incident id into id[32] ("YYYYMMDD-XXXXXX", random). */
void reg_new_id(char id[32], time_t now);
/* Insert inc (id already set) with an audit row by actor, in one
 * transaction.  0 or -1 with err. */
int reg_insert(struct reg *rg, const struct incident *inc, const char *actor,
    char *err, size_t errlen);
/* Load incident id.  0, 1 when not found, -1 with err. */
int reg_get(struct reg *rg, const char *id, struct incident *inc, char *err, size_t errlen);
/* Change status from `from` to `to` atomically (compare and set) with an
 * audit row.  0 done, 1 when the status was not `from`, -1 with err. */
int reg_set_status(struct reg *rg, const char *id, const char *from, const char *to,
    const char *actor, const char *reason, char *err, size_t errlen);
/* The same, only when the incident's last change is at or before
 * `before` (the age is part of the compare: taking over an abandoned
 * claim).  0 done, 1 not (other status, newer, missing), -1 with err. */
int reg_set_status_before(struct reg *rg, const char *id, const char *from, const char *to,
    time_t before, const char *actor, const char *reason, char *err, size_t errlen);
/* Append an audit row (notice sent, release failed …).  0 or -1 with err. */
int reg_audit(struct reg *rg, const char *id, const char *actor, const char *action,
    const char *reason, char *err, size_t errlen);

/* Iterate incidents newest first, filtered by status (NULL: all) and
 * created >= since (0: all) and < until (0: all).  cb returns 0 to go on.
 * Returns 0 or -1 with err. */
int reg_list(struct reg *rg, const char *status, time_t since, time_t until,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen);

/* The orders of reg_list_where (its ORDER BY is chosen from these, never
 * made of a request), and the limits of its search. */
enum reg_order {
	REG_ORDER_CREATED,	/* received time */
	REG_ORDER_SENDER,	/* the sender's address, ASCII case ignored */
	REG_ORDER_SUBJECT,	/* the subject, ASCII case ignored */
	REG_ORDER_RULE,		/* the first rule that fired */
	REG_ORDER_STATUS,
	REG_ORDER_RECIPIENTS,	/* the number of envelope recipients */
	REG_ORDER_COUNT
};
/* The orders by name, indexed by enum reg_order (search.c): the word of
 * `dlpctl list --sort` and of the console's sort=, an older spelling also
 * taken (NULL: none), and the direction of a first choice (text A→Z; the
 * time and the recipients largest first). */
struct reg_order_name {
	const char *word, *alias;
	bool asc;
};
extern const struct reg_order_name reg_orders[REG_ORDER_COUNT];
#define REG_ORDER_WORDS "time|sender|subject|rule|status|recipients"
/* The order called word (or its alias), or -1. */
int reg_order_named(const char *word);
#define REG_SEARCH_MAX 256	/* bytes of reg_where.search */
#define REG_SEARCH_WORDS 8	/* words of it */
/* What reg_list_where selects, in the register's own query (indexed, and
 * no row decoded for nothing): NULL and 0 fields select everything.  The
 * console's queue pages and filters use it, so that a deep page or a
 * filter over 10,000 incidents costs one query, not a walk of them all. */
struct reg_where {
	const char *status;	/* NULL: any */
	time_t since, until;	/* created >= since, < until; 0: open */
	const char *sender;	/* a part of the sender's address, ASCII case ignored */
	const char *rule;	/* the name of a rule that fired */
	long offset;		/* rows of the selection skipped first */
	enum reg_order order;	/* the sort key (0: created), ties by id */
	bool ascending;		/* false: descending, newest (last) first */
	const char *search;	/* words (blank separated, U+3000 too), each in the
				 * subject, sender, a recipient, an attachment's
				 * file name or a reason a person wrote; ASCII case
				 * ignored; NULL: any (search.c) */
	const char *subject;	/* a part of the subject, ASCII case ignored */
	const char *rcpt;	/* a part of an envelope recipient, ditto */
};
int reg_list_where(struct reg *rg, const struct reg_where *w,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen);
/* The words of search (search.c) into words[0 .. REG_SEARCH_WORDS): how
 * many (0 for NULL or blanks only), or -1 with err when it is too long or
 * has too many. */
int reg_search_words(const char *search, char (*words)[REG_SEARCH_MAX + 1], char *err,
    size_t errlen);
/* The send delay's timer (release.h's release_due): into ids[0 .. max)
 * the incidents to release now, oldest due first — delayed with due <=
 * now, or a delay's release claim (releasing) older than now - stale that
 * its process left; *n of them.  *next: the earliest due after now of a
 * delayed incident, 0 when there is none.  0 or -1 with err. */
int reg_delay_due(struct reg *rg, time_t now, long stale, char (*ids)[32], size_t max,
    size_t *n, time_t *next, char *err, size_t errlen);
/* A delayed incident's automatic release failed: due = due, delay_tries
 * + 1.  0 done, 1 when it is not delayed (any more), -1 with err. */
int reg_delay_retry(struct reg *rg, const char *id, time_t due, char *err, size_t errlen);

/* Audit trail of an incident, oldest first. */
struct audit {
	time_t time;
	const char *actor, *action, *reason;
	const char *incident;
};
int reg_history(struct reg *rg, const char *id,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen);
/* The incident whose newest audit row says action with reason (the
 * release token of "release sent as"): 0 with id[32], 1 when none, -1 with
 * err. */
int reg_audit_find(struct reg *rg, const char *action, const char *reason, char id[32],
    char *err, size_t errlen);
/* Every incident's audit rows with since <= time < until (0: open), in the
 * order they were written.  cb returns non-zero to stop. */
int reg_audit_list(struct reg *rg, time_t since, time_t until,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen);

/* The notice queue's rows (notice/queue.h says what they mean; kind is
 * notice_kind_name()'s word, the register keeps it as text). */
struct reg_notice {
	long long seq;
	char incident[32];
	char kind[16];
	char recipient[512];
	char *note;		/* or NULL */
	char status[16];	/* pending | sending | sent | failed */
	int attempts;
	time_t created, next_try, claimed, sent;
	char *last_error;	/* or NULL */
};

void reg_notice_clear(struct reg_notice *n);

/* A notice to queue, as the planner wants it. */
struct reg_notice_want {
	const char *kind, *recipient;
};
#define REG_PLAN_MAX 8		/* notices per incident at most */

/* For every incident not planned yet (oldest first, at most 200 per call):
 * want(arg, id, sender, action, status, w) fills w[0 .. REG_PLAN_MAX) and
 * returns how many; those are queued (pending, due now; one that exists
 * already is kept) and the incident marked planned, all in one
 * transaction.  *added (may be NULL) counts the notices queued.  0 or -1. */
int reg_notice_plan(struct reg *rg,
    int (*want)(void *arg, const char *id, const char *sender, const char *action,
    const char *status, struct reg_notice_want *w), void *arg, time_t now, int *added,
    char *err, size_t errlen);
/* Queue one notice due now; claimed: created `sending` (attempts 1).
 * 0 (*seq set, may be NULL), 1 when (incident, kind, recipient) exists,
 * -1 with err ("no incident ID" when it does not exist). */
int reg_notice_add(struct reg *rg, const char *id, const char *kind, const char *rcpt,
    const char *note, bool claim, time_t now, long long *seq, char *err, size_t errlen);
/* Load notice seq.  0, 1 when missing, -1 with err. */
int reg_notice_get(struct reg *rg, long long seq, struct reg_notice *n, char *err,
    size_t errlen);
/* Claim the notice due first (pending with next_try <= now, or sending
 * claimed at or before now - stale): it becomes sending, attempts + 1.
 * 0 with *n, 1 when none is due, -1 with err. */
int reg_notice_claim(struct reg *rg, time_t now, long stale, struct reg_notice *n,
    char *err, size_t errlen);
/* The outcome of claimed notice seq (still sending): status, next_try,
 * sent = now unless error, last_error = error; with its audit row (actor,
 * audit_action, why) on the notice's incident.  0 or -1 with err. */
int reg_notice_finish(struct reg *rg, const struct reg_notice *n, const char *status,
    time_t next, const char *error, time_t now, const char *actor, const char *audit_action,
    const char *why, char *err, size_t errlen);
/* The notices of incident id, oldest first.  cb returns non-zero to stop. */
int reg_notice_list(struct reg *rg, const char *id,
    int (*cb)(const struct reg_notice *n, void *arg), void *arg, char *err, size_t errlen);

/* Held messages kept in the register itself (PostgreSQL: bytea chunks,
 * written and read one chunk at a time).  A backend without them (SQLite:
 * the quarantine's files, store.h) answers false here and -1 with err
 * from the others; quarantine/held.h picks the one that applies. */
bool reg_keeps_messages(const struct reg *rg);
/* Store message id, read through rd(arg, buf, len) → bytes (0 at the
 * end, -1 on error), in one transaction: all of it or nothing.  0, or -1
 * with err ("exists" when id is stored already). */
int reg_msg_put(struct reg *rg, const char *id, long (*rd)(void *arg, void *buf, size_t len),
    void *arg, char *err, size_t errlen);
/* Give the stored bytes of id to out(arg, buf, len) chunk by chunk
 * (out returns 0 to go on).  0, 1 when there is none, -1 with err. */
int reg_msg_read(struct reg *rg, const char *id, int (*out)(void *arg, const void *buf,
    size_t len), void *arg, char *err, size_t errlen);
/* Chunk n (0, 1, …) of stored message id, malloc'd into *data, *len.
 * 0, 1 when there is no chunk n (the end, or no message), -1 with err. */
int reg_msg_chunk(struct reg *rg, const char *id, long long n, unsigned char **data,
    size_t *len, char *err, size_t errlen);
/* Size of stored message id: >= 0, -2 when there is none, -1 with err. */
long long reg_msg_size(struct reg *rg, const char *id, char *err, size_t errlen);
/* Remove stored message id (missing is no error).  0 or -1 with err. */
int reg_msg_remove(struct reg *rg, const char *id, char *err, size_t errlen);
/* Remove stored messages created before cutoff that belong to no
 * incident (a hold whose row never committed).  *removed counts them. */
int reg_msg_orphans(struct reg *rg, time_t cutoff, int *removed, char *err, size_t errlen);

/* Copy one incident from another register as it is: its row (notices
 * counted as planned), its audit trail and its notices, in one
 * transaction.  0 copied, 1 when the id exists already (left as it is),
 * -1 with err; a backend that cannot import says so. */
int reg_import(struct reg *rg, const struct incident *inc, const struct audit *a, size_t na,
    const struct reg_notice *n, size_t nn, char *err, size_t errlen);
/* Rows in table ("incidents", "audit", "notices", "messages", "series",
 * "series_sent") into *count.
 * 0 or -1 with err. */
int reg_count(struct reg *rg, const char *table, long long *count, char *err, size_t errlen);

/* dlpctl migrate's table copy (see backend.h: rows, row_put,
 * series_merged); table, cols, key and order are the caller's constants.
 * reg_rows: 0, or -1 with err (cb's -1 stops it; its err is the caller's);
 * reg_row_put: 1 put, 0 there already, -1 with err; reg_series_merged: 0
 * or -1.  A backend without them says so in err. */
int reg_rows(struct reg *rg, const char *table, const char *cols, const char *order,
    int (*cb)(void *arg, int n, const char *const *v), void *arg, char *err, size_t errlen);
int reg_row_put(struct reg *rg, const char *table, const char *cols, const char *key, int n,
    const char *const *v, char *err, size_t errlen);
int reg_series_merged(struct reg *rg, long long series, long long sent, char *err,
    size_t errlen);
/* ---- dlp-web (quarantine/web/): accounts, sessions, used links, and
 * the console's audit trail.  Names are [A-Za-z0-9._@-]{1,64}; roles are
 * admin, approver, auditor (checked here). */
struct reg_user {
	char name[65];
	char role[16];		/* admin | approver | auditor */
	char *hash;		/* crypto_pwhash_str() output */
	bool disabled;
	time_t created, updated;
};

void reg_user_clear(struct reg_user *u);
/* true when name is a valid account name / role is one of the three. */
bool reg_user_name_ok(const char *name);
bool reg_user_role_ok(const char *role);
/* Create user name, or (replace) change the role and password of an
 * existing one (and enable it).  With a web_audit row by actor.  0, 1 when
 * it exists and !replace, -1 with err. */
int reg_user_put(struct reg *rg, const char *name, const char *role, const char *hash,
    bool replace, const char *actor, char *err, size_t errlen);
/* 0 with *u, 1 when there is no such user, -1 with err. */
int reg_user_get(struct reg *rg, const char *name, struct reg_user *u, char *err,
    size_t errlen);
/* Disable (true) or enable a user; disabling ends its sessions.  0, 1 no
 * such user, -1 with err. */
int reg_user_disable(struct reg *rg, const char *name, bool disabled, const char *actor,
    char *err, size_t errlen);
/* Every user by name; cb returns non-zero to stop. */
int reg_user_list(struct reg *rg, int (*cb)(const struct reg_user *u, void *arg), void *arg,
    char *err, size_t errlen);

/* A session as the console sees it: the user's current role. */
struct reg_session {
	char user[65];
	char role[16];
	char csrf[65];		/* the form token of the session */
	time_t created, expires;
};
/* Add session id (the hex hash of the cookie).  0 or -1 with err. */
int reg_session_add(struct reg *rg, const char *id, const char *user, const char *csrf,
    time_t created, time_t expires, char *err, size_t errlen);
/* Session id when it exists, is not expired at now and its user is not
 * disabled: 0 with *s; 1 otherwise; -1 with err.  Expired rows go. */
int reg_session_get(struct reg *rg, const char *id, time_t now, struct reg_session *s,
    char *err, size_t errlen);
/* End session id (missing is fine).  0 or -1 with err. */
int reg_session_delete(struct reg *rg, const char *id, char *err, size_t errlen);

/* Mark signed link id (its MAC, hex) used for incident/action: 0 marked
 * now, 1 when it was used before, -1 with err. */
int reg_link_use(struct reg *rg, const char *id, const char *incident, const char *action,
    time_t now, char *err, size_t errlen);
/* 0 not used, 1 used (*when set, may be NULL), -1 with err. */
int reg_link_used(struct reg *rg, const char *id, time_t *when, char *err, size_t errlen);

/* The register's secret called name: 0 with the stored value in out when
 * there is one; else, with proposed NULL, 1; else proposed is stored (of
 * two proposing at once, one wins) and 0 with the winner's value in out.
 * -1 with err (also when the value does not fit outlen). */
int reg_secret(struct reg *rg, const char *name, const char *proposed, char *out,
    size_t outlen, char *err, size_t errlen);

/* A row of the console's audit trail (incident NULL: none).  0 or -1. */
int reg_web_audit(struct reg *rg, const char *actor, const char *action, const char *incident,
    const char *detail, char *err, size_t errlen);
struct web_audit {
	long long seq;
	time_t time;
	const char *actor, *action, *incident, *detail;	/* incident, detail may be NULL */
};
/* The console's audit rows, newest first; of incident (NULL: all);
 * at most limit (0: all).  cb returns non-zero to stop. */
int reg_web_audit_list(struct reg *rg, const char *incident, int limit,
    int (*cb)(const struct web_audit *a, void *arg), void *arg, char *err, size_t errlen);

/* ---- supervisor approval: the approvers table ----
 * A subject is a sender address ("kakari@example.go.jp") or a domain
 * ("@example.go.jp": that domain and its subdomains).  For a sender the
 * most specific subject with rows decides: the address, else its domain,
 * else each parent domain in turn. */
struct reg_approver {
	const char *subject, *approver;
	int rank;			/* 0 approver, 1 proxy approver (代理承認者) */
	time_t updated;
};
/* true when s is an address or @domain of printable ASCII, <= 320 bytes. */
bool reg_approver_subject_ok(const char *s);
/* Replace the rows of subject by approvers[0..n) (rank 0) and
 * proxies[0..m) (rank 1); n + m == 0 removes the subject.  With a
 * web_audit row by actor.  0 or -1 with err. */
int reg_approver_set(struct reg *rg, const char *subject, const char *const *approvers,
    size_t n, const char *const *proxies, size_t m, const char *actor, char *err,
    size_t errlen);
/* Every row (subject NULL), or the rows of the subject that decides for
 * sender (sender set), approvers before proxies.  cb returns non-zero to
 * stop.  0 or -1 with err. */
int reg_approver_list(struct reg *rg, const char *sender,
    int (*cb)(const struct reg_approver *a, void *arg), void *arg, char *err, size_t errlen);
/* 1 when addr is an approver (rank <= max_rank) of sender, 0 not, -1. */
int reg_approver_is(struct reg *rg, const char *sender, const char *addr, int max_rank,
    char *err, size_t errlen);

/* ---- groups (所属), approvers away, proxy requests (migration 7) ----
 * A subject "group:NAME" covers the staff addresses that are members of
 * group NAME; for a sender the lookup order is its address, its group,
 * its domain, each parent domain (the first with rows decides).  A
 * member belongs to one group. */
#define REG_GROUP_PREFIX "group:"
/* true when name is a group name: 1 to 128 bytes of valid UTF-8, no
 * control characters, no white space at either end, none of , ; " */
bool reg_group_name_ok(const char *name);
/* Make member (an address) a member of group, or (group NULL or "")
 * of none.  With a web_audit row by actor.  0 or -1 with err. */
int reg_group_set(struct reg *rg, const char *member, const char *group, const char *actor,
    char *err, size_t errlen);
/* The group of member into group[len]: 0, 1 when none, -1 with err. */
int reg_group_of(struct reg *rg, const char *member, char *group, size_t len, char *err,
    size_t errlen);
struct reg_member {
	const char *member, *group;
	time_t updated;
};
/* The members of group (NULL: of every group), by group and address.
 * cb returns non-zero to stop.  0 or -1 with err. */
int reg_group_list(struct reg *rg, const char *group,
    int (*cb)(const struct reg_member *m, void *arg), void *arg, char *err, size_t errlen);

struct reg_away {
	const char *approver;
	time_t back;		/* first second back (0: until marked back) */
	time_t updated;
};
/* Mark approver away (until back, 0: until marked back) or, with away
 * false, back.  With a web_audit row by actor.  0 or -1 with err. */
int reg_away_set(struct reg *rg, const char *approver, bool away, time_t back,
    const char *actor, char *err, size_t errlen);
/* Every approver marked away (a past back included), by address. */
int reg_away_list(struct reg *rg, int (*cb)(const struct reg_away *a, void *arg), void *arg,
    char *err, size_t errlen);
/* 1 when approver is away at now, 0 not, -1 with err. */
int reg_away_is(struct reg *rg, const char *approver, time_t now, char *err, size_t errlen);

/* Import a staff list (CSV: 所属, 職員アドレス, 承認者, 代理承認者) from fp
 * (approvers_csv.c says how rows become groups, members and approvers).
 * Every row's change is its own transaction; a refused row is reported
 * to warn(arg, line, msg) and counted.  0 with *c, or -1 with err (out of
 * memory, read error: nothing set). */
struct reg_import_counts {
	int senders, groups, members, refused;
};
int reg_approver_import(struct reg *rg, FILE *fp, const char *actor,
    struct reg_import_counts *c, void (*warn)(void *arg, int line, const char *msg),
    void *arg, char *err, size_t errlen);

/* The history row of a sender's approval request (the justify link). */
#define REG_RELEASE_REQUESTED "release requested"
/* A hold still held, of action approve or with a REG_RELEASE_REQUESTED
 * row, whose proxies were not asked. */
struct reg_waiting {
	const char *id, *sender;
	time_t created;		/* asked since: the hold (approve), else the first request */
	const char *note;	/* the last request's reason, or NULL */
};
/* Those holds, oldest first, at most 200 per call (cb may call the
 * register).  0 or -1 with err. */
int reg_proxy_waiting(struct reg *rg, int (*cb)(const struct reg_waiting *w, void *arg),
    void *arg, char *err, size_t errlen);
/* Record that the proxies of incident id were asked at now (why: "after
 * 4h", "kacho@… away"), with its audit row "proxy asked" by actor (who
 * asked them: "dlp-milter" for its notifier, dlp-web's actor of the
 * request).  0 marked, 1 marked before, -1 with err. */
int reg_proxy_mark(struct reg *rg, const char *id, const char *actor, const char *why,
    time_t now, char *err, size_t errlen);

/* ---- Counters across messages (series.c, the series tables).  What is
 * stored of a message is keyed hashes only (BLAKE2b-128 under a random key
 * the register makes once, its secret "series"): the sender, each series key
 * (an attachment's SHA-256, a normalised subject) and each external
 * recipient, never an address, a subject or a digest in the clear. */
#define REG_SERIES_KEYS 8	/* series keys per message, at most (more are dropped) */
struct reg_series_msg {
	const char *sender;		/* envelope sender, "" for the null sender */
	const char *const *keys;	/* "a:HEX" digests, "s:SUBJECT" (taken as bytes) */
	size_t nkeys;
	const char *const *rcpts;	/* external envelope recipients (case folded here) */
	size_t nrcpts;
	const char *msg;		/* the same for a retry of the same message (queue id) */
	long long bytes;		/* the message's bytes */
	time_t now;
	long window;			/* seconds a series lasts, [series] window */
	long long max_rows;		/* rows per table at most, [series] max_rows */
};
struct reg_series_counts {
	long series_external;		/* this message's recipients included */
	long sender_external_hour;	/* this message included when it goes outside */
	long long sender_bytes_hour;
};
/* Make the register's series key if it has none (a write, once), so that
 * reg_series_count never writes.  0 or -1 with err. */
int reg_series_prepare(struct reg *rg, char *err, size_t errlen);
/* The counters m would have if it went out now (nothing written but the
 * register's series key the first time, unless reg_series_prepare made it).  0 or -1 with err. */
int reg_series_count(struct reg *rg, const struct reg_series_msg *m,
    struct reg_series_counts *c, char *err, size_t errlen);
/* Record that m went out: its recipients under each key, the message in
 * the sender's hour; rows older than the window (the hour) and rows over
 * max_rows (oldest first) removed in the same transaction.  A message
 * recorded twice (a retry) counts once.  0 or -1 with err. */
int reg_series_add(struct reg *rg, const struct reg_series_msg *m, char *err,
    size_t errlen);
/* m held as incident: its rows (hashed, with its window and max_rows) kept
 * until it is released.  0 or -1 with err. */
int reg_series_hold(struct reg *rg, const char *incident, const struct reg_series_msg *m,
    char *err, size_t errlen);
/* incident went out now (a release): its kept rows recorded as
 * reg_series_add records, then forgotten, in one transaction, so that a
 * release repeated or retried records it once.  1 recorded, 0 nothing kept
 * (no rule used the series when it was held, or recorded before), -1 with
 * err. */
int reg_series_released(struct reg *rg, const char *incident, time_t now, char *err,
    size_t errlen);

#endif
