// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the trace.dat reader: open, walk every buffer and CPU through the
 * chunk iterator and the kbuffer event decoder, and format every event through td_fmt (which
 * checks each event format and header_page before libtraceevent parses it): the path
 * `remotectl report` takes on an untrusted file.
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
			struct td_event ev;
			int n = 0;

			/* Bounded work per input: at most 100000 events per CPU. */
			while (s && n++ < 100000 && td_src_next(s, &ev) > 0) {
				volatile uint8_t x = ((uint8_t *)ev.data)[0];

				(void)x;
				if (ev.size > 0)
					x = ((uint8_t *)ev.data)[ev.size - 1];
				if (fmt && n <= 2000) {
					char name[256];

					trace_seq_reset(&seq);
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
