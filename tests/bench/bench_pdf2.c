/*
 * bench_pdf2.c — two PDF messages in two sessions against one: the wall
 * time of scanning DIR/c.eml (the MTA benchmark's message c, a 1.5 MB PDF
 * with figures) and a mail carrying DIR/text.pdf (2 MB of text pages)
 * alone, then two at once in two threads, each way the engine can read
 * them: in the calling threads (no lock since issue 13) and in a pool of
 * two sandboxed workers (as the daemon does).  The ratio
 * (two at once) / (two one after the other) is the figure: 0.5 is perfect
 * use of two cores, 1.0 no gain.  Median of REPS runs.  This binary is its
 * own worker program.
 *
 *   bench_pdf2 MAILDIR [REPS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "detectors/feed.h"
#include "detectors/scan.h"
#include "sandbox/sandbox.h"
#include "bench_clock.h"

struct run {
	const struct scan_engine *eng;
	const char *eml;		/* the whole message */
	size_t len;
	unsigned pdf_emails;		/* emails found, to check the scan read it */
};

static void *
scan_one(void *arg)
{
	struct run *r = arg;
	struct scan_msg *m = scan_msg_new(r->eng);
	FILE *fp = fmemopen((void *)r->eml, r->len, "r");
	const struct scan_result *res;

	if (!m || !fp || feed_file(m, fp) < 0 || !(res = scan_msg_eom(m))) {
		fprintf(stderr, "bench_pdf2: cannot scan a message\n");
		exit(1);
	}
	r->pdf_emails = (unsigned)scan_result_count(res, FT_EMAIL) + res->unscanned * 1000;
	fclose(fp);
	scan_msg_free(m);
	return NULL;
}

/* Median wall seconds of n sessions of path at once. */
static double
sessions(const struct scan_engine *eng, const char *eml, size_t len, int n, int reps,
    unsigned *found)
{
	double t[32];
	pthread_t th[2];
	struct run r[2];

	for (int k = 0; k < reps; k++) {
		double t0 = bench_seconds(CLOCK_MONOTONIC);
		for (int i = 0; i < n; i++) {
			r[i] = (struct run){ eng, eml, len, 0 };
			pthread_create(&th[i], NULL, scan_one, &r[i]);
		}
		for (int i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		t[k] = bench_seconds(CLOCK_MONOTONIC) - t0;
		*found = r[0].pdf_emails;
	}
	return bench_median(t, (size_t)reps);
}

static struct scan_engine *
engine(struct sandbox_pool *pool)
{
	struct scan_options opt = { .spool_dir = "/tmp", .sandbox = pool, .limits = {
		.spool_memory = 64 << 20, .max_message_bytes = 1u << 30, .max_depth = 8,
		.max_parts = 1000, .max_members = 1000, .max_member_bytes = 256u << 20,
		.max_expanded_bytes = 1u << 30, .max_ratio = 1000, .max_text_bytes = 64u << 20,
		.time_budget_ms = 600000 } };
	char err[256];
	struct scan_engine *eng = scan_engine_new(&opt, err, sizeof(err));

	if (!eng) {
		fprintf(stderr, "bench_pdf2: %s\n", err);
		exit(1);
	}
	return eng;
}

/* The bytes of path (malloc'd), or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	gchar *data = NULL;
	gsize n = 0;

	if (!g_file_get_contents(path, &data, &n, NULL))
		return NULL;
	*len = n;
	return data;
}

/* A mail carrying the file at path as a base64 attachment, or NULL. */
static char *
wrap(const char *path, size_t *len)
{
	size_t n;
	char *data = slurp(path, &n), *b64, *eml;

	if (!data)
		return NULL;
	b64 = g_base64_encode((const guchar *)data, n);
	eml = g_strdup_printf("From: kakari@example.go.jp\r\nTo: a@partner.example.com\r\n"
	    "Subject: bench\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
	    "Content-Type: text/plain\r\n\r\nfile\r\n--b\r\n"
	    "Content-Type: application/pdf\r\nContent-Disposition: attachment; "
	    "filename=\"text.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n"
	    "--b--\r\n", b64);
	g_free(b64);
	g_free(data);
	*len = strlen(eml);
	return eml;
}

int
main(int argc, char **argv)
{
	static const char *const mails[] = { "c.eml", "text.pdf", NULL };
	struct sandbox_config cfg = { "/proc/self/exe", 2, 1000, 1ULL << 30, 600000 };
	struct sandbox_pool *pool;
	struct scan_engine *here, *sand;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	char err[256], path[4096];

	if (argc > 1 && strcmp(argv[1], SANDBOX_WORKER_ARG) == 0)
		sandbox_worker_main(argc - 2, argv + 2);
	if (argc < 2 || reps < 1 || reps > 31) {
		fprintf(stderr, "usage: bench_pdf2 MAILDIR [REPS]\n");
		return 2;
	}
	if (!(pool = sandbox_pool_new(&cfg, err, sizeof(err))) ||
	    sandbox_pool_start(pool, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_pdf2: %s\n", err);
		return 1;
	}
	here = engine(NULL);
	sand = engine(pool);
	printf("%-14s %-10s %9s %9s %7s  %s\n", "message", "read in", "1 alone", "2 at once",
	    "ratio", "(2 at once / 2 one after the other; target <= 0.60)");
	for (size_t i = 0; mails[i]; i++) {
		size_t len = 0;
		char *eml;

		snprintf(path, sizeof(path), "%s/%s", argv[1], mails[i]);
		eml = strstr(mails[i], ".eml") ? slurp(path, &len) : wrap(path, &len);
		if (!eml)
			continue;
		for (int w = 0; w < 2; w++) {
			unsigned f1, f2;
			const struct scan_engine *eng = w ? sand : here;
			double one = sessions(eng, eml, len, 1, reps, &f1);
			double two = sessions(eng, eml, len, 2, reps, &f2);
			printf("%-14s %-10s %7.0f ms %7.0f ms %7.2f%s\n", mails[i],
			    w ? "2 workers" : "threads", one * 1e3, two * 1e3, two / (2 * one),
			    f1 == f2 ? "" : "  (results differ!)");
		}
		g_free(eml);
	}
	scan_engine_free(here);
	scan_engine_free(sand);
	sandbox_pool_free(pool);
	return 0;
}
