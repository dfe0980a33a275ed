// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver: are `record --format text` (src/lib/text/format.c, from a live target's files) and
 * `report` (src/lib/text/tracedat_fmt.c, from a trace.dat's metadata) one formatter? Reads every
 * event of FILE and prints it both ways; the first event whose lines differ is printed with both
 * lines and the exit status is 1. The trace.dat must have been recorded from TARGET, which
 * must still exist (same formats, saved_cmdlines). Loss lines are compared too (text_format_lost()
 * against report's). Files with one buffer only: report prefixes lines with the buffer's name
 * when there are several.
 *
 *   fmt_compare TARGET FILE	prints "N events, N identical, L loss lines" on success
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "target.h"
#include "tracedat_events.h"
#include "tracedat_fmt.h"
#include "tracedat_read.h"
#include "util.h"

int main(int argc, char **argv)
{
	unsigned long events = 0, same = 0, lost_lines = 0;
	const struct tdr_info *in;
	struct trace_seq seq;
	struct target *t;
	struct text_format *f;
	struct text_dat_fmt *tf;
	struct tdr *r;
	char err[256];
	int b, i;

	if (argc != 3) {
		fprintf(stderr, "usage: fmt_compare TARGET FILE\n");
		return 2;
	}
	if (target_resolve(argv[1], &t, err, sizeof(err))) {
		fprintf(stderr, "fmt_compare: %s\n", err);
		return 2;
	}
	f = text_format_new(t, err, sizeof(err));
	r = tdr_open(argv[2], err, sizeof(err));
	if (!f || !r) {
		fprintf(stderr, "fmt_compare: %s\n", err);
		return 2;
	}
	in = tdr_info(r);
	tf = text_dat_fmt_new(in, NULL, NULL);
	trace_seq_init(&seq);
	if (in->nr_buffers != 1) {
		fprintf(stderr, "fmt_compare: %d buffers, one expected\n", in->nr_buffers);
		return 2;
	}
	for (b = 0; b < in->nr_buffers; b++) {
		for (i = 0; i < in->buffers[b].nr_cpus; i++) {
			struct td_src *s = td_src_new(r, b, i);
			struct ring_merge_event me;

			while (s && td_src_next(s, &me) > 0) {
				struct text_dat_event ev = { me.ts, td_src_cpu(s), b, me.data,
							    me.len };
				char lost[64];
				const char *line;
				size_t n;

				trace_seq_reset(&seq);
				if (me.lost) {
					text_dat_fmt_loss(tf, &seq, b, ev.cpu, me.lost);
					n = text_format_lost(lost, sizeof(lost), ev.cpu, me.lost);
					line = lost;
					lost_lines++;
				} else {
					text_dat_fmt_event(tf, &seq, &ev);
					line = text_format_event(f, ev.cpu, ev.ts, ev.data, ev.size,
								 &n);
					events++;
				}
				trace_seq_terminate(&seq);
				if ((size_t)seq.len != n || memcmp(seq.buffer, line, n)) {
					printf("report: %srecord: %.*s", seq.buffer, (int)n, line);
					return 1;
				}
				same += !me.lost;
			}
			td_src_free(s);
		}
	}
	printf("%lu events, %lu identical, %lu loss lines\n", events, same, lost_lines);
	trace_seq_destroy(&seq);
	text_dat_fmt_free(tf);
	tdr_close(r);
	text_format_free(f);
	target_free(t);
	return 0;
}
