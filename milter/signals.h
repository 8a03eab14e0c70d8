/*
 * signals.h — SIGHUP reloads the configuration, SIGTERM and SIGINT stop.
 */
#ifndef DLP_SIGNALS_H
#define DLP_SIGNALS_H

/* Block the signals in the calling thread (do this before any other thread
 * starts) and start the thread that handles SIGHUP (reload) and SIGTERM and
 * SIGINT (let the messages in progress finish, then smfi_stop()).
 * config_path is kept.  Returns 0 or -1. */
int signals_start(const char *config_path);

#endif
