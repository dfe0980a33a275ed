/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A capture of one or more targets (instances, the top level, remotes): apply what was asked
 * to each (events, buffer size, clock, tracing on), read every selected CPU of each through
 * one source (source.h), hand all the data to one sink (capture_internal.h: text merged by
 * time stamp now or after the capture, trace.dat), stop on a signal, a duration or an output
 * size, drain, restore every setting changed, and say what it came to (struct
 * capture_result); what of that is said and how is the caller's.
 */
#ifndef REMOTECTL_CAPTURE_H
#define REMOTECTL_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "reader_priority.h"
#include "target.h"
#include "tracedat_write.h"

/* Where a capture is, for a progress line. */
struct capture_progress {
	double secs;		/* since the reading began */
	uint64_t events;	/* captured, every CPU */
	uint64_t bytes;		/* event bytes read */
	uint64_t lost;		/* losses the sub-buffers (a remote's lines) counted so far */
	bool final;		/* the capture is over: nothing else is set, no call follows */
};

/* A target of a capture and what is asked of it (the options after its -r). */
struct capture_target {
	struct target *t;
	const char **events;	/* -e globs */
	int nr_events;
	uint64_t buffer_kib;	/* -b, 0 to keep the current size */
	int *cpus;		/* --cpu, NULL for all */
	int nr_cpus;
};

struct capture_opts {
	struct capture_target *targets;	/* at least one; their events merge by time stamp */
	int nr_targets;
	double duration;	/* -d seconds, 0 for none */
	uint64_t max_bytes;	/* --max-size of the output, 0 for none */
	enum target_transport transport;	/* TARGET_TRANSPORT_NONE: the target's best */
	const char *output;	/* file name, NULL or "-" for stdout */
	bool live;		/* stream: text follows the capture, short delay, line-buffered */
	uint64_t spool_max;	/* stream: raw bytes the text may lag behind, 0 the default */
	bool dat;		/* write trace.dat (capture_dat.c, remote_dat.c), not text */
	bool clear;		/* --clear: empty the buffer before capturing */
	int buffer_percent;	/* --buffer-percent for the capture, -1 to leave it alone */
	struct source_sched sched;	/* --rt-priority, --reader-nice */
	enum td_compression compression;	/* trace.dat: --compression */
	int level;		/* trace.dat: -z, 0 = default */
	int jobs;		/* record's text: lines made on this many threads (<= 1: one) */
	/*
	 * Called about once a second while the buffers are read, from the thread that called
	 * capture_run(), and once more with final set when the reading is over; NULL for none.
	 */
	void (*progress)(const struct capture_progress *p);
};

/* What a CPU's capture came to. */
struct capture_cpu {
	int cpu;
	bool skipped;		/* a remote's CPU that is not in its buffer: not read */
	uint64_t events;	/* captured */
	uint64_t bytes;		/* event bytes read */
	uint64_t stored_lost;	/* losses the sub-buffers (a remote's lines) counted */
	uint64_t missed_pages;	/* sub-buffers flagged with a loss, of unknown size or not */
	uint64_t corrupt;	/* sub-buffers that failed to decode completely */
	int64_t kernel_lost;	/* the kernel's count at the end (stats), -1 unknown */
	uint32_t switched_epp;	/* mmap went over to read(): events per sub-buffer then */
	int reader_refused;	/* mmap went over to read(): GET_READER failed with this errno */
	uint64_t unparsed;	/* a remote's lines kept as they were */
	uint64_t clock_back_steps;	/* a remote's time stamps going back: how often */
	uint64_t clock_back_max;	/* ... and the largest step, ns */
	uint64_t lagged;	/* stream: dropped, the text being too far behind */
};

/* What one target's capture came to. */
struct capture_target_result {
	const struct target *t;
	enum target_transport transport;
	char fallback[256];	/* why the transport is not the target's best, or "" */
	bool remote;		/* read as a remote's text lines */
	uint64_t buffer_kib;	/* the per-CPU buffer size while capturing, 0 unknown */
	int nr_cpus;
	struct capture_cpu *cpus;
	uint64_t lost;		/* events the kernel lost, as far as known */
	bool lost_some;		/* some were lost (lost may be 0: how many is not known) */
	uint64_t lagged;	/* stream: captured, but dropped as the text fell behind */
};

/* What a capture came to: the caller's, filled in by capture_run(). */
struct capture_result {
	bool ran;		/* the capture ran to its end (maybe with an error): all is set */
	const char *stop_reason;	/* "duration", "SIGINT", "max size"...; NULL: an error */
	double secs;		/* from the first read to the end of the drain */
	char clock[32];		/* the clock every target stamped with, "" unknown */
	int nr_targets;
	struct capture_target_result *targets;	/* in the order of capture_opts */
	uint64_t lost;		/* every target's: events the kernel lost, as far as known */
	bool lost_some;		/* some were lost (lost may be 0: how many is not known) */
	uint64_t lagged;	/* stream: captured, but dropped as the text fell behind */
	/* The output. */
	uint64_t written;	/* events written */
	uint64_t bytes;		/* bytes written */
	uint64_t dropped_max;	/* events captured but not written (--max-size) */
	bool to_stdout;
	bool after;		/* the text was made after the capture, in format_secs */
	double format_secs;
	double burst_secs;	/* stream: the text gave way to the readers in bursts this long */
};

/*
 * Run the capture; 0 or -errno, after a message (note.h). *r is filled in whenever the
 * capture ran (r->ran), even if it then failed; free it with capture_result_free().
 */
int capture_run(const struct capture_opts *o, struct capture_result *r);
void capture_result_free(struct capture_result *r);

#endif
