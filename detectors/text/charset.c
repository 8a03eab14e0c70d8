/*
 * charset.c — any text to UTF-8 with glibc iconv, never failing on bad input.
 *
 * Japanese mail needs more than the declared name: "Shift_JIS" mail is in
 * fact Windows CP932 (NEC specials ①, IBM extensions), "EUC-JP" often
 * eucJP-ms.  glibc's ISO-2022-JP, -2 and -3 all refuse the NEC row 13
 * (①, №, ㈱) that Windows mailers send inside ESC $ B, so ISO-2022-JP is
 * transcoded here to CP932 bytes (a fixed arithmetic mapping) and read with
 * CP932, which knows those rows.
 */
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uchardet.h>

#include "text/charset.h"

#define DETECT_WINDOW 65536	/* bytes looked at to guess a charset */

/* Declared names mapped to what glibc reads best.  "" = detect instead. */
static const struct alias {
	const char *name;
	const char *iconv;
} aliases[] = {
	{ "shift_jis", "CP932" }, { "shift-jis", "CP932" }, { "sjis", "CP932" },
	{ "x-sjis", "CP932" }, { "windows-31j", "CP932" }, { "ms932", "CP932" },
	{ "cp932", "CP932" }, { "ms_kanji", "CP932" }, { "csshiftjis", "CP932" },
	{ "x-ms-cp932", "CP932" }, { "csWindows31J", "CP932" },
	{ "euc-jp", "EUC-JP-MS" }, { "x-euc-jp", "EUC-JP-MS" }, { "eucjp", "EUC-JP-MS" },
	{ "ujis", "EUC-JP-MS" }, { "euc-jp-ms", "EUC-JP-MS" }, { "eucjp-ms", "EUC-JP-MS" },
	{ "iso-2022-jp", "ISO-2022-JP" }, { "csiso2022jp", "ISO-2022-JP" },
	{ "iso-2022-jp-1", "ISO-2022-JP" }, { "iso-2022-jp-2", "ISO-2022-JP" },
	{ "iso-2022-jp-3", "ISO-2022-JP" }, { "cp50220", "ISO-2022-JP" },
	{ "cp50221", "ISO-2022-JP" }, { "cp50222", "ISO-2022-JP" },
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
	{ "ks_c_5601-1987", "CP949" }, { "euc-kr", "CP949" },
	{ "iso-8859-8-i", "ISO-8859-8" }, { "utf8", "UTF-8" },
	/* "us-ascii" in Japanese mail often hides ISO-2022-JP or raw 8-bit
	 * text; ASCII is a subset of whatever detection finds. */
	{ "us-ascii", "" }, { "ascii", "" }, { "ansi_x3.4-1968", "" }, { "unknown-8bit", "" },
	{ "x-unknown", "" }, { "default", "" }, { "8bit", "" },
};

/* iconv names for uchardet's answers, and the static strings we return. */
static const struct alias detected[] = {
	{ "SHIFT_JIS", "CP932" }, { "EUC-JP", "EUC-JP-MS" }, { "ISO-2022-JP", "ISO-2022-JP" },
	{ "ASCII", "UTF-8" }, { "UTF-8", "UTF-8" }, { "UTF-16", "UTF-16" },
	{ "UTF-16LE", "UTF-16LE" }, { "UTF-16BE", "UTF-16BE" }, { "UTF-32", "UTF-32" },
	{ "GB18030", "GB18030" }, { "BIG5", "BIG5-HKSCS" }, { "EUC-KR", "CP949" },
	{ "EUC-TW", "EUC-TW" }, { "ISO-2022-KR", "ISO-2022-KR" }, { "ISO-2022-CN", "ISO-2022-CN" },
	{ "KOI8-R", "KOI8-R" }, { "IBM866", "IBM866" }, { "TIS-620", "TIS-620" },
	{ "ISO-8859-1", "WINDOWS-1252" }, { "ISO-8859-2", "ISO-8859-2" },
	{ "ISO-8859-5", "ISO-8859-5" }, { "ISO-8859-7", "ISO-8859-7" },
	{ "ISO-8859-8", "ISO-8859-8" }, { "ISO-8859-9", "ISO-8859-9" },
	{ "ISO-8859-15", "ISO-8859-15" }, { "WINDOWS-1250", "WINDOWS-1250" },
	{ "WINDOWS-1251", "WINDOWS-1251" }, { "WINDOWS-1252", "WINDOWS-1252" },
	{ "WINDOWS-1253", "WINDOWS-1253" }, { "WINDOWS-1255", "WINDOWS-1255" },
	{ "WINDOWS-1256", "WINDOWS-1256" }, { "WINDOWS-1257", "WINDOWS-1257" },
};

/* Charsets whose iconv modules stay loaded (charset_keep_modules), and
 * the descriptors that hold them, open for the life of the process. */
static const char *const kept[] = {
	"ISO-2022-JP", "ISO-2022-JP-3", "CP932", "EUC-JP-MS", "EUC-JP", "SHIFT_JIS", NULL
};
static iconv_t kept_cd[sizeof(kept) / sizeof(kept[0])];

void
charset_keep_modules(void)
{
	for (size_t i = 0; kept[i]; i++)
		if (kept_cd[i] == NULL)
			kept_cd[i] = iconv_open("UTF-8", kept[i]);
}

/* Output buffer bounded by max. */
struct out {
	char *buf;
	size_t len, cap, max;
	bool truncated;
};

/* True when s[0..n) is valid UTF-8 (overlongs, surrogates and > U+10FFFF
 * refused).  cut: the data goes on after n, so a character cut at the end
 * is no error. */
static bool
valid_utf8(const unsigned char *s, size_t n, bool cut)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (i + k >= n)
			return cut;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += k + 1;
	}
	return true;
}

/* ISO-2022-JP designations: ESC $ B, ESC $ @, ESC ( J, ESC ( I, ESC $ ( D/Q/O. */
static bool
has_jis_escape(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (s[i] != 0x1b)
			continue;
		if ((s[i + 1] == '$' && (s[i + 2] == 'B' || s[i + 2] == '@' || s[i + 2] == '(')) ||
		    (s[i + 1] == '(' && (s[i + 2] == 'J' || s[i + 2] == 'I')))
			return true;
	}
	return false;
}

static bool
has_8bit(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] & 0x80)
			return true;
	return false;
}

/* UTF-16 without a BOM: most ASCII-range characters give a NUL byte on
 * one side only. */
static const char *
utf16_guess(const unsigned char *s, size_t n)
{
	size_t even = 0, odd = 0;

	if (n < 8)
		return NULL;
	for (size_t i = 0; i + 1 < n; i += 2) {
		even += s[i] == 0;
		odd += s[i + 1] == 0;
	}
	if (odd * 3 > n / 2 && even * 20 < n / 2)
		return "UTF-16LE";
	if (even * 3 > n / 2 && odd * 20 < n / 2)
		return "UTF-16BE";
	return NULL;
}

/* Strict trial conversion: true when all of s converts from cs. */
static bool
converts(const char *cs, const unsigned char *s, size_t n)
{
	iconv_t cd = iconv_open("UTF-8", cs);
	char out[4096];
	char *in = (char *)s;
	size_t inleft = n;
	bool ok = true;

	if (cd == (iconv_t)-1)
		return false;
	while (inleft > 0) {
		char *o = out;
		size_t oleft = sizeof(out);

		if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 && errno != E2BIG) {
			ok = errno == EINVAL;	/* a character cut at the end */
			break;
		}
	}
	iconv_close(cd);
	return ok;
}

static bool
single_byte(const char *cs)
{
	return strncmp(cs, "WINDOWS-125", 11) == 0 || strncmp(cs, "ISO-8859-", 9) == 0;
}

static bool
has_c1(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 0x81 && s[i] <= 0x9f)
			return true;
	return false;
}

static const char *
uchardet_guess(const unsigned char *s, size_t n)
{
	uchardet_t ud = uchardet_new();
	const char *name, *res = NULL;

	if (!ud)
		return NULL;
	if (uchardet_handle_data(ud, (const char *)s, n) == 0) {
		uchardet_data_end(ud);
		name = uchardet_get_charset(ud);
		for (size_t i = 0; name && i < sizeof(detected) / sizeof(detected[0]); i++)
			if (strcasecmp(name, detected[i].name) == 0)
				res = detected[i].iconv;
	}
	uchardet_delete(ud);
	return res;
}

const char *
charset_detect(const unsigned char *data, size_t len)
{
	size_t n = len < DETECT_WINDOW ? len : DETECT_WINDOW;
	const char *cs;

	if (!data || len == 0)
		return "UTF-8";
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		return "UTF-8";
	if (len >= 2 && memcmp(data, "\xff\xfe", 2) == 0)
		return "UTF-16LE";
	if (len >= 2 && memcmp(data, "\xfe\xff", 2) == 0)
		return "UTF-16BE";
	if ((cs = utf16_guess(data, n)) != NULL)
		return cs;
	if (!has_8bit(data, n))
		return has_jis_escape(data, n) ? "ISO-2022-JP" : "UTF-8";
	if (valid_utf8(data, n, n < len))
		return "UTF-8";
	/* uchardet guesses Latin for short Japanese text (or nothing): CP932
	 * that holds a lead byte of 0x81-0x9f (C1 controls or rare
	 * punctuation in Latin text) wins over such a guess */
	cs = uchardet_guess(data, n);
	if (cs && !single_byte(cs))
		return cs;
	if (converts("CP932", data, n) && (!cs || has_c1(data, n)))
		return "CP932";
	if (cs)
		return cs;
	if (converts("EUC-JP-MS", data, n))
		return "EUC-JP-MS";
	return "WINDOWS-1252";
}

/* The iconv name for a declared charset, or NULL to detect. */
static const char *
resolve(const char *charset)
{
	iconv_t cd;

	if (!charset || !*charset)
		return NULL;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(charset, aliases[i].name) == 0)
			return *aliases[i].iconv ? aliases[i].iconv : NULL;
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return NULL;	/* unknown to iconv: detect */
	iconv_close(cd);
	return charset;
}

/* 8-bit bytes of s[0..n) that are not part of a valid UTF-8 sequence,
 * and all 8-bit bytes. */
static void
utf8_misses(const unsigned char *s, size_t n, size_t *bad, size_t *all)
{
	*bad = *all = 0;
	for (size_t i = 0; i < n;) {
		size_t k = s[i] < 0x80 ? 1 : 0;

		if (k == 0) {
			for (k = 2; k <= 4 && i + k <= n && !valid_utf8(s + i, k, false); k++)
				;
			if (k > 4 || i + k > n) {
				(*bad)++, (*all)++, i++;
				continue;
			}
			*all += k;
		}
		i += k;
	}
}

/* Japanese mailers label Shift_JIS as UTF-8 or as ISO-2022-JP.  True
 * (detect instead) when most 8-bit bytes of declared UTF-8 are no UTF-8,
 * or declared ISO-2022-JP has 8-bit bytes and no JIS escape.  A UTF-8
 * text with a stray bad byte keeps its label. */
static bool
mislabelled(const char *cs, const unsigned char *data, size_t len)
{
	size_t n = len < DETECT_WINDOW ? len : DETECT_WINDOW, bad, all;

	if (strcasecmp(cs, "UTF-8") == 0) {
		utf8_misses(data, n, &bad, &all);
		return bad * 2 > all;
	}
	if (strcasecmp(cs, "ISO-2022-JP") == 0)
		return has_8bit(data, n) && !has_jis_escape(data, n);
	return false;
}

/* Make room for want more bytes (clipped to max) after o->len.
 * false on ENOMEM. */
static bool
reserve(struct out *o, size_t want)
{
	size_t cap;
	char *p;

	if (want > o->max - o->len)
		want = o->max - o->len;
	if (o->buf && o->len + want + 1 <= o->cap)
		return true;
	cap = o->cap ? o->cap : 256;
	while (cap < o->len + want + 1)
		cap *= 2;
	if (cap > o->max + 1)
		cap = o->max + 1;
	p = realloc(o->buf, cap);
	if (!p)
		return false;
	o->buf = p;
	o->cap = cap;
	return true;
}

static bool
out_put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->max) {
		o->truncated = true;
		return false;
	}
	if (!reserve(o, n))
		return false;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	return true;
}

/* One iconv call into the free room of o.  Returns iconv's answer. */
static size_t
iconv_into(iconv_t cd, char **in, size_t *inleft, struct out *o)
{
	char *op = o->buf + o->len;
	size_t room = o->cap - 1 - o->len, r;

	if (room > o->max - o->len)
		room = o->max - o->len;
	r = iconv(cd, in, inleft, &op, &room);
	o->len = (size_t)(op - o->buf);
	return r;
}

/* The iconv loop: invalid or incomplete input becomes U+FFFD and the
 * conversion goes on.  Returns false on ENOMEM or once max is reached
 * (o->truncated set). */
static bool
convert(iconv_t cd, const unsigned char *data, size_t len, struct out *o)
{
	char *in = (char *)data;
	size_t inleft = len;
	size_t want = len + len / 2 + 16;

	while (inleft > 0) {
		if (!reserve(o, want))
			return false;
		if (iconv_into(cd, &in, &inleft, o) != (size_t)-1)
			break;
		if (errno == E2BIG) {
			if (o->cap >= o->max + 1) {
				o->truncated = true;
				return false;
			}
			want = o->cap * 2;	/* grow and go on */
			continue;
		}
		/* EILSEQ, or EINVAL (cut short at the end): one byte is lost. */
		if (!out_put(o, "\xef\xbf\xbd", 3))
			return false;
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	if (!reserve(o, 16))
		return false;
	iconv_into(cd, NULL, NULL, o);	/* close a stateful encoding */
	return true;
}

/* ISO-2022-JP to CP932 bytes, by the JIS → Shift_JIS arithmetic.  JIS X 0212
 * and broken pairs become 0xFF, which CP932 refuses (→ U+FFFD).  Returns a
 * malloc'd buffer or NULL on ENOMEM. */
static unsigned char *
jis_to_sjis(const unsigned char *s, size_t n, size_t *outlen)
{
	enum { ASCII, KANJI, KANA, X0212 } mode = ASCII, saved = ASCII;
	unsigned char *o = malloc(n + 1), *p = o;
	size_t i = 0;

	if (!o)
		return NULL;
	while (i < n) {
		unsigned c = s[i];

		if (c == 0x1b && i + 2 < n) {
			const unsigned char *e = s + i + 1;

			if (e[0] == '$' && (e[1] == 'B' || e[1] == '@')) {
				mode = KANJI, i += 3;
				continue;
			}
			if (e[0] == '$' && e[1] == '(' && i + 3 < n) {
				mode = e[2] == 'D' ? X0212 : KANJI, i += 4;
				continue;
			}
			if (e[0] == '(' && (e[1] == 'B' || e[1] == 'J' || e[1] == 'H')) {
				mode = ASCII, i += 3;
				continue;
			}
			if (e[0] == '(' && e[1] == 'I') {
				mode = KANA, i += 3;
				continue;
			}
		}
		if (c == 0x0e || c == 0x0f) {	/* SO / SI: half-width kana shift */
			if (c == 0x0e && mode != KANA)
				saved = mode, mode = KANA;
			else if (c == 0x0f && mode == KANA)
				mode = saved;
			i++;
			continue;
		}
		if (mode == ASCII || c < 0x21 || c > 0x7e) {
			*p++ = (unsigned char)c;	/* controls pass in every mode */
			if (c == '\n' || c == '\r')
				mode = ASCII;	/* a line must end in ASCII (RFC 1468) */
			i++;
		} else if (mode == KANA) {
			*p++ = c <= 0x5f ? (unsigned char)(c + 0x80) : 0xff;
			i++;
		} else if (i + 1 < n && s[i + 1] >= 0x21 && s[i + 1] <= 0x7e && mode == KANJI) {
			unsigned c2 = s[i + 1];

			*p++ = (unsigned char)(((c + 1) >> 1) + (c <= 0x5e ? 0x70 : 0xb0));
			*p++ = (unsigned char)(c2 + ((c & 1) ? (c2 >= 0x60 ? 0x20 : 0x1f) : 0x7e));
			i += 2;
		} else {
			*p++ = 0xff;
			i += (i + 1 < n && s[i + 1] >= 0x21 && s[i + 1] <= 0x7e) ? 2 : 1;
		}
	}
	*outlen = (size_t)(p - o);
	return o;
}

/* An undeclared text after a UTF-16 byte-order mark with almost no NUL
 * byte (UTF-16 puts one in every ASCII character, line ends included):
 * the mark may be a decoy in front of ASCII text, which a mail client that
 * ignores it shows.  Such a text is read both ways. */
static bool
bom_decoy(const unsigned char *data, size_t len)
{
	size_t n = len < DETECT_WINDOW ? len : DETECT_WINDOW, nul = 0;

	for (size_t i = 0; i < n; i++)
		nul += data[i] == 0;
	return n > 0 && nul * 16 < n;
}

char *
charset_to_utf8(const unsigned char *data, size_t len, const char *charset, size_t max,
    size_t *outlen, int *truncated)
{
	struct out o = { .max = max };
	unsigned char *tmp = NULL;
	const char *cs = resolve(charset);
	iconv_t cd;
	bool ok = true, declared = cs != NULL, decoy = false;

	if (!data)
		len = 0;
	if (cs && mislabelled(cs, data, len)) {
		const char *guess = charset_detect(data, len);

		/* only for an ASCII-compatible guess: a stray byte-order mark
		 * (FF FE) must not turn an ASCII text labelled UTF-8 into
		 * UTF-16 and hide it from the detectors */
		if (strncasecmp(guess, "UTF-16", 6) != 0 && strncasecmp(guess, "UTF-32", 6) != 0)
			cs = guess;
	}
	if (!cs)
		cs = charset_detect(data, len);
	if (strcasecmp(cs, "ISO-2022-JP") == 0) {
		tmp = jis_to_sjis(data, len, &len);
		if (!tmp)
			return NULL;
		data = tmp;
		cs = "CP932";
	}
	if (strcasecmp(cs, "UTF-8") == 0 && len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	} else if (strncasecmp(cs, "UTF-16", 6) == 0 && len >= 2 &&
	    (memcmp(data, "\xff\xfe", 2) == 0 || memcmp(data, "\xfe\xff", 2) == 0)) {
		cs = data[0] == 0xff ? "UTF-16LE" : "UTF-16BE";	/* the BOM wins */
		data += 2;
		len -= 2;
		decoy = !declared && bom_decoy(data, len);
	}
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1 && strcasecmp(cs, "EUC-JP-MS") == 0)
		cd = iconv_open("UTF-8", "EUC-JP");
	if (cd == (iconv_t)-1)
		cd = iconv_open("UTF-8", "WINDOWS-1252");
	if (cd != (iconv_t)-1) {
		ok = convert(cd, data, len, &o);
		iconv_close(cd);
	}
	if (ok && decoy && (cd = iconv_open("UTF-8", "UTF-8")) != (iconv_t)-1) {
		ok = out_put(&o, "\n", 1) && convert(cd, data, len, &o);	/* the second reading */
		iconv_close(cd);
	}
	free(tmp);
	if (!ok && !o.truncated) {
		free(o.buf);
		return NULL;
	}
	if (!o.buf && !(o.buf = malloc(1)))
		return NULL;
	o.buf[o.len] = '\0';
	if (outlen)
		*outlen = o.len;
	if (truncated)
		*truncated = o.truncated;
	return o.buf;
}
