/*
 * conf_load.h — internal to conf.c and conf_read.c: the state of one
 * conf_load() run (the line reader, the current section, the problems
 * found so far).
 */
#ifndef DLP_CONF_LOAD_H
#define DLP_CONF_LOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "config/conf.h"

#define CONF_MAX_LINE 65536		/* bytes a line may have */
#define RULE_NAME_MAX 64
#define CONF_NSECTIONS 8		/* [milter] … [web], see conf_read.c */

/* How inih will treat a line. */
enum line_kind { L_BLANK, L_SECTION, L_KEY, L_CONT, L_BAD };
/* The section the current line is in (S_BAD: a header in error). */
enum sec_kind { S_NONE, S_KNOWN, S_UNKNOWN, S_RULE, S_BAD, S_NAMED };
/* S_NAMED: [dictionary NAME], [pattern NAME] or [list NAME] (conf_terms.c). */
enum named_kind { NK_DICT, NK_PATTERN, NK_LIST, NK_COUNT };

struct diag {
	int line, col;		/* col 0: none */
	bool rule;		/* about a [rule NAME] section, nothing else */
	size_t seq;		/* order of discovery, to keep the sort stable */
	char *msg;
};

struct seg {			/* where one line of a rule's `when` lies */
	size_t off;		/* byte offset in when_src */
	int line, col;		/* file line, column of the value on that line */
};

struct rule_src {		/* parse-time facts of one rule */
	int when_line, action_line, reason_line, advice_line, delay_line; /* 0: not given */
	int approvals_line;
	struct seg *segs;
	size_t nsegs;
	struct seg *tsegs[2];	/* where the lines of reason [0] and advice [1] lie */
	size_t ntsegs[2];
};

struct loader {
	struct conf *cf;
	const char *path;
	/* the reader */
	FILE *fp;
	char *line;		/* the current raw line, as read */
	size_t cap, len, pos;	/* getline buffer, line length, bytes given to inih */
	int lineno;
	enum line_kind kind;	/* of the current line */
	int value_col;		/* column of the value on the current line */
	int after_key;		/* inih would continue a key on an indented line */
	/* the section */
	enum sec_kind sec;
	bool in_rule;		/* problems found now concern a rule only */
	char secname[16];	/* S_KNOWN */
	int sec_line;
	size_t rule;		/* S_RULE: index in cf->rules */
	const struct conf_key *cur; /* key a continuation line adds to, or NULL */
	int *seen;		/* per conf_keys[] index: line given, 0 if not */
	int sec_first[CONF_NSECTIONS];	/* first header line of each known section */
	struct rule_src *rsrc;	/* parallel to cf->rules */
	size_t ndomains;	/* domains written for internal_domains, good or bad */
	enum named_kind nkind;	/* S_NAMED: which */
	size_t named;		/* S_NAMED: index in term_src or lists */
	int named_seen[4];	/* S_NAMED: line of each key given (by its row) */
	struct diag *diags;
	size_t ndiag, dcap;
	int oom;
};

/* Record a problem at line (0: the whole file) and column (0: none). */
void conf_diag(struct loader *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Column (characters, 1-based) of byte offset off in s. */
int conf_char_col(const char *s, size_t off);
/* Index of a known section ("milter" … "notice") in sec_first[], or -1. */
int conf_section_index(const char *name);
/* The fgets-style reader given to ini_parse_stream(); stream is the loader. */
char *conf_reader(char *str, int num, void *stream);
/* conf_terms.c: a "[dictionary NAME]" … header (kind, the name's bytes);
 * a key or an indented line of such a section; after the whole file:
 * read the dictionaries' files and compile the terms; the resolver of
 * expr_compile_names for the rules. */
void conf_named_begin(struct loader *ld, enum named_kind kind, const char *name, size_t n);
void conf_named_key(struct loader *ld, const char *key, const char *value);
void conf_named_cont(struct loader *ld, const char *value);
void conf_named_finish(struct loader *ld);
extern const struct expr_names conf_expr_names;	/* arg: the struct conf */
/* Every problem, sorted by line, one "FILE:LINE[:COL]: message" per line. */
void conf_write_diags(struct loader *ld, char *err, size_t errlen);

#endif
