/*
 * docfix.c — see docfix.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "detectors/scan.h"
#include "tests/unit/lib/docfix.h"
#include "tests/unit/lib/mimetest_util.h"

const char *
df_srcdir(void)
{
	const char *s = getenv("DLP_SRCDIR");

	return s != NULL && *s ? s : ".";
}

char *
df_make(const char *groups)
{
	char tmpl[] = "/tmp/dlp-docfix-XXXXXX", cmd[1024];
	char *dir = mkdtemp(tmpl);

	if (dir == NULL)
		fail_msg("mkdtemp failed");
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/fixtures/make_docs.py %s %s",
	    df_srcdir(), dir, groups);
	if (system(cmd) != 0)
		fail_msg("fixture generator failed: %s", cmd);
	return strdup(dir);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
df_rmtree(char *dir)
{
	if (dir != NULL && strncmp(dir, "/tmp/dlp-docfix-", 16) == 0)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

unsigned char *
df_load(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *fp;
	unsigned char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : df_srcdir(), name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open fixture %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n > 0 ? (size_t)n : 1);
	assert_non_null(buf);
	if (n > 0 && fread(buf, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("cannot read fixture %s", path);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

char *
df_message(const struct df_att *att, size_t n, size_t *len)
{
	static const char head[] =
	    "From: sender@example.go.jp\r\nTo: someone@example.com\r\n"
	    "Subject: documents\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"=_docfix_=\"\r\n\r\n"
	    "--=_docfix_=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "\xe8\xb3\x87\xe6\x96\x99\xe3\x82\x92\xe9\x80\x81\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x99\r\n";
	size_t cap = sizeof(head) + 64, used;
	char **b64 = calloc(n ? n : 1, sizeof(*b64)), *msg, *p;

	assert_non_null(b64);
	for (size_t i = 0; i < n; i++) {
		b64[i] = mt_base64(att[i].data, att[i].len);
		cap += strlen(b64[i]) + strlen(att[i].name) * 2 + strlen(att[i].type) + 256;
	}
	msg = malloc(cap);
	assert_non_null(msg);
	p = msg;
	used = (size_t)snprintf(p, cap, "%s", head);
	for (size_t i = 0; i < n; i++) {
		used += (size_t)snprintf(msg + used, cap - used,
		    "--=_docfix_=\r\nContent-Type: %s; name=\"%s\"\r\n"
		    "Content-Disposition: attachment; filename=\"%s\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n%s",
		    att[i].type, att[i].name, att[i].name, b64[i]);
		free(b64[i]);
	}
	used += (size_t)snprintf(msg + used, cap - used, "--=_docfix_=--\r\n");
	free(b64);
	*len = used;
	return msg;
}

struct scan_msg *
df_scan(const struct scan_engine *eng, const struct df_att *att, size_t n)
{
	size_t len;
	char *msg = df_message(att, n, &len);
	struct scan_msg *m = mt_scan(eng, msg, len, NULL);

	free(msg);
	return m;
}

const struct scan_part *
df_part(const struct scan_result *r, const char *filename)
{
	for (size_t i = 0; i < r->nparts; i++)
		if (r->parts[i].filename != NULL && strcmp(r->parts[i].filename, filename) == 0)
			return &r->parts[i];
	return NULL;
}

const struct scan_part *
df_part_suffix(const struct scan_result *r, const char *suffix)
{
	size_t k = strlen(suffix);

	for (size_t i = 0; i < r->nparts; i++) {
		size_t n = strlen(r->parts[i].path);
		if (n >= k && strcmp(r->parts[i].path + n - k, suffix) == 0)
			return &r->parts[i];
	}
	return NULL;
}

int
df_fixture_setup(void **state, struct df_fixture *fx, const char *groups, const char *ctype)
{
	fx->dir = df_make(groups);
	fx->eng = mt_engine(NULL);
	fx->ctype = ctype;
	*state = fx;
	return 0;
}

int
df_fixture_teardown(void **state)
{
	struct df_fixture *fx = *state;

	scan_engine_free(fx->eng);
	df_rmtree(fx->dir);
	fx->eng = NULL;
	fx->dir = NULL;
	return 0;
}

struct scan_msg *
df_scan_mem(const struct df_fixture *fx, const void *data, size_t len, const char *name)
{
	struct df_att a = { name, fx->ctype, data, len };

	return df_scan(fx->eng, &a, 1);
}

struct scan_msg *
df_scan_file(const struct df_fixture *fx, const char *file)
{
	size_t len;
	unsigned char *d = df_load(fx->dir, file, &len);
	struct scan_msg *m = df_scan_mem(fx, d, len, file);

	free(d);
	return m;
}

const struct scan_part *
df_expect_read(const struct scan_result *r, const char *name, const char *detected,
    const char *extractor, unsigned email, unsigned phone)
{
	const struct scan_part *p = df_part(r, name);

	assert_non_null(p);
	if (detected != NULL)
		assert_string_equal(p->detected_type, detected);
	if (extractor != NULL)
		assert_string_equal(p->extractor, extractor);
	if (p->unscanned != NULL)
		fail_msg("%s unscanned: %s", name, p->unscanned);
	assert_int_equal(p->counts[FT_EMAIL], email);
	assert_int_equal(p->counts[FT_PHONE], phone);
	return p;
}

void
df_expect_clean(const struct scan_result *r, const char *name)
{
	const struct scan_part *p = df_part(r, name);

	assert_non_null(p);
	assert_null(p->unscanned);
	for (int t = 0; t < FT_COUNT; t++)
		assert_int_equal(scan_result_count(r, t), 0);
}

const struct scan_part *
df_expect_unscanned(const struct scan_result *r, const char *name, const char *why)
{
	const struct scan_part *p = df_part(r, name);

	assert_non_null(p);
	assert_non_null(p->unscanned);
	if (why != NULL && strstr(p->unscanned, why) == NULL)
		fail_msg("%s unscanned \"%s\", without \"%s\"", name, p->unscanned, why);
	return p;
}

void
df_expect_mutants(const struct df_fixture *fx, const char *const *files, size_t skip, int n)
{
	for (size_t i = 0; files[i] != NULL; i++) {
		size_t len;
		unsigned char *d = df_load(fx->dir, files[i], &len);

		assert_int_equal(df_mutants(fx->eng, d, len, skip, n, files[i]), 0);
		free(d);
	}
}

static int quiet_fd = -1, saved_out = -1, saved_err = -1;

void
df_quiet_begin(void)
{
	char path[] = "/tmp/dlp-quiet-XXXXXX";

	quiet_fd = mkstemp(path);
	assert_true(quiet_fd >= 0);
	unlink(path);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	assert_true(saved_out >= 0 && saved_err >= 0);
	dup2(quiet_fd, 1);
	dup2(quiet_fd, 2);
}

long
df_quiet_end(void)
{
	struct stat st;

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	assert_int_equal(fstat(quiet_fd, &st), 0);
	close(quiet_fd);
	quiet_fd = saved_out = saved_err = -1;
	return (long)st.st_size;
}

long
df_mutants(const struct scan_engine *eng, const unsigned char *data, size_t len,
    size_t skip, int n, const char *name)
{
	unsigned char *d = malloc(len ? len : 1);
	uint32_t seed = 2463534242u;
	long bad = 0;

	assert_non_null(d);
	assert_true(len > skip);
	df_quiet_begin();
	for (int k = 0; k < n; k++) {
		size_t cut = len;
		memcpy(d, data, len);
		for (int j = 0; j < 8; j++) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			d[skip + seed % (len - skip)] = (unsigned char)(seed >> 24);
		}
		if (k % 4 == 3)
			cut = skip + (size_t)seed % (len - skip);
		struct df_att a = { name, "application/octet-stream", d, cut };
		struct scan_msg *m = df_scan(eng, &a, 1);
		const struct scan_result *r = mt_result(m);
		if (r == NULL || df_part(r, name) == NULL)
			bad++;
		scan_msg_free(m);
	}
	bad += df_quiet_end();
	free(d);
	return bad;
}

long
df_maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

double
df_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
