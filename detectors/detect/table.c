/*
 * table.c — tables give context to their cells (see table.h).
 *
 * Candidate lines.  Only lines that may hold a keyword cell are looked at:
 * lines holding one of the anchors 生 話 携 住 所在 郵 口座 個 マイナ 旅券
 * パスポ 保険 年金 免許 在留 氏名 名前 (each found at its least frequent
 * byte, some sharing one: one pass, 16 bytes at a time, looks for those
 * bytes and the separators together), and lines
 * holding a tab, a comma or '|' that hold an upper-case ASCII letter or
 * start the text, a sheet or a paragraph (a CSV's header row
 * "name,phone,mail"), where the English words are looked for.
 *
 * Cells, and which cells name a kind (keyword cells): table_cells.c.
 *
 * Header rows.  A line with two cells or more, one of them a keyword cell
 * and none of them a number, is a header row; with commas, '|' or spaces
 * every cell must also be short (TB_SHORT characters: a sentence is not a
 * header).  The empty header cells right after a keyword cell (a merged
 * cell) belong to its column group.  The rows after it are its data rows,
 * up to a blank line, a form feed, the next header row, or (commas, '|',
 * spaces) a line split otherwise; with spaces a row must have as many
 * cells as the header.  In each data row the cells of a group are taken
 * one by one and, when they are all pieces of a number (digits, '-', '+',
 * '(' ')'), joined: with nothing when every piece is one character (one
 * digit per cell), else with '-' (「090 | 1234 | 5678」).
 *
 * Labels.  In a line of cells (tab, comma, '|'), a keyword cell followed,
 * after at most 3 empty cells, by a cell that is no keyword cell: that cell
 * is a value of the kind, and with the pieces that follow it joined as
 * above (「電話 | 0 | 9 | 0 | …」, 「個人番号 | 1234 | 5678 | 9018」).
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "detect/table.h"
#include "detect/table_cells.h"
#include "detect/table_dates.h"
#include "detect/table_names.h"
#include "detect/util.h"
#include "detect/valueset.h"

#define TB_GROUP 16		/* cells one value may be split over */
#define TB_VALUE 64		/* bytes of a cell taken as a value */
#define TB_ADDR 60		/* characters of an address without a code */
#define TB_SKIP 3		/* empty cells between a label and its value */


/* Every non-ASCII word above holds one of these (メール needs none: a
 * mail column adds nothing), each looked for at its byte `at`, the one
 * least frequent in Japanese text (not 0x80-0x83, the middle bytes of
 * punctuation, kana and 、。). */
static const struct {
	const char *a;
	size_t at;
} tb_anchors[] = {
	{ "生", 2 }, { "話", 1 }, { "携", 1 }, { "住", 1 }, { "所在", 5 }, { "郵", 2 },
	{ "口座", 2 }, { "個", 2 }, { "マイナ", 2 },
	/* the identifiers' and the names' words; several anchors share a byte */
	{ "旅券", 5 }, { "パスポ", 8 }, { "保険", 2 }, { "年金", 5 }, { "免許", 2 },
	{ "在留", 2 }, { "氏名", 2 }, { "名前", 2 },
};
#define TB_NANCHORS (sizeof(tb_anchors) / sizeof(tb_anchors[0]))

struct tb {
	const char *t;
	size_t len;
	struct table_text *out;
	struct valueset *postal;	/* for addresses without a code, or NULL */
	struct valueset *names;		/* for a name column's lone surnames, or NULL */
	size_t *cand;			/* candidate line starts, sorted */
	size_t ncand, capcand;
	int err;
};

/* ---- text helpers ---- */
/* Start of the line holding `at` (after '\n' or '\f'). */
static size_t line_start(const char *t, size_t at)
{
	const char *nl = memrchr(t, '\n', at);
	size_t s = nl != NULL ? (size_t)(nl - t) + 1 : 0;
	const char *ff = at > s ? memrchr(t + s, '\f', at - s) : NULL;

	return ff != NULL ? (size_t)(ff - t) + 1 : s;
}

/* End of the line holding `at` (its '\n' or '\f', or len). */
static size_t line_end(const char *t, size_t len, size_t at)
{
	const char *nl = at < len ? memchr(t + at, '\n', len - at) : NULL;
	size_t e = nl != NULL ? (size_t)(nl - t) : len;
	const char *ff = e > at ? memchr(t + at, '\f', e - at) : NULL;

	return ff != NULL ? (size_t)(ff - t) : e;
}

static void put(struct tb *tb, enum finding_type ft, const char *s, size_t n)
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
	put(tb, ft, label, strlen(label));
	put(tb, ft, v, n);
	put(tb, ft, "\n", 1);
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

/* Phone: under a header, the 0 a spreadsheet dropped is put back. */
static void emit_phone(struct tb *tb, const char *v, size_t n, int header)
{
	char buf[TB_VALUE + 2];
	size_t digits = 0, i;

	for (i = 0; i < n && (tbc_is_digit(v[i]) || v[i] == '-'); i++)
		digits += tbc_is_digit(v[i]);
	if (header && i == n && n < TB_VALUE && v[0] >= '1' && v[0] <= '9' &&
	    (digits == 9 || digits == 10)) {
		buf[0] = '0';
		memcpy(buf + 1, v, n);
		put_line(tb, FT_PHONE, "電話 ", buf, n + 1);
		return;
	}
	put_line(tb, FT_PHONE, "電話 ", v, n);
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
static void emit_birth(struct tb *tb, const char *v, size_t n)
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
static size_t postcode_at(const char *v, size_t n, size_t *code)
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
	size_t code, cl = postcode_at(v, n, &code);

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

/* The values of kind k in cells c[from..to) (at most TB_GROUP non-empty):
 * each cell, and the pieces joined. */
static void emit_cells(struct tb *tb, unsigned k, const struct cells *c, size_t from,
    size_t to, int header, const char *zip, size_t zl)
{
	const char *t = tb->t;
	size_t s[TB_GROUP], e[TB_GROUP], n = 0, npieces = 0;
	char buf[TB_GROUP * TB_VALUE + 8];
	size_t bl;

	for (size_t i = from; i < to && i < c->n && n < TB_GROUP; i++)
		if (c->e[i] > c->s[i]) {
			s[n] = c->s[i];
			e[n] = c->e[i];
			npieces += tbc_is_piece(t, s[n], e[n]);
			n++;
		}
	if (n == 0)
		return;
	if (k == K_POSTAL) {	/* an address split over cells: joined */
		bl = 0;
		for (size_t i = 0; i < n && bl + (e[i] - s[i]) + 2 < sizeof(buf); i++) {
			memcpy(buf + bl, t + s[i], e[i] - s[i]);
			bl += e[i] - s[i];
			if (i == 0 && n > 1 && postcode_at(buf, bl, &(size_t){ 0 }) == bl)
				buf[bl++] = ' ';
		}
		emit_postal(tb, buf, bl, zip, zl);
		return;
	}
	if (k == K_ZIP) {
		if (postcode_at(t + s[0], e[0] - s[0], &bl) > 0)
			put_line(tb, FT_POSTAL_ADDRESS, "〒", t + s[0] + bl, e[0] - s[0] - bl);
		return;
	}
	if (k == K_NAME) {	/* one cell: a name split over cells is MeCab's */
		if (n == 1 && tbn_name_cell(t + s[0], e[0] - s[0], tb->names) < 0)
			tb->err = 1;
		return;
	}
	if (k == K_BIRTH && (bl = tbd_split_date(t, s, e, n, buf, sizeof(buf))) > 0) {
		emit_birth(tb, buf, bl);	/* 「昭和 | 42 | 1 | 2」 */
		return;
	}
	size_t id = 0;
	while (id < TB_NIDS && tb_ids[id].k != k)
		id++;
	if (k != K_PHONE && k != K_BIRTH && id == TB_NIDS)
		return;
	for (size_t i = 0; i < n; i++) {
		if (k == K_PHONE)
			emit_phone(tb, t + s[i], e[i] - s[i], header);
		else if (k == K_BIRTH)
			emit_birth(tb, t + s[i], e[i] - s[i]);
		else
			put_line(tb, tb_ids[id].ft, tb_ids[id].label, t + s[i], e[i] - s[i]);
	}
	if (n < 2 || npieces != n || (bl = join(t, s, e, n, id < TB_NIDS ? tb_ids[id].sep : '-',
	    buf, sizeof(buf))) == 0)
		return;
	if (k == K_PHONE)
		emit_phone(tb, buf, bl, header);
	else if (k == K_BIRTH)
		emit_birth(tb, buf, bl);
	else
		put_line(tb, tb_ids[id].ft, tb_ids[id].label, buf, bl);
}

/* Every kind of mask m for the cells c[from..to). */
static void emit_kinds(struct tb *tb, unsigned m, const struct cells *c, size_t from,
    size_t to, int header, const char *zip, size_t zl)
{
	for (unsigned k = 0; k <= K_LAST_VALUE; k++)
		if (m & KB(k))
			emit_cells(tb, k, c, from, to, header, zip, zl);
}

/* The last column of a header whose row has more cells than the header:
 * a spreadsheet or a document drops a row's empty cells at its end, so a
 * merged 生年月日 over 元号 | 年 | 月 | 日 as the last column arrives as a
 * header cell alone.  The cells c[from..to) are read only together — a
 * date in pieces, a number in pieces — never one by one (a remark after
 * the last column is no value of its kind). */
static void emit_open(struct tb *tb, unsigned m, const struct cells *c, size_t from,
    size_t to, int header)
{
	const char *t = tb->t;
	size_t s[TB_GROUP], e[TB_GROUP], n = 0, npieces = 0, bl, id;
	char buf[TB_GROUP * TB_VALUE + 8];

	for (size_t i = from; i < to && i < c->n && n < TB_GROUP; i++)
		if (c->e[i] > c->s[i]) {
			s[n] = c->s[i];
			e[n] = c->e[i];
			npieces += tbc_is_piece(t, s[n], e[n]);
			n++;
		}
	if (n < 2)
		return;
	if (m & KB(K_BIRTH) && (bl = tbd_split_date(t, s, e, n, buf, sizeof(buf))) > 0)
		emit_birth(tb, buf, bl);
	if (npieces != n)
		return;
	if (m & KB(K_PHONE) && (bl = join(t, s, e, n, '-', buf, sizeof(buf))) > 0)
		emit_phone(tb, buf, bl, header);
	for (id = 0; id < TB_NIDS; id++)
		if (m & KB(tb_ids[id].k) && (bl = join(t, s, e, n, tb_ids[id].sep, buf,
		    sizeof(buf))) > 0)
			put_line(tb, tb_ids[id].ft, tb_ids[id].label, buf, bl);
}

/* ---- header rows and their data rows ---- */

struct header {
	enum tb_mode mode;
	size_t ncols;
	unsigned kinds[TB_COLS];	/* kinds of the group starting at the column */
	size_t gend[TB_COLS];		/* end of that group */
	long zip;			/* the 郵便番号 column, or -1 */
	int postal;			/* a 住所 column exists */
	long ins, sym, num;		/* the 保険者番号, 記号, 番号 columns, or -1 */
};

/* Is the line with cells c (kinds km) a header row? */
static int header_ok(const char *t, const struct cells *c, const unsigned *km,
    enum tb_mode m)
{
	int kw = 0;

	if (c->n < 2)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		if (tbc_is_piece(t, c->s[i], c->e[i]) && tbc_has_digit(t, c->s[i], c->e[i]))
			return 0;
		if (m != M_TAB && tbc_nchars(t, c->s[i], c->e[i]) > TB_SHORT)
			return 0;
		kw |= (km[i] & K_ACTION) != 0;
	}
	return kw;
}

static void header_make(const struct cells *c, const unsigned *km, enum tb_mode m,
    struct header *h)
{
	h->mode = m;
	h->ncols = c->n;
	h->zip = -1;
	h->postal = 0;
	h->ins = h->sym = h->num = -1;
	for (size_t i = 0; i < c->n; i++) {
		if (km[i] & KB(K_INSURER) && h->ins < 0)
			h->ins = (long)i;
		if (km[i] & KB(K_HISYM) && h->sym < 0)
			h->sym = (long)i;
		if (km[i] & KB(K_HINUM) && h->num < 0 && (long)i != h->ins)
			h->num = (long)i;
	}
	for (size_t i = 0; i < c->n; i++) {
		h->kinds[i] = km[i] & K_ACTION;
		h->gend[i] = i + 1;
		if (h->kinds[i] == 0)
			continue;
		if (m == M_TAB || m == M_COMMA)
			while (h->gend[i] < c->n && h->gend[i] - i < TB_GROUP &&
			    c->s[h->gend[i]] == c->e[h->gend[i]])
				h->gend[i]++;
		if (h->kinds[i] & KB(K_ZIP) && h->zip < 0)
			h->zip = (long)i;
		h->postal |= (h->kinds[i] & KB(K_POSTAL)) != 0;
	}
	if (h->postal && h->zip >= 0)	/* the code goes with the address */
		h->kinds[h->zip] &= ~KB(K_ZIP);
}

/* The cell i of c, when it is there and not empty. */
static int cell_at(const struct cells *c, long i, size_t *s, size_t *e)
{
	if (i < 0 || (size_t)i >= c->n || c->s[i] == c->e[i])
		return 0;
	*s = c->s[i];
	*e = c->e[i];
	return 1;
}

/* A health insurance card in a row: the insurer number's cell with the
 * 記号 and 番号 cells (one 記号・番号 column, or its merged two), written
 * as the card reads 「保険者番号 01130012 記号 1234 番号 56」 for the
 * health insurance detector (check digit, shapes). */
static void row_card(struct tb *tb, const struct header *h, const struct cells *c)
{
	const char *t = tb->t;
	size_t is, ie, ss, se, ns, ne;
	char buf[3 * TB_VALUE + 64];
	long num = h->num;
	int n;

	if (h->sym < 0 || !cell_at(c, h->ins, &is, &ie) || !cell_at(c, h->sym, &ss, &se))
		return;
	if (num == h->sym && h->gend[h->sym] > (size_t)h->sym + 1)
		num = h->sym + 1;	/* 記号・番号 over two cells */
	if (num < 0 || ie - is > TB_VALUE || se - ss > TB_VALUE)
		return;
	if (num == h->sym)
		n = snprintf(buf, sizeof(buf), "保険者番号 %.*s 記号・番号 %.*s\n", (int)(ie - is),
		    t + is, (int)(se - ss), t + ss);
	else if (cell_at(c, num, &ns, &ne) && ne - ns <= TB_VALUE)
		n = snprintf(buf, sizeof(buf), "保険者番号 %.*s 記号 %.*s 番号 %.*s\n",
		    (int)(ie - is), t + is, (int)(se - ss), t + ss, (int)(ne - ns), t + ns);
	else
		return;
	if (n > 0 && (size_t)n < sizeof(buf))
		put(tb, FT_HEALTH_INSURANCE, buf, (size_t)n);
}

/* One data row. */
static void row_emit(struct tb *tb, const struct header *h, const struct cells *c)
{
	const char *zip = NULL;
	size_t zl = 0, off;

	if (h->zip >= 0 && (size_t)h->zip < c->n &&
	    (zl = postcode_at(tb->t + c->s[h->zip], c->e[h->zip] - c->s[h->zip], &off)) > 0) {
		zip = tb->t + c->s[h->zip] + off;
		zl -= off;
	}
	for (size_t i = 0; i < h->ncols && i < c->n; i++)
		if (h->kinds[i] != 0)
			emit_kinds(tb, h->kinds[i], c, i, h->gend[i], 1, zip, zl);
	if (h->ncols > 0 && c->n > h->ncols && h->kinds[h->ncols - 1] != 0 &&
	    h->gend[h->ncols - 1] == h->ncols)
		emit_open(tb, h->kinds[h->ncols - 1], c, h->ncols - 1, h->ncols - 1 + TB_GROUP, 1);
	if (h->ins >= 0)
		row_card(tb, h, c);
}

static int is_candidate(struct tb *tb, size_t *ci, size_t ls)
{
	while (*ci < tb->ncand && tb->cand[*ci] < ls)
		(*ci)++;
	return *ci < tb->ncand && tb->cand[*ci] == ls;
}

/* Only spaces, or (empty cells) only spaces and sep? */
static int blank(const char *t, size_t s, size_t e, char sep)
{
	for (size_t i = s; i < e; i++)
		if (t[i] != ' ' && t[i] != sep)
			return 0;
	return 1;
}

/* Does every run of t[s..e) between two sep bytes hold at most
 * 3 * TB_SHORT bytes?  (A quick necessary test before tbc_split().) */
static int short_runs(const char *t, size_t s, size_t e, char sep)
{
	while (s < e) {
		const char *p = memchr(t + s, sep, e - s);
		size_t q = p != NULL ? (size_t)(p - t) : e;

		if (q - s > 3 * TB_SHORT)
			return 0;
		s = q + 1;
	}
	return 1;
}

/* Cells of line [ls, le) and their kinds; is it a header row? */
static int line_header(struct tb *tb, size_t ls, size_t le, struct cells *c, unsigned *km,
    enum tb_mode *mode)
{
	*mode = tbc_line_mode(tb->t, ls, le);
	c->n = 0;
	if (*mode == M_NONE)
		return 0;
	if (*mode != M_TAB && !short_runs(tb->t, ls, le, *mode == M_COMMA ? ',' :
	    *mode == M_PIPE ? '|' : ' '))
		return 0;
	tbc_split(tb->t, ls, le, *mode, c);
	/* with commas, '|' or spaces a long cell is prose: no header, no
	 * labels (nothing is looked at with spaces but headers) */
	if (*mode != M_TAB)
		for (size_t i = 0; i < c->n; i++)
			if (c->e[i] - c->s[i] > 3 * TB_SHORT) {
				c->n = 0;
				return 0;
			}
	/* with spaces only a header counts: the header tests that need no
	 * kinds first */
	if (*mode == M_SPACE1 || *mode == M_SPACE2)
		for (size_t i = 0; i < c->n; i++)
			if ((tbc_is_piece(tb->t, c->s[i], c->e[i]) &&
			    tbc_has_digit(tb->t, c->s[i], c->e[i])) ||
			    tbc_nchars(tb->t, c->s[i], c->e[i]) > TB_SHORT) {
				c->n = 0;
				return 0;
			}
	for (size_t i = 0; i < c->n; i++)
		km[i] = tbc_cell_kinds(tb->t, c->s[i], c->e[i]);
	return header_ok(tb->t, c, km, *mode);
}

/* The data rows after the header h that ends at hend: returns where the
 * table ends. */
static size_t table_rows(struct tb *tb, const struct header *h, size_t hend, size_t ci,
    struct cells *c, unsigned *km)
{
	const char *t = tb->t;
	size_t ls = hend;

	while (ls < tb->len && t[ls] != '\f') {
		size_t le;
		enum tb_mode m;

		ls++;		/* past the '\n' */
		le = line_end(t, tb->len, ls);
		if (blank(t, ls, le, ' '))
			return ls;
		if (blank(t, ls, le, h->mode == M_TAB ? '\t' : h->mode == M_COMMA ? ',' : ' ')) {
			ls = le;	/* a row of empty cells */
			continue;
		}
		if (is_candidate(tb, &ci, ls) && line_header(tb, ls, le, c, km, &m))
			return ls;
		tbc_split(t, ls, le, h->mode, c);
		if (h->mode != M_TAB && c->n < 2)
			return ls;
		if ((h->mode == M_SPACE1 || h->mode == M_SPACE2) && c->n != h->ncols) {
			ls = le;
			continue;
		}
		row_emit(tb, h, c);
		ls = le;
	}
	return ls;
}

/* A date split over the cells after a label, 「生年月日 | 昭和 | 42 | 1 | 2」
 * (up to the next keyword cell): emitted, 1; else 0. */
static int label_split_date(struct tb *tb, const struct cells *c, const unsigned *km,
    size_t j)
{
	size_t s[4], e[4], n = 0, bl;
	char buf[TB_VALUE];

	for (size_t i = j; i < c->n && n < 4 && km[i] == 0 && c->s[i] < c->e[i]; i++) {
		s[n] = c->s[i];
		e[n++] = c->e[i];
	}
	for (size_t want = n; want >= 3; want--)	/* the longest reading */
		if ((bl = tbd_split_date(tb->t, s, e, want, buf, sizeof(buf))) > 0) {
			emit_birth(tb, buf, bl);
			return 1;
		}
	return 0;
}

/* Labels in the row c (kinds km): the cells after each keyword cell. */
static void row_labels(struct tb *tb, const struct cells *c, const unsigned *km)
{
	const char *t = tb->t;

	for (size_t i = 0; i < c->n; i++) {
		size_t j = i + 1, k, pe;
		/* a label names no name (a column does) and no insurer (the
		 * card's 記号 and 番号 are read beside a column) */
		unsigned m = km[i] & K_ACTION & ~(KB(K_NAME) | KB(K_INSURER));

		if (m == 0)
			continue;
		while (j < c->n && j - i <= TB_SKIP && c->s[j] == c->e[j])
			j++;
		if (j >= c->n || c->s[j] == c->e[j] || km[j] != 0)
			continue;
		/* the value cell, and the pieces after it */
		for (k = j; k < c->n && k - j < TB_GROUP && km[k] == 0 &&
		    tbc_is_piece(t, c->s[k], c->e[k]); k++)
			;
		emit_kinds(tb, m & ~(KB(K_POSTAL) | KB(K_ZIP) | KB(K_BIRTH)), c, j, k > j ? k : j + 1,
		    0, NULL, 0);
		if (m & KB(K_BIRTH) && !label_split_date(tb, c, km, j))
			emit_cells(tb, K_BIRTH, c, j, k > j ? k : j + 1, 0, NULL, 0);
		if (m & KB(K_POSTAL)) {
			pe = j + 1;	/* 「住所 | 〒100-8914 | 東京都…」: code and address */
			if (j + 1 < c->n && km[j + 1] == 0 &&
			    postcode_at(t + c->s[j], c->e[j] - c->s[j], &k) == c->e[j] - c->s[j])
				pe = j + 2;
			emit_cells(tb, K_POSTAL, c, j, pe, 0, NULL, 0);
		} else if (m & KB(K_ZIP)) {
			emit_cells(tb, K_ZIP, c, j, j + 1, 0, NULL, 0);
		}
	}
}

/* ---- candidate lines ---- */

static void cand_push(struct tb *tb, size_t ls)
{
	if (tb->ncand == tb->capcand) {
		size_t cap = tb->capcand ? tb->capcand * 2 : 64;
		size_t *p = realloc(tb->cand, cap * sizeof(*p));

		if (p == NULL) {
			tb->err = 1;
			return;
		}
		tb->cand = p;
		tb->capcand = cap;
	}
	tb->cand[tb->ncand++] = ls;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The anchors (bit i: tb_anchors[i]) whose byte `at` byte c is; 0 for
 * none (cand_bytes looks for the same bytes; keep both in step with
 * tb_anchors). */
#define A(i) (1u << (i))
static const uint32_t tb_anchor_of[256] = {
	[0x9F] = A(0), [0xA9] = A(1), [0x90] = A(2), [0xBD] = A(3), [0xA8] = A(4) | A(14),
	[0xB5] = A(5), [0xA3] = A(6), [0x8B] = A(7), [0x9E] = A(8), [0xB8] = A(9),
	[0x9D] = A(10) | A(11), [0x91] = A(12), [0x8D] = A(13) | A(16), [0x8F] = A(15),
};
#undef A

/* Bit k set when byte base + k is one of the bytes looked for: each
 * anchor's byte `at`, tab, comma, '|' (16 bytes at a time). */
static uint32_t cand_bytes(const unsigned char *u, size_t len, size_t base)
{
	uint32_t m = 0;

#ifdef __SSE2__
	if (base + 16 <= len) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + base));
#define EQ(c) _mm_cmpeq_epi8(x, _mm_set1_epi8((char)(c)))
		__m128i r = _mm_or_si128(_mm_or_si128(_mm_or_si128(EQ('\t'), EQ(',')),
		    _mm_or_si128(EQ('|'), EQ(0x9F))), _mm_or_si128(_mm_or_si128(EQ(0xA9), EQ(0x90)),
		    _mm_or_si128(EQ(0xBD), EQ(0xA8))));

		r = _mm_or_si128(r, _mm_or_si128(_mm_or_si128(EQ(0xB5), EQ(0xA3)),
		    _mm_or_si128(EQ(0x8B), EQ(0x9E))));
		r = _mm_or_si128(r, _mm_or_si128(_mm_or_si128(_mm_or_si128(EQ(0xB8), EQ(0x9D)),
		    _mm_or_si128(EQ(0x91), EQ(0x8D))), EQ(0x8F)));
#undef EQ
		return (uint32_t)_mm_movemask_epi8(r);
	}
#endif
	for (size_t k = 0; k < 16 && base + k < len; k++) {
		unsigned char c = u[base + k];

		if (tb_anchor_of[c] || c == '\t' || c == ',' || c == '|')
			m |= 1u << k;
	}
	return m;
}

/* Lines that may hold a keyword cell, sorted, each once.  One pass finds
 * every byte an anchor is looked for at and every separator, in order; a
 * line taken goes on from its end, and a line's separators are weighed
 * once. */
static void candidates(struct tb *tb)
{
	const char *t = tb->t;
	const unsigned char *u = (const unsigned char *)t;
	size_t n = 0, s_ls = 1, s_le = 0;	/* the line weighed last (empty: none) */

	for (size_t base = 0, next; base < tb->len && !tb->err; base = next) {
		next = base + 16;
		for (uint32_t m = cand_bytes(u, tb->len, base); m; m &= m - 1) {
			size_t p = base + (size_t)__builtin_ctz(m), ls = 0, le = 0;
			unsigned char c = u[p];
			uint32_t am = tb_anchor_of[c];

			if (am == 0) {	/* tab, comma, '|' */
				int top;

				if (p >= s_ls && p <= s_le)
					continue;	/* its line is weighed */
				if (c == ',' && p > 0 && tbc_is_digit(t[p - 1]) && tbc_is_digit(t[p + 1]))
					continue;	/* 1,234,567: an amount, no cell */
				s_ls = line_start(t, p);
				s_le = line_end(t, tb->len, p);
				/* a line with a capital, or the first of its block or
				 * after a blank line (a lower-case CSV header) */
				top = s_ls == 0 || t[s_ls - 1] == '\f' || (s_ls >= 2 && t[s_ls - 2] == '\n');
				if (!tbc_ascii_words(t, s_ls, s_le, top))
					continue;
				ls = s_ls, le = s_le;
			} else {
				size_t at = 0;

				for (; am; am &= am - 1) {
					unsigned ai = (unsigned)__builtin_ctz(am);
					const char *an = tb_anchors[ai].a;
					size_t k = tb_anchors[ai].at;

					if (p < k)
						continue;
					at = p - k;
					/* the first two bytes inline: most bytes found
					 * are in other characters */
					if (t[at] == an[0] && t[at + 1] == an[1] &&
					    at + strlen(an) <= tb->len && memcmp(t + at, an, strlen(an)) == 0)
						break;
				}
				if (am == 0)
					continue;
				ls = line_start(t, at);
				le = line_end(t, tb->len, at);
			}
			cand_push(tb, ls);
			next = le + 1;	/* the line is taken: on from its end */
			break;
		}
	}
	if (tb->err || tb->ncand == 0)
		return;
	qsort(tb->cand, tb->ncand, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < tb->ncand; i++)
		if (n == 0 || tb->cand[n - 1] != tb->cand[i])
			tb->cand[n++] = tb->cand[i];
	tb->ncand = n;
}

/* ---- entry ---- */

int table_context(const char *text, size_t len, struct table_text out[FT_COUNT],
    struct valueset *sets[FT_COUNT])
{
	struct tb tb = { .t = text, .len = len, .out = out, .postal = sets[FT_POSTAL_ADDRESS],
	    .names = sets[FT_NAMES] };
	struct cells *c = malloc(sizeof(*c));
	unsigned *km = malloc(TB_COLS * sizeof(*km));
	struct header *h = malloc(sizeof(*h));
	size_t done = 0;

	if (c == NULL || km == NULL || h == NULL) {
		tb.err = 1;
		goto out;
	}
	candidates(&tb);
	for (size_t ci = 0; ci < tb.ncand && !tb.err; ci++) {
		size_t ls = tb.cand[ci], le = line_end(text, len, ls);
		enum tb_mode m;
		int head = line_header(&tb, ls, le, c, km, &m);

		if (m == M_TAB || m == M_COMMA || m == M_PIPE)
			row_labels(&tb, c, km);
		if (!head || ls < done)
			continue;
		header_make(c, km, m, h);
		done = table_rows(&tb, h, le, ci + 1, c, km);
	}
out:
	free(tb.cand);
	free(c);
	free(km);
	free(h);
	return tb.err ? -1 : 0;
}

void table_text_free(struct table_text out[FT_COUNT])
{
	for (int t = 0; t < FT_COUNT; t++) {
		free(out[t].p);
		out[t].p = NULL;
		out[t].len = out[t].cap = 0;
	}
}
