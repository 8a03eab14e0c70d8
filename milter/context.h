/*
 * context.h — the two milter contexts, one owner each.
 *
 * A connection context is made at the first MAIL FROM of a connection
 * (dlp-milter asks the MTA not to send CONNECT) and freed at close.  A
 * message context is made at MAIL FROM and freed by msgctx_free(), called
 * from eom, abort and close.
 */
#ifndef DLP_CONTEXT_H
#define DLP_CONTEXT_H

#include <stdbool.h>
#include <time.h>

struct runtime;
struct scan_msg;

struct msgctx {
	struct runtime *rt;	/* reference held for the whole message */
	struct scan_msg *scan;
	char qid[64];		/* Postfix/Sendmail queue id ({i}), "" until known */
	struct timespec start;	/* CLOCK_MONOTONIC at MAIL FROM */
	struct timespec eom;	/* CLOCK_MONOTONIC at end of message; 0 before */
	int failed;		/* a spool write failed: answer on_error at eom */
	bool leadspc;		/* header values carry their leading space */
};

struct connctx {
	struct msgctx *msg;	/* current message, or NULL */
	unsigned long noreply;	/* the SMFIP_NR_* flags the MTA accepted */
	bool leadspc;		/* the MTA accepted SMFIP_HDR_LEADSPC */
	unsigned long nmsgs;	/* messages begun on this connection */
};

void msgctx_free(struct msgctx *mc);

#endif
