/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Merge per-CPU event streams by time stamp. Each stream is already in time order; a heap
 * keyed on each stream's oldest event picks the next one (at equal stamps the lower stream).
 *
 * Live output cannot wait for the end, and an idle CPU must not hold the others back for
 * long. The rule: the oldest queued event e may go out when every other stream has queued
 * events, has ended, or was found caught up (its reader had nothing more) after e was queued
 * -- anything that stream delivers later was written after e was read, so it is newer. The
 * capture loop checks idle CPUs at a fixed interval, which bounds the delay.
 */
#ifndef REMOTECTL_MERGE_H
#define REMOTECTL_MERGE_H

#include <stdbool.h>
#include <stdint.h>

struct ring_merge;

struct ring_merge_event {
	uint64_t ts;
	int stream;		/* index given to ring_merge_new() order */
	int64_t lost;		/* 0 an event; > 0 that many lost; -1 a loss of unknown size */
	uint32_t len;
	const void *data;	/* a copy; valid until the next push or pop */
};

struct ring_merge *ring_merge_new(int nr_streams);
void ring_merge_free(struct ring_merge *m);

/* Queue an event (payload copied) or a loss marker on a stream. */
void ring_merge_push(struct ring_merge *m, int stream, uint64_t ts, const void *data, uint32_t len);
/*
 * Queue an event without copying it: data stays the caller's and must stay valid until the
 * event has been popped (ring_merge_event.data then points at it) or ring_merge_own() was
 * called on its stream.
 */
void ring_merge_push_ref(struct ring_merge *m, int stream, uint64_t ts, const void *data,
			 uint32_t len);
void ring_merge_push_lost(struct ring_merge *m, int stream, uint64_t ts, int64_t lost);
/*
 * The stream's events queued by reference get copies of their payloads now, before the
 * caller's memory they point into changes.
 */
void ring_merge_own(struct ring_merge *m, int stream);

/* The stream's reader has caught up: everything it had is queued. */
void ring_merge_caught_up(struct ring_merge *m, int stream);
/*
 * Everything the stream will deliver later is newer than the events queued (on any stream)
 * while ring_merge_seq() was at most seq: for readers that know how late their data can be.
 */
void ring_merge_caught_up_at(struct ring_merge *m, int stream, uint64_t seq);
/* A counter that grows with every event queued. */
uint64_t ring_merge_seq(const struct ring_merge *m);
/*
 * Move the counter forward to at least seq (never back): a caller replaying records stamped
 * with its own increasing sequence keeps ring_merge_seq() in that domain, so
 * ring_merge_caught_up_at() can take the stamps directly.
 */
void ring_merge_advance_seq(struct ring_merge *m, uint64_t seq);

/* The stream will deliver nothing more. */
void ring_merge_end(struct ring_merge *m, int stream);

/*
 * The next event that may go out: 1 and *ev filled, 0 when none may go out yet (or none is
 * queued). With drain, every queued event may go out (the end of a capture).
 */
int ring_merge_pop(struct ring_merge *m, bool drain, struct ring_merge_event *ev);

/* Entries queued in one stream (events, losses, sub-buffers of events): 0 when none. */
uint64_t ring_merge_stream_queued(const struct ring_merge *m, int stream);

#endif
