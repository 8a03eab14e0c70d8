/*
 * fuzz_entry.c — see fuzz_entry.h.
 *
 * The engine (compiled detectors, libmagic) and the shipped configuration
 * are made once and shared by every input; everything made for one input
 * is freed before the entry returns, so a leak shows as a leak.
 * The configuration is $DLP_FUZZ_CONF, else config/dlp-milter.conf from
 * the working directory (make fuzz and the unit tests run in the tree).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/policy.h"
#include "detectors/feed.h"
#include "extract/extract.h"
#include "mime/walk.h"
#include "detectors/result_json.h"
#include "detectors/scan.h"
#include "text/textscan.h"
#include "detect/valueset.h"
#include "tests/fuzz/fuzz_entry.h"

static const char *const fuzz_internal[] = { "example.go.jp" };

/* The shipped limits, with smaller byte limits and time budget so that
 * one input stays quick under the sanitizers. */
static const struct scan_options fuzz_opt = {
	.internal_domains = fuzz_internal,
	.n_internal = 1,
	.spool_dir = "/tmp",
	.limits = {
		.spool_memory = 1 << 20,
		.max_message_bytes = 64 << 20,
		.max_depth = 8,
		.max_parts = 1000,
		.max_members = 1000,
		.max_member_bytes = 16 << 20,
		.max_expanded_bytes = 64 << 20,
		.max_ratio = 200,
		.max_text_bytes = 4 << 20,
		.max_base64_runs = 16,
		.time_budget_ms = 5000,
	},
};

const char *const fuzz_charsets[] = {
	NULL, "utf-8", "iso-2022-jp", "shift_jis", "euc-jp", "utf-16", "utf-16le",
	"windows-1252", "iso-8859-1", "x-unknown-charset", "utf-7", "cp932", "gb18030",
	"iso-2022-jp-2", "us-ascii", "utf-32",
};
const size_t fuzz_ncharsets = sizeof(fuzz_charsets) / sizeof(fuzz_charsets[0]);

static struct scan_engine *engine;	/* for mime */
static struct textscan *tscan;		/* for the extractors and textscan */
static struct conf *shipped;		/* config/dlp-milter.conf */

#define CHECK(cond) do { if (!(cond)) fuzz_fail(#cond, __LINE__); } while (0)

static void __attribute__((noreturn))
fuzz_fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_entry.c:%d: invariant broken: %s\n", line, what);
	abort();
}

/* The shared state, made on first use.  0, or -1 with a message. */
static int
setup(void)
{
	const char *path = getenv("DLP_FUZZ_CONF");
	char err[4096];

	if (engine && tscan && shipped)
		return 0;
	if (!engine && !(engine = scan_engine_new(&fuzz_opt, err, sizeof(err))))
		goto fail;
	if (!tscan && !(tscan = textscan_new(err, sizeof(err))))
		goto fail;
	if (!shipped && !(shipped = conf_load(path && *path ? path : "config/dlp-milter.conf",
	    err, sizeof(err))))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "fuzz: setup: %s\n", err);
	return -1;
}

void
fuzz_cleanup(void)
{
	scan_engine_free(engine);
	textscan_free(tscan);
	conf_unref(shipped);
	engine = NULL;
	tscan = NULL;
	shipped = NULL;
}

/* ---- invariants of a result ---- */

/* The counters agree with the parts; the parts are bounded; the result
 * serializes; the policy decides. */
static void
check_result(const struct scan_result *r, unsigned max_parts)
{
	unsigned unscanned = 0, encrypted = 0, attachments = 0;
	long counters[SC_COUNT];
	struct verdict v;
	json_t *j[4];
	char (*samples)[64] = calloc(8, sizeof(*samples));

	CHECK(r->nparts <= (size_t)max_parts + 1);
	for (size_t i = 0; i < r->nparts; i++) {
		const struct scan_part *p = &r->parts[i];

		CHECK(p->path != NULL);
		unscanned += p->unscanned != NULL;
		encrypted += p->encrypted;
		attachments += p->filename != NULL;
	}
	CHECK(unscanned == r->unscanned);
	CHECK(encrypted == r->encrypted);
	CHECK(attachments == r->attachments);
	scan_result_counters(r, counters);
	policy_decide(shipped, counters, &v);
	CHECK(v.action < ACT_COUNT && v.nfired <= VERDICT_MAX_RULES);
	/* a limit hit is never silent: unscanned parts with external
	 * recipients hold the message under the shipped rules */
	if (counters[SC_UNSCANNED] > 0 && counters[SC_EXTERNAL] > 0)
		CHECK(v.action >= ACT_HOLD);
	j[0] = result_json_findings(r);
	j[1] = result_json_findings_samples(r, 3);
	j[2] = result_json_recipients(r);
	j[3] = result_json_parts(r);
	for (int i = 0; i < 4; i++) {
		char *s = j[i] ? json_dumps(j[i], JSON_COMPACT) : NULL;

		CHECK(s != NULL);
		free(s);
		json_decref(j[i]);
	}
	for (int t = 0; samples && t < FT_COUNT; t++) {
		size_t n = scan_result_samples(r, (enum finding_type)t, samples, 8);

		for (size_t i = 0; i < n; i++)
			CHECK(strlen(samples[i]) < sizeof(samples[i]));
	}
	free(samples);
}

static void
result_free(struct scan_result *r)
{
	for (size_t i = 0; i < r->nparts; i++) {
		free(r->parts[i].path);
		free(r->parts[i].filename);
		free(r->parts[i].declared_type);
		free(r->parts[i].detected_type);
		free(r->parts[i].unscanned);
	}
	free(r->parts);
	for (int t = 0; t < FT_COUNT; t++)
		valueset_free(r->values[t]);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

/* ---- mime: the whole engine ---- */

static int
run_mime(const uint8_t *data, size_t len)
{
	struct scan_msg *m;
	const struct scan_result *r;
	FILE *fp;
	int rc = -1;

	if (setup() < 0 || !(m = scan_msg_new(engine)))
		return -1;
	fp = len ? fmemopen((void *)data, len, "r") : fopen("/dev/null", "r");
	if (!fp)
		goto out;
	if (scan_msg_envfrom(m, "<taro@example.go.jp>") < 0 ||
	    scan_msg_rcpt(m, "<hanako@example.go.jp>") < 0 ||
	    scan_msg_rcpt(m, "<someone@example.com>") < 0 || feed_file(m, fp) < 0)
		goto out;
	r = scan_msg_eom(m);
	CHECK(r != NULL);
	CHECK(r->rcpt.recipients == 2 && r->rcpt.external == 1);
	check_result(r, fuzz_opt.limits.max_parts);
	rc = 0;
out:
	if (fp)
		fclose(fp);
	scan_msg_free(m);
	return rc;
}

/* ---- one part: an extractor, or inspect_data ---- */

/* The bytes as part "1" (a file "fuzz.bin" at depth 1) given to ex, or to
 * inspect_data when ex is NULL; then the checks.  As inspect.c does,
 * the extractor's text goes through the text pipeline. */
static int
run_part(const struct extractor *ex, const uint8_t *data, size_t len, const char *charset)
{
	struct scan_result res;
	struct inspect in;
	struct textbuf tb = { .max = fuzz_opt.limits.max_text_bytes };

	if (setup() < 0)
		return -1;
	memset(&res, 0, sizeof(res));
	memset(&in, 0, sizeof(in));
	in.opt = &fuzz_opt;
	in.walk = mime_walk;
	in.ts = tscan;
	in.res = &res;
	clock_gettime(CLOCK_MONOTONIC, &in.deadline);
	in.deadline.tv_sec += fuzz_opt.limits.time_budget_ms / 1000;
	CHECK(inspect_part_add(&in, "1", "fuzz.bin", "application/octet-stream") == 0);
	if (ex) {
		res.parts[0].extractor = ex->name;
		ex->extract(&in, 0, data, len, 1, charset, &tb);
		CHECK(tb.len <= tb.max && (!tb.buf || tb.buf[tb.len] == '\0'));
		if (tb.len)
			inspect_text(&in, 0, tb.buf, tb.len);
	} else {
		inspect_data(&in, 0, data, len, 1, charset);
	}
	check_result(&res, fuzz_opt.limits.max_parts);
	CHECK(in.expanded <= fuzz_opt.limits.max_expanded_bytes + fuzz_opt.limits.max_member_bytes);
	textbuf_free(&tb);
	inspect_done(&in);
	result_free(&res);
	return 0;
}

/* The registry row called name (tests/fuzz knows them by name only). */
static const struct extractor *
row(const char *name)
{
	for (size_t i = 0; extractors[i]; i++)
		if (strcmp(extractors[i]->name, name) == 0)
			return extractors[i];
	fprintf(stderr, "fuzz: no extractor '%s'\n", name);
	abort();
}

#define PART_TARGET(fn, name) \
	static int fn(const uint8_t *d, size_t n) { return run_part(row(name), d, n, NULL); }
PART_TARGET(run_zip, "zip")
PART_TARGET(run_ooxml, "ooxml")
PART_TARGET(run_odf, "odt")
PART_TARGET(run_pdf, "pdf")
PART_TARGET(run_ole, "ole")
PART_TARGET(run_rtf, "rtf")
PART_TARGET(run_xml, "xml")
PART_TARGET(run_archive, "archive")

/* html and text: byte 0 picks the declared charset. */
static int
run_charset(const char *name, const uint8_t *data, size_t len)
{
	if (len == 0)
		return run_part(row(name), data, 0, NULL);
	return run_part(row(name), data + 1, len - 1, fuzz_charsets[data[0] % fuzz_ncharsets]);
}

static int
run_html(const uint8_t *d, size_t n)
{
	return run_charset("html", d, n);
}

static int
run_text(const uint8_t *d, size_t n)
{
	return run_charset("text", d, n);
}

static int
run_inspect(const uint8_t *d, size_t n)
{
	return run_part(NULL, d, n, NULL);
}

/* ---- textscan ---- */

static int
run_textscan(const uint8_t *data, size_t len)
{
	struct valueset *sets[FT_COUNT] = { 0 };
	char masked[128];
	int rc = -1;

	if (setup() < 0)
		return -1;
	for (int t = 0; t < FT_COUNT; t++)
		if (!(sets[t] = valueset_new()))
			goto out;
	if (textscan_run(tscan, (const char *)data, len, sets) < 0)
		goto out;
	for (int t = 0; t < FT_COUNT; t++)
		for (size_t i = 0; i < valueset_count(sets[t]); i++) {
			const char *v = valueset_get(sets[t], i);

			textscan_mask((enum finding_type)t, v, masked, sizeof(masked));
			CHECK(strlen(masked) < sizeof(masked));
		}
	rc = 0;
out:
	for (int t = 0; t < FT_COUNT; t++)
		valueset_free(sets[t]);
	return rc;
}

/* ---- conf and expr ---- */

static int
run_conf(const uint8_t *data, size_t len)
{
	char path[64], *err = malloc(1 << 16);
	struct conf *cf;
	int fd = memfd_create("fuzz.conf", 0), rc = -1;

	if (fd < 0 || !err)
		goto out;
	if (len && write(fd, data, len) != (ssize_t)len)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	cf = conf_load(path, err, 1 << 16);
	if (cf) {
		struct scan_options opt;
		long counters[SC_COUNT] = { 0 };
		struct verdict v;
		char names[1024];

		conf_scan_options(cf, &opt);
		CHECK(opt.limits.max_member_bytes <= opt.limits.max_expanded_bytes);
		CHECK(cf->n_internal > 0);
		for (int c = 0; c < SC_COUNT; c++)
			counters[c] = c * 7;
		policy_decide(cf, counters, &v);
		CHECK(v.action < ACT_COUNT);
		verdict_rules(&v, names, sizeof(names));
		conf_unref(cf);
	} else {
		CHECK(err[0] != '\0');	/* a refusal says why */
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(err);
	return rc;
}

static int
run_expr(const uint8_t *data, size_t len)
{
	static const long vals[] = { 0, 1, 10, 2147483647L, 2147483648L };
	char *src = malloc(len + 1), err[256] = "";
	struct expr *e;
	int col = 0;

	if (!src)
		return -1;
	memcpy(src, data, len);
	src[len] = '\0';
	e = expr_compile(src, err, sizeof(err), &col);
	if (e) {
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
			long counters[SC_COUNT];

			for (int c = 0; c < SC_COUNT; c++)
				counters[c] = c % 2 ? vals[k] : (long)k;
			(void)expr_eval(e, counters);
		}
		expr_free(e);
	} else {
		CHECK(err[0] != '\0');
		CHECK(col >= 1 && (size_t)col <= len + 1);
	}
	free(src);
	return 0;
}

const struct fuzz_target fuzz_targets[] = {
	{ "mime", run_mime },
	{ "zip", run_zip },
	{ "ooxml", run_ooxml },
	{ "odf", run_odf },
	{ "pdf", run_pdf },
	{ "ole", run_ole },
	{ "rtf", run_rtf },
	{ "xml", run_xml },
	{ "archive", run_archive },
	{ "html", run_html },
	{ "text", run_text },
	{ "inspect", run_inspect },
	{ "textscan", run_textscan },
	{ "conf", run_conf },
	{ "expr", run_expr },
	{ "xmltok", fuzz_run_xmltok },
	{ NULL, NULL }
};

const struct fuzz_target *
fuzz_target_find(const char *name)
{
	for (size_t i = 0; fuzz_targets[i].name; i++)
		if (strcmp(fuzz_targets[i].name, name) == 0)
			return &fuzz_targets[i];
	return NULL;
}
