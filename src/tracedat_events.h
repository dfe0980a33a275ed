/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events of one CPU of a trace.dat buffer, in order: the reader's sub-buffers decoded with the
 * capture engine's bounds-checked decoder (src/subbuf.c), or, for a file in the other byte
 * order, with libtraceevent's kbuffer after checking each page header.
 */
#ifndef REMOTECTL_TRACEDAT_EVENTS_H
#define REMOTECTL_TRACEDAT_EVENTS_H

#include <stdint.h>

#include "tracedat_read.h"

struct td_event {
	uint64_t ts;
	int cpu;
	int buffer;		/* index into tdr_info()->buffers */
	void *data;		/* payload, valid until the next td_src_next() */
	int size;
	long long missed;	/* events lost before this one: >0 count, -1 unknown, 0 none */
};

struct td_src_stats {
	uint64_t pages;
	uint64_t events;
	uint64_t lost;		/* counted losses */
	uint64_t lost_unknown;	/* pages flagged lost without a count */
	uint64_t errors;	/* damaged chunks or pages */
};

struct td_src;

struct td_src *td_src_new(struct tdr *r, int buffer, int cpu_index);
/* 1 with *ev filled, 0 at the end. Damage is reported once per chunk with warn_msg(). */
int td_src_next(struct td_src *s, struct td_event *ev);
const struct td_src_stats *td_src_stats(const struct td_src *s);
void td_src_free(struct td_src *s);

#endif
