/*
 * pidfile.h — the [milter] pidfile, for init systems other than systemd.
 *
 * Its directory is made (as root, before the switch) for the daemon's user
 * when it is missing, e.g. /run/dlp-milter/; the file is written after the
 * switch and after detaching, so it holds the daemon's pid and belongs to
 * its user, who can then remove it at exit.
 */
#ifndef DLP_PIDFILE_H
#define DLP_PIDFILE_H

#include <stddef.h>

/* Before detaching, as the final user: the directory of path is writable,
 * and path does not name a running dlp-milter.  0, or -1 with err. */
int pidfile_check(const char *path, char *err, size_t errlen);
/* Write our pid to path (path.tmp renamed into place, mode 0644).  0, or
 * -1 with err. */
int pidfile_write(const char *path, char *err, size_t errlen);
/* Remove path if it still holds our pid. */
void pidfile_remove(const char *path);

#endif
