/*
 * exclude.c — the organisation's own contact data (see exclude.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "detect/valueset.h"
#include "detectors/exclude.h"
#include "extract/extract.h"
#include "mime/recipients.h"

char **exclude_parse_numbers(const char *s)
{
	char **v = NULL;
	size_t n = 0;

	for (; s && *s;) {
		s += strspn(s, ", \t");
		size_t len = strcspn(s, ", \t"), d = 0;
		char *p, **nv;

		if (!len)
			break;
		if (!(p = malloc(len + 2)) || !(nv = realloc(v, (n + 2) * sizeof(*v)))) {
			free(p);
			exclude_free(v);
			return NULL;
		}
		v = nv;
		for (size_t i = 0; i < len; i++)
			if (isdigit((unsigned char)s[i]))
				p[d++] = s[i];
			else if (s[i] == '*' || s[i] == 'x' || s[i] == 'X') {
				p[d++] = '*';
				break;
			}
		p[d] = '\0';
		v[n++] = p;
		v[n] = NULL;
		s += len;
	}
	return v;
}

void exclude_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static bool number_matches(const char *pat, const char *v)
{
	size_t n = strlen(pat);

	if (n && pat[n - 1] == '*')
		return strncmp(v, pat, n - 1) == 0;
	return strcmp(v, pat) == 0;
}

bool exclude_match(const struct scan_options *opt, char *const *numbers, enum finding_type t,
    const char *v)
{
	if (t == FT_PHONE)
		for (size_t i = 0; numbers && numbers[i]; i++)
			if (number_matches(numbers[i], v))
				return true;
	return t == FT_EMAIL && opt->exclude_internal_addresses && rcpt_is_internal(opt, v);
}

/* Keep in *set only the values that are not excluded; the excluded ones
 * are added to out, or dropped when out is NULL. */
static int split(struct valueset **set, struct valueset *out, const struct scan_options *opt,
    char *const *numbers, enum finding_type t)
{
	struct valueset *kept;
	size_t n = *set ? valueset_count(*set) : 0;

	if (!n)
		return 0;
	if (!(kept = valueset_new()))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *v = valueset_get(*set, i);
		struct valueset *to = exclude_match(opt, numbers, t, v) ? out : kept;

		if (to && valueset_add(to, v, strlen(v)) < 0) {
			valueset_free(kept);
			return -1;
		}
	}
	if (valueset_incomplete(*set))
		valueset_set_incomplete(kept);
	valueset_free(*set);
	*set = kept;
	return 0;
}

int exclude_apply(struct inspect *in, const struct scan_options *opt, char *const *numbers)
{
	struct scan_result *res = in->res;

	if (!numbers && !opt->exclude_internal_addresses)
		return 0;
	for (int t = 0; t < FT_COUNT; t++) {
		if (t != FT_PHONE && t != FT_EMAIL)
			continue;
		if (!res->excluded[t] && !(res->excluded[t] = valueset_new()))
			return -1;
		if (split(&res->values[t], res->excluded[t], opt, numbers, t) < 0)
			return -1;
		for (size_t i = 0; i < in->npvals && i < res->nparts; i++) {
			/* a part's excluded values are the message's already */
			if (split(&in->pvals[i][t], NULL, opt, numbers, t) < 0)
				return -1;
			res->parts[i].counts[t] = in->pvals[i][t] ?
			    (unsigned)valueset_count(in->pvals[i][t]) : 0;
		}
	}
	return 0;
}
