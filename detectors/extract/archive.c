/*
 * archive.c — tar archives and gzip, bzip2, xz compressed files
 * (.tar .tar.gz .tgz .gz .tar.bz2 .bz2 .tar.xz .xz) with libarchive.
 *
 * Every regular file in the archive becomes a child part, inspected by
 * content at depth+1 with inspect_data(); a compressed single file (.gz
 * of a PDF, a CSV …) is one child named after the gzip header's FNAME, or
 * the part's file name without its suffix.  Directories, links and
 * devices are skipped.  Entry names are labels only (the child path):
 * nothing is written to disk, so "../../etc/passwd" is just a name.
 * Read from memory (archive_read_open_memory2); only the gzip, bzip2 and
 * xz decompressors built into libarchive are enabled — never a filter that
 * would run an external program.
 *
 * Limits, each a reason on the part that hit it (the parent stops reading):
 *   max_depth           the part is unscanned, its members not opened;
 *   max_members         members of one archive;
 *   max_parts           via inspect_part_add;
 *   max_member_bytes    a member larger than this is unscanned;
 *   max_expanded_bytes  bytes expanded by all archives of the message;
 *   max_ratio           expanded / compressed bytes of a member, checked
 *                       once the member passes 1 MB (a bomb is caught
 *                       after at most max_ratio × 64 KB expanded);
 *   time budget         checked every 64 KB read.
 * In a compressed archive the reading stops at the first member over a
 * limit (skipping it would mean expanding it); in a plain tar the member is
 * skipped and the next one read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include "text/charset.h"
#include "extract/extract.h"

#define ARC_BLOCK	(64 * 1024)
#define ARC_RATIO_FROM	(1024 * 1024)	/* members smaller than this pass any ratio */

struct arc {
	struct inspect *in;
	size_t idx;
	unsigned depth;
	struct archive *a;
	char *path;			/* the archive part's path (copy) */
	const char *single;		/* name of a compressed single file */
	bool compressed;
	unsigned members;
};

enum arc_stop { ARC_GO, ARC_SKIP, ARC_STOP };

static int
arc_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	static const char *const types[] = {
		"application/gzip", "application/x-gzip", "application/x-tar",
		"application/x-gtar", "application/x-bzip2", "application/x-xz", NULL,
	};

	for (size_t i = 0; mime != NULL && types[i] != NULL; i++)
		if (strcmp(mime, types[i]) == 0)
			return 1;
	return 0;
}

/* The FNAME of a gzip header, converted to UTF-8, or NULL. */
static char *
gzip_fname(const unsigned char *d, size_t len)
{
	size_t p = 10, start, n;

	if (len < 10 || d[0] != 0x1F || d[1] != 0x8B || !(d[3] & 0x08))
		return NULL;
	if (d[3] & 0x04) {			/* FEXTRA */
		if (len < 12)
			return NULL;
		p += 2 + (size_t)(d[10] | d[11] << 8);
	}
	for (start = p; p < len && d[p] != 0; p++)
		;
	if (p >= len || p == start || p - start > 1024)
		return NULL;
	return charset_to_utf8(d + start, p - start, NULL, 1024, &n, NULL);
}

/* The single file's name: FNAME, else the part's file name without its
 * compression suffix, else "data". */
static char *
single_name(struct inspect *in, size_t idx, const unsigned char *d, size_t len)
{
	static const char *const sfx[] = { ".tgz", ".gz", ".bz2", ".xz", ".z", NULL };
	const char *fn = in->res->parts[idx].filename;
	char *name = gzip_fname(d, len);

	if (name != NULL && strchr(name, '/') == NULL && name[0] != '\0')
		return name;
	free(name);
	if (fn != NULL) {
		size_t n = strlen(fn);
		for (size_t i = 0; sfx[i] != NULL; i++) {
			size_t k = strlen(sfx[i]);
			if (n > k && strcasecmp(fn + n - k, sfx[i]) == 0)
				return strndup(fn, n - k);
		}
	}
	return strdup("data");
}

/* The entry's name in UTF-8 (malloc'd). */
static char *
entry_name(struct archive_entry *e)
{
	const char *u = archive_entry_pathname_utf8(e), *raw;
	size_t n;

	if (u != NULL)
		return strdup(u);
	raw = archive_entry_pathname(e);
	if (raw == NULL)
		return strdup("unnamed");
	return charset_to_utf8((const unsigned char *)raw, strlen(raw), NULL, 4096, &n, NULL);
}

/* Mark the member and the archive unscanned; the reading stops. */
static enum arc_stop
arc_fail(struct arc *c, long child, const char *why)
{
	if (child >= 0)
		inspect_unscanned(c->in, (size_t)child, "%s", why);
	inspect_unscanned(c->in, c->idx, "archive not read to its end: %s", why);
	return ARC_STOP;
}

/* A member over max_member_bytes: skipped in a plain tar, end of the
 * reading in a compressed one. */
static enum arc_stop
arc_too_big(struct arc *c, long child)
{
	char why[96];

	snprintf(why, sizeof(why), "member over max_member_bytes (%zu)",
	    c->in->opt->limits.max_member_bytes);
	if (c->compressed)
		return arc_fail(c, child, why);
	inspect_unscanned(c->in, (size_t)child, "%s", why);
	return ARC_SKIP;
}

/* Read the current member into *out (malloc'd, *outlen bytes). */
static enum arc_stop
arc_read(struct arc *c, long child, unsigned char **out, size_t *outlen)
{
	const struct scan_limits *lim = &c->in->opt->limits;
	int64_t in0 = archive_filter_bytes(c->a, -1);
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	char why[160];

	for (;;) {
		if (inspect_out_of_time(c->in))
			goto fail_time;
		if (len > lim->max_member_bytes) {
			free(buf);
			return arc_too_big(c, child);
		}
		if (cap - len < ARC_BLOCK) {
			size_t ncap = cap ? cap * 2 : 4 * ARC_BLOCK;
			if (ncap > lim->max_member_bytes + ARC_BLOCK)
				ncap = lim->max_member_bytes + ARC_BLOCK;
			unsigned char *nb = realloc(buf, ncap);
			if (nb == NULL)
				goto fail_mem;
			buf = nb;
			cap = ncap;
		}
		la_ssize_t n = archive_read_data(c->a, buf + len, ARC_BLOCK);
		if (n == 0)
			break;
		if (n < 0) {
			snprintf(why, sizeof(why), "corrupt archive member: %s",
			    archive_error_string(c->a) ? archive_error_string(c->a) : "read error");
			free(buf);
			return arc_fail(c, child, why);
		}
		len += (size_t)n;
		c->in->expanded += (size_t)n;
		if (c->in->expanded > lim->max_expanded_bytes) {
			snprintf(why, sizeof(why), "archives expanded over max_expanded_bytes (%zu)",
			    lim->max_expanded_bytes);
			free(buf);
			return arc_fail(c, child, why);
		}
		int64_t used = archive_filter_bytes(c->a, -1) - in0;
		if (c->compressed && len > ARC_RATIO_FROM &&
		    len / (uint64_t)(used > 0 ? used : 1) > lim->max_ratio) {
			snprintf(why, sizeof(why), "compression ratio over max_ratio (%u)",
			    lim->max_ratio);
			free(buf);
			return arc_fail(c, child, why);
		}
	}
	*out = buf;
	*outlen = len;
	return ARC_GO;
fail_time:
	free(buf);
	return arc_fail(c, child, "time budget exceeded");
fail_mem:
	free(buf);
	return arc_fail(c, child, "out of memory");
}

/* One entry.  Returns ARC_STOP when the archive is not to be read on. */
static enum arc_stop
arc_entry(struct arc *c, struct archive_entry *e, const unsigned char *data, size_t len)
{
	const struct scan_limits *lim = &c->in->opt->limits;
	bool raw = archive_format(c->a) == ARCHIVE_FORMAT_RAW;
	unsigned char *buf = NULL;
	size_t blen = 0;
	enum arc_stop st;
	char *name, *path;
	long child;

	if (raw && !c->compressed)
		return arc_fail(c, -1, "corrupt archive: neither tar nor compressed");
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != NULL)
		return ARC_GO;			/* directories, links, devices */
	if (++c->members > lim->max_members) {
		inspect_unscanned(c->in, c->idx, "more than max_members (%u) archive members",
		    lim->max_members);
		return ARC_STOP;
	}
	name = raw ? single_name(c->in, c->idx, data, len) : entry_name(e);
	path = name != NULL ? inspect_child_path(c->path, name) : NULL;
	child = path != NULL ? inspect_part_add(c->in, path, name, NULL) : -1;
	free(path);
	free(name);
	if (child < 0)
		return arc_fail(c, -1, "members over max_parts");
	if (archive_entry_is_encrypted(e)) {
		inspect_encrypted(c->in, (size_t)child);
		return ARC_GO;
	}
	if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 &&
	    (uint64_t)archive_entry_size(e) > lim->max_member_bytes)
		return arc_too_big(c, child);
	st = arc_read(c, child, &buf, &blen);
	if (st == ARC_GO)
		inspect_data(c->in, (size_t)child, buf, blen, c->depth + 1, NULL);
	free(buf);
	return st;
}

/* Open data with the given formats.  0, or -1 after marking the part. */
static int
arc_open(struct arc *c, const unsigned char *data, size_t len, bool raw_only)
{
	c->a = archive_read_new();
	if (c->a == NULL) {
		inspect_unscanned(c->in, c->idx, "out of memory");
		return -1;
	}
	if (archive_read_support_filter_gzip(c->a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(c->a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(c->a) != ARCHIVE_OK ||
	    (!raw_only && archive_read_support_format_tar(c->a) != ARCHIVE_OK) ||
	    archive_read_support_format_raw(c->a) != ARCHIVE_OK) {
		inspect_unscanned(c->in, c->idx, "archive reader unavailable: %s",
		    archive_error_string(c->a) ? archive_error_string(c->a) : "no built-in decompressor");
		return -1;
	}
	if (archive_read_open_memory2(c->a, data, len, ARC_BLOCK) != ARCHIVE_OK) {
		inspect_unscanned(c->in, c->idx, "corrupt archive: %s",
		    archive_error_string(c->a) ? archive_error_string(c->a) : "cannot be opened");
		return -1;
	}
	c->compressed = archive_filter_count(c->a) > 1;
	return 0;
}

/* Read every entry.  Returns 0 at the end, -1 when stopped (the part
 * marked), 1 when a compressed stream read as tar held no entry at all:
 * zeros at its start look like a tar's end (a gzip bomb of zeros does), so
 * the caller reads it again as one compressed file. */
static int
arc_entries(struct arc *c, const unsigned char *data, size_t len)
{
	struct archive_entry *e;
	unsigned entries = 0;
	int r;

	while ((r = archive_read_next_header(c->a, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			inspect_unscanned(c->in, c->idx, "corrupt archive: %s",
			    archive_error_string(c->a) ? archive_error_string(c->a) : "bad header");
			return -1;
		}
		entries++;
		if (inspect_out_of_time(c->in)) {
			inspect_unscanned(c->in, c->idx,
			    "archive not read to its end: time budget exceeded");
			return -1;
		}
		if (arc_entry(c, e, data, len) == ARC_STOP)
			return -1;
	}
	return entries == 0 && c->compressed && archive_format(c->a) != ARCHIVE_FORMAT_RAW;
}

static int
arc_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	struct arc c = { .in = in, .idx = idx, .depth = depth };
	int rc = -1, r;

	if (depth + 1 > in->opt->limits.max_depth) {
		inspect_unscanned(in, idx, "nested deeper than max_depth (%u)",
		    in->opt->limits.max_depth);
		return -1;
	}
	c.path = inspect_container_path(in, idx);
	if (c.path == NULL) {
		inspect_unscanned(in, idx, "out of memory");
		return -1;
	}
	if (arc_open(&c, data, len, false) < 0)
		goto done;
	r = arc_entries(&c, data, len);
	if (r == 1) {
		archive_read_free(c.a);
		if (arc_open(&c, data, len, true) < 0)
			goto done;
		r = arc_entries(&c, data, len);
	}
	rc = r == 0 ? 0 : -1;
done:
	if (c.a != NULL)
		archive_read_free(c.a);
	free(c.path);
	return rc;
}

const struct extractor extract_archive = {
	.name = "archive",
	.accepts = arc_accepts,
	.extract = arc_extract,
};
