/*
 * test_passwd.c — passwords of the dlp-web accounts (quarantine/passwd.h)
 * and the accounts in the register: a hash is an Argon2id string with its
 * own salt (two hashes of one password differ) that verifies the password
 * and nothing else; weak passwords are refused; a missing hash verifies
 * nothing; users and sessions round-trip, a disabled user has no session,
 * an expired session is gone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine/passwd.h"
#include "register/register.h"

static void test_hash_and_verify(void **state)
{
	char h1[PASSWD_HASH_MAX], h2[PASSWD_HASH_MAX], err[256];

	assert_int_equal(passwd_hash("correct horse battery", h1, err, sizeof(err)), 0);
	assert_int_equal(passwd_hash("correct horse battery", h2, err, sizeof(err)), 0);
	assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
	assert_string_not_equal(h1, h2);	/* salted */
	assert_null(strstr(h1, "horse"));
	assert_true(passwd_verify(h1, "correct horse battery"));
	assert_true(passwd_verify(h2, "correct horse battery"));
	assert_false(passwd_verify(h1, "correct horse batterY"));
	assert_false(passwd_verify(h1, "correct horse battery "));
	assert_false(passwd_verify(h1, ""));
	assert_false(passwd_verify(NULL, "correct horse battery"));
	assert_false(passwd_verify("$argon2id$garbage", "correct horse battery"));
}

static void test_weak(void **state)
{
	char h[PASSWD_HASH_MAX], err[256], big[PASSWD_MAX + 2];

	assert_int_equal(passwd_hash("short", h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too short"));
	assert_int_equal(passwd_hash("ten chars\x01!", h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(passwd_hash(big, h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_false(passwd_verify(NULL, big));
	assert_null(passwd_weak("ten chars!"));
}

static void test_users_and_sessions(void **state)
{
	char dir[] = "/tmp/test_passwd.XXXXXX", path[128], err[256], h[PASSWD_HASH_MAX];
	struct reg_session s;
	struct reg_user u;
	struct reg *rg;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/incidents.db", dir);
	assert_non_null(rg = reg_open(path, REG_RW, err, sizeof(err)));
	assert_int_equal(passwd_hash("correct horse battery", h, err, sizeof(err)), 0);
	assert_false(reg_user_name_ok("bad name"));
	assert_false(reg_user_name_ok("<script>"));
	assert_false(reg_user_role_ok("root"));
	assert_int_equal(reg_user_put(rg, "bad name", "admin", h, false, "t", err, sizeof(err)), -1);
	assert_int_equal(reg_user_put(rg, "alice", "superuser", h, false, "t", err, sizeof(err)), -1);
	assert_int_equal(reg_user_put(rg, "alice", "admin", h, false, "t", err, sizeof(err)), 0);
	assert_int_equal(reg_user_put(rg, "alice", "auditor", h, false, "t", err, sizeof(err)), 1);
	assert_int_equal(reg_user_get(rg, "alice", &u, err, sizeof(err)), 0);
	assert_string_equal(u.role, "admin");
	assert_true(passwd_verify(u.hash, "correct horse battery"));
	reg_user_clear(&u);
	assert_int_equal(reg_user_put(rg, "alice", "auditor", h, true, "t", err, sizeof(err)), 0);
	assert_int_equal(reg_user_get(rg, "nobody", &u, err, sizeof(err)), 1);

	assert_int_equal(reg_session_add(rg, "s1", "alice", "c1", 100, 200, err, sizeof(err)), 0);
	assert_int_equal(reg_session_get(rg, "s1", 150, &s, err, sizeof(err)), 0);
	assert_string_equal(s.user, "alice");
	assert_string_equal(s.role, "auditor");	/* the user's role now */
	assert_string_equal(s.csrf, "c1");
	assert_int_equal(reg_session_get(rg, "s1", 200, &s, err, sizeof(err)), 1);	/* expired */
	assert_int_equal(reg_session_get(rg, "s2", 150, &s, err, sizeof(err)), 1);
	assert_int_equal(reg_user_disable(rg, "alice", true, "t", err, sizeof(err)), 0);
	assert_int_equal(reg_session_get(rg, "s1", 150, &s, err, sizeof(err)), 1);
	assert_int_equal(reg_user_disable(rg, "nobody", true, "t", err, sizeof(err)), 1);
	assert_int_equal(reg_session_delete(rg, "s1", err, sizeof(err)), 0);
	reg_close(rg);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_and_verify),
		cmocka_unit_test(test_weak),
		cmocka_unit_test(test_users_and_sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
