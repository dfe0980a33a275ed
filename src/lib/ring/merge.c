// SPDX-License-Identifier: GPL-2.0
/* Per-CPU streams merged by time stamp with a binary heap; see merge.h for the release rule. */
#include <stdlib.h>
#include <string.h>

#include "populated.h"
#include "ring_internal.h"
#include "util.h"

/*
 * An event, a loss marker, or a sub-buffer whose events are decoded one at a time as they
 * are popped (ring_merge_push_subbuf()): a CPU's events wait for the other CPUs' next mark,
 * tens of thousands of them, and an entry written and read back for each was most of the
 * merge's cost (bench/RESULTS.md, twenty-fifth session).
 */
struct entry {
	uint64_t ts;		/* an event's; a sub-buffer's running stamp (its head's event's) */
	uint64_t seq;		/* merge-wide arrival counter */
	union {
		int64_t lost;	/* an event or loss: see ring_merge_event */
		struct {
			uint32_t pos;	/* a sub-buffer: its next record, from data ... */
			uint32_t end;	/* ... and where decoding stops */
		} sb;
	};
	uint32_t len;		/* bytes stored: the payload's, or the sub-buffer's events' */
	bool subbuf;
	bool swap;		/* a sub-buffer in the other byte order */
	size_t off;		/* the bytes' offset in the stream's byte buffer */
	const void *ref;	/* or the caller's (ring_merge_push_ref(), a sub-buffer's data) */
};

struct stream {
	struct entry *ent;
	size_t head, nr, alloc;
	uint8_t *bytes;
	size_t bytes_head, bytes_len, bytes_alloc;
	uint64_t caught_seq;	/* seq value when last found caught up */
	bool ended;
	int heap_pos;		/* index in the heap, -1 when empty */
	/*
	 * A sub-buffer at the head: its decoder (data set again before each use: the bytes
	 * move when the store grows or is owned), and its event to pop next, from data.
	 */
	struct ring_subbuf dec;
	uint32_t cur_off, cur_len;
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

static const uint8_t *entry_bytes(const struct stream *s, const struct entry *e)
{
	if (e->ref)
		return e->ref;
	/* A stream that only ever stored nothing (losses, empty payloads) has no store yet. */
	return s->bytes ? s->bytes + e->off : (const uint8_t *)"";
}

/*
 * Decode the next event of sub-buffer e, the stream's head: its stamp into e, where it is
 * into cur_off and cur_len. false when there is none (the end, or a corrupt record: the
 * events before it went out, as a decoder of the whole sub-buffer would have given them).
 */
static inline bool next_in_subbuf(struct stream *s, struct entry *e)
{
	struct ring_subbuf_event ev;

	s->dec.data = entry_bytes(s, e);
	if (ring_subbuf_next(&s->dec, &ev) != 1)
		return false;
	e->ts = ev.ts;
	s->cur_off = (const uint8_t *)ev.payload - s->dec.data;
	s->cur_len = ev.len;
	return true;
}

/* Sub-buffer e becomes the stream's head: its decoder set where e was left. */
static void start_subbuf(struct stream *s, const struct entry *e)
{
	memset(&s->dec, 0, sizeof(s->dec));
	s->dec.pos = e->sb.pos;
	s->dec.end = e->sb.end;
	s->dec.ts = e->ts;
	s->dec.swap = e->swap;
}

/*
 * The stream's head made ready to pop: a sub-buffer's first event decoded, and a sub-buffer
 * with none left given up. false when nothing is left.
 */
static bool load_head(struct ring_merge *m, struct stream *s)
{
	for (; s->head < s->nr; s->head++, m->queued--) {
		struct entry *e = &s->ent[s->head];

		if (!e->subbuf)
			return true;
		start_subbuf(s, e);
		if (next_in_subbuf(s, e))
			return true;
		s->bytes_head = e->off + (e->ref ? 0 : e->len);
	}
	return false;
}

/* A new entry at the stream's tail with room for stored bytes after its store. */
static struct entry *add_entry(struct ring_merge *m, struct stream *s, uint32_t stored)
{
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
	memset(e, 0, sizeof(*e));
	e->seq = ++m->seq;
	e->len = stored;
	e->off = s->bytes_len;
	s->bytes_len += stored;
	m->queued++;
	return e;
}

/* The stream's first entry was just queued: into the heap once it holds something to pop. */
static void now_queued(struct ring_merge *m, int stream)
{
	struct stream *s = &m->s[stream];

	if (s->heap_pos >= 0 || !load_head(m, s))
		return;
	heap_set(m, m->heap_nr++, stream);
	sift_up(m, m->heap_nr - 1);
}

static void push_entry(struct ring_merge *m, int stream, uint64_t ts, int64_t lost,
		       const void *data, uint32_t len, bool copy)
{
	struct stream *s = &m->s[stream];
	struct entry *e = add_entry(m, s, copy ? len : 0);

	e->ts = ts;
	e->lost = lost;
	e->len = len;
	if (copy && len)
		memcpy(s->bytes + e->off, data, len);
	else if (!copy)
		e->ref = data;
	now_queued(m, stream);
}

/*
 * The bytes entry i keeps when stored again, from *from of its own: a sub-buffer's events
 * not popped yet (the head's current one included).
 */
static uint32_t own_span(const struct stream *s, size_t i, uint32_t *from)
{
	const struct entry *e = &s->ent[i];
	uint32_t start = 0;

	if (e->subbuf)
		start = i == s->head ? s->cur_off : e->sb.pos;	/* the head's: in dec */
	if (from)
		*from = start;
	return e->subbuf ? e->sb.end - start : e->len;
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

bool ring_merge_push_subbuf(struct ring_merge *m, int stream, const struct ring_subbuf *sb,
			    bool ref)
{
	struct stream *s = &m->s[stream];
	struct ring_subbuf probe = *sb;
	struct ring_subbuf_event ev;
	struct entry *e;
	uint32_t n;

	/* Only a sub-buffer with an event left is queued: a stream with entries has one. */
	if (ring_subbuf_next(&probe, &ev) != 1)
		return false;
	n = ref ? 0 : sb->end - sb->pos;
	e = add_entry(m, s, n);
	e->subbuf = true;
	e->swap = sb->swap;
	e->ts = sb->ts;
	if (ref) {
		e->ref = sb->data;
		e->sb.pos = sb->pos;
		e->sb.end = sb->end;
	} else {
		memcpy(s->bytes + e->off, sb->data + sb->pos, n);
		e->sb.end = n;
	}
	now_queued(m, stream);
	return true;
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
		more += own_span(s, i, NULL);
	reserve_bytes(s, more);
	for (i = first; i < s->nr; i++) {
		struct entry *e = &s->ent[i];
		uint32_t from, n = own_span(s, i, &from);

		if (n)
			memcpy(s->bytes + s->bytes_len, entry_bytes(s, e) + from, n);
		if (e->subbuf && i == s->head) {
			s->dec.pos -= from;
			s->dec.end -= from;
			s->cur_off -= from;
			e->sb.end -= from;
		} else if (e->subbuf) {
			e->sb.pos -= from;
			e->sb.end -= from;
		}
		e->off = s->bytes_len;
		e->len = n;
		e->ref = NULL;
		s->bytes_len += n;
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
	if (e->subbuf) {
		ev->lost = 0;
		ev->len = s->cur_len;
		ev->data = entry_bytes(s, e) + s->cur_off;
		s->bytes_head = e->off;
		if (next_in_subbuf(s, e)) {
			if (m->heap_nr > 1)
				sift_down(m, 0);
			return 1;
		}
		s->bytes_head = e->off + (e->ref ? 0 : e->len);
	} else {
		ev->lost = e->lost;
		ev->len = e->len;
		ev->data = entry_bytes(s, e);
		s->bytes_head = e->off + (e->ref ? 0 : e->len);
	}
	s->head++;
	m->queued--;
	if (!load_head(m, s)) {
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
