/*
 * bench_series.c — the counters across messages' figures of `make bench`
 * (register.h reg_series_*), for one location (a SQLite file or a
 * postgresql:// URL; tests/bench/register.sh runs it on both):
 *
 *   build/bench/bench_series LOCATION [PASSWORD_FILE]
 *
 *   fill      the series table filled to max_rows (200,000 rows: messages
 *             of 9 external recipients and 2 keys from 500 senders, each
 *             write with its pruning and its cap), messages/s
 *   message   what the daemon does for an external message once the table
 *             is full: open, count (before the policy), record (after),
 *             close; 9 recipients, 2 keys; median and slowest of 500, ms
 *   cap       the rows left (never above max_rows)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "register/register.h"
#include "bench_clock.h"

#define MAX_ROWS 200000
#define EACH 9
#define RUNS 500

static double now_s(void)
{
	return bench_seconds(CLOCK_MONOTONIC);
}

static void make(struct reg_series_msg *m, char rb[EACH][64], const char **rc, char *sender,
    char *id, const char **keys, char kb[2][96], long i, time_t t)
{
	snprintf(sender, 64, "user%ld@example.go.jp", i % 500);
	snprintf(id, 64, "<m%ld@example.go.jp>", i);
	snprintf(kb[0], 96, "a:%064lx", i / 16);
	snprintf(kb[1], 96, "s:資料送付 %ld", i / 16);
	keys[0] = kb[0];
	keys[1] = kb[1];
	for (int r = 0; r < EACH; r++) {
		snprintf(rb[r], 64, "p%ld@org%ld.example.org", i * EACH + r, i % 97);
		rc[r] = rb[r];
	}
	memset(m, 0, sizeof(*m));
	m->sender = sender;
	m->keys = keys;
	m->nkeys = 2;
	m->rcpts = rc;
	m->nrcpts = EACH;
	m->msg = id;
	m->bytes = 20000;
	m->now = t;
	m->window = 7200;
	m->max_rows = MAX_ROWS;
}

int main(int argc, char **argv)
{
	const char *loc = argc > 1 ? argv[1] : NULL, *pw = argc > 2 && *argv[2] ? argv[2] : NULL;
	char rb[EACH][64], sender[64], id[64], kb[2][96], err[512] = "";
	const char *rc[EACH], *keys[2];
	struct reg_series_msg m;
	struct reg_series_counts c;
	double t0, d[RUNS];
	long long rows = 0;
	struct reg *rg;
	time_t t = time(NULL);
	long i, fill = MAX_ROWS / (EACH * 2) + 100;

	if (!loc) {
		fprintf(stderr, "usage: bench_series LOCATION [PASSWORD_FILE]\n");
		return 2;
	}
	if (!(rg = reg_connect(loc, pw, REG_RW, err, sizeof(err)))) {
		fprintf(stderr, "bench_series: %s\n", err);
		return 1;
	}
	t0 = now_s();
	for (i = 0; i < fill; i++) {
		make(&m, rb, rc, sender, id, keys, kb, i, t - 3600 + i * 3600 / fill);
		if (reg_series_add(rg, &m, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_series: %s\n", err);
			return 1;
		}
	}
	printf("  series fill to %d rows: %.0f messages/s (%ld messages)\n", MAX_ROWS,
	    fill / (now_s() - t0), fill);
	reg_close(rg);
	for (int r = 0; r < RUNS; r++, i++) {
		double s = now_s();

		make(&m, rb, rc, sender, id, keys, kb, i, t);
		if (!(rg = reg_connect(loc, pw, REG_RW, err, sizeof(err))) ||
		    reg_series_count(rg, &m, &c, err, sizeof(err)) != 0 ||
		    reg_series_add(rg, &m, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_series: %s\n", err);
			return 1;
		}
		reg_close(rg);
		d[r] = (now_s() - s) * 1000;
	}
	double med = bench_median(d, RUNS);	/* d sorted: d[RUNS - 1] the slowest */
	printf("  series per external message (open, count, record, close) at %d rows:"
	    " median %.2f ms, slowest %.2f ms\n", MAX_ROWS, med, d[RUNS - 1]);
	rg = reg_connect(loc, pw, REG_RW, err, sizeof(err));
	if (rg && reg_count(rg, "series", &rows, err, sizeof(err)) == 0)
		printf("  series rows after %ld messages: %lld (max_rows %d)\n", i, rows, MAX_ROWS);
	reg_close(rg);
	return rows <= MAX_ROWS ? 0 : 1;
}
