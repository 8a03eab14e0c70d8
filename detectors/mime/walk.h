/*
 * walk.h — the MIME walk of a whole message (walk.c): every leaf decoded
 * and handed to the extractors (extract/extract.h), for the top level and
 * for forwarded messages (through struct inspect's walk).
 */
#ifndef DLP_MIME_WALK_H
#define DLP_MIME_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "extract/extract.h"
#include "mime/spool.h"

/* Walk the message data[0..len).  prefix is the part path of the message
 * ("" at the top); a top-level walk also fills subject, message_id and the
 * visible recipients.  Sets in->walk when unset.  Returns 0, or -1 when
 * the message cannot be parsed at all. */
int mime_walk(struct inspect *in, const unsigned char *data, size_t len,
    const char *prefix, unsigned depth, bool top);
/* The same for a whole top-level message the spool put in its temp file,
 * read through the file rather than mapped. */
int mime_walk_spool(struct inspect *in, struct spool *sp);

#endif
