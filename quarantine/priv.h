/*
 * priv.h — whom dlp-milter and dlpctl run as.
 *
 * dlp-milter is started as root so that it can open its socket (and hand a
 * unix socket to the MTA's group); it then switches for good to [milter]
 * user and group before it reads any mail.  Started as root with no user
 * configured it refuses to run; `user = root` says on purpose that it stays
 * root (the source tree's config, for `make run` and the tests).
 *
 * dlpctl started as root switches to the owner of var_dir before it
 * touches the register, so that no file there ever becomes root's.
 */
#ifndef DLP_PRIV_H
#define DLP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct priv_id {
	bool change;		/* false: stay as started */
	uid_t uid;		/* the identity to switch to (change) */
	gid_t gid;		/* its primary group */
	char name[256];		/* user name for initgroups ("" when uid has no name) */
};

/* Decide whom to run as, from the effective uid and [milter] user/group:
 *   root, user empty        -1: refuses, err says what to set
 *   root, user "root"       stay root (on purpose)
 *   root, user NAME         switch to NAME, group GROUP or NAME's own
 *   not root, user empty, "root" or the current user: stay
 *   not root, another user  -1: only root can switch
 * An unknown user or group is an error.  Returns 0 (to filled) or -1. */
int priv_plan(uid_t euid, const char *user, const char *group, struct priv_id *to,
    char *err, size_t errlen);

/* The identity of the owner of path (its passwd entry's primary group, or
 * the file's group when the uid has no name); to->change is set when that
 * is not the effective uid.  0, or -1 with err and errno (stat failed). */
int priv_owner_of(const char *path, struct priv_id *to, char *err, size_t errlen);

/* Switch for good to `to` (a no-op unless to->change): supplementary
 * groups (initgroups, or none), then real, effective and saved gid, then
 * uid; then checks that root cannot be regained.  Call it before any
 * thread starts.  0, or -1 with err (the process must then exit). */
int priv_drop(const struct priv_id *to, char *err, size_t errlen);

/* As root, before the switch: make directory path exist, owned by `to`
 * (uid, gid) with mode, when it is missing.  An existing one is left as it
 * is when must_own is false; with must_own it has to be a directory owned
 * by to->uid, else -1 with err naming the chown to run.  0 or -1. */
int priv_prepare_dir(const char *path, unsigned mode, const struct priv_id *to, bool must_own,
    char *err, size_t errlen);

#endif
