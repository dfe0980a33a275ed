/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stream's output on stdout: when its reader goes away (`remotectl stream | head`), the
 * capture ends as a clean stop, as cat would end, instead of running on until a signal.
 * The capture loop (capture.c) and the text sink (sink.c) use it.
 */
#ifndef REMOTECTL_LIVE_OUTPUT_H
#define REMOTECTL_LIVE_OUTPUT_H

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>

/* Flush what was written; a reader gone (EPIPE) sets *closed. 0, or -errno on another error. */
int live_output_flush(FILE *out, bool *closed);

/* A poll() entry that wakes when the output's reader is gone (a pipe polls POLLERR). */
struct pollfd live_output_pollfd(FILE *out);

/* After poll(): sets *closed when that entry says so. */
void live_output_check(const struct pollfd *p, bool *closed);

#endif
