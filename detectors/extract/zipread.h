/*
 * zipread.h — the safe libzip layer shared by the zip, OOXML and ODF
 * extractors.
 *
 * An archive is opened straight over the decoded bytes of its part
 * (zip_source_buffer_create, no copy); nothing is ever written to disk and
 * member names are labels only (inspect_child_path), never paths.  Every
 * read is bounded: max_member_bytes per member, the message-wide
 * in->expanded against max_expanded_bytes, and the ratio size/comp_size
 * against max_ratio.  The sizes a header declares are checked first, then
 * the bytes actually inflated are counted, since headers can lie: a member
 * that inflates past its declared size is refused.  Long loops check
 * inspect_out_of_time().
 */
#ifndef DLP_ZIPREAD_H
#define DLP_ZIPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inspect;
struct zip;
struct zip_file;

/* Members smaller than this are never refused for their ratio alone: the
 * ratio guards against bombs, and such a member is bounded anyway. */
#define ZIPREAD_RATIO_FLOOR (64u * 1024u)

/* An archive open over the bytes of part idx. */
struct zipread {
	struct zip *za;		/* libzip handle, NULL when closed */
	struct inspect *in;
	size_t idx;		/* the archive's own part */
	uint64_t n;		/* entries in the central directory */
	const char *kind;	/* "zip", "docx" … for reasons */
};

/* One entry of the central directory. */
struct zipread_entry {
	uint64_t index;		/* libzip index */
	const char *name;	/* as libzip gives it (valid until close) */
	uint64_t size;		/* declared uncompressed size */
	uint64_t comp_size;	/* declared compressed size */
	uint16_t encryption;	/* ZIP_EM_*; ZIP_EM_NONE when not encrypted */
	bool is_dir;		/* name ends with '/' */
};

/* A member being read as a stream (for the XML parts). */
struct zipread_stream {
	struct zipread *zr;
	struct zip_file *zf;
	uint64_t declared;	/* declared size of the member */
	uint64_t limit;		/* bytes this member may still inflate */
	uint64_t got;		/* bytes inflated so far */
	char why[160];		/* reason once a read failed or a limit hit */
};

/* Open data[0..len) of part idx.  kind names the format in reasons.
 * Returns 0, or -1 with a libzip reason in why (the caller marks the part
 * unscanned: a truncated or corrupt archive). */
int zipread_open(struct zipread *zr, struct inspect *in, size_t idx, const char *kind,
    const unsigned char *data, size_t len, char *why, size_t whylen);
void zipread_close(struct zipread *zr);

/* Fill e for entry i.  Returns 0, or -1 when libzip cannot stat it. */
int zipread_stat(struct zipread *zr, uint64_t i, struct zipread_entry *e);
/* Index of the entry named name (exact, case-sensitive), or -1. */
int64_t zipread_locate(struct zipread *zr, const char *name);

/* Check e's declared sizes against the limits before reading it.  A
 * streamed entry (an office document's XML part, parsed as it inflates and
 * never held whole) is not bound by max_member_bytes, only by the ratio,
 * max_expanded_bytes and the time budget.  Returns 0, or -1 with the
 * reason in why. */
int zipread_check(struct zipread *zr, const struct zipread_entry *e, bool streamed,
    char *why, size_t whylen);

/* Read the whole of e into a malloc'd buffer (NUL-terminated, so text can
 * be used in place); *outlen gets the size.  The bytes are added to
 * in->expanded.  Returns 0, or -1 with the reason in why (limit, corrupt
 * data, time budget, ENOMEM); *out is then NULL. */
int zipread_read(struct zipread *zr, const struct zipread_entry *e, unsigned char **out,
    size_t *outlen, char *why, size_t whylen);

/* Open e for streaming reads (after zipread_check).  Returns 0, or -1 with
 * the reason in st->why. */
int zipread_stream_open(struct zipread_stream *st, struct zipread *zr,
    const struct zipread_entry *e);
/* Read up to n bytes.  Returns the count (0 at the end), or -1 with the
 * reason in st->why.  Inflated bytes are added to in->expanded. */
long zipread_stream_read(struct zipread_stream *st, void *buf, size_t n);
void zipread_stream_close(struct zipread_stream *st);

/* The member's name as UTF-8 for a label: raw names that are not UTF-8
 * are read as CP932 (Windows in Japan).  Returns a malloc'd string, or
 * NULL on ENOMEM. */
char *zipread_label(struct zipread *zr, const struct zipread_entry *e);

/* Inspect member e as a child part of the archive at nesting depth + 1:
 * add the part (path parent/name), check the limits, read it and hand it
 * to inspect_data.  Encrypted members are counted encrypted, members over
 * a limit unscanned with the reason.  Returns 0, or -1 when no more parts
 * may be added to the message (max_parts: the archive is then marked
 * unscanned by this call). */
int zipread_child(struct zipread *zr, const struct zipread_entry *e, unsigned depth);

#endif
