/*
 * context.h — the two milter contexts, one owner each.
 *
 * A connection context is made at the first MAIL FROM of a connection
 * (dlp-milter asks the MTA not to send CONNECT) and freed at close.  A
 * message context is made at MAIL FROM by msgctx_new() and freed by
 * msgctx_free(), called from eom, abort and close (context.c).
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
	int counted;		/* counted among the messages in flight */
	int late;		/* begun after the stop: answered tempfail */
	char released[32];	/* an X-DLP-Released token seen in the header, or "" */
};

struct connctx {
	struct msgctx *msg;	/* current message, or NULL */
	unsigned long noreply;	/* the SMFIP_NR_* flags the MTA accepted */
	bool leadspc;		/* the MTA accepted SMFIP_HDR_LEADSPC */
	unsigned long nmsgs;	/* messages begun on this connection */
};

/* A zeroed message context, counted in flight — or, once msgs_drain() has
 * begun, marked late.  NULL when out of memory. */
struct msgctx *msgctx_new(void);
void msgctx_free(struct msgctx *mc);

/* True when no message is in flight and some ended since the last true:
 * the moment to give a burst's freed memory back (counters.c). */
bool msgs_quiet(void);

/* Clean stop (SIGTERM), called while libmilter still serves the sessions:
 * from now on a new message is answered 451 4.3.2 at its end; wait up to
 * [milter] timeout seconds for the messages in progress to be answered.
 * Logs, and returns how many were still open (the MTA answers those
 * tempfail once we exit). */
unsigned long msgs_drain(void);

#endif
