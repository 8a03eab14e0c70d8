/*
 * zipxml_chars.h — UTF-8 and XML character references for the tokenizer
 * (zipxml_tok.c): the length of a valid XML character, a code point
 * written as UTF-8, a reference decoded.  Inline: they run per character
 * and per reference of every text run.
 */
#ifndef DLP_ZIPXML_CHARS_H
#define DLP_ZIPXML_CHARS_H

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 character at p (lead byte class 5), 0 when
 * invalid or not an XML character, -1 when cut by end. */
static inline int
u8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	uint32_t cp;

	if (end - p < n) {
		for (const unsigned char *q = p + 1; q < end; q++)
			if ((*q & 0xc0) != 0x80)
				return 0;
		return -1;
	}
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 2)
		return 2;
	if (n == 3) {
		cp = (c & 0x0f) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
		if (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000) || cp == 0xfffe || cp == 0xffff)
			return 0;
		return 3;
	}
	cp = (c & 0x07) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
	return cp < 0x10000 || cp > 0x10ffff ? 0 : 4;
}

static inline char *
put_cp(char *w, uint32_t c)
{
	unsigned char *o = (unsigned char *)w;

	if (c < 0x80) {
		*o++ = (unsigned char)c;
	} else if (c < 0x800) {
		*o++ = (unsigned char)(0xc0 | c >> 6);
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (unsigned char)(0xe0 | c >> 12);
		*o++ = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | c >> 18);
		*o++ = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	}
	return (char *)o;
}

static long ref_slow(const char *p, const char *end, uint32_t *c);

/* The reference at p ('&'): its length and code point, -1 when cut by
 * end, -2 for a malformed reference or a character XML does not allow,
 * -3 for a named entity other than the five (refused).  The common case
 * inline: "&#NNNNN;" (openpyxl writes every CJK character so) wholly in
 * the buffer, 2 to 6 digits, a character at or above U+0020 outside the
 * surrogates; anything else goes the general way (ref_slow). */
static inline __attribute__((always_inline)) long
ref(const char *p, const char *end, uint32_t *c)
{
	const unsigned char *d = (const unsigned char *)p + 2;
	uint32_t v, x;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end - p >= 9) {
		/* "&#NNNNN;" read as one word: five digits, the first not 0,
		 * are a character at U+2710 or above (CJK, kana): all but the
		 * surrogates and U+FFFE, U+FFFF */
		uint64_t w, mask = 0x00ffffffffff0000u;

		memcpy(&w, p, 8);
		if ((w & 0xffff) == ('&' | '#' << 8) && (w >> 56) == ';' && d[0] != '0' &&
		    (w & 0xf0f0f0f0f0f0f0f0u & mask) == (0x3030303030303030u & mask) &&
		    ((w + 0x0606060606060606u) & 0xf0f0f0f0f0f0f0f0u & mask) ==
		    (0x3030303030303030u & mask)) {
			v = (uint32_t)(d[0] - '0') * 10000 + (uint32_t)(d[1] - '0') * 1000 +
			    (uint32_t)(d[2] - '0') * 100 + (uint32_t)(d[3] - '0') * 10 +
			    (uint32_t)(d[4] - '0');
			if ((v < 0xd800 || v >= 0xe000) && (v < 0xfffe || v >= 0x10000)) {
				*c = v;
				return 8;
			}
		}
	}
#endif
	if (end - p >= 9 && p[1] == '#' && (v = (uint32_t)d[0] - '1') < 9) {
		v++;
		if ((x = (uint32_t)d[1] - '0') < 10) {
			v = v * 10 + x;
			d += 2;
			while ((x = (uint32_t)*d - '0') < 10 && d < (const unsigned char *)p + 8) {
				v = v * 10 + x;
				d++;
			}
			if (*d == ';' && v >= 0x20 && (v < 0xd800 || (v >= 0xe000 && v < 0xfffe) ||
			    (v >= 0x10000 && v < 0x110000))) {
				*c = v;
				return (const char *)d + 1 - p;
			}
		}
	}
	return ref_slow(p, end, c);
}

static __attribute__((noinline)) long
ref_slow(const char *p, const char *end, uint32_t *c)
{
	static const struct { const char *name; size_t n; uint32_t c; } pre[] = {
		{ "lt;", 3, '<' }, { "gt;", 3, '>' }, { "amp;", 4, '&' }, { "quot;", 5, '"' },
		{ "apos;", 5, '\'' },
	};
	const char *q = p + 1;
	uint32_t v = 0;

	if (q >= end)
		return -1;
	if (*q != '#') {
		const char *semi = memchr(q, ';', (size_t)(end - q) < 64 ? (size_t)(end - q) : 64);

		if (semi == NULL)
			return end - q < 64 ? -1 : -2;
		for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
			if ((size_t)(semi + 1 - q) == pre[i].n && memcmp(q, pre[i].name, pre[i].n) == 0) {
				*c = pre[i].c;
				return 1 + (long)pre[i].n;
			}
		return q == semi ? -2 : -3;
	}
	q++;
	if (q >= end)
		return -1;
	if (*q == 'x') {
		const char *d0 = ++q;

		for (; q < end && *q != ';'; q++) {
			int d = *q >= '0' && *q <= '9' ? *q - '0' : (*q | 0x20) >= 'a' &&
			    (*q | 0x20) <= 'f' ? (*q | 0x20) - 'a' + 10 : -1;

			if (d < 0)
				return -2;
			if (v < 0x110000)
				v = v * 16 + (uint32_t)d;
		}
		if (q >= end)	/* cut, however long (leading zeros): the carry is bounded */
			return -1;
		if (q == d0)
			return -2;
	} else {
		const char *d0 = q;

		for (; q < end && *q != ';'; q++) {
			if (*q < '0' || *q > '9')
				return -2;
			if (v < 0x110000)
				v = v * 10 + (uint32_t)(*q - '0');
		}
		if (q >= end)	/* cut, however long (leading zeros): the carry is bounded */
			return -1;
		if (q == d0)
			return -2;
	}
	if (!(v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v < 0xd800) ||
	    (v >= 0xe000 && v < 0xfffe) || (v >= 0x10000 && v < 0x110000)))
		return -2;
	*c = v;
	return q + 1 - p;
}

#endif
