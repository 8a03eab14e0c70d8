/*
 * digest.c — SHA-256 with OpenSSL's libcrypto (EVP).
 *
 * libsodium's crypto_hash_sha256 is portable C: 55 instructions a byte,
 * 4–5 ms of CPU for a 1.5 MB attachment, more than the MIME parse and the
 * base64 decoding of it together.  libcrypto (loaded anyway, by libpq and
 * libcurl) picks its SHA-NI or AVX2 code at run time: 0.9 ms for the same
 * bytes, the same 32 bytes out (a series key made before is the same
 * key).  The algorithm is fetched once (EVP_MD_fetch: a provider lookup
 * under a lock that EVP_sha256 would repeat for every digest), made
 * before a sandbox worker's seccomp filter so that no later first use
 * reads OpenSSL's config there.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "mime/digest.h"

static pthread_once_t digest_once = PTHREAD_ONCE_INIT;
static EVP_MD *digest_md;

static void
digest_fetch(void)
{
	digest_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int
mime_digest_init(void)
{
	pthread_once(&digest_once, digest_fetch);
	return digest_md ? 0 : -1;
}

struct mime_digest *
mime_digest_new(void)
{
	EVP_MD_CTX *c;

	if (mime_digest_init() < 0 || !(c = EVP_MD_CTX_new()))
		return NULL;
	if (EVP_DigestInit_ex(c, digest_md, NULL) != 1) {
		EVP_MD_CTX_free(c);
		return NULL;
	}
	return (struct mime_digest *)c;
}

void
mime_digest_update(struct mime_digest *d, const void *data, size_t len)
{
	if (d && len)
		(void)EVP_DigestUpdate((EVP_MD_CTX *)d, data, len);
}

void
mime_digest_final(struct mime_digest *d, unsigned char out[32])
{
	unsigned int n = 0;

	if (!d || EVP_DigestFinal_ex((EVP_MD_CTX *)d, out, &n) != 1 || n != 32)
		memset(out, 0, 32);
	EVP_MD_CTX_free((EVP_MD_CTX *)d);
}
