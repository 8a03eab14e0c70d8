/*
 * conf_terms.c — the [dictionary NAME], [pattern NAME] and [list NAME]
 * sections: their keys as the file gives them, the checks after the whole
 * file (a dictionary's file read, every pattern compiled with PCRE2, an
 * error at FILE:LINE:COL with PCRE2's message and offset), and the names
 * a rule's `when` may use (dictionary.NAME, pattern.NAME, SUBJECT in NAME)
 * resolved to policy slots (conf.h POLICY_SLOTS).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"
#include "config/conf_load.h"
#include "text/terms.h"

#define NAMED_MAX 64		/* bytes of a dictionary, pattern or list name */
#define PRED_MAX 64		/* distinct `in` predicates of all rules */
#define WORDS_FILE_MAX (4 << 20) /* bytes of a dictionary's file */

static const char *const kind_sec[NK_COUNT] = { "dictionary", "pattern", "list" };

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n > NAMED_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* Index of the term of kind called name[0..n), or -1. */
static long find_term(const struct conf *cf, int kind, const char *name, size_t n)
{
	for (size_t i = 0; i < cf->nterm_src; i++)
		if (cf->term_src[i].kind == kind && strlen(cf->term_src[i].name) == n &&
		    memcmp(cf->term_src[i].name, name, n) == 0)
			return (long)i;
	return -1;
}

static long find_list(const struct conf *cf, const char *name, size_t n)
{
	for (size_t i = 0; i < cf->nlists; i++)
		if (strlen(cf->lists[i].name) == n && memcmp(cf->lists[i].name, name, n) == 0)
			return (long)i;
	return -1;
}

void conf_named_begin(struct loader *ld, enum named_kind kind, const char *name, size_t n)
{
	struct conf *cf = ld->cf;
	long prev;
	int line = 0;

	ld->sec = S_BAD;
	memset(ld->named_seen, 0, sizeof(ld->named_seen));
	if (!valid_name(name, n)) {
		conf_diag(ld, ld->lineno, 0, "bad %s name '%.*s' (1 to %d letters, digits, '_', '-')",
		    kind_sec[kind], (int)(n > 80 ? 80 : n), name, NAMED_MAX);
		return;
	}
	prev = kind == NK_LIST ? find_list(cf, name, n) : find_term(cf, (int)kind, name, n);
	if (prev >= 0)
		line = kind == NK_LIST ? cf->lists[prev].line : cf->term_src[prev].line;
	if (line) {
		conf_diag(ld, ld->lineno, 0, "duplicate %s '%.*s' (first at line %d)", kind_sec[kind],
		    (int)n, name, line);
		return;
	}
	if (kind == NK_LIST) {
		struct conf_list *l = realloc(cf->lists, (cf->nlists + 1) * sizeof(*l));

		if (!l) {
			ld->oom = 1;
			return;
		}
		cf->lists = l;
		l = &l[cf->nlists];
		memset(l, 0, sizeof(*l));
		if (!(l->name = strndup(name, n))) {
			ld->oom = 1;
			return;
		}
		l->line = ld->lineno;
		ld->named = cf->nlists++;
	} else {
		struct conf_term *t;

		if (cf->nterm_src >= TERMS_MAX) {
			conf_diag(ld, ld->lineno, 0, "more than %d dictionaries and patterns", TERMS_MAX);
			return;
		}
		if (!(t = realloc(cf->term_src, (cf->nterm_src + 1) * sizeof(*t)))) {
			ld->oom = 1;
			return;
		}
		cf->term_src = t;
		t = &t[cf->nterm_src];
		memset(t, 0, sizeof(*t));
		t->kind = kind == NK_DICT ? TERM_DICT : TERM_PATTERN;
		if (!(t->name = strndup(name, n))) {
			ld->oom = 1;
			return;
		}
		t->line = ld->lineno;
		ld->named = cf->nterm_src++;
	}
	ld->nkind = kind;
	ld->sec = S_NAMED;
}

/* Append s[0..n) and a "\n" to *dst. */
static void add_line(struct loader *ld, char **dst, const char *s, size_t n)
{
	size_t old = *dst ? strlen(*dst) : 0;
	char *p = realloc(*dst, old + n + 2);

	if (!p) {
		ld->oom = 1;
		return;
	}
	memcpy(p + old, s, n);
	p[old + n] = '\n';
	p[old + n + 1] = '\0';
	*dst = p;
}

/* Length of a separator at s: ',', '、' or '，' (and blanks when blank). */
static size_t separator(const char *s, bool blank)
{
	if (*s == ',' || (blank && (*s == ' ' || *s == '\t')))
		return 1;
	if (memcmp(s, "\xE3\x80\x81", 3) == 0 || memcmp(s, "\xEF\xBC\x8C", 3) == 0)
		return 3;
	return 0;
}

/* The items of value, split at separators, each trimmed: fn(ld, item, n). */
static void each_item(struct loader *ld, const char *value, bool blank,
    void (*fn)(struct loader *, const char *, size_t))
{
	const char *s = value;

	while (*s) {
		const char *b = s, *e;
		size_t k;

		while (*s && !separator(s, blank))
			s++;
		for (e = s; e > b && isspace((unsigned char)e[-1]); e--)
			;
		while (b < e && isspace((unsigned char)*b))
			b++;
		if (e > b)
			fn(ld, b, (size_t)(e - b));
		if ((k = separator(s, blank)))
			s += k;
	}
}

static void add_word(struct loader *ld, const char *s, size_t n)
{
	add_line(ld, &ld->cf->term_src[ld->named].source, s, n);
}

/* Push a malloc'd s onto a NULL-terminated list. */
static void push(struct loader *ld, char ***list, size_t *n, char *s)
{
	char **l = s ? realloc(*list, (*n + 2) * sizeof(*l)) : NULL;

	if (!l) {
		free(s);
		ld->oom = 1;
		return;
	}
	l[(*n)++] = s;
	l[*n] = NULL;
	*list = l;
}

static void add_domain(struct loader *ld, const char *s, size_t n)
{
	struct conf_list *l = &ld->cf->lists[ld->named];
	char dom[256], err[300];

	if (conf_check_domain(s, n, dom, sizeof(dom), err, sizeof(err)) < 0)
		conf_diag(ld, ld->lineno, 0, "list '%s': domains: %s", l->name, err);
	else
		push(ld, &l->domains, &l->ndomains, strdup(dom));
}

static void add_address(struct loader *ld, const char *s, size_t n)
{
	struct conf_list *l = &ld->cf->lists[ld->named];
	const char *at = memchr(s, '@', n);
	char dom[256], err[300], *a;

	if (!at || at == s || conf_check_domain(at + 1, n - (size_t)(at + 1 - s), dom, sizeof(dom),
	    err, sizeof(err)) < 0 || memchr(s, ' ', n)) {
		conf_diag(ld, ld->lineno, 0, "list '%s': addresses: bad mail address '%.*s'", l->name,
		    (int)(n > 80 ? 80 : n), s);
		return;
	}
	if (asprintf(&a, "%.*s@%s", (int)(at - s), s, dom) < 0) {
		ld->oom = 1;
		return;
	}
	for (char *p = a; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	push(ld, &l->addresses, &l->naddresses, a);
}

static void add_group(struct loader *ld, const char *s, size_t n)
{
	struct conf_list *l = &ld->cf->lists[ld->named];

	if (n > 128) {
		conf_diag(ld, ld->lineno, 0, "list '%s': groups: a group name longer than 128 bytes",
		    l->name);
		return;
	}
	push(ld, &l->groups, &l->ngroups, strndup(s, n));
}

/* One line of the value of key k (the key's own line or a continuation). */
static void named_value(struct loader *ld, const struct conf_key *k, const char *value)
{
	struct conf *cf = ld->cf;

	if (ld->nkind == NK_LIST) {
		if (strcmp(k->name, "domains") == 0)
			each_item(ld, value, true, add_domain);
		else if (strcmp(k->name, "addresses") == 0)
			each_item(ld, value, true, add_address);
		else
			each_item(ld, value, false, add_group);
		return;
	}
	if (strcmp(k->name, "words") == 0) {
		each_item(ld, value, false, add_word);
		return;
	}
	struct conf_term *t = &cf->term_src[ld->named];
	char **field = strcmp(k->name, "file") == 0 ? &t->file : &t->source;

	free(*field);
	if (!(*field = strdup(value)))
		ld->oom = 1;
	t->value_line = ld->lineno;
	t->value_col = ld->value_col;
}

void conf_named_key(struct loader *ld, const char *key, const char *value)
{
	const char *sec = kind_sec[ld->nkind];
	const struct conf_key *k = conf_key_find(sec, key);
	size_t row;

	ld->cur = NULL;
	if (!*key) {
		conf_diag(ld, ld->lineno, 0, "missing key name before '='");
		return;
	}
	if (!k) {
		conf_diag(ld, ld->lineno, 0, "unknown key '%s' in [%s NAME]", key, sec);
		return;
	}
	row = (size_t)(k - conf_key_find(sec, ld->nkind == NK_LIST ? "addresses" :
	    ld->nkind == NK_DICT ? "words" : "regex"));
	if (row < 4 && ld->named_seen[row]) {
		conf_diag(ld, ld->lineno, 0, "duplicate key '%s' (first at line %d)", key,
		    ld->named_seen[row]);
		return;
	}
	if (row < 4)
		ld->named_seen[row] = ld->lineno;
	ld->cur = k;
	named_value(ld, k, value);
}

void conf_named_cont(struct loader *ld, const char *value)
{
	const struct conf_key *k = ld->cur;

	if (!k)
		return;
	if (k->type != CT_TEXT) {
		conf_diag(ld, ld->lineno, 0, "indented line continues '%s', which takes one line",
		    k->name);
		ld->cur = NULL;
		return;
	}
	named_value(ld, k, value);
}

/* The words of t's file, one a line ('#' starts a comment line), added to
 * its source.  Problems at the `file` line. */
static void read_words(struct loader *ld, struct conf_term *t)
{
	const char *slash = strrchr(ld->path, '/');
	char *path = NULL, *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	FILE *fp;

	if (t->file[0] != '/' && slash) {
		if (asprintf(&path, "%.*s/%s", (int)(slash - ld->path), ld->path, t->file) < 0) {
			ld->oom = 1;
			return;
		}
		free(t->file);
		t->file = path;
	}
	if (!(fp = fopen(t->file, "r"))) {
		conf_diag(ld, t->value_line, 0, "dictionary '%s': file: %s: %s", t->name, t->file,
		    strerror(errno));
		return;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		size_t b = 0, e = (size_t)n;

		if ((total += (size_t)n) > WORDS_FILE_MAX) {
			conf_diag(ld, t->value_line, 0, "dictionary '%s': file: %s: larger than %d "
			    "bytes", t->name, t->file, WORDS_FILE_MAX);
			break;
		}
		while (e > 0 && isspace((unsigned char)line[e - 1]))
			e--;
		while (b < e && isspace((unsigned char)line[b]))
			b++;
		if (e > b && line[b] != '#')
			add_line(ld, &t->source, line + b, e - b);
	}
	free(line);
	fclose(fp);
}

/* Compile t alone: a problem is t's, at the column of PCRE2's offset. */
static void check_term(struct loader *ld, const struct conf_term *t)
{
	struct term_def d = { (enum term_kind)t->kind, t->name, t->source };
	char err[400];
	long off = -1;
	struct terms *ts = terms_new(&d, 1, err, sizeof(err), NULL, &off);

	if (ts) {
		terms_free(ts);
		return;
	}
	if (t->kind == TERM_PATTERN && off >= 0 && t->value_line)
		conf_diag(ld, t->value_line, t->value_col + conf_char_col(t->source, (size_t)off) - 1,
		    "%s", err);
	else
		conf_diag(ld, t->value_line ? t->value_line : t->line, 0, "%s", err);
}

void conf_named_finish(struct loader *ld)
{
	struct conf *cf = ld->cf;
	struct term_def defs[TERMS_MAX];
	size_t before = ld->ndiag;
	char err[400];

	for (size_t i = 0; i < cf->nterm_src; i++) {
		struct conf_term *t = &cf->term_src[i];

		if (t->kind == TERM_DICT && t->file && *t->file)
			read_words(ld, t);
		if (t->kind == TERM_PATTERN && !t->source) {
			conf_diag(ld, t->line, 0, "pattern '%s' has no 'regex'", t->name);
			continue;
		}
		if (t->kind == TERM_DICT && !t->source) {
			conf_diag(ld, t->line, 0, "dictionary '%s' has no words (words or file)",
			    t->name);
			continue;
		}
		check_term(ld, t);
		defs[i] = (struct term_def){ (enum term_kind)t->kind, t->name, t->source };
	}
	for (size_t i = 0; i < cf->nlists; i++)
		if (!cf->lists[i].naddresses && !cf->lists[i].ndomains && !cf->lists[i].ngroups)
			conf_diag(ld, cf->lists[i].line, 0, "list '%s' is empty (addresses, domains "
			    "or groups)", cf->lists[i].name);
	if (ld->ndiag != before || ld->oom || cf->nterm_src == 0)
		return;
	if (!(cf->terms = terms_new(defs, cf->nterm_src, err, sizeof(err), NULL, NULL)))
		conf_diag(ld, 0, 0, "%s", err);
}

/* The predicate (kind, list) as a slot, added when new; -1 when full. */
static int pred_slot(struct conf *cf, enum conf_pred_kind kind, size_t list)
{
	struct conf_pred *p;

	for (size_t i = 0; i < cf->npreds; i++)
		if (cf->preds[i].kind == kind && cf->preds[i].list == list)
			return SC_COUNT + TERMS_MAX + (int)i;
	if (cf->npreds >= PRED_MAX || !(p = realloc(cf->preds, (cf->npreds + 1) * sizeof(*p))))
		return -1;
	cf->preds = p;
	p[cf->npreds] = (struct conf_pred){ kind, list };
	return SC_COUNT + TERMS_MAX + (int)cf->npreds++;
}

static int resolve(void *arg, const char *kind, const char *name, size_t n, char *why,
    size_t whylen)
{
	static const char *const subjects[PRED_COUNT] = { "recipient_domains", "sender",
	    "sender_group" };
	struct conf *cf = arg;
	long i;
	int slot;

	if (strcmp(kind, "dictionary") == 0 || strcmp(kind, "pattern") == 0) {
		int k = kind[0] == 'd' ? TERM_DICT : TERM_PATTERN;

		if ((i = find_term(cf, k, name, n)) < 0)
			return -1;	/* why: "unknown dictionary 'x'" */
		return SC_COUNT + (int)i;
	}
	if ((i = find_list(cf, name, n)) < 0) {
		snprintf(why, whylen, "unknown list '%.*s'", (int)(n > 64 ? 64 : n), name);
		return -1;
	}
	for (int k = 0; k < PRED_COUNT; k++)
		if (strcmp(kind, subjects[k]) == 0) {
			if ((slot = pred_slot(cf, (enum conf_pred_kind)k, (size_t)i)) < 0)
				snprintf(why, whylen, "more than %d 'in' conditions", PRED_MAX);
			return slot;
		}
	return -1;
}

const struct expr_names conf_expr_names = { resolve };

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void conf_named_free(struct conf *cf)
{
	for (size_t i = 0; i < cf->nterm_src; i++) {
		free(cf->term_src[i].name);
		free(cf->term_src[i].source);
		free(cf->term_src[i].file);
	}
	free(cf->term_src);
	terms_free(cf->terms);
	for (size_t i = 0; i < cf->nlists; i++) {
		free(cf->lists[i].name);
		free_list(cf->lists[i].addresses, cf->lists[i].naddresses);
		free_list(cf->lists[i].domains, cf->lists[i].ndomains);
		free_list(cf->lists[i].groups, cf->lists[i].ngroups);
	}
	free(cf->lists);
	free(cf->preds);
	cf->term_src = NULL;
	cf->terms = NULL;
	cf->lists = NULL;
	cf->preds = NULL;
	cf->nterm_src = cf->nlists = cf->npreds = 0;
}
