/*
 * table_cells.h — the cells of a line and the kinds a cell names: the
 * private half of the table pass (table.c), not a contract for other
 * modules.  Offsets are byte offsets into normalized text.
 */
#ifndef DLP_TABLE_CELLS_H
#define DLP_TABLE_CELLS_H

#include <stddef.h>
#include <string.h>

#define TB_COLS 256		/* cells looked at in a line */
#define TB_SHORT 20		/* characters of a header cell (comma, '|', spaces) */

/* The kinds a header or label cell can name, a bit each (KB). */
enum tb_kind {
	K_BIRTH, K_PHONE, K_POSTAL, K_ZIP, K_BANK, K_MYNUM,
	/* the identifiers each detector reads behind its keyword */
	K_PASSPORT, K_PENSION, K_LICENSE, K_RESIDENCE, K_INSURER,
	K_NAME,			/* 氏名, 名前, Name: lone surnames and kana names */
	K_EMAIL,
	/* only beside a K_INSURER column: the card's 記号 and 番号 */
	K_HISYM, K_HINUM,
};
#define K_LAST_VALUE K_NAME	/* kinds 0..K_LAST_VALUE take values */
#define KB(k) (1u << (k))
#define K_ACTION (KB(K_BIRTH) | KB(K_PHONE) | KB(K_POSTAL) | KB(K_ZIP) | KB(K_BANK) | \
    KB(K_MYNUM) | KB(K_PASSPORT) | KB(K_PENSION) | KB(K_LICENSE) | KB(K_RESIDENCE) | \
    KB(K_INSURER) | KB(K_NAME))

/* How a line is split into cells. */
enum tb_mode { M_NONE, M_TAB, M_COMMA, M_PIPE, M_SPACE2, M_SPACE1 };

struct cells {
	size_t n;
	size_t s[TB_COLS], e[TB_COLS];	/* trimmed bounds */
};

/* Inline: the table pass asks them of nearly every byte of its cells. */
static inline int tbc_is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static inline int tbc_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Code points in t[s..e). */
size_t tbc_nchars(const char *t, size_t s, size_t e);
/* Does w start at t[at], within e?  (Inline: most w are constants, their
 * length and compare then a few instructions.) */
static inline int tbc_starts(const char *t, size_t at, size_t e, const char *w)
{
	size_t n = strlen(w);

	return n <= e - at && memcmp(t + at, w, n) == 0;
}

/* The separator of the line t[s..e) (M_NONE: a single cell). */
enum tb_mode tbc_line_mode(const char *t, size_t s, size_t e);
/* Split the line t[ls..le) into cells as mode m says (at most TB_COLS). */
void tbc_split(const char *t, size_t ls, size_t le, enum tb_mode m, struct cells *c);
/* A piece of a number: t[s..e) non-empty, digits, '-', '+', '(' and ')' only. */
int tbc_is_piece(const char *t, size_t s, size_t e);
int tbc_has_digit(const char *t, size_t s, size_t e);
/* The kinds (KB bits) the cell t[s..e) names; 0 for none. */
unsigned tbc_cell_kinds(const char *t, size_t s, size_t e);
/* Does the line t[ls..le) hold an English word of the kinds' lists?  Only
 * looked for when top is set or the line holds a capital letter. */
int tbc_ascii_words(const char *t, size_t ls, size_t le, int top);

#endif
