/*
 * pdf_guard.c — see pdf_guard.h.
 *
 * The scan errs on the side of "a string": an "obj" keyword anywhere
 * (even inside binary stream data) followed by '(' or '<' (not "<<") is
 * taken for a string object.  Such a false alarm only leaves the embedded
 * files of that PDF unread (the part is then unscanned), never a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "extract/pdf_guard.h"

#define DICT_BACK 4096		/* bytes searched back from /ObjStm for its "obj" */

static bool
is_ws(unsigned char c)
{
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static bool
is_regular(unsigned char c)
{
	return !is_ws(c) && !memchr("()<>[]{}/%", c, 10);
}

static bool
is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Index of the first byte at or after i that is no blank and in no comment. */
static size_t
skip_blank(const unsigned char *d, size_t len, size_t i)
{
	while (i < len) {
		if (is_ws(d[i]))
			i++;
		else if (d[i] == '%')
			while (i < len && d[i] != '\r' && d[i] != '\n')
				i++;
		else
			break;
	}
	return i;
}

/* 1 when the object starting at d[i] (after blanks) is a string. */
static int
starts_string(const unsigned char *d, size_t len, size_t i)
{
	i = skip_blank(d, len, i);
	return i < len && (d[i] == '(' || (d[i] == '<' && (i + 1 == len || d[i + 1] != '<')));
}

/* Position of keyword kw (whole token) in d[from..to), or to. */
static size_t
find_token(const unsigned char *d, size_t from, size_t to, const char *kw)
{
	size_t kl = strlen(kw);

	while (from < to && to - from >= kl) {
		const unsigned char *p = memmem(d + from, to - from, kw, kl);
		size_t at;

		if (!p)
			break;
		at = (size_t)(p - d);
		if ((at + kl == to || !is_regular(d[at + kl])) && (kw[0] == '/' || at == 0 ||
		    !is_letter(d[at - 1])))
			return at;
		from = at + 1;
	}
	return to;
}

/* A non-negative integer at d[i] (after blanks) into *v; index after it,
 * or 0 when there is none. */
static size_t
read_uint(const unsigned char *d, size_t len, size_t i, size_t *v)
{
	size_t n = 0;

	i = skip_blank(d, len, i);
	if (i >= len || d[i] < '0' || d[i] > '9')
		return 0;
	for (; i < len && d[i] >= '0' && d[i] <= '9'; i++)
		n = n > (SIZE_MAX - 9) / 10 ? SIZE_MAX : n * 10 + (size_t)(d[i] - '0');
	*v = n;
	return i;
}

/* Objects in the clear: "obj" followed by a string. */
static int
plain_strings(const unsigned char *d, size_t len)
{
	for (size_t at = find_token(d, 0, len, "obj"); at < len;
	    at = find_token(d, at + 3, len, "obj"))
		if (starts_string(d, len, at + 3))
			return 1;
	return 0;
}

/* Flate-decode src[0..n) into a malloc'd buffer of at most max bytes.
 * NULL when it is no zlib stream or is larger than max. */
static unsigned char *
inflate_max(const unsigned char *src, size_t n, size_t max, size_t *outlen)
{
	GConverter *z = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
	size_t cap = 65536, out = 0, in = 0;
	unsigned char *buf = malloc(cap);

	while (buf) {
		gsize r = 0, w = 0;
		GError *err = NULL;
		GConverterResult res = g_converter_convert(z, src + in, n - in, buf + out,
		    cap - out, G_CONVERTER_INPUT_AT_END, &r, &w, &err);

		in += r;
		out += w;
		if (res == G_CONVERTER_FINISHED)
			break;
		if ((res == G_CONVERTER_ERROR && !g_error_matches(err, G_IO_ERROR,
		    G_IO_ERROR_NO_SPACE)) || (res != G_CONVERTER_ERROR && r == 0 && w == 0)) {
			g_clear_error(&err);
			free(buf);
			buf = NULL;
			break;
		}
		g_clear_error(&err);
		if (cap - out < 4096) {
			unsigned char *nb = cap >= max ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	g_object_unref(z);
	if (buf && out > max) {
		free(buf);
		buf = NULL;
	}
	*outlen = out;
	return buf;
}

/* The objects of one object stream whose dictionary is d[dict..body)
 * and data starts at body.  Adds the decoded size to *used. */
static int
objstm_strings(const unsigned char *d, size_t len, size_t dict, size_t body, size_t max,
    size_t *used)
{
	size_t first = 0, at = find_token(d, dict, body, "/First"), n, off, num, i;
	size_t filt = find_token(d, dict, body, "/Filter");
	unsigned char *s;
	int rc = 0;

	if (at == body || !(i = read_uint(d, body, at + 6, &first)) ||
	    read_uint(d, body, i, &num) || find_token(d, dict, body, "/DecodeParms") < body)
		return -1;	/* no /First, an indirect one, or predictors */
	if (filt < body) {
		size_t f = skip_blank(d, body, filt + 7);
		bool array = f < body && d[f] == '[';

		if (array)
			f = skip_blank(d, body, f + 1);
		if (f + 12 > body || memcmp(d + f, "/FlateDecode", 12) != 0 ||
		    (f + 12 < body && is_regular(d[f + 12])))
			return -1;	/* another filter */
		if (array && ((f = skip_blank(d, body, f + 12)) >= body || d[f] != ']'))
			return -1;	/* a chain of filters */
		s = inflate_max(d + body, len - body, max - *used, &n);
	} else {
		n = find_token(d, body, len, "endstream") - body;
		s = n <= max - *used ? malloc(n ? n : 1) : NULL;
		if (s)
			memcpy(s, d + body, n);
	}
	if (!s)
		return -1;
	*used += n;
	for (i = 0; rc == 0 && i < first && i < n;) {
		if (!(i = read_uint(s, first < n ? first : n, i, &num)) ||
		    !(i = read_uint(s, first < n ? first : n, i, &off)))
			break;
		if (first <= n && off < n - first && starts_string(s, n, first + off))
			rc = 1;
	}
	free(s);
	return rc;
}

/* Every /Type /ObjStm: its dictionary runs from the "obj" before it to the
 * "stream" after it. */
static int
stream_strings(const unsigned char *d, size_t len, size_t max)
{
	size_t used = 0;

	for (size_t at = find_token(d, 0, len, "/ObjStm"); at < len;
	    at = find_token(d, at + 7, len, "/ObjStm")) {
		size_t from = at > DICT_BACK ? at - DICT_BACK : 0, dict = from, body, o;
		int rc;

		while ((o = find_token(d, dict, at, "obj")) < at)
			dict = o + 3;
		body = find_token(d, at, len, "stream");
		if (dict == from || body == len)
			return -1;
		body += 6;
		if (body < len && d[body] == '\r')
			body++;
		if (body < len && d[body] == '\n')
			body++;
		if ((rc = objstm_strings(d, len, dict, body, max, &used)) != 0)
			return rc;
	}
	return 0;
}

int
pdf_guard_strings(const unsigned char *data, size_t len, size_t max)
{
	if (plain_strings(data, len))
		return 1;
	return stream_strings(data, len, max);
}
