// SPDX-License-Identifier: GPL-2.0
/* A trace.dat CPU's sub-buffers into the merge, as capture.c queues a live CPU's. */
#include <stdlib.h>

#include "byteorder.h"
#include "tracedat_events.h"
#include "util.h"

struct td_src {
	struct tdr_iter *it;
	int cpu;
	uint64_t size;		/* its data's bytes in the file */
	uint32_t page_size;
	unsigned int hdr_size;
	bool swap;
	struct td_src_stats st;
	struct ring_merge *own;	/* td_src_next()'s */
	td_warn_fn on_damage;
	void *damage_ctx;
};

struct td_src *td_src_new(struct tdr *r, int buffer, int cpu_index)
{
	const struct tdr_info *in = tdr_info(r);
	struct td_src *s;

	if (in->long_size != 4 && in->long_size != 8)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->it = tdr_iter_new(r, buffer, cpu_index);
	s->cpu = in->buffers[buffer].cpus[cpu_index].cpu;
	s->size = in->buffers[buffer].cpus[cpu_index].size;
	s->page_size = in->buffers[buffer].page_size;
	s->hdr_size = 8 + in->long_size;
	s->swap = in->big_endian != BO_HOST;
	if (!s->it) {
		td_src_free(s);
		return NULL;
	}
	return s;
}

uint64_t td_src_size(const struct td_src *s)
{
	return s->size;
}

void td_src_private(struct td_src *s)
{
	tdr_iter_private(s->it);
}

void td_src_on_damage(struct td_src *s, td_warn_fn fn, void *ctx)
{
	s->on_damage = fn;
	s->damage_ctx = ctx;
}

int td_src_fill(struct td_src *s, struct ring_merge *m, int stream)
{
	struct source_unit u = { .len = s->page_size, .end = UINT32_MAX };
	const uint8_t *page;
	int ret;

	for (;;) {
		ret = tdr_iter_next(s->it, &page);
		if (ret < 0) {
			if (s->on_damage)
				s->on_damage(s->damage_ctx, tdr_iter_error(s->it));
			s->st.bad_chunks++;
			continue;
		}
		if (!ret)
			return 0;
		s->st.pages++;
		u.buf = page;
		if (ring_subbuf_merge(m, stream, &u, s->hdr_size, s->swap, false, &s->st.n) > 0)
			return 1;
	}
}

int td_src_next(struct td_src *s, struct ring_merge_event *me)
{
	if (!s->own)
		s->own = ring_merge_new(1);
	while (ring_merge_pop(s->own, true, me) != 1)
		if (!td_src_fill(s, s->own, 0))
			return 0;
	return 1;
}

const struct td_src_stats *td_src_stats(const struct td_src *s)
{
	return &s->st;
}

int td_src_cpu(const struct td_src *s)
{
	return s->cpu;
}

void td_src_free(struct td_src *s)
{
	if (!s)
		return;
	tdr_iter_free(s->it);
	ring_merge_free(s->own);
	free(s);
}
