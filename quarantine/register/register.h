/*
 * register.h — the incident register: SQLite in WAL mode with a busy
 * timeout, schema created and migrated by the code (PRAGMA user_version).
 *
 * One row per hold and reject; an audit row for every state change.
 * Rows hold types, counts, part names and masked samples, never full
 * personal values.
 */
#ifndef DLP_REGISTER_H
#define DLP_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct reg;

enum reg_mode { REG_RW, REG_RO };

/* Open (creating and migrating when REG_RW) the register at path.
 * NULL with a plain-language err on failure. */
struct reg *reg_open(const char *path, enum reg_mode mode, char *err, size_t errlen);
void reg_close(struct reg *rg);

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
	char *action;		/* "hold" | "reject" */
	char *status;		/* held | rejected | released | deleted | expired */
	time_t updated;		/* last status change */
	char *updated_by;	/* actor of the last status change */
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
/* Append an audit row (notice sent, release failed …).  0 or -1 with err. */
int reg_audit(struct reg *rg, const char *id, const char *actor, const char *action,
    const char *reason, char *err, size_t errlen);

/* Iterate incidents newest first, filtered by status (NULL: all) and
 * created >= since (0: all) and < until (0: all).  cb returns 0 to go on.
 * Returns 0 or -1 with err. */
int reg_list(struct reg *rg, const char *status, time_t since, time_t until,
    int (*cb)(const struct incident *inc, void *arg), void *arg, char *err, size_t errlen);

/* Audit trail of an incident, oldest first. */
struct audit {
	time_t time;
	const char *actor, *action, *reason;
};
int reg_history(struct reg *rg, const char *id,
    int (*cb)(const struct audit *a, void *arg), void *arg, char *err, size_t errlen);

#endif
