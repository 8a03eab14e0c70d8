/*
 * subject_key.h — a Subject as a series key (subject_key.c): the same
 * subject however the mail client prefixed it, so that a second send, a
 * reply-all or a forward of the same mail meet the first.
 */
#ifndef DLP_MIME_SUBJECT_KEY_H
#define DLP_MIME_SUBJECT_KEY_H

#include <stddef.h>

/* The normalised subject of s (UTF-8) into out[0..outlen): NFKC and case
 * folded, leading reply/forward prefixes removed however often they repeat
 * ("Re:", "RE[2]:", "Fwd:", "FW:", "転送:", "返信:", full-width colons too)
 * with external tags ("[外部]", "【外部】", "[社外]", "[external]",
 * "[ext]"), every run of white space (ideographic space included) one
 * ASCII space, none at either end.  Returns its length; 0 (out "") when
 * nothing is left, or s is NULL or not UTF-8: no key.  out is cut at a
 * character boundary when it is too small. */
size_t subject_key(const char *s, char *out, size_t outlen);

#endif
