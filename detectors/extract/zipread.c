/*
 * zipread.c — the safe libzip layer (see zipread.h).
 *
 * Read: the central directory (names, declared sizes, encryption method)
 * and member data, inflated in memory.  Not done: writing anything to
 * disk, using member names as paths, decrypting (an encrypted member is
 * counted encrypted, never opened), reading a member past its declared
 * size or past the limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "text/charset.h"
#include "extract/extract.h"
#include "extract/zipread.h"

#define ZR_CHUNK (1u << 20)	/* inflate this much between time checks */
#define ZR_LABEL_MAX 1024	/* bytes of a member name kept as a label */

int
zipread_open(struct zipread *zr, struct inspect *in, size_t idx, const char *kind,
    const unsigned char *data, size_t len, char *why, size_t whylen)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_int64_t n;

	memset(zr, 0, sizeof(*zr));
	zip_error_init(&ze);
	src = zip_source_buffer_create(len ? (const void *)data : "", len, 0, &ze);
	if (src == NULL)
		goto fail;
	za = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (za == NULL) {
		zip_source_free(src);
		goto fail;
	}
	n = zip_get_num_entries(za, 0);
	zip_error_fini(&ze);
	zr->za = za;
	zr->in = in;
	zr->idx = idx;
	zr->n = n > 0 ? (uint64_t)n : 0;
	zr->kind = kind;
	return 0;
fail:
	snprintf(why, whylen, "%s", zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return -1;
}

void
zipread_close(struct zipread *zr)
{
	if (zr == NULL || zr->za == NULL)
		return;
	zip_discard(zr->za);
	zr->za = NULL;
}

int
zipread_stat(struct zipread *zr, uint64_t i, struct zipread_entry *e)
{
	zip_stat_t st;
	size_t nl;

	memset(e, 0, sizeof(*e));
	zip_stat_init(&st);
	if (zip_stat_index(zr->za, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME))
		return -1;
	e->index = i;
	e->name = st.name;
	e->size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
	e->comp_size = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
	e->encryption = (st.valid & ZIP_STAT_ENCRYPTION_METHOD) ? st.encryption_method
								 : ZIP_EM_NONE;
	nl = strlen(st.name);
	e->is_dir = nl > 0 && st.name[nl - 1] == '/';
	return 0;
}

int64_t
zipread_locate(struct zipread *zr, const char *name)
{
	return zip_name_locate(zr->za, name, ZIP_FL_ENC_GUESS);
}

int
zipread_check(struct zipread *zr, const struct zipread_entry *e, bool streamed,
    char *why, size_t whylen)
{
	const struct scan_limits *l = &zr->in->opt->limits;

	if (inspect_out_of_time(zr->in)) {
		snprintf(why, whylen, "time budget spent");
		return -1;
	}
	if (!streamed && e->size > l->max_member_bytes) {
		snprintf(why, whylen, "%llu bytes expanded, over max_member_bytes (%zu)",
		    (unsigned long long)e->size, l->max_member_bytes);
		return -1;
	}
	if (e->size > ZIPREAD_RATIO_FLOOR &&
	    (e->comp_size == 0 || e->size / e->comp_size >= l->max_ratio)) {
		snprintf(why, whylen, "compression ratio %llu:1, over max_ratio (%u)",
		    (unsigned long long)(e->comp_size ? e->size / e->comp_size : e->size),
		    l->max_ratio);
		return -1;
	}
	if (zr->in->expanded > l->max_expanded_bytes ||
	    e->size > l->max_expanded_bytes - zr->in->expanded) {
		snprintf(why, whylen, "max_expanded_bytes (%zu) reached for the message",
		    l->max_expanded_bytes);
		return -1;
	}
	return 0;
}

int
zipread_stream_open(struct zipread_stream *st, struct zipread *zr, const struct zipread_entry *e)
{
	memset(st, 0, sizeof(*st));
	st->zr = zr;
	st->declared = e->size;
	st->limit = e->size;
	if (e->encryption != ZIP_EM_NONE) {
		snprintf(st->why, sizeof(st->why), "encrypted member %s", e->name);
		return -1;
	}
	st->zf = zip_fopen_index(zr->za, e->index, 0);
	if (st->zf == NULL) {
		snprintf(st->why, sizeof(st->why), "corrupt %s: %s: %s", zr->kind, e->name,
		    zip_strerror(zr->za));
		return -1;
	}
	return 0;
}

/* One read of at most n bytes, never more than one past the declared size
 * (so that a lying header shows without inflating the rest). */
long
zipread_stream_read(struct zipread_stream *st, void *buf, size_t n)
{
	uint64_t room = st->limit - st->got + 1;
	zip_int64_t r;

	if (st->zf == NULL)
		return -1;
	if (inspect_out_of_time(st->zr->in)) {
		snprintf(st->why, sizeof(st->why), "time budget spent");
		return -1;
	}
	if (n > room)
		n = (size_t)room;
	r = zip_fread(st->zf, buf, n);
	if (r < 0) {
		snprintf(st->why, sizeof(st->why), "corrupt %s: %s", st->zr->kind,
		    zip_file_strerror(st->zf));
		return -1;
	}
	st->got += (uint64_t)r;
	st->zr->in->expanded += (size_t)r;
	if (st->got > st->limit) {
		snprintf(st->why, sizeof(st->why),
		    "corrupt %s: member inflates past its declared size (%llu bytes)",
		    st->zr->kind, (unsigned long long)st->declared);
		return -1;
	}
	if (r == 0 && st->got < st->declared) {
		snprintf(st->why, sizeof(st->why),
		    "corrupt %s: member shorter than its declared size", st->zr->kind);
		return -1;
	}
	return (long)r;
}

void
zipread_stream_close(struct zipread_stream *st)
{
	if (st == NULL || st->zf == NULL)
		return;
	zip_fclose(st->zf);
	st->zf = NULL;
}

int
zipread_read(struct zipread *zr, const struct zipread_entry *e, unsigned char **out,
    size_t *outlen, char *why, size_t whylen)
{
	struct zipread_stream st;
	unsigned char *buf = NULL;
	size_t got = 0;
	long r;

	*out = NULL;
	*outlen = 0;
	if (zipread_check(zr, e, false, why, whylen) != 0)
		return -1;
	if (zipread_stream_open(&st, zr, e) != 0)
		goto fail;
	/* declared + 1: room for the byte that shows a lying header */
	buf = malloc((size_t)e->size + 1);
	if (buf == NULL) {
		snprintf(st.why, sizeof(st.why), "out of memory");
		goto fail;
	}
	do {
		size_t want = (size_t)e->size + 1 - got;

		r = zipread_stream_read(&st, buf + got, want > ZR_CHUNK ? ZR_CHUNK : want);
		if (r < 0)
			goto fail;
		got += (size_t)r;
	} while (r > 0);
	zipread_stream_close(&st);
	buf[got] = '\0';	/* got <= size: a longer member failed above */
	*out = buf;
	*outlen = got;
	return 0;
fail:
	snprintf(why, whylen, "%s", st.why);
	zipread_stream_close(&st);
	free(buf);
	return -1;
}

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, min, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if (n - i <= need)
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

char *
zipread_label(struct zipread *zr, const struct zipread_entry *e)
{
	const char *raw = zip_get_name(zr->za, e->index, ZIP_FL_ENC_RAW);
	size_t n, outlen;

	if (raw == NULL)
		raw = e->name;
	n = strnlen(raw, ZR_LABEL_MAX);
	if (utf8_valid((const unsigned char *)raw, n))
		return strndup(raw, n);
	return charset_to_utf8((const unsigned char *)raw, n, "CP932", ZR_LABEL_MAX, &outlen,
	    NULL);
}

/* Add the child part for e; -1 when max_parts is reached (the archive is
 * then marked unscanned). */
static long
child_add(struct zipread *zr, const struct zipread_entry *e, const char *label)
{
	struct inspect *in = zr->in;
	const char *base = strrchr(label, '/');
	char *base_path = inspect_container_path(in, zr->idx), *path;
	long c;

	path = base_path ? inspect_child_path(base_path, label) : NULL;
	free(base_path);
	if (path == NULL)
		return -1;
	c = inspect_part_add(in, path, base ? base + 1 : label, NULL);
	free(path);
	if (c < 0)
		inspect_unscanned(in, zr->idx, "more than max_parts (%u) parts in the message",
		    in->opt->limits.max_parts);
	return c;
}

int
zipread_child(struct zipread *zr, const struct zipread_entry *e, unsigned depth)
{
	struct inspect *in = zr->in;
	unsigned char *buf = NULL;
	char why[200];
	char *label;
	size_t n;
	long c;

	label = zipread_label(zr, e);
	if (label == NULL) {
		inspect_unscanned(in, zr->idx, "out of memory");
		return -1;
	}
	c = child_add(zr, e, label);
	free(label);
	if (c < 0)
		return -1;
	if (e->encryption != ZIP_EM_NONE) {
		in->res->parts[c].size = (size_t)e->size;
		inspect_encrypted(in, (size_t)c);
		return 0;
	}
	if (zipread_read(zr, e, &buf, &n, why, sizeof(why)) != 0) {
		in->res->parts[c].size = (size_t)e->size;
		inspect_unscanned(in, (size_t)c, "%s", why);
		return 0;
	}
	inspect_data(in, (size_t)c, buf, n, depth + 1, NULL);
	free(buf);
	return 0;
}
