/*
 * link.h — the signed links of the notices (dlp-web answers them).
 *
 * A link is BASE_URL "link/" ACTION "/" TOKEN, where TOKEN is
 *   base64url("1|" incident "|" action "|" recipient "|" expiry) "." base64url(mac)
 * and mac = HMAC-SHA256 (libsodium crypto_auth_hmacsha256) of the part
 * before the dot under a 32-byte key.  The key is the register's
 * (link_key_get), made by the first program that needs it (dlp-web at
 * its start, else the notifier), so two at once agree on one key and
 * every node on a shared register uses it.  Anyone who changes a
 * character of the token gets LINK_BAD; the expiry and the action are
 * inside the signature.  Single use is the register's (reg_link_use,
 * keyed by link.id, the mac in hex).
 */
#ifndef DLP_LINK_H
#define DLP_LINK_H

#include <stddef.h>
#include <time.h>

#define LINK_KEY_BYTES 32
#define LINK_KEY_FILE "web-link.key"	/* the old per-node key, imported */
#define LINK_KEY_SECRET "link_key"
#define LINK_TOKEN_MAX 1200	/* a token, with a recipient of 320 bytes */

enum link_rc {
	LINK_OK,
	LINK_BAD,		/* malformed, or the signature does not match: altered */
	LINK_WRONG_ACTION,	/* signed for another action than the page it was opened on */
	LINK_EXPIRED,
	LINK_COUNT
};

const char *link_strerror(enum link_rc rc);

struct link {
	char incident[32];
	char action[16];	/* cancel | justify | approve | reject */
	char recipient[321];	/* whom the link was sent to */
	time_t expires;
	char id[65];		/* the mac in hex: the key of its single use */
};

struct reg;

/* The key, kept in the register as the secret LINK_KEY_SECRET (64 hex
 * digits), so that every node on one register (PostgreSQL: several MTAs
 * and consoles) signs and checks with the same key.  When the register
 * has none, the first caller stores one: the file import (the per-node
 * var_dir/web-link.key of earlier versions, 0600) when it exists, else a
 * random key; of two callers at once one wins and both get its key.
 * 0, or -1 with err (an import file readable by others or not 64 hex
 * digits is an error: chmod or remove it). */
int link_key_get(struct reg *rg, const char *import, unsigned char key[LINK_KEY_BYTES],
    char *err, size_t errlen);

/* The token for (incident, action, recipient, expires) into buf.  0, or
 * -1 when a field is too long or holds '|' (incident, action). */
int link_make(const unsigned char key[LINK_KEY_BYTES], const char *incident,
    const char *action, const char *recipient, time_t expires, char *buf, size_t len);
/* base_url + "link/" + action + "/" + token into buf.  0 or -1. */
int link_url(const char *base_url, const unsigned char key[LINK_KEY_BYTES],
    const char *incident, const char *action, const char *recipient, time_t expires,
    char *buf, size_t len);
/* Check token for a page of action at now: the signature first, then the
 * action, then the expiry.  *l is filled whenever the signature is good. */
enum link_rc link_check(const unsigned char key[LINK_KEY_BYTES], const char *token,
    const char *action, time_t now, struct link *l);

#endif
