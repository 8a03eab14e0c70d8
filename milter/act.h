/*
 * act.h — apply the verdict at end of message, and log one line for it.
 */
#ifndef DLP_ACT_H
#define DLP_ACT_H

#include <libmilter/mfapi.h>

struct msgctx;

/* Scan, decide and act on the message of mc.  Returns the SMFIS_* answer. */
sfsistat act_decide(SMFICTX *ctx, struct msgctx *mc);
/* The configured on_error answer (default tempfail), logged with why. */
sfsistat act_internal_error(SMFICTX *ctx, struct msgctx *mc, const char *why);

/* A header X-DLP-Released: VALUE: keep a token of the right form.  At end
 * of message one the register knows means a released copy came back
 * through the filter ([release] relay points at a filtered port): logged
 * as an error and written in the incident's audit trail; the message is
 * inspected all the same (a token is no pass: internal recipients of a
 * release see it). */
void act_note_released(struct msgctx *mc, const char *value);

#endif
