/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What record and stream say about a capture on stderr: a progress line while it runs, and
 * what it came to (capture.h's result) when it ends.
 */
#ifndef REMOTECTL_CAPTURE_SUMMARY_H
#define REMOTECTL_CAPTURE_SUMMARY_H

#include "capture.h"

/* A capture_opts progress callback: one line, rewritten in place; a terminal's. */
void capture_progress_line(const struct capture_progress *p);

/*
 * The summary of a capture that ran (r->ran): per target a line, a table of its CPUs and the
 * warnings and hints that go with them; then the output. Only warnings with -q.
 */
void capture_summary(const struct capture_result *r);

#endif
