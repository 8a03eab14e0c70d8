/*
 * walk.c — the MIME tree of a message, with GMime 3.
 *
 * Parts are numbered as IMAP does: the body of a single-part message is
 * "1", the children of a multipart body "1", "2" …, of a nested multipart
 * at "2" "2.1", "2.2" …, and the parts of a message/rfc822 at "3" are
 * "3.1", "3.2" … (a message found inside an archive at "2/a.zip/f.eml"
 * numbers its parts "2/a.zip/f.eml/1" …).  Multiparts are containers, not
 * parts of the result; every leaf, forwarded message and encrypted
 * container is.
 *
 * A message in memory is parsed straight from the caller's bytes with no
 * copy: a GByteArray is wrapped around the bytes (g_byte_array_new_take),
 * given to a GMimeStreamMem that does not own it, and released with
 * g_byte_array_free(…, FALSE), which leaves the bytes alone.  A message
 * the spool put in a file (mime_walk_spool) is parsed from the file through a
 * GMimeStreamFs on a dup of its descriptor: no mapping, so the message's
 * bytes never count in the process's memory, only the page cache's (a
 * mapping would add a 68 MB message to the resident set, on top of its
 * decoded 50 MB attachment).  Either way the parser persists the stream,
 * so leaf contents stay substreams until a leaf is decoded, one at a time,
 * into at most max_member_bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "extract/extract.h"
#include "mime/digest.h"
#include "mime/hdr_decode.h"
#include "mime/spool.h"
#include "mime/walk.h"
#include "text/charset.h"

#define HEADER_WINDOW (1024 * 1024)	/* header bytes parsed of a message too big to walk */
#define DECODE_CHUNK 65536
#define DECODE_ROOM_MAX (16 * 1024 * 1024)	/* made at once; past it, grown as filled */
#define MAX_GROUP_DEPTH 4		/* address groups are not nested by RFC 5322 */

struct parsed {
	GByteArray *bytes;	/* wraps the caller's bytes, never owns them */
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
};

static void walk_entity(struct inspect *in, GMimeObject *obj, const char *path, unsigned depth);

/* Parse p->stream as a message.  Returns 0 with p->msg set, or -1. */
static int
parse_stream(struct parsed *p)
{
	static const char *fallback[] = { "UTF-8", "EUC-JP", "CP932", "ISO-2022-JP", NULL };
	GMimeParserOptions *opt;

	p->parser = g_mime_parser_new_with_stream(p->stream);
	g_mime_parser_set_format(p->parser, GMIME_FORMAT_MESSAGE);
	g_mime_parser_set_persist_stream(p->parser, TRUE);
	opt = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(opt, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(opt, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(opt, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(opt, GMIME_RFC_COMPLIANCE_LOOSE);
	p->msg = g_mime_parser_construct_message(p->parser, opt);
	g_mime_parser_options_free(opt);
	return p->msg ? 0 : -1;
}

/* Parse data[0..len) as a message.  Returns 0 with p->msg set, or -1. */
static int
parse_open(struct parsed *p, const unsigned char *data, size_t len)
{
	memset(p, 0, sizeof(*p));
	if (len > G_MAXUINT)
		return -1;
	p->bytes = g_byte_array_new_take((guint8 *)data, len);
	p->stream = g_mime_stream_mem_new_with_byte_array(p->bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(p->stream), FALSE);
	return parse_stream(p);
}

/* Parse bytes [0, len) of file fd as a message (through a dup of fd, which
 * the stream owns).  Returns 0 with p->msg set, or -1. */
static int
parse_open_fd(struct parsed *p, int fd, size_t len)
{
	int dfd;

	memset(p, 0, sizeof(*p));
	if ((dfd = dup(fd)) < 0)
		return -1;
	p->stream = g_mime_stream_fs_new_with_bounds(dfd, 0, (gint64)len);
	return parse_stream(p);
}

static void
parse_close(struct parsed *p)
{
	if (p->msg)
		g_object_unref(p->msg);
	if (p->parser)
		g_object_unref(p->parser);
	if (p->stream)
		g_object_unref(p->stream);
	if (p->bytes)
		(void)g_byte_array_free(p->bytes, FALSE);	/* the bytes stay the caller's */
}

/* "N" at the top, "prefix.N" under a MIME path, "prefix/N" under an
 * archive member path.  Returns a malloc'd string or NULL. */
static char *
child_path(const char *prefix, int n)
{
	bool mime = true;

	for (const char *s = prefix; *s && mime; s++)
		mime = (*s >= '0' && *s <= '9') || *s == '.';
	if (!*prefix)
		return g_strdup_printf("%d", n);
	return g_strdup_printf("%s%c%d", prefix, mime ? '.' : '/', n);
}

/* Add a part for obj with its declared type and file name. */
static long
add_part(struct inspect *in, const char *path, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	const char *fn = NULL;
	long idx;

	if (GMIME_IS_PART(obj))
		fn = g_mime_part_get_filename(GMIME_PART(obj));
	else {
		fn = g_mime_object_get_content_disposition_parameter(obj, "filename");
		if (!fn)
			fn = g_mime_object_get_content_type_parameter(obj, "name");
	}
	idx = inspect_part_add(in, path, fn, type);
	g_free(type);
	return idx;
}

/* Append every mailbox address of list (groups expanded) to *v. */
static void
collect_addrs(InternetAddressList *list, char ***v, size_t *n, unsigned depth)
{
	int count = list ? internet_address_list_length(list) : 0;

	for (int i = 0; i < count; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		const char *addr;
		char **nv;

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			if (depth < MAX_GROUP_DEPTH)
				collect_addrs(internet_address_group_get_members(
				    INTERNET_ADDRESS_GROUP(a)), v, n, depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
		if (!addr || !*addr)
			continue;
		nv = realloc(*v, (*n + 1) * sizeof(*nv));
		if (!nv)
			return;
		*v = nv;
		if ((nv[*n] = strdup(addr)) != NULL)
			(*n)++;
	}
}

/* The decoded Subject of msg (our RFC 2047 decoding), or NULL. */
static char *
subject_of(struct inspect *in, GMimeMessage *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, "Subject") : NULL;
	const char *raw = h ? g_mime_header_get_raw_value(h) : NULL;
	char *s;
	size_t n;

	if (!raw)
		return NULL;
	s = hdr_decode_text(raw, in->opt->limits.max_text_bytes);
	n = s ? strlen(s) : 0;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* The top message: Subject (scanned as part "subject"), Message-ID and the
 * visible (To, Cc) and Bcc addresses. */
static void
top_headers(struct inspect *in, GMimeMessage *msg)
{
	struct scan_result *res = in->res;
	const char *mid = g_mime_message_get_message_id(msg);
	long idx;

	free(res->subject);
	res->subject = subject_of(in, msg);
	if (mid && !res->message_id)
		res->message_id = strdup(mid);
	collect_addrs(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO),
	    &in->visible, &in->nvisible, 0);
	collect_addrs(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC),
	    &in->visible, &in->nvisible, 0);
	collect_addrs(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_BCC),
	    &in->bcc, &in->nbcc, 0);
	if (!res->subject || !*res->subject)
		return;
	idx = inspect_part_add(in, "subject", NULL, NULL);
	if (idx < 0)
		return;
	res->parts[idx].extractor = "header";
	res->parts[idx].size = strlen(res->subject);
	if (inspect_out_of_time(in))
		inspect_unscanned(in, (size_t)idx, "time budget exceeded");
	else
		inspect_text(in, (size_t)idx, res->subject, strlen(res->subject));
}

/* A forwarded message's own headers (Subject, From, To, Cc, Reply-To) are
 * content: scanned as text of the part that holds the message. */
static void
nested_headers(struct inspect *in, GMimeMessage *msg, size_t cidx)
{
	static const GMimeAddressType types[] = { GMIME_ADDRESS_TYPE_FROM,
		GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC, GMIME_ADDRESS_TYPE_REPLY_TO };
	GString *t = g_string_new(NULL);
	char *subj = subject_of(in, msg);

	if (subj)
		g_string_append_printf(t, "%s\n", subj);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		InternetAddressList *l = g_mime_message_get_addresses(msg, types[i]);
		char *s = l ? internet_address_list_to_string(l, NULL, FALSE) : NULL;

		if (s && *s)
			g_string_append_printf(t, "%s\n", s);
		g_free(s);
	}
	if (t->len > in->opt->limits.max_text_bytes)
		g_string_truncate(t, in->opt->limits.max_text_bytes);
	if (!inspect_out_of_time(in))
		inspect_text(in, cidx, t->str, t->len);
	free(subj);
	g_string_free(t, TRUE);
}

/* A multipart that shows no children: its prologue and epilogue (where a
 * broken boundary leaves the whole content) are read as text. */
static void
multipart_text(struct inspect *in, GMimeMultipart *mp, size_t idx, bool own)
{
	const char *parts[2] = { g_mime_multipart_get_prologue(mp),
		g_mime_multipart_get_epilogue(mp) };

	if (own)
		in->res->parts[idx].extractor = "none";	/* until text is found */
	for (int i = 0; i < 2; i++) {
		size_t n, len = parts[i] ? strlen(parts[i]) : 0;
		char *u;

		if (len == 0)
			continue;
		u = charset_to_utf8((const unsigned char *)parts[i], len, NULL,
		    in->opt->limits.max_text_bytes, &n, NULL);
		if (u) {
			if (own) {
				in->res->parts[idx].size += len;
				in->res->parts[idx].extractor = "text";
			}
			inspect_text(in, idx, u, n);
		}
		free(u);
	}
}

/* The children of mp, numbered under path.  cidx: the part standing for
 * mp when it cannot show its children (the part holding the message whose
 * body mp is), or -1 to add one at path ("1" at the top). */
static void
walk_multipart(struct inspect *in, GMimeMultipart *mp, const char *path, unsigned depth,
    long cidx)
{
	int n = g_mime_multipart_get_count(mp);
	unsigned max_depth = in->opt->limits.max_depth;

	if (n == 0 || depth + 1 > max_depth) {
		long idx = cidx >= 0 ? cidx : add_part(in, *path ? path : "1", GMIME_OBJECT(mp));

		if (idx < 0)
			return;
		if (n == 0)
			multipart_text(in, mp, (size_t)idx, cidx < 0);
		else
			inspect_unscanned(in, (size_t)idx, "nested deeper than max_depth (%u)",
			    max_depth);
		return;
	}
	for (int i = 0; i < n && in->res->nparts <= in->opt->limits.max_parts; i++) {
		char *cp = child_path(path, i + 1);

		walk_entity(in, g_mime_multipart_get_part(mp, i), cp, depth + 1);
		g_free(cp);
	}
}

/* The body of msg, whose part path is prefix. */
static void
walk_body(struct inspect *in, GMimeMessage *msg, const char *prefix, unsigned depth, long cidx)
{
	GMimeObject *body = g_mime_message_get_mime_part(msg);
	char *cp;

	if (!body)
		return;
	if (GMIME_IS_MULTIPART(body) && !GMIME_IS_MULTIPART_ENCRYPTED(body)) {
		walk_multipart(in, GMIME_MULTIPART(body), prefix, depth, cidx);
		return;
	}
	cp = child_path(prefix, 1);
	walk_entity(in, body, cp, depth);
	g_free(cp);
}

/* The decoded size to make room for: base64 gives 3 bytes for 4 encoded
 * ones, quoted-printable, uuencode and the rest at most as many as
 * encoded; within [DECODE_CHUNK, max], and no more than DECODE_ROOM_MAX
 * before bytes come (a part's length is the sender's word, and a worker
 * runs under an address-space limit). */
static size_t
decoded_room(GMimeStream *src, GMimeContentEncoding enc, size_t max)
{
	gint64 raw = g_mime_stream_length(src);
	size_t n = raw > 0 ? (size_t)raw : 0;

	if (enc == GMIME_CONTENT_ENCODING_BASE64)
		n = n / 4 * 3 + 3;
	if (n > DECODE_ROOM_MAX)
		n = DECODE_ROOM_MAX;
	if (n < DECODE_CHUNK)
		n = DECODE_CHUNK;
	return n < max ? n : max > DECODE_CHUNK ? max : DECODE_CHUNK;
}

/* Decode the content of part (base64, QP, uuencode …) into memory, at most
 * max bytes kept.  *total gets the full decoded size; digest (or NULL) the
 * SHA-256 of all of it, kept or not.  Returns the bytes (malloc'd, possibly
 * empty) or NULL on ENOMEM.  The buffer is sized once from the encoded
 * length, and GMime's filter writes into it straight while it has room
 * for a whole read (no copy, no growing); a read that would not fit goes
 * through chunk. */
static unsigned char *
decode_part(GMimePart *part, size_t max, size_t *len, size_t *total, unsigned char *digest)
{
	struct mime_digest *sha;
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *src = w ? g_mime_data_wrapper_get_stream(w) : NULL;
	GMimeContentEncoding enc = w ? g_mime_data_wrapper_get_encoding(w) :
	    GMIME_CONTENT_ENCODING_DEFAULT;
	size_t cap = src ? decoded_room(src, enc, max) : DECODE_CHUNK;
	unsigned char *buf = malloc(cap), *chunk;
	GMimeStream *fs;
	ssize_t n;

	*len = *total = 0;
	if (!buf || !src)
		return buf;
	chunk = malloc(DECODE_CHUNK);
	sha = digest ? mime_digest_new() : NULL;
	if (!chunk || (digest && !sha)) {
		free(buf);
		free(chunk);
		if (sha)
			mime_digest_final(sha, digest);
		return NULL;
	}
	g_mime_stream_reset(src);
	fs = g_mime_stream_filter_new(src);
	if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		GMimeFilter *f = g_mime_filter_basic_new(enc, FALSE);

		g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
		g_object_unref(f);
	}
	for (;;) {
		/* still keeping, with room for a whole read: straight into buf */
		bool direct = *total == *len && cap - *len >= DECODE_CHUNK;
		unsigned char *dst = direct ? buf + *len : chunk;

		if ((n = g_mime_stream_read(fs, (char *)dst, DECODE_CHUNK)) <= 0)
			break;
		if (sha)
			mime_digest_update(sha, dst, (size_t)n);
		*total += (size_t)n;
		if (*total > max)
			continue;	/* counted, not kept */
		if (*total > cap) {
			unsigned char *nb;

			while (cap < *total)
				cap *= 2;
			if (cap > max)
				cap = max;
			if (!(nb = realloc(buf, cap))) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		if (!direct)
			memcpy(buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
	}
	g_object_unref(fs);
	free(chunk);
	if (sha)
		mime_digest_final(sha, digest);
	return buf;
}

/* S/MIME application/pkcs7-mime: enveloped data is encrypted, the other
 * kinds are opaque to us. */
static void
walk_pkcs7(struct inspect *in, GMimeApplicationPkcs7Mime *p7, size_t idx)
{
	switch (g_mime_application_pkcs7_mime_get_smime_type(p7)) {
	case GMIME_SECURE_MIME_TYPE_ENVELOPED_DATA:
		inspect_encrypted(in, idx);
		break;
	case GMIME_SECURE_MIME_TYPE_CERTS_ONLY:
		in->res->parts[idx].extractor = "none";
		break;
	default:
		inspect_unscanned(in, idx, "opaque S/MIME content not inspected");
		break;
	}
}

/* A leaf: decode and inspect. */
static void
walk_leaf(struct inspect *in, GMimePart *part, const char *path, unsigned depth)
{
	size_t max = in->opt->limits.max_member_bytes, len, total;
	long idx = add_part(in, path, GMIME_OBJECT(part));
	unsigned char *data;

	if (idx < 0)
		return;
	if (GMIME_IS_APPLICATION_PKCS7_MIME(part)) {
		walk_pkcs7(in, GMIME_APPLICATION_PKCS7_MIME(part), (size_t)idx);
		return;
	}
	if (inspect_out_of_time(in)) {
		inspect_unscanned(in, (size_t)idx, "time budget exceeded");
		return;
	}
	/* an attachment's digest is a series key (scan.h, milter/series.c):
	 * a part with no file name has none, its bytes are not hashed */
	data = decode_part(part, max, &len, &total, in->res->parts[idx].filename ?
	    in->res->parts[idx].digest : NULL);
	if (!data) {
		inspect_unscanned(in, (size_t)idx, "out of memory");
		return;
	}
	in->res->parts[idx].has_digest = in->res->parts[idx].filename != NULL && total > 0;
	if (total > max) {
		in->res->parts[idx].size = total;
		inspect_unscanned(in, (size_t)idx, "part larger than max_member_bytes (%zu)", max);
	} else
		inspect_data(in, (size_t)idx, data, len, depth,
		    g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset"));
	free(data);
}

/* Bytes of obj as it would be written (the size of a forwarded message). */
static size_t
object_size(GMimeObject *obj)
{
	GMimeStream *null = g_mime_stream_null_new();
	ssize_t n = g_mime_object_write_to_stream(obj, NULL, null);

	g_object_unref(null);
	return n > 0 ? (size_t)n : 0;
}

static void walk_message(struct inspect *in, GMimeMessage *msg, const char *prefix,
    unsigned depth, long cidx);

/* A message/rfc822 part: a part of its own, its message walked under it. */
static void
walk_message_part(struct inspect *in, GMimeMessagePart *mp, const char *path, unsigned depth)
{
	GMimeMessage *msg = g_mime_message_part_get_message(mp);
	long idx = add_part(in, path, GMIME_OBJECT(mp));

	if (idx < 0)
		return;
	in->res->parts[idx].extractor = "rfc822";
	in->res->parts[idx].size = object_size(GMIME_OBJECT(mp));
	if (inspect_out_of_time(in))
		inspect_unscanned(in, (size_t)idx, "time budget exceeded");
	else if (msg && depth + 1 > in->opt->limits.max_depth)
		inspect_unscanned(in, (size_t)idx, "nested deeper than max_depth (%u)",
		    in->opt->limits.max_depth);
	else if (msg)
		walk_message(in, msg, path, depth + 1, idx);
}

static void
walk_entity(struct inspect *in, GMimeObject *obj, const char *path, unsigned depth)
{
	long idx;

	if (GMIME_IS_MULTIPART_ENCRYPTED(obj)) {
		if ((idx = add_part(in, path, obj)) >= 0)
			inspect_encrypted(in, (size_t)idx);
	} else if (GMIME_IS_MULTIPART(obj)) {
		walk_multipart(in, GMIME_MULTIPART(obj), path, depth, -1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		walk_message_part(in, GMIME_MESSAGE_PART(obj), path, depth);
	} else if (GMIME_IS_MESSAGE_PARTIAL(obj)) {
		if ((idx = add_part(in, path, obj)) >= 0)
			inspect_unscanned(in, (size_t)idx, "message/partial fragment");
	} else if (GMIME_IS_PART(obj)) {
		walk_leaf(in, GMIME_PART(obj), path, depth);
	} else if ((idx = add_part(in, path, obj)) >= 0) {
		inspect_unscanned(in, (size_t)idx, "unknown MIME object");
	}
}

/* cidx: the part holding msg (a forwarded message), or -1 at the top. */
static void
walk_message(struct inspect *in, GMimeMessage *msg, const char *prefix, unsigned depth,
    long cidx)
{
	if (cidx >= 0)
		nested_headers(in, msg, (size_t)cidx);
	walk_body(in, msg, prefix, depth, cidx);
}

/* The part whose path is path, searched from the newest; -1 if none. */
static long
find_part(const struct scan_result *res, const char *path)
{
	for (size_t i = res->nparts; i-- > 0;)
		if (res->parts[i].path && strcmp(res->parts[i].path, path) == 0)
			return (long)i;
	return -1;
}

/* Length of the header block of data (through its empty line), looked for
 * in the first HEADER_WINDOW bytes. */
static size_t
header_length(const unsigned char *data, size_t len)
{
	size_t n = len < HEADER_WINDOW ? len : HEADER_WINDOW;

	for (size_t i = 0; i + 1 < n; i++) {
		if (data[i] != '\n')
			continue;
		if (data[i + 1] == '\n')
			return i + 2;
		if (data[i + 1] == '\r' && i + 2 < n && data[i + 2] == '\n')
			return i + 3;
	}
	return n;
}

/* Walk the message parsed into p (parse_open* returned rc): len is its
 * full size, too_big when only its headers were parsed. */
static int
walk_parsed(struct inspect *in, struct parsed *p, int rc, size_t len, const char *prefix,
    unsigned depth, bool top, bool too_big)
{
	long idx;

	if (rc < 0) {
		parse_close(p);
		if (top && (idx = inspect_part_add(in, "1", NULL, NULL)) >= 0)
			inspect_unscanned(in, (size_t)idx, "message could not be parsed");
		return -1;
	}
	if (top)
		top_headers(in, p->msg);
	if (too_big) {
		if ((idx = inspect_part_add(in, "message", NULL, "message/rfc822")) >= 0) {
			in->res->parts[idx].size = len;
			inspect_unscanned(in, (size_t)idx, "message larger than max_message_bytes "
			    "(%zu)", in->opt->limits.max_message_bytes);
		}
	} else
		walk_message(in, p->msg, prefix ? prefix : "", depth,
		    top ? -1 : find_part(in->res, prefix ? prefix : ""));
	parse_close(p);
	return 0;
}

int
mime_walk(struct inspect *in, const unsigned char *data, size_t len, const char *prefix,
    unsigned depth, bool top)
{
	struct parsed p;
	bool too_big = top && len > in->opt->limits.max_message_bytes;
	int rc = parse_open(&p, data, too_big ? header_length(data, len) : len);

	if (!in->walk)
		in->walk = mime_walk;
	return walk_parsed(in, &p, rc, len, prefix, depth, top, too_big);
}

int
mime_walk_spool(struct inspect *in, struct spool *sp)
{
	struct parsed p;
	size_t len = spool_size(sp);
	unsigned char *head;
	ssize_t n;
	int rc;

	if (!in->walk)
		in->walk = mime_walk;
	if (len <= in->opt->limits.max_message_bytes)
		return walk_parsed(in, &p, parse_open_fd(&p, spool_fd(sp), len), len, "", 0,
		    true, false);
	/* too big to inspect: the headers only, from the first bytes */
	n = len < HEADER_WINDOW ? (ssize_t)len : HEADER_WINDOW;
	head = malloc((size_t)n + 1);
	if (head == NULL || (n = spool_read(sp, 0, head, (size_t)n)) < 0) {
		free(head);
		memset(&p, 0, sizeof(p));
		return walk_parsed(in, &p, -1, len, "", 0, true, true);
	}
	rc = parse_open(&p, head, header_length(head, (size_t)n));
	rc = walk_parsed(in, &p, rc, len, "", 0, true, true);
	free(head);
	return rc;
}
