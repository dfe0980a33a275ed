/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capturing a trace remote (remotes/NAME, Linux 7.1+), which offers only text: one reader
 * thread per CPU on per_cpu/cpuN/trace_pipe, the kernel's own lines merged by time stamp,
 * losses from its "CPU:N [LOST n EVENTS]" lines, in the order the kernel's selftests use:
 * tracing off, clear, resize while unloaded, enable events, tracing on, read; at the end
 * tracing off, read until every CPU is drained, close, and restore what was changed.
 */
#ifndef REMOTECTL_REMOTE_CAPTURE_H
#define REMOTECTL_REMOTE_CAPTURE_H

#include "capture.h"

int remote_capture_run(const struct capture_opts *o);

#endif
