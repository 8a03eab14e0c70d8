/*
 * text.c — what the OLE readers (ole.c, word.c, xls.c, ppt.c) share to
 * write text: UTF-16 code units with surrogate pairs, a Windows code page's
 * bytes, and the printable-strings fallback for a stream no reader knows
 * (see ole.h).  In a file of its own so that the readers depend on it and
 * not on each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "extract/extract.h"
#include "extract/ole/ole.h"
#include "text/charset.h"

/* ------------------------------------------------------------ text out */

void
ole_put_cp(struct ole_u16 *u, unsigned cp)
{
	char b[4];
	size_t n;

	if (u->full || cp == 0)
		return;
	/* utf8proc writes the UTF-8 form; 0 bytes for a code point that is none */
	if ((n = (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)b)) == 0)
		return;
	if (textbuf_append(u->out, b, n) < 0)
		u->full = true;
}

void
ole_u16_put(struct ole_u16 *u, unsigned cu)
{
	if (cu >= 0xD800 && cu <= 0xDBFF) {
		if (u->hi)
			ole_put_cp(u, 0xFFFD);
		u->hi = cu;
		return;
	}
	if (cu >= 0xDC00 && cu <= 0xDFFF) {
		ole_put_cp(u, u->hi ? 0x10000 + ((u->hi - 0xD800) << 10) + (cu - 0xDC00) : 0xFFFD);
		u->hi = 0;
		return;
	}
	ole_u16_flush(u);
	ole_put_cp(u, cu);
}

void
ole_u16_flush(struct ole_u16 *u)
{
	if (u->hi)
		ole_put_cp(u, 0xFFFD);
	u->hi = 0;
}

void
ole_put_cp_bytes(struct ole_u16 *u, unsigned codepage, const unsigned char *s, size_t n)
{
	char name[16];
	size_t outlen, room;
	char *t;

	ole_u16_flush(u);
	if (u->full || n == 0)
		return;
	switch (codepage) {
	case 1200: snprintf(name, sizeof(name), "UTF-16LE"); break;
	case 65001: snprintf(name, sizeof(name), "UTF-8"); break;
	case 10001: snprintf(name, sizeof(name), "SHIFT_JIS"); break;
	case 10000: case 32768: snprintf(name, sizeof(name), "MACINTOSH"); break;
	default: snprintf(name, sizeof(name), "CP%u", codepage); break;
	}
	room = u->out->max > u->out->len ? u->out->max - u->out->len : 0;
	t = charset_to_utf8(s, n, name, room, &outlen, NULL);
	if (t == NULL || textbuf_append(u->out, t, outlen) < 0)
		u->full = true;
	free(t);
}

/* ------------------------------------------------------------ strings */

static bool
u16_printable(unsigned c)
{
	return c == '\t' || (c >= 0x20 && c < 0x7F) || (c >= 0xA0 && c <= 0xFF) ||
	    (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x30FF) ||
	    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xFF00 && c <= 0xFFEF);
}

/* Length of the printable ASCII / CP932 character at d[i], or 0. */
static size_t
cp932_char(const unsigned char *d, size_t i, size_t len)
{
	unsigned c = d[i];

	if (c == '\t' || (c >= 0x20 && c < 0x7F) || (c >= 0xA1 && c <= 0xDF))
		return 1;
	if (((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC)) && i + 1 < len) {
		unsigned t = d[i + 1];
		if ((t >= 0x40 && t <= 0x7E) || (t >= 0x80 && t <= 0xFC))
			return 2;
	}
	return 0;
}

static void
strings_utf16(const unsigned char *d, size_t len, struct ole_u16 *u)
{
	size_t i = 0, start, nchar;

	while (i + 2 <= len && !u->full) {
		for (start = i, nchar = 0; i + 2 <= len && u16_printable(ole_le16(d + i)); i += 2)
			nchar++;
		if (nchar >= 4) {
			for (size_t k = start; k < i; k += 2)
				ole_u16_put(u, ole_le16(d + k));
			ole_u16_put(u, '\n');
		}
		if (nchar == 0)
			i += 2;
	}
}

static void
strings_bytes(const unsigned char *d, size_t len, struct ole_u16 *u)
{
	unsigned char *runs = malloc(len + 1);
	size_t i = 0, n = 0;

	if (runs == NULL) {
		u->full = true;
		return;
	}
	while (i < len) {
		size_t start = i, nchar = 0, w;
		while (i < len && (w = cp932_char(d, i, len)) > 0) {
			i += w;
			nchar++;
		}
		if (nchar >= 4) {
			memcpy(runs + n, d + start, i - start);
			n += i - start;
			runs[n++] = '\n';
		}
		if (nchar == 0)
			i++;
	}
	ole_put_cp_bytes(u, 932, runs, n);
	free(runs);
}

void
ole_strings(struct inspect *in, const unsigned char *d, size_t len, struct textbuf *out)
{
	struct ole_u16 u = { .out = out };

	strings_utf16(d, len, &u);
	ole_u16_flush(&u);
	if (!u.full && !inspect_out_of_time(in))
		strings_bytes(d, len, &u);
}
