/*
 * mask.c — extracted text made fit to show an administrator (ctl.h):
 * numbers and mail addresses masked, control characters escaped.
 *
 * The masking does not depend on what the detectors found: every run of
 * six or more digits (ASCII or full-width, with single separators between
 * them: - ‐ － ー . / space) keeps its last two digits only, and every mail
 * address keeps the first character of its local part.  It over-masks (a
 * budget figure of six digits too) rather than show one value in full.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ctl/ctl.h"

/* Length of the digit at s (1 ASCII, 3 full-width), or 0. */
static size_t digit_at(const unsigned char *s, const unsigned char *end)
{
	if (s < end && *s >= '0' && *s <= '9')
		return 1;
	if (end - s >= 3 && s[0] == 0xef && s[1] == 0xbc && s[2] >= 0x90 && s[2] <= 0x99)
		return 3;
	return 0;
}

/* Length of a separator inside a number at s, or 0. */
static size_t sep_at(const unsigned char *s, const unsigned char *end)
{
	static const char *const seps[] = { "-", ".", "/", " ", "\xe2\x80\x90", "\xef\xbc\x8d",
		"\xe3\x83\xbc", "\xe3\x80\x80", NULL };

	for (size_t i = 0; seps[i]; i++) {
		size_t n = strlen(seps[i]);
		if ((size_t)(end - s) >= n && memcmp(s, seps[i], n) == 0)
			return n;
	}
	return 0;
}

static bool local_char(unsigned char c)
{
	return g_ascii_isalnum(c) || strchr("._%+-", c);
}

char *ctl_mask_text(const char *text, size_t len, bool mask, bool one_line)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len, *p;
	GString *g = g_string_sized_new(len + 16);
	char *buf = g_malloc(len + 1);
	size_t n, d, i;

	memcpy(buf, text, len);
	buf[len] = '\0';
	/* mail addresses: local part to its first character */
	for (i = 0; mask && i < len; i++) {
		size_t at = 0;
		if (buf[i] == '@')
			at = 1;
		else if (len - i >= 3 && memcmp(buf + i, "\xef\xbc\xa0", 3) == 0)	/* ＠ */
			at = 3;
		if (!at || i == 0 || i + at >= len || !g_ascii_isalnum(buf[i + at]))
			continue;
		size_t b = i;
		while (b > 0 && local_char((unsigned char)buf[b - 1]))
			b--;
		for (size_t k = b + 1; k < i; k++)
			buf[k] = '*';
	}
	s = (const unsigned char *)buf;
	end = s + len;
	for (p = s; p < end;) {
		if (!digit_at(p, end)) {
			unsigned char c = *p;
			if (!one_line && c == '\r' && p + 1 < end && p[1] == '\n') {
				p++;	/* CRLF: a line end */
				continue;
			}
			if ((c < 0x20 && (one_line || (c != '\n' && c != '\t'))) || c == 0x7f) {
				char one[2] = { (char)c, '\0' };
				g_string_append(g, ctl_shown(one, ""));
			} else {
				g_string_append_c(g, (char)c);
			}
			p++;
			continue;
		}
		/* a number: digits with single separators between them */
		const unsigned char *q = p;
		size_t digits = 0;
		while (q < end) {
			if ((d = digit_at(q, end))) {
				digits++;
				q += d;
			} else if ((n = sep_at(q, end)) && digit_at(q + n, end)) {
				q += n;
			} else {
				break;
			}
		}
		size_t seen = 0;
		while (p < q) {
			if ((d = digit_at(p, end))) {
				seen++;
				if (mask && digits >= 6 && seen + 2 <= digits)
					g_string_append_c(g, '*');
				else
					g_string_append_len(g, (const char *)p, (gssize)d);
				p += d;
			} else {
				g_string_append_c(g, (char)*p++);
			}
		}
	}
	g_free(buf);
	return g_string_free(g, FALSE);
}
