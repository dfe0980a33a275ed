/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A capture of an instance or a remote: apply what was asked to a target (events, buffer size,
 * tracing on), read every selected CPU through one source each (source.h), hand the data to
 * one sink (capture_internal.h: text now or after the capture, trace.dat), stop on a signal, a
 * duration or an output size, drain, restore every setting changed, and report.
 */
#ifndef REMOTECTL_CAPTURE_H
#define REMOTECTL_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "reader_priority.h"
#include "target.h"
#include "tracedat_write.h"

struct capture_opts {
	struct target *t;
	const char **events;	/* -e globs */
	int nr_events;
	uint64_t buffer_kib;	/* -b, 0 to keep the current size */
	double duration;	/* -d seconds, 0 for none */
	uint64_t max_bytes;	/* --max-size of the output, 0 for none */
	int *cpus;		/* --cpu, NULL for all */
	int nr_cpus;
	enum transport transport;	/* TRANSPORT_NONE: the target's best */
	const char *output;	/* file name, NULL or "-" for stdout */
	bool live;		/* stream: short release delay, line-buffered output */
	bool dat;		/* write trace.dat (capture_dat.c, remote_dat.c), not text */
	bool clear;		/* --clear: empty the buffer before capturing */
	int buffer_percent;	/* --buffer-percent for the capture, -1 to leave it alone */
	struct reader_sched sched;	/* --rt-priority, --reader-nice */
	enum td_compression compression;	/* trace.dat: --compression */
	int level;		/* trace.dat: -z, 0 = default */
	bool fail_on_loss;	/* --fail-on-loss: any lost event makes the exit status RC_LOST */
};

/* Runs the capture; returns an exit code. */
int capture_run(const struct capture_opts *o);

#endif
