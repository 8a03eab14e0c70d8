/*
 * conf_obj.c — the loaded configuration as an object: reference counting,
 * freeing, and the views other modules take of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/conf_int.h"

void conf_free_rules(struct conf *cf)
{
	for (size_t i = 0; i < cf->nrules; i++) {
		free(cf->rules[i].name);
		free(cf->rules[i].when_src);
		expr_free(cf->rules[i].when);
		free(cf->rules[i].reason);
		free(cf->rules[i].advice);
	}
	free(cf->rules);
	cf->rules = NULL;
	cf->nrules = 0;
}

void conf_destroy(struct conf *cf)
{
	if (!cf)
		return;
	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->type == CT_STRING && !conf_key_named(k))
			free(*(char **)((char *)cf + k->offset));
	}
	for (size_t i = 0; i < cf->n_internal; i++)
		free(cf->internal_domains[i]);
	free(cf->internal_domains);
	conf_free_rules(cf);
	conf_named_free(cf);
	free(cf->spool_dir);
	free(cf->warnings);
	free(cf->path);
	free(cf);
}

struct conf *conf_ref(struct conf *cf)
{
	if (cf)
		__atomic_add_fetch(&cf->refs, 1, __ATOMIC_RELAXED);
	return cf;
}

void conf_unref(struct conf *cf)
{
	if (cf && __atomic_sub_fetch(&cf->refs, 1, __ATOMIC_ACQ_REL) == 0)
		conf_destroy(cf);
}

void conf_scan_options(const struct conf *cf, struct scan_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->internal_domains = (const char *const *)cf->internal_domains;
	opt->n_internal = cf->n_internal;
	opt->spool_dir = cf->spool_dir;
	opt->limits = cf->limits;
	opt->own_numbers = cf->own_numbers;
	opt->exclude_internal_addresses = cf->internal_addresses == 1;
	opt->terms = cf->terms;
}

void conf_var_path(const struct conf *cf, const char *name, char *buf, size_t len)
{
	size_t n = strlen(cf->var_dir);

	snprintf(buf, len, "%s%s%s", cf->var_dir, n && cf->var_dir[n - 1] == '/' ? "" : "/", name);
}

void conf_register_location(const struct conf *cf, char *buf, size_t len)
{
	if (cf->register_url && *cf->register_url)
		snprintf(buf, len, "%s", cf->register_url);
	else
		conf_var_path(cf, "incidents.db", buf, len);
}

const char *conf_register_password_file(const struct conf *cf)
{
	return cf->register_password_file && *cf->register_password_file ?
	    cf->register_password_file : NULL;
}
