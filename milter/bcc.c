/*
 * bcc.c — the action bcc: the header of the spooled message (the message
 * as received) read and given to the shared rules of mime/bcc.h; act.c
 * applies the changes with smfi_chgheader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "detectors/scan.h"
#include "mime/spool.h"
#include "milter/bcc.h"

#define HEADER_MAX (1024 * 1024)	/* bytes of header read from the spool */

/* The header block of the spooled message, NUL-terminated, malloc'd. */
static char *read_header(struct spool *sp)
{
	size_t cap = 65536, len = 0;
	char *buf = NULL, *end;
	ssize_t n;

	for (;;) {
		char *p = realloc(buf, cap + 1);
		if (!p) {
			free(buf);
			return NULL;
		}
		buf = p;
		n = spool_read(sp, len, buf + len, cap - len);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) || (end = strstr(buf, "\n\n"))) {
			end[0] = '\0';
			return buf;
		}
		if ((size_t)n == 0 || cap >= HEADER_MAX)
			return buf;	/* a message that is all header */
		cap *= 2;
	}
}

int bcc_plan(struct spool *sp, const struct scan_options *opt, struct bcc_change *ch,
    size_t max, size_t *n)
{
	char *hdr = read_header(sp);

	*n = 0;
	if (!hdr)
		return -1;
	bcc_plan_header(hdr, opt, ch, max, n);
	free(hdr);
	return 0;
}
