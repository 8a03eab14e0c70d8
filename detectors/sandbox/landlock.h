/*
 * landlock.h — the files a sandbox worker may still open (landlock.c).
 */
#ifndef DLP_SANDBOX_LANDLOCK_H
#define DLP_SANDBOX_LANDLOCK_H

#include <stddef.h>

/* Restrict this process's file access to reading under the system's
 * directories (/usr, /etc, /lib*, fontconfig's cache).  1 when done, 0
 * when the kernel has no Landlock (nothing changed; seccomp still keeps
 * files read-only), -1 with err on another failure. */
int sandbox_landlock(char *err, size_t errlen);

#endif
