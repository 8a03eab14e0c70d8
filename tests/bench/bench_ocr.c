/*
 * bench_ocr.c — OCR time per megapixel (detectors/extract/image.c,
 * pdf_ocr.c): the pictures tests/fixtures/make_images.py draws (the
 * spreadsheet screenshot as PNG and JPEG, the same drawn three times
 * larger, a logo, and a scanned A4 page as PDF, rendered at 300 dpi), each
 * in a mail scanned through the engine with [limits] ocr = yes, one at a
 * time, in this process with OMP_THREAD_LIMIT=1 (as in a worker) and in
 * a sandboxed worker.  Per picture: its megapixels, the median CPU
 * seconds of a scan in this process, ms of CPU per megapixel, the median
 * wall seconds in a worker, and the phone numbers found (a check that the
 * picture was read).  The first scan of the run, which reads Tesseract's
 * models, is reported apart.  This binary is its own worker program.
 *
 *   bench_ocr DIR [REPS]     (DIR: where the pictures are made)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "detectors/feed.h"
#include "detectors/scan.h"
#include "sandbox/sandbox.h"
#include "bench_clock.h"

static struct scan_engine *
engine(struct sandbox_pool *pool)
{
	struct scan_options opt = { .spool_dir = "/tmp", .sandbox = pool, .limits = {
		.spool_memory = 64 << 20, .max_message_bytes = 1u << 30, .max_depth = 8,
		.max_parts = 1000, .max_members = 1000, .max_member_bytes = 256u << 20,
		.max_expanded_bytes = 1u << 30, .max_ratio = 1000, .max_text_bytes = 64u << 20,
		.time_budget_ms = 600000, .ocr = 1, .ocr_max_pixels = 25000000 } };
	char err[256];
	struct scan_engine *eng = scan_engine_new(&opt, err, sizeof(err));

	if (!eng) {
		fprintf(stderr, "bench_ocr: %s\n", err);
		exit(1);
	}
	return eng;
}

/* A mail carrying dir/name as a base64 attachment (g_free it). */
static char *
wrap(const char *dir, const char *name, size_t *len)
{
	char *path = g_build_filename(dir, name, NULL), *data = NULL, *b64, *eml;
	gsize n = 0;

	if (!g_file_get_contents(path, &data, &n, NULL)) {
		fprintf(stderr, "bench_ocr: cannot read %s\n", path);
		exit(1);
	}
	b64 = g_base64_encode((const guchar *)data, n);
	eml = g_strdup_printf("From: kakari@example.go.jp\r\nTo: a@partner.example.com\r\n"
	    "Subject: bench\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
	    "Content-Type: text/plain\r\n\r\nfile\r\n--b\r\n"
	    "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
	    "filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n",
	    name, b64);
	*len = strlen(eml);
	g_free(b64);
	g_free(data);
	g_free(path);
	return eml;
}

/* Scan eml once: wall and CPU seconds of this process, phones found. */
static unsigned
scan(const struct scan_engine *eng, const char *eml, size_t len, double *wall, double *cpu)
{
	double w0 = bench_seconds(CLOCK_MONOTONIC), c0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
	struct scan_msg *m = scan_msg_new(eng);
	FILE *fp = fmemopen((void *)eml, len, "r");
	const struct scan_result *res;
	unsigned phones;

	if (!m || !fp || feed_file(m, fp) < 0 || !(res = scan_msg_eom(m))) {
		fprintf(stderr, "bench_ocr: cannot scan a message\n");
		exit(1);
	}
	phones = (unsigned)scan_result_count(res, FT_PHONE);
	if (res->unscanned) {
		fprintf(stderr, "bench_ocr: a part unscanned: %s\n", res->parts[res->nparts - 1].unscanned);
		exit(1);
	}
	fclose(fp);
	scan_msg_free(m);
	*wall = bench_seconds(CLOCK_MONOTONIC) - w0;
	*cpu = bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return phones;
}

int
main(int argc, char **argv)
{
	static const struct { const char *file; double mp; const char *what; } pics[] = {
		{ "sheet.png", 0, "screenshot, PNG" },
		{ "sheet.jpg", 0, "screenshot, JPEG" },
		{ "sheet3.png", 0, "screenshot x3, PNG" },
		{ "logo.png", 0, "logo, no text" },
		{ "scan.pdf", 2480.0 * 3507 / 1e6, "scanned A4, 300 dpi" },
	};
	struct sandbox_config sc = { "/proc/self/exe", 1, 1000, 1ULL << 30, 600000 };
	struct sandbox_pool *pool;
	struct scan_engine *here, *sand;
	char err[256], cmd[1024];
	double w, c;
	int reps;

	if (argc > 1 && strcmp(argv[1], SANDBOX_WORKER_ARG) == 0)
		sandbox_worker_main(argc - 2, argv + 2);
	if (argc < 2) {
		fprintf(stderr, "usage: bench_ocr DIR [REPS]\n");
		return 2;
	}
	reps = argc > 2 ? atoi(argv[2]) : 5;
	if (reps < 1 || reps > 31)
		reps = 5;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'import sys; sys.path.insert(0, "
	    "\"tests/fixtures\"); import make_images as m; m.make(\"%s\"); "
	    "m.sheet(scale=3).save(\"%s/sheet3.png\")'", argv[1], argv[1]);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_ocr: cannot make the pictures\n");
		return 1;
	}
	if (!(pool = sandbox_pool_new(&sc, err, sizeof(err))) ||
	    sandbox_pool_start(pool, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_ocr: %s\n", err);
		return 1;
	}
	here = engine(NULL);
	sand = engine(pool);
	printf("%-22s %7s %9s %9s %10s %7s\n", "picture", "MP", "CPU s", "ms/MP", "worker s",
	    "phones");
	for (size_t i = 0; i < sizeof(pics) / sizeof(pics[0]); i++) {
		size_t len;
		char *eml = wrap(argv[1], pics[i].file, &len);
		double cpu[31], wall[31], mp = pics[i].mp;
		unsigned found = 0;
		if (mp == 0) {			/* the picture's own size */
			char *path = g_build_filename(argv[1], pics[i].file, NULL);
			snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'from PIL import Image; "
			    "i = Image.open(\"%s\"); print(i.width * i.height)'", path);
			FILE *p = popen(cmd, "r");
			long px = 0;
			if (!p || fscanf(p, "%ld", &px) != 1)
				px = 0;
			if (p)
				pclose(p);
			mp = (double)px / 1e6;
			g_free(path);
		}
		if (i == 0) {		/* the models, read on first use */
			scan(here, eml, len, &w, &c);
			double c2;
			scan(here, eml, len, &w, &c2);
			printf("first image of a process (reads the models): %.2f s CPU more\n", c - c2);
		}
		for (int k = 0; k < reps; k++)
			found = scan(here, eml, len, &wall[k], &cpu[k]);
		scan(sand, eml, len, &w, &c);	/* the worker's models */
		for (int k = 0; k < reps; k++)
			scan(sand, eml, len, &wall[k], &c);
		double mc = bench_median(cpu, (size_t)reps), mw = bench_median(wall, (size_t)reps);
		printf("%-22s %7.2f %9.3f %9.0f %10.3f %7u\n", pics[i].what, mp, mc, mc * 1000 / mp,
		    mw, found);
		g_free(eml);
	}
	printf("(CPU: this process, OMP_THREAD_LIMIT=1, median of %d; worker: wall time of the "
	    "same scan in a sandboxed worker)\n", reps);
	scan_engine_free(here);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
	return 0;
}
