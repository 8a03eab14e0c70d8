/*
 * passwd.h — passwords of the dlp-web accounts: libsodium's
 * crypto_pwhash_str (Argon2id, memory-hard, salt and parameters in the
 * string it returns), at the "interactive" limits (64 MiB, 2 passes).
 */
#ifndef DLP_PASSWD_H
#define DLP_PASSWD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWD_MIN 10		/* characters (bytes) a password has at least */
#define PASSWD_MAX 256		/* and at most */
#define PASSWD_HASH_MAX 128	/* crypto_pwhash_STRBYTES */

/* Why pw is not acceptable (too short, too long, control characters), or
 * NULL when it is. */
const char *passwd_weak(const char *pw);
/* Hash pw into out[PASSWD_HASH_MAX].  0, or -1 with err (weak password,
 * out of memory). */
int passwd_hash(const char *pw, char out[PASSWD_HASH_MAX], char *err, size_t errlen);
/* true when pw matches hash.  With hash NULL it spends the same time on a
 * dummy hash and says false, so an unknown name cannot be told by time. */
bool passwd_verify(const char *hash, const char *pw);

#endif
