/*
 * bcc.c — the action bcc: the external addresses of the visible To and Cc
 * headers are taken out of them (smfi_chgheader), so that none of them is
 * shown to the others; the envelope is left as it is, so every recipient
 * still gets the message.  A To left empty becomes
 * "undisclosed-recipients:;"; a Cc left empty is removed.  Internal
 * addresses stay.  Header values are read from the spool (the message as
 * received) and rewritten with GMime's address parser and formatter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "config/conf.h"
#include "detectors/scan.h"
#include "mime/recipients.h"
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

/* Drop external mailboxes from list (groups: their members).  Returns how
 * many were dropped; *left counts those kept. */
static int drop_external(InternetAddressList *list, const struct scan_options *opt, int *left)
{
	int dropped = 0;

	for (int i = internet_address_list_length(list) - 1; i >= 0; i--) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			InternetAddressList *m = internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a));
			int kept = 0;
			dropped += drop_external(m, opt, &kept);
			*left += kept;
			continue;
		}
		if (!rcpt_is_internal(opt, internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a)))) {
			internet_address_list_remove_at(list, i);
			dropped++;
		} else {
			(*left)++;
		}
	}
	return dropped;
}

/* The value of a To or Cc field with the external addresses out: NULL
 * when nothing changes, "" when nothing is left; g_malloc'd. */
static char *rewritten(const char *value, const struct scan_options *opt)
{
	InternetAddressList *list = internet_address_list_parse(NULL, value);
	char *out = NULL;
	int left = 0;

	if (!list)
		return NULL;
	if (drop_external(list, opt, &left) > 0)
		out = left ? internet_address_list_to_string(list, NULL, TRUE) : g_strdup("");
	g_object_unref(list);
	return out;
}

int bcc_plan(struct spool *sp, const struct scan_options *opt, struct bcc_change *ch,
    size_t max, size_t *n)
{
	char *hdr = read_header(sp), *line, *next, *colon, *value;
	int to_idx = 0, cc_idx = 0;
	GString *v;

	*n = 0;
	if (!hdr)
		return -1;
	for (line = hdr; line && *line && *n < max; line = next) {
		/* one field: its first line and every continuation line */
		v = g_string_new(NULL);
		next = line;
		do {
			char *eol = strchr(next, '\n');
			size_t l = eol ? (size_t)(eol - next) : strlen(next);
			if (l && next[l - 1] == '\r')
				l--;
			g_string_append_len(v, next, (gssize)l);
			next = eol ? eol + 1 : NULL;
		} while (next && (*next == ' ' || *next == '\t'));
		colon = strchr(v->str, ':');
		if (colon) {
			size_t nl = (size_t)(colon - v->str);
			bool to = nl == 2 && strncasecmp(v->str, "to", 2) == 0;
			bool cc = nl == 2 && strncasecmp(v->str, "cc", 2) == 0;

			value = colon + 1;
			if (to || cc) {
				char *nv = rewritten(value, opt);
				int idx = to ? ++to_idx : ++cc_idx;

				if (nv) {
					ch[*n].cc = cc;
					ch[*n].index = idx;
					ch[*n].value = nv;
					(*n)++;
				}
			}
		}
		g_string_free(v, TRUE);
	}
	free(hdr);
	return 0;
}

void bcc_free(struct bcc_change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g_free(ch[i].value);
}
