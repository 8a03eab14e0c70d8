/*
 * link.c — signed, expiring links (see link.h), on libsodium.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "notice/link.h"
#include "register/register.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

_Static_assert(crypto_auth_hmacsha256_KEYBYTES == LINK_KEY_BYTES, "key size");

static const char *const rc_text[LINK_COUNT] = {
	[LINK_OK] = "valid",
	[LINK_BAD] = "not a valid link (altered or incomplete)",
	[LINK_WRONG_ACTION] = "a link for another action",
	[LINK_EXPIRED] = "expired",
};

const char *link_strerror(enum link_rc rc)
{
	return rc >= 0 && rc < LINK_COUNT ? rc_text[rc] : "?";
}

/* Read 64 hex digits from fd into key.  0 or -1 with err. */
static int read_key(int fd, const char *path, unsigned char key[LINK_KEY_BYTES], char *err,
    size_t errlen)
{
	char hex[2 * LINK_KEY_BYTES + 2];
	size_t got = 0, klen = 0;
	ssize_t n;

	while (got < sizeof(hex) - 1 && (n = read(fd, hex + got, sizeof(hex) - 1 - got)) > 0)
		got += (size_t)n;
	hex[got] = '\0';
	if (got < 2 * LINK_KEY_BYTES || sodium_hex2bin(key, LINK_KEY_BYTES, hex,
	    2 * LINK_KEY_BYTES, NULL, &klen, NULL) != 0 || klen != LINK_KEY_BYTES) {
		snprintf(err, errlen, "link key %s: not 64 hex digits (remove it: the register "
		    "makes a new key; links this node sent before stop working)", path);
		return -1;
	}
	sodium_memzero(hex, sizeof(hex));
	return 0;
}

/* The old per-node key file, read once to carry it into the register.
 * 0 read, 1 there is none, -1 with err. */
static int read_key_file(const char *path, unsigned char key[LINK_KEY_BYTES], char *err,
    size_t errlen)
{
	struct stat sb;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "link key %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0) {
		snprintf(err, errlen, "link key %s: readable by others (mode %04o): chmod 600 it",
		    path, (unsigned)(sb.st_mode & 07777));
		close(fd);
		return -1;
	}
	rc = read_key(fd, path, key, err, errlen);
	close(fd);
	return rc;
}

int link_key_get(struct reg *rg, const char *import, unsigned char key[LINK_KEY_BYTES],
    char *err, size_t errlen)
{
	char hex[2 * LINK_KEY_BYTES + 1];
	char got[2 * LINK_KEY_BYTES + 2];
	size_t klen = 0;
	int rc;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "link key: libsodium cannot start");
		return -1;
	}
	if ((rc = reg_secret(rg, LINK_KEY_SECRET, NULL, got, sizeof(got), err, errlen)) == 1) {
		/* None yet: this node's old file if it has one (the links it
		 * sent stay valid), else a new random key; the first node to
		 * propose wins and every node reads the winner. */
		if (!import || (rc = read_key_file(import, key, err, errlen)) == 1)
			randombytes_buf(key, LINK_KEY_BYTES);
		else if (rc < 0)
			return -1;
		sodium_bin2hex(hex, sizeof(hex), key, LINK_KEY_BYTES);
		sodium_memzero(key, LINK_KEY_BYTES);
		rc = reg_secret(rg, LINK_KEY_SECRET, hex, got, sizeof(got), err, errlen);
		sodium_memzero(hex, sizeof(hex));
	}
	if (rc != 0)
		return -1;
	if (strlen(got) != 2 * LINK_KEY_BYTES || sodium_hex2bin(key, LINK_KEY_BYTES, got,
	    2 * LINK_KEY_BYTES, NULL, &klen, NULL) != 0 || klen != LINK_KEY_BYTES) {
		sodium_memzero(got, sizeof(got));
		snprintf(err, errlen, "link key: the register's secret %s is not 64 hex digits",
		    LINK_KEY_SECRET);
		return -1;
	}
	sodium_memzero(got, sizeof(got));
	return 0;
}

static void mac_of(const unsigned char key[LINK_KEY_BYTES], const char *msg, size_t len,
    unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, len, key);
}

int link_make(const unsigned char key[LINK_KEY_BYTES], const char *incident,
    const char *action, const char *recipient, time_t expires, char *buf, size_t len)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char payload[512], enc[LINK_TOKEN_MAX];
	size_t elen;
	int n;

	if (sodium_init() < 0 || !incident || !action || !recipient ||
	    strlen(incident) >= sizeof(((struct link *)0)->incident) ||
	    strlen(action) >= sizeof(((struct link *)0)->action) ||
	    strlen(recipient) >= sizeof(((struct link *)0)->recipient) ||
	    strchr(incident, '|') || strchr(action, '|'))
		return -1;
	n = snprintf(payload, sizeof(payload), "1|%s|%s|%s|%lld", incident, action, recipient,
	    (long long)expires);
	if (n < 0 || (size_t)n >= sizeof(payload))
		return -1;
	sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)payload, (size_t)n, B64);
	elen = strlen(enc);
	mac_of(key, enc, elen, mac);
	if (elen + 2 + sodium_base64_ENCODED_LEN(sizeof(mac), B64) > len)
		return -1;
	enc[elen++] = '.';
	sodium_bin2base64(enc + elen, sizeof(enc) - elen, mac, sizeof(mac), B64);
	snprintf(buf, len, "%s", enc);
	return 0;
}

int link_url(const char *base_url, const unsigned char key[LINK_KEY_BYTES],
    const char *incident, const char *action, const char *recipient, time_t expires,
    char *buf, size_t len)
{
	char token[LINK_TOKEN_MAX];
	int n;

	if (link_make(key, incident, action, recipient, expires, token, sizeof(token)) < 0)
		return -1;
	n = snprintf(buf, len, "%slink/%s/%s", base_url, action, token);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Split the signed payload "1|incident|action|recipient|expiry" into l.
 * The recipient may hold '|' (a local part may): the fields around it are
 * taken from both ends.  0 or -1. */
static int parse_payload(char *p, struct link *l)
{
	char *f[3], *last, *end;
	long long exp;

	if (strncmp(p, "1|", 2) != 0)
		return -1;
	f[0] = p + 2;
	if (!(f[1] = strchr(f[0], '|')))
		return -1;
	*f[1]++ = '\0';
	if (!(f[2] = strchr(f[1], '|')))
		return -1;
	*f[2]++ = '\0';
	if (!(last = strrchr(f[2], '|')) || last == f[2])
		return -1;
	*last++ = '\0';
	exp = strtoll(last, &end, 10);
	if (end == last || *end || exp <= 0)
		return -1;
	if (snprintf(l->incident, sizeof(l->incident), "%s", f[0]) >= (int)sizeof(l->incident) ||
	    snprintf(l->action, sizeof(l->action), "%s", f[1]) >= (int)sizeof(l->action) ||
	    snprintf(l->recipient, sizeof(l->recipient), "%s", f[2]) >= (int)sizeof(l->recipient))
		return -1;
	l->expires = (time_t)exp;
	return 0;
}

enum link_rc link_check(const unsigned char key[LINK_KEY_BYTES], const char *token,
    const char *action, time_t now, struct link *l)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES + 4];
	char payload[512];
	const char *dot, *end;
	size_t plen = 0, mlen = 0, tlen = token ? strlen(token) : 0;

	memset(l, 0, sizeof(*l));
	if (sodium_init() < 0 || tlen == 0 || tlen >= LINK_TOKEN_MAX ||
	    !(dot = strchr(token, '.')) || strchr(dot + 1, '.'))
		return LINK_BAD;
	if (sodium_base642bin(got, sizeof(got), dot + 1, strlen(dot + 1), NULL, &mlen, &end,
	    B64) != 0 || *end || mlen != sizeof(mac))
		return LINK_BAD;
	mac_of(key, token, (size_t)(dot - token), mac);
	if (crypto_verify_32(mac, got) != 0)
		return LINK_BAD;
	if (sodium_base642bin((unsigned char *)payload, sizeof(payload) - 1, token,
	    (size_t)(dot - token), NULL, &plen, &end, B64) != 0 || end != dot)
		return LINK_BAD;
	payload[plen] = '\0';
	if (memchr(payload, '\0', plen) || parse_payload(payload, l) < 0) {
		memset(l, 0, sizeof(*l));
		return LINK_BAD;
	}
	sodium_bin2hex(l->id, sizeof(l->id), mac, sizeof(mac));
	if (!action || strcmp(action, l->action) != 0)
		return LINK_WRONG_ACTION;
	if (now >= l->expires)
		return LINK_EXPIRED;
	return LINK_OK;
}
