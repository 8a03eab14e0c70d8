/*
 * conf_read.c — the reading half of conf_load(): the line reader inih calls,
 * which numbers the lines and classifies each exactly as inih will
 * (section, key, continuation, comment), the section headers, and the
 * problems collected on the way.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf_int.h"
#include "config/conf_load.h"

static const char *const known_sections[CONF_NSECTIONS] = {
	"milter", "general", "limits", "register", "series", "release", "notice", "web",
};

void conf_diag(struct loader *ld, int line, int col, const char *fmt, ...)
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
	d->rule = ld->in_rule;
	d->seq = ld->ndiag++;
}

/* Column (characters) of byte offset off in s. */
int conf_char_col(const char *s, size_t off)
{
	int col = 1;

	for (size_t i = 0; i < off; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

int conf_section_index(const char *name)
{
	for (size_t i = 0; i < sizeof(known_sections) / sizeof(known_sections[0]); i++)
		if (strcmp(known_sections[i], name) == 0)
			return (int)i;
	return -1;
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
		conf_diag(ld, ld->lineno, 0, "bad rule name '%.*s' (1 to %d letters, digits, '_', '.', '-')",
		    (int)(n > 80 ? 80 : n), name, RULE_NAME_MAX);
		return;
	}
	for (size_t i = 0; i < cf->nrules; i++)
		if (strlen(cf->rules[i].name) == n && memcmp(cf->rules[i].name, name, n) == 0) {
			conf_diag(ld, ld->lineno, 0, "duplicate rule '%.*s' (first at line %d)",
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
	r->delay = RULE_DELAY_DEFAULT;
	ld->rule = cf->nrules++;
	ld->sec = S_RULE;
}

/* A "[...]" line: s at '[', n bytes up to the end of the stripped line. */
static void begin_section(struct loader *ld, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n), *b, *e;

	ld->cur = NULL;
	ld->sec = S_BAD;
	ld->in_rule = false;
	if (!close) {
		conf_diag(ld, ld->lineno, 0, "missing ']' in section header");
		return;
	}
	if ((size_t)(close - s) + 1 != n) {
		conf_diag(ld, ld->lineno, 0, "text after ']' in section header");
		return;
	}
	for (b = s + 1; b < close && isspace((unsigned char)*b); b++)
		;
	for (e = close; e > b && isspace((unsigned char)e[-1]); e--)
		;
	ld->sec_line = ld->lineno;
	if (e - b >= 4 && memcmp(b, "rule", 4) == 0 && (e - b == 4 || isspace((unsigned char)b[4]))) {
		ld->in_rule = true;
		for (b += 4; b < e && isspace((unsigned char)*b); b++)
			;
		if (b == e)
			conf_diag(ld, ld->lineno, 0, "rule section without a name: [rule NAME]");
		else
			begin_rule(ld, b, (size_t)(e - b));
		return;
	}
	for (int k = 0; k < NK_COUNT; k++) {
		static const char *const named[NK_COUNT] = { "dictionary", "pattern", "list" };
		size_t kl = strlen(named[k]);

		if ((size_t)(e - b) < kl || memcmp(b, named[k], kl) != 0 ||
		    ((size_t)(e - b) > kl && !isspace((unsigned char)b[kl])))
			continue;
		for (b += kl; b < e && isspace((unsigned char)*b); b++)
			;
		ld->in_rule = true;	/* the policy's, as a rule's problems are */
		if (b == e)
			conf_diag(ld, ld->lineno, 0, "[%s] without a name: [%s NAME]", named[k], named[k]);
		else
			conf_named_begin(ld, (enum named_kind)k, b, (size_t)(e - b));
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
	conf_diag(ld, ld->lineno, 0, "unknown section [%.*s]", (int)(e - b > 80 ? 80 : e - b), b);
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
		ld->value_col = conf_char_col(ld->line, (size_t)(s - ld->line));
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
		ld->value_col = conf_char_col(ld->line, (size_t)(sep - ld->line));
	} else {
		ld->kind = L_BAD;
		conf_diag(ld, ld->lineno, 0, "expected 'key = value', a [section] or a comment");
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
		conf_diag(ld, ld->lineno, 0, "NUL byte in line");
	}
	if (ld->len > CONF_MAX_LINE) {
		ld->kind = L_BAD;
		conf_diag(ld, ld->lineno, 0, "line longer than %d bytes", CONF_MAX_LINE);
		return 0;
	}
	classify(ld);
	return 0;
}

/* The fgets-style reader inih calls: hands out the current line, in pieces
 * of at most num - 1 bytes, and reads the next one when it is used up. */
char *conf_reader(char *str, int num, void *stream)
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

static int diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every problem, sorted by line, one per line of err. */
void conf_write_diags(struct loader *ld, char *err, size_t errlen)
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
