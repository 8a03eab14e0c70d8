/*
 * test_link.c — the signed links of the notices (notice/link.h): a link
 * made is accepted for its action until it expires; a changed character
 * anywhere, another key, another action, a truncated or padded token are
 * refused; the key is the register's, made once, an old key file carried
 * in; a
 * recipient with '|' survives; the register marks a link used once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notice/link.h"
#include "register/register.h"

static const unsigned char KEY[LINK_KEY_BYTES] = "0123456789abcdef0123456789abcdef";
static const unsigned char KEY2[LINK_KEY_BYTES] = "0123456789abcdef0123456789abcdeF";

static void test_round_trip(void **state)
{
	char tok[LINK_TOKEN_MAX];
	struct link l;

	assert_int_equal(link_make(KEY, "20261206-ABCDEF", "cancel", "kakari@example.go.jp",
	    2000000000, tok, sizeof(tok)), 0);
	assert_int_equal(link_check(KEY, tok, "cancel", 1900000000, &l), LINK_OK);
	assert_string_equal(l.incident, "20261206-ABCDEF");
	assert_string_equal(l.action, "cancel");
	assert_string_equal(l.recipient, "kakari@example.go.jp");
	assert_int_equal(l.expires, 2000000000);
	assert_int_equal(strlen(l.id), 64);
	/* URL-safe: nothing that needs quoting in a mail or a path. */
	assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_."), strlen(tok));
}

static void test_expiry_and_action(void **state)
{
	char tok[LINK_TOKEN_MAX];
	struct link l;

	assert_int_equal(link_make(KEY, "20261206-ABCDEF", "justify", "a@example.go.jp", 1000,
	    tok, sizeof(tok)), 0);
	assert_int_equal(link_check(KEY, tok, "justify", 999, &l), LINK_OK);
	assert_int_equal(link_check(KEY, tok, "justify", 1000, &l), LINK_EXPIRED);
	assert_int_equal(link_check(KEY, tok, "cancel", 999, &l), LINK_WRONG_ACTION);
	assert_int_equal(link_check(KEY, tok, NULL, 999, &l), LINK_WRONG_ACTION);
}

/* Every single-character change of the token, and another key, fail. */
static void test_altered(void **state)
{
	char tok[LINK_TOKEN_MAX], bad[LINK_TOKEN_MAX];
	struct link l;
	size_t n;

	assert_int_equal(link_make(KEY, "20261206-ABCDEF", "cancel", "a@example.go.jp",
	    2000000000, tok, sizeof(tok)), 0);
	n = strlen(tok);
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, tok, n + 1);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(link_check(KEY, bad, "cancel", 1, &l), LINK_BAD);
		assert_string_equal(l.incident, "");
	}
	assert_int_equal(link_check(KEY2, tok, "cancel", 1, &l), LINK_BAD);
	memcpy(bad, tok, n + 1);
	bad[n - 1] = '\0';
	assert_int_equal(link_check(KEY, bad, "cancel", 1, &l), LINK_BAD);
	snprintf(bad, sizeof(bad), "%sA", tok);
	assert_int_equal(link_check(KEY, bad, "cancel", 1, &l), LINK_BAD);
	snprintf(bad, sizeof(bad), "%s.x", tok);
	assert_int_equal(link_check(KEY, bad, "cancel", 1, &l), LINK_BAD);
	assert_int_equal(link_check(KEY, "", "cancel", 1, &l), LINK_BAD);
	assert_int_equal(link_check(KEY, ".", "cancel", 1, &l), LINK_BAD);
	assert_int_equal(link_check(KEY, NULL, "cancel", 1, &l), LINK_BAD);
}

static void test_fields(void **state)
{
	char tok[LINK_TOKEN_MAX], url[2048], big[400];
	struct link l;

	assert_int_equal(link_make(KEY, "20261206-ABCDEF", "cancel", "odd|name@example.go.jp",
	    2000000000, tok, sizeof(tok)), 0);
	assert_int_equal(link_check(KEY, tok, "cancel", 1, &l), LINK_OK);
	assert_string_equal(l.recipient, "odd|name@example.go.jp");
	assert_int_equal(link_make(KEY, "ID|X", "cancel", "a@b", 2, tok, sizeof(tok)), -1);
	assert_int_equal(link_make(KEY, "ID", "can|cel", "a@b", 2, tok, sizeof(tok)), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(link_make(KEY, "ID", "cancel", big, 2, tok, sizeof(tok)), -1);
	assert_int_equal(link_make(KEY, "ID", "cancel", "a@b", 2, tok, 10), -1);
	assert_int_equal(link_url("https://dlp.example.go.jp/web/", KEY, "20261206-ABCDEF",
	    "cancel", "a@b", 2000000000, url, sizeof(url)), 0);
	assert_int_equal(strncmp(url, "https://dlp.example.go.jp/web/link/cancel/", 42), 0);
	assert_int_equal(link_check(KEY, url + 42, "cancel", 1, &l), LINK_OK);
}

static void write_key(const char *path, const char *text, mode_t mode)
{
	FILE *fp;

	unlink(path);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

/* The key is the register's: made once, the same for a second handle on
 * the same register and for a caller whose own file differs; an old
 * per-node file is carried in when the register has none yet, and one
 * readable by others or not hex is refused. */
static void test_key_in_register(void **state)
{
	char dir[] = "/tmp/test_link.XXXXXX", db[128], db2[128], file[128], err[256];
	unsigned char k1[LINK_KEY_BYTES], k2[LINK_KEY_BYTES], want[LINK_KEY_BYTES];
	struct reg *rg, *rg2;

	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/incidents.db", dir);
	snprintf(db2, sizeof(db2), "%s/other.db", dir);
	snprintf(file, sizeof(file), "%s/web-link.key", dir);
	assert_non_null(rg = reg_open(db, REG_RW, err, sizeof(err)));
	assert_non_null(rg2 = reg_open(db, REG_RW, err, sizeof(err)));
	assert_int_equal(link_key_get(rg, file, k1, err, sizeof(err)), 0);	/* no file: random */
	assert_int_equal(access(file, F_OK), -1);				/* and none made */
	write_key(file, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
	    0600);
	assert_int_equal(link_key_get(rg2, file, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));	/* the register's, not the file's */
	assert_int_equal(link_key_get(rg, NULL, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	reg_close(rg2);
	reg_close(rg);

	/* a register without a key takes this node's old file */
	assert_non_null(rg = reg_open(db2, REG_RW, err, sizeof(err)));
	memcpy(want, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff"
	    "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", sizeof(want));
	chmod(file, 0644);
	assert_int_equal(link_key_get(rg, file, k2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 600"));
	write_key(file, "not hex\n", 0600);
	assert_int_equal(link_key_get(rg, file, k2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "64 hex digits"));
	write_key(file, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
	    0600);
	assert_int_equal(link_key_get(rg, file, k2, err, sizeof(err)), 0);
	assert_memory_equal(k2, want, sizeof(want));
	unlink(file);
	assert_int_equal(link_key_get(rg, file, k1, err, sizeof(err)), 0);	/* kept */
	assert_memory_equal(k1, want, sizeof(want));
	reg_close(rg);
	snprintf(db, sizeof(db), "rm -rf %s", dir);
	assert_int_equal(system(db), 0);
}

/* Single use is the register's: the second use of one id says 1. */
static void test_single_use(void **state)
{
	char dir[] = "/tmp/test_link.XXXXXX", path[128], err[256];
	struct reg *rg;
	time_t when = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/incidents.db", dir);
	assert_non_null(rg = reg_open(path, REG_RW, err, sizeof(err)));
	assert_int_equal(reg_link_used(rg, "abc", &when, err, sizeof(err)), 0);
	assert_int_equal(reg_link_use(rg, "abc", "20261206-ABCDEF", "cancel", 1234, err,
	    sizeof(err)), 0);
	assert_int_equal(reg_link_use(rg, "abc", "20261206-ABCDEF", "cancel", 1235, err,
	    sizeof(err)), 1);
	assert_int_equal(reg_link_used(rg, "abc", &when, err, sizeof(err)), 1);
	assert_int_equal(when, 1234);
	assert_int_equal(reg_link_used(rg, "abd", NULL, err, sizeof(err)), 0);
	reg_close(rg);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_expiry_and_action),
		cmocka_unit_test(test_altered),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_key_in_register),
		cmocka_unit_test(test_single_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
