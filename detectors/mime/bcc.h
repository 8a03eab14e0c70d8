/*
 * bcc.h — Bcc conversion (Bcc に変換): the external addresses of the
 * visible To and Cc header fields taken out of them, so that none of them
 * is shown to the others; the envelope is not touched, so every recipient
 * still gets the message.  A To left empty becomes
 * "undisclosed-recipients:;"; a Cc left empty is removed.  Internal
 * addresses stay.
 *
 * One set of rules for both users: the rule action bcc (milter/act.c
 * applies the changes with smfi_chgheader) and the release option
 * (quarantine/release.c, `dlpctl release --bcc` and the console's
 * 「Bccに変換して送信」, rewrites the stored header with bcc_apply).
 */
#ifndef DLP_MIME_BCC_H
#define DLP_MIME_BCC_H

#include <stdbool.h>
#include <stddef.h>

#include "detectors/scan.h"

struct bcc_change {
	bool cc;		/* Cc, else To */
	int index;		/* the field's occurrence, from 1 (smfi_chgheader) */
	char *value;		/* the new value; "" when no address is left */
};

/* The changes for the header block hdr (the message's header, without the
 * blank line; folded lines as received) into ch[0 .. max), *n of them.
 * bcc_free() the values. */
void bcc_plan_header(const char *hdr, const struct scan_options *opt, struct bcc_change *ch,
    size_t max, size_t *n);
void bcc_free(struct bcc_change *ch, size_t n);

/* The header block hdr[0 .. len) with the changes applied: each changed
 * field replaced by "To: VALUE" (or "Cc: VALUE"; "To:
 * undisclosed-recipients:;" when empty), folded by bcc_folded(), an emptied Cc removed, every
 * other byte as it was; lines end in CRLF.  malloc'd with its length in
 * *outlen, NULL on ENOMEM. */
char *bcc_apply(const char *hdr, size_t len, const struct bcc_change *ch, size_t n,
    size_t *outlen);

/* The To/Cc value as it goes out for a change: "undisclosed-recipients:;"
 * for an emptied To, else the value ("" for an emptied Cc: remove it). */
const char *bcc_value(const struct bcc_change *c);

/* bcc_value(c) folded at address boundaries for a "To: " or "Cc: " line
 * (mime/addrfold.h): continuation lines start after nl with the blank
 * that was there, "\r\n" for a stored message, "\n" for smfi_chgheader
 * (libmilter's multi-line values: LF, no CR, then a blank).  g_malloc'd. */
char *bcc_folded(const struct bcc_change *c, const char *nl);

#endif
