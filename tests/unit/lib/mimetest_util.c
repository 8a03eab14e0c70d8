/*
 * mimetest_util.c — see mimetest_util.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "detectors/feed.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

struct scan_limits
mt_limits(void)
{
	struct scan_limits l = {
		.spool_memory = 1 << 20,
		.max_message_bytes = 50 << 20,
		.max_depth = 10,
		.max_parts = 500,
		.max_members = 1000,
		.max_member_bytes = 20 << 20,
		.max_expanded_bytes = 100 << 20,
		.max_ratio = 200,
		.max_text_bytes = 4 << 20,
		.max_base64_runs = 16,
		.time_budget_ms = 60000,
		.ocr_max_pixels = 25000000,	/* .ocr off: tests that read images set it */
	};

	return l;
}

struct scan_engine *
mt_engine(const struct scan_limits *lim)
{
	static const char *const internal[] = { "example.go.jp" };
	struct scan_options opt = {
		.internal_domains = internal,
		.n_internal = 1,
		.spool_dir = "/tmp",
		.limits = lim ? *lim : mt_limits(),
	};
	char err[256] = "";
	struct scan_engine *eng = scan_engine_new(&opt, err, sizeof(err));

	if (!eng)
		fail_msg("scan_engine_new: %s", err);
	return eng;
}

struct scan_msg *
mt_scan(const struct scan_engine *eng, const char *text, size_t len, const char *const *rcpt)
{
	struct scan_msg *m = scan_msg_new(eng);
	FILE *fp = fmemopen((void *)text, len ? len : 1, "r");

	assert_non_null(m);
	assert_non_null(fp);
	if (len == 0) {
		fclose(fp);
		fp = fopen("/dev/null", "r");
		assert_non_null(fp);
	}
	assert_int_equal(scan_msg_envfrom(m, "<sender@example.go.jp>"), 0);
	for (size_t i = 0; rcpt && rcpt[i]; i++)
		assert_int_equal(scan_msg_rcpt(m, rcpt[i]), 0);
	assert_int_equal(feed_file(m, fp), 0);
	fclose(fp);
	if (!scan_msg_eom(m))
		fail_msg("scan_msg_eom: %s", scan_msg_error(m));
	return m;
}

struct scan_msg *
mt_scan_str(const struct scan_engine *eng, const char *text)
{
	return mt_scan(eng, text, strlen(text), NULL);
}

const struct scan_result *
mt_result(struct scan_msg *m)
{
	return scan_msg_eom(m);
}

const struct scan_part *
mt_part(const struct scan_result *r, const char *path)
{
	for (size_t i = 0; i < r->nparts; i++)
		if (strcmp(r->parts[i].path, path) == 0)
			return &r->parts[i];
	return NULL;
}

char *
mt_base64(const void *data, size_t len)
{
	gchar *b = g_base64_encode(data, len);
	size_t n = strlen(b);
	char *out = malloc(n + n / 76 * 2 + 3), *p = out;

	for (size_t i = 0; i < n; i += 76) {
		size_t k = n - i < 76 ? n - i : 76;

		memcpy(p, b + i, k);
		p += k;
		*p++ = '\r';
		*p++ = '\n';
	}
	*p = '\0';
	g_free(b);
	return out;
}
