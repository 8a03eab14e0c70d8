/*
 * bench_extract.c — MB/s and memory per extractor, for every format the
 * product reads: the figures of `make bench`.
 *
 *   build/bench/bench_extract DIR [FILE ...]
 *
 * DIR holds the files of `make_bench_mail.py DIR --files` (see there):
 * b.xlsx and c.pdf (the attachments of the MTA benchmark's messages b and
 * c), text.pdf (about 2 MB of Japanese text pages), about 5 MB each of
 * big.xlsx .docx .pptx .odt .ods .odp .zip (make_office_big.py) and about
 * 3 MB each of big.csv (CP932) .txt (UTF-8) .html .xml .rtf .doc .xls .ppt
 * .tar.gz and fwd.eml (make_docs.py --bench).  For each file (or only
 * the FILEs named):
 *   extractor  the extractor alone on the file's bytes (no MIME, no
 *              libmagic, no detectors on its own text): MB of file per
 *              second, best of RUNS, and the MB of text it made.  The
 *              members of a zip, tar.gz or forwarded message are parts of
 *              their own: the container's time includes inspecting them
 *              whole (libmagic, their extractor, the detectors), and its
 *              own text is none;
 *   engine     the file as the base64 attachment of a message fed through
 *              scan_msg_* (spool, MIME walk, decoding, libmagic, extractor,
 *              normalization, detectors): MB of file per second, best of
 *              RUNS; the peak resident memory the scan added, in a fresh
 *              process (`bench_extract --peak DIR FILE`: VmHWM after the
 *              scan less VmRSS before it, the message already in memory);
 *              and the distinct mail addresses and phone numbers.
 * Limits are opened (max_text_bytes 1 GB …) so that every byte is read.
 * MB = 10^6 bytes.  Times are the thread's CPU time (other work on the
 * machine changes them little).
 *
 * Every file holds mail addresses and phone numbers.  A row whose
 * attachment went to another extractor than the row's, or left a part
 * unscanned, or found no address or no phone number, is marked FAILED and
 * the program exits 1 after the last row: a file the bench does not read
 * whole measures nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "extract/extract.h"
#include "mime/walk.h"
#include "detectors/scan.h"
#include "text/textscan.h"
#include "detect/valueset.h"
#include "bench_clock.h"

#define RUNS 3

extern const struct extractor extract_docx, extract_xlsx, extract_pptx, extract_odt,
    extract_ods, extract_odp, extract_zip, extract_pdf, extract_ole, extract_rtf,
    extract_text, extract_html, extract_xml, extract_archive, extract_rfc822;

static const struct {
	const char *file, *what;
	const struct extractor *ex;	/* the extractor the engine must pick */
} files[] = {
	{ "b.xlsx", "xlsx, message b's (openpyxl)", &extract_xlsx },
	{ "big.xlsx", "xlsx, 5 MB", &extract_xlsx },
	{ "big.docx", "docx, 5 MB", &extract_docx },
	{ "big.pptx", "pptx, table slides", &extract_pptx },
	{ "big.odt", "odt, paragraphs", &extract_odt },
	{ "big.ods", "ods, rows", &extract_ods },
	{ "big.odp", "odp, text pages", &extract_odp },
	{ "c.pdf", "pdf, message c's (figures)", &extract_pdf },
	{ "text.pdf", "pdf, text pages", &extract_pdf },
	{ "big.doc", "doc, Word 97 tables", &extract_ole },
	{ "big.xls", "xls, BIFF8 (xlwt)", &extract_ole },
	{ "big.ppt", "ppt, slides and text boxes", &extract_ole },
	{ "big.rtf", "rtf, CP932 table", &extract_rtf },
	{ "big.csv", "csv, CP932", &extract_text },
	{ "big.txt", "txt, UTF-8 report", &extract_text },
	{ "big.html", "html, table", &extract_html },
	{ "big.xml", "xml, records", &extract_xml },
	{ "big.zip", "zip of txt, 5 MB", &extract_zip },
	{ "big.tar.gz", "tar.gz of csv/txt", &extract_archive },
	{ "fwd.eml", "eml, forwarded (ISO-2022-JP)", &extract_rfc822 },
};

/* What one scan through the engine found. */
struct found {
	size_t email, phone;
	char why[300];		/* "" or why the row is not a measurement */
};


static struct scan_limits
open_limits(void)
{
	struct scan_limits l = {
		.spool_memory = 1 << 20, .max_message_bytes = (size_t)1 << 30, .max_depth = 8,
		.max_parts = 100000, .max_members = 100000, .max_member_bytes = (size_t)1 << 30,
		.max_expanded_bytes = (size_t)4 << 30, .max_ratio = 100000,
		.max_text_bytes = (size_t)1 << 30, .time_budget_ms = 3600000,
	};

	return l;
}

static struct scan_engine *
engine(void)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1,
		.spool_dir = "/tmp", .limits = open_limits() };
	struct scan_engine *eng;
	char err[256];

	if ((eng = scan_engine_new(&opt, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_extract: %s\n", err);
		exit(1);
	}
	return eng;
}

static unsigned char *
load(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	gchar *buf;
	gsize n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!g_file_get_contents(path, &buf, &n, NULL)) {
		fprintf(stderr, "bench_extract: cannot read %s (make_bench_mail.py DIR --files)\n",
		    path);
		exit(1);
	}
	*len = n;
	return (unsigned char *)buf;
}

/* The extractor alone; returns seconds, *text the text made, why the
 * part's unscanned reason or "nothing read" ("" when read). */
static double
extract_once(const struct extractor *ex, const char *name, const unsigned char *data,
    size_t len, size_t *text, char *why, size_t whylen)
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
	in.walk = mime_walk;
	in.res = &res;
	in.ts = textscan_new(err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &in.deadline);
	in.deadline.tv_sec += 3600;
	inspect_part_add(&in, "1", name, NULL);
	res.parts[0].extractor = ex->name;	/* as inspect_data sets it */
	t = bench_seconds(CLOCK_THREAD_CPUTIME_ID);
	ex->extract(&in, 0, data, len, 1, NULL, &tb);
	t = bench_seconds(CLOCK_THREAD_CPUTIME_ID) - t;
	*text = tb.len;
	why[0] = '\0';
	if (res.parts[0].unscanned)
		snprintf(why, whylen, "extractor alone: unscanned: %s", res.parts[0].unscanned);
	else if (tb.len == 0 && res.nparts == 1)
		snprintf(why, whylen, "extractor alone: no text, no member");
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

/* What the result says against the row's extractor: fills f. */
static void
check(const struct scan_result *r, const char *want, struct found *f)
{
	const struct scan_part *att = NULL;

	f->email = r ? scan_result_count(r, FT_EMAIL) : 0;
	f->phone = r ? scan_result_count(r, FT_PHONE) : 0;
	f->why[0] = '\0';
	if (r == NULL) {
		snprintf(f->why, sizeof(f->why), "no result");
		return;
	}
	for (size_t i = 0; i < r->nparts; i++) {
		if (strcmp(r->parts[i].path, "2") == 0)
			att = &r->parts[i];
		if (r->parts[i].unscanned && !f->why[0])
			snprintf(f->why, sizeof(f->why), "unscanned %s: %s", r->parts[i].path,
			    r->parts[i].unscanned);
	}
	if (f->why[0])
		return;
	if (att == NULL || att->extractor == NULL || strcmp(att->extractor, want) != 0)
		snprintf(f->why, sizeof(f->why), "attachment read by %s (%s), not %s",
		    att && att->extractor ? att->extractor : "nothing",
		    att && att->detected_type ? att->detected_type : "?", want);
	else if (f->email == 0 || f->phone == 0)
		snprintf(f->why, sizeof(f->why), "no mail address or no phone number found");
	else if (r->error)
		snprintf(f->why, sizeof(f->why), "%s", r->error);
}

/* The whole engine on one message; returns seconds, fills f. */
static double
engine_once(const struct scan_engine *eng, const char *body, size_t blen, const char *want,
    struct found *f)
{
	struct scan_msg *m = scan_msg_new(eng);
	const struct scan_result *r;
	double t = bench_seconds(CLOCK_THREAD_CPUTIME_ID);

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
	t = bench_seconds(CLOCK_THREAD_CPUTIME_ID) - t;
	check(r, want, f);
	scan_msg_free(m);
	return t;
}

/* A "Vm…:" field of /proc/self/status in KB, or -1. */
static long
status_kb(const char *field)
{
	char line[256];
	long kb = -1;
	FILE *fp = fopen("/proc/self/status", "r");

	while (fp && kb < 0 && fgets(line, sizeof(line), fp))
		if (strncmp(line, field, strlen(field)) == 0)
			kb = strtol(line + strlen(field), NULL, 10);
	if (fp)
		fclose(fp);
	return kb;
}

/* --peak DIR FILE: one scan of FILE in this fresh process.  Prints the
 * resident KB before the scan (message in memory, high-water mark reset
 * to it through /proc/self/clear_refs) and the high-water mark after. */
static int
peak_child(const char *dir, const char *name)
{
	struct scan_engine *eng = engine();
	size_t len, blen;
	unsigned char *data = load(dir, name, &len);
	char *body = message_body(data, len, name, &blen);
	struct found f;
	long before;
	FILE *fp;

	g_free(data);	/* the MTA's copy is not the filter's: keep only the message */
	if ((fp = fopen("/proc/self/clear_refs", "w")) == NULL)
		return 1;
	if ((fputs("5", fp) < 0) | (fclose(fp) != 0))
		return 1;	/* a kernel before 4.0: no reset, no figure */
	before = status_kb("VmRSS:");
	engine_once(eng, body, blen, "", &f);
	printf("%ld %ld\n", before, status_kb("VmHWM:"));
	free(body);
	scan_engine_free(eng);
	return 0;
}

/* MB of peak resident memory that scanning file added, or -1. */
static double
peak_mb(const char *dir, const char *name)
{
	long before, after;
	char buf[128];
	int fd[2], st;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl("/proc/self/exe", "bench_extract", "--peak", dir, name, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	waitpid(pid, &st, 0);
	if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %ld", &before, &after) != 2)
		return -1;
	return before < 0 || after < 0 ? -1 : (after - before) * 1024.0 / 1e6;
}

/* One row of the table; returns 0, or -1 when the row FAILED. */
static int
row(const struct scan_engine *eng, const char *dir, size_t k)
{
	size_t len, text = 0, blen;
	unsigned char *data = load(dir, files[k].file, &len);
	double best = 1e9, ebest = 1e9, peak;
	char *body, why[300], col[64], ecol[64];
	struct found f = { 0 };

	for (int i = 0; i < RUNS; i++) {
		double t = extract_once(files[k].ex, files[k].file, data, len, &text, why,
		    sizeof(why));
		best = t < best ? t : best;
	}
	body = message_body(data, len, files[k].file, &blen);
	for (int i = 0; i < RUNS; i++) {
		double t = engine_once(eng, body, blen, files[k].ex->name, &f);
		ebest = t < ebest ? t : ebest;
	}
	if (!why[0] && f.why[0])
		snprintf(why, sizeof(why), "%s", f.why);
	peak = peak_mb(dir, files[k].file);
	snprintf(col, sizeof(col), "%6.1f MB/s (%5.1f MB)", len / 1e6 / best, text / 1e6);
	if (peak >= 0)
		snprintf(ecol, sizeof(ecol), "%6.1f MB/s  peak +%5.1f MB", len / 1e6 / ebest, peak);
	else
		snprintf(ecol, sizeof(ecol), "%6.1f MB/s  peak ?", len / 1e6 / ebest);
	printf("%-30s %7.2f  %-28s %-30s email %zu phone %zu%s%s\n", files[k].what, len / 1e6,
	    col, ecol, f.email, f.phone, why[0] ? "  FAILED: " : "", why);
	fflush(stdout);
	free(body);
	g_free(data);
	return why[0] ? -1 : 0;
}

/* 1 when no names were given or file is one of them. */
static int
wanted(int n, char **names, const char *file)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], file) == 0)
			return 1;
	return n == 0;
}

int
main(int argc, char **argv)
{
	struct scan_engine *eng;
	int failed = 0;

	if (argc == 4 && strcmp(argv[1], "--peak") == 0)
		return peak_child(argv[2], argv[3]);
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: bench_extract DIR [FILE ...] (DIR from make_bench_mail.py "
		    "DIR --files; FILE: only those rows)\n");
		return 1;
	}
	eng = engine();
	printf("%-30s %7s  %-28s %-30s %s\n", "file", "MB", "extractor alone (text)",
	    "whole engine (base64 attached)", "found");
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++)
		if (wanted(argc - 2, argv + 2, files[k].file) && row(eng, argv[1], k) < 0)
			failed++;
	scan_engine_free(eng);
	if (failed)
		fprintf(stderr, "bench_extract: %d files not read whole (FAILED rows)\n", failed);
	return failed ? 1 : 0;
}
