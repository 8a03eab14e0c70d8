/*
 * smtp_fake.h — a tiny scripted SMTP server on 127.0.0.1 for the unit
 * tests of the release and the notices: one thread, one connection at a
 * time, accepted transactions kept in memory (dot-unstuffed).
 */
#ifndef DLP_SMTP_FAKE_H
#define DLP_SMTP_FAKE_H

#include <stddef.h>

struct fake_txn {
	char *from;		/* the MAIL FROM argument, "<a@b>" or "<>" */
	char *rcpts;		/* RCPT TO arguments, one per line */
	unsigned char *data;	/* the message as received, dot-unstuffed */
	size_t len;
};

struct fake_smtp_cfg {
	const char *refuse_rcpt;	/* substring: such a RCPT gets "550 5.1.1 refused here" */
	const char *eom_reply;		/* reply after DATA (NULL: "250 2.0.0 queued") */
	int eom_delay_ms;		/* wait before that reply */
};

struct fake_smtp;

/* Start on a free port; fails the test on error. */
struct fake_smtp *fake_smtp_start(const struct fake_smtp_cfg *cfg);
int fake_smtp_port(const struct fake_smtp *fs);
/* "smtp://127.0.0.1:PORT" */
const char *fake_smtp_url(const struct fake_smtp *fs);
/* Accepted transactions so far, and one of them. */
size_t fake_smtp_count(struct fake_smtp *fs);
const struct fake_txn *fake_smtp_txn(struct fake_smtp *fs, size_t i);
void fake_smtp_stop(struct fake_smtp *fs);

#endif
