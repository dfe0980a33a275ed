/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIGINT, SIGTERM and SIGHUP (the terminal went away) end a capture cleanly: the handler only
 * notes the signal and wakes the capture loop through a pipe it can poll(). Installed without
 * SA_RESTART so that a blocked call returns EINTR.
 */
#ifndef REMOTECTL_STOP_SIGNAL_H
#define REMOTECTL_STOP_SIGNAL_H

/* Install the handlers; returns the fd to poll() for POLLIN, or -1. */
int stop_signal_install(void);
/* The signal received since install, or 0. */
int stop_signal_pending(void);
/* "SIGINT", "SIGTERM" or "SIGHUP" for the pending signal. */
const char *stop_signal_name(void);
/* The poll()able fd of the last install, or -1. */
int stop_signal_fd(void);
/* Wake the poller from another thread, as a signal would (without setting the flag). */
void stop_signal_wake(void);
/* Empty the pipe after a wake-up; the flag still says whether a signal came. */
void stop_signal_drain(void);
/* Default handlers again; closes the pipe. */
void stop_signal_restore(void);

#endif
