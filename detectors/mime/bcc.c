/*
 * bcc.c — Bcc conversion (bcc.h): which To and Cc fields lose their
 * external addresses, with GMime's address parser and formatter, and the
 * header block rewritten with them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "mime/addrfold.h"
#include "mime/bcc.h"
#include "mime/recipients.h"

#define UNDISCLOSED "undisclosed-recipients:;"

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

/* The end of the field that starts at p (its continuation lines with it),
 * within end: the byte after its last line's LF (or end). */
static const char *field_end(const char *p, const char *end)
{
	for (;;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			return end;
		p = eol + 1;
		if (p >= end || (*p != ' ' && *p != '\t'))
			return p;
	}
}

/* 1 To, 2 Cc, 0 another field, for the field starting at p. */
static int field_kind(const char *p, const char *fe)
{
	if (fe - p >= 3 && p[2] == ':' && strncasecmp(p, "to", 2) == 0)
		return 1;
	if (fe - p >= 3 && p[2] == ':' && strncasecmp(p, "cc", 2) == 0)
		return 2;
	return 0;
}

void bcc_plan_header(const char *hdr, const struct scan_options *opt, struct bcc_change *ch,
    size_t max, size_t *n)
{
	const char *p = hdr, *end = hdr + strlen(hdr), *fe;
	int to_idx = 0, cc_idx = 0, kind;

	*n = 0;
	for (; p < end && *n < max; p = fe) {
		GString *v;

		fe = field_end(p, end);
		if (!(kind = field_kind(p, fe)))
			continue;
		/* the value unfolded: every line's text without its line end */
		v = g_string_new(NULL);
		for (const char *q = p + 3; q < fe;) {
			const char *eol = memchr(q, '\n', (size_t)(fe - q));
			size_t l = eol ? (size_t)(eol - q) : (size_t)(fe - q);
			g_string_append_len(v, q, (gssize)(l && q[l - 1] == '\r' ? l - 1 : l));
			q = eol ? eol + 1 : fe;
		}
		{
			char *nv = rewritten(v->str, opt);
			int idx = kind == 1 ? ++to_idx : ++cc_idx;

			if (nv) {
				ch[*n].cc = kind == 2;
				ch[*n].index = idx;
				ch[*n].value = nv;
				(*n)++;
			}
		}
		g_string_free(v, TRUE);
	}
}

void bcc_free(struct bcc_change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g_free(ch[i].value);
}

const char *bcc_value(const struct bcc_change *c)
{
	return *c->value || c->cc ? c->value : UNDISCLOSED;
}

char *bcc_folded(const struct bcc_change *c, const char *nl)
{
	return addrfold(bcc_value(c), sizeof("To: ") - 1, nl);
}

char *bcc_apply(const char *hdr, size_t len, const struct bcc_change *ch, size_t n,
    size_t *outlen)
{
	const char *p = hdr, *end = hdr + len, *fe;
	int to_idx = 0, cc_idx = 0, kind;
	GString *g = g_string_sized_new(len + 64);
	char *out;

	for (; p < end; p = fe) {
		const struct bcc_change *c = NULL;

		fe = field_end(p, end);
		if ((kind = field_kind(p, fe))) {
			int idx = kind == 1 ? ++to_idx : ++cc_idx;
			for (size_t i = 0; i < n; i++)
				if (ch[i].cc == (kind == 2) && ch[i].index == idx)
					c = &ch[i];
		}
		if (!c) {
			g_string_append_len(g, p, (gssize)(fe - p));
			continue;
		}
		if (!*bcc_value(c))
			continue;	/* an emptied Cc: removed */
		{
			char *fv = bcc_folded(c, "\r\n");
			g_string_append_printf(g, "%s: %s\r\n", c->cc ? "Cc" : "To", fv);
			g_free(fv);
		}
	}
	*outlen = g->len;
	out = malloc(g->len + 1);
	if (out)
		memcpy(out, g->str, g->len + 1);
	g_string_free(g, TRUE);
	return out;
}
