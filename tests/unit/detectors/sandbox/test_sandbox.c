/*
 * test_sandbox.c — extraction in worker processes (detectors/sandbox/):
 * the same findings as in-process for PDFs, spreadsheets, an archive
 * holding documents; a worker confined (seccomp filter, no_new_privs,
 * only fds 0-3, files outside the system directories hidden by Landlock);
 * a worker that crashes (SIGSEGV, the test hook), spins on a real PDF
 * (spin_pdf: time limit) or
 * runs past its address space on a real gzip bomb makes only its part
 * unscanned with the reason, is replaced, and the next part is read
 * normally; the counters; the same message twice gives the same result;
 * a worker replaced after max_jobs parts; one killed while idle replaced
 * without a fault; OCR of a screenshot and a scanned PDF in a worker
 * (Tesseract's models read before the sandbox closed, OMP_THREAD_LIMIT=1
 * in its environment) as in-process.  This binary is its own worker
 * program (main() runs the worker when asked).
 */
#include <dirent.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "detectors/scan.h"
#include "sandbox/sandbox.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"
#include "tests/unit/lib/resultsig.h"

static struct df_fixture fx;

/* Under AddressSanitizer a worker has no RLIMIT_AS (worker.c). */
#if defined(__SANITIZE_ADDRESS__)
#define AS_LIMIT 0
#else
#define AS_LIMIT 1
#endif

static struct sandbox_pool *
pool_new(unsigned workers, unsigned jobs, size_t memory, unsigned cpu_ms)
{
	struct sandbox_config cfg = { "/proc/self/exe", workers, jobs, memory, cpu_ms };
	char err[256] = "";
	struct sandbox_pool *p = sandbox_pool_new(&cfg, err, sizeof(err));

	if (!p)
		fail_msg("sandbox_pool_new: %s", err);
	if (sandbox_pool_start(p, err, sizeof(err)) < 0)
		fail_msg("sandbox_pool_start: %s", err);
	return p;
}

static const char *own_numbers;		/* for the engines made next */

static struct scan_engine *
engine(struct sandbox_pool *pool, const struct scan_limits *lim)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1,
	    .spool_dir = "/tmp", .limits = lim ? *lim : mt_limits(), .sandbox = pool,
	    .own_numbers = own_numbers };
	char err[256] = "";
	struct scan_engine *eng = scan_engine_new(&opt, err, sizeof(err));

	if (!eng)
		fail_msg("scan_engine_new: %s", err);
	return eng;
}

static int
setup(void **state)
{
	return df_fixture_setup(state, &fx, "pdf xls tar images", "application/octet-stream");
}

/* A message of the fixture files, each attached under its own name. */
static char *
scan_sig(const struct scan_engine *eng, const char *const *files, size_t n)
{
	struct df_att att[8] = { 0 };
	unsigned char *data[8] = { 0 };
	struct scan_msg *m;
	char *sig;

	for (size_t i = 0; i < n; i++) {
		data[i] = df_load(fx.dir, files[i], &att[i].len);
		att[i] = (struct df_att){ files[i], "application/octet-stream", data[i], att[i].len };
	}
	m = df_scan(eng, att, n);
	sig = rs_signature(mt_result(m));
	scan_msg_free(m);
	for (size_t i = 0; i < n; i++)
		free(data[i]);
	return sig;
}

static const char *const docs[] = { "people.pdf", "people_attach.pdf", "people_xlwt.xls",
	"people_enc.pdf", "people.tar.gz", "nested.tar.gz", NULL };

/* Every document gives in a worker exactly what it gives here. */
static void
test_same_as_in_process(void **state)
{
	struct sandbox_pool *pool = pool_new(2, 100, 0, 30000);
	struct scan_engine *sand = engine(pool, NULL);
	struct sandbox_stats st;
	size_t n = 0;

	while (docs[n])
		n++;
	char *here = scan_sig(fx.eng, docs, n), *there = scan_sig(sand, docs, n);
	char name[32];

	assert_string_equal(there, here);
	assert_non_null(strstr(here, "|pdf|"));
	/* MeCab, loaded before Landlock and seccomp, reads names in a worker */
	snprintf(name, sizeof(name), "\n%d=山田 太郎\n", FT_NAMES);
	assert_non_null(strstr(there, name));
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.jobs, n);
	assert_int_equal(st.started, 2);
	for (int f = 0; f < SB_FAULT_COUNT; f++)
		assert_int_equal(st.faults[f], 0);
	free(here);
	free(there);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

/* A workbook pasted as base64 into the text body (b64run.c) is read in a
 * worker, as the same part with the same values as here. */
static void
test_base64_run_in_worker(void **state)
{
	struct sandbox_pool *pool = pool_new(1, 100, 0, 30000);
	struct scan_engine *sand = engine(pool, NULL);
	struct sandbox_stats st;
	size_t len;
	unsigned char *xls = df_load(fx.dir, "people_xlwt.xls", &len);
	char *b64 = mt_base64(xls, len), *msg, *here, *there;
	struct scan_msg *m;
	const struct scan_part *p;

	assert_true(asprintf(&msg, "Subject: paste\r\nContent-Type: text/plain\r\n\r\n"
	    "list:\r\n%s\r\n", b64) > 0);
	m = mt_scan_str(fx.eng, msg);
	here = rs_signature(mt_result(m));
	scan_msg_free(m);
	m = mt_scan_str(sand, msg);
	there = rs_signature(mt_result(m));
	p = mt_part(mt_result(m), "1/base64-1");
	assert_non_null(p);
	assert_string_equal(p->extractor, "ole");
	assert_true(p->counts[FT_PHONE] > 0);
	scan_msg_free(m);
	assert_string_equal(there, here);
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.jobs, 1);
	free(here);
	free(there);
	free(msg);
	free(b64);
	free(xls);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

/* The organisation's own numbers (exclude.c) are taken out of the parts a
 * worker read exactly as out of those read here. */
static void
test_exclude_same(void **state)
{
	struct sandbox_pool *pool = pool_new(2, 100, 0, 30000);
	struct scan_engine *here, *sand;
	char *a, *b;

	own_numbers = "090-*, 03-*";
	here = engine(NULL, NULL);
	sand = engine(pool, NULL);
	a = scan_sig(here, docs, 3);
	b = scan_sig(sand, docs, 3);
	own_numbers = NULL;
	assert_string_equal(b, a);
	free(a);
	free(b);
	scan_engine_free(here);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

/* pid of a child of ours running this binary as a worker, or 0. */
static pid_t
worker_pid(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && (e = readdir(d)) && !found) {
		char path[300], buf[4096];
		FILE *f;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		int pid = 0, ppid = 0;
		if (fscanf(f, "%d %*s %*c %d", &pid, &ppid) == 2 && ppid == getpid()) {
			snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
			FILE *c = fopen(path, "r");
			size_t n = c ? fread(buf, 1, sizeof(buf) - 1, c) : 0;
			buf[n] = '\0';
			if (n > strlen(buf) && strcmp(buf + strlen(buf) + 1, SANDBOX_WORKER_ARG) == 0)
				found = pid;
			if (c)
				fclose(c);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* A worker runs under a seccomp filter with no_new_privs and holds no
 * descriptor but stdin, stdout, stderr and its socket. */
static void
test_confined(void **state)
{
	struct sandbox_pool *pool = pool_new(1, 100, 1ULL << 30, 30000);
	struct scan_engine *sand = engine(pool, NULL);
	char path[64], line[256];
	int seccomp = -1, nnp = -1, fds = 0;
	FILE *f;
	DIR *d;
	pid_t pid;

	free(scan_sig(sand, docs, 1));		/* set up and serving */
	assert_true((pid = worker_pid()) > 0);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Seccomp: %d", &seccomp);
		sscanf(line, "NoNewPrivs: %d", &nnp);
	}
	fclose(f);
	assert_int_equal(seccomp, 2);
	assert_int_equal(nnp, 1);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	assert_non_null(d = opendir(path));
	for (struct dirent *e; (e = readdir(d));)
		fds += e->d_name[0] != '.';
	closedir(d);
	assert_true(fds <= 4);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

/* A message of three attachments: a.pdf, the one named bad, c.xls. */
static const struct scan_result *
three(const struct scan_engine *eng, struct scan_msg **m, const char *bad,
    const unsigned char *bdata, size_t blen)
{
	size_t la, lc;
	unsigned char *a = df_load(fx.dir, "people.pdf", &la), *c = df_load(fx.dir, "people_xlwt.xls", &lc);
	struct df_att att[3] = {
		{ "a.pdf", "application/pdf", a, la },
		{ bad, "application/octet-stream", bdata, blen },
		{ "c.xls", "application/vnd.ms-excel", c, lc },
	};

	*m = df_scan(eng, att, 3);
	free(a);
	free(c);
	return mt_result(*m);
}

static void
expect_fault(const char *kind, const char *name, const char *why, enum sandbox_fault fault,
    size_t memory, unsigned cpu_ms, const unsigned char *data, size_t len,
    const struct scan_limits *lim)
{
	struct sandbox_pool *pool;
	struct scan_engine *sand;
	struct sandbox_stats st;
	struct scan_msg *m;
	char spec[128];
	char *first = NULL;

	snprintf(spec, sizeof(spec), "%s:%s", kind ? kind : "", name);
	if (kind)	/* the test hook, read by the workers started now */
		setenv("DLP_SANDBOX_TEST_FAULT", spec, 1);
	pool = pool_new(1, 100, memory, cpu_ms);
	sand = engine(pool, lim);
	for (int round = 0; round < 2; round++) {
		const struct scan_result *r = three(sand, &m, name, data, len);
		const struct scan_part *bad = df_part(r, name);
		char *sig = rs_signature(r);

		assert_non_null(bad);
		assert_non_null(bad->unscanned);
		if (!strstr(bad->unscanned, why))
			fprintf(stderr, "%s: reason \"%s\"\n", name, bad->unscanned);
		assert_non_null(strstr(bad->unscanned, why));
		/* it and what it holds (the bomb's member) only */
		assert_int_equal(r->unscanned, fault == SB_MEMORY ? 2 : 1);
		/* the parts before and after it were read in full */
		assert_int_equal(df_part(r, "a.pdf")->counts[FT_EMAIL], 20);
		assert_null(df_part(r, "c.xls")->unscanned);
		assert_true(df_part(r, "c.xls")->counts[FT_EMAIL] > 0);
		if (round == 0)
			first = sig;
		else {
			assert_string_equal(sig, first);	/* the same message, the same result */
			free(sig);
		}
		scan_msg_free(m);
	}
	free(first);
	unsetenv("DLP_SANDBOX_TEST_FAULT");
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.faults[fault], 2);
	assert_true(st.started >= 3);		/* replaced after each fault */
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

/* The test hook makes the worker take SIGSEGV on the part called crash.pdf. */
static void
test_crash(void **state)
{
	size_t len;
	unsigned char *d = df_load(fx.dir, "people.pdf", &len);

	expect_fault("segv", "crash.pdf", "worker crashed: SIGSEGV", SB_CRASHED, 0, 30000, d, len,
	    NULL);
	free(d);
}

/* Without DLP_SANDBOX_TEST_MARKER the hook is ignored: crash.pdf is read
 * as the PDF it is, and no worker faults. */
static void
test_hook_needs_marker(void **state)
{
	size_t len;
	unsigned char *d = df_load(fx.dir, "people.pdf", &len);
	struct sandbox_pool *pool;
	struct scan_engine *sand;
	struct sandbox_stats st;
	struct scan_msg *m;
	const struct scan_result *r;

	unsetenv("DLP_SANDBOX_TEST_MARKER");
	setenv("DLP_SANDBOX_TEST_FAULT", "segv:crash.pdf", 1);
	pool = pool_new(1, 100, 0, 30000);
	sand = engine(pool, NULL);
	r = three(sand, &m, "crash.pdf", d, len);
	assert_null(df_part(r, "crash.pdf")->unscanned);
	assert_int_equal(df_part(r, "crash.pdf")->counts[FT_EMAIL], 20);
	assert_int_equal(r->unscanned, 0);
	scan_msg_free(m);
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.faults[SB_CRASHED], 0);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
	unsetenv("DLP_SANDBOX_TEST_FAULT");
	setenv("DLP_SANDBOX_TEST_MARKER", "crash-my-workers", 1);
	free(d);
}

/* A flate stream of s (malloc'd), its length in *n. */
static unsigned char *
deflated(const char *s, size_t len, size_t *n)
{
	uLongf out = compressBound(len);
	unsigned char *buf = malloc(out);

	assert_non_null(buf);
	assert_int_equal(compress2(buf, &out, (const Bytef *)s, len, 9), Z_OK);
	*n = out;
	return buf;
}

/* A PDF of about 1 KB that really makes poppler spin (as test_workers.py's
 * spin_pdf): its page draws a form XObject 4,000 times, the form shows
 * 10,000 characters, 40 million text operators (seconds of CPU). */
static unsigned char *
spin_pdf(size_t *len)
{
	static const char op[] = "(a) Tj ", call[] = "/X Do ";
	size_t nf = 12 + 10000 * 7 + 3, np = 4000 * 6, lf, lp, off[7], n = 0;
	char *form = malloc(nf + 1), *page = malloc(np + 1), *out;
	unsigned char *zf, *zp;

	assert_true(form && page);
	memcpy(form, "BT /F1 1 Tf ", 12);
	for (size_t i = 0; i < 10000; i++)
		memcpy(form + 12 + i * 7, op, 7);
	memcpy(form + nf - 3, "ET\n", 3);
	for (size_t i = 0; i < 4000; i++)
		memcpy(page + i * 6, call, 6);
	zf = deflated(form, nf, &lf);
	zp = deflated(page, np, &lp);
	out = malloc(4096 + lf + lp);
	assert_non_null(out);
	n += (size_t)sprintf(out + n, "%%PDF-1.4\n");
	off[1] = n;
	n += (size_t)sprintf(out + n, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = n;
	n += (size_t)sprintf(out + n, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
	off[3] = n;
	n += (size_t)sprintf(out + n, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
	    "/Contents 4 0 R /Resources << /XObject << /X 6 0 R >> >> >>\nendobj\n");
	off[4] = n;
	n += (size_t)sprintf(out + n, "4 0 obj\n<< /Length %zu /Filter /FlateDecode >>\nstream\n", lp);
	memcpy(out + n, zp, lp);
	n += lp;
	n += (size_t)sprintf(out + n, "\nendstream\nendobj\n");
	off[5] = n;
	n += (size_t)sprintf(out + n, "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	    "\nendobj\n");
	off[6] = n;
	n += (size_t)sprintf(out + n, "6 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] "
	    "/Resources << /Font << /F1 5 0 R >> >> /Length %zu /Filter /FlateDecode >>\nstream\n", lf);
	memcpy(out + n, zf, lf);
	n += lf;
	n += (size_t)sprintf(out + n, "\nendstream\nendobj\n");
	{
		size_t xref = n;

		n += (size_t)sprintf(out + n, "xref\n0 7\n0000000000 65535 f \n");
		for (int i = 1; i <= 6; i++)
			n += (size_t)sprintf(out + n, "%010zu 00000 n \n", off[i]);
		n += (size_t)sprintf(out + n, "trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%zu\n"
		    "%%%%EOF\n", xref);
	}
	free(form);
	free(page);
	free(zf);
	free(zp);
	*len = n;
	return (unsigned char *)out;
}

/* A real PDF that spins poppler: stopped at its CPU allowance (worker_cpu
 * 1 s, RLIMIT_CPU 2 s), by SIGXCPU. */
static void
test_spin(void **state)
{
	size_t len;
	unsigned char *d = spin_pdf(&len);
	double t0 = df_now();

	assert_true(len < 4096);
	expect_fault(NULL, "spin.pdf", "worker over time limit (worker_cpu", SB_TIME, 0, 1000, d,
	    len, NULL);
	assert_true(df_now() - t0 < 120);
	free(d);
}

/* A worker that spins (on the real PDF) with CPU to spare but past the
 * message's time budget (1 s) is killed at the deadline plus the grace of
 * 2 s. */
static void
test_wall_time(void **state)
{
	struct scan_limits lim = mt_limits();
	struct sandbox_pool *pool;
	struct scan_engine *sand;
	size_t len;
	unsigned char *d = spin_pdf(&len);
	struct df_att att = { "spin.pdf", "application/pdf", d, len };
	struct sandbox_stats st;
	double t0;

	pool = pool_new(1, 100, 0, 600000);
	lim.time_budget_ms = 1000;
	sand = engine(pool, &lim);
	t0 = df_now();
	struct scan_msg *m = df_scan(sand, &att, 1);
	const struct scan_part *p = df_part(mt_result(m), "spin.pdf");
	assert_non_null(p);
	assert_non_null(p->unscanned);
	assert_string_equal(p->unscanned, "worker over time limit (the message's time_budget)");
	assert_true(df_now() - t0 < 30);
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.faults[SB_TIME], 1);
	scan_msg_free(m);
	free(d);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

/* A gzip of zeros expanding to 512 MB, read under a 384 MB address space
 * with limits that would let it expand: the worker runs out of memory. */
static void
test_gzip_bomb(void **state)
{
	static unsigned char zeros[1 << 20];
	struct scan_limits lim = mt_limits();
	z_stream z = { 0 };
	size_t cap = 1 << 20;
	unsigned char *out;

	if (!AS_LIMIT) {
		fprintf(stderr, "skipped: no RLIMIT_AS under AddressSanitizer\n");
		skip();
	}
	out = malloc(cap);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	for (int i = 0; i < 512; i++) {
		z.next_in = zeros;
		z.avail_in = sizeof(zeros);
		assert_int_equal(deflate(&z, i == 511 ? Z_FINISH : Z_NO_FLUSH),
		    i == 511 ? Z_STREAM_END : Z_OK);
	}
	assert_true(z.avail_out > 0);
	lim.max_member_bytes = lim.max_expanded_bytes = 2ULL << 30;
	lim.max_ratio = 100000;
	expect_fault("none", "bomb.gz", "worker over memory limit", SB_MEMORY, 384u << 20, 30000,
	    out, z.total_out, &lim);
	deflateEnd(&z);
	free(out);
}

/* What a worker can open: system files yes (the hook crashes when its
 * open succeeds), a file elsewhere — here the fixtures under /tmp, where a
 * daemon's var_dir would hold the register and the quarantine — no. */
static void
test_files_hidden(void **state)
{
	static const struct { const char *dir, *file; const char *why; } cases[] = {
		{ NULL, "/etc/passwd", "worker crashed: SIGSEGV" },	/* readable */
		{ "fx", "people.pdf", NULL },				/* hidden */
	};
	struct sandbox_pool *pool;
	struct scan_engine *sand;
	char path[4096];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s%s%s", cases[i].dir ? fx.dir : "",
		    cases[i].dir ? "/" : "", cases[i].file);
		assert_int_equal(access(path, R_OK), 0);	/* we can read it */
		setenv("DLP_SANDBOX_TEST_FAULT", "open:probe.pdf", 1);
		setenv("DLP_SANDBOX_TEST_OPEN", path, 1);
		pool = pool_new(1, 100, 0, 30000);
		sand = engine(pool, NULL);
		size_t len;
		unsigned char *d = df_load(fx.dir, "people.pdf", &len);
		struct df_att att = { "probe.pdf", "application/pdf", d, len };
		struct scan_msg *m = df_scan(sand, &att, 1);
		const struct scan_part *p = df_part(mt_result(m), "probe.pdf");
		assert_non_null(p);
		if (cases[i].why) {
			assert_non_null(p->unscanned);
			assert_string_equal(p->unscanned, cases[i].why);
		} else {
			assert_null(p->unscanned);
			assert_int_equal(p->counts[FT_EMAIL], 20);
		}
		scan_msg_free(m);
		free(d);
		scan_engine_free(sand);
		sandbox_pool_free(pool);
		unsetenv("DLP_SANDBOX_TEST_FAULT");
		unsetenv("DLP_SANDBOX_TEST_OPEN");
	}
}

/* A worker killed while idle (the OOM killer, an operator): the next part
 * goes to a fresh worker and is read normally, no fault counted. */
static void
test_died_idle(void **state)
{
	struct sandbox_pool *pool = pool_new(1, 100, 0, 30000);
	struct scan_engine *sand = engine(pool, NULL);
	struct sandbox_stats st;
	char path[64], stat[256] = "", *sig, *want;
	pid_t pid;

	want = scan_sig(fx.eng, docs, 1);
	free(scan_sig(sand, docs, 1));
	assert_true((pid = worker_pid()) > 0);
	kill(pid, SIGKILL);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 200 && !strstr(stat, ") Z "); i++) {	/* a zombie: its socket closed */
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(stat, sizeof(stat), f))
				stat[0] = '\0';
			fclose(f);
		}
		usleep(10000);
	}
	sig = scan_sig(sand, docs, 1);
	assert_string_equal(sig, want);
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.started, 2);
	for (int f = 0; f < SB_FAULT_COUNT; f++)
		assert_int_equal(st.faults[f], 0);
	free(sig);
	free(want);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

/* OCR in a worker: the screenshot, the scanned PDF and the logo give what
 * they give in-process (the 20 numbers, nothing for the logo); the worker
 * runs with OMP_THREAD_LIMIT=1 whatever the daemon's environment says. */
static void
test_ocr_in_worker(void **state)
{
	static const char *const pics[] = { "sheet.png", "scan.pdf", "logo.png" };
	struct scan_limits lim = mt_limits();
	struct sandbox_pool *pool;
	struct scan_engine *here, *sand;
	char path[64], env[8192];
	char *a, *b;
	size_t n;
	FILE *f;
	pid_t pid;

	lim.ocr = 1;
	setenv("OMP_THREAD_LIMIT", "8", 1);
	pool = pool_new(1, 100, 1ULL << 30, 60000);
	unsetenv("OMP_THREAD_LIMIT");
	here = engine(NULL, &lim);
	sand = engine(pool, &lim);
	a = scan_sig(here, pics, 3);
	b = scan_sig(sand, pics, 3);
	assert_string_equal(b, a);
	struct df_att att[1];
	for (size_t i = 0; i < 2; i++) {
		unsigned char *d = df_load(fx.dir, pics[i], &att[0].len);
		att[0] = (struct df_att){ pics[i], "application/octet-stream", d, att[0].len };
		struct scan_msg *m = df_scan(sand, att, 1);
		const struct scan_part *p = df_part(mt_result(m), pics[i]);
		assert_non_null(p);
		assert_null(p->unscanned);
		assert_true(p->counts[FT_PHONE] >= 18);
		scan_msg_free(m);
		free(d);
	}
	assert_true((pid = worker_pid()) > 0);
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	n = fread(env, 1, sizeof(env) - 1, f);
	fclose(f);
	bool one = false, other = false;
	for (size_t i = 0; i < n; i += strlen(env + i) + 1) {
		env[n] = '\0';
		one |= strcmp(env + i, "OMP_THREAD_LIMIT=1") == 0;
		other |= strcmp(env + i, "OMP_THREAD_LIMIT=8") == 0;
	}
	assert_true(one);
	assert_false(other);
	free(a);
	free(b);
	scan_engine_free(here);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

/* max_jobs 2: five parts, three workers started. */
static void
test_max_jobs(void **state)
{
	struct sandbox_pool *pool = pool_new(1, 2, 0, 30000);
	struct scan_engine *sand = engine(pool, NULL);
	struct sandbox_stats st;

	free(scan_sig(sand, docs, 5));	/* 5 parts of 6 */
	sandbox_pool_stats(pool, &st);
	assert_int_equal(st.jobs, 5);
	assert_int_equal(st.started, 3);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_in_process),
		cmocka_unit_test(test_exclude_same),
		cmocka_unit_test(test_base64_run_in_worker),
		cmocka_unit_test(test_confined),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_hook_needs_marker),
		cmocka_unit_test(test_spin),
		cmocka_unit_test(test_wall_time),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_max_jobs),
		cmocka_unit_test(test_died_idle),
		cmocka_unit_test(test_files_hidden),
		cmocka_unit_test(test_ocr_in_worker),
	};

	if (argc > 1 && strcmp(argv[1], SANDBOX_WORKER_ARG) == 0)
		sandbox_worker_main(argc - 2, argv + 2);
	/* the test hook (DLP_SANDBOX_TEST_FAULT) is honoured with it only */
	setenv("DLP_SANDBOX_TEST_MARKER", "crash-my-workers", 1);
	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
