/*
 * runtime.c — build, share and swap the live config + engine.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/conf.h"
#include "detectors/scan.h"
#include "milter/log.h"
#include "milter/runtime.h"
#include "milter/workers.h"
#include "register/register.h"
#include "quarantine/store.h"

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct runtime *rt_current;

static void
runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	scan_engine_free(rt->engine);
	conf_unref(rt->conf);
	free(rt);
}

/* mkdir -p for one level with mode 0700; an existing directory is fine. */
static int
make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	snprintf(err, errlen, "cannot create directory %s: %s", path, strerror(errno));
	return -1;
}

struct runtime *
runtime_new(struct conf *cf, char *err, size_t errlen)
{
	struct runtime *rt;
	struct scan_options opt;
	struct reg *rg;

	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		snprintf(err, errlen, "out of memory");
		conf_unref(cf);
		return NULL;
	}
	rt->refs = 1;
	rt->conf = cf;
	conf_var_path(rt->conf, "quarantine", rt->quarantine_dir, sizeof(rt->quarantine_dir));
	conf_register_location(rt->conf, rt->register_path, sizeof(rt->register_path));
	rt->register_password = conf_register_password_file(rt->conf);
	conf_var_path(rt->conf, "spool", rt->spool_dir, sizeof(rt->spool_dir));
	if (make_dir(rt->conf->var_dir, err, errlen) == -1 ||
	    make_dir(rt->spool_dir, err, errlen) == -1 ||
	    store_init(rt->quarantine_dir, err, errlen) == -1)
		goto fail;
	/* Create or migrate the register now, so a bad path shows at start.
	 * A database that cannot be reached does not keep the daemon from
	 * starting (or reloading): mail that passes flows, holds answer
	 * tempfail until it is back, and the first hold then migrates it. */
	if ((rg = reg_connect(rt->register_path, rt->register_password, REG_RW, err, errlen)) ==
	    NULL) {
		if (!reg_location_is_url(rt->register_path))
			goto fail;
		snprintf(rt->register_unreachable, sizeof(rt->register_unreachable), "%s", err);
		err[0] = '\0';
	} else {
		char serr[512];

		/* the series' hash key made now, so that reading the counters
		 * never has to write (a held write lock then only delays holds) */
		if (reg_series_prepare(rg, serr, sizeof(serr)) == -1)
			log_qid(LOG_WARNING, NULL, "series key not made yet (the first"
			    " external message makes it): %s", serr);
	}
	reg_close(rg);
	conf_scan_options(rt->conf, &opt);
	opt.spool_dir = rt->spool_dir;
	opt.sandbox = workers_pool();
	if ((rt->engine = scan_engine_new(&opt, err, errlen)) == NULL)
		goto fail;
	return rt;
fail:
	runtime_free(rt);
	return NULL;
}

struct runtime *
runtime_load(const char *path, char *err, size_t errlen)
{
	struct conf *cf = conf_load(path, err, errlen);

	return cf ? runtime_new(cf, err, errlen) : NULL;
}

struct runtime *
runtime_get(void)
{
	struct runtime *rt;

	pthread_mutex_lock(&rt_lock);
	rt = rt_current;
	if (rt)
		__atomic_add_fetch(&rt->refs, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&rt_lock);
	return rt;
}

void
runtime_put(struct runtime *rt)
{
	if (rt && __atomic_sub_fetch(&rt->refs, 1, __ATOMIC_SEQ_CST) == 0)
		runtime_free(rt);
}

void
runtime_install(struct runtime *rt)
{
	struct runtime *old;

	pthread_mutex_lock(&rt_lock);
	old = rt_current;
	rt_current = rt;
	pthread_mutex_unlock(&rt_lock);
	runtime_put(old);
}
