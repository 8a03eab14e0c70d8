/*
 * zipx_util.c — see zipx_util.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "extract/extract.h"
#include "mime/walk.h"
#include "detectors/scan.h"
#include "text/textscan.h"
#include "detect/valueset.h"
#include "tests/unit/lib/mimetest_util.h"
#include "tests/unit/lib/zipx_util.h"

static char zt_dir[64];

/* Path of make_office.py: from the repository root (make check), else
 * beside the binary (build/tests/ → ../../tests/fixtures). */
static void
script_path(char *out, size_t outlen)
{
	char exe[4096];
	ssize_t n;
	char *slash;

	snprintf(out, outlen, "tests/fixtures/make_office.py");
	if (access(out, R_OK) == 0)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	snprintf(out, outlen, "%s/../../tests/fixtures/make_office.py", exe);
}

const char *
zt_generate(const char *args)
{
	char script[4200], cmd[8600];

	if (zt_dir[0] == '\0') {
		snprintf(zt_dir, sizeof(zt_dir), "/tmp/zipx-fixtures-XXXXXX");
		if (mkdtemp(zt_dir) == NULL)
			fail_msg("mkdtemp failed");
	}
	script_path(script, sizeof(script));
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s", script, zt_dir, args ? args : "");
	if (system(cmd) != 0)
		fail_msg("fixture generator failed: %s", cmd);
	return zt_dir;
}

const char *
zt_fixtures(void)
{
	static bool done;

	if (!done) {
		zt_generate("");
		done = true;
	}
	return zt_dir;
}

void
zt_fixtures_free(void)
{
	char cmd[128];

	if (zt_dir[0] == '\0' || strncmp(zt_dir, "/tmp/zipx-fixtures-", 19) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", zt_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", zt_dir);
	zt_dir[0] = '\0';
}

int
zt_setup(void **state)
{
	zt_fixtures();
	return 0;
}

int
zt_teardown(void **state)
{
	zt_fixtures_free();
	return 0;
}

unsigned char *
zt_load(const char *name, size_t *len)
{
	char path[512];
	FILE *fp;
	long n;
	unsigned char *buf;

	snprintf(path, sizeof(path), "%s/%s", zt_fixtures(), name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("no fixture %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Append s to the growing message. */
static void
cat(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 4096;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

char *
zt_message(const char *body, const struct zt_att *att, size_t n, size_t *len)
{
	char *buf = NULL, hdr[512];
	size_t l = 0, cap = 0;

	cat(&buf, &l, &cap, "From: sender@example.go.jp\r\nTo: colleague@example.go.jp\r\n"
	    "Subject: zipx test\r\nMessage-ID: <zipx@example.go.jp>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"zt-boundary\"\r\n\r\n"
	    "--zt-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	cat(&buf, &l, &cap, body);
	cat(&buf, &l, &cap, "\r\n");
	for (size_t i = 0; i < n; i++) {
		char *b64 = mt_base64(att[i].data, att[i].len);

		snprintf(hdr, sizeof(hdr), "--zt-boundary\r\nContent-Type: %s; name=\"%s\"\r\n"
		    "Content-Disposition: attachment; filename=\"%s\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n", att[i].type, att[i].filename,
		    att[i].filename);
		cat(&buf, &l, &cap, hdr);
		cat(&buf, &l, &cap, b64);
		free(b64);
	}
	cat(&buf, &l, &cap, "--zt-boundary--\r\n");
	*len = l;
	return buf;
}

struct scan_msg *
zt_scan_bytes(struct scan_engine **eng, const struct scan_limits *lim, const char *body,
    const unsigned char *data, size_t len, const char *filename, const char *type)
{
	struct zt_att a = { filename, type ? type : "application/octet-stream", data, len };
	struct scan_msg *m;
	size_t mlen;
	char *msg = zt_message(body, &a, 1, &mlen);

	*eng = mt_engine(lim);
	m = mt_scan(*eng, msg, mlen, NULL);
	free(msg);
	return m;
}

struct scan_msg *
zt_scan_fixture(struct scan_engine **eng, const struct scan_limits *lim, const char *body,
    const char *fixture, const char *filename, const char *type)
{
	size_t len;
	unsigned char *data = zt_load(fixture, &len);
	struct scan_msg *m = zt_scan_bytes(eng, lim, body, data, len,
	    filename ? filename : fixture, type);

	free(data);
	return m;
}

const struct scan_part *
zt_part(const struct scan_result *r, const char *suffix)
{
	size_t n = strlen(suffix);

	for (size_t i = 0; i < r->nparts; i++) {
		size_t pl = strlen(r->parts[i].path);

		if (pl >= n && strcmp(r->parts[i].path + pl - n, suffix) == 0)
			return &r->parts[i];
	}
	return NULL;
}

void
zt_expect_read(const struct scan_result *r, const char *detected, const char *extractor,
    unsigned emails, unsigned phones)
{
	const struct scan_part *p = mt_part(r, "2");

	zt_dump(r);
	assert_non_null(p);
	assert_string_equal(p->detected_type, detected);
	assert_string_equal(p->extractor, extractor);
	assert_null(p->unscanned);
	assert_false(p->encrypted);
	assert_int_equal(p->counts[FT_EMAIL], emails);
	assert_int_equal(p->counts[FT_PHONE], phones);
	assert_int_equal(scan_result_count(r, FT_EMAIL), emails);
	assert_int_equal(scan_result_count(r, FT_PHONE), phones);
	assert_int_equal(r->unscanned, 0);
}

void
zt_expect_broken(const char *body, const char *const *files, const char *alt)
{
	for (size_t i = 0; files[i] != NULL; i++) {
		struct scan_engine *eng;
		struct scan_msg *m = zt_scan_fixture(&eng, NULL, body, files[i], NULL, NULL);
		const struct scan_result *r = mt_result(m);
		const struct scan_part *p = mt_part(r, "2");

		zt_dump(r);
		assert_non_null(p->unscanned);
		assert_true(strstr(p->unscanned, "corrupt") != NULL ||
		    (alt != NULL && strstr(p->unscanned, alt) != NULL));
		assert_int_equal(mt_part(r, "1")->counts[FT_EMAIL], 1);
		assert_true(scan_result_count(r, FT_EMAIL) >= 1);
		scan_msg_free(m);
		scan_engine_free(eng);
	}
}

size_t
zt_unscanned_with(const struct scan_result *r, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nparts; i++)
		n += r->parts[i].unscanned && strstr(r->parts[i].unscanned, needle);
	return n;
}

unsigned char *
zt_zip_build(const char *const *names, const char *const *datas, const bool *aes, size_t n,
    size_t *len)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_stat_t st;
	unsigned char *out;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	assert_non_null(src);
	zip_source_keep(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(za);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(za, datas[i], strlen(datas[i]), 0);
		zip_int64_t idx;

		assert_non_null(s);
		idx = zip_file_add(za, names[i], s, ZIP_FL_ENC_GUESS);
		assert_true(idx >= 0);
		if (aes && aes[i])
			assert_int_equal(zip_file_set_encryption(za, (zip_uint64_t)idx,
			    ZIP_EM_AES_256, "secret"), 0);
	}
	assert_int_equal(zip_close(za), 0);
	assert_int_equal(zip_source_stat(src, &st), 0);
	out = malloc(st.size + 1);
	assert_non_null(out);
	assert_int_equal(zip_source_open(src), 0);
	assert_int_equal(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	*len = st.size;
	return out;
}

static void
result_free(struct scan_result *res)
{
	for (size_t i = 0; i < res->nparts; i++) {
		free(res->parts[i].path);
		free(res->parts[i].filename);
		free(res->parts[i].declared_type);
		free(res->parts[i].detected_type);
		free(res->parts[i].unscanned);
	}
	free(res->parts);
	for (int t = 0; t < FT_COUNT; t++)
		valueset_free(res->values[t]);
	free(res->error);
}

char *
zt_extract_text(const struct extractor *ex, const struct scan_limits *lim,
    const unsigned char *data, size_t len, char **unscanned, bool *encrypted)
{
	struct scan_limits l = lim ? *lim : mt_limits();
	struct scan_options opt = { .limits = l };
	struct scan_result res;
	struct inspect in;
	struct textbuf tb = { .max = l.max_text_bytes };
	char err[256], *text;

	memset(&res, 0, sizeof(res));
	memset(&in, 0, sizeof(in));
	in.opt = &opt;
	in.walk = mime_walk;
	in.res = &res;
	in.ts = textscan_new(err, sizeof(err));
	assert_non_null(in.ts);
	clock_gettime(CLOCK_MONOTONIC, &in.deadline);
	in.deadline.tv_sec += l.time_budget_ms / 1000 + 1;
	assert_int_equal(inspect_part_add(&in, "1", "direct", NULL), 0);
	ex->extract(&in, 0, data, len, 1, NULL, &tb);
	text = strdup(tb.buf ? tb.buf : "");
	*unscanned = res.parts[0].unscanned ? strdup(res.parts[0].unscanned) : NULL;
	*encrypted = res.parts[0].encrypted;
	textbuf_free(&tb);
	inspect_done(&in);
	textscan_free((struct textscan *)in.ts);
	result_free(&res);
	return text;
}

double
zt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
zt_maxrss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

void
zt_dump(const struct scan_result *r)
{
	if (getenv("ZT_DEBUG") == NULL)
		return;
	for (size_t i = 0; i < r->nparts && i < 40; i++) {
		const struct scan_part *p = &r->parts[i];

		fprintf(stderr, "part %zu path=%s file=%s decl=%s det=%s ex=%s email=%u phone=%u "
		    "enc=%d unscanned=%s\n", i, p->path, p->filename ? p->filename : "-",
		    p->declared_type ? p->declared_type : "-",
		    p->detected_type ? p->detected_type : "-", p->extractor ? p->extractor : "-",
		    p->counts[FT_EMAIL], p->counts[FT_PHONE], p->encrypted,
		    p->unscanned ? p->unscanned : "-");
	}
}

size_t
zt_count_prefix(const struct scan_result *r, const char *prefix)
{
	size_t n = 0, pl = strlen(prefix);

	for (size_t i = 0; i < r->nparts; i++)
		n += strncmp(r->parts[i].path, prefix, pl) == 0;
	return n;
}

double
zt_slow(void)
{
	const char *pre = getenv("LD_PRELOAD"), *f = getenv("ZT_TIME_FACTOR");

	if (f != NULL && atof(f) > 0)
		return atof(f);
	return pre && strstr(pre, "vgpreload") ? 50.0 : 1.0;	/* under valgrind */
}
