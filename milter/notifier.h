/*
 * notifier.h — the daemon's notice sender: a background thread that
 * sends the notices queued in the register (quarantine/notify.h), woken
 * after each new incident and every NOTIFIER_PERIOD seconds.  The milter
 * callbacks never wait on it: notifier_wake() only signals.
 */
#ifndef DLP_NOTIFIER_H
#define DLP_NOTIFIER_H

#define NOTIFIER_PERIOD 30	/* seconds between runs without a wake-up */

/* Start the thread (after daemonize, after signals_start, so it keeps
 * their signal mask).  0 or -1. */
int notifier_start(void);
/* Ask for a run now (a hold or reject was just committed).  Never blocks
 * on the register or the relay. */
void notifier_wake(void);
/* Stop the thread: the notice being sent finishes (its SMTP transaction
 * is bounded by NOTIFY_TIMEOUT), the rest waits in the register. */
void notifier_stop(void);

#endif
