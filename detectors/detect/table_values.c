/*
 * table_values.c — the values of the table pass, written to the
 * detectors' text by kind (table_int.h).
 *
 * Values, by kind, as written to the detector's text:
 *  - phone: 「電話 」 + the value; under a header a value of 9 or 10 digits
 *    (hyphens allowed) not starting with 0 gets its 0 back — a spreadsheet
 *    that stored 09012345678 as a number shows 9012345678 — so that it is
 *    read as 09012345678 (the phone detector still checks the shape);
 *  - birth_date: 「生年月日 」 + the value; 8 digits YYYYMMDD become
 *    YYYY-MM-DD, and 5 digits an Excel date serial (days since 1899-12-30,
 *    as an .xlsx stores a date cell: 24474 is 1967-01-02);
 *  - bank_account: 「口座番号 」 + the value; my_number: 「個人番号 」 +
 *    the value (the check digit applies); the identifiers the same behind
 *    their keyword (tb_ids: 「旅券番号 」「基礎年金番号 」「運転免許証番号 」
 *    「在留カード番号 」), their detectors deciding on shape and check digit;
 *  - health_insurance: a row's 保険者番号, 記号 and 番号 cells (or one
 *    記号・番号 cell) as the card reads, 「保険者番号 X 記号 Y 番号 Z」
 *    (row_card); an insurer column alone gives nothing;
 *  - birth_date over several cells: an era date in pieces, 「昭和 | 42 |
 *    1 | 2」 (table_dates.c), before the pieces joined;
 *  - names: a 氏名 column's lone surnames and kana names, added to the
 *    names set directly (table_names.c: MeCab does not count them);
 *  - postal_address: a value starting with a postcode, or any value of a
 *    row whose 郵便番号 column holds one, becomes 「〒code address」; a value
 *    without a code that reads as an address — a 市 区 町 村 or 郡 after
 *    another character, then a digit, 丁目 or 番地 — is added as it is (at
 *    most 60 characters).
 * Mail addresses need no context: their columns add nothing.
 *
 * The last column of a header: spreadsheets and documents drop a row's
 * empty cells at its end, so a merged header as the last column arrives as
 * one cell; a row with more cells than its header has its extra cells read
 * with that column's, together only (emit_open).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/table_cells.h"
#include "detect/table_dates.h"
#include "detect/table_int.h"
#include "detect/table_names.h"
#include "detect/util.h"
#include "detect/valueset.h"

#define TB_ADDR 60		/* characters of an address without a code */

void tb_put(struct tb *tb, enum finding_type ft, const char *s, size_t n)
{
	struct table_text *b = &tb->out[ft];

	if (tb->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			tb->err = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* One labelled line: label, the value v[0..n) cut to TB_VALUE bytes on a
 * character boundary, a line end. */
static void put_line(struct tb *tb, enum finding_type ft, const char *label, const char *v,
    size_t n)
{
	if (n > TB_VALUE) {
		n = TB_VALUE;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	tb_put(tb, ft, label, strlen(label));
	tb_put(tb, ft, v, n);
	tb_put(tb, ft, "\n", 1);
}

/* ---- values ---- */

/* Join the pieces t[s[i]..e[i]) into out: with nothing when each is one
 * character or around a parenthesis, else with `sep`.  Returns the length
 * (0 when it does not fit). */
static size_t join(const char *t, const size_t *s, const size_t *e, size_t n, char sep,
    char *out, size_t cap)
{
	size_t k = 0;
	int single = 1;

	for (size_t i = 0; i < n; i++)
		single &= e[i] - s[i] == 1;
	for (size_t i = 0; i < n; i++) {
		size_t l = e[i] - s[i];
		if (k + l + 2 > cap)
			return 0;
		if (i > 0 && !single && sep && out[k - 1] != ')' && t[s[i]] != '(')
			out[k++] = sep;
		memcpy(out + k, t + s[i], l);
		k += l;
	}
	out[k] = '\0';
	return k;
}

/* Does a phone value v[0..n) get back the 0 a spreadsheet dropped (under
 * a header, 9 or 10 digits and '-' only, not starting with 0)? */
static int phone_lost_zero(const char *v, size_t n, int header)
{
	size_t digits = 0, i;

	/* the cheap tests first: most values start with their 0 */
	if (!header || n >= TB_VALUE || v[0] < '1' || v[0] > '9')
		return 0;
	for (i = 0; i < n && (tbc_is_digit(v[i]) || v[i] == '-'); i++)
		digits += tbc_is_digit(v[i]);
	return i == n && (digits == 9 || digits == 10);
}

/* Phone: under a header, the 0 a spreadsheet dropped is put back. */
static void emit_phone(struct tb *tb, const char *v, size_t n, int header)
{
	char buf[TB_VALUE + 2];

	if (phone_lost_zero(v, n, header)) {
		buf[0] = '0';
		memcpy(buf + 1, v, n);
		put_line(tb, FT_PHONE, "電話 ", buf, n + 1);
		return;
	}
	put_line(tb, FT_PHONE, "電話 ", v, n);
}

/* ---- values the main pass has read ---- */

/* Is c a byte of the phone detector's clusters (a digit or one of
 * "-. ()+": phone.c, det_digit_clusters)? */
static int phone_byte(char c)
{
	return tbc_is_digit(c) || c == '-' || c == '.' || c == ' ' || c == '(' || c == ')' ||
	    c == '+';
}

/* Would the labelled line 「電話 V」 for the whole cell t[s..e) add nothing
 * to the phone set the main pass filled?  The phone detector is a function
 * of the clusters of digits and "-. ()+" and of the byte on each side of a
 * match (phone.c: the boundaries, space_continues).  When the cell is
 * written as it is (no 0 put back, not cut to TB_VALUE) and the bytes
 * right before and after it in the text are no cluster bytes, its clusters
 * and their neighbours are in the main text what they are in the line
 * (there 「話」's last byte and a space before it, '\n' after): the same
 * matches, the same values, already added. */
static int phone_read_before(const struct tb *tb, size_t s, size_t e, int header)
{
	const char *t = tb->t;

	return tb->phones_read && e - s <= TB_VALUE && !phone_lost_zero(t + s, e - s, header) &&
	    (s == 0 || !phone_byte(t[s - 1])) && (e == tb->len || !phone_byte(t[e]));
}

/* Does the cell t[s..e) end in 4 digits, then only ' ' and ':'?  (Every
 * postcode ends in 4 digits.) */
static int ends_in_code(const char *t, size_t s, size_t e)
{
	while (e > s && (t[e - 1] == ' ' || t[e - 1] == ':'))
		e--;
	for (size_t k = 1; k <= 4; k++)
		if (e < s + k || !tbc_is_digit(t[e - k]))
			return 0;
	return 1;
}

/* Would the labelled line for the whole cell t[s..e), a postal address
 * written as 「〒」 and the cell from its code on, add nothing to the set
 * the main pass filled?  Yes when the line is the cell byte for byte: the
 * cell starts with 〒 and the code right after it, and fits TB_VALUE; and
 * the address text ends in the text where the line ends it: the byte
 * after the cell ends an address (postal.c addr_end: '\n' '\t' '\f' ','),
 * and when it is a tab the cell does not end in a code (then the main
 * text's address would be the next cell: postal_add).  The postal
 * detector reads the clusters of digits and "-. ()+" in the cell (bounded
 * by 〒 and that byte), the 〒 and spaces before each code, the prefecture
 * after it (a name holding no line end or tab, so within the cell), the
 * address text to its end: the same in both. */
static int postal_read_before(const struct tb *tb, size_t s, size_t e)
{
	const char *t = tb->t;
	size_t code;

	if (tb->postal == NULL || e - s > TB_VALUE || !tbc_starts(t, s, e, "〒") ||
	    tb_postcode_at(t + s, e - s, &code) == 0 || code != 3)
		return 0;
	if (e == tb->len || t[e] == '\n' || t[e] == '\f' || t[e] == ',')
		return 1;
	return t[e] == '\t' && !ends_in_code(t, s, e);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Birth date: YYYYMMDD and Excel serials made ISO, the rest as written. */
void tb_emit_birth(struct tb *tb, const char *v, size_t n)
{
	char buf[32];
	size_t i;
	int y, m, d;

	for (i = 0; i < n && tbc_is_digit(v[i]); i++)
		;
	if (i == 8 && n == 8) {
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2s", v, v + 4, v + 6);
		put_line(tb, FT_BIRTH_DATE, "生年月日 ", buf, 10);
		return;
	}
	if (i == 5 && (n == 5 || (v[5] == '.' && strspn(v + 6, "0") == n - 6))) {
		long serial = strtol(v, NULL, 10);

		civil(serial - 25569, &y, &m, &d);
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
		put_line(tb, FT_BIRTH_DATE, "生年月日 ", buf, 10);
		return;
	}
	put_line(tb, FT_BIRTH_DATE, "生年月日 ", v, n);
}

/* Length of a postcode (NNN-NNNN or NNNNNNN, 〒 and spaces before it) at
 * the start of v[0..n), or 0; *code gets its offset. */
size_t tb_postcode_at(const char *v, size_t n, size_t *code)
{
	size_t i = 0;

	if (tbc_starts(v, 0, n, "〒"))
		i = 3;
	while (i < n && v[i] == ' ')
		i++;
	*code = i;
	for (size_t k = 0; k < 3; k++)
		if (i + k >= n || !tbc_is_digit(v[i + k]))
			return 0;
	i += 3;
	if (i < n && v[i] == '-')
		i++;
	for (size_t k = 0; k < 4; k++)
		if (i + k >= n || !tbc_is_digit(v[i + k]))
			return 0;
	i += 4;
	return i < n && (tbc_is_digit(v[i]) || v[i] == '-') ? 0 : i;
}

/* Does v[0..n) read as an address: a 市 区 町 村 or 郡 after another
 * character, then a digit, 丁目 or 番地? */
static int looks_address(const char *v, size_t n)
{
	static const char *const units[] = { "市", "区", "町", "村", "郡", NULL };

	for (size_t i = 1; i + 3 <= n; i++)
		for (size_t u = 0; units[u] != NULL; u++)
			if (memcmp(v + i, units[u], 3) == 0) {
				size_t r = i + 3;
				return tbc_has_digit(v, r, n) ||
				    memmem(v + r, n - r, "丁目", 6) != NULL ||
				    memmem(v + r, n - r, "番地", 6) != NULL;
			}
	return 0;
}

/* Postal address: with a code (its own or the row's 郵便番号), for the
 * postal detector; without, added as it is when it reads as an address. */
static void emit_postal(struct tb *tb, const char *v, size_t n, const char *zip, size_t zl)
{
	char buf[TB_VALUE + 32];
	size_t code, cl = tb_postcode_at(v, n, &code);

	if (cl > 0) {
		put_line(tb, FT_POSTAL_ADDRESS, "〒", v + code, n - code);
		return;
	}
	if (zl > 0) {
		size_t k = (size_t)snprintf(buf, sizeof(buf), "%.*s ", (int)zl, zip);
		size_t m = n < sizeof(buf) - k ? n : sizeof(buf) - k;
		memcpy(buf + k, v, m);
		put_line(tb, FT_POSTAL_ADDRESS, "〒", buf, k + m);
		return;
	}
	if (tb->postal == NULL || !looks_address(v, n))
		return;
	size_t e = 0;
	for (size_t c = 0; e < n && c < TB_ADDR; c++)
		e = det_next_char(v, n, e);
	if (valueset_add(tb->postal, v, e) < 0)
		tb->err = 1;
}

/* Where the values of the identifiers' kinds go: the type, the label
 * written before each value (the keyword its detector requires), and the
 * separator pieces split over cells are joined with. */
static const struct {
	enum tb_kind k;
	enum finding_type ft;
	const char *label;
	char sep;
} tb_ids[] = {
	{ K_BANK, FT_BANK_ACCOUNT, "口座番号 ", '-' },
	{ K_MYNUM, FT_MY_NUMBER, "個人番号 ", '-' },
	{ K_PASSPORT, FT_PASSPORT, "旅券番号 ", 0 },
	{ K_PENSION, FT_PENSION_NUMBER, "基礎年金番号 ", '-' },
	{ K_LICENSE, FT_DRIVERS_LICENSE, "運転免許証番号 ", 0 },
	{ K_RESIDENCE, FT_RESIDENCE_CARD, "在留カード番号 ", 0 },
};
#define TB_NIDS (sizeof(tb_ids) / sizeof(tb_ids[0]))

/* The non-empty cells of c[from..to), at most TB_GROUP, into s[], e[]:
 * their number. */
static size_t gather(const struct cells *c, size_t from, size_t to, size_t *s, size_t *e)
{
	size_t n = 0;

	for (size_t i = from; i < to && i < c->n && n < TB_GROUP; i++)
		if (c->e[i] > c->s[i]) {
			s[n] = c->s[i];
			e[n] = c->e[i];
			n++;
		}
	return n;
}

/* Are the n cells s[], e[] all pieces of a number?  (Asked only of two
 * cells or more: most values are one cell, and read whole.) */
static int all_pieces(const char *t, const size_t *s, const size_t *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!tbc_is_piece(t, s[i], e[i]))
			return 0;
	return 1;
}

/* One value v[0..n) of kind k (K_PHONE, K_BIRTH or tb_ids[id]). */
static void emit_value(struct tb *tb, unsigned k, size_t id, const char *v, size_t n,
    int header)
{
	if (k == K_PHONE)
		emit_phone(tb, v, n, header);
	else if (k == K_BIRTH)
		tb_emit_birth(tb, v, n);
	else
		put_line(tb, tb_ids[id].ft, tb_ids[id].label, v, n);
}

/* The values of kind k in cells c[from..to) (at most TB_GROUP non-empty):
 * each cell, and the pieces joined. */
void tb_emit_cells(struct tb *tb, unsigned k, const struct cells *c, size_t from,
    size_t to, int header, const char *zip, size_t zl)
{
	const char *t = tb->t;
	size_t s[TB_GROUP], e[TB_GROUP], bl;
	size_t n = gather(c, from, to, s, e);
	char buf[TB_GROUP * TB_VALUE + 8];

	if (n == 0)
		return;
	if (k == K_POSTAL) {	/* an address split over cells: joined */
		if (n == 1 && postal_read_before(tb, s[0], e[0]))
			return;
		bl = 0;
		for (size_t i = 0; i < n && bl + (e[i] - s[i]) + 2 < sizeof(buf); i++) {
			memcpy(buf + bl, t + s[i], e[i] - s[i]);
			bl += e[i] - s[i];
			if (i == 0 && n > 1 && tb_postcode_at(buf, bl, &(size_t){ 0 }) == bl)
				buf[bl++] = ' ';
		}
		emit_postal(tb, buf, bl, zip, zl);
		return;
	}
	if (k == K_ZIP) {
		if (tb_postcode_at(t + s[0], e[0] - s[0], &bl) > 0)
			put_line(tb, FT_POSTAL_ADDRESS, "〒", t + s[0] + bl, e[0] - s[0] - bl);
		return;
	}
	if (k == K_NAME) {	/* one cell: a name split over cells is MeCab's */
		if (n == 1 && tbn_name_cell(t + s[0], e[0] - s[0], tb->names) < 0)
			tb->err = 1;
		return;
	}
	if (k == K_BIRTH && (bl = tbd_split_date(t, s, e, n, buf, sizeof(buf))) > 0) {
		tb_emit_birth(tb, buf, bl);	/* 「昭和 | 42 | 1 | 2」 */
		return;
	}
	size_t id = 0;
	while (id < TB_NIDS && tb_ids[id].k != k)
		id++;
	if (k != K_PHONE && k != K_BIRTH && id == TB_NIDS)
		return;
	for (size_t i = 0; i < n; i++)
		if (k != K_PHONE || !phone_read_before(tb, s[i], e[i], header))
			emit_value(tb, k, id, t + s[i], e[i] - s[i], header);
	if (n >= 2 && all_pieces(t, s, e, n) && (bl = join(t, s, e, n, id < TB_NIDS ? tb_ids[id].sep : '-',
	    buf, sizeof(buf))) > 0)
		emit_value(tb, k, id, buf, bl, header);
}

/* Every kind of mask m for the cells c[from..to). */
void tb_emit_kinds(struct tb *tb, unsigned m, const struct cells *c, size_t from,
    size_t to, int header, const char *zip, size_t zl)
{
	/* the kinds in increasing order, one bit at a time */
	for (m &= (KB(K_LAST_VALUE) << 1) - 1; m != 0; m &= m - 1)
		tb_emit_cells(tb, (unsigned)__builtin_ctz(m), c, from, to, header, zip, zl);
}

/* The last column of a header whose row has more cells than the header:
 * a spreadsheet or a document drops a row's empty cells at its end, so a
 * merged 生年月日 over 元号 | 年 | 月 | 日 as the last column arrives as a
 * header cell alone.  The cells c[from..to) are read only together — a
 * date in pieces, a number in pieces — never one by one (a remark after
 * the last column is no value of its kind). */
void tb_emit_open(struct tb *tb, unsigned m, const struct cells *c, size_t from,
    size_t to, int header)
{
	const char *t = tb->t;
	size_t s[TB_GROUP], e[TB_GROUP], bl, id;
	size_t n = gather(c, from, to, s, e);
	char buf[TB_GROUP * TB_VALUE + 8];

	if (n < 2)
		return;
	if (m & KB(K_BIRTH) && (bl = tbd_split_date(t, s, e, n, buf, sizeof(buf))) > 0)
		tb_emit_birth(tb, buf, bl);
	if (!all_pieces(t, s, e, n))
		return;
	if (m & KB(K_PHONE) && (bl = join(t, s, e, n, '-', buf, sizeof(buf))) > 0)
		emit_phone(tb, buf, bl, header);
	for (id = 0; id < TB_NIDS; id++)
		if (m & KB(tb_ids[id].k) && (bl = join(t, s, e, n, tb_ids[id].sep, buf,
		    sizeof(buf))) > 0)
			put_line(tb, tb_ids[id].ft, tb_ids[id].label, buf, bl);
}
