/*
 * store.c — the durable message store (see store.h).
 *
 * store_put: <dir>/tmp/<id>.eml is created O_EXCL mode 0600, filled from
 * the spool, its size checked, fsync'ed and closed; it is then renamed to
 * <dir>/msg/<id>.eml without replacing an existing file (RENAME_NOREPLACE,
 * or link + unlink where the file system lacks it), and msg/ is fsync'ed.
 * On any failure whatever was created is removed and -1 returned.
 *
 * Ids are checked ([0-9A-Z-], 1..31 characters) before any path is built,
 * so no name taken from elsewhere can reach the file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime/spool.h"
#include "quarantine/store.h"

static int valid_id(const char *id)
{
	size_t n = 0;

	for (; id && id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'A' && id[n] <= 'Z') || id[n] == '-'))
			return 0;
	return n > 0 && n < 32;
}

static int check_id(const char *id, char *err, size_t errlen)
{
	if (valid_id(id))
		return 0;
	snprintf(err, errlen, "store: invalid incident id \"%.40s\"", id ? id : "");
	return -1;
}

/* mkdir path 0700 unless it is a directory already. */
static int make_dir(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	snprintf(err, errlen, "store: cannot create directory %s: %s", path, strerror(errno));
	return -1;
}

int store_init(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (make_dir(dir, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/tmp", dir);
	if (make_dir(path, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/msg", dir);
	return make_dir(path, err, errlen);
}

void store_path(const char *dir, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/msg/%s.eml", dir, id);
}

/* fsync a directory so a rename in it is durable.  0 or -1 (errno). */
static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc, e;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* Move tmp to dst unless dst exists.  0 or -1 (errno; EEXIST when taken). */
static int move_noreplace(const char *tmp, const char *dst)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* File system without RENAME_NOREPLACE: link refuses an existing name. */
	if (link(tmp, dst) < 0)
		return -1;
	unlink(tmp);
	return 0;
}

/* Write the spool into a new file at path, fsync'ed.  0 or -1 with err;
 * *made tells whether path was created (and so must be removed). */
static int write_file(const char *path, struct spool *sp, int *made, char *err, size_t errlen)
{
	struct stat sb;
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "store: cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	*made = 1;
	if (fchmod(fd, 0600) < 0 || spool_copy_to(sp, fd) < 0) {
		snprintf(err, errlen, "store: cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) < 0 || (size_t)sb.st_size != spool_size(sp)) {
		snprintf(err, errlen, "store: short write to %s: %lld of %zu bytes", path,
		    (long long)sb.st_size, spool_size(sp));
		goto fail;
	}
	if (fsync(fd) < 0) {
		snprintf(err, errlen, "store: cannot fsync %s: %s", path, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "store: cannot close %s: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}

int store_put(const char *dir, const char *id, struct spool *sp, char *err, size_t errlen)
{
	char tmp[PATH_MAX], dst[PATH_MAX], msgdir[PATH_MAX];
	int made = 0, created = 0;

	if (check_id(id, err, errlen) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s.eml", dir, id);
	snprintf(msgdir, sizeof(msgdir), "%s/msg", dir);
	store_path(dir, id, dst, sizeof(dst));
	if (write_file(tmp, sp, &made, err, errlen) < 0) {
		if (made)	/* never an O_EXCL clash: that file is someone else's */
			unlink(tmp);
		return -1;
	}
	if (move_noreplace(tmp, dst) < 0) {
		snprintf(err, errlen, "store: cannot move %s to %s: %s", tmp, dst,
		    errno == EEXIST ? "a stored message with this id exists" : strerror(errno));
		goto fail;
	}
	created = 1;
	if (sync_dir(msgdir) < 0) {
		snprintf(err, errlen, "store: cannot fsync %s: %s", msgdir, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	unlink(created ? dst : tmp);
	return -1;
}

unsigned char *store_get(const char *dir, const char *id, size_t *len, char *err, size_t errlen)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	struct stat sb;
	size_t got = 0;
	ssize_t n;
	int fd;

	if (check_id(id, err, errlen) < 0)
		return NULL;
	store_path(dir, id, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no stored message for %s (%s)", id, path);
		else
			snprintf(err, errlen, "store: cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) < 0 || !(buf = malloc((size_t)sb.st_size + 1))) {
		snprintf(err, errlen, "store: cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "store: cannot read %s: %s", path,
			    n == 0 ? "file shrank while reading" : strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';	/* convenience: the bytes are also a C string */
	close(fd);
	*len = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

int store_remove(const char *dir, const char *id, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (check_id(id, err, errlen) < 0)
		return -1;
	store_path(dir, id, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "store: cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
