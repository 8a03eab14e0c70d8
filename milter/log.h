/*
 * log.h — the one logging module: syslog (the [general] log_facility,
 * `mail` by default), or stderr in the foreground with -f.  Message lines
 * start with the queue id.  Never log a personal value: only counts,
 * types, rule names and masked samples.
 */
#ifndef DLP_LOG_H
#define DLP_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* facility: a syslog facility name ("mail", "local0" …).  Returns 0, or -1
 * when the name is unknown (mail is used). */
int log_init(const char *ident, bool to_stderr, const char *facility);
/* Facility value for a name, or -1. */
int log_facility(const char *name);
/* Switch syslog to another facility (a reload).  0, or -1 when the name is
 * unknown (the facility stays).  No-op on stderr. */
int log_set_facility(const char *facility);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Route the messages of GLib-based libraries (GMime, poppler, libgsf) into
 * this log: critical ones as errors, the rest dropped — their text may
 * quote message content, and a daemon must not write to stdout. */
void log_capture_glib(void);
/* A line about one message: "QUEUEID: text". qid NULL or "" → "NOQUEUE". */
void log_qid(int prio, const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
