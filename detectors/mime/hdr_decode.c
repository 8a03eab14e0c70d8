/*
 * hdr_decode.c — RFC 2047 decoding of unstructured header text.
 *
 * Adjacent encoded-words of one charset are joined before conversion
 * (Japanese mailers split a multibyte character across two words), the
 * whitespace between encoded-words is dropped, raw 8-bit text is detected
 * (charset.h).  Malformed words are kept as they stand.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "text/charset.h"
#include "mime/hdr_decode.h"

#define CHARSET_MAX 64		/* bytes of a charset name */
#define WORD_MAX 2048		/* bytes of an encoded-word's text (RFC 2047: 75 in all) */

struct dec {
	char *out;		/* UTF-8 so far */
	size_t len, max;
	char *pend;		/* decoded bytes of the current run of encoded-words */
	size_t plen, pcap;
	char cs[64];		/* their charset */
	bool failed;		/* ENOMEM */
};

static void
put_utf8(struct dec *d, const char *s, size_t n)
{
	if (n > d->max - d->len)
		n = d->max - d->len;
	memcpy(d->out + d->len, s, n);
	d->len += n;
}

/* True when s[0..n) is plain ASCII with no ISO-2022 escape. */
static bool
ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == 0x1b)
			return false;
	return true;
}

/* Convert s[0..n) from cs (NULL: detect) and append it. */
static void
put_conv(struct dec *d, const char *s, size_t n, const char *cs)
{
	size_t ulen;
	char *u;

	if (n == 0)
		return;
	if (!cs && ascii(s, n)) {
		put_utf8(d, s, n);
		return;
	}
	u = charset_to_utf8((const unsigned char *)s, n, cs, d->max - d->len, &ulen, NULL);
	if (!u) {
		d->failed = true;
		return;
	}
	put_utf8(d, u, ulen);
	free(u);
}

static void
flush(struct dec *d)
{
	put_conv(d, d->pend, d->plen, d->cs);
	d->plen = 0;
	d->cs[0] = '\0';
}

static bool
pend_room(struct dec *d, size_t n)
{
	if (d->plen + n <= d->pcap)
		return true;
	size_t cap = d->pcap ? d->pcap : 128;
	while (cap < d->plen + n)
		cap *= 2;
	char *p = realloc(d->pend, cap);
	if (!p) {
		d->failed = true;
		return false;
	}
	d->pend = p;
	d->pcap = cap;
	return true;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Append the decoded bytes of text[0..n) in encoding enc (b or q). */
static void
decode_word(struct dec *d, char enc, const char *text, size_t n)
{
	if (!pend_room(d, n + 3))
		return;
	if (enc == 'b' || enc == 'B') {
		gint state = 0;
		guint save = 0;

		d->plen += g_base64_decode_step(text, n, (guchar *)d->pend + d->plen, &state, &save);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = -1, lo = -1;

		if (text[i] == '=' && i + 2 < n) {
			hi = hexval((unsigned char)text[i + 1]);
			lo = hexval((unsigned char)text[i + 2]);
		}
		if (hi >= 0 && lo >= 0) {
			d->pend[d->plen++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			d->pend[d->plen++] = text[i] == '_' ? ' ' : text[i];
	}
}

/* An encoded-word =?cs?e?text?= at s: its parts.  Returns its length, or 0
 * when s does not start one. */
struct word {
	const char *cs, *text;
	size_t cslen, textlen;
	char enc;
};

static size_t
parse_word(const char *s, struct word *w)
{
	const char *q1;
	size_t i;

	if (s[0] != '=' || s[1] != '?')
		return 0;
	w->cs = s + 2;
	q1 = memchr(w->cs, '?', strnlen(w->cs, CHARSET_MAX));
	if (!q1 || q1 == w->cs || q1[1] == '\0' || !strchr("bBqQ", q1[1]) || q1[2] != '?')
		return 0;
	w->cslen = (size_t)(q1 - w->cs);
	w->enc = q1[1];
	w->text = q1 + 3;
	/* up to "?=", with no white space, within WORD_MAX */
	for (i = 0; i < WORD_MAX && w->text[i] && w->text[i] != ' '; i++) {
		if (w->text[i] == '?' && w->text[i + 1] == '=') {
			w->textlen = i;
			return (size_t)(w->text + i + 2 - s);
		}
	}
	return 0;
}

/* Decode the encoded-word w into the pending run, flushing the run first
 * when the charset changes. */
static void
take_word(struct dec *d, const struct word *w)
{
	char name[64];
	size_t n = w->cslen < sizeof(name) - 1 ? w->cslen : sizeof(name) - 1;

	memcpy(name, w->cs, n);
	name[n] = '\0';
	name[strcspn(name, "*")] = '\0';	/* RFC 2231 language suffix */
	if (d->plen && strcasecmp(name, d->cs) != 0)
		flush(d);
	snprintf(d->cs, sizeof(d->cs), "%s", name);
	decode_word(d, w->enc, w->text, w->textlen);
}

char *
hdr_decode_text(const char *raw, size_t max)
{
	struct dec d = { 0 };
	const char *s = raw ? raw : "";
	size_t n = strlen(s);
	char *unf = malloc(n + 1), *p;
	bool after_word = false;

	d.max = n * 3 + 16 < max ? n * 3 + 16 : max;	/* UTF-8 is at most 3 bytes a byte */
	d.out = malloc(d.max + 1);
	if (!unf || !d.out)
		goto fail;
	/* Unfold: line breaks go, the whitespace after them stays (tabs
	 * shown as spaces). */
	p = unf;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			*p++ = s[i] == '\t' ? ' ' : s[i];
	*p = '\0';
	p = unf + strspn(unf, " \t");
	while (*p && !d.failed) {
		struct word w;
		size_t len = parse_word(p, &w), ws;
		const char *next;

		if (len) {
			take_word(&d, &w);
			p += len;
			after_word = true;
			continue;
		}
		/* raw text up to the next encoded-word (a "=?" inside raw JIS
		 * bytes is no word and does not split the text) */
		next = strstr(p + 1, "=?");
		while (next && !parse_word(next, &w))
			next = strstr(next + 1, "=?");
		len = next ? (size_t)(next - p) : strlen(p);
		ws = strspn(p, " \t");
		if (after_word && ws == len && next) {
			p += len;	/* whitespace between two encoded-words */
			continue;
		}
		flush(&d);
		put_conv(&d, p, len, NULL);
		p += len;
		after_word = false;
	}
	flush(&d);
	if (d.failed)
		goto fail;
	free(unf);
	free(d.pend);
	d.out[d.len] = '\0';
	return d.out;
fail:
	free(unf);
	free(d.pend);
	free(d.out);
	return NULL;
}
