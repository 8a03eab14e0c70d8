/*
 * table_cells.c — the cells of a line and the kinds a cell names, for the
 * table pass (table.c; contract in table_cells.h).
 *
 * Cells.  A line's separator is the tab when it holds one, else the comma
 * outside double quotes, else '|', else a run of two spaces or more, else
 * one space (the ideographic space is a space once normalized).  Cells are
 * trimmed of spaces and of one pair of double quotes.
 *
 * Keyword cells.  A cell is cut at 「・」 '/' 「、」 into parts; a part names
 * a kind when it holds one of its words (tb_words; ASCII letters without
 * case, not glued to other letters) with at most TB_PREFIX characters
 * before it, none of them hiragana but a leading お or ご, and after it only
 * 番号, No, No., number, 欄, digits, '#' ':' '.' and a bracketed remark:
 * 「携帯電話番号」「電話（自宅）」「Phone No.」 name phones, 「電話料」
 * 「住所変更日」「口座名義」「ご連絡は電話」 name nothing.  A part that names
 * a mail address names nothing else (「E-mail address」 is not a postal
 * address).  A cell holding 「。」 or longer than TB_KWCELL bytes is prose.
 * A few kinds have rules of their own (other_ok): 保険者番号 after 被 is
 * the insured's number (K_HINUM), not the insurer's; Name has no word
 * before it but Full; a name column in kana (カナ, ふりがな, ヨミ …) names
 * nothing.  The cell part 「番号」 alone is K_HINUM, the card's number,
 * read only in a header with a 保険者番号 column (table.c).
 */
#include <pthread.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "detect/table_cells.h"
#include "detect/util.h"

#define TB_PREFIX 8		/* characters before a keyword in its cell */
#define TB_KWCELL 120		/* bytes of a cell that can be a keyword cell */

static const struct {
	const char *w;
	enum tb_kind k;
} tb_words[] = {
	{ "生年月日", K_BIRTH }, { "誕生日", K_BIRTH }, { "DOB", K_BIRTH },
	{ "D.O.B.", K_BIRTH }, { "Date of birth", K_BIRTH }, { "Birth date", K_BIRTH },
	{ "Birthdate", K_BIRTH }, { "Birthday", K_BIRTH },
	{ "電話", K_PHONE }, { "携帯", K_PHONE }, { "TEL", K_PHONE }, { "Telephone", K_PHONE },
	{ "Phone", K_PHONE }, { "Mobile", K_PHONE },
	{ "住所", K_POSTAL }, { "所在地", K_POSTAL }, { "Address", K_POSTAL },
	{ "郵便番号", K_ZIP }, { "Postal code", K_ZIP }, { "Postcode", K_ZIP }, { "Zip", K_ZIP },
	{ "口座", K_BANK }, { "Account number", K_BANK }, { "Account No", K_BANK },
	{ "Bank account", K_BANK },
	{ "個人番号", K_MYNUM }, { "マイナンバー", K_MYNUM }, { "My Number", K_MYNUM },
	{ "Individual Number", K_MYNUM },
	{ "旅券", K_PASSPORT }, { "パスポート", K_PASSPORT }, { "Passport", K_PASSPORT },
	{ "基礎年金", K_PENSION }, { "年金番号", K_PENSION }, { "年金手帳", K_PENSION },
	{ "Pension", K_PENSION },
	{ "免許証", K_LICENSE }, { "運転免許", K_LICENSE }, { "免許番号", K_LICENSE },
	{ "Driver's license", K_LICENSE }, { "Driver's licence", K_LICENSE },
	{ "Driver license", K_LICENSE }, { "Drivers license", K_LICENSE },
	{ "Driving licence", K_LICENSE }, { "Driving license", K_LICENSE },
	{ "在留カード", K_RESIDENCE }, { "特別永住者証明書", K_RESIDENCE },
	{ "Residence card", K_RESIDENCE },
	{ "保険者番号", K_INSURER }, { "Insurer", K_INSURER },
	{ "被保険者番号", K_HINUM }, { "記号", K_HISYM }, { "Symbol", K_HISYM },
	{ "氏名", K_NAME }, { "名前", K_NAME }, { "Name", K_NAME }, { "Full name", K_NAME },
	{ "メール", K_EMAIL }, { "E-mail", K_EMAIL }, { "Email", K_EMAIL }, { "Mail", K_EMAIL },
};
#define TB_NWORDS (sizeof(tb_words) / sizeof(tb_words[0]))

/* Words allowed after a keyword in its cell. */
static const char *const tb_suffixes[] = {
	"番号", "number", "Number", "No.", "No", "NO", "no", "欄", "#", ":", "：", ".", NULL,
};


size_t tbc_nchars(const char *t, size_t s, size_t e)
{
	size_t n = 0;

	for (size_t i = s; i < e; i++)
		n += ((unsigned char)t[i] & 0xC0) != 0x80;
	return n;
}

/* ---- cells ---- */

enum tb_mode tbc_line_mode(const char *t, size_t s, size_t e)
{
	const char *sp;
	int quoted = 0;

	if (memchr(t + s, '\t', e - s) != NULL)
		return M_TAB;
	if (memchr(t + s, ',', e - s) != NULL) {
		if (memchr(t + s, '"', e - s) == NULL)
			return M_COMMA;
		for (size_t i = s; i < e; i++)
			if (t[i] == '"')
				quoted = !quoted;
			else if (t[i] == ',' && !quoted)
				return M_COMMA;
	}
	if (memchr(t + s, '|', e - s) != NULL)
		return M_PIPE;
	while (s < e && t[s] == ' ')
		s++;
	while (e > s && t[e - 1] == ' ')
		e--;
	if ((sp = memchr(t + s, ' ', e - s)) == NULL)
		return M_NONE;
	for (size_t i = (size_t)(sp - t); i < e;) {	/* two spaces in a row? */
		if (t[i + 1] == ' ')
			return M_SPACE2;
		sp = memchr(t + i + 1, ' ', e - i - 1);
		if (sp == NULL)
			break;
		i = (size_t)(sp - t);
	}
	return M_SPACE1;
}

static void cell_add(const char *t, struct cells *c, size_t s, size_t e)
{
	if (c->n >= TB_COLS)
		return;
	while (s < e && t[s] == ' ')
		s++;
	while (e > s && t[e - 1] == ' ')
		e--;
	if (e - s >= 2 && t[s] == '"' && t[e - 1] == '"') {
		s++, e--;
		while (s < e && t[s] == ' ')
			s++;
		while (e > s && t[e - 1] == ' ')
			e--;
	}
	c->s[c->n] = s;
	c->e[c->n++] = e;
}

/* Split the line t[ls..le) into cells as mode says. */
void tbc_split(const char *t, size_t ls, size_t le, enum tb_mode m, struct cells *c)
{
	size_t start = ls;
	int quoted = 0;

	c->n = 0;
	if (m == M_SPACE1 || m == M_SPACE2) {
		size_t need = m == M_SPACE2 ? 2 : 1, i = ls;

		while (i < le && t[i] == ' ')
			i++;
		start = i;
		while (i < le) {
			size_t j = i;
			while (j < le && t[j] == ' ')
				j++;
			if (j > i && j - i >= need && j < le) {
				cell_add(t, c, start, i);
				start = j;
			}
			i = j > i ? j : i + 1;
		}
		if (start < le)
			cell_add(t, c, start, le);
		return;
	}
	char sep = m == M_TAB ? '\t' : m == M_COMMA ? ',' : '|';
	/* no double quote (or '|', which ignores them): every sep ends a
	 * cell, found by memchr instead of byte by byte */
	if (m == M_PIPE || memchr(t + ls, '"', le - ls) == NULL) {
		for (const char *p; (p = memchr(t + start, sep, le - start)) != NULL;) {
			cell_add(t, c, start, (size_t)(p - t));
			start = (size_t)(p - t) + 1;
		}
		cell_add(t, c, start, le);
	} else {
		for (size_t i = ls; i <= le; i++) {
			if (i < le && t[i] == '"') {
				quoted = !quoted;
			} else if (i == le || (t[i] == sep && !quoted)) {
				cell_add(t, c, start, i);
				start = i + 1;
			}
		}
	}
	if (m == M_PIPE && c->n > 0 && c->s[c->n - 1] == c->e[c->n - 1])
		c->n--;		/* "| a | b |": no cell after the last '|' */
	if (m == M_PIPE && c->n > 0 && c->s[0] == c->e[0]) {
		memmove(c->s, c->s + 1, (c->n - 1) * sizeof(size_t));
		memmove(c->e, c->e + 1, (c->n - 1) * sizeof(size_t));
		c->n--;
	}
}

/* A piece of a number: digits, '-', '+', '(' and ')' only. */
/* The bytes of a piece: digits and strchr("-+()", c) as it was (the NUL
 * matches too); one load a byte, not six compares (a phone column's
 * every cell is read whole). */
static const unsigned char tb_piece_byte[256] = {
	['0' ... '9'] = 1, ['-'] = 1, ['+'] = 1, ['('] = 1, [')'] = 1, ['\0'] = 1,
};

int tbc_is_piece(const char *t, size_t s, size_t e)
{
	if (s == e)
		return 0;
	for (size_t i = s; i < e; i++)
		if (!tb_piece_byte[(unsigned char)t[i]])
			return 0;
	return 1;
}

int tbc_has_digit(const char *t, size_t s, size_t e)
{
	for (size_t i = s; i < e; i++)
		if (tbc_is_digit(t[i]))
			return 1;
	return 0;
}

/* ---- keyword cells ---- */

/* Does w occur at t[p] within [s, e), ASCII letters without case and not
 * glued to other ASCII letters? */
static int word_at(const char *t, size_t s, size_t e, size_t p, const char *w, size_t wl)
{
	if (wl > e - p)
		return 0;
	for (size_t j = 0; j < wl; j++) {
		unsigned char a = (unsigned char)t[p + j], b = (unsigned char)w[j];
		if (a != b && !(tbc_is_alpha(a) && tbc_is_alpha(b) && (a | 0x20) == (b | 0x20)))
			return 0;
	}
	if (tbc_is_alpha((unsigned char)w[0]) && p > s && tbc_is_alpha((unsigned char)t[p - 1]))
		return 0;
	return !(tbc_is_alpha((unsigned char)w[wl - 1]) && p + wl < e &&
	    tbc_is_alpha((unsigned char)t[p + wl]));
}

/* Only allowed words after a keyword: t[p..e) is empty once they go. */
static int suffix_ok(const char *t, size_t p, size_t e)
{
	while (p < e) {
		size_t k;
		const char *close;

		if (t[p] == ' ' || tbc_is_digit(t[p])) {
			p++;
			continue;
		}
		if (t[p] == '(' || t[p] == '[' || tbc_starts(t, p, e, "【")) {
			close = t[p] == '(' ? ")" : t[p] == '[' ? "]" : "】";
			const char *q = memmem(t + p, e - p, close, strlen(close));
			if (q == NULL)
				return 0;
			p = (size_t)(q - t) + strlen(close);
			continue;
		}
		for (k = 0; tb_suffixes[k] != NULL; k++)
			if (tbc_starts(t, p, e, tb_suffixes[k]))
				break;
		if (tb_suffixes[k] == NULL)
			return 0;
		p += strlen(tb_suffixes[k]);
	}
	return 1;
}

/* Hiragana U+3041-309F at t[i]? */
static int is_hiragana(const char *t, size_t i, size_t e)
{
	const unsigned char *u = (const unsigned char *)t + i;

	return e - i >= 3 && u[0] == 0xE3 && ((u[1] == 0x81 && u[2] >= 0x81) || u[1] == 0x82);
}

/* At most TB_PREFIX characters before a keyword, no hiragana but a leading
 * お or ご: 「自宅」「緊急連絡先」「お」, not 「ご連絡は」. */
static int prefix_ok(const char *t, size_t s, size_t p)
{
	if (tbc_nchars(t, s, p) > TB_PREFIX)
		return 0;
	if (tbc_starts(t, s, p, "お") || tbc_starts(t, s, p, "ご"))
		s += 3;
	for (size_t i = s; i < p; i++)
		if (is_hiragana(t, i, p))
			return 0;
	return 1;
}

/* The next occurrence of word w (length wl) in t[p..e) as word_at()
 * accepts it, or e. */
static size_t word_next(const char *t, size_t s, size_t e, size_t p, const char *w, size_t wl)
{
	unsigned char c0 = (unsigned char)w[0];

	while (p + wl <= e) {
		const char *q;

		if (!tbc_is_alpha(c0)) {
			q = det_find(t + p, e - p, w, wl);
		} else {
			const char *lo = memchr(t + p, c0 | 0x20, e - p - wl + 1);
			const char *up = memchr(t + p, c0 & ~0x20, e - p - wl + 1);
			q = lo == NULL ? up : up == NULL ? lo : lo < up ? lo : up;
		}
		if (q == NULL)
			return e;
		p = (size_t)(q - t);
		if (word_at(t, s, e, p, w, wl))
			return p;
		p++;
	}
	return e;
}

/* The rules of a few kinds beyond prefix and suffix, for the word of kind
 * k at t[p] in the part t[s..e): 被保険者番号 is the insured's number, not
 * the insurer's; a Name (Name, Full name) has no word before it (「File
 * name」「Company name」 are none); a name column in kana (「氏名（カナ）」
 * 「名前ふりがな」) repeats the name column beside it and names nothing. */
static int other_ok(const char *t, size_t s, size_t e, size_t p, enum tb_kind k)
{
	static const char *const kana_cols[] = { "カナ", "かな", "ガナ", "がな", "ヨミ", "よみ",
	    "読み", "ローマ字", "英字", "Kana", "kana", NULL };

	if (k == K_INSURER)
		return !(p >= s + 3 && memcmp(t + p - 3, "被", 3) == 0);
	if (k != K_NAME)
		return 1;
	if (tbc_is_alpha((unsigned char)t[p]) && p > s && !tbc_starts(t, s, e, "Full"))
		return 0;
	for (size_t i = 0; kana_cols[i] != NULL; i++)
		if (memmem(t + s, e - s, kana_cols[i], strlen(kana_cols[i])) != NULL)
			return 0;
	return 1;
}

/* tb_words by their first character, made once (pthread_once): for an
 * ASCII letter the words that start with it without case, for a Japanese
 * character (every such word starts with a 3-byte UTF-8 character) the
 * words whose first 3 bytes are those, and a bit per third byte of them
 * to pass over every other character at once.  The walk below asks only
 * these words at a position, as the full list would: the same kinds. */
static struct {
	unsigned char len[TB_NWORDS];
	unsigned char letter[26][TB_NWORDS], nletter[26];
	unsigned mb_key[TB_NWORDS];
	unsigned char mb_word[TB_NWORDS], nmb;
	unsigned third[8];
} tbx;
static pthread_once_t tbx_once = PTHREAD_ONCE_INIT;

static unsigned mb_key(const unsigned char *u)
{
	return (unsigned)u[0] << 16 | (unsigned)u[1] << 8 | u[2];
}

static void tbx_make(void)
{
	for (size_t w = 0; w < TB_NWORDS; w++) {
		const unsigned char *k = (const unsigned char *)tb_words[w].w;

		tbx.len[w] = (unsigned char)strlen(tb_words[w].w);
		if (tbc_is_alpha(k[0])) {
			unsigned l = (k[0] | 0x20) - 'a';

			tbx.letter[l][tbx.nletter[l]++] = (unsigned char)w;
		} else {
			tbx.mb_key[tbx.nmb] = mb_key(k);
			tbx.mb_word[tbx.nmb++] = (unsigned char)w;
			tbx.third[k[2] >> 5] |= 1u << (k[2] & 31);
		}
	}
}

/* Does word w name its kind at p in the cell part t[s..e)? */
static int names_at(const char *t, size_t s, size_t e, size_t p, size_t w)
{
	size_t wl = tbx.len[w];

	return word_at(t, s, e, p, tb_words[w].w, wl) && (tb_words[w].k == K_EMAIL ||
	    (prefix_ok(t, s, p) && suffix_ok(t, p + wl, e) &&
	    other_ok(t, s, e, p, tb_words[w].k)));
}

/* Kinds named by the cell part t[s..e): one walk, the words that start
 * with the character at each position compared there (an English word
 * only where a word starts: word_at() wants no letter before it). */
static unsigned part_kinds(const char *t, size_t s, size_t e)
{
	const unsigned char *u = (const unsigned char *)t;
	unsigned m = 0;

	pthread_once(&tbx_once, tbx_make);
	for (size_t p = s; p < e; p++) {
		unsigned char c = u[p];

		if (tbc_is_alpha(c)) {
			unsigned l = (c | 0x20) - 'a';

			if (p > s && tbc_is_alpha(u[p - 1]))
				continue;
			for (size_t i = 0; i < tbx.nletter[l]; i++) {
				size_t w = tbx.letter[l][i];

				if (!(m & KB(tb_words[w].k)) && names_at(t, s, e, p, w))
					m |= KB(tb_words[w].k);
			}
		} else if (c >= 0xE3 && p + 3 <= e &&
		    (tbx.third[u[p + 2] >> 5] & 1u << (u[p + 2] & 31))) {
			unsigned key = mb_key(u + p);

			for (size_t i = 0; i < tbx.nmb; i++) {
				size_t w = tbx.mb_word[i];

				if (tbx.mb_key[i] == key && !(m & KB(tb_words[w].k)) &&
				    names_at(t, s, e, p, w))
					m |= KB(tb_words[w].k);
			}
		}
	}
	/* 「番号」 alone: the card's number, read only beside a 保険者番号 */
	if (e - s == 6 && memcmp(t + s, "番号", 6) == 0)
		m |= KB(K_HINUM);
	return m & KB(K_EMAIL) ? KB(K_EMAIL) : m;
}

/* Can t[s..e) hold a word of tb_words: an ASCII letter, or the first
 * character of a Japanese word (生 誕 電 携 住 所 郵 口 個 マ メ, and of
 * the identifiers' and names' words)? */
static const char tb_firsts[] = "生誕電携住所郵口個マメ旅パ基年免運在特保被記番氏名";
static unsigned tb_first_third[8];	/* a bit per third byte of tb_firsts */
static pthread_once_t tb_first_once = PTHREAD_ONCE_INIT;

static void tb_first_make(void)
{
	for (size_t f = 0; f + 3 <= sizeof(tb_firsts) - 1; f += 3) {
		unsigned char b = (unsigned char)tb_firsts[f + 2];

		tb_first_third[b >> 5] |= 1u << (b & 31);
	}
}

static int may_hold_word(const char *t, size_t s, size_t e)
{
	const char *firsts = tb_firsts;
	const unsigned char *u = (const unsigned char *)t;

	pthread_once(&tb_first_once, tb_first_make);
	for (size_t i = s; i < e; i++) {
		if (tbc_is_alpha(u[i]))
			return 1;
		if (u[i] < 0xE3 || u[i] > 0xE9 || i + 3 > e)
			continue;
		/* most characters' third byte is none of the firsts': passed
		 * over without the list */
		if (!(tb_first_third[u[i + 2] >> 5] & 1u << (u[i + 2] & 31))) {
			i += 2;
			continue;
		}
		for (size_t f = 0; f + 3 <= sizeof(tb_firsts) - 1; f += 3)
			if (u[i + 1] == (unsigned char)firsts[f + 1] &&
			    u[i + 2] == (unsigned char)firsts[f + 2] && u[i] == (unsigned char)firsts[f])
				return 1;
		i += 2;
	}
	return 0;
}

/* Kinds named by the cell t[s..e): the union over its parts. */
unsigned tbc_cell_kinds(const char *t, size_t s, size_t e)
{
	static const char *const cuts[] = { "・", "/", "、", NULL };
	unsigned m = 0;
	size_t ps = s;

	/* det_find, not memmem: glibc's memmem sets up a two-way search for
	 * each of these short cells (244 instructions a cell) */
	if (e - s > TB_KWCELL || s == e || det_find(t + s, e - s, "。", 3) != NULL ||
	    !may_hold_word(t, s, e))
		return 0;
	for (size_t i = s; i <= e;) {
		size_t k = 0, cl = 0;

		if (i < e && t[i] != '/' && (unsigned char)t[i] != 0xE3) {
			i++;
			continue;
		}
		if (i < e)
			for (k = 0; cuts[k] != NULL; k++)
				if (tbc_starts(t, i, e, cuts[k]))
					break;
		if (i == e || cuts[k] != NULL) {
			cl = i < e ? strlen(cuts[k]) : 0;
			if (i > ps)
				m |= part_kinds(t, ps, i);
			ps = i + cl;
			if (i == e)
				break;
			i += cl;
		} else {
			i++;
		}
	}
	return m;
}

/* The set of ASCII letters (without case) in s[0..n), a bit each. */
static unsigned letters(const char *s, size_t n)
{
	unsigned m = 0;

	for (size_t i = 0; i < n; i++)
		if (tbc_is_alpha((unsigned char)s[i]))
			m |= 1u << (((unsigned char)s[i] | 0x20) - 'a');
	return m;
}

/* Does t[s..e) hold an ASCII capital letter?  16 bytes at a time. */
static int has_upper(const char *t, size_t s, size_t e)
{
#ifdef __SSE2__
	for (; s + 16 <= e; s += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + s));
		/* signed bytes: those of UTF-8 sequences are below 'A' */
		__m128i up = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
		    _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));

		if (_mm_movemask_epi8(up) != 0)
			return 1;
	}
#endif
	for (; s < e; s++)
		if (t[s] >= 'A' && t[s] <= 'Z')
			return 1;
	return 0;
}

/* Does the line [ls, le) hold an English word of tb_words?  Only the words
 * whose letters are all in the line are looked for, and only when the line
 * is `top` or holds a capital letter. */
int tbc_ascii_words(const char *t, size_t ls, size_t le, int top)
{
	unsigned have = 0, upper = 0;

	if (!top && !has_upper(t, ls, le))
		return 0;	/* the common case: a data row, found at once */
	for (size_t i = ls; i < le; i++) {
		unsigned char c = (unsigned char)t[i];

		if (tbc_is_alpha(c)) {
			have |= 1u << ((c | 0x20) - 'a');
			upper |= c < 'a';
		}
	}
	if (!top && !upper)
		return 0;

	for (size_t w = 0; w < TB_NWORDS && have != 0; w++) {
		const char *kw = tb_words[w].w;
		size_t wl = strlen(kw);
		unsigned need = letters(kw, wl);

		if (!tbc_is_alpha((unsigned char)kw[0]) || (need & ~have) != 0)
			continue;
		if (word_next(t, ls, le, ls, kw, wl) < le)
			return 1;
	}
	return 0;
}

