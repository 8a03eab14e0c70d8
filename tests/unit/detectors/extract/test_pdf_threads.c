/*
 * test_pdf_threads.c — PDF reading without a process-wide lock (pdf.c):
 * two different PDFs scanned in two threads at the same moment, many
 * times over, give exactly what each gives when scanned alone (every part,
 * its extractor, reason and counts, and every distinct value in order),
 * and embedded PDFs read inside a PDF in one thread while another thread
 * reads a third.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detectors/scan.h"
#include "detect/valueset.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"

#define ROUNDS 12

static struct df_fixture fx;

static int
setup(void **state)
{
	return df_fixture_setup(state, &fx, "pdf", "application/pdf");
}

/* Everything a scan of file found, as one malloc'd string. */
static char *
signature(const char *file)
{
	struct scan_msg *m = df_scan_file(&fx, file);
	const struct scan_result *r = mt_result(m);
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	for (size_t i = 0; i < r->nparts; i++) {
		const struct scan_part *p = &r->parts[i];
		fprintf(f, "%s|%s|%s|%s|%d", p->path, p->extractor ? p->extractor : "-",
		    p->detected_type ? p->detected_type : "-",
		    p->unscanned ? p->unscanned : "-", p->encrypted);
		for (int t = 0; t < FT_COUNT; t++)
			fprintf(f, " %u", p->counts[t]);
		fputc('\n', f);
	}
	for (int t = 0; t < FT_COUNT; t++)
		for (size_t i = 0; r->values[t] && i < valueset_count(r->values[t]); i++)
			fprintf(f, "%d=%s\n", t, valueset_get(r->values[t], i));
	fprintf(f, "unscanned %u encrypted %u\n", r->unscanned, r->encrypted);
	fclose(f);
	scan_msg_free(m);
	return s;
}

struct job {
	const char *file;
	const char *want;		/* the serial signature */
	pthread_barrier_t *start;
	int same;			/* rounds that gave want */
};

static void *
run(void *arg)
{
	struct job *j = arg;

	pthread_barrier_wait(j->start);
	for (int i = 0; i < ROUNDS; i++) {
		char *got = signature(j->file);
		j->same += strcmp(got, j->want) == 0;
		free(got);
	}
	return NULL;
}

/* Scan files[0..n) serially, then each in its own thread at once. */
static void
concurrent_equals_serial(const char *const *files, size_t n)
{
	pthread_t th[4];
	struct job job[4];
	char *want[4];
	pthread_barrier_t start;

	assert_true(n <= 4);
	for (size_t i = 0; i < n; i++) {
		want[i] = signature(files[i]);
		assert_non_null(strstr(want[i], "|pdf|"));
	}
	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (size_t i = 0; i < n; i++) {
		job[i] = (struct job){ files[i], want[i], &start, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, run, &job[i]), 0);
	}
	for (size_t i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(job[i].same, ROUNDS);
		free(want[i]);
	}
	pthread_barrier_destroy(&start);
}

/* Two PDFs with Japanese text in an embedded font, in two threads. */
static void
test_two_pdfs_two_threads(void **state)
{
	static const char *const files[] = { "people.pdf", "people_table.pdf" };

	concurrent_equals_serial(files, 2);
}

/* A PDF carrying a PDF, a broken one rebuilt by poppler and an encrypted
 * one, in three threads. */
static void
test_nested_broken_encrypted(void **state)
{
	static const char *const files[] = { "people_attach.pdf", "people_brokenxref.pdf",
	    "people_enc.pdf" };

	concurrent_equals_serial(files, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_pdfs_two_threads),
		cmocka_unit_test(test_nested_broken_encrypted),
	};

	return cmocka_run_group_tests(tests, setup, df_fixture_teardown);
}
