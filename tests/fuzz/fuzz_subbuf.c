// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the sub-buffer decoder: any bytes, both header sizes, both byte orders,
 * with and without a reader end and a skip offset taken from the input. ASan/UBSan catch any read
 * outside the input; the checks below catch payloads outside it, iterations that do not
 * progress, a count (ring_subbuf_merge() without a merge, as a trace.dat capture counts)
 * that differs from the events the loop took, and a merge (the text's, which decodes as it
 * pops) that gives other events than the loop, by reference or copied and owned half way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"
#include "subbuf_merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The events the merge gives for u, compared with the loop's first n (stamps and payloads). */
static void through_merge(const struct source_unit *u, unsigned int hdr, bool swap, bool ref,
			  const struct ring_subbuf_event *want, size_t n)
{
	struct ring_merge *m = ring_merge_new(1);
	struct ring_merge_event me;
	size_t got = 0;

	ring_subbuf_merge(m, 0, u, hdr, swap, ref, NULL);
	while (ring_merge_pop(m, true, &me) == 1) {
		if (me.lost)
			continue;
		if (got >= n || me.ts != want[got].ts || me.len != want[got].len ||
		    memcmp(me.data, want[got].payload, me.len))
			abort();
		if (++got == n / 2)
			ring_merge_own(m, 0);
	}
	if (got != n)
		abort();
	ring_merge_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t types[SUBBUF_TYPES_BYTES], counted[SUBBUF_TYPES_BYTES];
	struct ring_subbuf_counts cnt = { .types = counted };
	struct ring_subbuf_event ev;
	struct source_unit u = { 0 };
	struct ring_subbuf sb;
	uint32_t end = UINT32_MAX, skip = 0;
	uint64_t last_ts = 0;
	unsigned int hdr = SUBBUF_HDR_SIZE_64;
	bool swap = false;
	struct ring_subbuf_event *all;
	uint8_t *buf;
	size_t n = 0;
	int ret;

	/* The first bytes steer the options; the rest is the sub-buffer. */
	if (size >= 5) {
		hdr = (data[0] & 1) ? SUBBUF_HDR_SIZE_32 : SUBBUF_HDR_SIZE_64;
		if (data[0] & 2)
			end = (uint32_t)data[1] << 8 | data[2];
		if (data[0] & 4)
			skip = (uint32_t)data[3] << 8 | data[4];
		swap = data[0] & 8;
		data += 5;
		size -= 5;
	}
	/* An exact-size heap copy so that ASan sees any overrun. */
	buf = malloc(size ? size : 1);
	all = malloc((size / 4 + 1) * sizeof(*all));
	if (!buf || !all) {
		free(buf);
		free(all);
		return 0;
	}
	memcpy(buf, data, size);

	memset(types, 0, sizeof(types));
	memset(counted, 0, sizeof(counted));
	if (ring_subbuf_init_order(&sb, buf, size, hdr, swap))
		cnt.corrupt--;	/* counting meets the same bad header */
	ring_subbuf_set_end(&sb, end);
	if (skip && ring_subbuf_skip(&sb, skip))
		cnt.corrupt--;
	while ((ret = ring_subbuf_next(&sb, &ev)) == 1) {
		uint16_t id;

		if ((const uint8_t *)ev.payload < buf ||
		    (const uint8_t *)ev.payload + ev.len > buf + size)
			abort();
		if (++n > size / 4)
			abort();
		if (ev.len >= 2) {
			/* common_type, in the writer's byte order */
			id = bo_get16(ev.payload, swap != BO_HOST);
			types[id >> 3] |= 1 << (id & 7);
		}
		last_ts = ev.ts;
		all[n - 1] = ev;
	}
	if (ret != 0 && !sb.corrupt)
		abort();
	if (ret < 0)
		cnt.corrupt--;
	/* The same sub-buffer counted as a trace.dat capture counts it. */
	u.buf = buf;
	u.len = size;
	u.end = end;
	u.skip = skip;
	ring_subbuf_merge(NULL, 0, &u, hdr, swap, false, &cnt);
	if (cnt.events != n || (n && cnt.last_ts != last_ts) || cnt.corrupt != 0 ||
	    memcmp(types, counted, sizeof(types)))
		abort();
	through_merge(&u, hdr, swap, false, all, n);
	through_merge(&u, hdr, swap, true, all, n);
	free(all);
	free(buf);
	return 0;
}
