/*
 * expr.c — the `when` language: tokenizer, recursive descent to an AST,
 * evaluation, and the walks over a compiled expression (its thresholds,
 * the counters it uses, its constants).
 *
 * Grammar (policy.h): or := and {"or" and}; and := unary {"and" unary};
 * unary := "not" unary | cmp; cmp := operand [op operand];
 * operand := counter | integer | "(" expr ")".  So `not` applies to a whole
 * comparison (`not external > 0` is `not (external > 0)`), comparisons bind
 * tighter than `and`, `and` tighter than `or`; comparisons do not chain.
 * Columns in error messages are 1-based and count characters (UTF-8).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/policy.h"

#define EXPR_MAX_DEPTH 64	/* nesting of "(" and "not" */
#define EXPR_MAX_INT 2147483647L

enum node_kind { N_NUM, N_CTR, N_CMP, N_AND, N_OR, N_NOT };
enum cmp_op { OP_LT, OP_LE, OP_EQ, OP_NE, OP_GE, OP_GT };

struct expr {
	enum node_kind kind;
	enum cmp_op op;		/* N_CMP */
	long value;		/* N_NUM: the integer; N_CTR: the counter id */
	struct expr *l, *r;	/* operands; N_NOT uses l only */
};

enum tok_kind { T_END, T_NUM, T_CTR, T_CMP, T_AND, T_OR, T_NOT, T_LP, T_RP, T_ERR };

struct token {
	enum tok_kind kind;
	size_t start, len;	/* byte span in src */
	long value;		/* T_NUM: integer; T_CTR: counter id */
	enum cmp_op op;		/* T_CMP */
};

struct parser {
	const struct expr_names *names;	/* or NULL */
	void *names_arg;
	const char *src;
	size_t pos;		/* next byte to lex */
	struct token tok;	/* current token */
	int depth;
	int failed;
	char *err;
	size_t errlen;
	int col;		/* column of the first error */
};

/* 1-based column of byte offset off: characters, not bytes. */
static int column_of(const char *src, size_t off)
{
	int col = 1;

	for (size_t i = 0; i < off && src[i]; i++)
		if (((unsigned char)src[i] & 0xC0) != 0x80)
			col++;
	return col;
}

/* Record the first error only, at byte offset off. */
static void fail(struct parser *p, size_t off, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	p->tok.kind = T_ERR;
	p->col = column_of(p->src, off);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s at column %d", msg, p->col);
}

static int is_ident(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && c >= '0' && c <= '9');
}

/* Length of the UTF-8 sequence starting with byte c (1 for junk). */
static size_t utf8_len(unsigned char c)
{
	if (c >= 0xF0 && c < 0xF8)
		return 4;
	if (c >= 0xE0)
		return c < 0xF0 ? 3 : 1;
	if (c >= 0xC0)
		return 2;
	return 1;
}

static void lex_number(struct parser *p, size_t start)
{
	const char *s = p->src;
	size_t i = start;
	long v = 0;
	int big = 0;

	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (EXPR_MAX_INT - (s[i] - '0')) / 10)
			big = 1;
		else
			v = v * 10 + (s[i] - '0');
	}
	if (is_ident((unsigned char)s[i], 0)) {
		size_t e = i;
		while (is_ident((unsigned char)s[e], 0))
			e++;
		fail(p, start, "bad integer '%.*s'", (int)(e - start > 32 ? 32 : e - start), s + start);
		return;
	}
	if (big) {
		fail(p, start, "integer '%.*s' out of range (0..%ld)",
		    (int)(i - start > 32 ? 32 : i - start), s + start, EXPR_MAX_INT);
		return;
	}
	p->tok.kind = T_NUM;
	p->tok.value = v;
	p->tok.len = i - start;
}

static int is_name(int c)
{
	return is_ident(c, 0) || c == '-';
}

/* The slot of kind and name s[0..n) at byte offset off, as the token. */
static void lex_named(struct parser *p, const char *kind, size_t off, size_t n)
{
	char why[200];
	int slot = -1;

	if (n == 0) {
		fail(p, off, "expected a name after '%s%s'", kind,
		    strchr(kind, '_') || strcmp(kind, "sender") == 0 ? " in" : ".");
		return;
	}
	snprintf(why, sizeof(why), "unknown %s '%.*s'", kind, (int)(n > 64 ? 64 : n), p->src + off);
	if (p->names && p->names->resolve)
		slot = p->names->resolve(p->names_arg, kind, p->src + off, n, why, sizeof(why));
	if (slot < 0) {
		fail(p, off, "%s", why);
		return;
	}
	p->tok.kind = T_CTR;
	p->tok.value = slot;
}

/* "dictionary.NAME", "pattern.NAME", or "SUBJECT in NAME" at start (the
 * word is s[0..n)): 1 when it is one (the token made or the parser
 * failed), 0 when the word is something else. */
static int lex_slot(struct parser *p, size_t start, size_t n)
{
	static const char *const dotted[] = { "dictionary", "pattern" };
	static const char *const subjects[] = { "recipient_domains", "sender_group", "sender" };
	const char *s = p->src + start;
	size_t i, b;

	for (i = 0; i < 2; i++)
		if (n == strlen(dotted[i]) && memcmp(s, dotted[i], n) == 0 && s[n] == '.') {
			for (b = n + 1; is_name((unsigned char)s[b]); b++)
				;
			p->tok.len = b;
			lex_named(p, dotted[i], start + n + 1, b - n - 1);
			return 1;
		}
	for (i = 0; i < 3; i++) {
		if (n != strlen(subjects[i]) || memcmp(s, subjects[i], n) != 0)
			continue;
		for (b = n; s[b] == ' ' || s[b] == '\t' || s[b] == '\n'; b++)
			;
		if (!(s[b] == 'i' && s[b + 1] == 'n' && !is_name((unsigned char)s[b + 2]))) {
			fail(p, start, "'%s' needs 'in LIST' (%s in NAME)", subjects[i], subjects[i]);
			return 1;
		}
		for (b += 2; s[b] == ' ' || s[b] == '\t' || s[b] == '\n'; b++)
			;
		size_t name = b;
		while (is_name((unsigned char)s[b]))
			b++;
		p->tok.len = b;
		lex_named(p, subjects[i], start + name, b - name);
		return 1;
	}
	return 0;
}

static void lex_word(struct parser *p, size_t start)
{
	const char *s = p->src + start;
	size_t n = 0;
	int id;

	while (is_ident((unsigned char)s[n], 0))
		n++;
	p->tok.len = n;
	if (lex_slot(p, start, n))
		return;
	if (n == 3 && memcmp(s, "and", 3) == 0)
		p->tok.kind = T_AND;
	else if (n == 2 && memcmp(s, "or", 2) == 0)
		p->tok.kind = T_OR;
	else if (n == 3 && memcmp(s, "not", 3) == 0)
		p->tok.kind = T_NOT;
	else if ((id = scan_counter_lookup(s, n)) >= 0) {
		p->tok.kind = T_CTR;
		p->tok.value = id;
	} else
		fail(p, start, "unknown counter '%.*s'", (int)(n > 40 ? 40 : n), s);
}

/* Two-character and one-character operators at s; 0 when none. */
static int lex_op(struct parser *p, const char *s)
{
	static const struct { const char *text; enum cmp_op op; } ops[] = {
		{ "<=", OP_LE }, { ">=", OP_GE }, { "==", OP_EQ }, { "!=", OP_NE },
		{ "<", OP_LT }, { ">", OP_GT },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(s, ops[i].text, n) == 0) {
			p->tok.kind = T_CMP;
			p->tok.op = ops[i].op;
			p->tok.len = n;
			return 1;
		}
	}
	return 0;
}

/* Advance to the next token; on a lexical error the parser has failed. */
static void next(struct parser *p)
{
	const char *s = p->src;
	size_t i = p->pos;
	unsigned char c;

	if (p->failed)
		return;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	memset(&p->tok, 0, sizeof(p->tok));
	p->tok.start = i;
	c = (unsigned char)s[i];
	if (c == '\0')
		p->tok.kind = T_END;
	else if (c >= '0' && c <= '9')
		lex_number(p, i);
	else if (is_ident(c, 1))
		lex_word(p, i);
	else if (c == '(' || c == ')') {
		p->tok.kind = c == '(' ? T_LP : T_RP;
		p->tok.len = 1;
	} else if (!lex_op(p, s + i)) {
		if (c == '=')
			fail(p, i, "unexpected '=' (use '==')");
		else if (c == '!')
			fail(p, i, "unexpected '!' (use 'not' or '!=')");
		else
			fail(p, i, "unexpected character '%.*s'", (int)utf8_len(c), s + i);
	}
	p->pos = i + p->tok.len;
}

static struct expr *node(struct parser *p, enum node_kind kind, struct expr *l, struct expr *r)
{
	struct expr *e = calloc(1, sizeof(*e));

	if (!e) {
		expr_free(l);
		expr_free(r);
		fail(p, p->tok.start, "out of memory");
		return NULL;
	}
	e->kind = kind;
	e->l = l;
	e->r = r;
	return e;
}

static struct expr *parse_or(struct parser *p);

/* Describe the current token for "expected …" errors. */
static void fail_expected(struct parser *p, const char *what)
{
	if (p->tok.kind == T_END)
		fail(p, p->tok.start, "expected %s, found end of expression", what);
	else
		fail(p, p->tok.start, "expected %s, found '%.*s'", what,
		    (int)(p->tok.len > 32 ? 32 : p->tok.len), p->src + p->tok.start);
}

static struct expr *parse_operand(struct parser *p)
{
	struct expr *e;
	size_t open;

	if (p->failed)
		return NULL;
	switch (p->tok.kind) {
	case T_NUM:
	case T_CTR:
		e = node(p, p->tok.kind == T_NUM ? N_NUM : N_CTR, NULL, NULL);
		if (e)
			e->value = p->tok.value;
		next(p);
		return e;
	case T_LP:
		open = p->tok.start;
		if (++p->depth > EXPR_MAX_DEPTH) {
			fail(p, open, "expression nested too deeply");
			return NULL;
		}
		next(p);
		e = parse_or(p);
		p->depth--;
		if (e && p->tok.kind != T_RP) {
			fail_expected(p, "')'");
			expr_free(e);
			return NULL;
		}
		next(p);
		return e;
	default:
		fail_expected(p, "a counter, a number or '('");
		return NULL;
	}
}

static struct expr *parse_cmp(struct parser *p)
{
	struct expr *l = parse_operand(p), *r, *e;
	enum cmp_op op;

	if (!l || p->tok.kind != T_CMP)
		return l;
	op = p->tok.op;
	next(p);
	r = parse_operand(p);
	if (!r) {
		expr_free(l);
		return NULL;
	}
	if (p->tok.kind == T_CMP) {
		fail(p, p->tok.start, "comparisons do not chain (use 'and')");
		expr_free(l);
		expr_free(r);
		return NULL;
	}
	e = node(p, N_CMP, l, r);
	if (e)
		e->op = op;
	return e;
}

static struct expr *parse_unary(struct parser *p)
{
	struct expr *e;

	if (p->failed)
		return NULL;
	if (p->tok.kind != T_NOT)
		return parse_cmp(p);
	if (++p->depth > EXPR_MAX_DEPTH) {
		fail(p, p->tok.start, "expression nested too deeply");
		return NULL;
	}
	next(p);
	e = parse_unary(p);
	p->depth--;
	return e ? node(p, N_NOT, e, NULL) : NULL;
}

/* One left-associative level: sub { tok sub }. */
static struct expr *parse_binary(struct parser *p, enum tok_kind tok, enum node_kind kind,
    struct expr *(*sub)(struct parser *))
{
	struct expr *l = sub(p), *r;

	while (l && p->tok.kind == tok) {
		next(p);
		r = sub(p);
		if (!r) {
			expr_free(l);
			return NULL;
		}
		l = node(p, kind, l, r);
	}
	return l;
}

static struct expr *parse_and(struct parser *p)
{
	return parse_binary(p, T_AND, N_AND, parse_unary);
}

static struct expr *parse_or(struct parser *p)
{
	return parse_binary(p, T_OR, N_OR, parse_and);
}

struct expr *expr_compile(const char *src, char *err, size_t errlen, int *col)
{
	return expr_compile_names(src, NULL, NULL, err, errlen, col);
}

struct expr *expr_compile_names(const char *src, const struct expr_names *names, void *arg,
    char *err, size_t errlen, int *col)
{
	struct parser p = { .names = names, .names_arg = arg, .src = src ? src : "", .err = err,
	    .errlen = errlen };
	struct expr *e = NULL;

	if (col)
		*col = 0;
	next(&p);
	if (p.tok.kind == T_END)
		fail(&p, p.tok.start, "empty expression");
	else
		e = parse_or(&p);
	if (e && p.tok.kind != T_END)
		fail(&p, p.tok.start, "trailing input '%.*s'",
		    (int)(p.tok.len > 32 ? 32 : p.tok.len), p.src + p.tok.start);
	if (p.failed) {
		expr_free(e);
		if (col)
			*col = p.col;
		return NULL;
	}
	return e;
}

long expr_eval(const struct expr *e, const long *counters)
{
	long l, r;

	if (!e)
		return 0;
	switch (e->kind) {
	case N_NUM:
		return e->value;
	case N_CTR:
		return counters[e->value];
	case N_AND:
		return expr_eval(e->l, counters) && expr_eval(e->r, counters);
	case N_OR:
		return expr_eval(e->l, counters) || expr_eval(e->r, counters);
	case N_NOT:
		return !expr_eval(e->l, counters);
	case N_CMP:
		l = expr_eval(e->l, counters);
		r = expr_eval(e->r, counters);
		switch (e->op) {
		case OP_LT: return l < r;
		case OP_LE: return l <= r;
		case OP_EQ: return l == r;
		case OP_NE: return l != r;
		case OP_GE: return l >= r;
		case OP_GT: return l > r;
		}
	}
	return 0;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->l);
	expr_free(e->r);
	free(e);
}

/* The comparison constants of e as written, left to right: cb for each
 * (counter, integer); cb returns non-zero to stop.  Returns that. */
static int walk_cmp(const struct expr *e, int (*cb)(void *arg, long ctr, long num), void *arg)
{
	int rc;

	if (!e)
		return 0;
	if (e->kind == N_CMP && e->l && e->r) {
		if (e->l->kind == N_CTR && e->r->kind == N_NUM)
			return cb(arg, e->l->value, e->r->value);
		if (e->l->kind == N_NUM && e->r->kind == N_CTR)
			return cb(arg, e->r->value, e->l->value);
	}
	if ((rc = walk_cmp(e->l, cb, arg)) != 0)
		return rc;
	return walk_cmp(e->r, cb, arg);
}

struct thr {
	int ctr;
	long found;
};

static int thr_cb(void *arg, long ctr, long num)
{
	struct thr *t = arg;

	if (t->ctr >= 0 && ctr != t->ctr)
		return 0;
	t->found = num;
	return 1;
}

long expr_threshold(const struct expr *e, int c)
{
	struct thr t = { c, -1 };

	walk_cmp(e, thr_cb, &t);
	return t.found;
}

bool expr_uses(const struct expr *e, int c)
{
	if (!e)
		return false;
	if (e->kind == N_CTR)
		return e->value == c;
	return expr_uses(e->l, c) || expr_uses(e->r, c);
}

struct consts {
	long *out;
	size_t max, n;
};

static int const_cb(void *arg, long ctr, long num)
{
	struct consts *k = arg;

	(void)ctr;
	if (k->n < k->max)
		k->out[k->n] = num;
	k->n++;
	return 0;
}

size_t expr_constants(const struct expr *e, long *out, size_t max)
{
	struct consts k = { out, max, 0 };

	walk_cmp(e, const_cb, &k);
	return k.n;
}
