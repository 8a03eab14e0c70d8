/*
 * postal.c — postal addresses (郵便番号 + address).
 *
 * Shapes (normalized text):
 *  - '〒', up to two spaces, NNN-NNNN (or NNNNNNN), then the address text,
 *    which may be empty;
 *  - NNN-NNNN followed, after at most two characters of ' ', ':' or '、',
 *    by the name of one of the 47 prefectures (北海道, 東京都, 大阪府,
 *    京都府, and the 43 …県), which starts the address text.
 * Boundaries: the code is refused when a digit or '-' and a digit stands
 * right after it, and in the second shape also when a digit, or a digit and
 * '-' or '.', stands right before it.
 * Address text: from the first character after the code that is neither a
 * space nor ':' (the prefecture in the second shape) up to the end of the
 * line, a tab, a comma (',' or '、'), the next '〒' or 60 characters,
 * whichever comes first, spaces trimmed; when the code ends its cell and
 * the next cell (after a tab) starts with a prefecture, the address text
 * is that cell (「〒100-8914<TAB>東京都千代田区…」: one address).
 * Value: "NNN-NNNN " + address text, or "NNN-NNNN" alone when the text is
 * empty; so two people at one postal code but different addresses count
 * twice.  Mask: the code, then the prefecture when the text starts with one,
 * then "***": "100-8914 東京都***", "100-8914 ***", or "100-8914".  An address
 * without a code (a 住所 column, detect/table.c) is "東京都***", "横浜市***"
 * or "***".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/util.h"
#include "detect/valueset.h"

#define ADDR_CHARS 60

static const char *const prefectures[] = {
	"北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
	"茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
	"新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県",
	"静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県",
	"奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県",
	"徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県",
	"熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県", NULL,
};

struct postal_state {
	pcre2_code *re;
};

/* The pattern, with the prefecture alternation built from prefectures[]:
 * group 1/2 the code after 〒, group 3/4 the code before a prefecture. */
static char *postal_pattern(void)
{
	static const char head[] =
	    "〒 {0,2}([0-9]{3})-?([0-9]{4})(?![0-9]|-[0-9])"
	    "|(?<![0-9]|[0-9][-.])([0-9]{3})-([0-9]{4})(?![0-9]|-[0-9])[ :、]{0,2}(?=";
	size_t cap = sizeof(head) + 2, k;
	char *p;

	for (size_t i = 0; prefectures[i] != NULL; i++)
		cap += strlen(prefectures[i]) + 1;
	p = malloc(cap);
	if (p == NULL)
		return NULL;
	k = (size_t)snprintf(p, cap, "%s", head);
	for (size_t i = 0; prefectures[i] != NULL; i++)
		k += (size_t)snprintf(p + k, cap - k, "%s%s", i > 0 ? "|" : "", prefectures[i]);
	snprintf(p + k, cap - k, ")");
	return p;
}

static void *postal_init(char *err, size_t errlen)
{
	struct postal_state *st = calloc(1, sizeof(*st));
	char *pat = postal_pattern();

	if (st == NULL || pat == NULL) {
		snprintf(err, errlen, "postal_address: out of memory");
		goto fail;
	}
	st->re = det_compile("postal_address", pat, 0, err, errlen);
	if (st->re == NULL)
		goto fail;
	free(pat);
	return st;
fail:
	free(pat);
	free(st);
	return NULL;
}

static void postal_free(void *state)
{
	struct postal_state *st = state;

	if (st == NULL)
		return;
	pcre2_code_free(st->re);
	free(st);
}

/* Does w hold the byte b? */
static int has_byte(uint64_t w, unsigned char b)
{
	w ^= 0x0101010101010101ULL * b;
	return ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0;
}

/* End of the address text starting at s. */
static size_t addr_end(const char *t, size_t len, size_t s)
{
	size_t e = s, n = 0;

	/* 8 bytes at a time (s and e at character starts, valid UTF-8) while
	 * no character starting in them can end the text: no LF, tab, form
	 * feed or comma, no 0x80 second byte (、 and 〒 are E3 80 xx), and
	 * room for their characters under ADDR_CHARS */
	while (e + 9 <= len) {
		uint64_t w, w1, cont;
		size_t k;

		memcpy(&w, t + e, 8);
		memcpy(&w1, t + e + 1, 8);
		if (has_byte(w, '\n') || has_byte(w, '\t') || has_byte(w, '\f') || has_byte(w, ',') ||
		    has_byte(w1, 0x80))
			break;
		cont = w & ~(w << 1) & 0x8080808080808080ULL;
		k = 8 - (size_t)(((cont >> 7) * 0x0101010101010101ULL) >> 56);
		if (n + k > ADDR_CHARS)
			break;
		n += k;
		e += 8;
		while (e < len && ((unsigned char)t[e] & 0xC0) == 0x80)
			e++;	/* the rest of the character begun in them */
	}
	for (; e < len && n < ADDR_CHARS; n++) {
		unsigned char c = (unsigned char)t[e];

		if (c == '\n' || c == '\t' || c == '\f' || c == ',')
			break;
		if (c == 0xE3 && len - e >= 3 && (unsigned char)t[e + 1] == 0x80 &&
		    ((unsigned char)t[e + 2] == 0x81 || (unsigned char)t[e + 2] == 0x92))
			break;	/* 、 (E3 80 81) or 〒 (E3 80 92) */
		e += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (e > len)
			e = len;
	}
	return e;
}

/* Does a prefecture's name start at t[s]? */
static int prefecture_at(const char *t, size_t len, size_t s)
{
	for (size_t i = 0; prefectures[i] != NULL; i++) {
		size_t n = strlen(prefectures[i]);

		if (n <= len - s && memcmp(t + s, prefectures[i], n) == 0)
			return 1;
	}
	return 0;
}

/* Add the value for the code c3-c4 (3 and 4 digits) and the address text
 * starting at s. */
static void postal_add(const char *t, size_t len, const char *c3, const char *c4,
    size_t s, struct valueset *out)
{
	char val[16 + ADDR_CHARS * 4];
	size_t e, k;

	while (s < len && (t[s] == ' ' || t[s] == ':'))
		s++;
	if (s + 1 < len && t[s] == '\t' && prefecture_at(t, len, s + 1))
		s++;	/* the code in one cell, the address in the next */
	e = addr_end(t, len, s);
	while (e > s && t[e - 1] == ' ')
		e--;
	memcpy(val, c3, 3);
	val[3] = '-';
	memcpy(val + 4, c4, 4);
	k = 8;
	if (e > s) {
		val[k++] = ' ';
		memcpy(val + k, t + s, e - s);
		k += e - s;
	}
	(void)valueset_add(out, val, k);
}

struct postal_scan {
	const struct postal_state *st;
	const char *text;
	size_t len;
	pcre2_match_data *md;
	struct valueset *out;
};

/* Match from text[from] on, the subject cut `tail` characters after `to`
 * (room for the separator and a prefecture name, for the lookahead). */
static void postal_range(struct postal_scan *sc, size_t from, size_t to, size_t tail)
{
	const char *text = sc->text;
	size_t cut = det_chars_fwd(text, sc->len, to, tail), at = from;

	while (at < to && det_match(text, cut, sc->st->re, at, 0, sc->md) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
		int g = ov[2] != PCRE2_UNSET ? 1 : 3;	/* 〒 form, or prefecture form */

		postal_add(text, sc->len, text + ov[2 * g], text + ov[2 * g + 2], ov[1], sc->out);
		at = ov[1] > ov[0] ? ov[1] : det_next_char(text, cut, ov[0]);
	}
}

static int digits_at(const char *t, size_t len, size_t at, size_t n)
{
	if (at + n > len)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (t[at + i] < '0' || t[at + i] > '9')
			return 0;
	return 1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The boundaries both shapes ask of a code NNN-NNNN at text[s..e): no
 * digit, or '-' and a digit, after it; no digit, or a digit and '-' or
 * '.', before it (the 〒 shape wants 〒 or a space there). */
static int code_alone(const char *t, size_t len, size_t s, size_t e)
{
	if (e < len && (is_digit(t[e]) || (t[e] == '-' && e + 1 < len && is_digit(t[e + 1]))))
		return 0;
	return !(s > 0 && (is_digit(t[s - 1]) ||
	    (s > 1 && (t[s - 1] == '-' || t[s - 1] == '.') && is_digit(t[s - 2]))));
}

/* Is the code NNN-NNNN at t[s..] (standing alone: code_alone) one of the
 * pattern's shapes: '〒' and at most two spaces before it, or one of the
 * prefectures after it, past at most two of ' ', ':', '、'?  Returns where
 * the address text is looked for (after the code; at the prefecture), or 0
 * when neither.  What the pattern asks, in C: this is where most of the
 * text's codes are. */
static size_t code_shape(const char *t, size_t len, size_t s)
{
	size_t b = s, e = s + 8;

	for (int k = 0; k < 3; k++) {
		if (b >= 3 && memcmp(t + b - 3, "〒", 3) == 0)
			return s + 8;
		if (k == 2 || b == 0 || t[b - 1] != ' ')
			break;
		b--;
	}
	for (int k = 0;; k++) {
		if (prefecture_at(t, len, e))
			return e;
		if (k == 2)
			return 0;
		if (e < len && (t[e] == ' ' || t[e] == ':'))
			e++;
		else if (len - e >= 3 && memcmp(t + e, "、", 3) == 0)
			e += 3;
		else
			return 0;
	}
}

/* Every NNN-NNNN of the cluster text[from..to) (digits and "-. ()+", 7
 * digits or more: det_digit_clusters) standing alone, at its '-', checked
 * in C (code_shape: what the pattern would ask). */
static void postal_codes(void *ctx, size_t from, size_t to)
{
	const struct postal_scan *sc = ctx;
	const char *text = sc->text, *p;
	size_t len = sc->len;

	for (size_t pos = from + 3; pos + 4 < to &&
	    (p = memchr(text + pos, '-', to - 4 - pos)) != NULL;) {
		size_t h = (size_t)(p - text), a;

		if (digits_at(text, len, h - 3, 3) && digits_at(text, len, h + 1, 4) &&
		    code_alone(text, len, h - 3, h + 5) && (a = code_shape(text, len, h - 3)) != 0)
			postal_add(text, len, text + h - 3, text + h + 1, a, sc->out);
		pos = h + 1;
	}
}

/* The cluster text[from..to) right after a '〒' (its spaces and digits are
 * separators and digits of the cluster, the '〒' is none): 7 digits after
 * at most two spaces are the unhyphenated code, where the pattern runs. */
static void postal_marked(void *ctx, size_t from, size_t to)
{
	struct postal_scan *sc = ctx;
	const char *text = sc->text;
	size_t m = from, d = m;

	(void)to;
	if (m < 3 || memcmp(text + m - 3, "〒", 3) != 0)
		return;
	while (d < sc->len && d < m + 2 && text[d] == ' ')
		d++;
	if (digits_at(text, sc->len, d, 7))
		postal_range(sc, m - 3, d + 7, 1);
}

/* Prefilters: every NNN-NNNN, and every unhyphenated 〒NNNNNNN, lies in a
 * cluster of digits and "-. ()+" holding 7 digits or more (the digit
 * clusters the detectors share: their own separators, so no walk inside
 * them); the codes with '-' first, then those after '〒', as the text
 * orders each. */
static void postal_scan(const void *state, const char *text, size_t len, struct valueset *out)
{
	struct postal_scan sc = { .st = state, .text = text, .len = len, .out = out };

	sc.md = pcre2_match_data_create_from_pattern(sc.st->re, NULL);
	if (sc.md == NULL) {
		valueset_set_incomplete(out);
		return;
	}
	det_digit_clusters(text, len, "-. ()+", 7, postal_codes, &sc);
	det_digit_clusters(text, len, "-. ()+", 7, postal_marked, &sc);
	pcre2_match_data_free(sc.md);
}

/* An address without a postcode (from a 住所 column, detect/table.c): the
 * prefecture, or the municipality when it comes within 5 characters, then
 * "***". */
static void mask_no_code(const char *value, char *out, size_t outlen)
{
	static const char *const units[] = { "市", "区", "町", "村", "郡", NULL };
	size_t n = strlen(value), i = 0;

	for (size_t p = 0; prefectures[p] != NULL; p++)
		if (strncmp(value, prefectures[p], strlen(prefectures[p])) == 0) {
			snprintf(out, outlen, "%s***", prefectures[p]);
			return;
		}
	for (size_t c = 0; c < 5 && i < n; c++) {
		i = det_next_char(value, n, i);
		for (size_t u = 0; units[u] != NULL && i >= 3; u++)
			if (memcmp(value + i - 3, units[u], 3) == 0) {
				snprintf(out, outlen, "%.*s***", (int)i, value);
				return;
			}
	}
	snprintf(out, outlen, "***");
}

static void postal_mask(const char *value, char *out, size_t outlen)
{
	size_t n = strlen(value);

	if (!(n >= 8 && value[0] >= '0' && value[0] <= '9' && value[3] == '-')) {
		mask_no_code(value, out, outlen);
		return;
	}
	if (n <= 8) {
		snprintf(out, outlen, "%s", value);
		return;
	}
	for (size_t i = 0; prefectures[i] != NULL; i++) {
		size_t pl = strlen(prefectures[i]);
		if (n >= 9 + pl && memcmp(value + 9, prefectures[i], pl) == 0) {
			snprintf(out, outlen, "%.8s %s***", value, prefectures[i]);
			return;
		}
	}
	snprintf(out, outlen, "%.8s ***", value);
}

const struct detector det_postal = {
	.init = postal_init,
	.scan = postal_scan,
	.mask = postal_mask,
	.free = postal_free,
};
