// SPDX-License-Identifier: GPL-2.0
/* Per-CPU streams merged by time stamp with a binary heap; see merge.h for the release rule. */
#include <stdlib.h>
#include <string.h>

#include "populated.h"
#include "ring_internal.h"
#include "util.h"

struct entry {
	uint64_t ts;
	uint64_t seq;		/* merge-wide arrival counter */
	int64_t lost;
	uint32_t len;
	size_t off;		/* payload offset in the stream's byte buffer */
	const void *ref;	/* or the caller's payload (ring_merge_push_ref()) */
};

struct stream {
	struct entry *ent;
	size_t head, nr, alloc;
	uint8_t *bytes;
	size_t bytes_head, bytes_len, bytes_alloc;
	uint64_t caught_seq;	/* seq value when last found caught up */
	bool ended;
	int heap_pos;		/* index in the heap, -1 when empty */
};

struct ring_merge {
	struct stream *s;
	int nr;
	int *heap;		/* streams with queued events, oldest head first */
	int heap_nr;
	uint64_t seq;
	uint64_t queued;
};

struct ring_merge *ring_merge_new(int nr_streams)
{
	struct ring_merge *m = xcalloc(1, sizeof(*m));
	int i;

	m->nr = nr_streams;
	m->s = xcalloc(nr_streams, sizeof(*m->s));
	m->heap = xcalloc(nr_streams, sizeof(*m->heap));
	for (i = 0; i < nr_streams; i++)
		m->s[i].heap_pos = -1;
	return m;
}

void ring_merge_free(struct ring_merge *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++) {
		free(m->s[i].ent);
		free(m->s[i].bytes);
	}
	free(m->s);
	free(m->heap);
	free(m);
}

static const struct entry *head_of(const struct ring_merge *m, int stream)
{
	const struct stream *s = &m->s[stream];

	return &s->ent[s->head];
}

/*
 * Older first; at equal stamps the lower stream (CPU), as trace-cmd report orders them: then
 * the order does not depend on which reader happened to deliver first, and `record --format
 * text` and `report` of the same data agree. A stream's own entries stay in arrival order.
 */
static bool older(const struct ring_merge *m, int a, int b)
{
	const struct entry *x = head_of(m, a), *y = head_of(m, b);

	if (x->ts != y->ts)
		return x->ts < y->ts;
	return a < b;
}

static void heap_set(struct ring_merge *m, int pos, int stream)
{
	m->heap[pos] = stream;
	m->s[stream].heap_pos = pos;
}

static void sift_up(struct ring_merge *m, int pos)
{
	int stream = m->heap[pos];

	while (pos > 0) {
		int parent = (pos - 1) / 2;

		if (!older(m, stream, m->heap[parent]))
			break;
		heap_set(m, pos, m->heap[parent]);
		pos = parent;
	}
	heap_set(m, pos, stream);
}

static void sift_down(struct ring_merge *m, int pos)
{
	int stream = m->heap[pos];

	for (;;) {
		int child = 2 * pos + 1;

		if (child >= m->heap_nr)
			break;
		if (child + 1 < m->heap_nr && older(m, m->heap[child + 1], m->heap[child]))
			child++;
		if (!older(m, m->heap[child], stream))
			break;
		heap_set(m, pos, m->heap[child]);
		pos = child;
	}
	heap_set(m, pos, stream);
}

/*
 * Room for more bytes after the stream's store: the popped front given back first, then the
 * store grown. Offsets of the queued entries follow a move.
 */
static void reserve_bytes(struct stream *s, size_t more)
{
	if (s->bytes_len + more <= s->bytes_alloc)
		return;
	if (s->bytes_head) {
		memmove(s->bytes, s->bytes + s->bytes_head, s->bytes_len - s->bytes_head);
		for (size_t i = s->head; i < s->nr; i++)
			s->ent[i].off -= s->bytes_head;
		s->bytes_len -= s->bytes_head;
		s->bytes_head = 0;
	}
	while (s->bytes_len + more > s->bytes_alloc)
		s->bytes_alloc = s->bytes_alloc ? 2 * s->bytes_alloc : 65536;
	s->bytes = xrealloc(s->bytes, s->bytes_alloc);
	/*
	 * A stream holds megabytes while another CPU's events lag behind: its grown part
	 * faulted in at once, not a page at a time (populated.c).
	 */
	populate_range(s->bytes + s->bytes_len, s->bytes_alloc - s->bytes_len);
}

static void push_entry(struct ring_merge *m, int stream, uint64_t ts, int64_t lost,
		       const void *data, uint32_t len, bool copy)
{
	struct stream *s = &m->s[stream];
	uint32_t stored = copy ? len : 0;
	struct entry *e;

	if (s->nr == s->alloc) {
		/* Reuse the consumed front before growing. */
		if (s->head) {
			memmove(s->ent, s->ent + s->head, (s->nr - s->head) * sizeof(*s->ent));
			s->nr -= s->head;
			s->head = 0;
		}
		if (s->nr == s->alloc) {
			s->alloc = s->alloc ? 2 * s->alloc : 256;
			s->ent = xrealloc(s->ent, s->alloc * sizeof(*s->ent));
			populate_range(s->ent + s->nr, (s->alloc - s->nr) * sizeof(*s->ent));
		}
	}
	reserve_bytes(s, stored);
	e = &s->ent[s->nr++];
	e->ts = ts;
	e->seq = ++m->seq;
	e->lost = lost;
	e->len = len;
	e->off = s->bytes_len;
	e->ref = copy ? NULL : data;
	if (stored)
		memcpy(s->bytes + s->bytes_len, data, stored);
	s->bytes_len += stored;
	m->queued++;
	if (s->heap_pos < 0) {
		heap_set(m, m->heap_nr++, stream);
		sift_up(m, m->heap_nr - 1);
	}
}

void ring_merge_push(struct ring_merge *m, int stream, uint64_t ts, const void *data, uint32_t len)
{
	push_entry(m, stream, ts, 0, data, len, true);
}

void ring_merge_push_ref(struct ring_merge *m, int stream, uint64_t ts, const void *data,
			 uint32_t len)
{
	push_entry(m, stream, ts, 0, data, len, false);
}

/*
 * The entries from the first reference on are stored again, in order, at the end of the
 * store: a pop gives back every byte below the popped entry's, so the offsets of queued
 * entries must grow with their order.
 */
void ring_merge_own(struct ring_merge *m, int stream)
{
	struct stream *s = &m->s[stream];
	size_t i, first = s->head, more = 0;

	while (first < s->nr && !s->ent[first].ref)
		first++;
	if (first == s->nr)
		return;
	for (i = first; i < s->nr; i++)
		more += s->ent[i].len;
	reserve_bytes(s, more);
	for (i = first; i < s->nr; i++) {
		struct entry *e = &s->ent[i];

		if (e->len)
			memcpy(s->bytes + s->bytes_len, e->ref ? e->ref : s->bytes + e->off,
			       e->len);
		e->off = s->bytes_len;
		e->ref = NULL;
		s->bytes_len += e->len;
	}
}

void ring_merge_push_lost(struct ring_merge *m, int stream, uint64_t ts, int64_t lost)
{
	push_entry(m, stream, ts, lost ? lost : -1, NULL, 0, true);
}

void ring_merge_caught_up(struct ring_merge *m, int stream)
{
	m->s[stream].caught_seq = ++m->seq;
}

void ring_merge_caught_up_at(struct ring_merge *m, int stream, uint64_t seq)
{
	if (seq + 1 > m->s[stream].caught_seq)
		m->s[stream].caught_seq = seq + 1;
}

uint64_t ring_merge_seq(const struct ring_merge *m)
{
	return m->seq;
}

void ring_merge_advance_seq(struct ring_merge *m, uint64_t seq)
{
	if (seq > m->seq)
		m->seq = seq;
}

void ring_merge_end(struct ring_merge *m, int stream)
{
	m->s[stream].ended = true;
}

/* May the entry e of a stream go out while the other streams are as they are? */
static bool releasable(const struct ring_merge *m, int stream, const struct entry *e)
{
	int i;

	if (m->heap_nr == m->nr)
		return true;	/* every stream has something queued: the heap decides */
	for (i = 0; i < m->nr; i++) {
		const struct stream *s = &m->s[i];

		if (i == stream || s->heap_pos >= 0 || s->ended)
			continue;
		if (s->caught_seq <= e->seq)
			return false;
	}
	return true;
}

int ring_merge_pop(struct ring_merge *m, bool drain, struct ring_merge_event *ev)
{
	struct stream *s;
	struct entry *e;
	int stream;

	if (!m->heap_nr)
		return 0;
	stream = m->heap[0];
	s = &m->s[stream];
	e = &s->ent[s->head];
	if (!drain && !releasable(m, stream, e))
		return 0;
	ev->ts = e->ts;
	ev->stream = stream;
	ev->lost = e->lost;
	ev->len = e->len;
	/* A stream that only ever held empty entries (losses) has no byte store yet. */
	ev->data = e->ref ? e->ref : s->bytes ? s->bytes + e->off : (const void *)"";
	s->head++;
	s->bytes_head = e->off + (e->ref ? 0 : e->len);
	m->queued--;
	if (s->head == s->nr) {
		/* Empty: start over (the bytes just returned stay until the next push). */
		s->head = s->nr = 0;
		s->bytes_len = s->bytes_head = 0;
		m->heap_nr--;
		s->heap_pos = -1;
		if (m->heap_nr) {
			heap_set(m, 0, m->heap[m->heap_nr]);
			sift_down(m, 0);
		}
	} else {
		sift_down(m, 0);
	}
	return 1;
}

uint64_t ring_merge_queued(const struct ring_merge *m)
{
	return m->queued;
}

uint64_t ring_merge_stream_queued(const struct ring_merge *m, int stream)
{
	return m->s[stream].nr - m->s[stream].head;
}
