/*
 * context.c — is a keyword near a candidate value?
 *
 * context_keyword_near(): a keyword lying entirely within the `window`
 * characters (code points, not bytes) before the value, or entirely within
 * the `window` characters after it.  ASCII letters are compared without
 * case, and a keyword that begins (ends) with an ASCII letter must not have
 * another ASCII letter right before (after) it: "DOB" is not found in
 * "Adobe".
 *
 * context_column_header(): the text is cut into blocks at form feeds (one
 * per sheet).  The header row of a block is its first line holding anything
 * but spaces, tabs and commas.  The separator is the tab when the header row
 * holds one, else the comma when it holds one; otherwise the block is not a
 * table.  Inside double quotes a separator does not count.  The value's line
 * must be another line of the block and hold the separator too; the value's
 * column index is the number of separators before it on its line, and the
 * header cell with that index must contain a keyword.  Only the first
 * COL_MAX (512) header cells are kept: later columns have no header.
 * Work stays linear in the text: the block, its header cells and the
 * counting along the current row are cached between calls (struct colcache).
 */
#include <string.h>
#include <strings.h>

#include "detect/util.h"

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int is_letter(unsigned char c)
{
	return lower(c) >= 'a' && lower(c) <= 'z';
}

static int has_letter(const char *s)
{
	for (; *s; s++)
		if (is_letter((unsigned char)*s))
			return 1;
	return 0;
}

/* memchr for c in t[i..to), or `to`. */
static size_t next_byte(const char *t, size_t i, size_t to, unsigned char c)
{
	const char *p = i < to ? memchr(t + i, c, to - i) : NULL;

	return p != NULL ? (size_t)(p - t) : to;
}

/* First occurrence of kw (ASCII letters without case, not glued to another
 * ASCII letter where kw begins or ends with one) starting in t[from..to)
 * and ending by `to`, or `to` when there is none. */
static size_t ci_find(const char *t, size_t len, size_t from, size_t to,
    const char *kw, size_t kl)
{
	unsigned char lo = lower((unsigned char)kw[0]);
	unsigned char up = is_letter(lo) ? (unsigned char)(lo - 32) : lo;
	int lb = is_letter(lo), rb = is_letter((unsigned char)kw[kl - 1]);
	size_t last, pl, pu;

	if (kl > to - from)
		return to;
	last = to - kl + 1;	/* candidates start before last */
	pl = next_byte(t, from, last, lo);
	pu = up != lo ? next_byte(t, from, last, up) : last;
	while (pl < last || pu < last) {
		size_t i = pl < pu ? pl : pu, j;

		for (j = 1; j < kl; j++)
			if (lower((unsigned char)t[i + j]) != lower((unsigned char)kw[j]))
				break;
		if (j == kl && !(lb && i > 0 && is_letter((unsigned char)t[i - 1])) &&
		    !(rb && i + kl < len && is_letter((unsigned char)t[i + kl])))
			return i;
		if (i == pl)
			pl = next_byte(t, pl + 1, last, lo);
		if (i == pu)
			pu = next_byte(t, pu + 1, last, up);
	}
	return to;
}

/* Does kw (length kl) occur at t[s], as ci_find() would accept it? */
static int ci_match_at(const char *t, size_t len, size_t s, const char *kw, size_t kl)
{
	if (kl > len - s)
		return 0;
	for (size_t j = 0; j < kl; j++)
		if (lower((unsigned char)t[s + j]) != lower((unsigned char)kw[j]))
			return 0;
	if (is_letter((unsigned char)kw[0]) && s > 0 && is_letter((unsigned char)t[s - 1]))
		return 0;
	return !(is_letter((unsigned char)kw[kl - 1]) && s + kl < len &&
	    is_letter((unsigned char)t[s + kl]));
}

#define KW_PAIRS 64		/* (keyword, offset) pairs of one anchor */

void det_keyword_hits(const char *text, size_t len, const char *const *keywords,
    const char *const *anchors, det_hit_fn fn, void *ctx)
{
	for (size_t a = 0; anchors[a] != NULL; a++) {
		size_t al = strlen(anchors[a]), pos = 0, np = 0;
		/* where the anchor stands in the keywords, in keyword then offset
		 * order, found once (not again at every hit: a letter anchor such
		 * as "b" is in every English word or two) */
		struct { size_t k, o, kl; } pair[KW_PAIRS];
		const char *p;

		for (size_t k = 0; keywords[k] != NULL; k++) {
			size_t kl = strlen(keywords[k]);

			for (size_t o = 0; o + al <= kl; o++)
				if (strncasecmp(keywords[k] + o, anchors[a], al) == 0) {
					if (np < KW_PAIRS)
						pair[np].k = k, pair[np].o = o, pair[np].kl = kl;
					np++;
				}
		}
		while (pos < len && (p = det_find(text + pos, len - pos, anchors[a], al)) != NULL) {
			size_t hit = (size_t)(p - text);

			if (np <= KW_PAIRS) {
				for (size_t i = 0; i < np; i++)
					if (pair[i].o <= hit && ci_match_at(text, len, hit - pair[i].o,
					    keywords[pair[i].k], pair[i].kl))
						fn(ctx, hit - pair[i].o, pair[i].k);
			} else {	/* too many to keep: looked for at each hit */
				for (size_t k = 0; keywords[k] != NULL; k++) {
					size_t kl = strlen(keywords[k]);
					for (size_t o = 0; o + al <= kl && o <= hit; o++)
						if (strncasecmp(keywords[k] + o, anchors[a], al) == 0 &&
						    ci_match_at(text, len, hit - o, keywords[k], kl))
							fn(ctx, hit - o, k);
				}
			}
			pos = hit + 1;
		}
	}
}

long det_keyword_find(const char *text, size_t len, size_t from, size_t to,
    const char *const *keywords, size_t *kwlen)
{
	size_t best = to;

	if (to > len)
		to = len;
	if (to <= from)
		return -1;
	for (size_t k = 0; keywords[k] != NULL; k++) {
		size_t kl = strlen(keywords[k]), lim, p;
		const char *q;

		/* only an occurrence before the best so far matters */
		lim = best < to ? (best + kl < to ? best + kl : to) : to;
		if (kl == 0 || kl > lim - from)
			continue;
		if (has_letter(keywords[k])) {
			p = ci_find(text, len, from, lim, keywords[k], kl);
		} else {
			q = det_find(text + from, lim - from, keywords[k], kl);
			p = q != NULL ? (size_t)(q - text) : to;
		}
		if (p < best) {
			best = p;
			if (kwlen != NULL)
				*kwlen = kl;
		}
	}
	return best < to ? (long)best : -1;
}

int context_keyword_before(const char *text, size_t len, size_t start,
    const char *const *keywords, size_t window)
{
	size_t from = det_chars_back(text, start, window);

	return det_keyword_find(text, len, from, start, keywords, NULL) >= 0;
}

int context_keyword_near(const char *text, size_t len, size_t start, size_t end,
    const char *const *keywords, size_t window)
{
	if (context_keyword_before(text, len, start, keywords, window))
		return 1;
	return det_keyword_find(text, len, end, det_chars_fwd(text, len, end, window),
	    keywords, NULL) >= 0;
}

/* Start of the line holding `at` (after '\n' or '\f'). */
static size_t line_start(const char *text, size_t at)
{
	while (at > 0 && text[at - 1] != '\n' && text[at - 1] != '\f')
		at--;
	return at;
}

static size_t line_end(const char *text, size_t len, size_t at)
{
	while (at < len && text[at] != '\n' && text[at] != '\f')
		at++;
	return at;
}

/* Split the header row into cells (at most COL_MAX). */
static void header_cells(const char *text, struct colcache *cc)
{
	size_t start = cc->head_start;
	int quoted = 0;

	cc->ncols = 0;
	for (size_t i = cc->head_start; i <= cc->head_end && cc->ncols < COL_MAX; i++) {
		if (i < cc->head_end && text[i] == '"') {
			quoted = !quoted;
		} else if (i == cc->head_end || (text[i] == cc->sep && !quoted)) {
			cc->col_start[cc->ncols] = start;
			cc->col_end[cc->ncols++] = i;
			start = i + 1;
		}
	}
}

void context_block(const char *text, size_t len, size_t at, struct colcache *cc)
{
	const char *ff = memrchr(text, '\f', at);
	const char *nf = memchr(text + at, '\f', len - at);
	size_t p;

	cc->valid = 1;
	cc->row_valid = 0;
	cc->sep = 0;
	cc->ncols = 0;
	cc->block_start = ff != NULL ? (size_t)(ff - text) + 1 : 0;
	cc->block_end = nf != NULL ? (size_t)(nf - text) : len;
	cc->head_start = cc->head_end = cc->block_start;
	for (p = cc->block_start; p < cc->block_end; p++) {
		size_t e = line_end(text, cc->block_end, p), q;
		for (q = p; q < e; q++)
			if (!strchr(" \t,\r", text[q]))
				break;
		if (q < e) {
			cc->head_start = p;
			cc->head_end = e;
			break;
		}
		p = e;
	}
	if (cc->head_end > cc->head_start) {
		if (memchr(text + cc->head_start, '\t', cc->head_end - cc->head_start))
			cc->sep = '\t';
		else if (memchr(text + cc->head_start, ',', cc->head_end - cc->head_start))
			cc->sep = ',';
	}
	if (cc->sep != 0)
		header_cells(text, cc);
}

/* Bring the row state of cc to `at`: its line, and its cells counted up to
 * `at` (continued from the last call when `at` is further on the same line,
 * so that scanning a long row costs its length once). */
static void row_advance(const char *text, size_t len, size_t at, struct colcache *cc)
{
	if (!cc->row_valid || at < cc->row_start || at >= cc->row_end) {
		cc->row_start = line_start(text, at);
		cc->row_end = line_end(text, len, at);
		cc->row_has_sep = memchr(text + cc->row_start, cc->sep,
		    cc->row_end - cc->row_start) != NULL;
		cc->row_valid = 1;
		cc->pos = cc->row_end + 1;	/* forces a restart below */
	}
	if (at < cc->pos || cc->pos > cc->row_end) {
		cc->pos = cc->cell = cc->prev = cc->row_start;
		cc->idx = 0;
		cc->quoted = 0;
	}
	for (; cc->pos < at; cc->pos++) {
		char c = text[cc->pos];
		if (c == '"') {
			cc->quoted = !cc->quoted;
		} else if (c == cc->sep && !cc->quoted) {
			cc->idx++;
			cc->prev = cc->cell;
			cc->cell = cc->pos + 1;
		}
	}
}

/* Is `at` in a data row of a table block?  Leaves cc's row state at `at`. */
static int table_row(const char *text, size_t len, size_t at, struct colcache *cc)
{
	if (at >= len)
		return 0;
	if (!cc->valid || at < cc->block_start || at >= cc->block_end)
		context_block(text, len, at, cc);
	if (cc->sep == 0 || (at >= cc->head_start && at <= cc->head_end))
		return 0;
	row_advance(text, len, at, cc);
	return cc->row_has_sep;
}

int context_column_header_c(const char *text, size_t len, size_t at,
    const char *const *keywords, struct colcache *cc)
{
	if (!table_row(text, len, at, cc) || cc->idx >= cc->ncols)
		return 0;
	return det_keyword_find(text, len, cc->col_start[cc->idx], cc->col_end[cc->idx],
	    keywords, NULL) >= 0;
}

size_t context_cell_start(const char *text, size_t len, size_t at, size_t cells_before,
    struct colcache *cc)
{
	if (!table_row(text, len, at, cc))
		return (size_t)-1;
	return cells_before > 0 ? cc->prev : cc->cell;
}

int context_column_header(const char *text, size_t len, size_t at,
    const char *const *keywords)
{
	struct colcache cc;

	cc.valid = 0;
	return context_column_header_c(text, len, at, keywords, &cc);
}

void det_keyword_tables(const char *text, size_t len, const char *const *keywords,
    det_range_fn fn, void *ctx)
{
	struct colcache cc;

	/* Tables need a tab or a comma somewhere. */
	if (memchr(text, '\t', len) == NULL && memchr(text, ',', len) == NULL)
		return;
	for (size_t pos = 0; pos < len; pos = cc.block_end + 1) {
		context_block(text, len, pos, &cc);
		if (cc.sep != 0 && det_keyword_find(text, len, cc.head_start, cc.head_end,
		    keywords, NULL) >= 0)
			fn(ctx, cc.head_end, cc.block_end);
	}
}
