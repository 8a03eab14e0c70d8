/*
 * priv.c — whom dlp-milter and dlpctl run as (see priv.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarantine/priv.h"

/* The passwd entry of name into to (uid, gid, name).  0 or -1 with err. */
static int lookup_user(const char *name, struct priv_id *to, char *err, size_t errlen)
{
	char buf[16384];
	struct passwd pw, *res = NULL;
	int rc = getpwnam_r(name, &pw, buf, sizeof(buf), &res);

	if (res == NULL) {
		snprintf(err, errlen, "[milter] user: no user '%s'%s%s", name, rc ? ": " : "",
		    rc ? strerror(rc) : "");
		return -1;
	}
	to->uid = pw.pw_uid;
	to->gid = pw.pw_gid;
	snprintf(to->name, sizeof(to->name), "%s", pw.pw_name);
	return 0;
}

static int lookup_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
	char buf[16384];
	struct group gr, *res = NULL;
	int rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);

	if (res == NULL) {
		snprintf(err, errlen, "[milter] group: no group '%s'%s%s", name, rc ? ": " : "",
		    rc ? strerror(rc) : "");
		return -1;
	}
	*gid = gr.gr_gid;
	return 0;
}

/* The name of uid into buf ("" when it has none). */
static void user_name(uid_t uid, char *buf, size_t len)
{
	char pwbuf[16384];
	struct passwd pw, *res = NULL;

	buf[0] = '\0';
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		snprintf(buf, len, "%s", pw.pw_name);
}

int priv_plan(uid_t euid, const char *user, const char *group, struct priv_id *to,
    char *err, size_t errlen)
{
	char self[256];

	memset(to, 0, sizeof(*to));
	to->uid = euid;
	to->gid = getegid();
	user_name(euid, to->name, sizeof(to->name));
	if (user == NULL || *user == '\0') {
		if (euid != 0)
			return 0;
		snprintf(err, errlen, "refusing to run as root: set [milter] user to the account "
		    "to switch to (e.g. user = dlp-milter), or user = root to stay root on purpose");
		return -1;
	}
	if (strcmp(user, "root") == 0)
		return 0;
	user_name(euid, self, sizeof(self));
	if (euid != 0) {
		if (strcmp(user, self) == 0)
			return 0;
		snprintf(err, errlen, "[milter] user: cannot switch to '%s': not started as root "
		    "(running as %s)", user, self[0] ? self : "an unnamed user");
		return -1;
	}
	if (lookup_user(user, to, err, errlen) == -1)
		return -1;
	if (group && *group && lookup_group(group, &to->gid, err, errlen) == -1)
		return -1;
	to->change = to->uid != 0;	/* a second name for uid 0 stays root too */
	return 0;
}

int priv_owner_of(const char *path, struct priv_id *to, char *err, size_t errlen)
{
	char buf[16384];
	struct passwd pw, *res = NULL;
	struct stat st;

	memset(to, 0, sizeof(*to));
	if (stat(path, &st) == -1) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	to->uid = st.st_uid;
	to->gid = st.st_gid;
	if (getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
		to->gid = pw.pw_gid;
		snprintf(to->name, sizeof(to->name), "%s", pw.pw_name);
	}
	to->change = st.st_uid != geteuid();
	return 0;
}

/* After the switch: no way back to root, and every id is the target. */
static int verify_dropped(const struct priv_id *to, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
		snprintf(err, errlen, "could regain root after switching to uid %lu",
		    (unsigned long)to->uid);
		return -1;
	}
	if (getresuid(&r, &e, &s) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    r != to->uid || e != to->uid || s != to->uid ||
	    rg != to->gid || eg != to->gid || sg != to->gid) {
		snprintf(err, errlen, "switch to uid %lu gid %lu incomplete",
		    (unsigned long)to->uid, (unsigned long)to->gid);
		return -1;
	}
	return 0;
}

int priv_drop(const struct priv_id *to, char *err, size_t errlen)
{
	const char *who = to->name[0] ? to->name : "(unnamed)";

	if (!to->change)
		return 0;
	if ((to->name[0] ? initgroups(to->name, to->gid) : setgroups(0, NULL)) == -1) {
		snprintf(err, errlen, "cannot set the groups of %s: %s", who, strerror(errno));
		return -1;
	}
	if (setresgid(to->gid, to->gid, to->gid) == -1) {
		snprintf(err, errlen, "cannot switch to group %lu: %s", (unsigned long)to->gid,
		    strerror(errno));
		return -1;
	}
	if (setresuid(to->uid, to->uid, to->uid) == -1) {
		snprintf(err, errlen, "cannot switch to user %s: %s", who, strerror(errno));
		return -1;
	}
	return verify_dropped(to, err, errlen);
}

int priv_prepare_dir(const char *path, unsigned mode, const struct priv_id *to, bool must_own,
    char *err, size_t errlen)
{
	struct stat st;
	char owner[256];

	if (mkdir(path, mode) == 0) {
		if (chown(path, to->uid, to->gid) == -1 || chmod(path, mode) == -1) {
			snprintf(err, errlen, "%s: cannot give it to uid %lu: %s", path,
			    (unsigned long)to->uid, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create directory %s: %s", path, strerror(errno));
		return -1;
	}
	if (!must_own)
		return 0;
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return -1;
	}
	if (st.st_uid != to->uid) {
		user_name(st.st_uid, owner, sizeof(owner));
		snprintf(err, errlen, "%s belongs to %s, not to %s: run chown -R %s: %s", path,
		    owner[0] ? owner : "another uid", to->name, to->name, path);
		return -1;
	}
	return 0;
}
