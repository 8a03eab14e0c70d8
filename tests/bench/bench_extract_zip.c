/*
 * bench_extract_zip.c — throughput and memory of the zip / OOXML
 * extractors.
 *
 * Generates (tests/fixtures/make_office.py, "big") an .xlsx, a .docx and a
 * .zip of about SMALL MB each (default 5), and the same at BIG MB (default
 * 50); the content is the 20-person list over and over with a random note
 * per row, so the bytes do not compress away.  Prints:
 *   1. extractor alone: MB of file per second (best of RUNS), text made;
 *   2. whole engine: the file attached (base64) to a message, fed through
 *      scan_msg_* — MB of file per second, distinct values found;
 *   3. peak RSS (getrusage ru_maxrss of a fresh process) and time for the
 *      BIG .xlsx and .zip through the engine, under the shipped default
 *      limits (max_message_bytes raised to let a BIG MB attachment in) and
 *      with every limit opened ("full": all text read and matched).
 * Usage: bench_extract_zip [SMALL_MB [BIG_MB]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "detectors/inspect.h"
#include "detectors/scan.h"
#include "detectors/textscan.h"
#include "detectors/valueset.h"

#define RUNS 3

extern const struct extractor extract_docx, extract_xlsx, extract_zip;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Limits: the shipped defaults (config/conf_keys.c) or everything open. */
static struct scan_limits
limits(int full)
{
	struct scan_limits l = {
		.spool_memory = 1 << 20, .max_message_bytes = (size_t)200 << 20, .max_depth = 8,
		.max_parts = 1000, .max_members = 1000, .max_member_bytes = (size_t)64 << 20,
		.max_expanded_bytes = (size_t)256 << 20, .max_ratio = 200,
		.max_text_bytes = (size_t)4 << 20, .time_budget_ms = 60000,
	};

	if (full) {
		l.max_member_bytes = (size_t)2 << 30;
		l.max_expanded_bytes = (size_t)16 << 30;
		l.max_ratio = 100000;
		l.max_text_bytes = (size_t)1 << 30;
		l.time_budget_ms = 3600000;
	}
	return l;
}

static unsigned char *
load(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* The extractor alone on data; returns seconds, *text the text length. */
static double
extract_once(const struct extractor *ex, const unsigned char *data, size_t len, size_t *text,
    char *why, size_t whylen)
{
	struct scan_limits l = limits(1);
	struct scan_options opt = { .limits = l };
	struct scan_result res;
	struct inspect in;
	struct textbuf tb = { .max = l.max_text_bytes };
	char err[256];
	double t0;

	memset(&res, 0, sizeof(res));
	memset(&in, 0, sizeof(in));
	in.opt = &opt;
	in.res = &res;
	in.ts = textscan_new(err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &in.deadline);
	in.deadline.tv_sec += 3600;
	inspect_part_add(&in, "1", "bench", NULL);
	t0 = now();
	ex->extract(&in, 0, data, len, 1, NULL, &tb);
	t0 = now() - t0;
	*text = tb.len;
	snprintf(why, whylen, "%s", res.parts[0].unscanned ? res.parts[0].unscanned : "-");
	textbuf_free(&tb);
	inspect_done(&in);
	textscan_free((struct textscan *)in.ts);
	for (size_t i = 0; i < res.nparts; i++) {
		free(res.parts[i].path);
		free(res.parts[i].filename);
		free(res.parts[i].declared_type);
		free(res.parts[i].detected_type);
		free(res.parts[i].unscanned);
	}
	free(res.parts);
	for (int t = 0; t < FT_COUNT; t++)
		valueset_free(res.values[t]);
	free(res.error);
	return t0;
}

/* The message body around the attachment: multipart, base64 in lines. */
static char *
message_body(const unsigned char *data, size_t len, const char *name, size_t *blen)
{
	gchar *b64 = g_base64_encode(data, len);
	size_t n = strlen(b64), cap = n + n / 76 * 2 + 1024, o = 0;
	char *body = malloc(cap);

	o += (size_t)snprintf(body, cap, "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "see attachment\r\n--b\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", name);
	for (size_t i = 0; i < n; i += 76) {
		size_t k = n - i < 76 ? n - i : 76;

		memcpy(body + o, b64 + i, k);
		o += k;
		body[o++] = '\r';
		body[o++] = '\n';
	}
	o += (size_t)snprintf(body + o, cap - o, "--b--\r\n");
	g_free(b64);
	*blen = o;
	return body;
}

/* The whole engine on one message; returns seconds. */
static double
engine_once(struct scan_engine *eng, const char *body, size_t blen, size_t *emails,
    size_t *phones, char *why, size_t whylen)
{
	struct scan_msg *m = scan_msg_new(eng);
	const struct scan_result *r;
	double t0 = now();

	scan_msg_envfrom(m, "sender@example.go.jp");
	scan_msg_rcpt(m, "someone@example.com");
	scan_msg_header(m, "From", " sender@example.go.jp");
	scan_msg_header(m, "To", " someone@example.com");
	scan_msg_header(m, "Subject", " bench");
	scan_msg_header(m, "MIME-Version", " 1.0");
	scan_msg_header(m, "Content-Type", " multipart/mixed; boundary=\"b\"");
	scan_msg_eoh(m);
	for (size_t o = 0; o < blen; o += 65536)
		scan_msg_body(m, body + o, blen - o < 65536 ? blen - o : 65536);
	r = scan_msg_eom(m);
	t0 = now() - t0;
	*emails = r ? scan_result_count(r, FT_EMAIL) : 0;
	*phones = r ? scan_result_count(r, FT_PHONE) : 0;
	why[0] = '\0';
	for (size_t i = 0; r && i < r->nparts; i++)
		if (r->parts[i].unscanned && !why[0])
			snprintf(why, whylen, "%s: %s", r->parts[i].path, r->parts[i].unscanned);
	if (!why[0])
		snprintf(why, whylen, "-");
	scan_msg_free(m);
	return t0;
}

static struct scan_engine *
engine(int full)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1,
		.spool_dir = "/tmp", .limits = limits(full) };
	char err[256];
	struct scan_engine *eng = scan_engine_new(&opt, err, sizeof(err));

	if (eng == NULL) {
		fprintf(stderr, "engine: %s\n", err);
		exit(1);
	}
	return eng;
}

static void
throughput(const char *dir, const char *file, const struct extractor *ex)
{
	char path[512], why[300];
	size_t len, text = 0, blen, em = 0, ph = 0;
	unsigned char *data;
	char *body;
	double best = 1e9, ebest = 1e9;
	struct scan_engine *eng = engine(1);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	data = load(path, &len);
	for (int i = 0; i < RUNS; i++) {
		double t = extract_once(ex, data, len, &text, why, sizeof(why));

		best = t < best ? t : best;
	}
	printf("%-9s %6.1f MB  extractor %7.1f MB/s  (%.0f MB text)  %s\n", file, len / 1e6,
	    len / 1e6 / best, text / 1e6, why);
	body = message_body(data, len, file, &blen);
	for (int i = 0; i < RUNS; i++) {
		double t = engine_once(eng, body, blen, &em, &ph, why, sizeof(why));

		ebest = t < ebest ? t : ebest;
	}
	printf("%-9s %6.1f MB  engine    %7.1f MB/s  email %zu phone %zu  %s\n", file,
	    len / 1e6, len / 1e6 / ebest, em, ph, why);
	free(body);
	free(data);
	scan_engine_free(eng);
}

/* Child mode: one scan of FILE under limits FULL, print seconds and RSS. */
static int
rss_child(const char *path, int full)
{
	size_t len, blen, em, ph;
	unsigned char *data = load(path, &len);
	const char *base = strrchr(path, '/');
	char *body = message_body(data, len, base ? base + 1 : path, &blen), why[300];
	struct scan_engine *eng = engine(full);
	struct rusage ru;
	double t;

	free(data);	/* the MTA's copy is not ours: keep only the message */
	t = engine_once(eng, body, blen, &em, &ph, why, sizeof(why));
	getrusage(RUSAGE_SELF, &ru);
	printf("%-9s %6.1f MB  %-7s %6.2f s  peak RSS %6.0f MB  email %zu phone %zu  %.90s\n",
	    base ? base + 1 : path, len / 1e6, full ? "full" : "default", t,
	    ru.ru_maxrss / 1024.0, em, ph, why);
	free(body);
	scan_engine_free(eng);
	return 0;
}

static void
rss(const char *dir, const char *file, int full)
{
	char path[512];
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "bench_extract_zip", "--rss", path, full ? "1" : "0",
		    (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/bench-zipx-XXXXXX", cmd[1400], small[64], big[64];
	int smb, bmb;

	if (argc == 4 && strcmp(argv[1], "--rss") == 0)
		return rss_child(argv[2], atoi(argv[3]));
	smb = argc > 1 ? atoi(argv[1]) : 5;
	bmb = argc > 2 ? atoi(argv[2]) : 50;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(small, sizeof(small), "%s/small", dir);
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/fixtures/make_office.py %s big %d && "
	    "/usr/bin/python3 tests/fixtures/make_office.py %s big %d", small, smb, big, bmb);
	printf("generating %d MB and %d MB files in %s ...\n", smb, bmb, dir);
	fflush(stdout);
	if (system(cmd) != 0) {
		fprintf(stderr, "generator failed (run from the repository root)\n");
		return 1;
	}
	throughput(small, "big.xlsx", &extract_xlsx);
	throughput(small, "big.docx", &extract_docx);
	throughput(small, "big.zip", &extract_zip);
	rss(big, "big.xlsx", 0);
	rss(big, "big.xlsx", 1);
	rss(big, "big.zip", 0);
	rss(big, "big.zip", 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
