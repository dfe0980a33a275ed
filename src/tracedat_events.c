// SPDX-License-Identifier: GPL-2.0
/*
 * Events of one trace.dat CPU: the capture engine's decoder (src/subbuf.c) for files in this
 * machine's byte order, libtraceevent's kbuffer for the others (subbuf.c reads host order).
 */
#include <stdlib.h>
#include <string.h>

#include <kbuffer.h>

#include "subbuf.h"
#include "tracedat.h"
#include "tracedat_events.h"
#include "util.h"

#define COMMIT_SIZE_MASK	((1u << 27) - 1)
#define MISSED_EVENTS		(1ull << 31)
#define MISSED_STORED		(1ull << 30)

struct td_src {
	struct tdr *r;
	struct tdr_iter *it;
	struct kbuffer *kbuf;	/* foreign byte order only */
	struct subbuf sb;
	bool first;		/* the next event is the page's first (its loss count) */
	int buffer;
	int cpu;
	uint32_t page_size;
	int long_size;
	int big;
	uint8_t *page;		/* our writable copy, with the reader's slack */
	bool loaded;
	unsigned int budget;	/* events left on this page (loop guard) */
	struct td_src_stats st;
};

struct td_src *td_src_new(struct tdr *r, int buffer, int cpu_index)
{
	const struct tdr_info *in = tdr_info(r);
	struct td_src *s = xcalloc(1, sizeof(*s));

	s->r = r;
	s->it = tdr_iter_new(r, buffer, cpu_index);
	s->buffer = buffer;
	s->cpu = in->buffers[buffer].cpus[cpu_index].cpu;
	s->page_size = in->buffers[buffer].page_size;
	s->long_size = in->long_size;
	s->big = in->big_endian;
	if (in->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__))
		s->kbuf = kbuffer_alloc(in->long_size == 4 ? KBUFFER_LSIZE_4 : KBUFFER_LSIZE_8,
					in->big_endian ? KBUFFER_ENDIAN_BIG :
							 KBUFFER_ENDIAN_LITTLE);
	s->page = xcalloc(1, (size_t)s->page_size + TDR_PAGE_SLACK);
	if (!s->it || (!s->kbuf && in->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)) ||
	    (s->long_size != 4 && s->long_size != 8)) {
		td_src_free(s);
		return NULL;
	}
	return s;
}

static uint64_t get_long(const struct td_src *s, const uint8_t *p)
{
	return s->long_size == 8 ? td_get64(p, s->big) : td_get32(p, s->big);
}

static void put_long(const struct td_src *s, uint8_t *p, uint64_t v)
{
	uint8_t b[8];
	int i;

	if (s->long_size == 8)
		td_put64(b, v);
	else
		td_put32(b, v);
	for (i = 0; i < s->long_size; i++)
		p[i] = s->big ? b[s->long_size - 1 - i] : b[i];
}

/* Keep kbuffer inside the page: clamp the data size and drop an impossible lost count. */
static void sanitize_page(struct td_src *s)
{
	uint32_t hdr = 8 + s->long_size, cap = s->page_size - hdr, size;
	uint64_t commit = get_long(s, s->page + 8);

	size = commit & COMMIT_SIZE_MASK;
	if (size > cap) {
		commit = (commit & ~(uint64_t)COMMIT_SIZE_MASK) | cap;
		size = cap;
		s->st.errors++;
	}
	if ((commit & MISSED_STORED) && size + s->long_size > cap)
		commit &= ~MISSED_STORED;
	put_long(s, s->page + 8, commit);
}

static int load_page(struct td_src *s)
{
	const uint8_t *p;
	int ret;

	for (;;) {
		ret = tdr_iter_next(s->it, &p);
		if (ret < 0) {
			warn_msg("%s", tdr_iter_error(s->it));
			s->st.errors++;
			continue;
		}
		if (!ret)
			return 0;
		memcpy(s->page, p, s->page_size);
		s->st.pages++;
		if (!s->kbuf) {
			/* subbuf.c checks the header itself and never reads past the page. */
			if (subbuf_init(&s->sb, s->page, s->page_size, 8 + s->long_size)) {
				s->st.errors++;
				continue;
			}
			s->first = true;
			return 1;
		}
		sanitize_page(s);
		if (kbuffer_load_subbuffer(s->kbuf, s->page) < 0)
			continue;
		s->budget = s->page_size / 4 + 1;
		return 1;
	}
}

static void count(struct td_src *s, struct td_event *ev)
{
	if (ev->missed > 0)
		s->st.lost += ev->missed;
	else if (ev->missed < 0)
		s->st.lost_unknown++;
	s->st.events++;
}

/* The next event from subbuf.c; a corrupt record ends its page (counted as damage). */
static int next_subbuf(struct td_src *s, struct td_event *ev)
{
	struct subbuf_event se;
	int ret;

	for (;;) {
		if (!s->loaded) {
			if (!load_page(s))
				return 0;
			s->loaded = true;
		}
		ret = subbuf_next(&s->sb, &se);
		if (ret != 1) {
			if (ret < 0)
				s->st.errors++;
			s->loaded = false;
			continue;
		}
		ev->ts = se.ts;
		ev->cpu = s->cpu;
		ev->buffer = s->buffer;
		ev->data = (void *)se.payload;
		ev->size = se.len;
		ev->missed = s->first ? s->sb.lost : 0;
		s->first = false;
		count(s, ev);
		return 1;
	}
}

int td_src_next(struct td_src *s, struct td_event *ev)
{
	unsigned long long ts;
	void *data;

	if (!s->kbuf)
		return next_subbuf(s, ev);
	for (;;) {
		if (!s->loaded) {
			if (!load_page(s))
				return 0;
			s->loaded = true;
			data = kbuffer_read_event(s->kbuf, &ts);
		} else {
			data = s->budget ? kbuffer_next_event(s->kbuf, &ts) : NULL;
		}
		if (!data) {
			s->loaded = false;
			continue;
		}
		s->budget--;
		ev->ts = ts;
		ev->cpu = s->cpu;
		ev->buffer = s->buffer;
		ev->data = data;
		ev->size = kbuffer_event_size(s->kbuf);
		/* A damaged length must not let formatting read past the sub-buffer. */
		if (ev->size < 0 || (size_t)((uint8_t *)data - s->page) + ev->size > s->page_size) {
			ev->size = (uint8_t *)data - s->page < s->page_size ?
				   s->page_size - ((uint8_t *)data - s->page) : 0;
			s->st.errors++;
		}
		ev->missed = kbuffer_missed_events(s->kbuf);
		count(s, ev);
		return 1;
	}
}

const struct td_src_stats *td_src_stats(const struct td_src *s)
{
	return &s->st;
}

void td_src_free(struct td_src *s)
{
	if (!s)
		return;
	tdr_iter_free(s->it);
	if (s->kbuf)
		kbuffer_free(s->kbuf);
	free(s->page);
	free(s);
}
