/*
 * bench_extract.c — MB/s per extractor, the figures of `make bench`.
 *
 *   build/bench/bench_extract DIR
 *
 * DIR holds the files of `make_bench_mail.py DIR --files` (see there):
 * b.xlsx and c.pdf (the attachments of the MTA benchmark's messages b and
 * c), big.xlsx, big.docx and big.zip (about 5 MB each, make_office_big.py)
 * and text.pdf (pages of Japanese text, IPA Gothic).  For each file:
 *   extractor  the extractor alone on the file's bytes (no MIME, no
 *              libmagic, no detectors): MB of file per second, best of
 *              RUNS, and the MB of text it made;
 *   engine     the file as the base64 attachment of a message fed through
 *              scan_msg_* (spool, MIME walk, decoding, libmagic, extractor,
 *              normalization, detectors): MB of file per second, best of
 *              RUNS, and the distinct mail addresses and phone numbers.
 * Limits are opened (max_text_bytes 1 GB …) so that every byte is read.
 * MB = 10^6 bytes.  Times are the thread's CPU time (other work on the
 * machine changes them little).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "detectors/inspect.h"
#include "detectors/scan.h"
#include "detectors/textscan.h"
#include "detectors/valueset.h"

#define RUNS 3

extern const struct extractor extract_docx, extract_xlsx, extract_zip, extract_pdf;

static const struct {
	const char *file, *what;
	const struct extractor *ex;
} files[] = {
	{ "b.xlsx", "xlsx, message b's (openpyxl)", &extract_xlsx },
	{ "big.xlsx", "xlsx, 5 MB", &extract_xlsx },
	{ "big.docx", "docx, 5 MB", &extract_docx },
	{ "big.zip", "zip of csv/txt, 5 MB", &extract_zip },
	{ "c.pdf", "pdf, message c's (figures)", &extract_pdf },
	{ "text.pdf", "pdf, text pages", &extract_pdf },
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct scan_limits
open_limits(void)
{
	struct scan_limits l = {
		.spool_memory = 1 << 20, .max_message_bytes = (size_t)1 << 30, .max_depth = 8,
		.max_parts = 1000, .max_members = 1000, .max_member_bytes = (size_t)1 << 30,
		.max_expanded_bytes = (size_t)4 << 30, .max_ratio = 100000,
		.max_text_bytes = (size_t)1 << 30, .time_budget_ms = 3600000,
	};

	return l;
}

static unsigned char *
load(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	gchar *buf;
	gsize n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!g_file_get_contents(path, &buf, &n, NULL)) {
		fprintf(stderr, "bench_extract: cannot read %s\n", path);
		exit(1);
	}
	*len = n;
	return (unsigned char *)buf;
}

/* The extractor alone; returns seconds, *text the text made. */
static double
extract_once(const struct extractor *ex, const unsigned char *data, size_t len, size_t *text)
{
	struct scan_options opt = { .limits = open_limits() };
	struct scan_result res;
	struct inspect in;
	struct textbuf tb = { .max = opt.limits.max_text_bytes };
	char err[256];
	double t;

	memset(&res, 0, sizeof(res));
	memset(&in, 0, sizeof(in));
	in.opt = &opt;
	in.res = &res;
	in.ts = textscan_new(err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &in.deadline);
	in.deadline.tv_sec += 3600;
	inspect_part_add(&in, "1", "bench", NULL);
	t = now();
	ex->extract(&in, 0, data, len, 1, NULL, &tb);
	t = now() - t;
	*text = tb.len;
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
	for (int k = 0; k < FT_COUNT; k++)
		valueset_free(res.values[k]);
	free(res.error);
	return t;
}

/* A multipart body with data as a base64 attachment named name. */
static char *
message_body(const unsigned char *data, size_t len, const char *name, size_t *blen)
{
	gchar *b64 = g_base64_encode(data, len);
	size_t n = strlen(b64), cap = n + n / 76 * 2 + 1024, o = 0;
	char *body = malloc(cap);

	if (body == NULL)
		exit(1);
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
engine_once(const struct scan_engine *eng, const char *body, size_t blen, size_t *em,
    size_t *ph, char *why, size_t whylen)
{
	struct scan_msg *m = scan_msg_new(eng);
	const struct scan_result *r;
	double t = now();

	scan_msg_envfrom(m, "sender@example.go.jp");
	scan_msg_rcpt(m, "someone@example.go.jp");
	scan_msg_header(m, "From", "sender@example.go.jp");
	scan_msg_header(m, "To", "someone@example.go.jp");
	scan_msg_header(m, "Subject", "bench");
	scan_msg_header(m, "MIME-Version", "1.0");
	scan_msg_header(m, "Content-Type", "multipart/mixed; boundary=\"b\"");
	scan_msg_eoh(m);
	for (size_t o = 0; o < blen; o += 65536)
		scan_msg_body(m, body + o, blen - o < 65536 ? blen - o : 65536);
	r = scan_msg_eom(m);
	t = now() - t;
	*em = r ? scan_result_count(r, FT_EMAIL) : 0;
	*ph = r ? scan_result_count(r, FT_PHONE) : 0;
	snprintf(why, whylen, "-");
	for (size_t i = 0; r && i < r->nparts; i++)
		if (r->parts[i].unscanned) {
			snprintf(why, whylen, "unscanned %s: %s", r->parts[i].path,
			    r->parts[i].unscanned);
			break;
		}
	scan_msg_free(m);
	return t;
}

int
main(int argc, char **argv)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1,
		.spool_dir = "/tmp", .limits = open_limits() };
	struct scan_engine *eng;
	char err[256];

	if (argc != 2) {
		fprintf(stderr, "usage: bench_extract DIR (from make_bench_mail.py DIR --files)\n");
		return 1;
	}
	if ((eng = scan_engine_new(&opt, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_extract: %s\n", err);
		return 1;
	}
	printf("%-30s %7s  %-28s %-30s %s\n", "file", "MB", "extractor alone (text)",
	    "whole engine (base64 attached)", "found");
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len, text = 0, blen, em = 0, ph = 0;
		unsigned char *data = load(argv[1], files[f].file, &len);
		double best = 1e9, ebest = 1e9;
		char *body, why[300], col[64];

		for (int i = 0; i < RUNS; i++) {
			double t = extract_once(files[f].ex, data, len, &text);
			best = t < best ? t : best;
		}
		body = message_body(data, len, files[f].file, &blen);
		for (int i = 0; i < RUNS; i++) {
			double t = engine_once(eng, body, blen, &em, &ph, why, sizeof(why));
			ebest = t < ebest ? t : ebest;
		}
		snprintf(col, sizeof(col), "%6.1f MB/s (%5.1f MB)", len / 1e6 / best, text / 1e6);
		printf("%-30s %7.2f  %-28s %6.1f MB/s %-18s email %zu phone %zu %s\n",
		    files[f].what, len / 1e6, col, len / 1e6 / ebest, "", em, ph,
		    strcmp(why, "-") ? why : "");
		fflush(stdout);
		free(body);
		g_free(data);
	}
	scan_engine_free(eng);
	return 0;
}
