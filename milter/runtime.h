/*
 * runtime.h — the live configuration and the engine built from it, as one
 * refcounted object.  A message takes a reference at MAIL FROM and keeps it
 * to the end, so a reload (SIGHUP) applies to new messages while messages
 * in flight finish on the config they started with.
 */
#ifndef DLP_RUNTIME_H
#define DLP_RUNTIME_H

#include <stddef.h>

struct conf;
struct scan_engine;

struct runtime {
	int refs;			/* atomic */
	struct conf *conf;
	struct scan_engine *engine;
	char quarantine_dir[4096];	/* var_dir/quarantine */
	char register_path[4096];	/* [register] url, else var_dir/incidents.db */
	const char *register_password;	/* [register] password_file or NULL (in conf) */
	char register_unreachable[1024];	/* why the database was not reached, or "" */
	char spool_dir[4096];		/* var_dir/spool */
};

/* Build everything from a loaded config (directories created 0700,
 * register opened and migrated once: a database register that cannot be
 * reached is no failure, register_unreachable says why); takes over the
 * reference to cf, also on failure.  NULL with the error in err. */
struct runtime *runtime_new(struct conf *cf, char *err, size_t errlen);
/* conf_load(path), then runtime_new().  NULL with every error in err. */
struct runtime *runtime_load(const char *path, char *err, size_t errlen);
/* The current runtime with a reference taken; never NULL after
 * runtime_install(). */
struct runtime *runtime_get(void);
void runtime_put(struct runtime *rt);
/* Make rt current (takes over the caller's reference). */
void runtime_install(struct runtime *rt);

#endif
