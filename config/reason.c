/*
 * reason.c — the placeholders of a rule's reason: {COUNTER}, {threshold},
 * {threshold:COUNTER}, {dictionary.NAME} and {pattern.NAME} filled from a
 * message's counters (policy_fill, policy_fill_result), and the check at
 * config load that warns about a placeholder or a number the rule cannot
 * fill (policy_check_text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/policy.h"
#include "text/terms.h"

/* A placeholder at s ("{name}" or "{name:arg}", lower case and '_'):
 * its total length, the name's and the argument's spans; 0 when none. */
static size_t placeholder(const char *s, size_t *nlen, const char **arg, size_t *alen)
{
	const char *lower = "abcdefghijklmnopqrstuvwxyz_";
	size_t n, a = 0;

	if (*s != '{')
		return 0;
	n = strspn(s + 1, lower);
	if (n == 0 || n > 40)
		return 0;
	*arg = NULL;
	if (s[1 + n] == ':') {
		a = strspn(s + 2 + n, lower);
		if (a == 0 || a > 40 || s[2 + n + a] != '}')
			return 0;
		*arg = s + 2 + n;
		*alen = a;
		*nlen = n;
		return n + a + 3;
	}
	if (s[1 + n] != '}')
		return 0;
	*nlen = n;
	return n + 2;
}

/* The value of placeholder name[0..n) (arg[0..alen) or NULL) into *v;
 * 0, or -1 when it has none, with why (for the check). */
static int placeholder_value(const char *name, size_t n, const char *arg, size_t alen,
    const struct expr *when, const long *counters, long *v, char *why, size_t whylen)
{
	int c;

	if (n == 9 && memcmp(name, "threshold", 9) == 0) {
		c = -1;
		if (arg && (c = scan_counter_lookup(arg, alen)) < 0) {
			snprintf(why, whylen, "{threshold:%.*s}: no counter '%.*s'", (int)alen, arg,
			    (int)alen, arg);
			return -1;
		}
		if ((*v = expr_threshold(when, c)) < 0) {
			if (arg)
				snprintf(why, whylen, "{threshold:%.*s}: 'when' does not compare %.*s "
				    "with a number", (int)alen, arg, (int)alen, arg);
			else
				snprintf(why, whylen, "{threshold}: 'when' compares no counter with a number");
			return -1;
		}
		return 0;
	}
	if (arg || (c = scan_counter_lookup(name, n)) < 0) {
		snprintf(why, whylen, "{%.*s%s%.*s}: unknown placeholder (a counter name, "
		    "{threshold} or {threshold:COUNTER})", (int)n, name, arg ? ":" : "",
		    (int)(arg ? alen : 0), arg ? arg : "");
		return -1;
	}
	if (!counters) {
		snprintf(why, whylen, "no counters");
		return -1;
	}
	*v = counters[c];
	return 0;
}

/* A term placeholder at s, "{dictionary.NAME}" or "{pattern.NAME}" (NAME
 * as a section names it: letters, digits, '_', '-'): its total length,
 * the kind (TERM_DICT, TERM_PATTERN) and the name's span; 0 when none. */
size_t policy_term_placeholder(const char *s, int *kind, const char **name, size_t *nlen)
{
	static const char nchars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-";
	size_t k, n;

	if (strncmp(s, "{dictionary.", 12) == 0) {
		k = 12;
		*kind = TERM_DICT;
	} else if (strncmp(s, "{pattern.", 9) == 0) {
		k = 9;
		*kind = TERM_PATTERN;
	} else {
		return 0;
	}
	n = strspn(s + k, nchars);
	if (n == 0 || n > 64 || s[k + n] != '}')
		return 0;
	*name = s + k;
	*nlen = n;
	return k + n + 1;
}

/* The counter of the term of kind called name[0..n) in r: 0 with *v, -1
 * when r has no such term. */
static int term_value(const struct scan_result *r, int kind, const char *name, size_t n,
    long *v)
{
	for (size_t i = 0; r && r->terms && i < terms_count(r->terms); i++) {
		const struct term_def *d = terms_def(r->terms, i);

		if ((int)d->kind == kind && strlen(d->name) == n && memcmp(d->name, name, n) == 0) {
			*v = scan_result_term(r, i);
			return 0;
		}
	}
	return -1;
}

char *policy_fill(const char *text, const struct expr *when, const long *counters)
{
	return policy_fill_result(text, when, counters, NULL);
}

char *policy_fill_result(const char *text, const struct expr *when, const long *counters,
    const struct scan_result *r)
{
	size_t cap = (text ? strlen(text) : 0) + 64, len = 0, t, n, alen = 0;
	char *out = malloc(cap), *bigger, num[24], why[160];
	const char *arg;
	long v;

	if (!out)
		return NULL;
	for (const char *s = text ? text : ""; *s;) {
		const char *piece = s;
		size_t plen = 1;

		int kind;

		if ((t = placeholder(s, &n, &arg, &alen)) &&
		    placeholder_value(s + 1, n, arg, alen, when, counters, &v, why, sizeof(why)) == 0) {
			plen = (size_t)snprintf(num, sizeof(num), "%ld", v);
			piece = num;
		} else if (!t && (t = policy_term_placeholder(s, &kind, &arg, &alen)) &&
		    term_value(r, kind, arg, alen, &v) == 0) {
			plen = (size_t)snprintf(num, sizeof(num), "%ld", v);
			piece = num;
		} else if (t)
			plen = t;	/* as written */
		if (len + plen + 1 > cap) {
			cap = (len + plen + 1) * 2;
			if (!(bigger = realloc(out, cap))) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + len, piece, plen);
		len += plen;
		s += t ? t : 1;
	}
	out[len] = '\0';
	return out;
}

/* A decimal number at s, ASCII or full-width digits: its value into *v and
 * its length in bytes; 0 when none. */
static size_t literal_number(const char *s, long *v)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	*v = 0;
	for (;;) {
		if (u[i] >= '0' && u[i] <= '9') {
			if (*v < 100000000L)
				*v = *v * 10 + (u[i] - '0');
			i++;
		} else if (u[i] == 0xEF && u[i + 1] == 0xBC && u[i + 2] >= 0x90 && u[i + 2] <= 0x99) {
			if (*v < 100000000L)
				*v = *v * 10 + (u[i + 2] - 0x90);
			i += 3;
		} else
			return i;
	}
}

void policy_check_text(const char *text, const struct expr *when,
    void (*warn)(void *arg, size_t off, const char *msg), void *arg)
{
	long consts[16], v;
	size_t nconst = expr_constants(when, consts, 16), t, n, alen = 0;
	char why[200];
	const char *a;

	if (nconst > 16)
		nconst = 16;
	for (const char *s = text ? text : ""; *s;) {
		int kind;

		if ((t = policy_term_placeholder(s, &kind, &a, &alen))) {
			s += t;		/* checked against the config's terms (conf.c) */
			continue;
		}
		if ((t = placeholder(s, &n, &a, &alen))) {
			if (placeholder_value(s + 1, n, a, alen, when, NULL, &v, why, sizeof(why)) < 0 &&
			    strcmp(why, "no counters") != 0)
				warn(arg, (size_t)(s - text), why);
			s += t;
			continue;
		}
		/* a digit inside a word ("UTF-8", "X509") is no count */
		if ((t = literal_number(s, &v)) && !(s > text && ((s[-1] >= 'A' && s[-1] <= 'Z') ||
		    (s[-1] >= 'a' && s[-1] <= 'z') || s[-1] == '-'))) {
			size_t i = 0;

			while (i < nconst && consts[i] != v)
				i++;
			if (nconst && i == nconst) {
				snprintf(why, sizeof(why), "the number %ld is not what 'when' compares "
				    "with (%ld%s): write {threshold} so the text follows the rule",
				    v, consts[0], nconst > 1 ? ", ..." : "");
				warn(arg, (size_t)(s - text), why);
			}
			s += t;
			continue;
		}
		s += t ? t : 1;
	}
}
