/*
 * zipxml_chars.h — UTF-8 and XML character references for the tokenizer
 * (zipxml_tok.c, zipxml_tag.c): the length of a valid XML character, a code point
 * written as UTF-8, a reference decoded.  Inline: they run per character
 * and per reference of every text run.
 */
#ifndef DLP_ZIPXML_CHARS_H
#define DLP_ZIPXML_CHARS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* The code point of the reference "&#NNNNN;" at p (8 bytes readable):
 * five digits, the first not 0, make a character at U+2710 or above
 * (CJK, kana; openpyxl writes every such character so), and one that
 * XML allows unless a surrogate, U+FFFE or U+FFFF.  0 when it is no
 * such reference.  The bytes read as one word: the fixed ones and the
 * digits tested together, the digits made a number by three multiplies. */
static inline __attribute__((always_inline)) uint32_t
ref5(const char *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w, x;
	uint32_t v;

	memcpy(&w, p, 8);
	/* '&' '#' ';' become 0, a digit its value */
	x = w ^ 0x3b30303030302326u;
	if ((x & 0xff0000000000ffffu) != 0 || (x & 0xff0000u) == 0 ||
	    ((x + 0x0076767676760000u) | x) & 0x0080808080800000u)
		return 0;
	/* the digits as an 8-digit number with three leading zeros, the
	 * first digit in the lowest byte: pairs, then fours, then eight */
	x <<= 8;
	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffu;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffu;
	v = (uint32_t)((x * 10000 + (x >> 32)) & 0xffffffffu);
	return v - 0xd800u < 0x800u || (v | 1) == 0xffffu ? 0 : v;
#else
	return 0;
#endif
}

/* Two references "&#NNNNN;" side by side at p (16 bytes readable), each
 * as ref5 takes it: their code points in *a and *b, or false (nothing
 * set) unless both are.  SSE2 tests the 16 bytes at once (each byte
 * against its own limit once made 0 to 9 for a digit, 0 for the rest)
 * and makes both numbers by one multiply-add of the 16-bit digits. */
static inline __attribute__((always_inline)) bool
ref5x2(const char *p, uint32_t *a, uint32_t *b)
{
#ifdef __SSE2__
	const __m128i pat = _mm_setr_epi8('&', '#', '0', '0', '0', '0', '0', ';', '&', '#', '0',
	    '0', '0', '0', '0', ';');
	const __m128i lim = _mm_setr_epi8(0, 0, 9, 9, 9, 9, 9, 0, 0, 0, 9, 9, 9, 9, 9, 0);
	const __m128i wts = _mm_setr_epi16(0, 0, 10000, 1000, 100, 10, 1, 0);
	__m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)p), pat), t;
	uint32_t va, vb;

	if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(x, lim), lim)) != 0xffff)
		return false;
	t = _mm_madd_epi16(_mm_unpacklo_epi8(x, _mm_setzero_si128()), wts);
	x = _mm_madd_epi16(_mm_unpackhi_epi8(x, _mm_setzero_si128()), wts);
	t = _mm_add_epi32(_mm_unpacklo_epi64(t, x), _mm_unpackhi_epi64(t, x));
	t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(2, 3, 0, 1)));
	va = (uint32_t)_mm_cvtsi128_si32(t);
	vb = (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(t, 8));
	/* the first digit not 0; no surrogate, U+FFFE, U+FFFF */
	if (va < 10000 || va - 0xd800u < 0x800u || (va | 1) == 0xffffu ||
	    vb < 10000 || vb - 0xd800u < 0x800u || (vb | 1) == 0xffffu)
		return false;
	*a = va;
	*b = vb;
	return true;
#else
	return false;
#endif
}

/* ref5's character (U+2710 to U+1869F) as UTF-8 at w, where the 8 bytes
 * of its reference were: the 3 or 4 bytes written as one word.  Past
 * them. */
static inline __attribute__((always_inline)) char *
put_cp5(char *w, uint32_t c)
{
	uint32_t u;

	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		return put_cp(w, c);
	if (c < 0x10000) {
		u = 0x008080e0u | c >> 12 | (c << 2 & 0x3f00u) | (c << 16 & 0x3f0000u);
		memcpy(w, &u, 4);
		return w + 3;
	}
	u = 0x808080f0u | c >> 18 | (c >> 4 & 0x3f00u) | (c << 10 & 0x3f0000u) |
	    (c << 24 & 0x3f000000u);
	memcpy(w, &u, 4);
	return w + 4;
}

/* The reference at p ('&'): its length and code point, -1 when cut by
 * end, -2 for a malformed reference or a character XML does not allow,
 * -3 for a named entity other than the five (refused).  The common case
 * inline: "&#NNNNN;" wholly in the buffer (ref5), or 2 to 6 digits, a
 * character at or above U+0020 outside the surrogates; anything else
 * goes the general way (ref_slow). */
static inline __attribute__((always_inline)) long
ref(const char *p, const char *end, uint32_t *c)
{
	const unsigned char *d = (const unsigned char *)p + 2;
	uint32_t v, x;

	if (end - p >= 9 && (v = ref5(p)) != 0) {
		*c = v;
		return 8;
	}
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
