/*
 * seccomp.c — what a sandbox worker may ask of the kernel, once its
 * libraries are loaded and its engine is built.
 *
 * Allowed: reading and writing descriptors it holds (its socket, files it
 * opened), opening files read-only (poppler's CMaps and unicode tables,
 * iconv modules, fontconfig data: these are read lazily, for the first
 * Japanese PDF; Tesseract's traineddata, for the first image), memory
 * management, futexes, signals to itself, time and
 * rlimits of itself, exit.  Killed outright: anything that makes a socket
 * or a connection, runs a program, traces or writes another process.
 * Anything else fails with EPERM: opening a file for writing, creating,
 * renaming or removing one, making a thread or a process, changing owner
 * or mode — so the register and the quarantine (SQLite files, message
 * files) cannot be changed, and nothing read can leave but by the socket
 * to the daemon, which takes only the reply format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox/seccomp.h"

static const char *const allowed[] = {
	"read", "readv", "pread64", "write", "writev", "sendto", "sendmsg", "recvfrom",
	"recvmsg", "lseek", "close", "fstat", "newfstatat", "stat", "lstat", "statx",
	"getdents64", "fcntl", "dup", "dup3", "readlink", "readlinkat", "access",
	"faccessat", "faccessat2", "poll", "ppoll", "select", "pselect6",
	"mmap", "munmap", "mremap", "mprotect", "brk", "madvise", "mlock", "munlock",
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", "rseq", "membarrier",
	"set_tid_address", "sched_yield", "sched_getaffinity", "getcpu",
	"rt_sigreturn", "rt_sigaction", "rt_sigprocmask", "sigaltstack",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getppid",
	"getrusage", "getrlimit", "prlimit64", "setrlimit", "uname", "sysinfo",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time", "getrandom", "exit", "exit_group", "restart_syscall", NULL
};

static const char *const killed[] = {
	"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
	"execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
	"kexec_load", "init_module", "finit_module", "mount", "setuid", "setgid", NULL
};

static int
rule(scmp_filter_ctx ctx, uint32_t action, const char *name, char *err, size_t errlen,
    unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name), rc;

	if (nr == __NR_SCMP_ERROR)
		return 0;		/* not on this architecture */
	rc = n ? seccomp_rule_add_array(ctx, action, nr, n, cmp) : seccomp_rule_add(ctx, action,
	    nr, 0);
	if (rc < 0) {
		snprintf(err, errlen, "seccomp rule %s: %s", name, strerror(-rc));
		return -1;
	}
	return 0;
}

int
sandbox_seccomp_load(char *err, size_t errlen)
{
	/* open(2) and openat(2) only without write access, creation or truncation */
	const int wr = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE;
	struct scmp_arg_cmp ro_openat = SCMP_A2(SCMP_CMP_MASKED_EQ, (scmp_datum_t)wr, 0);
	struct scmp_arg_cmp ro_open = SCMP_A1(SCMP_CMP_MASKED_EQ, (scmp_datum_t)wr, 0);
	struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
	scmp_filter_ctx ctx;
	int rc = -1;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (!(ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM)))) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; allowed[i]; i++)
		if (rule(ctx, SCMP_ACT_ALLOW, allowed[i], err, errlen, 0, NULL) < 0)
			goto done;
	for (size_t i = 0; killed[i]; i++)
		if (rule(ctx, SCMP_ACT_KILL_PROCESS, killed[i], err, errlen, 0, NULL) < 0)
			goto done;
	if (rule(ctx, SCMP_ACT_ALLOW, "openat", err, errlen, 1, &ro_openat) < 0 ||
	    rule(ctx, SCMP_ACT_ALLOW, "open", err, errlen, 1, &ro_open) < 0 ||
	    rule(ctx, SCMP_ACT_ALLOW, "kill", err, errlen, 1, &self) < 0 ||
	    rule(ctx, SCMP_ACT_ALLOW, "tgkill", err, errlen, 1, &self) < 0)
		goto done;
	if ((rc = seccomp_load(ctx)) < 0)
		snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
	rc = rc < 0 ? -1 : 0;
done:
	seccomp_release(ctx);
	return rc;
}
