/*
 * recipients.c — internal or external by domain, and the recipient
 * counters.  Addresses compare case-insensitively (domains are; local parts
 * are by every mail system the ministry uses).
 */
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "mime/recipients.h"

/* The domain of addr (after the last '@'), or NULL. */
static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at && at[1] ? at + 1 : NULL;
}

/* Domain length without a trailing dot or '>' left by a sloppy sender. */
static size_t
domain_len(const char *d)
{
	size_t n = strcspn(d, ">");

	while (n > 0 && d[n - 1] == '.')
		n--;
	return n;
}

bool
rcpt_is_internal(const struct scan_options *opt, const char *addr)
{
	const char *d = addr ? domain_of(addr) : NULL;
	size_t dl;

	if (!d)
		return true;	/* local delivery */
	dl = domain_len(d);
	for (size_t i = 0; i < opt->n_internal; i++) {
		const char *in = opt->internal_domains[i];
		size_t il = strlen(in);

		if (il == 0 || il > dl)
			continue;
		if (strncasecmp(d + dl - il, in, il) != 0)
			continue;
		if (il == dl || d[dl - il - 1] == '.')
			return true;
	}
	return false;
}

/* Add the lower-cased s[0..n) to set; true when it was not there yet. */
static bool
add_new(GHashTable *set, const char *s, size_t n)
{
	char *k = g_ascii_strdown(s, (gssize)n);

	return g_hash_table_add(set, k);	/* frees k when present */
}

void
rcpt_count(const struct scan_options *opt, struct scan_rcpts *r, char *const *visible,
    size_t nvisible)
{
	GHashTable *doms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *vis = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	r->recipients = (unsigned)r->n_envelope;
	r->external = r->external_domains = r->external_visible = 0;
	for (size_t i = 0; i < r->n_envelope; i++) {
		const char *d = domain_of(r->envelope[i]);

		if (rcpt_is_internal(opt, r->envelope[i]))
			continue;
		r->external++;
		if (add_new(doms, d, domain_len(d)))
			r->external_domains++;
	}
	for (size_t i = 0; i < nvisible; i++)
		if (!rcpt_is_internal(opt, visible[i]) &&
		    add_new(vis, visible[i], strlen(visible[i])))
			r->external_visible++;
	g_hash_table_destroy(doms);
	g_hash_table_destroy(vis);
}
