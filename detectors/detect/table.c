/*
 * table.c — tables give context to their cells (see table.h).
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
 * The values (table_values.c) and the candidate lines (table_lines.c)
 * are in files of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/table.h"
#include "detect/table_cells.h"
#include "detect/table_dates.h"
#include "detect/table_int.h"
#include "detect/table_names.h"
#include "detect/util.h"
#include "detect/valueset.h"

#define TB_SKIP 3		/* empty cells between a label and its value */

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
		tb_put(tb, FT_HEALTH_INSURANCE, buf, (size_t)n);
}

/* One data row. */
static void row_emit(struct tb *tb, const struct header *h, const struct cells *c)
{
	const char *zip = NULL;
	size_t zl = 0, off;

	if (h->zip >= 0 && (size_t)h->zip < c->n &&
	    (zl = tb_postcode_at(tb->t + c->s[h->zip], c->e[h->zip] - c->s[h->zip], &off)) > 0) {
		zip = tb->t + c->s[h->zip] + off;
		zl -= off;
	}
	for (size_t i = 0; i < h->ncols && i < c->n; i++)
		if (h->kinds[i] != 0)
			tb_emit_kinds(tb, h->kinds[i], c, i, h->gend[i], 1, zip, zl);
	if (h->ncols > 0 && c->n > h->ncols && h->kinds[h->ncols - 1] != 0 &&
	    h->gend[h->ncols - 1] == h->ncols)
		tb_emit_open(tb, h->kinds[h->ncols - 1], c, h->ncols - 1, h->ncols - 1 + TB_GROUP, 1);
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

/* Would row_labels() find a label in the line line_header() left in c, km
 * (mode m)? */
static int has_labels(const struct cells *c, const unsigned *km, enum tb_mode m)
{
	if (m != M_TAB && m != M_COMMA && m != M_PIPE)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (km[i] & K_ACTION & ~(KB(K_NAME) | KB(K_INSURER)))
			return 1;
	return 0;
}

/* The data rows after the header h that ends at hend: returns where the
 * table ends.  A candidate line read here as a data row with no label is
 * marked in plain[] (when not NULL; indexed like tb->cand): table_context()
 * need not split and weigh it again. */
static size_t table_rows(struct tb *tb, const struct header *h, size_t hend, size_t ci,
    struct cells *c, unsigned *km, unsigned char *plain)
{
	const char *t = tb->t;
	size_t ls = hend;

	while (ls < tb->len && t[ls] != '\f') {
		size_t le;
		enum tb_mode m;

		ls++;		/* past the '\n' */
		le = tb_line_end(t, tb->len, ls);
		if (blank(t, ls, le, ' '))
			return ls;
		if (blank(t, ls, le, h->mode == M_TAB ? '\t' : h->mode == M_COMMA ? ',' : ' ')) {
			ls = le;	/* a row of empty cells */
			continue;
		}
		m = M_NONE;
		if (is_candidate(tb, &ci, ls)) {
			if (line_header(tb, ls, le, c, km, &m))
				return ls;
			if (plain != NULL && !has_labels(c, km, m))
				plain[ci] = 1;
		}
		/* line_header split it already when its mode is the header's
		 * (c->n is 0 when it stopped before or undid the split) */
		if (m != h->mode || c->n == 0)
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
			tb_emit_birth(tb, buf, bl);
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
		tb_emit_kinds(tb, m & ~(KB(K_POSTAL) | KB(K_ZIP) | KB(K_BIRTH)), c, j, k > j ? k : j + 1,
		    0, NULL, 0);
		if (m & KB(K_BIRTH) && !label_split_date(tb, c, km, j))
			tb_emit_cells(tb, K_BIRTH, c, j, k > j ? k : j + 1, 0, NULL, 0);
		if (m & KB(K_POSTAL)) {
			pe = j + 1;	/* 「住所 | 〒100-8914 | 東京都…」: code and address */
			if (j + 1 < c->n && km[j + 1] == 0 &&
			    tb_postcode_at(t + c->s[j], c->e[j] - c->s[j], &k) == c->e[j] - c->s[j])
				pe = j + 2;
			tb_emit_cells(tb, K_POSTAL, c, j, pe, 0, NULL, 0);
		} else if (m & KB(K_ZIP)) {
			tb_emit_cells(tb, K_ZIP, c, j, j + 1, 0, NULL, 0);
		}
	}
}

/* ---- entry ---- */

int table_context(const char *text, size_t len, struct table_text out[FT_COUNT],
    struct valueset *sets[FT_COUNT])
{
	struct tb tb = { .t = text, .len = len, .out = out, .postal = sets[FT_POSTAL_ADDRESS],
	    .names = sets[FT_NAMES], .phones_read = sets[FT_PHONE] != NULL };
	struct cells *c = malloc(sizeof(*c));
	unsigned *km = malloc(TB_COLS * sizeof(*km));
	struct header *h = malloc(sizeof(*h));
	unsigned char *plain = NULL;	/* table_rows(): nothing left to read in the line */
	size_t done = 0;

	if (c == NULL || km == NULL || h == NULL) {
		tb.err = 1;
		goto out;
	}
	tb_candidates(&tb);
	if (tb.ncand > 0)
		plain = calloc(tb.ncand, 1);	/* NULL: every line read here, as before */
	for (size_t ci = 0; ci < tb.ncand && !tb.err; ci++) {
		size_t ls, le;
		enum tb_mode m;
		int head;

		/* a data row already read, with no label: its table's rows
		 * are done (ls < done), and row_labels() would find nothing */
		if (plain != NULL && plain[ci])
			continue;
		ls = tb.cand[ci];
		le = tb_line_end(text, len, ls);
		head = line_header(&tb, ls, le, c, km, &m);

		if (m == M_TAB || m == M_COMMA || m == M_PIPE)
			row_labels(&tb, c, km);
		if (!head || ls < done)
			continue;
		header_make(c, km, m, h);
		done = table_rows(&tb, h, le, ci + 1, c, km, plain);
	}
out:
	free(plain);
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
