/*
 * subject_key.c — the normalised Subject that makes a series key.
 *
 * NFKC with case folding first (utf8proc), so "ＲＥ：", "Re:" and "re:"
 * are one prefix and U+3000 is a space; then the prefixes are taken off
 * the front in a loop, then white space is folded.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "mime/subject_key.h"

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *
skip_space(const char *p)
{
	while (is_space((unsigned char)*p))
		p++;
	return p;
}

/* After a reply/forward word at p: an optional counter "[2]" or "(2)",
 * spaces, then ':'.  The text after the colon, or NULL. */
static const char *
after_colon(const char *p)
{
	if (*p == '[' || *p == '(') {
		char close = *p == '[' ? ']' : ')';
		const char *q = p + 1;

		while (*q >= '0' && *q <= '9')
			q++;
		if (q == p + 1 || *q != close)
			return NULL;
		p = q + 1;
	}
	p = skip_space(p);
	return *p == ':' ? p + 1 : NULL;
}

/* One prefix off p (folded text): the text after it, or NULL. */
static const char *
strip_one(const char *p)
{
	static const char *const words[] = { "fwd", "fw", "re", "転送", "返信" };
	static const char *const tags[] = { "[外部]", "【外部】", "[社外]", "【社外】",
		"[external]", "[ext]" };

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strncmp(p, tags[i], strlen(tags[i])) == 0)
			return p + strlen(tags[i]);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		const char *q;

		if (strncmp(p, words[i], n) == 0 && (q = after_colon(p + n)) != NULL)
			return q;
	}
	return NULL;
}

size_t
subject_key(const char *s, char *out, size_t outlen)
{
	utf8proc_uint8_t *folded = NULL;
	const char *p, *q;
	size_t n = 0;
	bool space = false;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (!s || utf8proc_map((const utf8proc_uint8_t *)s, 0, &folded, UTF8PROC_NULLTERM |
	    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD) < 0)
		return 0;
	p = skip_space((const char *)folded);
	while ((q = strip_one(p)) != NULL)
		p = skip_space(q);
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		size_t len = 1;

		if (is_space(c)) {
			space = true;
			continue;
		}
		if (c >= 0xc0)		/* a whole character or nothing */
			while ((p[len] & 0xc0) == 0x80)
				len++;
		if (n + (space && n ? 1 : 0) + len >= outlen)
			break;
		if (space && n)
			out[n++] = ' ';
		space = false;
		memcpy(out + n, p, len);
		n += len;
		p += len - 1;
	}
	out[n] = '\0';
	free(folded);
	return n;
}
