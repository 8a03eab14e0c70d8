/*
 * terms.h — the words and patterns a config writes itself: [dictionary
 * NAME] word lists and [pattern NAME] regular expressions, compiled once
 * (shared read-only, like the detectors) and matched over the same
 * normalized text (NFKC, normalize.h) the detectors read.
 *
 * A dictionary counts occurrences: every place one of its words stands in
 * the text, all words together.  Words are matched as normalized (so
 * ＣＯＮＦＩＤＥＮＴＩＡＬ, ㊙ and ｺﾞｸﾋ match CONFIDENTIAL, 秘 and ゴクヒ),
 * ASCII letters without regard to case.  Where a word ends in an ASCII
 * letter or digit, its neighbour on that side must not be one ("secret"
 * is not in "secretary"); a word of one kanji counts only where neither
 * neighbour is a kanji (秘 in 【秘】, (秘), 「秘」, ㊙, "秘です", not in 秘書課
 * or 秘密保持).  Longer words count wherever they stand (取扱注意 in
 * 取扱注意事項).
 *
 * A pattern counts distinct matched values (as the detectors count
 * theirs).  The match budget of every term: PCRE2's match limit and depth
 * limit (and the JIT stack) for each attempt — a text on which an attempt
 * ran out is reported (terms_run's return) and the caller marks its part
 * unscanned, since the text was not read to its end — and at most
 * TERMS_MAX_MATCHES matches looked at in one text: past that the count
 * stops (it is then at least that many, which decides any smaller
 * threshold), and the text counts as read.
 */
#ifndef DLP_TERMS_H
#define DLP_TERMS_H

#include <stdbool.h>
#include <stddef.h>

struct valueset;

enum term_kind { TERM_DICT, TERM_PATTERN, TERM_KIND_COUNT };

#define TERMS_MAX 64			/* dictionaries + patterns a config may have */
#define TERMS_MATCH_LIMIT 1000000u	/* pcre2_set_match_limit per attempt */
#define TERMS_DEPTH_LIMIT 10000u	/* pcre2_set_depth_limit per attempt */
#define TERMS_MAX_MATCHES 10000u	/* matches looked at per text and term */

struct term_def {
	enum term_kind kind;
	const char *name;		/* [dictionary NAME], [pattern NAME] */
	const char *source;		/* TERM_DICT: the words, one per line ("\n");
					 * TERM_PATTERN: the regular expression */
};

struct terms;

/* Compile defs[0..n).  NULL on error with err: "pattern NAME: PCRE2
 * message at offset N" (*bad = the def's index, *offset = the byte offset
 * in its source, or -1); a dictionary without a word is an error too. */
struct terms *terms_new(const struct term_def *defs, size_t n, char *err, size_t errlen,
    size_t *bad, long *offset);
size_t terms_count(const struct terms *t);
/* A number no other terms made by this process have (0 for NULL): a
 * worker that was sent these once need not be sent them again. */
unsigned long long terms_id(const struct terms *t);
/* The i-th definition as given (strings owned by t). */
const struct term_def *terms_def(const struct terms *t, size_t i);
/* true when t was compiled from exactly defs[0..n) (a worker's cache). */
bool terms_same(const struct terms *t, const struct term_def *defs, size_t n);
/* Match every term over utf8[0..len), normalized here: hits[i] += the
 * term's occurrences, seen[i] gets the distinct matched texts (normalized).
 * A dictionary's counter is its hits, a pattern's the count of its seen
 * (distinct values, whole message).
 * Returns how many terms ran out of their budget (0 normally), or -1 on
 * ENOMEM; *spent (may be NULL) names the first such term. */
int terms_run(const struct terms *t, const char *utf8, size_t len, unsigned long *hits,
    struct valueset **seen, const char **spent);
/* A matched text for display: a dictionary word as it is (the ministry's
 * own word, not personal), a pattern's value masked (first and last
 * character kept, the rest '*'). */
void terms_mask(enum term_kind kind, const char *value, char *out, size_t outlen);
const char *term_kind_name(enum term_kind k);	/* "dictionary", "pattern" */
void terms_free(struct terms *t);

#endif
