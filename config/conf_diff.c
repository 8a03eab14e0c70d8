/*
 * conf_diff.c — what a reload changes in the policy, in one line for the
 * log and for `dlpctl reload` (conf.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/conf.h"

static const struct conf_rule *find(const struct conf *cf, const char *name)
{
	for (size_t i = 0; i < cf->nrules; i++)
		if (strcmp(cf->rules[i].name, name) == 0)
			return &cf->rules[i];
	return NULL;
}

static bool same(const struct conf_rule *a, const struct conf_rule *b)
{
	return strcmp(a->when_src ? a->when_src : "", b->when_src ? b->when_src : "") == 0 &&
	    a->action == b->action && a->delay == b->delay && strcmp(a->reason ? a->reason : "", b->reason ? b->reason :
	    "") == 0 && strcmp(a->advice ? a->advice : "", b->advice ? b->advice : "") == 0;
}

/* Append "; WHAT: a, b" for the rules of `in` that pass the test. */
static size_t list(char *buf, size_t len, size_t off, const char *what, const struct conf *in,
    const struct conf *other, int kind)
{
	bool first = true;

	for (size_t i = 0; i < in->nrules && off < len; i++) {
		const struct conf_rule *r = &in->rules[i], *o = find(other, r->name);
		bool hit = kind == 0 ? o == NULL : o != NULL && !same(r, o);
		int n;

		if (!hit)
			continue;
		n = snprintf(buf + off, len - off, "%s%s%s", first ? (off ? "; " : "") : ", ",
		    first ? what : "", r->name);
		first = false;
		off += n > 0 ? (size_t)n : 0;
	}
	return off < len ? off : len - 1;
}

/* The dictionary or pattern of cf like t (kind and name), or NULL. */
static const struct conf_term *find_term(const struct conf *cf, const struct conf_term *t)
{
	for (size_t i = 0; i < cf->nterm_src; i++)
		if (cf->term_src[i].kind == t->kind && strcmp(cf->term_src[i].name, t->name) == 0)
			return &cf->term_src[i];
	return NULL;
}

/* Append "; words changed: dictionary.a, pattern.b" for the dictionaries
 * and patterns added, removed or changed (their words or regex). */
static size_t terms_changed(char *buf, size_t len, size_t off, const struct conf *old,
    const struct conf *new)
{
	const struct conf *sides[2] = { new, old };
	bool first = true;

	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < sides[s]->nterm_src && off < len; i++) {
			const struct conf_term *t = &sides[s]->term_src[i], *o = find_term(sides[!s], t);
			int n;

			if (o && (s == 1 || strcmp(o->source ? o->source : "", t->source ? t->source :
			    "") == 0))
				continue;
			n = snprintf(buf + off, len - off, "%s%s%s.%s", first ? "; " : ", ",
			    first ? "words changed: " : "", t->kind == 0 ? "dictionary" : "pattern",
			    t->name);
			first = false;
			off += n > 0 ? (size_t)n : 0;
		}
	return off < len ? off : len - 1;
}

static bool same_strings(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* Append "; lists changed: a, b" for the lists added, removed or changed. */
static size_t lists_changed(char *buf, size_t len, size_t off, const struct conf *old,
    const struct conf *new)
{
	const struct conf *sides[2] = { new, old };
	bool first = true;

	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < sides[s]->nlists && off < len; i++) {
			const struct conf_list *l = &sides[s]->lists[i], *o = NULL;
			int n;

			for (size_t k = 0; k < sides[!s]->nlists && !o; k++)
				if (strcmp(sides[!s]->lists[k].name, l->name) == 0)
					o = &sides[!s]->lists[k];
			if (o && (s == 1 || (same_strings(l->addresses, l->naddresses, o->addresses,
			    o->naddresses) && same_strings(l->domains, l->ndomains, o->domains,
			    o->ndomains) && same_strings(l->groups, l->ngroups, o->groups, o->ngroups))))
				continue;
			n = snprintf(buf + off, len - off, "%s%s%s", first ? "; " : ", ",
			    first ? "lists changed: " : "", l->name);
			first = false;
			off += n > 0 ? (size_t)n : 0;
		}
	return off < len ? off : len - 1;
}

void conf_diff_rules(const struct conf *old, const struct conf *new, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	off = list(buf, len, off, "rules added: ", new, old, 0);
	off = list(buf, len, off, "rules removed: ", old, new, 0);
	off = list(buf, len, off, "rules changed: ", new, old, 1);
	if (off == 0)
		off = (size_t)snprintf(buf, len, "rules unchanged (%zu)", new->nrules);
	off = terms_changed(buf, len, off < len ? off : len - 1, old, new);
	lists_changed(buf, len, off, old, new);
}
