/*
 * zip.c — zip archives (application/zip as libmagic names it, the
 * zip-based jar/epub/apk, and octet-stream that starts like a zip; OOXML
 * and ODF files are their own types and go to ooxml.c and
 * odf.c, which come first in the registry).
 *
 * Every member becomes a child part "parent/member/name" and is inspected
 * by its own content, one level deeper: a zip in a zip in a zip is walked
 * to max_depth.  Read: the central directory and each member's data within
 * the zipread limits.  Not read: directories (skipped), encrypted members
 * (counted encrypted with their name: names are not encrypted in zip),
 * members past max_members (the archive is then unscanned "more than N
 * members", the first N still inspected), members over a size, ratio or
 * expansion limit (unscanned with the reason), the archive comment.  A
 * truncated or corrupt archive is unscanned "corrupt zip: <libzip error>".
 * The archive itself has no text.
 */
#include <string.h>

#include "extract/extract.h"
#include "extract/zipread.h"

/* Zip and the zip-based types libmagic names but no other row reads
 * (jar, epub, apk: their members are inspected like any zip's), and a zip
 * libmagic could not name. */
static int
zip_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	static const char *const types[] = {
		"application/zip", "application/x-zip-compressed", "application/java-archive",
		"application/epub+zip", "application/vnd.android.package-archive", NULL
	};

	for (size_t i = 0; types[i]; i++)
		if (strcmp(mime, types[i]) == 0)
			return 1;
	return strcmp(mime, "application/octet-stream") == 0 && len >= 4 &&
	    (memcmp(data, "PK\3\4", 4) == 0 || memcmp(data, "PK\5\6", 4) == 0);
}

/* Inspect the members of an open archive. */
static void
zip_members(struct zipread *zr, unsigned depth)
{
	struct inspect *in = zr->in;
	unsigned max = in->opt->limits.max_members, seen = 0;
	struct zipread_entry e;

	for (uint64_t i = 0; i < zr->n; i++) {
		if (inspect_out_of_time(in)) {
			inspect_unscanned(in, zr->idx, "time budget exceeded after %u members", seen);
			return;
		}
		if (zipread_stat(zr, i, &e) != 0) {
			inspect_unscanned(in, zr->idx, "corrupt zip: member %llu unreadable",
			    (unsigned long long)i);
			continue;
		}
		if (e.is_dir)
			continue;
		if (seen == max) {
			inspect_unscanned(in, zr->idx, "more than %u members", max);
			return;
		}
		seen++;
		if (zipread_child(zr, &e, depth) != 0)
			return;	/* max_parts: the archive is marked */
	}
}

static int
zip_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	struct zipread zr;
	char why[160];

	if (depth + 1 > in->opt->limits.max_depth) {
		inspect_unscanned(in, idx, "nested deeper than max_depth (%u)",
		    in->opt->limits.max_depth);
		return -1;
	}
	if (zipread_open(&zr, in, idx, "zip", data, len, why, sizeof(why)) != 0) {
		inspect_unscanned(in, idx, "corrupt zip: %s", why);
		return -1;
	}
	zip_members(&zr, depth);
	zipread_close(&zr);
	return in->res->parts[idx].unscanned ? -1 : 0;
}

const struct extractor extract_zip = { "zip", zip_accepts, zip_extract };
