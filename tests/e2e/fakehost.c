/*
 * fakehost.c — LD_PRELOAD shim for the Sendmail end-to-end tests.
 *
 * Sendmail qualifies the machine's host name before it reads its
 * configuration; when the name has no dot and resolves without a dotted
 * alias (a container named "vm" or "runner-1234"), it sleeps 60 seconds and
 * tries again.  The test Sendmail gets a dotted name from gethostname()
 * instead: $DLP_FAKE_HOSTNAME, by default mta.dlp-test.invalid.
 * Built by tests/deps-sendmail.sh; used only by tests/e2e/lib.py.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
gethostname(char *name, size_t len)
{
	const char *h = getenv("DLP_FAKE_HOSTNAME");
	size_t n;

	if (h == NULL || *h == '\0')
		h = "mta.dlp-test.invalid";
	n = strlen(h);
	if (n + 1 > len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, h, n + 1);
	return 0;
}
