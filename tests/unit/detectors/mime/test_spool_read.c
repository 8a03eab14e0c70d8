/*
 * test_spool_read.c — a message the spool put in a temp file is read from
 * the file (mime_walk_spool), not mapped: the same parts, types, extractors
 * and findings as from memory, and no mapping of the file afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cmocka.h>
#include <glib.h>

#include "detectors/scan.h"
#include "mime/spool.h"
#include "tests/unit/lib/mimetest_util.h"

#define CSV "name,phone,mail\r\nyamada,090-1234-5678,a@example.jp\r\n" \
	"sato,03-1234-5678,b@example.jp\r\n"

/* A message with a text part, a base64 CSV, a forwarded message and, in a
 * nested multipart, an HTML part: about 300 KB with the padding. */
static char *
message(void)
{
	char *csv = mt_base64(CSV, strlen(CSV));
	GString *pad = g_string_new(NULL);
	char *msg;

	for (int i = 0; i < 4000; i++)
		g_string_append(pad, "padding line of the report without any number at all\r\n");
	msg = g_strdup_printf("From: a@example.go.jp\r\nTo: b@example.com, c@example.org\r\n"
	    "Subject: list 045-111-2222\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n"
	    "--o\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "call 090-9999-0000\r\n%s\r\n"
	    "--o\r\nContent-Type: application/octet-stream; name=\"l.csv\"\r\n"
	    "Content-Disposition: attachment; filename=\"l.csv\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s"
	    "--o\r\nContent-Type: message/rfc822\r\n\r\n"
	    "From: x@example.jp\r\nSubject: fwd\r\n\r\nmail me: fwd@example.net\r\n"
	    "--o\r\nContent-Type: multipart/alternative; boundary=\"i\"\r\n\r\n"
	    "--i\r\nContent-Type: text/html\r\n\r\n<p>TEL &#48;3-5555-6666</p>\r\n"
	    "--i--\r\n--o--\r\n", pad->str, csv);
	g_string_free(pad, TRUE);
	free(csv);
	return msg;
}

static struct scan_msg *
scan_with(struct scan_engine **e, size_t spool_memory, const char *msg)
{
	struct scan_limits lim = mt_limits();

	lim.spool_memory = spool_memory;
	*e = mt_engine(&lim);
	return mt_scan(*e, msg, strlen(msg), NULL);
}

static void
test_file_equals_memory(void **state)
{
	char *msg = message();
	struct scan_engine *em, *ef;
	struct scan_msg *mm = scan_with(&em, 1 << 20, msg), *mf = scan_with(&ef, 4096, msg);
	const struct scan_result *a = mt_result(mm), *b = mt_result(mf);

	assert_true(spool_in_memory(scan_msg_spool(mm)));
	assert_false(spool_in_memory(scan_msg_spool(mf)));
	assert_int_equal(a->nparts, b->nparts);
	assert_true(a->nparts >= 6);
	for (size_t i = 0; i < a->nparts; i++) {
		const struct scan_part *p = &a->parts[i], *q = &b->parts[i];

		assert_string_equal(p->path, q->path);
		assert_int_equal(p->size, q->size);
		assert_string_equal(p->extractor ? p->extractor : "-", q->extractor ? q->extractor : "-");
		assert_string_equal(p->detected_type ? p->detected_type : "-",
		    q->detected_type ? q->detected_type : "-");
		assert_memory_equal(p->counts, q->counts, sizeof(p->counts));
	}
	for (int t = 0; t < FT_COUNT; t++)
		assert_int_equal(scan_result_count(a, t), scan_result_count(b, t));
	assert_int_equal(scan_result_count(b, FT_PHONE), 5);	/* subject, body, csv x2, html */
	assert_int_equal(scan_result_count(b, FT_EMAIL), 4);	/* csv x2, forwarded From and body */
	assert_string_equal(b->subject, "list 045-111-2222");
	assert_int_equal(b->rcpt.external_visible, 2);
	assert_int_equal(b->unscanned, 0);
	scan_msg_free(mm);
	scan_msg_free(mf);
	scan_engine_free(em);
	scan_engine_free(ef);
	g_free(msg);
}

/* True when /proc/self/maps maps the file of fd. */
static int
mapped(int fd)
{
	struct stat sb;
	char line[1024];
	FILE *fp = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(fp);
	assert_int_equal(fstat(fd, &sb), 0);
	while (fgets(line, sizeof(line), fp)) {
		unsigned maj, mn;
		unsigned long ino;

		if (sscanf(line, "%*s %*s %*s %x:%x %lu", &maj, &mn, &ino) == 3 && ino == sb.st_ino &&
		    makedev(maj, mn) == sb.st_dev)
			found = 1;
	}
	fclose(fp);
	return found;
}

static void
test_file_not_mapped(void **state)
{
	char *msg = message();
	struct scan_engine *e;
	struct scan_msg *m = scan_with(&e, 4096, msg);
	struct spool *sp = scan_msg_spool(m);

	assert_int_equal(scan_result_count(mt_result(m), FT_PHONE), 5);
	assert_true(spool_fd(sp) >= 0);
	assert_false(mapped(spool_fd(sp)));
	/* spool_data still maps it for a caller that asks: the check sees it */
	assert_non_null(spool_data(sp));
	assert_true(mapped(spool_fd(sp)));
	scan_msg_free(m);
	scan_engine_free(e);
	g_free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_equals_memory),
		cmocka_unit_test(test_file_not_mapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
