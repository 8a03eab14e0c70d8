/*
 * seccomp.h — the system-call filter of a sandbox worker (seccomp.c).
 */
#ifndef DLP_SANDBOX_SECCOMP_H
#define DLP_SANDBOX_SECCOMP_H

/* Load the filter into this process (no_new_privs set first).  0, or -1
 * with err. */
int sandbox_seccomp_load(char *err, size_t errlen);

#endif
