/*
 * bench_extract_docs.c — document extractors through the whole engine.
 *
 *   build/bench/bench_extract_docs [DIR]
 *
 * DIR holds the files of `make_docs.py --bench DIR` (made into a temporary
 * directory when DIR is not given; needs /usr/bin/python3 with reportlab
 * and xlwt).  Each file is sent as the base64 attachment of a message fed
 * through scan_msg_* (MIME walk, libmagic, extractor, detectors), and:
 *   1. throughput, MB of attachment per second (best of 3), for a PDF of
 *      1500 pages, an .xls of 30 000 rows and an RTF (CP932) of a few MB;
 *   2. peak resident memory (getrusage ru_maxrss of a child process that
 *      scans one message) for a 50 MB PDF and a 50 MB gzip, against the
 *      same child's peak before the scan (message already in memory), with
 *      max_text_bytes 64 MB and 4 MB.
 * Wall and thread CPU times are both printed (a loaded machine shows the
 * difference).  Limits: max_member_bytes 100 MB, max_text_bytes 64 MB for
 * the throughput (everything is read), time budget 120 s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "detectors/scan.h"

struct msg {
	char *body;
	size_t len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static unsigned char *
load(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *fp;
	unsigned char *d;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "bench: cannot open %s\n", path);
		exit(1);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	d = malloc((size_t)n + 1);
	if (d == NULL || fread(d, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		exit(1);
	}
	fclose(fp);
	*len = (size_t)n;
	return d;
}

/* The body of a multipart/mixed message with data as a base64 attachment. */
static struct msg
message(const char *name, const unsigned char *data, size_t len)
{
	gchar *b64 = g_base64_encode(data, len);
	size_t n = strlen(b64), cap = n + n / 76 * 2 + 1024;
	struct msg m = { malloc(cap), 0 };
	char *p = m.body;

	p += snprintf(p, cap, "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfiles\r\n"
	    "--B\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", name);
	for (size_t i = 0; i < n; i += 76) {
		size_t k = n - i < 76 ? n - i : 76;
		memcpy(p, b64 + i, k);
		p += k;
		*p++ = '\r';
		*p++ = '\n';
	}
	p += sprintf(p, "--B--\r\n");
	m.len = (size_t)(p - m.body);
	g_free(b64);
	return m;
}

static struct scan_engine *
engine(size_t text_max)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = {
		.internal_domains = internal, .n_internal = 1, .spool_dir = "/tmp",
		.limits = {
			.spool_memory = 8 << 20, .max_message_bytes = 300u << 20,
			.max_depth = 10, .max_parts = 1000, .max_members = 1000,
			.max_member_bytes = 100u << 20, .max_expanded_bytes = 400u << 20,
			.max_ratio = 200, .max_text_bytes = text_max, .time_budget_ms = 120000,
		},
	};
	char err[256];
	struct scan_engine *e = scan_engine_new(&opt, err, sizeof(err));

	if (e == NULL) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	return e;
}

/* Feed and scan one message; returns wall seconds (CPU seconds of the
 * thread in *cpus), counts in em/ph. */
static double
scan(const struct scan_engine *e, const struct msg *m, size_t *em, size_t *ph, char *why,
    size_t whylen, double *cpus)
{
	double t0 = now(), c0 = cpu();
	struct scan_msg *s = scan_msg_new(e);
	const struct scan_result *r;

	scan_msg_envfrom(s, "<a@example.go.jp>");
	scan_msg_rcpt(s, "<b@example.com>");
	scan_msg_header(s, "From", " a@example.go.jp");
	scan_msg_header(s, "To", " b@example.com");
	scan_msg_header(s, "Subject", " bench");
	scan_msg_header(s, "MIME-Version", " 1.0");
	scan_msg_header(s, "Content-Type", " multipart/mixed; boundary=\"B\"");
	scan_msg_eoh(s);
	for (size_t off = 0; off < m->len; off += 65536)
		scan_msg_body(s, m->body + off, m->len - off < 65536 ? m->len - off : 65536);
	r = scan_msg_eom(s);
	*em = r ? scan_result_count(r, FT_EMAIL) : 0;
	*ph = r ? scan_result_count(r, FT_PHONE) : 0;
	snprintf(why, whylen, "-");
	for (size_t i = 0; r && i < r->nparts; i++)
		if (r->parts[i].unscanned) {
			snprintf(why, whylen, "%s: %s", r->parts[i].path, r->parts[i].unscanned);
			break;
		}
	scan_msg_free(s);
	*cpus = cpu() - c0;
	return now() - t0;
}

static void
throughput(const struct scan_engine *e, const char *dir, const char *file)
{
	size_t len, em = 0, ph = 0;
	unsigned char *d = load(dir, file, &len);
	struct msg m = message(file, d, len);
	double best = 1e9, bestc = 1e9, c;
	char why[256];

	free(d);
	for (int i = 0; i < 3; i++) {
		double t = scan(e, &m, &em, &ph, why, sizeof(why), &c);
		if (t < best)
			best = t;
		if (c < bestc)
			bestc = c;
	}
	printf("%-10s %6.2f MB  wall %6.3f s %6.2f MB/s  cpu %6.3f s %6.2f MB/s  "
	    "email %zu phone %zu  unscanned %s\n", file, len / 1048576.0, best,
	    len / 1048576.0 / best, bestc, len / 1048576.0 / bestc, em, ph, why);
	free(m.body);
}

/* Peak RSS of a child that scans file once. */
static void
peak(const char *dir, const char *file, size_t text_max)
{
	int fd[2];
	pid_t pid;

	if (pipe(fd) != 0 || (pid = fork()) < 0) {
		perror("bench");
		exit(1);
	}
	if (pid == 0) {
		size_t len, em, ph;
		double c;
		struct scan_engine *e = engine(text_max);
		unsigned char *d = load(dir, file, &len);
		struct msg m = message(file, d, len);
		char why[256], line[512];
		free(d);
		long before = maxrss_kb();
		double t = scan(e, &m, &em, &ph, why, sizeof(why), &c);
		long after = maxrss_kb();
		int n = snprintf(line, sizeof(line),
		    "%-8s %6.2f MB  text max %2zu MB  wall %5.2f s cpu %5.2f s  peak RSS "
		    "before %5.1f MB after %5.1f MB (+%.1f MB)  unscanned %s\n", file,
		    len / 1048576.0, text_max >> 20, t, c, before / 1024.0, after / 1024.0,
		    (after - before) / 1024.0, why);
		if (write(fd[1], line, (size_t)n) != n)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	char buf[1024];
	ssize_t n = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	waitpid(pid, NULL, 0);
	if (n > 0) {
		buf[n] = '\0';
		fputs(buf, stdout);
	}
}

int
main(int argc, char **argv)
{
	char tmpl[] = "/tmp/dlp-bench-docs-XXXXXX", cmd[1024];
	const char *dir = argc > 1 ? argv[1] : NULL;

	if (dir == NULL) {
		if ((dir = mkdtemp(tmpl)) == NULL)
			return 1;
		snprintf(cmd, sizeof(cmd),
		    "/usr/bin/python3 tests/fixtures/make_docs.py --bench %s", dir);
		fprintf(stderr, "bench: generating files in %s (about 30 s)\n", dir);
		if (system(cmd) != 0)
			return 1;
	}
	struct scan_engine *e = engine(64u << 20);
	printf("throughput through the engine (base64 MIME, libmagic, extractor, detectors):\n");
	throughput(e, dir, "bench.pdf");
	throughput(e, dir, "bench.xls");
	throughput(e, dir, "bench.rtf");
	scan_engine_free(e);
	printf("peak memory, one message per child process:\n");
	peak(dir, "big.pdf", 64u << 20);
	peak(dir, "big.pdf", 4u << 20);
	peak(dir, "big.gz", 64u << 20);
	peak(dir, "big.gz", 4u << 20);
	if (argc <= 1) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
