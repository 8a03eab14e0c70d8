/*
 * worker.c — a sandbox worker (sandbox.h): confine itself, then read
 * parts from fd 3 until max_jobs, EOF or a fault.
 *
 * Before the first request: every descriptor but 0-3 closed, stdout
 * /dev/null (OCR's chatter goes there: extract/image.c), no core
 * files, RLIMIT_AS = the memory limit, the libraries initialised and
 * poppler's lazy globals made (pdf_init), the detectors compiled and
 * libmagic loaded; then the working directory "/", Landlock (landlock.c:
 * files readable only under the system directories, nothing writable) and
 * the seccomp filter.  Tesseract's models are read only when the worker
 * meets its first image (image.c: +0.5 s CPU and +48 MB that a worker
 * which never sees one does not pay), read-only under /usr, which both
 * allow.  Per request: RLIMIT_CPU is
 * set to the CPU time used so far plus the part's allowance (SIGXCPU ends
 * a worker that spins; the daemon kills one that is still silent after
 * its deadline), the part is read with the engine's own code and the
 * reply sent.  A part that ran out of memory (RLIMIT_AS: malloc fails)
 * gets the reason "worker over memory limit" and the worker exits after
 * replying, so the next part starts in a fresh process.  A fatal signal
 * (SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE) first sends REPLY_CRASH with
 * its number, on an alternate stack, then kills the process with it.
 *
 * Test hook: when the environment holds DLP_SANDBOX_TEST_FAULT=KIND:NAME
 * (KIND segv or open; several joined by commas), a part whose file name
 * is NAME makes the worker crash with SIGSEGV, or (open) try to open the
 * file DLP_SANDBOX_TEST_OPEN names and crash if it could; any other part
 * is read normally.  (Spinning and memory need no hook: the tests use a
 * real PDF that spins poppler and real bombs.)  It is honoured only when the
 * environment also holds DLP_SANDBOX_TEST_MARKER=TEST_MARKER (below), which
 * the tests set beside it: a DLP_SANDBOX_TEST_FAULT left alone in an
 * operator's environment (a copied unit file, a shell) is ignored, and the
 * worker says on stderr, once, that it is ignored or active.
 * The daemon's environment is its operator's, not a sender's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "extract/extract.h"
#include "detect/valueset.h"
#include "mime/digest.h"
#include "mime/walk.h"
#include "sandbox/proto.h"
#include "sandbox/sandbox.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp.h"
#include "sandbox/wire.h"
#include "text/charset.h"
#include "text/terms.h"
#include "text/textscan.h"

#define SOCK_FD 3

/* AddressSanitizer reserves terabytes of address space for its shadow:
 * under it (make SANITIZE=1) RLIMIT_AS cannot be set, and a worker's
 * memory is not bounded (the tests of that limit are skipped there). */
#if defined(__SANITIZE_ADDRESS__)
#define AS_LIMIT 0
#else
#define AS_LIMIT 1
#endif

static volatile sig_atomic_t in_job;	/* a fault now is the part's */

static void
on_fault(int sig)
{
	unsigned char f[12] = { 8, 0, 0, 0, REPLY_CRASH, 0, 0, 0, (unsigned char)sig, 0, 0, 0 };

	if (in_job)
		(void)!write(SOCK_FD, f, sizeof(f));
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
fault_handlers(void)
{
	static char stack[64 * 1024];
	stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack) };
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_ONSTACK | SA_RESETHAND };
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE };

	sigaltstack(&ss, NULL);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "dlp-milter sandbox worker: %s: %s\n", what, why);
	_exit(3);
}

/* Confine the process and build what every job needs. */
static struct textscan *
worker_setup(size_t memory)
{
	struct rlimit core = { 0, 0 }, as = { memory, memory };
	struct textscan *ts;
	char err[256];
	int ll, devnull;

	if (close_range(SOCK_FD + 1, ~0U, 0) < 0)
		die("close_range", strerror(errno));
	/* stdout is /dev/null (a worker writes nothing there): what Tesseract
	 * and libpng print while a picture is read goes there too */
	if ((devnull = open("/dev/null", O_WRONLY)) < 0 || dup2(devnull, 1) < 0)
		die("/dev/null", strerror(errno));
	if (devnull != 1)
		close(devnull);
	ocr_quiet_fd(1);
	setrlimit(RLIMIT_CORE, &core);
	if (AS_LIMIT && memory && setrlimit(RLIMIT_AS, &as) < 0)
		die("RLIMIT_AS", strerror(errno));
	g_mime_init();
	xmlInitParser();
	charset_keep_modules();
	(void)mime_digest_init();	/* OpenSSL's first use, before seccomp */
	pdf_init();
	if (!(ts = textscan_new(err, sizeof(err))) || inspect_magic_load(err, sizeof(err)) < 0)
		die("engine", err);
	fault_handlers();
	if (chdir("/") < 0)
		die("chdir /", strerror(errno));
	/* no_new_privs first: Landlock wants it, seccomp sets it again */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs", strerror(errno));
	if ((ll = sandbox_landlock(err, sizeof(err))) < 0)
		die("landlock", err);
	if (ll == 0)
		fprintf(stderr, "dlp-milter sandbox worker: no Landlock in this kernel: files "
		    "are read-only, not hidden\n");
	if (sandbox_seccomp_load(err, sizeof(err)) < 0)
		die("seccomp", err);
	return ts;
}

#define TEST_MARKER "crash-my-workers"

/* The test hook's spec, read at start: DLP_SANDBOX_TEST_FAULT when
 * DLP_SANDBOX_TEST_MARKER is TEST_MARKER, else NULL. */
static const char *test_spec;

static void
test_hook_init(void)
{
	const char *spec = getenv("DLP_SANDBOX_TEST_FAULT");
	const char *marker = getenv("DLP_SANDBOX_TEST_MARKER");

	if (!spec || !*spec)
		return;
	if (!marker || strcmp(marker, TEST_MARKER) != 0) {
		fprintf(stderr, "dlp-milter sandbox worker: DLP_SANDBOX_TEST_FAULT ignored "
		    "(a test hook; DLP_SANDBOX_TEST_MARKER not set)\n");
		return;
	}
	fprintf(stderr, "dlp-milter sandbox worker: test hook active: %s\n", spec);
	test_spec = spec;
}

/* The test hook's verdict on a part called name: the spec is a
 * comma-separated list of KIND:NAME. */
static void
test_fault(const char *name)
{
	const char *spec = test_spec;
	size_t nl = name ? strlen(name) : 0;

	for (const char *p = spec; p && *p && name; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		const char *colon = strchr(p, ':'), *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (!colon || colon > end || (size_t)(end - colon - 1) != nl ||
		    memcmp(colon + 1, name, nl) != 0)
			continue;
		if (strncmp(p, "segv:", 5) == 0)
			raise(SIGSEGV);
		if (strncmp(p, "open:", 5) == 0) {	/* DLP_SANDBOX_TEST_OPEN must stay shut */
			const char *path = getenv("DLP_SANDBOX_TEST_OPEN");
			int fd = path ? open(path, O_RDONLY) : -1;
			if (fd >= 0)
				raise(SIGSEGV);
		}
	}
}

static void
reply_part(struct wbuf *b, const struct scan_part *p, struct valueset *const *sets)
{
	wb_str(b, p->path);
	wb_str(b, p->filename);
	wb_str(b, p->declared_type);
	wb_str(b, p->detected_type);
	wb_str(b, p->extractor);
	wb_u64(b, p->size);
	wb_u32(b, p->encrypted);
	wb_str(b, p->unscanned);
	for (int t = 0; t < FT_COUNT; t++)
		wb_u32(b, p->counts[t]);
	for (int t = 0; t < FT_COUNT; t++) {	/* the part's own distinct values */
		size_t n = sets && sets[t] ? valueset_count(sets[t]) : 0;
		wb_u32(b, (uint32_t)n);
		for (size_t i = 0; i < n; i++)
			wb_str(b, valueset_get(sets[t], i));
	}
}

/* Whether the whole's values of type t are the first part's, the same
 * values in the same order, both complete (proto.h: VALUES_AS_FIRST). */
static bool
as_first(const struct inspect *in, int t)
{
	const struct valueset *all = in->res->values[t];
	const struct valueset *first = in->npvals > 0 ? in->pvals[0][t] : NULL;
	size_t n = valueset_count(all);

	if (in->res->nparts != 1 || !first || valueset_count(first) != n ||
	    valueset_incomplete(all) || valueset_incomplete(first))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(valueset_get(all, i), valueset_get(first, i)) != 0)
			return false;
	return true;
}

static void
reply(struct wbuf *b, const struct inspect *in)
{
	const struct scan_result *res = in->res;

	wb_u32(b, REPLY_OK);
	wb_u64(b, in->expanded);
	wb_u32(b, in->out_of_time);
	wb_str(b, res->error);
	wb_u32(b, (uint32_t)res->nparts);
	for (size_t i = 0; i < res->nparts; i++)
		reply_part(b, &res->parts[i], i < in->npvals ? in->pvals[i] : NULL);
	for (int t = 0; t < FT_COUNT; t++) {
		const struct valueset *vs = res->values[t];
		size_t n = vs ? valueset_count(vs) : 0;

		if (n > 0 && as_first(in, t)) {
			wb_u32(b, VALUES_AS_FIRST);
			wb_u32(b, 0);
			continue;
		}
		wb_u32(b, (uint32_t)n);
		wb_u32(b, vs && valueset_incomplete(vs));
		for (size_t i = 0; i < n; i++)
			wb_str(b, valueset_get(vs, i));
	}
	wb_u32(b, (uint32_t)terms_count(in->opt->terms));
	for (size_t t = 0; t < terms_count(in->opt->terms); t++) {
		const struct valueset *vs = t < res->nterms ? res->term_seen[t] : NULL;
		size_t n = vs ? valueset_count(vs) : 0;
		wb_u64(b, t < res->nterms ? res->term_hits[t] : 0);
		wb_u32(b, (uint32_t)n);
		for (size_t i = 0; i < n; i++)
			wb_str(b, valueset_get(vs, i));
	}
}

/* The request's terms (after the data's length): the worker keeps the
 * last ones compiled and compiles again only when they change (a reload).
 * The compiled terms, or NULL when there are none; *ok false on a broken
 * request or a compile failure (the daemon compiled them first: it does
 * not happen but for memory). */
static const struct terms *
request_terms(struct rbuf *r, bool *ok)
{
	static struct terms *cache;
	struct term_def defs[TERMS_MAX];
	uint32_t n = rb_u32(r);
	char err[256];

	*ok = false;
	if (n == TERMS_AGAIN) {		/* the ones it was sent last */
		*ok = !r->fail && cache != NULL;
		return cache;
	}
	if (r->fail || n > TERMS_MAX)
		return NULL;
	memset(defs, 0, sizeof(defs));
	for (uint32_t i = 0; i < n; i++) {
		defs[i].kind = (enum term_kind)rb_u32(r);
		defs[i].name = rb_str(r);
		defs[i].source = rb_str(r);
	}
	*ok = !r->fail;
	for (uint32_t i = 0; i < n && *ok; i++)
		*ok = defs[i].kind < TERM_KIND_COUNT && defs[i].name && defs[i].source;
	if (*ok && !terms_same(cache, defs, n)) {
		terms_free(cache);
		cache = n ? terms_new(defs, n, err, sizeof(err), NULL, NULL) : NULL;
		*ok = n == 0 || cache != NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		free((char *)defs[i].name);
		free((char *)defs[i].source);
	}
	return *ok ? cache : NULL;
}

static void
result_clear(struct scan_result *r)
{
	for (int t = 0; t < FT_COUNT; t++)
		valueset_free(r->values[t]);
	for (size_t i = 0; i < r->nparts; i++) {
		free(r->parts[i].path);
		free(r->parts[i].filename);
		free(r->parts[i].declared_type);
		free(r->parts[i].detected_type);
		free(r->parts[i].unscanned);
	}
	free(r->parts);
	free(r->error);
	free(r->subject);
	free(r->message_id);
	for (size_t i = 0; i < r->nterms; i++)
		valueset_free(r->term_seen[i]);
	free(r->term_seen);
	free(r->term_hits);
	memset(r, 0, sizeof(*r));
}

/* "out of memory" anywhere in the result becomes the worker's reason. */
static bool
memory_faults(struct scan_result *r)
{
	bool any = false;

	for (size_t i = 0; i < r->nparts; i++) {
		char *u = r->parts[i].unscanned;
		if (u && strstr(u, "out of memory")) {
			free(u);
			r->parts[i].unscanned = strdup(REASON_MEMORY);
			any = true;
		}
	}
	return any;
}

/* Per-part CPU allowance on top of what was used so far: worker_cpu,
 * rounded up to seconds (RLIMIT_CPU's unit), plus one. */
static void
cpu_allowance(unsigned cpu_ms)
{
	struct rusage ru;
	struct rlimit rl;

	getrusage(RUSAGE_SELF, &ru);
	rl.rlim_cur = (rlim_t)ru.ru_utime.tv_sec + (rlim_t)ru.ru_stime.tv_sec +
	    (cpu_ms + 999) / 1000 + 1;
	rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_CPU, &rl);
}

/* One request: read, inspect, reply.  0 to go on, 1 to exit after it,
 * -1 on EOF or a broken request. */
static int
job(const struct textscan *ts, unsigned cpu_ms)
{
	unsigned char *hdr = NULL, *data = NULL;
	size_t hlen, len;
	struct rbuf r;
	struct scan_options opt = { 0 };
	struct scan_result res = { 0 };
	struct inspect in = { .opt = &opt, .ts = ts, .res = &res, .walk = mime_walk };
	char *charset, *path, *fn, *decl, *det, *exname;
	const struct extractor *ex;
	unsigned depth, ms;
	bool terms_ok;
	struct wbuf b = { 0 };
	int rc = -1;

	if (wire_recv(SOCK_FD, &hdr, &hlen) < 0)
		return -1;
	r = (struct rbuf){ .p = hdr, .len = hlen };
	if (rb_u32(&r) != PROTO_VERSION)
		goto out;
	opt.limits.max_depth = rb_u32(&r);
	opt.limits.max_parts = rb_u32(&r);
	opt.limits.max_members = rb_u32(&r);
	opt.limits.max_member_bytes = rb_u64(&r);
	opt.limits.max_expanded_bytes = rb_u64(&r);
	in.expanded = rb_u64(&r);
	opt.limits.max_ratio = rb_u32(&r);
	opt.limits.max_text_bytes = rb_u64(&r);
	opt.limits.max_base64_runs = rb_u32(&r);
	opt.limits.ocr = (int)rb_u32(&r);
	opt.limits.ocr_unscanned = (int)rb_u32(&r);
	opt.limits.ocr_max_pixels = rb_u64(&r);
	ms = rb_u32(&r);
	depth = rb_u32(&r);
	charset = rb_str(&r); path = rb_str(&r); fn = rb_str(&r); decl = rb_str(&r);
	det = rb_str(&r); exname = rb_str(&r);
	len = rb_u64(&r);
	opt.terms = request_terms(&r, &terms_ok);
	ex = extractor_by_name(exname);
	if (!r.fail && terms_ok && ex && len <= WIRE_MAX_FRAME && (data = malloc(len ? len : 1)) &&
	    wire_read_all(SOCK_FD, data, len) == 0 &&
	    inspect_part_add(&in, path, fn, decl) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &in.deadline);
		in.deadline.tv_sec += ms / 1000;
		in.deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (in.deadline.tv_nsec >= 1000000000L) {
			in.deadline.tv_sec++;
			in.deadline.tv_nsec -= 1000000000L;
		}
		res.parts[0].detected_type = det;
		det = NULL;
		res.parts[0].size = len;
		cpu_allowance(cpu_ms);
		in_job = 1;
		test_fault(fn);
		inspect_extract(&in, 0, ex, data, len, depth, charset);
		in_job = 0;
		rc = memory_faults(&res) ? 1 : 0;
		reply(&b, &in);
		if (wire_send(SOCK_FD, &b) < 0)
			rc = -1;
	}
	wb_free(&b);
	inspect_done(&in);
	result_clear(&res);
	free(charset); free(path); free(fn); free(decl); free(det); free(exname);
	free(data);
out:
	free(hdr);
	return rc;
}

void
sandbox_worker_main(int argc, char **argv)
{
	size_t memory = argc > 0 ? strtoull(argv[0], NULL, 10) : 0;
	unsigned cpu_ms = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 60000;
	unsigned max_jobs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
	struct textscan *ts = worker_setup(memory);

	test_hook_init();
	for (unsigned n = 0; n < max_jobs; n++)
		if (job(ts, cpu_ms) != 0)
			break;
	_exit(0);
}
