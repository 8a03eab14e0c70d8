/*
 * test_register_locks.c — opening the register never drops the locks of
 * the process's other connections.  Closing any descriptor of a file
 * drops every POSIX lock the process holds on it; reg_open used to
 * open(2) and close(2) the database to check it, which let a dlpctl
 * checkpoint and delete the WAL under the daemon's notifier (SQLite
 * "disk I/O error").  An open file description lock query looks at
 * SQLite's SHARED lock byte range before and after a second reg_open.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "register/register.h"

#define SHARED_FIRST (0x40000000 + 2)	/* SQLite's PENDING_BYTE + 2 */
#define SHARED_SIZE 510

/* 1 when SQLite's SHARED range of the database is read-locked (a
 * connection of ours holds it), else 0.  An open file description lock
 * query on fd conflicts with the process's own POSIX locks; fd stays open
 * until the connections are closed (closing it would drop their locks:
 * the very bug). */
static int
shared_locked(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
		.l_start = SHARED_FIRST, .l_len = SHARED_SIZE, .l_pid = 0 };

	assert_int_equal(fcntl(fd, F_OFD_GETLK, &fl), 0);
	return fl.l_type != F_UNLCK;
}

static void
test_second_open_keeps_locks(void **state)
{
	char dir[] = "/tmp/dlp-reglock-XXXXXX", path[256], err[512], cmd[300];
	struct reg *a, *b;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/incidents.db", dir);
	a = reg_open(path, REG_RW, err, sizeof(err));
	assert_non_null(a);
	assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(shared_locked(fd), 1);	/* WAL: a holds SHARED */
	b = reg_open(path, REG_RW, err, sizeof(err));	/* another thread's connection */
	assert_non_null(b);
	assert_int_equal(shared_locked(fd), 1);
	reg_close(b);
	assert_int_equal(shared_locked(fd), 1);	/* SQLite defers its own close */
	b = reg_open(path, REG_RO, err, sizeof(err));
	assert_non_null(b);
	reg_close(b);
	assert_int_equal(shared_locked(fd), 1);
	reg_close(a);
	assert_int_equal(shared_locked(fd), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_open_keeps_locks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
