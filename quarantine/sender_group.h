/*
 * sender_group.h — the sender's group (所属) for a rule's `sender_group in
 * LIST`, from the register's approver tables (dlpctl approver member).
 */
#ifndef DLP_SENDER_GROUP_H
#define DLP_SENDER_GROUP_H

#include <stddef.h>

struct conf;
struct scan_result;

/* The slots past the counters for r (conf_policy_slots), looking up the
 * sender's group in cf's register only when a rule asks for it.  A
 * register that cannot be read leaves the sender in no group, with the
 * reason in err (err[0] '\0' otherwise). */
void sender_group_slots(const struct conf *cf, const struct scan_result *r, long *counters,
    char *err, size_t errlen);

#endif
