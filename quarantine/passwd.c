/*
 * passwd.c — password hashing on libsodium (see passwd.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "quarantine/passwd.h"

_Static_assert(crypto_pwhash_STRBYTES <= PASSWD_HASH_MAX, "PASSWD_HASH_MAX too small");

const char *passwd_weak(const char *pw)
{
	size_t n = pw ? strlen(pw) : 0;

	if (n < PASSWD_MIN)
		return "too short (at least 10 characters)";
	if (n > PASSWD_MAX)
		return "too long (at most 256 bytes)";
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "control characters are not allowed";
	return NULL;
}

int passwd_hash(const char *pw, char out[PASSWD_HASH_MAX], char *err, size_t errlen)
{
	const char *why = passwd_weak(pw);

	if (why) {
		snprintf(err, errlen, "password %s", why);
		return -1;
	}
	if (sodium_init() < 0 || crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		snprintf(err, errlen, "password hash: out of memory");
		return -1;
	}
	return 0;
}

/* A hash of a password nobody knows, made once: verifying against it costs
 * what a real verification costs. */
static char dummy[PASSWD_HASH_MAX];
static void make_dummy(void)
{
	unsigned char rnd[24];
	char pw[64];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(pw, sizeof(pw), rnd, sizeof(rnd));
	if (crypto_pwhash_str(dummy, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy[0] = '\0';
}

bool passwd_verify(const char *hash, const char *pw)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	bool ok;

	if (sodium_init() < 0 || !pw || strlen(pw) > PASSWD_MAX)
		return false;
	if (!hash) {
		pthread_once(&once, make_dummy);
		ok = dummy[0] && crypto_pwhash_str_verify(dummy, pw, strlen(pw)) == 0;
		return ok && false;
	}
	ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
	return ok;
}
