/*
 * listen.c — the milter socket (see listen.h).
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config/conf.h"
#include "milter/listen.h"
#include "quarantine/priv.h"

extern struct smfiDesc dlp_milter_desc;

int
listen_unix_path(const char *spec, char *buf, size_t len)
{
	const char *p = NULL;

	if (strncmp(spec, "unix:", 5) == 0)
		p = spec + 5;
	else if (strncmp(spec, "local:", 6) == 0)
		p = spec + 6;
	else if (spec[0] == '/')
		p = spec;
	if (p == NULL || *p == '\0')
		return -1;
	snprintf(buf, len, "%s", p);
	return 0;
}

/* Group of the socket: [milter] socket_group, else the daemon's. */
static int
socket_gid(const struct conf *cf, const struct priv_id *owner, gid_t *gid, char *err,
    size_t errlen)
{
	char buf[16384];
	struct group gr, *res = NULL;

	*gid = owner->gid;
	if (cf->socket_group == NULL || cf->socket_group[0] == '\0')
		return 0;
	if (getgrnam_r(cf->socket_group, &gr, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(err, errlen, "[milter] socket_group: no group '%s'", cf->socket_group);
		return -1;
	}
	*gid = gr.gr_gid;
	return 0;
}

/* Owner, group and mode of the unix socket at path. */
static int
give_socket(const char *path, const struct conf *cf, const struct priv_id *owner, char *err,
    size_t errlen)
{
	gid_t gid;

	if (socket_gid(cf, owner, &gid, err, errlen) == -1)
		return -1;
	if (chown(path, owner->uid, gid) == -1) {
		snprintf(err, errlen, "cannot give socket %s to uid %lu gid %lu: %s", path,
		    (unsigned long)owner->uid, (unsigned long)gid, strerror(errno));
		return -1;
	}
	if (chmod(path, (mode_t)cf->socket_mode) == -1) {
		snprintf(err, errlen, "cannot set the mode of socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
listen_open(const char *spec, const struct conf *cf, const struct priv_id *owner,
    char *err, size_t errlen)
{
	char path[4096], dir[4096];

	if (listen_unix_path(spec, path, sizeof(path)) == 0) {
		snprintf(dir, sizeof(dir), "%s", path);
		if (geteuid() == 0 &&
		    priv_prepare_dir(dirname(dir), 0755, owner, false, err, errlen) == -1)
			return -1;
	}
	if (smfi_setconn((char *)spec) == MI_FAILURE ||
	    smfi_register(dlp_milter_desc) == MI_FAILURE ||
	    smfi_settimeout((int)cf->timeout) == MI_FAILURE) {
		snprintf(err, errlen, "cannot set up libmilter for %s", spec);
		return -1;
	}
	errno = 0;
	if (smfi_opensocket(1) == MI_FAILURE) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec,
		    errno ? strerror(errno) : "address in use or bad socket");
		return -1;
	}
	if (listen_unix_path(spec, path, sizeof(path)) == 0 &&
	    give_socket(path, cf, owner, err, errlen) == -1)
		return -1;
	return 0;
}
