// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the trace.dat reader: open from memory (the same parser as a file,
 * without one), then every buffer's CPUs through the chunk iterator, the sub-buffer decoder
 * and one merge, refilled as `remotectl report` refills it. What report then hands to
 * libtraceevent (formats, kallsyms, printk, records) has its own harness, fuzz_tracedat_fmt:
 * its parser allocates for every token, and here it would cut the rate by ten.
 * Seeds: tests/fuzz/corpus/tracedat_read (make fuzz-seeds).
 */
#include <stdint.h>
#include <stdlib.h>

#include "tracedat_events.h"
#include "tracedat_internal.h"
#include "util.h"

#define MAX_STREAMS	16	/* CPUs merged; each costs a sub-buffer */
#define MAX_ENTRIES	100000	/* bounded work per input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct td_src *src[MAX_STREAMS];
	const struct tdr_info *in;
	struct ring_merge_event me;
	struct ring_merge *m;
	int b, i, nr = 0, n = 0;
	struct tdr *r;
	char err[256];

	r = tdr_open_mem(data, size, err, sizeof(err));
	if (!r)
		return 0;
	in = tdr_info(r);
	for (b = 0; b < in->nr_buffers; b++)
		for (i = 0; i < in->buffers[b].nr_cpus && nr < MAX_STREAMS; i++)
			if ((src[nr] = td_src_new(r, b, i)))
				nr++;
	m = ring_merge_new(nr);
	for (i = 0; i < nr; i++)
		if (!td_src_fill(src[i], m, i))
			ring_merge_end(m, i);
	while (n++ < MAX_ENTRIES && ring_merge_pop(m, false, &me) == 1) {
		volatile uint8_t x;

		if (me.stream < 0 || me.stream >= nr)
			abort();
		/* Every byte of an entry must be readable (ASan checks the ends). */
		if (me.len > 0) {
			x = ((const uint8_t *)me.data)[0];
			x = ((const uint8_t *)me.data)[me.len - 1];
			(void)x;
		}
		if (ring_merge_stream_queued(m, me.stream))
			continue;
		if (!td_src_fill(src[me.stream], m, me.stream))
			ring_merge_end(m, me.stream);
	}
	ring_merge_free(m);
	for (i = 0; i < nr; i++)
		td_src_free(src[i]);
	tdr_close(r);
	return 0;
}
