/*
 * smtp.h — hand one message to an SMTP server with libcurl: the release
 * (re-injection) and the notices both go through here.
 *
 * Success means the server accepted the whole transaction: MAIL FROM,
 * every RCPT TO (one refused recipient fails the whole send), and 250
 * after DATA.  The bytes are sent as they are, except that a bare LF
 * becomes CRLF (SMTP's line end; a stored message is CRLF already).
 */
#ifndef DLP_SMTP_H
#define DLP_SMTP_H

#include <stdbool.h>
#include <stddef.h>

struct smtp_msg {
	const char *relay;		/* smtp://HOST:PORT (smtps:// too) */
	const char *from;		/* envelope sender; "" or NULL: the null sender <> */
	const char *const *rcpt;	/* envelope recipients */
	size_t nrcpt;
	const unsigned char *data;	/* the message */
	size_t len;
	/* or, with data NULL: the message read as it is sent, through
	 * read(read_arg, buf, len) → bytes, 0 at the end, -1 on an error
	 * (the transaction is abandoned, nothing is delivered) */
	long (*read)(void *arg, void *buf, size_t len);
	void *read_arg;
	const unsigned char *prefix;	/* sent before data (a trace header), or NULL */
	size_t prefix_len;
	long timeout;			/* seconds for the whole transaction (0: 300) */
	const bool *cancel;		/* NULL, or abort soon after *cancel turns true */
};

/* Once per process, before any thread sends (curl_global_init). */
int smtp_global_init(void);

/* Send m.  0 when the server answered 250 after DATA; -1 otherwise with
 * err saying what failed and the server's reply ("RCPT TO <x>: 550 5.1.1
 * …", "cannot connect to …").  *code (may be NULL) is the server's last
 * reply code, 0 when it said nothing. */
int smtp_send(const struct smtp_msg *m, int *code, char *err, size_t errlen);

#endif
