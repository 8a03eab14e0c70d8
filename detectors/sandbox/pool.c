/*
 * pool.c — the daemon's side of the sandbox (sandbox.h): the worker
 * processes, handing a part to one, reading its reply or its death.
 *
 * A slot is taken under the pool's mutex, waiting no longer than the
 * message's deadline; the exchange itself runs without the lock, so n
 * workers serve n sessions at once.  A worker is started with posix_spawn
 * (signals unblocked and at their defaults, its socket as fd 3, the
 * daemon's environment with OMP_THREAD_LIMIT=1) from the
 * daemon's own binary: a fresh image with none of the daemon's memory
 * (config, register connection, keys).  A slot whose worker died, timed
 * out, or served max_jobs parts is emptied and filled again on next use.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "extract/extract.h"
#include "detect/valueset.h"
#include "sandbox/proto.h"
#include "sandbox/sandbox.h"
#include "sandbox/wire.h"
#include "text/terms.h"

#define GRACE_MS 2000		/* past the deadline before a worker is killed */

extern char **environ;

struct worker {
	pid_t pid;			/* 0: not running */
	int fd;				/* our end of its socket */
	unsigned jobs;			/* parts it has served */
	unsigned long long terms_sent;	/* terms_id of the terms it has (0: none) */
	bool busy;
};

struct sandbox_pool {
	struct sandbox_config cfg;	/* cfg.program owned */
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a slot became free (CLOCK_MONOTONIC) */
	struct worker *w;
	unsigned n;
	struct sandbox_stats st;	/* under mu */
};

const char *
sandbox_fault_name(enum sandbox_fault f)
{
	static const char *const names[SB_FAULT_COUNT] = { "crashed", "over_memory",
	    "over_time", "protocol" };

	return f < SB_FAULT_COUNT ? names[f] : "?";
}

static void give_back(struct sandbox_pool *p, struct worker *w);

/* The daemon's environment for a worker, with OMP_THREAD_LIMIT=1 in place
 * of any other value: one worker is one core (Tesseract's OpenMP reads it
 * when it is loaded, before the worker's main).  malloc'd array of
 * borrowed strings, or NULL on ENOMEM. */
static char **
worker_env(void)
{
	static char omp[] = "OMP_THREAD_LIMIT=1";
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	if (!(env = calloc(n + 2, sizeof(*env))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "OMP_THREAD_LIMIT=", 17) != 0)
			env[k++] = environ[i];
	env[k] = omp;
	return env;
}

/* Start the worker of slot w.  0, or -1 with err. */
static int
spawn(struct sandbox_pool *p, struct worker *w, char *err, size_t errlen)
{
	char mem[32], cpu[32], jobs[32];
	char *argv[] = { (char *)p->cfg.program, SANDBOX_WORKER_ARG, mem, cpu, jobs, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int sv[2], rc;
	pid_t pid;
	char **env = worker_env();

	if (!env) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(mem, sizeof(mem), "%zu", p->cfg.memory);
	snprintf(cpu, sizeof(cpu), "%u", p->cfg.cpu_ms);
	snprintf(jobs, sizeof(jobs), "%u", p->cfg.max_jobs);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		free(env);
		return -1;
	}
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, p->cfg.program, &fa, &at, argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(sv[1]);
	if (rc != 0) {
		close(sv[0]);
		snprintf(err, errlen, "cannot start %s: %s", p->cfg.program, strerror(rc));
		return -1;
	}
	w->pid = pid;
	w->fd = sv[0];
	w->jobs = 0;
	w->terms_sent = 0;
	pthread_mutex_lock(&p->mu);
	p->st.started++;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* End the worker of slot w: killed when kill_it, reaped; its wait status
 * into *status (0 when it could not be had). */
static void
retire(struct worker *w, bool kill_it, int *status)
{
	int st = 0;

	if (w->pid > 0) {
		if (kill_it)
			kill(w->pid, SIGKILL);
		close(w->fd);
		while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (status)
		*status = st;
	w->pid = 0;
	w->fd = -1;
	w->jobs = 0;
}

struct sandbox_pool *
sandbox_pool_new(const struct sandbox_config *cfg, char *err, size_t errlen)
{
	struct sandbox_pool *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!p || !(p->cfg.program = strdup(cfg->program))) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->cfg.workers = cfg->workers ? cfg->workers : (unsigned)(cpus > 0 ? cpus : 1);
	p->cfg.max_jobs = cfg->max_jobs ? cfg->max_jobs : 1;
	p->cfg.memory = cfg->memory;
	p->cfg.cpu_ms = cfg->cpu_ms;
	p->n = p->cfg.workers;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!(p->w = calloc(p->n, sizeof(*p->w)))) {
		snprintf(err, errlen, "out of memory");
		sandbox_pool_free(p);
		return NULL;
	}
	return p;
}

int
sandbox_pool_start(struct sandbox_pool *p, char *err, size_t errlen)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		int rc = 0;

		pthread_mutex_lock(&p->mu);
		bool mine = !w->busy && w->pid == 0;
		if (mine)
			w->busy = true;
		pthread_mutex_unlock(&p->mu);
		if (!mine)
			continue;
		rc = spawn(p, w, err, errlen);
		give_back(p, w);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void
sandbox_pool_free(struct sandbox_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; p->w && i < p->n; i++)
		retire(&p->w[i], true, NULL);
	free(p->w);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free((char *)p->cfg.program);
	free(p);
}

unsigned
sandbox_pool_size(const struct sandbox_pool *p)
{
	return p->n;
}

void
sandbox_pool_stats(struct sandbox_pool *p, struct sandbox_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->st;
	pthread_mutex_unlock(&p->mu);
}

/* Milliseconds from now to t (0 when past). */
static long
ms_until(const struct timespec *t)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* An idle slot, marked busy; NULL when none freed up before deadline. */
static struct worker *
take(struct sandbox_pool *p, const struct timespec *deadline)
{
	struct worker *w = NULL;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (unsigned i = 0; i < p->n && !w; i++)
			if (!p->w[i].busy)
				w = &p->w[i];
		if (w || pthread_cond_timedwait(&p->cv, &p->mu, deadline) == ETIMEDOUT)
			break;
	}
	if (w)
		w->busy = true;
	pthread_mutex_unlock(&p->mu);
	return w;
}

static void
give_back(struct sandbox_pool *p, struct worker *w)
{
	pthread_mutex_lock(&p->mu);
	w->busy = false;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void
give(struct sandbox_pool *p, struct worker *w, int fault)
{
	pthread_mutex_lock(&p->mu);
	w->busy = false;
	p->st.jobs++;
	if (fault >= 0)
		p->st.faults[fault]++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* The request for part idx, the data not included. */
static void
request(struct wbuf *b, const struct worker *w, const struct inspect *in, size_t idx,
    const struct extractor *ex, size_t len, unsigned depth, const char *charset)
{
	const struct terms *t = in->opt->terms;
	const struct scan_limits *l = &in->opt->limits;
	const struct scan_part *pt = &in->res->parts[idx];
	/* parts the worker may add: it counts the handed part as its first */
	size_t left = l->max_parts + 1 > in->res->nparts ? l->max_parts + 1 - in->res->nparts : 1;

	wb_u32(b, PROTO_VERSION);
	wb_u32(b, l->max_depth);
	wb_u32(b, (uint32_t)left);
	wb_u32(b, l->max_members);
	wb_u64(b, l->max_member_bytes);
	wb_u64(b, l->max_expanded_bytes);
	wb_u64(b, in->expanded);
	wb_u32(b, l->max_ratio);
	wb_u64(b, l->max_text_bytes);
	wb_u32(b, l->max_base64_runs);
	wb_u32(b, (uint32_t)l->ocr);
	wb_u32(b, (uint32_t)l->ocr_unscanned);
	wb_u64(b, l->ocr_max_pixels);
	wb_u32(b, (uint32_t)ms_until(&in->deadline));
	wb_u32(b, depth);
	wb_str(b, charset);
	wb_str(b, pt->path);
	wb_str(b, pt->filename);
	wb_str(b, pt->declared_type);
	wb_str(b, pt->detected_type);
	wb_str(b, ex->name);
	wb_u64(b, len);
	if (t && w->terms_sent == terms_id(t)) {
		wb_u32(b, TERMS_AGAIN);
		return;
	}
	wb_u32(b, (uint32_t)terms_count(t));
	for (size_t i = 0; i < terms_count(t); i++) {
		const struct term_def *d = terms_def(t, i);

		wb_u32(b, d->kind);
		wb_str(b, d->name);
		wb_str(b, d->source);
	}
}

/* Bound every send and receive on fd to ms (a worker that stops reading
 * its request or writing its reply half-way must not hold the session). */
static void
socket_timeouts(int fd, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Wait up to ms for fd to be readable.  1 readable (or hung up), 0 timeout. */
static int
readable(int fd, long ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int rc;

	while ((rc = poll(&pfd, 1, (int)ms)) < 0 && errno == EINTR)
		;
	return rc != 0;
}

/* Where the first part's values of each type are in the reply, and
 * whether they went into a part set that was empty before (then that set
 * holds them in the reply's order). */
struct first_vals {
	size_t off[FT_COUNT];
	uint32_t n[FT_COUNT];
	bool fresh[FT_COUNT];
};

/* Merge one part of the reply into in: the first is idx itself (its
 * values noted in fv). */
static void
merge_part(struct inspect *in, size_t idx, struct rbuf *r, bool first, bool *full,
    struct first_vals *fv)
{
	char *path = rb_str(r), *fn = rb_str(r), *decl = rb_str(r), *det = rb_str(r);
	char *exname = rb_str(r), *why;
	uint64_t size = rb_u64(r);
	uint32_t enc = rb_u32(r), counts[FT_COUNT];
	const struct extractor *ex = extractor_by_name(exname);
	long t = first ? (long)idx : -1;

	why = rb_str(r);
	for (int k = 0; k < FT_COUNT; k++)
		counts[k] = rb_u32(r);
	if (!first && !*full && !r->fail) {
		t = inspect_part_add(in, path, fn, decl);
		*full = t < 0;
	}
	/* the part's distinct values, kept as in-process (exclude.c recounts) */
	struct valueset **sets = t >= 0 && !r->fail ? inspect_part_sets(in, (size_t)t) : NULL;
	for (int k = 0; k < FT_COUNT && !r->fail; k++) {
		uint32_t nv = rb_u32(r);
		if (first) {
			fv->off[k] = r->off;
			fv->n[k] = nv;
			fv->fresh[k] = sets && valueset_count(sets[k]) == 0;
		}
		for (uint32_t i = 0; i < nv && !r->fail; i++) {
			size_t vn;
			const char *v = rb_view(r, &vn);
			if (v && sets && valueset_add(sets[k], v, vn) < 0)
				r->fail = true;
		}
	}
	if (t >= 0 && !r->fail) {
		struct scan_part *p = &in->res->parts[t];
		if (!first) {
			p->detected_type = det;
			det = NULL;
			p->size = (size_t)size;
		}
		p->extractor = ex ? ex->name : NULL;
		for (int k = 0; k < FT_COUNT; k++)
			p->counts[k] = counts[k];
		if (enc)
			inspect_encrypted(in, (size_t)t);
		if (why)
			inspect_unscanned(in, (size_t)t, "%s", why);
	}
	free(path); free(fn); free(decl); free(det); free(exname); free(why);
}

/* The terms' part of a reply: per term its occurrences and distinct
 * matched texts.  0, or -1 when malformed. */
static int
merge_terms(struct inspect *in, struct rbuf *r)
{
	struct scan_result *res = in->res;
	uint32_t n = rb_u32(r);

	if (r->fail || n != terms_count(in->opt->terms))
		return -1;
	if (n && inspect_terms(in) < 0)
		return -1;
	for (uint32_t i = 0; i < n && !r->fail; i++) {
		uint64_t hits = rb_u64(r);
		uint32_t nv = rb_u32(r);

		res->term_hits[i] += hits;
		for (uint32_t k = 0; k < nv && !r->fail; k++) {
			char *v = rb_str(r);
			if (v && valueset_add(res->term_seen[i], v, strlen(v)) < 0)
				r->fail = true;
			free(v);
		}
	}
	return r->fail ? -1 : 0;
}

/* Merge the reply r into in.  0, or -1 when it is malformed. */
static int
merge(struct inspect *in, size_t idx, struct rbuf *r, bool *memory)
{
	struct scan_result *res = in->res;
	uint64_t expanded = rb_u64(r);
	uint32_t late = rb_u32(r), n;
	char *error = rb_str(r);
	struct first_vals fv = { 0 };
	bool full = false;

	n = rb_u32(r);
	if (r->fail || n == 0) {
		free(error);
		return -1;
	}
	in->expanded = (size_t)expanded;
	if (late)
		in->out_of_time = true;
	if (error && !res->error) {
		res->error = error;
		error = NULL;
	}
	free(error);
	for (uint32_t i = 0; i < n && !r->fail; i++)
		merge_part(in, idx, r, i == 0, &full, &fv);
	for (int t = 0; t < FT_COUNT && !r->fail; t++) {
		uint32_t nv = rb_u32(r), inc = rb_u32(r);
		struct rbuf again, *from = r;
		if (!res->values[t] && !(res->values[t] = valueset_new()))
			return -1;
		if (inc)
			valueset_set_incomplete(res->values[t]);
		if (nv == VALUES_AS_FIRST) {	/* the first part's values (proto.h) */
			struct valueset **sets = inspect_part_sets(in, idx);
			if (fv.fresh[t] && sets && !valueset_incomplete(sets[t]) &&
			    valueset_count(sets[t]) == fv.n[t]) {
				if (valueset_merge(res->values[t], sets[t]) < 0)
					r->fail = true;
				continue;
			}
			again = (struct rbuf){ .p = r->p, .len = r->len, .off = fv.off[t] };
			from = &again;		/* read them once more from the reply */
			nv = fv.n[t];
		}
		for (uint32_t i = 0; i < nv && !from->fail; i++) {
			size_t vn;
			const char *v = rb_view(from, &vn);
			if (v && valueset_add(res->values[t], v, vn) < 0)
				from->fail = true;
		}
		if (from->fail)
			r->fail = true;
	}
	if (merge_terms(in, r) < 0)
		return -1;
	for (size_t i = idx; i < res->nparts; i++)
		if (res->parts[i].unscanned && strncmp(res->parts[i].unscanned, REASON_MEMORY,
		    strlen(REASON_MEMORY)) == 0)
			*memory = true;
	return r->fail ? -1 : 0;
}

/* The reason for a worker's end, from its wait status; fault kind set.
 * timed_out: the daemon killed it at the message's deadline. */
static void
death_reason(const struct sandbox_pool *p, int st, int crash_sig, bool timed_out, char *why,
    size_t n, int *fault)
{
	/* the worker's own report first: we may have killed it while it died */
	int sig = crash_sig ? crash_sig : WIFSIGNALED(st) ? WTERMSIG(st) : 0;

	*fault = SB_CRASHED;
	if (timed_out) {
		*fault = SB_TIME;
		snprintf(why, n, REASON_TIME " (the message's time_budget)");
	} else if (sig == SIGXCPU) {
		*fault = SB_TIME;
		snprintf(why, n, REASON_TIME " (worker_cpu %u ms)", p->cfg.cpu_ms);
	} else if (sig == SIGSYS) {
		snprintf(why, n, "worker crashed: SIGSYS (a forbidden system call)");
	} else if (sig > 0) {
		const char *abbrev = sigabbrev_np(sig);
		snprintf(why, n, "worker crashed: SIG%s", abbrev ? abbrev : "?");
	} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		snprintf(why, n, "worker failed: exit status %d", WEXITSTATUS(st));
	} else {
		*fault = SB_PROTOCOL;
		snprintf(why, n, "worker gave no answer");
	}
}

/* Hand part idx to worker w; on any failure its reason in why and fault
 * set.  0 when the worker answered, -1 otherwise, -2 when the worker was
 * gone before it took the request (died idle: not the part's doing). */
static int
exchange(struct sandbox_pool *p, struct worker *w, struct inspect *in, size_t idx,
    const struct extractor *ex, const unsigned char *data, size_t len, unsigned depth,
    const char *charset, char *why, size_t whylen, int *fault)
{
	/* wall time: the message's; CPU time: worker_cpu, the worker's RLIMIT_CPU */
	long ms = ms_until(&in->deadline) + GRACE_MS;
	struct wbuf b = { 0 };
	unsigned char *reply = NULL;
	size_t rlen = 0;
	struct rbuf r;
	int st = 0, crash_sig = 0, rc = -1;
	bool timed_out = false, memory = false, malformed = false, gone = false;

	socket_timeouts(w->fd, ms);
	request(&b, w, in, idx, ex, len, depth, charset);
	if (wire_send(w->fd, &b) < 0) {
		gone = errno == EPIPE || errno == ECONNRESET;
		timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
	} else if (wire_write_all(w->fd, data, len) < 0) {
		timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
	} else {
		if (!readable(w->fd, ms))
			timed_out = true;
		else if (wire_recv(w->fd, &reply, &rlen) < 0)
			timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
		else {
			r = (struct rbuf){ .p = reply, .len = rlen };
			uint32_t status = rb_u32(&r);
			if (status == REPLY_OK)
				rc = merge(in, idx, &r, &memory);
			else if (status == REPLY_CRASH)
				crash_sig = (int)rb_u32(&r);
			malformed = rc < 0 && status != REPLY_CRASH;
		}
	}
	wb_free(&b);
	free(reply);
	if (rc == 0) {
		w->terms_sent = terms_id(in->opt->terms);	/* it has them now */
		*fault = memory ? SB_MEMORY : -1;
		if (memory || ++w->jobs >= p->cfg.max_jobs)
			retire(w, false, NULL);		/* it exits by itself */
		return 0;
	}
	retire(w, true, &st);
	if (gone)
		return -2;
	if (malformed) {
		*fault = SB_PROTOCOL;
		snprintf(why, whylen, "worker sent a malformed reply");
	} else
		death_reason(p, st, crash_sig, timed_out, why, whylen, fault);
	return -1;
}

void
sandbox_inspect(void *ctx, struct inspect *in, size_t idx, const struct extractor *ex,
    const unsigned char *data, size_t len, unsigned depth, const char *charset)
{
	struct sandbox_pool *p = ctx;
	struct worker *w = take(p, &in->deadline);
	char why[256], err[256];
	int fault = -1, rc;

	in->res->parts[idx].extractor = ex->name;
	if (!w) {
		inspect_unscanned(in, idx, "out of time waiting for a worker");
		return;
	}
	if (w->pid == 0 && spawn(p, w, err, sizeof(err)) < 0) {
		inspect_unscanned(in, idx, "worker not started: %s", err);
		give(p, w, SB_PROTOCOL);
		return;
	}
	rc = exchange(p, w, in, idx, ex, data, len, depth, charset, why, sizeof(why), &fault);
	if (rc == -2) {			/* once more, with a fresh worker */
		if (spawn(p, w, err, sizeof(err)) < 0) {
			inspect_unscanned(in, idx, "worker not started: %s", err);
			give(p, w, SB_PROTOCOL);
			return;
		}
		rc = exchange(p, w, in, idx, ex, data, len, depth, charset, why, sizeof(why), &fault);
		if (rc == -2)
			snprintf(why, sizeof(why), "worker gone before it took the part");
	}
	if (rc < 0) {
		if (rc == -2)
			fault = SB_PROTOCOL;
		inspect_unscanned(in, idx, "%s", why);
	}
	give(p, w, fault);
}
