/*
 * conf.c — conf_load(): inih reads the file through conf_reader()
 * (conf_read.c), so every value arrives here with its line and column and
 * we know a repeated key from a continuation line.  Values are checked
 * against the key table (conf_keys.c); the checks that need the whole file
 * (required keys, rules, `when`) follow.  Every problem is collected and
 * reported, sorted by line, not just the first.  The result is immutable and
 * refcounted (conf_obj.c).
 */
#include <errno.h>
#include <ini.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"
#include "config/conf_load.h"
#include "text/terms.h"

static char *xstrdup(struct loader *ld, const char *s)
{
	char *p = strdup(s);

	if (!p)
		ld->oom = 1;
	return p;
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
		ld->ndomains++;
		if (conf_check_domain(p, n, dom, sizeof(dom), err, sizeof(err)) < 0) {
			conf_diag(ld, line, 0, "internal_domains: %s", err);
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
			conf_diag(ld, line, 0, "%s: %s", k->name, err);
			return;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(ld, value);
		return;
	case CT_ENUM:
		if ((idx = conf_choice_index(k->choices, value)) < 0) {
			conf_format_choices(k->choices, err, sizeof(err));
			conf_diag(ld, line, 0, "%s: bad value '%s' (one of %s)", k->name, value, err);
			return;
		}
		store_number(field, k->size, idx);
		return;
	case CT_DOMAINS:
		add_domains(ld, value, line);
		return;
	default:
		if (conf_parse_number(k, value, &v, err, sizeof(err)) < 0) {
			conf_diag(ld, line, 0, "%s: %s", k->name, err);
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
	size_t old = r->when_src ? strlen(r->when_src) : 0;

	if (!s) {
		ld->oom = 1;
		return;
	}

	rs->segs = s;
	s = &rs->segs[rs->nsegs++];
	s->off = old ? old + 1 : 0;	/* append() puts a space between non-empty parts */
	s->line = ld->lineno;
	s->col = ld->value_col;
	append(ld, &r->when_src, " ", value);
}

/* A line of reason (which 0) or advice (1): appended, and where it lies. */
static void add_text_line(struct loader *ld, char **dst, struct rule_src *rs, int which,
    const char *value)
{
	struct seg *s = realloc(rs->tsegs[which], (rs->ntsegs[which] + 1) * sizeof(*s));
	size_t old = *dst ? strlen(*dst) : 0;

	if (!s) {
		ld->oom = 1;
		return;
	}
	rs->tsegs[which] = s;
	s = &s[rs->ntsegs[which]++];
	s->off = old ? old + 1 : 0;	/* append() puts "\n" between non-empty parts */
	s->line = ld->lineno;
	s->col = ld->value_col;
	append(ld, dst, "\n", value);
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
		add_text_line(ld, strcmp(k->name, "advice") == 0 ? &r->advice : &r->reason, rs,
		    strcmp(k->name, "advice") == 0, value);
		return;
	case CT_INT: {
		long long v;
		char err[128];

		if (conf_parse_number(k, value, &v, err, sizeof(err)) < 0)
			conf_diag(ld, ld->lineno, 0, "%s: %s", k->name, err);
		else
			r->approvals = (int)v;
		return;
	}
	case CT_DURATION: {
		char err[200];
		long long ms;

		if (conf_parse_number(k, value, &ms, err, sizeof(err)) < 0)
			conf_diag(ld, ld->lineno, 0, "%s: %s", k->name, err);
		else
			r->delay = (long)(ms / 1000);
		return;
	}
	default:
		if ((a = action_lookup(value)) < 0) {
			conf_format_choices(k->choices, list, sizeof(list));
			conf_diag(ld, ld->lineno, 0, "action: bad action '%s' (one of %s)", value, list);
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
		slot = k->type == CT_INT ? &rs->approvals_line :
		    k->type == CT_EXPR ? &rs->when_line : k->type == CT_ACTION ?
		    &rs->action_line : k->type == CT_DURATION ? &rs->delay_line :
		    strcmp(k->name, "advice") == 0 ? &rs->advice_line : &rs->reason_line;
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
			conf_diag(ld, ld->lineno, 0, "unknown key '%s' in [%s] (it belongs in [%s%s])",
			    name, sec, conf_keys[i].section,
			    conf_key_named(&conf_keys[i]) ? " NAME" : "");
			return;
		}
	conf_diag(ld, ld->lineno, 0, "unknown key '%s' in [%s]", name, sec);
}

static void on_key(struct loader *ld, const char *name, const char *value)
{
	const char *sec = ld->sec == S_RULE ? "rule" : ld->secname;
	const struct conf_key *k;
	int prev;

	ld->cur = NULL;
	if (ld->sec == S_NONE) {
		conf_diag(ld, ld->lineno, 0, "key '%s' outside a section", name);
		return;
	}
	if (ld->sec == S_NAMED) {
		conf_named_key(ld, name, value);
		return;
	}
	if (ld->sec != S_KNOWN && ld->sec != S_RULE)
		return;		/* the section header was reported */
	if (!*name) {
		conf_diag(ld, ld->lineno, 0, "missing key name before '='");
		return;
	}
	if (!(k = conf_key_find(sec, name))) {
		unknown_key(ld, ld->sec == S_RULE ? "rule NAME" : sec, name);
		return;
	}
	if ((prev = repeat_of(ld, k)) != 0) {
		conf_diag(ld, ld->lineno, 0, "duplicate key '%s' (first at line %d)", name, prev);
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

	if (ld->sec == S_NAMED) {
		conf_named_cont(ld, value);
		return;
	}
	if (!k)
		return;		/* the key itself was rejected */
	if (k->type == CT_DOMAINS)
		add_domains(ld, value, ld->lineno);
	else if (k->type == CT_EXPR || k->type == CT_TEXT)
		set_rule(ld, k, value);
	else {
		conf_diag(ld, ld->lineno, 0, "indented line continues '%s', which takes one line "
		    "(only when, reason and internal_domains continue)", k->name);
		ld->cur = NULL;
	}
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;

	if (ld->oom || !name)
		return 1;	/* !name: a new-section call, if inih was built to make them */
	if (ld->kind == L_KEY)
		on_key(ld, name, value ? value : "");
	else if (ld->kind == L_CONT)
		on_continuation(ld, value ? value : "");
	else if (ld->kind != L_BAD)
		conf_diag(ld, ld->lineno, 0, "internal error: line read as '%s'", name);
	return 1;
}


/* [register] url: empty, or a PostgreSQL URL (the register's backends);
 * a password in it is refused: it belongs in password_file. */
static void check_register_url(struct loader *ld)
{
	const struct conf_key *k = conf_key_find("register", "url");
	const char *u = ld->cf->register_url, *rest, *at;

	if (!k || !u || !*u)
		return;
	if (strncmp(u, "postgresql://", 13) == 0)
		rest = u + 13;
	else if (strncmp(u, "postgres://", 11) == 0)
		rest = u + 11;
	else {
		conf_diag(ld, ld->seen[k - conf_keys], 0, "url: '%s' is not postgresql://… (leave "
		    "url empty for the SQLite register in var_dir)", u);
		return;
	}
	at = strchr(rest, '@');
	if ((at && memchr(rest, ':', (size_t)(at - rest)) && strcspn(rest, "/?") > (size_t)(at - rest)) ||
	    strstr(rest, "password="))
		conf_diag(ld, ld->seen[k - conf_keys], 0, "url: a password in the URL; put it in "
		    "password_file");
}

/* ---- after the whole file ---- */

static void check_globals(struct loader *ld)
{
	const struct scan_limits *lim = &ld->cf->limits;
	const struct conf_key *dk;

	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		int s = conf_section_index(k->section);

		if (k->def || s < 0 || ld->seen[i])
			continue;
		conf_diag(ld, ld->sec_first[s], 0, "missing required key '%s' in [%s]",
		    k->name, k->section);
	}
	if ((dk = conf_key_find("general", "internal_domains")) && ld->seen[dk - conf_keys] &&
	    ld->ndomains == 0)
		conf_diag(ld, ld->seen[dk - conf_keys], 0, "internal_domains: empty");
	if (lim->max_member_bytes > lim->max_expanded_bytes) {
		const struct conf_key *k = conf_key_find("limits", "max_member_bytes");
		conf_diag(ld, ld->seen[k - conf_keys], 0,
		    "max_member_bytes (%zu) is larger than max_expanded_bytes (%zu)",
		    lim->max_member_bytes, lim->max_expanded_bytes);
	}
	check_register_url(ld);
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

	r->when = expr_compile_names(r->when_src, &conf_expr_names, ld->cf, msg, sizeof(msg), &col);
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
	conf_diag(ld, sg->line, sg->col + conf_char_col(r->when_src + sg->off, at - sg->off) - 1,
	    "rule '%s': when: %s", r->name, msg);
}

struct text_check {
	struct loader *ld;
	const struct conf_rule *r;
	const struct rule_src *rs;
	int which;		/* 0 reason, 1 advice */
	const char *text;
};

/* One warning about text at byte off: FILE:LINE:COL of that byte. */
static void text_warn(void *arg, size_t off, const char *msg)
{
	struct text_check *t = arg;
	const struct seg *sg = NULL;
	char *w = NULL, *old = t->ld->cf->warnings;

	for (size_t i = 0; i < t->rs->ntsegs[t->which]; i++)
		if (t->rs->tsegs[t->which][i].off <= off)
			sg = &t->rs->tsegs[t->which][i];
	if (!sg)
		return;
	if (asprintf(&w, "%s%s:%d:%d: warning: rule '%s': %s: %s\n", old ? old : "",
	    t->ld->path, sg->line, sg->col + conf_char_col(t->text + sg->off, off - sg->off) - 1,
	    t->r->name, t->which ? "advice" : "reason", msg) < 0) {
		t->ld->oom = 1;
		return;
	}
	free(old);
	t->ld->cf->warnings = w;
}

/* The placeholders and numbers of a rule's reason or advice against its
 * when (policy_check_text), as warnings. */
static void check_text(struct loader *ld, const struct conf_rule *r, const struct rule_src *rs,
    int which)
{
	struct text_check t = { ld, r, rs, which, which ? r->advice : r->reason };

	if (!t.text)
		return;
	policy_check_text(t.text, r->when, text_warn, &t);
	for (const char *s = t.text; *s; s++) {	/* {dictionary.NAME}: a term of the config */
		const char *name;
		size_t n, len, i;
		int kind;
		char msg[160];

		if (*s != '{' || (len = policy_term_placeholder(s, &kind, &name, &n)) == 0)
			continue;
		for (i = 0; i < ld->cf->nterm_src; i++)
			if (ld->cf->term_src[i].kind == kind && strlen(ld->cf->term_src[i].name) == n &&
			    memcmp(ld->cf->term_src[i].name, name, n) == 0)
				break;
		if (i == ld->cf->nterm_src) {
			snprintf(msg, sizeof(msg), "%.*s: no [%s %.*s] in the config", (int)len, s,
			    kind == TERM_DICT ? "dictionary" : "pattern", (int)n, name);
			text_warn(&t, (size_t)(s - t.text), msg);
		}
		s += len - 1;
	}
}

static void check_rules(struct loader *ld)
{
	for (size_t i = 0; i < ld->cf->nrules; i++) {
		struct conf_rule *r = &ld->cf->rules[i];
		const struct rule_src *rs = &ld->rsrc[i];

		if (!rs->when_line)
			conf_diag(ld, r->line, 0, "rule '%s' has no 'when'", r->name);
		if (!rs->action_line)
			conf_diag(ld, r->line, 0, "rule '%s' has no 'action'", r->name);
		else if (rs->delay_line && r->action != ACT_DELAY)
			conf_diag(ld, rs->delay_line, 0, "rule '%s': 'delay' is only for action = delay"
			    " (the action is %s)", r->name, action_name(r->action));
		if (r->when_src && rs->nsegs)
			compile_when(ld, r, rs);
		if (rs->approvals_line && rs->action_line && r->action != ACT_APPROVE)
			conf_diag(ld, rs->approvals_line, 0, "rule '%s': approvals is for action = "
			    "approve only", r->name);
		if (!r->reason)
			r->reason = xstrdup(ld, "");
		if (r->when) {
			check_text(ld, r, rs, 0);
			check_text(ld, r, rs, 1);
		}
	}
}

/* *field made relative to the config file's directory, unless empty or
 * absolute. */
static void relative_to_conf(struct loader *ld, char **field)
{
	const char *slash = strrchr(ld->path, '/');
	char *p = NULL;

	if (!*field || !**field || (*field)[0] == '/' || !slash)
		return;
	if (asprintf(&p, "%.*s/%s", (int)(slash - ld->path), ld->path, *field) < 0) {
		ld->oom = 1;
		return;
	}
	free(*field);
	*field = p;
}

/* spool_dir; the templates directory and the register's password file
 * relative to the config file. */
static void derive_paths(struct loader *ld)
{
	struct conf *cf = ld->cf;

	if (cf->var_dir && asprintf(&cf->spool_dir, "%s%sspool", cf->var_dir,
	    cf->var_dir[strlen(cf->var_dir) - 1] == '/' ? "" : "/") < 0) {
		cf->spool_dir = NULL;
		ld->oom = 1;
	}
	relative_to_conf(ld, &cf->notice_templates);
	relative_to_conf(ld, &cf->register_password_file);
}

static void loader_free(struct loader *ld)
{
	for (size_t i = 0; i < ld->ndiag; i++)
		free(ld->diags[i].msg);
	free(ld->diags);
	for (size_t i = 0; ld->rsrc && i < ld->cf->nrules; i++)
		free(ld->rsrc[i].segs), free(ld->rsrc[i].tsegs[0]), free(ld->rsrc[i].tsegs[1]);
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
	rc = ini_parse_stream(conf_reader, ld, on_value, ld);
	if (ferror(ld->fp))
		conf_diag(ld, 0, 0, "read error: %s", strerror(errno));
	if (rc == -2)
		ld->oom = 1;
	else if (rc > 0) {
		int known = 0;
		for (size_t i = 0; i < ld->ndiag; i++)
			known |= ld->diags[i].line == rc;
		if (!known)
			conf_diag(ld, rc, 0, "syntax error");
	}
	ld->in_rule = false;
	check_globals(ld);
	ld->in_rule = true;	/* dictionaries, patterns and lists belong to the policy */
	conf_named_finish(ld);
	check_rules(ld);
	ld->in_rule = false;
	derive_paths(ld);
}

static struct conf *load(const char *path, char *err, size_t errlen, bool *partial)
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
		if (conf_keys[i].def && !conf_key_named(&conf_keys[i]))
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
		bool rules_only = partial != NULL;

		for (size_t i = 0; i < ld.ndiag; i++)
			rules_only = rules_only && ld.diags[i].rule;
		conf_write_diags(&ld, err, errlen);
		if (!rules_only)
			goto fail;
		*partial = true;
	}
	loader_free(&ld);	/* before the rules go: it walks them */
	if (partial && *partial)
		conf_free_rules(cf);	/* the config without its policy */
	return cf;
oom:
	if (err && errlen)
		snprintf(err, errlen, "%s: out of memory", path);
fail:
	loader_free(&ld);
	conf_destroy(cf);
	return NULL;
}

struct conf *conf_load(const char *path, char *err, size_t errlen)
{
	return load(path, err, errlen, NULL);
}

struct conf *conf_load_admin(const char *path, char *err, size_t errlen, bool *partial)
{
	*partial = false;
	return load(path, err, errlen, partial);
}
