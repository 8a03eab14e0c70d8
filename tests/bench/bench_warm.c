/*
 * bench_warm.c — the CPU one message costs a process that has scanned
 * before: what the daemon and a long-lived worker pay per message.
 *
 *   build/bench/bench_warm CONF REPS FILE.eml ...
 *
 * floors.py's "dlpctl adds" is a cold figure: a fresh `dlpctl scan`
 * process of the mail less one of the 4 KB mail.  Beside the work of the
 * scan it pays what a fresh process pays the first time a kind of part
 * is read: the pages of the code and of MeCab's dictionary that the part
 * touches, the heap it grows, the lazy binding of the libraries' symbols,
 * cold caches.  A worker pays these once in [limits] worker_jobs messages,
 * the daemon once.  This program builds the engine from CONF as `dlpctl
 * scan` does, holds every FILE in memory, scans each once to warm up and
 * then REPS times, and prints for each FILE one line:
 *
 *   FILE MILLISECONDS
 *
 * the median of the thread's CPU time of one scan_msg_* pass (envelope,
 * headers, body, end of message: spool, MIME, decoding, libmagic,
 * extraction, detectors).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "config/conf.h"
#include "detectors/feed.h"
#include "detectors/scan.h"
#include "bench_clock.h"

/* One scan of the message in buf; seconds, or -1 on an error. */
static double
scan_once(const struct scan_engine *eng, char *buf, size_t len)
{
	struct scan_msg *m = scan_msg_new(eng);
	FILE *fp = fmemopen(buf, len, "r");
	double t = bench_seconds(CLOCK_THREAD_CPUTIME_ID);
	int bad = m == NULL || fp == NULL;

	bad = bad || scan_msg_envfrom(m, "kakari@example.go.jp") < 0;
	bad = bad || scan_msg_rcpt(m, "a@partner.example.com") < 0;
	bad = bad || feed_file(m, fp) < 0 || scan_msg_eom(m) == NULL;
	t = bench_seconds(CLOCK_THREAD_CPUTIME_ID) - t;
	if (fp)
		fclose(fp);
	scan_msg_free(m);
	return bad ? -1 : t;
}

int
main(int argc, char **argv)
{
	struct scan_options opt;
	struct scan_engine *eng;
	struct conf *cf;
	char err[4096];
	const char *tmp = getenv("TMPDIR");
	int reps = argc > 2 ? atoi(argv[2]) : 0;

	if (argc < 4 || reps < 1) {
		fprintf(stderr, "usage: bench_warm CONF REPS FILE.eml ...\n");
		return 1;
	}
	if ((cf = conf_load(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_warm: %s", err);
		return 1;
	}
	conf_scan_options(cf, &opt);
	opt.spool_dir = tmp && *tmp ? tmp : "/tmp";
	if ((eng = scan_engine_new(&opt, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_warm: %s\n", err);
		return 1;
	}
	double *t = calloc((size_t)reps, sizeof(*t));
	int status = t == NULL;

	for (int f = 3; f < argc && status == 0; f++) {
		gchar *buf;
		gsize len;

		if (!g_file_get_contents(argv[f], &buf, &len, NULL)) {
			fprintf(stderr, "bench_warm: cannot read %s\n", argv[f]);
			status = 1;
			break;
		}
		bool bad = scan_once(eng, buf, len) < 0;	/* the warm-up */
		for (int i = 0; i < reps && !bad; i++)
			bad = (t[i] = scan_once(eng, buf, len)) < 0;
		g_free(buf);
		if (bad) {
			fprintf(stderr, "bench_warm: %s: the scan failed\n", argv[f]);
			status = 1;
			break;
		}
		printf("%s %.3f\n", argv[f], bench_median(t, (size_t)reps) * 1e3);
		fflush(stdout);
	}
	free(t);
	scan_engine_free(eng);
	conf_unref(cf);
	return status;
}
