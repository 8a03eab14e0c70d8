/*
 * test_store.c — the durable message store: a stored message is a 0600
 * file byte-identical to the spool with nothing left in tmp/; ids are
 * checked; a failure (tmp/ not a directory, msg/ not a directory, a write
 * cut short by RLIMIT_FSIZE, an id taken) returns -1 and leaves nothing.
 * The failures are real even as root: none relies on permission bits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mime/spool.h"
#include "quarantine/store.h"

struct fx {
	char dir[64];		/* the test's root */
	char store[96];		/* <dir>/q: the store */
	char spool[96];		/* <dir>/spool: spool temp files */
};

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->store, sizeof(fx->store), "%s/q", fx->dir);
	snprintf(fx->spool, sizeof(fx->spool), "%s/spool", fx->dir);
	if (mkdir(fx->spool, 0700) < 0 || store_init(fx->store, err, sizeof(err)) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* A message of n bytes with varied content (CRLF, NUL, 8-bit). */
static struct spool *make_spool(const struct fx *fx, size_t n, size_t mem_limit)
{
	struct spool *sp = spool_new(fx->spool, mem_limit);
	unsigned char buf[4096];
	size_t done = 0, k;

	assert_non_null(sp);
	while (done < n) {
		k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		for (size_t i = 0; i < k; i++)
			buf[i] = (unsigned char)((done + i) * 131 + ((done + i) >> 9));
		assert_int_equal(spool_write(sp, buf, k), 0);
		done += k;
	}
	return sp;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static size_t count_sub(const struct fx *fx, const char *sub)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", fx->store, sub);
	return count_entries(path);
}

static void assert_stored(const struct fx *fx, const char *id, struct spool *sp)
{
	char err[256] = "", path[256], want[256];
	unsigned char *got;
	struct stat sb;
	size_t len = 0;

	store_path(fx->store, id, path, sizeof(path));
	snprintf(want, sizeof(want), "%s/msg/%s.eml", fx->store, id);
	assert_string_equal(path, want);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal((size_t)sb.st_size, spool_size(sp));
	got = store_get(fx->store, id, &len, err, sizeof(err));
	if (!got)
		fail_msg("store_get: %s", err);
	assert_int_equal(len, spool_size(sp));
	assert_memory_equal(got, spool_data(sp), len);
	free(got);
}

static void test_init_creates_private_dirs(void **state)
{
	struct fx *fx = *state;
	char err[256] = "", path[160];
	struct stat sb;
	FILE *fp;

	for (int i = 0; i < 3; i++) {
		static const char *const sub[] = { "", "/tmp", "/msg" };
		snprintf(path, sizeof(path), "%s%s", fx->store, sub[i]);
		assert_int_equal(stat(path, &sb), 0);
		assert_true(S_ISDIR(sb.st_mode));
		assert_int_equal(sb.st_mode & 0777, 0700);
	}
	assert_int_equal(store_init(fx->store, err, sizeof(err)), 0);	/* idempotent */

	snprintf(path, sizeof(path), "%s/plainfile", fx->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(store_init(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "Not a directory"));
}

static void test_put_small_and_spilled(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct spool *small = make_spool(fx, 3000, 1 << 20);
	struct spool *big = make_spool(fx, 3 << 20, 64 << 10);	/* spills to a temp file */

	assert_true(spool_in_memory(small));
	assert_false(spool_in_memory(big));
	if (store_put(fx->store, "20261125-K3M9QX", small, err, sizeof(err)) < 0)
		fail_msg("store_put: %s", err);
	if (store_put(fx->store, "20261125-BIG777", big, err, sizeof(err)) < 0)
		fail_msg("store_put: %s", err);
	assert_stored(fx, "20261125-K3M9QX", small);
	assert_stored(fx, "20261125-BIG777", big);
	assert_int_equal(count_sub(fx, "tmp"), 0);
	assert_int_equal(count_sub(fx, "msg"), 2);
	spool_free(small);
	spool_free(big);
}

static void test_id_taken_keeps_first(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct spool *a = make_spool(fx, 1000, 1 << 20);
	struct spool *b = make_spool(fx, 2000, 1 << 20);

	assert_int_equal(store_put(fx->store, "20261125-SAME22", a, err, sizeof(err)), 0);
	assert_int_equal(store_put(fx->store, "20261125-SAME22", b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists"));
	assert_stored(fx, "20261125-SAME22", a);
	assert_int_equal(count_sub(fx, "tmp"), 0);
	spool_free(a);
	spool_free(b);
}

static void test_invalid_ids(void **state)
{
	static const char *const bad[] = { "../evil", "20261125-abcdef", "A/B", "", "A.B",
	    "20261125-K3M9QX-20261125-K3M9QXY", "A B", NULL };
	struct fx *fx = *state;
	char err[256] = "";
	struct spool *sp = make_spool(fx, 100, 1 << 20);
	size_t len;

	for (size_t i = 0; bad[i]; i++) {
		err[0] = '\0';
		assert_int_equal(store_put(fx->store, bad[i], sp, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "invalid incident id"));
		assert_null(store_get(fx->store, bad[i], &len, err, sizeof(err)));
		assert_int_equal(store_remove(fx->store, bad[i], err, sizeof(err)), -1);
	}
	assert_int_equal(store_put(fx->store, NULL, sp, err, sizeof(err)), -1);
	assert_int_equal(count_sub(fx, "tmp"), 0);
	assert_int_equal(count_sub(fx, "msg"), 0);
	assert_int_equal(count_entries(fx->dir), 2);	/* q and spool only */
	spool_free(sp);
}

/* Replace store subdirectory sub by a regular file. */
static void make_sub_a_file(const struct fx *fx, const char *sub)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fx->store, sub);
	assert_int_equal(rmdir(path), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
}

static void test_tmp_not_a_directory(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct spool *sp = make_spool(fx, 5000, 1 << 20);

	make_sub_a_file(fx, "tmp");
	assert_int_equal(store_put(fx->store, "20261125-TMPBAD", sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/tmp/20261125-TMPBAD.eml"));
	assert_non_null(strstr(err, "Not a directory"));
	assert_int_equal(count_sub(fx, "msg"), 0);
	spool_free(sp);
}

static void test_msg_not_a_directory(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct spool *sp = make_spool(fx, 5000, 1 << 20);

	/* tmp/<id>.eml is written and fsync'ed, then the rename fails: the
	 * tmp file must be removed. */
	make_sub_a_file(fx, "msg");
	assert_int_equal(store_put(fx->store, "20261125-MSGBAD", sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot move"));
	assert_int_equal(count_sub(fx, "tmp"), 0);
	spool_free(sp);
}

/* A write that fails half way: RLIMIT_FSIZE holds for root too.  Run in a
 * child so the limit does not reach the rest of the tests. */
static void test_write_cut_short(void **state)
{
	struct fx *fx = *state;
	struct spool *sp = make_spool(fx, 200000, 1 << 20);
	int fds[2], status;
	char err[256] = "";
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 65536, .rlim_max = RLIM_INFINITY };
		int rc;
		close(fds[0]);
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(3);
		rc = store_put(fx->store, "20261125-FULL22", sp, err, sizeof(err));
		spool_free(sp);
		if (write(fds[1], err, sizeof(err)) != (ssize_t)sizeof(err))
			_exit(4);
		_exit(rc == -1 ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], err, sizeof(err)), (ssize_t)sizeof(err));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(strstr(err, "cannot write"));
	assert_non_null(strstr(err, "File too large"));
	assert_int_equal(count_sub(fx, "tmp"), 0);
	assert_int_equal(count_sub(fx, "msg"), 0);
	spool_free(sp);
}

static void test_get_and_remove(void **state)
{
	struct fx *fx = *state;
	char err[256] = "";
	struct spool *sp = make_spool(fx, 10, 1 << 20);
	size_t len = 99;

	assert_null(store_get(fx->store, "20261125-NOSUCH", &len, err, sizeof(err)));
	assert_non_null(strstr(err, "no stored message for 20261125-NOSUCH"));
	assert_int_equal(len, 99);
	assert_int_equal(store_put(fx->store, "20261125-GONE22", sp, err, sizeof(err)), 0);
	assert_int_equal(store_remove(fx->store, "20261125-GONE22", err, sizeof(err)), 0);
	assert_int_equal(count_sub(fx, "msg"), 0);
	/* Missing is not an error. */
	assert_int_equal(store_remove(fx->store, "20261125-GONE22", err, sizeof(err)), 0);
	spool_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_creates_private_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_small_and_spilled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_taken_keeps_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmp_not_a_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msg_not_a_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_cut_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_and_remove, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
