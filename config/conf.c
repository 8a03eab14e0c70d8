/*
 * conf.c — conf_load(): the file is read by inih through our own line
 * reader, which numbers the lines and classifies each one exactly as inih
 * will (section, key, continuation, comment), so that every value arrives
 * with its line and column, a repeated key is told from a continuation line,
 * and a section with no keys is still seen.  Every problem is collected,
 * sorted by line and reported, not just the first.  The result is immutable
 * and refcounted.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"

#define CONF_MAX_LINE 65536		/* bytes a line may have */
#define RULE_NAME_MAX 64

enum line_kind { L_BLANK, L_SECTION, L_KEY, L_CONT, L_BAD };
enum sec_kind { S_NONE, S_KNOWN, S_UNKNOWN, S_RULE, S_BAD };

struct diag {
	int line, col;		/* col 0: none */
	size_t seq;		/* order of discovery, to keep the sort stable */
	char *msg;
};

struct seg {			/* where one line of a rule's `when` lies */
	size_t off;		/* byte offset in when_src */
	int line, col;		/* file line, column of the value on that line */
};

struct rule_src {		/* parse-time facts of one rule */
	int when_line, action_line, reason_line; /* 0: not given */
	struct seg *segs;
	size_t nsegs;
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
	char secname[16];	/* S_KNOWN */
	int sec_line;
	size_t rule;		/* S_RULE: index in cf->rules */
	const struct conf_key *cur; /* key a continuation line adds to, or NULL */
	int *seen;		/* per conf_keys[] index: line given, 0 if not */
	int sec_first[6];	/* first header line of each known section */
	struct rule_src *rsrc;	/* parallel to cf->rules */
	struct diag *diags;
	size_t ndiag, dcap;
	int oom;
};

static const char *const known_sections[] = {
	"milter", "general", "limits", "register", "release", "notice",
};

static void diag(struct loader *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void diag(struct loader *ld, int line, int col, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	struct diag *d;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->ndiag == ld->dcap) {
		size_t cap = ld->dcap ? ld->dcap * 2 : 16;
		d = realloc(ld->diags, cap * sizeof(*d));
		if (!d) {
			ld->oom = 1;
			return;
		}
		ld->diags = d;
		ld->dcap = cap;
	}
	d = &ld->diags[ld->ndiag];
	d->msg = strdup(msg);
	if (!d->msg) {
		ld->oom = 1;
		return;
	}
	d->line = line;
	d->col = col;
	d->seq = ld->ndiag++;
}

static char *xstrdup(struct loader *ld, const char *s)
{
	char *p = strdup(s);

	if (!p)
		ld->oom = 1;
	return p;
}

/* Column (characters) of byte offset off in s. */
static int char_col(const char *s, size_t off)
{
	int col = 1;

	for (size_t i = 0; i < off; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

/* ---- sections ---- */

static int valid_rule_name(const char *s, size_t n)
{
	if (n == 0 || n > RULE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return 0;
	return 1;
}

static void begin_rule(struct loader *ld, const char *name, size_t n)
{
	struct conf *cf = ld->cf;
	struct conf_rule *r;
	struct rule_src *rs;

	ld->sec = S_BAD;
	if (!valid_rule_name(name, n)) {
		diag(ld, ld->lineno, 0, "bad rule name '%.*s' (1 to %d letters, digits, '_', '.', '-')",
		    (int)(n > 80 ? 80 : n), name, RULE_NAME_MAX);
		return;
	}
	for (size_t i = 0; i < cf->nrules; i++)
		if (strlen(cf->rules[i].name) == n && memcmp(cf->rules[i].name, name, n) == 0) {
			diag(ld, ld->lineno, 0, "duplicate rule '%.*s' (first at line %d)",
			    (int)n, name, cf->rules[i].line);
			return;
		}
	r = realloc(cf->rules, (cf->nrules + 1) * sizeof(*r));
	if (r)
		cf->rules = r;
	rs = realloc(ld->rsrc, (cf->nrules + 1) * sizeof(*rs));
	if (rs)
		ld->rsrc = rs;
	if (!r || !rs) {
		ld->oom = 1;
		return;
	}
	r = &cf->rules[cf->nrules];
	memset(r, 0, sizeof(*r));
	memset(&ld->rsrc[cf->nrules], 0, sizeof(*rs));
	r->name = strndup(name, n);
	if (!r->name) {
		ld->oom = 1;
		return;
	}
	r->line = ld->lineno;
	r->action = ACT_PASS;
	ld->rule = cf->nrules++;
	ld->sec = S_RULE;
}

/* A "[...]" line: s at '[', n bytes up to the end of the stripped line. */
static void begin_section(struct loader *ld, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n), *b, *e;

	ld->cur = NULL;
	ld->sec = S_BAD;
	if (!close) {
		diag(ld, ld->lineno, 0, "missing ']' in section header");
		return;
	}
	if ((size_t)(close - s) + 1 != n) {
		diag(ld, ld->lineno, 0, "text after ']' in section header");
		return;
	}
	for (b = s + 1; b < close && isspace((unsigned char)*b); b++)
		;
	for (e = close; e > b && isspace((unsigned char)e[-1]); e--)
		;
	ld->sec_line = ld->lineno;
	if (e - b >= 4 && memcmp(b, "rule", 4) == 0 && (e - b == 4 || isspace((unsigned char)b[4]))) {
		for (b += 4; b < e && isspace((unsigned char)*b); b++)
			;
		if (b == e)
			diag(ld, ld->lineno, 0, "rule section without a name: [rule NAME]");
		else
			begin_rule(ld, b, (size_t)(e - b));
		return;
	}
	for (size_t i = 0; i < sizeof(known_sections) / sizeof(known_sections[0]); i++)
		if (strlen(known_sections[i]) == (size_t)(e - b) && memcmp(b, known_sections[i], e - b) == 0) {
			snprintf(ld->secname, sizeof(ld->secname), "%s", known_sections[i]);
			ld->sec = S_KNOWN;
			if (!ld->sec_first[i])
				ld->sec_first[i] = ld->lineno;
			return;
		}
	ld->sec = S_UNKNOWN;
	diag(ld, ld->lineno, 0, "unknown section [%.*s]", (int)(e - b > 80 ? 80 : e - b), b);
}

/* ---- the line reader ---- */

/* Classify the current line as inih will treat it (see ini.c: comment,
 * continuation, section, name=value), with inline comments off. */
static void classify(struct loader *ld)
{
	char *p = ld->line, *s, *e, *sep;

	if (ld->lineno == 1 && ld->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	for (s = p; *s && isspace((unsigned char)*s); s++)
		;
	for (e = ld->line + ld->len; e > s && isspace((unsigned char)e[-1]); e--)
		;
	if (s == e || strchr(";#", *s)) {
		ld->kind = L_BLANK;
	} else if (ld->after_key && s > ld->line) {
		ld->kind = L_CONT;
		ld->value_col = char_col(ld->line, (size_t)(s - ld->line));
	} else if (*s == '[') {
		ld->kind = L_SECTION;
		if (memchr(s, ']', (size_t)(e - s)))
			ld->after_key = 0;
		begin_section(ld, s, (size_t)(e - s));
	} else if ((sep = strpbrk(s, "=:")) != NULL && sep < e) {
		ld->kind = L_KEY;
		ld->after_key = 1;
		for (sep++; sep < e && isspace((unsigned char)*sep); sep++)
			;
		ld->value_col = char_col(ld->line, (size_t)(sep - ld->line));
	} else {
		ld->kind = L_BAD;
		diag(ld, ld->lineno, 0, "expected 'key = value', a [section] or a comment");
	}
}

/* Read and classify the next line.  0, or -1 at the end of the file. */
static int next_line(struct loader *ld)
{
	ssize_t n = getline(&ld->line, &ld->cap, ld->fp);

	if (n < 0)
		return -1;
	ld->len = (size_t)n;
	ld->pos = 0;
	ld->lineno++;
	if (memchr(ld->line, '\0', ld->len)) {
		for (size_t i = 0; i < ld->len; i++)
			if (ld->line[i] == '\0')
				ld->line[i] = ' ';
		diag(ld, ld->lineno, 0, "NUL byte in line");
	}
	if (ld->len > CONF_MAX_LINE) {
		ld->kind = L_BAD;
		diag(ld, ld->lineno, 0, "line longer than %d bytes", CONF_MAX_LINE);
		return 0;
	}
	classify(ld);
	return 0;
}

/* The fgets-style reader inih calls: hands out the current line, in pieces
 * of at most num - 1 bytes, and reads the next one when it is used up. */
static char *reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	size_t n;

	if (num < 2)
		return NULL;
	if (ld->pos >= ld->len && next_line(ld) < 0)
		return NULL;
	n = ld->len - ld->pos;
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, ld->line + ld->pos, n);
	str[n] = '\0';
	ld->pos += n;
	return str;
}

/* ---- values ---- */

static void store_number(void *field, size_t size, long long v)
{
	switch (size) {
	case 1: { int8_t x = (int8_t)v; memcpy(field, &x, size); break; }
	case 2: { int16_t x = (int16_t)v; memcpy(field, &x, size); break; }
	case 4: { int32_t x = (int32_t)v; memcpy(field, &x, size); break; }
	default: { int64_t x = (int64_t)v; memcpy(field, &x, sizeof(x)); break; }
	}
}

/* Add the domains of one line (comma or space separated) to the list. */
static void add_domains(struct loader *ld, const char *value, int line)
{
	struct conf *cf = ld->cf;
	char dom[256], err[300];
	const char *p = value;

	while (*p) {
		size_t n;
		char **list;
		int dup = 0;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if (conf_check_domain(p, n, dom, sizeof(dom), err, sizeof(err)) < 0) {
			diag(ld, line, 0, "internal_domains: %s", err);
			p += n;
			continue;
		}
		p += n;
		for (size_t i = 0; i < cf->n_internal; i++)
			dup |= strcmp(cf->internal_domains[i], dom) == 0;
		if (dup)
			continue;
		list = realloc(cf->internal_domains, (cf->n_internal + 2) * sizeof(*list));
		if (!list || !(list[cf->n_internal] = strdup(dom))) {
			if (list)
				cf->internal_domains = list;
			ld->oom = 1;
			return;
		}
		list[++cf->n_internal] = NULL;
		cf->internal_domains = list;
	}
}

/* Set a key of [milter] … [notice].  line 0: the table's default. */
static void set_global(struct loader *ld, const struct conf_key *k, const char *value, int line)
{
	char *field = (char *)ld->cf + k->offset, err[400];
	long long v;
	int idx;

	switch (k->type) {
	case CT_STRING:
		if (conf_check_string(k, value, err, sizeof(err)) < 0) {
			diag(ld, line, 0, "%s: %s", k->name, err);
			return;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(ld, value);
		return;
	case CT_ENUM:
		if ((idx = conf_choice_index(k->choices, value)) < 0) {
			conf_format_choices(k->choices, err, sizeof(err));
			diag(ld, line, 0, "%s: bad value '%s' (one of %s)", k->name, value, err);
			return;
		}
		store_number(field, k->size, idx);
		return;
	case CT_DOMAINS:
		add_domains(ld, value, line);
		if (*value == '\0')
			diag(ld, line, 0, "%s: empty", k->name);
		return;
	default:
		if (conf_parse_number(k, value, &v, err, sizeof(err)) < 0) {
			diag(ld, line, 0, "%s: %s", k->name, err);
			return;
		}
		store_number(field, k->size, v);
		return;
	}
}

/* Append "sep" + value to *dst (a new string when *dst is NULL). */
static void append(struct loader *ld, char **dst, const char *sep, const char *value)
{
	size_t old = *dst ? strlen(*dst) : 0;
	size_t n = old + strlen(sep) + strlen(value) + 1;
	char *p = realloc(*dst, n);

	if (!p) {
		ld->oom = 1;
		return;
	}
	snprintf(p + old, n - old, "%s%s", old ? sep : "", value);
	*dst = p;
}

static void add_when_line(struct loader *ld, struct conf_rule *r, struct rule_src *rs,
    const char *value)
{
	struct seg *s = realloc(rs->segs, (rs->nsegs + 1) * sizeof(*s));

	if (!s) {
		ld->oom = 1;
		return;
	}
	rs->segs = s;
	s = &rs->segs[rs->nsegs++];
	s->off = r->when_src ? strlen(r->when_src) + 1 : 0;
	s->line = ld->lineno;
	s->col = ld->value_col;
	append(ld, &r->when_src, " ", value);
}

static void set_rule(struct loader *ld, const struct conf_key *k, const char *value)
{
	struct conf_rule *r = &ld->cf->rules[ld->rule];
	struct rule_src *rs = &ld->rsrc[ld->rule];
	char list[100];
	int a;

	switch (k->type) {
	case CT_EXPR:
		add_when_line(ld, r, rs, value);
		return;
	case CT_TEXT:
		append(ld, &r->reason, "\n", value);
		return;
	default:
		if ((a = action_lookup(value)) < 0) {
			conf_format_choices(k->choices, list, sizeof(list));
			diag(ld, ld->lineno, 0, "action: bad action '%s' (one of %s)", value, list);
			return;
		}
		r->action = (enum action)a;
	}
}

/* The line of key k given before in this section, or 0; records this one. */
static int repeat_of(struct loader *ld, const struct conf_key *k)
{
	int *slot, prev;

	if (ld->sec == S_RULE) {
		struct rule_src *rs = &ld->rsrc[ld->rule];
		slot = k->type == CT_EXPR ? &rs->when_line : k->type == CT_ACTION ?
		    &rs->action_line : &rs->reason_line;
	} else
		slot = &ld->seen[k - conf_keys];
	prev = *slot;
	if (!prev)
		*slot = ld->lineno;
	return prev;
}

static void unknown_key(struct loader *ld, const char *sec, const char *name)
{
	for (size_t i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].name, name) == 0 && strcmp(conf_keys[i].section, sec) != 0) {
			diag(ld, ld->lineno, 0, "unknown key '%s' in [%s] (it belongs in [%s%s])",
			    name, sec, conf_keys[i].section,
			    strcmp(conf_keys[i].section, "rule") == 0 ? " NAME" : "");
			return;
		}
	diag(ld, ld->lineno, 0, "unknown key '%s' in [%s]", name, sec);
}

static void on_key(struct loader *ld, const char *name, const char *value)
{
	const char *sec = ld->sec == S_RULE ? "rule" : ld->secname;
	const struct conf_key *k;
	int prev;

	ld->cur = NULL;
	if (ld->sec == S_NONE) {
		diag(ld, ld->lineno, 0, "key '%s' outside a section", name);
		return;
	}
	if (ld->sec != S_KNOWN && ld->sec != S_RULE)
		return;		/* the section header was reported */
	if (!*name) {
		diag(ld, ld->lineno, 0, "missing key name before '='");
		return;
	}
	if (!(k = conf_key_find(sec, name))) {
		unknown_key(ld, ld->sec == S_RULE ? "rule NAME" : sec, name);
		return;
	}
	if ((prev = repeat_of(ld, k)) != 0) {
		diag(ld, ld->lineno, 0, "duplicate key '%s' (first at line %d)", name, prev);
		return;
	}
	ld->cur = k;
	if (ld->sec == S_RULE)
		set_rule(ld, k, value);
	else
		set_global(ld, k, value, ld->lineno);
}

/* An indented line after a key: more of a multi-line value. */
static void on_continuation(struct loader *ld, const char *value)
{
	const struct conf_key *k = ld->cur;

	if (!k)
		return;		/* the key itself was rejected */
	if (k->type == CT_DOMAINS)
		add_domains(ld, value, ld->lineno);
	else if (k->type == CT_EXPR || k->type == CT_TEXT)
		set_rule(ld, k, value);
	else {
		diag(ld, ld->lineno, 0, "indented line continues '%s', which takes one line "
		    "(only when, reason and internal_domains continue)", k->name);
		ld->cur = NULL;
	}
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;

	if (ld->oom)
		return 1;
	if (ld->kind == L_KEY)
		on_key(ld, name, value ? value : "");
	else if (ld->kind == L_CONT)
		on_continuation(ld, value ? value : "");
	else if (ld->kind != L_BAD)
		diag(ld, ld->lineno, 0, "internal error: line read as '%s'", name);
	return 1;
}


/* ---- after the whole file ---- */

static int section_index(const char *name)
{
	for (size_t i = 0; i < sizeof(known_sections) / sizeof(known_sections[0]); i++)
		if (strcmp(known_sections[i], name) == 0)
			return (int)i;
	return -1;
}

static void check_globals(struct loader *ld)
{
	const struct scan_limits *lim = &ld->cf->limits;

	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		int s = section_index(k->section);

		if (k->def || s < 0 || ld->seen[i])
			continue;
		diag(ld, ld->sec_first[s], 0, "missing required key '%s' in [%s]", k->name, k->section);
	}
	if (lim->max_member_bytes > lim->max_expanded_bytes) {
		const struct conf_key *k = conf_key_find("limits", "max_member_bytes");
		diag(ld, ld->seen[k - conf_keys], 0,
		    "max_member_bytes (%zu) is larger than max_expanded_bytes (%zu)",
		    lim->max_member_bytes, lim->max_expanded_bytes);
	}
}

/* Byte offset of 1-based character column col in s. */
static size_t byte_of_col(const char *s, int col)
{
	size_t i = 0;

	for (int c = 1; s[i] && c < col; c++)
		for (i++; ((unsigned char)s[i] & 0xC0) == 0x80; i++)
			;
	return i;
}

/* Compile a rule's `when`; on error report the file line and column of the
 * offending token, whichever line of a multi-line condition it is on. */
static void compile_when(struct loader *ld, struct conf_rule *r, const struct rule_src *rs)
{
	char msg[300], suffix[32];
	const struct seg *sg = &rs->segs[0];
	size_t at, mlen, slen;
	int col;

	r->when = expr_compile(r->when_src, msg, sizeof(msg), &col);
	if (r->when)
		return;
	snprintf(suffix, sizeof(suffix), " at column %d", col);
	mlen = strlen(msg);
	slen = strlen(suffix);
	if (mlen > slen && strcmp(msg + mlen - slen, suffix) == 0)
		msg[mlen - slen] = '\0';
	at = byte_of_col(r->when_src, col);
	for (size_t i = 1; i < rs->nsegs; i++)
		if (rs->segs[i].off <= at)
			sg = &rs->segs[i];
	diag(ld, sg->line, sg->col + char_col(r->when_src + sg->off, at - sg->off) - 1,
	    "rule '%s': when: %s", r->name, msg);
}

static void check_rules(struct loader *ld)
{
	for (size_t i = 0; i < ld->cf->nrules; i++) {
		struct conf_rule *r = &ld->cf->rules[i];
		const struct rule_src *rs = &ld->rsrc[i];

		if (!rs->when_line)
			diag(ld, r->line, 0, "rule '%s' has no 'when'", r->name);
		if (!rs->action_line)
			diag(ld, r->line, 0, "rule '%s' has no 'action'", r->name);
		if (r->when_src && rs->nsegs)
			compile_when(ld, r, rs);
		if (!r->reason)
			r->reason = xstrdup(ld, "");
	}
}

/* spool_dir, and the templates directory relative to the config file. */
static void derive_paths(struct loader *ld)
{
	struct conf *cf = ld->cf;
	const char *slash = strrchr(ld->path, '/');
	char *p = NULL;

	if (cf->var_dir && asprintf(&cf->spool_dir, "%s%sspool", cf->var_dir,
	    cf->var_dir[strlen(cf->var_dir) - 1] == '/' ? "" : "/") < 0) {
		cf->spool_dir = NULL;
		ld->oom = 1;
	}
	if (!cf->notice_templates || !*cf->notice_templates || cf->notice_templates[0] == '/' ||
	    !slash)
		return;
	if (asprintf(&p, "%.*s/%s", (int)(slash - ld->path), ld->path, cf->notice_templates) < 0) {
		ld->oom = 1;
		return;
	}
	free(cf->notice_templates);
	cf->notice_templates = p;
}

static int diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every problem, sorted by line, one per line of err. */
static void write_diags(struct loader *ld, char *err, size_t errlen)
{
	size_t used = 0;

	if (!err || !errlen)
		return;
	err[0] = '\0';
	qsort(ld->diags, ld->ndiag, sizeof(*ld->diags), diag_cmp);
	for (size_t i = 0; i < ld->ndiag; i++) {
		const struct diag *d = &ld->diags[i];
		char where[32] = "";
		int n;

		if (d->line && d->col)
			snprintf(where, sizeof(where), ":%d:%d", d->line, d->col);
		else if (d->line)
			snprintf(where, sizeof(where), ":%d", d->line);
		n = snprintf(err + used, errlen - used, "%s%s%s: %s", i ? "\n" : "", ld->path,
		    where, d->msg);
		/* Keep room to say how many did not fit. */
		if (n < 0 || (size_t)n >= errlen - used ||
		    (i + 1 < ld->ndiag && (size_t)n + 32 >= errlen - used)) {
			err[used] = '\0';
			snprintf(err + used, errlen - used, "%s... %zu more", i ? "\n" : "",
			    ld->ndiag - i);
			return;
		}
		used += (size_t)n;
	}
}

static void loader_free(struct loader *ld)
{
	for (size_t i = 0; i < ld->ndiag; i++)
		free(ld->diags[i].msg);
	free(ld->diags);
	for (size_t i = 0; ld->rsrc && i < ld->cf->nrules; i++)
		free(ld->rsrc[i].segs);
	free(ld->rsrc);
	free(ld->seen);
	free(ld->line);
	if (ld->fp)
		fclose(ld->fp);
}

/* inih's runtime knobs (Debian's build): heap line buffer that grows, long
 * lines, no inline comments (a ';' in a reason is text), indented lines
 * continue a value.  They are process globals: conf_load() is not to be run
 * by two threads at once. */
static void ini_setup(void)
{
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONF_MAX_LINE + 3;
	ini_allow_inline_comments = false;
	ini_allow_multiline = true;
	ini_allow_bom = true;
	ini_stop_on_first_error = false;
	ini_allow_no_value = false;
}

/* Read the file into ld->cf and run the checks that need all of it. */
static void load_file(struct loader *ld)
{
	int rc;

	ini_setup();
	rc = ini_parse_stream(reader, ld, on_value, ld);
	if (ferror(ld->fp))
		diag(ld, 0, 0, "read error: %s", strerror(errno));
	if (rc == -2)
		ld->oom = 1;
	else if (rc > 0) {
		int known = 0;
		for (size_t i = 0; i < ld->ndiag; i++)
			known |= ld->diags[i].line == rc;
		if (!known)
			diag(ld, rc, 0, "syntax error");
	}
	check_globals(ld);
	check_rules(ld);
	derive_paths(ld);
}

struct conf *conf_load(const char *path, char *err, size_t errlen)
{
	struct loader ld = { .path = path };
	struct conf *cf;

	if (err && errlen)
		err[0] = '\0';
	cf = ld.cf = calloc(1, sizeof(*cf));
	ld.seen = calloc(conf_nkeys, sizeof(*ld.seen));
	if (!cf || !ld.seen || !(cf->path = strdup(path)))
		goto oom;
	cf->refs = 1;
	for (size_t i = 0; i < conf_nkeys; i++)
		if (conf_keys[i].def && strcmp(conf_keys[i].section, "rule") != 0)
			set_global(&ld, &conf_keys[i], conf_keys[i].def, 0);
	if (!(ld.fp = fopen(path, "r"))) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	load_file(&ld);
	if (ld.oom)
		goto oom;
	if (ld.ndiag) {
		write_diags(&ld, err, errlen);
		goto fail;
	}
	loader_free(&ld);
	return cf;
oom:
	if (err && errlen)
		snprintf(err, errlen, "%s: out of memory", path);
fail:
	loader_free(&ld);
	conf_destroy(cf);
	return NULL;
}
