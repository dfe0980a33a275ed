// SPDX-License-Identifier: GPL-2.0
/* SIGINT/SIGTERM/SIGHUP as a flag and a pipe the capture loop polls; see stop_signal.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "stop_signal.h"

static volatile sig_atomic_t pending;
static int wake[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;

	pending = sig;
	/* A full pipe means a wake-up is pending anyway. */
	if (wake[1] >= 0 && write(wake[1], "x", 1) < 0)
		pending = sig;
	errno = saved;
}

int stop_signal_install(void)
{
	/*
	 * SA_RESTART: a write of the text blocked on a slow reader (a pipe, a pager) goes on
	 * instead of failing with EINTR, so a stop is a stop, not a write error; the waits that
	 * must end at once (poll(), nanosleep()) are never restarted, and the wake pipe wakes
	 * them anyway.
	 */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART }, cur;

	pending = 0;
	if (pipe2(wake, O_NONBLOCK | O_CLOEXEC))
		wake[0] = wake[1] = -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Under nohup a hang-up is to be ignored. */
	if (!sigaction(SIGHUP, NULL, &cur) && cur.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return wake[0];
}

int stop_signal_pending(void)
{
	return pending;
}

const char *stop_signal_name(void)
{
	switch (pending) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	}
	return "signal";
}

int stop_signal_fd(void)
{
	return wake[0];
}

void stop_signal_wake(void)
{
	/* A full pipe means a wake-up is pending anyway. */
	if (wake[1] >= 0 && write(wake[1], "x", 1) < 0)
		return;
}

void stop_signal_drain(void)
{
	char buf[64];

	while (wake[0] >= 0 && read(wake[0], buf, sizeof(buf)) > 0)
		;
}

void stop_signal_restore(void)
{
	struct sigaction cur;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (!sigaction(SIGHUP, NULL, &cur) && cur.sa_handler == on_signal)
		signal(SIGHUP, SIG_DFL);
	if (wake[0] >= 0) {
		close(wake[0]);
		close(wake[1]);
	}
	wake[0] = wake[1] = -1;
}
