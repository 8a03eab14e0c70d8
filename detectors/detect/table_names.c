/*
 * table_names.c — a value of a name column read as a person name (see
 * table_names.h).
 *
 * The names detector (names.c) counts a surname followed by a given name,
 * as MeCab tags them; a surname alone it does not count, since a mail
 * names its colleagues by their surnames.  In a column headed 氏名, 名前 or
 * Name a lone surname is a person all the same, and so is a name written
 * in kana, which IPADIC does not tag.  A cell counts here when it is, all
 * of it:
 *   - 1 to 4 kanji that are one of IPADIC's surnames (names_lookup.h):
 *     「佐藤」「林」「長谷川」; 「総務課」「東京都」「未定」 are none;
 *   - or 2 to 12 kana (hiragana, katakana, at most one space or ・
 *     inside): 「やまだ たろう」「ヤマダ・タロウ」「さとう」, but not a word
 *     of the short list of what else a name column holds (なし, テスト,
 *     ゲスト …), and nothing with the marks of a loanword — the long
 *     vowel ー, the small ァ ィ ゥ ェ ォ ヮ, ヴ — which Japanese names do
 *     not use (「メンバー」「ファイル」「ウェブ」 are none; 「リョウコ」 is).
 * What MeCab reads (a full name in kanji, glued or spaced) is left to it;
 * digits, Latin letters, mixed kanji and kana, honorifics (様, さん) and
 * anything longer are no name here.
 * Value: the cell, a space for a ・ or a full-width space (「ヤマダ タロウ」);
 * the names detector's mask shows the part before the space, or nothing
 * (「** **」 for a lone surname).
 */
#include <string.h>

#include "detect/names_lookup.h"
#include "detect/table_names.h"
#include "detect/valueset.h"

#define TBN_KANA_MAX 12		/* characters of a kana name */

static const char *const tbn_not_names[] = {
	"なし", "ナシ", "あり", "みてい", "ミテイ", "ふめい", "フメイ", "テスト", "サンプル",
	"ダミー", "ゲスト", "メンバー", "リーダー", "スタッフ", "チーム", "グループ", "センター",
	"システム", "サポート", "アルバイト", "パート", "ボランティア", "マネージャー",
	"ほか", "ホカ", "いない", "だれでも", "おなまえ", "なまえ", "ナマエ", "シメイ", "しめい",
	"フリガナ", "ふりがな", NULL,
};

/* Code point of the 3-byte character at v[i], or 0. */
static unsigned cp3(const char *v, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)v + i;

	if (i + 3 > n || (u[0] & 0xF0) != 0xE0 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80)
		return 0;
	return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
}

static int kanji(unsigned cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || cp == 0x3005;
}

/* Kana of a Japanese name: not ー, the small vowels (ぁぃぅぇぉ ゎ and
 * their katakana) or ヴ, the marks of a loanword. */
static int kana(unsigned cp)
{
	static const unsigned loan[] = { 0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x308E, 0x30A1,
	    0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30EE, 0x30F4, 0x3094, 0 };

	if (!((cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30A1 && cp <= 0x30FA)))
		return 0;
	for (size_t i = 0; loan[i] != 0; i++)
		if (cp == loan[i])
			return 0;
	return 1;
}

/* Does a value of names hold the surname s[0..n) in full ("佐藤 花子")? */
static int held_in_full(const struct valueset *names, const char *s, size_t n)
{
	size_t count = valueset_count(names);

	for (size_t i = 0; i < count && i < 4096; i++) {
		const char *v = valueset_get(names, i);

		if (strncmp(v, s, n) == 0 && v[n] == ' ')
			return 1;
	}
	return 0;
}

/* A kana name: into out (the separators made one space), its length; 0
 * when v[0..n) is none. */
static size_t kana_name(const char *v, size_t n, char *out, size_t cap)
{
	size_t k = 0, chars = 0, seps = 0;

	for (size_t i = 0; i < n;) {
		unsigned cp;

		if (v[i] == ' ') {
			cp = ' ';
			i++;
		} else if ((cp = cp3(v, n, i)) == 0) {
			return 0;
		} else {
			i += 3;
		}
		if (cp == ' ' || cp == 0x30FB) {	/* a space, ・ */
			if (seps++ > 0 || k == 0)
				return 0;
			out[k++] = ' ';
			continue;
		}
		if (!kana(cp) || k + 3 >= cap)
			return 0;
		memcpy(out + k, v + i - 3, 3);
		k += 3;
		chars++;
	}
	if (chars < 2 || chars > TBN_KANA_MAX || (k > 0 && out[k - 1] == ' '))
		return 0;
	out[k] = '\0';
	for (size_t i = 0; tbn_not_names[i] != NULL; i++)
		if (strcmp(out, tbn_not_names[i]) == 0)
			return 0;
	return k;
}

int tbn_name_cell(const char *v, size_t n, struct valueset *names)
{
	char buf[3 * TBN_KANA_MAX + 8];
	size_t k, i;

	if (names == NULL || n == 0 || n > 3 * TBN_KANA_MAX + 4)
		return 0;
	for (i = 0; i < n && kanji(cp3(v, n, i)); i += 3)
		;
	if (i == n) {		/* all kanji: a lone surname? */
		if (n > 12 || names_surname_known(v, n) != 1 || held_in_full(names, v, n))
			return 0;
		return valueset_add(names, v, n) < 0 ? -1 : 1;
	}
	if ((k = kana_name(v, n, buf, sizeof(buf))) == 0)
		return 0;
	return valueset_add(names, buf, k) < 0 ? -1 : 1;
}
