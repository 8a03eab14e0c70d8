/*
 * landlock.c — a sandbox worker's file view, with Landlock (Linux 5.13+,
 * unprivileged).
 *
 * The seccomp filter (seccomp.c) lets a worker open files read-only, which
 * the libraries need for data they read lazily: poppler's CMaps and
 * unicode tables (/usr/share/poppler), iconv modules (/usr/lib/…/gconv),
 * fontconfig (/etc/fonts, /usr/share/fonts, /var/cache/fontconfig),
 * Tesseract's models (/usr/share/tesseract-ocr/5/tessdata, read on a
 * worker's first image: extract/image.c).
 * Read-only is not enough for a filter of an organisation's mail: the
 * register and the quarantine under var_dir belong to the same user, and
 * a compromised worker could read other people's held mail and hand it
 * back in its reply.  Landlock therefore confines reading too: files and
 * directories may be read under the system directories below and nowhere
 * else, and nothing may be written, created, removed, linked or executed
 * anywhere.  var_dir, /tmp, /home, /root, /run, /srv … are out of reach.
 * On a kernel without Landlock the worker runs with seccomp alone and the
 * daemon's log says so once per worker start (stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/landlock.h"

static const char *const readable[] = {
	"/usr", "/etc", "/lib", "/lib64", "/lib32", "/var/cache/fontconfig", NULL
};

int
sandbox_landlock(char *err, size_t errlen)
{
	const __u64 read = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	struct landlock_ruleset_attr attr = {
		/* every right of ABI 1: all of them are refused unless a rule allows */
		.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		    read | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
		    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
		    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		    LANDLOCK_ACCESS_FS_MAKE_SYM,
	};
	int rs = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	int rc = -1;

	if (rs < 0) {
		if (errno == ENOSYS || errno == EOPNOTSUPP)
			return 0;
		snprintf(err, errlen, "landlock_create_ruleset: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; readable[i]; i++) {
		struct landlock_path_beneath_attr pb = { .allowed_access = read };

		if ((pb.parent_fd = open(readable[i], O_PATH | O_CLOEXEC)) < 0)
			continue;		/* absent here */
		if (syscall(__NR_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
			snprintf(err, errlen, "landlock_add_rule %s: %s", readable[i],
			    strerror(errno));
			close(pb.parent_fd);
			goto out;
		}
		close(pb.parent_fd);
	}
	if (syscall(__NR_landlock_restrict_self, rs, 0) < 0) {
		snprintf(err, errlen, "landlock_restrict_self: %s", strerror(errno));
		goto out;
	}
	rc = 1;
out:
	close(rs);
	return rc;
}
