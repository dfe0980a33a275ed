// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the trace.dat reader: open, walk every buffer and CPU through the
 * chunk iterator, the sub-buffer decoder and the merge, and format every event and loss through
 * td_fmt (which checks each event format and header_page before libtraceevent parses it): the
 * path `remotectl report` takes on an untrusted file.
 *   make fuzz-tracedat FUZZ_TIME=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tracedat_events.h"
#include "tracedat_fmt.h"
#include "tracedat_read.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0), b, i;
	const struct tdr_info *in;
	struct td_fmt *fmt;
	struct trace_seq seq;
	struct tdr *r;
	char err[256];

	verbosity = -1;
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	r = tdr_open_fd(fd, err, sizeof(err));
	if (!r)
		return 0;
	in = tdr_info(r);
	fmt = td_fmt_new(in);
	trace_seq_init(&seq);
	for (b = 0; b < in->nr_buffers; b++) {
		for (i = 0; i < in->buffers[b].nr_cpus; i++) {
			struct td_src *s = td_src_new(r, b, i);
			struct merge_event me;
			int n = 0;

			/* Bounded work per input: at most 100000 entries per CPU. */
			while (s && n++ < 100000 && td_src_next(s, &me) > 0) {
				struct td_event ev = { me.ts, td_src_cpu(s), b, me.data, me.len };
				volatile uint8_t x;

				if (me.len > 0) {
					x = ((const uint8_t *)me.data)[0];
					x = ((const uint8_t *)me.data)[me.len - 1];
					(void)x;
				}
				if (fmt && n <= 2000) {
					char name[256];

					trace_seq_reset(&seq);
					if (me.lost) {
						td_fmt_loss(fmt, &seq, b, ev.cpu, me.lost);
						continue;
					}
					td_fmt_event(fmt, &seq, &ev);
					td_fmt_event_name(fmt, &ev, name, sizeof(name));
				}
			}
			td_src_free(s);
		}
	}
	trace_seq_destroy(&seq);
	td_fmt_free(fmt);
	tdr_close(r);
	return 0;
}
