/*
 * pidfile.c — the [milter] pidfile (see pidfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter/pidfile.h"

/* The pid in path, or 0. */
static long read_pid(const char *path)
{
	char buf[32] = "";
	FILE *fp = fopen(path, "r");
	long pid = 0;

	if (fp) {
		if (fgets(buf, sizeof(buf), fp))
			pid = strtol(buf, NULL, 10);
		fclose(fp);
	}
	return pid > 0 ? pid : 0;
}

/* True when pid is a live process named dlp-milter (a stale file may name
 * a pid that another program has since). */
static int is_running_milter(long pid)
{
	char path[64], comm[64] = "";
	FILE *fp;

	if (kill((pid_t)pid, 0) == -1 && errno != EPERM)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (!(fp = fopen(path, "r")))
		return 1;	/* alive, and no /proc to tell: assume it is */
	if (!fgets(comm, sizeof(comm), fp))
		comm[0] = '\0';
	fclose(fp);
	return strncmp(comm, "dlp-milter", 10) == 0;
}

int pidfile_check(const char *path, char *err, size_t errlen)
{
	char copy[4096];
	const char *dir;
	long pid;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (access(dir, W_OK | X_OK) == -1) {
		snprintf(err, errlen, "pidfile %s: cannot write in %s: %s (give the daemon a "
		    "directory of its own, e.g. /run/dlp-milter/)", path, dir, strerror(errno));
		return -1;
	}
	if ((pid = read_pid(path)) != 0 && pid != (long)getpid() && is_running_milter(pid)) {
		snprintf(err, errlen, "already running: pid %ld in %s", pid, path);
		return -1;
	}
	return 0;
}

int pidfile_write(const char *path, char *err, size_t errlen)
{
	char tmp[4200], line[32];
	int fd, n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1)
		goto fail;
	if (fchmod(fd, 0644) == -1 || write(fd, line, (size_t)n) != n) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot write pidfile %s: %s", path, strerror(errno));
	return -1;
}

void pidfile_remove(const char *path)
{
	if (read_pid(path) == (long)getpid())
		unlink(path);
}
