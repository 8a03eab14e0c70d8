/*
 * test_hostile.c — named hostile inputs through the whole engine, with the
 * shipped configuration (config/dlp-milter.conf: its limits for the
 * engine, its rules for the decision).  Each case must end in a result and
 * a decision, and the decision must be the safe one: what could not be
 * inspected is unscanned, and unscanned mail to an external recipient is
 * held (rule unscanned_attachment); what could be read despite the damage
 * is read (its personal data found).  No timing is asserted, and the time
 * budget is out of reach (see setup) so that no result depends on speed.
 *
 * The hostile messages and archives are generated here: nothing large is
 * committed.  Set HOSTILE_DEBUG=1 to print every part, HOSTILE_ONLY=NAME
 * to run one case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <zip.h>

#include "config/conf.h"
#include "config/policy.h"
#include "detectors/feed.h"
#include "detectors/scan.h"
#include "tests/unit/lib/mimetest_util.h"

#define SHIPPED "config/dlp-milter.conf"
#define MB (1024 * 1024)

struct fx {
	struct conf *cf;		/* the shipped configuration */
	struct scan_engine *eng;	/* with its limits */
	char spool[64];			/* the engine's temp directory */
};

static struct fx fx;

/* ---- helpers ---- */

static int
setup(void **state)
{
	struct scan_options opt;
	char err[4096];

	fx.cf = conf_load(SHIPPED, err, sizeof(err));
	if (!fx.cf) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(fx.spool, sizeof(fx.spool), "/tmp/dlp-hostile-XXXXXX");
	if (!mkdtemp(fx.spool))
		return -1;
	conf_scan_options(fx.cf, &opt);
	opt.spool_dir = fx.spool;
	/* The shipped limits, but a time budget no machine reaches: results
	 * must not depend on speed.  Under ASan the 10 MB header takes ~50 s
	 * (GMime grows its header buffer by realloc, which ASan always moves;
	 * glibc's mremap makes it 0.2 s), and a loaded CI runner is slower. */
	opt.limits.time_budget_ms = 30 * 60 * 1000;
	fx.eng = scan_engine_new(&opt, err, sizeof(err));
	if (!fx.eng)
		fprintf(stderr, "%s\n", err);
	return fx.eng ? 0 : -1;
}

static int
teardown(void **state)
{
	scan_engine_free(fx.eng);
	conf_unref(fx.cf);
	rmdir(fx.spool);
	return 0;
}

static void
dump(const struct scan_result *r)
{
	if (!getenv("HOSTILE_DEBUG"))
		return;
	fprintf(stderr, "  %zu parts, unscanned %u, error %s\n", r->nparts, r->unscanned,
	    r->error ? r->error : "-");
	for (size_t i = 0; i < r->nparts && i < 40; i++)
		fprintf(stderr, "  %s [%s] mail %u phone %u %s %s\n", r->parts[i].path,
		    r->parts[i].extractor ? r->parts[i].extractor : "-",
		    r->parts[i].counts[FT_EMAIL], r->parts[i].counts[FT_PHONE],
		    r->parts[i].detected_type ? r->parts[i].detected_type : "-",
		    r->parts[i].unscanned ? r->parts[i].unscanned : "");
}

/* A message as a client sends it (feed_file, as dlpctl scan and the
 * daemon's spool see it), from sender@example.go.jp to one internal and
 * one external recipient. */
static struct scan_msg *
scan(const char *msg, size_t len)
{
	static const char *const rcpt[] = { "<boss@example.go.jp>", "<partner@example.com>",
		NULL };
	struct scan_msg *m = mt_scan(fx.eng, msg, len, rcpt);

	dump(mt_result(m));
	return m;
}

/* The shipped policy's decision on r. */
static enum action
decide(const struct scan_result *r, struct verdict *v)
{
	long c[SC_COUNT];

	scan_result_counters(r, c);
	policy_decide(fx.cf, c, v);
	return v->action;
}

static bool
fired(const struct verdict *v, const char *rule)
{
	for (size_t i = 0; i < v->nfired; i++)
		if (strcmp(v->fired[i]->name, rule) == 0)
			return true;
	return false;
}

/* Number of parts whose reason contains needle. */
static size_t
unscanned_with(const struct scan_result *r, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nparts; i++)
		n += r->parts[i].unscanned && strstr(r->parts[i].unscanned, needle);
	return n;
}

/* Unscanned with a reason containing needle, and held for it. */
static void
assert_held_unscanned(const struct scan_result *r, const char *needle)
{
	struct verdict v;

	if (unscanned_with(r, needle) == 0)
		fail_msg("no part unscanned with '%s' (unscanned %u, error %s)", needle,
		    r->unscanned, r->error ? r->error : "-");
	assert_true(r->unscanned >= 1);
	assert_int_equal(decide(r, &v), ACT_HOLD);
	assert_true(fired(&v, "unscanned_attachment"));
}

/* The 20 people of tests/fixtures/people.py as CSV lines: 20 mobile and
 * 20 landline numbers, 20 mail addresses (60 personal items). */
static char *
people_csv(void)
{
	GString *s = g_string_new("name,mobile,landline,mail\r\n");

	for (int i = 0; i < 20; i++)
		g_string_append_printf(s, "person%d,090-%04d-%04d,03-%04d-%04d,p%d@example.net\r\n",
		    i, 1200 + i * 37, 5600 + i * 13, 3300 + i * 41, 7100 + i * 29, i);
	return g_string_free(s, FALSE);
}

/* Personal data found and the message held for its volume. */
static void
assert_held_people(const struct scan_result *r, size_t phones, size_t mails)
{
	struct verdict v;

	assert_int_equal(scan_result_count(r, FT_PHONE), phones);
	assert_int_equal(scan_result_count(r, FT_EMAIL), mails);
	assert_true(decide(r, &v) >= ACT_HOLD);
	assert_true(fired(&v, "personal_data_volume"));
}

#define TOP "From: Taro <sender@example.go.jp>\r\nTo: partner@example.com\r\n" \
	"Subject: hostile\r\nMIME-Version: 1.0\r\n"

/* ---- the cases ---- */

/* 1,000 multiparts, each the only child of the one before. */
static void
test_nested_multiparts(void **state)
{
	GString *s = g_string_new(TOP "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
	struct scan_msg *m;
	const struct scan_result *r;

	for (int i = 1; i < 1000; i++)
		g_string_append_printf(s, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\""
		    "\r\n\r\n", i - 1, i);
	g_string_append(s, "--b999\r\nContent-Type: text/plain\r\n\r\n090-1234-5678\r\n");
	for (int i = 999; i >= 0; i--)
		g_string_append_printf(s, "--b%d--\r\n", i);
	m = scan(s->str, s->len);
	r = mt_result(m);
	assert_held_unscanned(r, "nested deeper than max_depth");
	assert_true(r->nparts <= 2);
	scan_msg_free(m);
	g_string_free(s, TRUE);
}

/* A zip made in memory with libzip: names[i] holds datas[i][0..lens[i]),
 * deflated.  malloc'd. */
static unsigned char *
zip_make(const char *const *names, const void *const *datas, const size_t *lens, size_t n,
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
		zip_source_t *s = zip_source_buffer(za, datas[i], lens[i], 0);

		assert_non_null(s);
		assert_true(zip_file_add(za, names[i], s, ZIP_FL_ENC_UTF_8) >= 0);
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

/* TOP + a text body + one base64 attachment. */
static GString *
with_attachment(const char *body, const char *name, const char *type, const void *data,
    size_t len)
{
	GString *s = g_string_new(TOP "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
	char *b64 = mt_base64(data, len);

	g_string_append_printf(s, "%s\r\n--b\r\nContent-Type: %s; name=\"%s\"\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n", body, type, name, name, b64);
	free(b64);
	return s;
}

/* A 10 MB header line, given as the MTA gives it (one field: the daemon's
 * path), before the MIME headers of a message with the people list
 * attached: the body is still read. */
static void
test_huge_header_line(void **state)
{
	static const char *const rcpt[] = { "<partner@example.com>", NULL };
	char *csv = people_csv(), *value = malloc(10 * MB + 1);
	GString *s = with_attachment("list", "people.csv", "text/csv", csv, strlen(csv));
	char *body = strstr(s->str, "\r\n\r\n") + 4;
	struct scan_msg *m = scan_msg_new(fx.eng);
	const struct scan_result *r;

	assert_non_null(value);
	memset(value, 'a', 10 * MB);
	value[10 * MB] = '\0';
	assert_int_equal(scan_msg_envfrom(m, "<sender@example.go.jp>"), 0);
	assert_int_equal(scan_msg_rcpt(m, rcpt[0]), 0);
	assert_int_equal(scan_msg_header(m, "X-Long", value), 0);
	assert_int_equal(scan_msg_header(m, "From", "sender@example.go.jp"), 0);
	assert_int_equal(scan_msg_header(m, "MIME-Version", "1.0"), 0);
	assert_int_equal(scan_msg_header(m, "Content-Type", "multipart/mixed; boundary=\"b\""), 0);
	assert_int_equal(scan_msg_eoh(m), 0);
	assert_int_equal(scan_msg_body(m, body, strlen(body)), 0);
	r = scan_msg_eom(m);
	assert_non_null(r);
	dump(r);
	assert_held_people(r, 40, 20);
	scan_msg_free(m);

	/* the same as a stored file (dlpctl scan): the line is cut at 1 MB,
	 * as an MTA truncates it, and the headers after it are headers */
	g_string_prepend(s, "\r\n");
	g_string_prepend(s, value);
	g_string_prepend(s, "X-Long: ");
	m = scan(s->str, s->len);
	assert_held_people(mt_result(m), 40, 20);
	scan_msg_free(m);
	g_string_free(s, TRUE);
	free(value);
	free(csv);
}

/* 100,000 parts: the first max_parts are inspected, the rest is
 * unscanned. */
static void
test_many_parts(void **state)
{
	GString *s = g_string_new(TOP "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
	struct scan_msg *m;
	const struct scan_result *r;

	for (int i = 0; i < 100000; i++)
		g_string_append_printf(s, "--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i);
	g_string_append(s, "--b--\r\n");
	m = scan(s->str, s->len);
	r = mt_result(m);
	assert_held_unscanned(r, "more than max_parts");
	assert_int_equal(r->nparts, fx.cf->limits.max_parts + 1);
	assert_non_null(r->error);
	scan_msg_free(m);
	g_string_free(s, TRUE);
}

/* Base64 with characters outside the alphabet and stray padding, and
 * quoted-printable with invalid escapes: the decoders skip what is
 * invalid, the personal data is found. */
static void
test_invalid_transfer_encodings(void **state)
{
	char *csv = people_csv(), *b64 = mt_base64(csv, strlen(csv));
	GString *bad = g_string_new(NULL), *s;
	struct scan_msg *m;

	for (size_t i = 0; b64[i]; i++) {
		g_string_append_c(bad, b64[i]);
		if (i % 17 == 5)
			g_string_append(bad, "!*\x01 \t~");
	}
	s = g_string_new(TOP "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "=ZZ=\r\n=G1 =\r\n");
	for (int i = 0; i < 20; i++)	/* numbers cut by soft line breaks */
		g_string_append_printf(s, "q%d: 080-=\r\n%04d-%04d q%d@exa=\r\nmple.org =XY=3\r\n", i,
		    2000 + i, 3000 + i, i);
	g_string_append(s, "=\r\n--b\r\nContent-Type: text/csv; name=\"p.csv\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	g_string_append(s, bad->str);
	g_string_append(s, "====\r\n--b--\r\n");
	m = scan(s->str, s->len);
	assert_held_people(mt_result(m), 60, 40);
	scan_msg_free(m);
	g_string_free(s, TRUE);
	g_string_free(bad, TRUE);
	free(b64);
	free(csv);
}

/* A text part with NUL bytes, n NULs after every newline (and commas when
 * dense), and a NUL in a header. */
static struct scan_msg *
scan_with_nuls(bool dense)
{
	char *csv = people_csv();
	GString *s = g_string_new(TOP "X-Nul: a");
	struct scan_msg *m;
	int line = 0;

	g_string_append_len(s, "\0b\r\n", 4);
	g_string_append(s, "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	for (const char *p = csv; *p; p++) {
		g_string_append_c(s, *p);
		if ((dense && (*p == ',' || *p == '\n')) || (*p == '\n' && line++ % 2))
			g_string_append_len(s, "\0\0", dense ? 2 : 1);
	}
	m = scan(s->str, s->len);
	g_string_free(s, TRUE);
	free(csv);
	return m;
}

/* NUL bytes: a few in a text part are read as spaces, the data found;
 * a part full of them is binary, unscanned, held. */
static void
test_nul_bytes(void **state)
{
	struct scan_msg *m = scan_with_nuls(false);

	assert_held_people(mt_result(m), 40, 20);
	scan_msg_free(m);
	m = scan_with_nuls(true);
	assert_held_unscanned(mt_result(m), "no extractor");
	scan_msg_free(m);
}

/* Invalid UTF-8 in a part declared UTF-8 (behind a stray UTF-16 BOM),
 * ISO-2022-JP with broken escape sequences (cut, unknown, never closed)
 * around ASCII text that returns to ASCII properly, and undeclared ASCII
 * behind a UTF-16 BOM: the text is decoded, the data found. */
static void
test_invalid_charsets(void **state)
{
	GString *s = g_string_new(TOP "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	struct scan_msg *m;

	for (int i = 0; i < 20; i++)
		g_string_append_printf(s, "\xff\xfe\xc3 u%d \xe3\x81 090-%04d-%04d \xed\xa0\x80"
		    " u%d@example.org \xf8\x88\x80\x80\x80\r\n", i, 4000 + i, 5000 + i, i);
	g_string_append(s, "--b\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n");
	for (int i = 0; i < 20; i++)
		g_string_append_printf(s, "\x1b$B$3$s\x1b$ \x1b(\x1b$(Q!!\x1b(B j%d 070-%04d-%04d "
		    "\x1b$B$K\x1b(J j%d@example.org\x1b\r\n", i, 6000 + i, 7000 + i, i);
	g_string_append(s, "\x1b$B$3$s$K$A$O\r\n");	/* never closed */
	/* undeclared, behind a decoy UTF-16 byte-order mark */
	g_string_append(s, "--b\r\nContent-Type: text/plain\r\n\r\n\xff\xfe");
	for (int i = 0; i < 20; i++)
		g_string_append_printf(s, "k%d 080-%04d-%04d k%d@example.org\r\n", i, 6000 + i,
		    7000 + i, i);
	g_string_append(s, "--b--\r\n");
	m = scan(s->str, s->len);
	assert_held_people(mt_result(m), 60, 60);
	scan_msg_free(m);
	g_string_free(s, TRUE);
}

/* 10,000 envelope recipients (half of them external), all visible in To. */
static void
test_many_recipients(void **state)
{
	const char **rcpt = calloc(10001, sizeof(*rcpt));
	GString *s = g_string_new("From: sender@example.go.jp\r\nTo: ");
	struct scan_msg *m;
	const struct scan_result *r;
	struct verdict v;

	assert_non_null(rcpt);
	for (int i = 0; i < 10000; i++) {
		char *a = g_strdup_printf("u%05d@%s", i, i % 2 ? "example.go.jp" : "partner.example");

		rcpt[i] = a;
		g_string_append_printf(s, "%s%s", i ? ",\r\n " : "", a);
	}
	g_string_append(s, "\r\nSubject: all\r\n\r\nhello\r\n");
	m = mt_scan(fx.eng, s->str, s->len, rcpt);
	r = mt_result(m);
	dump(r);
	assert_int_equal(r->rcpt.recipients, 10000);
	assert_int_equal(r->rcpt.external, 5000);
	assert_int_equal(r->rcpt.external_visible, 5000);
	assert_int_equal(r->rcpt.external_domains, 1);
	assert_int_equal(decide(r, &v), ACT_HOLD);
	assert_true(fired(&v, "mass_recipients"));
	scan_msg_free(m);
	for (int i = 0; i < 10000; i++)
		g_free((char *)rcpt[i]);
	free(rcpt);
	g_string_free(s, TRUE);
}

/* A message cut in the middle of a zip attachment (no closing boundary):
 * the zip is unscanned, the text before it still read. */
static void
test_truncated_message(void **state)
{
	char *csv = people_csv();
	const char *names[] = { "people.csv" };
	const void *datas[] = { csv };
	size_t lens[] = { strlen(csv) }, zlen;
	unsigned char *zip = zip_make(names, datas, lens, 1, &zlen);
	GString *s = with_attachment("call 090-1111-2222", "people.zip", "application/zip", zip,
	    zlen);
	char *cut = strstr(s->str, "Content-Transfer-Encoding: base64\r\n\r\n");
	struct scan_msg *m;
	const struct scan_result *r;

	assert_non_null(cut);
	cut += strlen("Content-Transfer-Encoding: base64\r\n\r\n");
	g_string_truncate(s, (size_t)(cut - s->str) + (s->len - (size_t)(cut - s->str)) / 2);
	m = scan(s->str, s->len);
	r = mt_result(m);
	assert_held_unscanned(r, "zip");
	assert_true(scan_result_count(r, FT_PHONE) >= 1);
	scan_msg_free(m);
	g_string_free(s, TRUE);
	free(zip);
	free(csv);
}

/* Members named to climb out of a directory: they are labels in the
 * result and nothing is written anywhere (the engine's temp directory
 * stays empty); what they hold is read. */
static void
test_zip_path_traversal(void **state)
{
	char *csv = people_csv();
	const char *names[] = { "../../etc/passwd", "/etc/shadow", "..\\..\\boot.ini",
		"a/../../../people.csv" };
	const void *datas[] = { "root:x:0:0", "x", "[boot]", csv };
	size_t lens[] = { 10, 1, 6, strlen(csv) }, zlen, n = 0;
	unsigned char *zip = zip_make(names, datas, lens, 4, &zlen);
	GString *s = with_attachment("see", "evil.zip", "application/zip", zip, zlen);
	struct scan_msg *m = scan(s->str, s->len);
	const struct scan_result *r = mt_result(m);
	GDir *d;

	assert_non_null(mt_part(r, "2/evil.zip/../../etc/passwd"));
	assert_non_null(mt_part(r, "2/evil.zip/a/../../../people.csv"));
	assert_held_people(r, 40, 20);
	d = g_dir_open(fx.spool, 0, NULL);
	assert_non_null(d);
	while (g_dir_read_name(d))
		n++;
	g_dir_close(d);
	assert_int_equal(n, 0);
	scan_msg_free(m);
	g_string_free(s, TRUE);
	free(zip);
	free(csv);
}

/* A PDF whose cross-reference table points nowhere (and whose startxref
 * is wrong): poppler rebuilds it, the text is read. */
static void
test_pdf_broken_xref(void **state)
{
	GString *content = g_string_new("BT /F1 10 Tf 20 800 Td 12 TL\n"), *pdf;
	struct scan_msg *m;

	for (int i = 0; i < 20; i++)
		g_string_append_printf(content, "(p%d 090-%04d-%04d p%d@example.net) '\n", i,
		    1200 + i * 37, 5600 + i * 13, i);
	g_string_append(content, "ET\n");
	pdf = g_string_new("%PDF-1.4\n"
	    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
	    "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
	    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
	    "/Resources << /Font << /F1 5 0 R >> >> >> endobj\n");
	g_string_append_printf(pdf, "4 0 obj << /Length %zu >> stream\n%s\nendstream endobj\n",
	    content->len, content->str);
	g_string_append(pdf, "5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
	    "endobj\nxref\n0 6\n0000000000 65535 f \n0000099999 00000 n \n0000000001 00000 n \n"
	    "0000088888 00000 n \n0000000007 00000 n \n0000077777 00000 n \n"
	    "trailer << /Size 6 /Root 1 0 R >>\nstartxref\n123456\n%%EOF\n");
	g_string_free(content, TRUE);
	content = with_attachment("report", "report.pdf", "application/pdf", pdf->str, pdf->len);
	m = scan(content->str, content->len);
	assert_string_equal(mt_part(mt_result(m), "2")->extractor, "pdf");
	assert_held_people(mt_result(m), 20, 20);
	scan_msg_free(m);
	g_string_free(content, TRUE);
	g_string_free(pdf, TRUE);
}

/* The "billion laughs": ten levels of ten entity references. */
static void
test_xml_billion_laughs(void **state)
{
	GString *x = g_string_new("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"), *s;
	struct scan_msg *m;
	const struct scan_result *r;
	struct verdict v;

	for (int i = 1; i <= 9; i++) {
		char below[8] = "";

		if (i > 1)
			snprintf(below, sizeof(below), "%d", i - 1);
		g_string_append_printf(x, " <!ENTITY lol%d \"", i);
		for (int j = 0; j < 10; j++)
			g_string_append_printf(x, "&lol%s;", below);
		g_string_append(x, "\">\n");
	}
	g_string_append(x, "]>\n<lolz>&lol9; 090-1234-5678</lolz>\n");
	s = with_attachment("data", "lol.xml", "application/xml", x->str, x->len);
	m = scan(s->str, s->len);
	r = mt_result(m);
	assert_string_equal(mt_part(r, "2")->extractor, "xml");
	assert_held_unscanned(r, "corrupt xml");	/* libxml2 refuses the loop */
	assert_int_equal(scan_result_count(r, FT_PHONE), 1);	/* read as plain text */
	assert_true(decide(r, &v) == ACT_HOLD);
	scan_msg_free(m);
	g_string_free(s, TRUE);
	g_string_free(x, TRUE);
}

/* A 42.zip-style bomb, made here: five levels of sixteen copies of the
 * level below, 16 MB of zeros at the bottom (16^5 * 16 MB = 16 TB). */
static void
test_zip_bomb(void **state)
{
	unsigned char *zeros = calloc(1, 16 * MB), *level;
	const char *leaf = "0.bin";
	const void *datas[16];
	size_t lens[16], len, cut = 16 * MB;
	char *names[16];
	GString *s;
	struct scan_msg *m;
	const struct scan_result *r;

	assert_non_null(zeros);
	level = zip_make(&leaf, (const void *const *)&zeros, &cut, 1, &len);
	free(zeros);
	for (int l = 1; l <= 5; l++) {
		unsigned char *up;

		for (int i = 0; i < 16; i++) {
			names[i] = g_strdup_printf("lib%d_%x.zip", l, i);
			datas[i] = level;
			lens[i] = len;
		}
		up = zip_make((const char *const *)names, datas, lens, 16, &len);
		for (int i = 0; i < 16; i++)
			g_free(names[i]);
		free(level);
		level = up;
	}
	s = with_attachment("42", "42.zip", "application/zip", level, len);
	m = scan(s->str, s->len);
	r = mt_result(m);
	assert_true(r->nparts <= fx.cf->limits.max_parts + 1);
	assert_held_unscanned(r, "over max_ratio");
	assert_held_unscanned(r, "more than max_parts");
	scan_msg_free(m);
	g_string_free(s, TRUE);
	free(level);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_multiparts),
		cmocka_unit_test(test_huge_header_line),
		cmocka_unit_test(test_many_parts),
		cmocka_unit_test(test_invalid_transfer_encodings),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_invalid_charsets),
		cmocka_unit_test(test_many_recipients),
		cmocka_unit_test(test_truncated_message),
		cmocka_unit_test(test_zip_path_traversal),
		cmocka_unit_test(test_pdf_broken_xref),
		cmocka_unit_test(test_xml_billion_laughs),
		cmocka_unit_test(test_zip_bomb),
	};

	if (getenv("HOSTILE_ONLY"))	/* one case by name, e.g. test_zip_bomb */
		cmocka_set_test_filter(getenv("HOSTILE_ONLY"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
