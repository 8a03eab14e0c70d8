/*
 * test_spool.c — the message spool: memory, then an unnamed temp file;
 * the mapped view and copy_to give back exactly the bytes written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mime/spool.h"

/* Entries in dir other than . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char *
make_tmpdir(void)
{
	char tmpl[] = "/tmp/test_spool.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

/* Deterministic bytes, all 256 values, NULs included. */
static void
fill(unsigned char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (unsigned char)(seed >> 16);
	}
}

static void
test_memory_then_file(void **state)
{
	char *dir = make_tmpdir();
	struct spool *sp = spool_new(dir, 100);
	unsigned char a[60], b[80];
	const unsigned char *v;

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	assert_non_null(sp);
	assert_int_equal(spool_write(sp, a, sizeof(a)), 0);
	assert_true(spool_in_memory(sp));
	v = spool_data(sp);
	assert_non_null(v);
	assert_memory_equal(v, a, sizeof(a));

	assert_int_equal(spool_write(sp, b, sizeof(b)), 0);	/* 140 > 100 */
	assert_false(spool_in_memory(sp));
	assert_int_equal(spool_size(sp), sizeof(a) + sizeof(b));
	v = spool_data(sp);
	assert_non_null(v);
	assert_memory_equal(v, a, sizeof(a));
	assert_memory_equal(v + sizeof(a), b, sizeof(b));
	/* the temp file has no name in the directory */
	assert_int_equal(count_entries(dir), 0);

	/* writing after a view was taken: the next view has it all */
	assert_int_equal(spool_write(sp, a, sizeof(a)), 0);
	v = spool_data(sp);
	assert_non_null(v);
	assert_int_equal(spool_size(sp), 200);
	assert_memory_equal(v + 140, a, sizeof(a));
	spool_free(sp);
	rmdir(dir);
	free(dir);
}

/* Copy sp to a fresh temp file and compare with want[0..n). */
static void
check_copy(struct spool *sp, const unsigned char *want, size_t n)
{
	char path[] = "/tmp/test_spool_copy.XXXXXX";
	int fd = mkstemp(path);
	unsigned char *got = malloc(n + 1);
	ssize_t r;

	assert_true(fd >= 0);
	assert_non_null(got);
	assert_int_equal(spool_copy_to(sp, fd), 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)n);
	r = pread(fd, got, n + 1, 0);
	assert_int_equal(r, (ssize_t)n);
	assert_memory_equal(got, want, n);
	close(fd);
	unlink(path);
	free(got);
}

static void
test_copy_identical(void **state)
{
	size_t n = 3 * 1024 * 1024 + 17;
	unsigned char *data = malloc(n);
	struct spool *mem = spool_new("/tmp", n + 1), *file = spool_new("/tmp", 4096);
	const unsigned char *v;

	assert_non_null(data);
	fill(data, n, 7);
	/* uneven chunks, as an MTA sends them */
	for (size_t off = 0, k = 1; off < n; off += k, k = k * 3 % 70001 + 1) {
		size_t len = off + k > n ? n - off : k;

		assert_int_equal(spool_write(mem, data + off, len), 0);
		assert_int_equal(spool_write(file, data + off, len), 0);
	}
	assert_true(spool_in_memory(mem));
	assert_false(spool_in_memory(file));
	check_copy(mem, data, n);
	check_copy(file, data, n);
	v = spool_data(file);
	assert_non_null(v);
	assert_memory_equal(v, data, n);
	spool_free(mem);
	spool_free(file);
	free(data);
}

static void
test_empty_and_dir_created(void **state)
{
	char *dir = make_tmpdir();
	char sub[512];
	struct spool *sp;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/spool", dir);
	sp = spool_new(sub, 0);		/* every byte goes to a file */
	assert_non_null(sp);
	assert_int_equal(spool_size(sp), 0);
	assert_non_null(spool_data(sp));
	check_copy(sp, (const unsigned char *)"", 0);
	assert_int_equal(spool_write(sp, "x", 1), 0);
	assert_false(spool_in_memory(sp));
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(count_entries(sub), 0);
	assert_memory_equal(spool_data(sp), "x", 1);
	spool_free(sp);
	rmdir(sub);
	rmdir(dir);
	free(dir);
}

static void
test_unwritable_dir_fails(void **state)
{
	struct spool *sp = spool_new("/proc/no/such/dir", 8);

	assert_non_null(sp);
	assert_int_equal(spool_write(sp, "12345678", 8), 0);	/* fits in memory */
	errno = 0;
	assert_int_equal(spool_write(sp, "9", 1), -1);
	assert_int_not_equal(errno, 0);
	/* what was written stays whole */
	assert_true(spool_in_memory(sp));
	assert_int_equal(spool_size(sp), 8);
	assert_memory_equal(spool_data(sp), "12345678", 8);
	spool_free(sp);
	spool_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_then_file),
		cmocka_unit_test(test_copy_identical),
		cmocka_unit_test(test_empty_and_dir_created),
		cmocka_unit_test(test_unwritable_dir_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
