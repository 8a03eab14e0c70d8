/*
 * series.c — the register's front for the counters across messages
 * (register.h, reg_series_*): checks, hashes, then the backend.
 *
 * Every value is stored as BLAKE2b-128 (libsodium's crypto_generichash)
 * under the register's own random key, with a one-letter domain ("f"
 * sender, "k" series key, "r" recipient, "m" message) so that equal
 * strings of two kinds never meet.  The key is made once (randombytes) and
 * kept as the register's secret "series" (reg_secret): a dump of the series tables alone tells neither
 * an address nor a subject, and without the key a guessed address cannot
 * be checked against it.  (Who holds the whole database holds the key
 * too: the register's own access control is what protects it.)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "register/backend.h"

#define HOUR 3600

static int
need(const struct reg *rg, char *err, size_t errlen)
{
	if (rg->be->secret && rg->be->series_count && rg->be->series_add)
		return 0;
	snprintf(err, errlen, "register backend %s has no series tables", rg->be->name);
	return -1;
}

/* hex(BLAKE2b-128(key, dom ‖ 0 ‖ s)), s case folded when fold. */
static void
hash_hex(const unsigned char key[32], char dom, const char *s, bool fold, char out[33])
{
	crypto_generichash_state st;
	unsigned char h[16], buf[256];
	size_t n = strlen(s);

	crypto_generichash_init(&st, key, 32, sizeof(h));
	buf[0] = (unsigned char)dom;
	buf[1] = 0;
	crypto_generichash_update(&st, buf, 2);
	while (n > 0) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		for (size_t i = 0; i < k; i++)
			buf[i] = fold ? (unsigned char)tolower((unsigned char)s[i]) :
			    (unsigned char)s[i];
		crypto_generichash_update(&st, buf, k);
		s += k;
		n -= k;
	}
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, 33, h, sizeof(h));
}

/* The register's key (made on first use).  0 or -1 with err. */
static int
secret(struct reg *rg, unsigned char key[32], char *err, size_t errlen)
{
	unsigned char fresh[32];
	char fhex[65], khex[65];
	size_t n = 0;

	int rc;

	/* read first: proposing is a write, needed once per register */
	if ((rc = reg_secret(rg, "series", NULL, khex, sizeof(khex), err, errlen)) == 1) {
		randombytes_buf(fresh, sizeof(fresh));
		sodium_bin2hex(fhex, sizeof(fhex), fresh, sizeof(fresh));
		sodium_memzero(fresh, sizeof(fresh));
		rc = reg_secret(rg, "series", fhex, khex, sizeof(khex), err, errlen);
		sodium_memzero(fhex, sizeof(fhex));
	}
	if (rc != 0)
		return -1;
	if (sodium_hex2bin(key, 32, khex, strlen(khex), NULL, &n, NULL) != 0 || n != 32) {
		snprintf(err, errlen, "register: the secret series is no 32-byte key");
		return -1;
	}
	return 0;
}

int reg_series_prepare(struct reg *rg, char *err, size_t errlen)
{
	unsigned char key[32];
	int rc;

	if (need(rg, err, errlen) == -1)
		return -1;
	rc = secret(rg, key, err, errlen);
	sodium_memzero(key, sizeof(key));
	return rc;
}

void reg_series_rows_free(struct reg_series_rows *r)
{
	free(r->keys);
	free(r->rcpts);
	r->keys = NULL;
	r->rcpts = NULL;
}

void reg_series_at(struct reg_series_rows *r, time_t now, long window)
{
	r->now = now;
	r->since = now - window;
	r->hour_since = now - HOUR;
}

char *reg_series_join(char (*v)[33], size_t n)
{
	char *s = malloc(n * 32 + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		memcpy(s + 32 * i, v[i], 32);
	s[n * 32] = '\0';
	return s;
}

/* s (32 hex digits each) into *v, *n of them. */
static int
split(const char *s, char (**v)[33], size_t *n)
{
	size_t len = s ? strlen(s) : 0;

	*n = 0;
	if (len % 32 != 0 || strspn(s ? s : "", "0123456789abcdef") != len)
		return -1;
	if (!(*v = calloc(len / 32 ? len / 32 : 1, sizeof(**v))))
		return -1;
	for (size_t i = 0; i < len / 32; i++) {
		memcpy((*v)[i], s + 32 * i, 32);
		(*v)[i][32] = '\0';
	}
	*n = len / 32;
	return 0;
}

int reg_series_split(struct reg_series_rows *r, const char *keys, const char *rcpts,
    char *err, size_t errlen)
{
	r->keys = NULL;
	r->rcpts = NULL;
	if (split(keys, &r->keys, &r->nkeys) == 0 && split(rcpts, &r->rcpts, &r->nrcpts) == 0)
		return 0;
	reg_series_rows_free(r);
	snprintf(err, errlen, "register: series_held: not a list of hashes");
	return -1;
}

/* m hashed into r (recipients distinct).  0 or -1 with err, r freed. */
static int
rows_make(struct reg *rg, const struct reg_series_msg *m, struct reg_series_rows *r,
    char *err, size_t errlen)
{
	unsigned char key[32];
	size_t nk = m->nkeys < REG_SERIES_KEYS ? m->nkeys : REG_SERIES_KEYS;

	memset(r, 0, sizeof(*r));
	if (m->window <= 0 || m->max_rows <= 0) {
		snprintf(err, errlen, "register: series window and max_rows must be positive");
		return -1;
	}
	if (need(rg, err, errlen) == -1 || secret(rg, key, err, errlen) == -1)
		return -1;
	r->keys = calloc(nk ? nk : 1, sizeof(*r->keys));
	r->rcpts = calloc(m->nrcpts ? m->nrcpts : 1, sizeof(*r->rcpts));
	if (!r->keys || !r->rcpts) {
		reg_series_rows_free(r);
		sodium_memzero(key, sizeof(key));
		snprintf(err, errlen, "register: out of memory");
		return -1;
	}
	hash_hex(key, 'f', m->sender ? m->sender : "", true, r->sender);
	hash_hex(key, 'm', m->msg ? m->msg : "", false, r->msg);
	for (size_t i = 0; i < nk; i++)
		hash_hex(key, 'k', m->keys[i], false, r->keys[r->nkeys++]);
	for (size_t i = 0; i < m->nrcpts; i++) {
		char h[33];
		size_t j;

		hash_hex(key, 'r', m->rcpts[i], true, h);
		for (j = 0; j < r->nrcpts && strcmp(r->rcpts[j], h) != 0; j++)
			;
		if (j == r->nrcpts)
			memcpy(r->rcpts[r->nrcpts++], h, sizeof(h));
	}
	sodium_memzero(key, sizeof(key));
	r->bytes = m->bytes;
	reg_series_at(r, m->now, m->window);
	r->max_rows = m->max_rows;
	return 0;
}

int reg_series_count(struct reg *rg, const struct reg_series_msg *m,
    struct reg_series_counts *c, char *err, size_t errlen)
{
	struct reg_series_rows r;
	int rc;

	memset(c, 0, sizeof(*c));
	if (rows_make(rg, m, &r, err, errlen) == -1)
		return -1;
	rc = rg->be->series_count(rg, &r, c, err, errlen);
	reg_series_rows_free(&r);
	return rc;
}

int reg_series_add(struct reg *rg, const struct reg_series_msg *m, char *err, size_t errlen)
{
	struct reg_series_rows r;
	int rc;

	if (m->nrcpts == 0)
		return 0;	/* nothing went outside: nothing to remember */
	if (rows_make(rg, m, &r, err, errlen) == -1)
		return -1;
	rc = rg->be->series_add(rg, &r, err, errlen);
	reg_series_rows_free(&r);
	return rc;
}

static int
need_held(const struct reg *rg, char *err, size_t errlen)
{
	if (rg->be->series_hold && rg->be->series_release)
		return 0;
	snprintf(err, errlen, "register backend %s has no series_held table", rg->be->name);
	return -1;
}

int reg_series_hold(struct reg *rg, const char *incident, const struct reg_series_msg *m,
    char *err, size_t errlen)
{
	struct reg_series_rows r;
	int rc;

	if (m->nrcpts == 0)
		return 0;	/* would reach nobody outside: nothing to remember */
	if (need_held(rg, err, errlen) == -1 || rows_make(rg, m, &r, err, errlen) == -1)
		return -1;
	rc = rg->be->series_hold(rg, incident, &r, err, errlen);
	reg_series_rows_free(&r);
	return rc;
}

int reg_series_released(struct reg *rg, const char *incident, time_t now, char *err,
    size_t errlen)
{
	if (need_held(rg, err, errlen) == -1)
		return -1;
	return rg->be->series_release(rg, incident, now, err, errlen);
}
