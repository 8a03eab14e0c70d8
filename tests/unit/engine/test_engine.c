/*
 * test_engine.c — whole messages through the scan_msg phases: distinct
 * counts per part and per message, the 49-person list, the time budget,
 * the spool as received, masked samples and JSON, threads sharing one
 * engine, spool failures.
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
#include <glib.h>
#include <jansson.h>

#include "detectors/result_json.h"
#include "detectors/scan.h"
#include "mime/spool.h"
#include "tests/unit/lib/mimetest_util.h"

#define TOP "From: a@example.go.jp\r\nTo: b@example.com\r\nMIME-Version: 1.0\r\n"

/* A CSV of people first..last-1: name, phone, mail. */
static char *
people_csv(int first, int last)
{
	GString *s = g_string_new("name,phone,mail\r\n");

	for (int i = first; i < last; i++)
		g_string_append_printf(s, "Person %d,090-1234-%04d,person%02d@example.com\r\n",
		    i, 1000 + i, i);
	return g_string_free(s, FALSE);
}

/* A message with one text body and the given CSV attachments. */
static char *
message_with(const char *body, char *const *csv, int ncsv)
{
	GString *s = g_string_new(TOP "Subject: list\r\nContent-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n");

	g_string_append_printf(s, "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
	    body);
	for (int i = 0; i < ncsv; i++) {
		char *b64 = mt_base64(csv[i], strlen(csv[i]));

		g_string_append_printf(s, "--b\r\nContent-Type: application/vnd.ms-excel; "
		    "name=\"list%d.csv\"\r\nContent-Disposition: attachment; filename=\"list%d.csv\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n%s", i, i, b64);
		free(b64);
	}
	g_string_append(s, "--b--\r\n");
	return g_string_free(s, FALSE);
}

static void
test_49_people(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	char *csv = people_csv(0, 49), *msg = message_with("Please find the list.", &csv, 1);
	struct scan_msg *m = mt_scan_str(eng, msg);
	const struct scan_result *r = mt_result(m);
	const struct scan_part *p = mt_part(r, "2");
	long c[SC_COUNT];

	assert_int_equal(scan_result_count(r, FT_PHONE), 49);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 49);
	assert_string_equal(p->filename, "list0.csv");
	assert_string_equal(p->declared_type, "application/vnd.ms-excel");
	assert_string_equal(p->extractor, "text");
	assert_int_equal(p->counts[FT_PHONE], 49);
	assert_int_equal(p->counts[FT_EMAIL], 49);
	scan_result_counters(r, c);
	assert_int_equal(c[SC_PHONE], 49);
	assert_int_equal(c[SC_EMAIL], 49);
	assert_int_equal(c[SC_PERSONAL_ITEMS], 98);
	assert_int_equal(c[SC_ATTACHMENTS], 1);
	assert_int_equal(c[SC_UNSCANNED], 0);
	assert_int_equal(c[SC_ENCRYPTED], 0);
	scan_msg_free(m);
	free(msg);
	free(csv);
	scan_engine_free(eng);
}

static void
test_distinct_across_parts(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	char *one = people_csv(0, 1), *halves[2] = { people_csv(0, 25), people_csv(25, 49) };
	char *both[2] = { one, one };
	char *msg = message_with("Person 0: 090-1234-1000, person00@example.com", both, 2);
	struct scan_msg *m = mt_scan_str(eng, msg);
	const struct scan_result *r = mt_result(m);

	/* the same value in three parts: once per part, once for the message */
	for (int i = 1; i <= 3; i++) {
		char path[4];

		snprintf(path, sizeof(path), "%d", i);
		assert_int_equal(mt_part(r, path)->counts[FT_PHONE], 1);
	}
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 1);
	scan_msg_free(m);
	free(msg);

	/* a list split over two attachments adds up */
	msg = message_with("two halves", halves, 2);
	m = mt_scan_str(eng, msg);
	r = mt_result(m);
	assert_int_equal(mt_part(r, "2")->counts[FT_PHONE], 25);
	assert_int_equal(mt_part(r, "3")->counts[FT_PHONE], 24);
	assert_int_equal(scan_result_count(r, FT_PHONE), 49);
	assert_int_equal(scan_result_count(r, FT_EMAIL), 49);
	assert_int_equal(r->attachments, 2);
	scan_msg_free(m);
	free(msg);
	free(one);
	free(halves[0]);
	free(halves[1]);
	scan_engine_free(eng);
}

static void
test_time_budget(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *eng;
	struct scan_msg *m;
	const struct scan_result *r;
	GString *big = g_string_new(TOP "Subject: slow\r\nContent-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n");

	for (int i = 0; i < 20; i++) {
		g_string_append(big, "--b\r\nContent-Type: text/plain\r\n\r\n");
		for (int k = 0; k < 10000; k++)
			g_string_append_printf(big, "line %d of part %d: 03-%04d-%04d\r\n", k, i,
			    i, k);
	}
	g_string_append(big, "--b--\r\n");

	lim.time_budget_ms = 0;		/* spent before it starts */
	eng = mt_engine(&lim);
	m = mt_scan(eng, big->str, big->len, NULL);
	r = mt_result(m);
	assert_int_equal(r->nparts, 21);
	for (size_t i = 0; i < r->nparts; i++)
		assert_string_equal(r->parts[i].unscanned, "time budget exceeded");
	assert_int_equal(r->unscanned, 21);
	assert_string_equal(r->error, "time budget exceeded");
	assert_int_equal(scan_result_count(r, FT_PHONE), 0);
	scan_msg_free(m);
	scan_engine_free(eng);

	lim.time_budget_ms = 1;		/* spent long before the last part */
	eng = mt_engine(&lim);
	m = mt_scan(eng, big->str, big->len, NULL);
	r = mt_result(m);
	assert_int_equal(r->nparts, 21);
	assert_string_equal(mt_part(r, "20")->unscanned, "time budget exceeded");
	assert_string_equal(r->error, "time budget exceeded");
	scan_msg_free(m);
	scan_engine_free(eng);
	g_string_free(big, TRUE);
}

/* Headers reach the spool as "Name: value\r\n", bare "\n" folds made
 * "\r\n"; the body as given; the result is the same from memory or file. */
static void
test_phases_and_spool(void **state)
{
	struct scan_limits lim = mt_limits();
	const char *want = "Subject: =?UTF-8?Q?a?=\r\n\tfolded 090-4321-8765\r\n"
	    "To: x@partner.co.jp,\r\n y@example.go.jp\r\n\r\nbody 03-3333-4444\r\n";
	const char *body = "body 03-3333-4444\r\n";
	size_t len;
	for (int file = 0; file < 2; file++) {
		struct scan_engine *eng;
		struct scan_msg *m;
		const struct scan_result *r;
		struct spool *sp;

		lim.spool_memory = file ? 16 : 1 << 20;
		eng = mt_engine(&lim);
		m = scan_msg_new(eng);
		assert_int_equal(scan_msg_envfrom(m, "<>"), 0);
		assert_int_equal(scan_msg_rcpt(m, "<x@partner.co.jp>"), 0);
		assert_int_equal(scan_msg_header(m, "Subject", "=?UTF-8?Q?a?=\n\tfolded 090-4321-8765"),
		    0);
		assert_int_equal(scan_msg_header(m, "To", "x@partner.co.jp,\r\n y@example.go.jp"), 0);
		assert_int_equal(scan_msg_eoh(m), 0);
		for (const char *p = body; *p; p++)	/* byte by byte */
			assert_int_equal(scan_msg_body(m, p, 1), 0);
		r = scan_msg_eom(m);
		assert_non_null(r);
		assert_ptr_equal(scan_msg_eom(m), r);	/* once only */
		sp = scan_msg_spool(m);
		len = spool_size(sp);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(spool_data(sp), want, len);
		assert_int_equal(spool_in_memory(sp), !file);
		assert_string_equal(r->sender, "");
		assert_string_equal(r->subject, "a folded 090-4321-8765");
		assert_int_equal(scan_result_count(r, FT_PHONE), 2);
		assert_int_equal(r->rcpt.recipients, 1);
		assert_int_equal(r->rcpt.external_visible, 1);
		scan_msg_free(m);
		scan_engine_free(eng);
	}
}

static void
test_samples_and_json(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	char *csv = people_csv(0, 5), *msg = message_with("see list", &csv, 1);
	struct scan_msg *m = mt_scan_str(eng, msg);
	const struct scan_result *r = mt_result(m);
	char samples[3][64];
	json_t *f, *fs, *parts, *rc;
	char *dump;

	assert_int_equal(scan_result_samples(r, FT_PHONE, samples, 3), 3);
	for (int i = 0; i < 3; i++) {
		assert_non_null(strchr(samples[i], '*'));
		assert_null(strstr(samples[i], "1234-100"));	/* never the whole value */
	}
	assert_int_equal(scan_result_samples(r, FT_MY_NUMBER, samples, 3), 0);

	f = result_json_findings(r);
	assert_int_equal(json_object_size(f), FT_COUNT);
	assert_int_equal(json_integer_value(json_object_get(f, "phone")), 5);
	assert_int_equal(json_integer_value(json_object_get(f, "my_number")), 0);
	fs = result_json_findings_samples(r, 2);
	assert_int_equal(json_object_size(fs), 2);	/* types found only */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(fs, "email"), "count")),
	    5);
	/* person00@ … person04@example.com all read p***@example.com: one sample */
	assert_int_equal(json_array_size(json_object_get(json_object_get(fs, "email"), "samples")),
	    1);
	assert_int_equal(scan_result_samples(r, FT_EMAIL, samples, 3), 1);
	assert_string_equal(samples[0], "p***@example.com");
	parts = result_json_parts(r);
	assert_int_equal(json_array_size(parts), r->nparts);
	assert_string_equal(json_string_value(json_object_get(json_array_get(parts, 2), "filename")),
	    "list0.csv");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_array_get(parts, 2), "findings"), "phone")), 5);
	assert_true(json_is_null(json_object_get(json_array_get(parts, 2), "unscanned")));
	rc = result_json_recipients(r);
	assert_int_equal(json_integer_value(json_object_get(rc, "external_visible")), 1);
	/* nothing in full leaves the process */
	dump = json_dumps(fs, 0);
	assert_null(strstr(dump, "090-1234-1000"));
	assert_null(strstr(dump, "09012341000"));
	assert_null(strstr(dump, "person00@example.com"));
	free(dump);
	json_decref(f);
	json_decref(fs);
	json_decref(parts);
	json_decref(rc);
	scan_msg_free(m);
	free(msg);
	free(csv);
	scan_engine_free(eng);
}

struct worker {
	const struct scan_engine *eng;
	const char *msg;
	int ok;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 20; i++) {
		struct scan_msg *m = mt_scan_str(w->eng, w->msg);
		const struct scan_result *r = mt_result(m);

		w->ok += scan_result_count(r, FT_PHONE) == 49 &&
		    scan_result_count(r, FT_EMAIL) == 49 && r->unscanned == 0;
		scan_msg_free(m);
	}
	return NULL;
}

/* One engine shared by threads: libmagic per thread, results per message. */
static void
test_threads(void **state)
{
	struct scan_engine *eng = mt_engine(NULL);
	char *csv = people_csv(0, 49), *msg = message_with("threads", &csv, 1);
	struct worker w[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ eng, msg, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].ok, 20);
	}
	free(msg);
	free(csv);
	scan_engine_free(eng);
}

static void
test_spool_failure(void **state)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = { .internal_domains = internal, .n_internal = 1,
	    .spool_dir = "/proc/no/such/dir", .limits = mt_limits() };
	char err[128], body[64] = { 0 };
	struct scan_engine *eng;
	struct scan_msg *m;

	opt.limits.spool_memory = 32;
	eng = scan_engine_new(&opt, err, sizeof(err));
	assert_non_null(eng);
	m = scan_msg_new(eng);
	assert_int_equal(scan_msg_header(m, "Subject", "x"), 0);
	assert_int_equal(scan_msg_body(m, body, sizeof(body)), -1);
	assert_non_null(strstr(scan_msg_error(m), "spool"));
	scan_msg_free(m);
	scan_engine_free(eng);
	scan_engine_free(NULL);
	scan_msg_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_49_people),
		cmocka_unit_test(test_distinct_across_parts),
		cmocka_unit_test(test_time_budget),
		cmocka_unit_test(test_phases_and_spool),
		cmocka_unit_test(test_samples_and_json),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_spool_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
