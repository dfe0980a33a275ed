// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver: are `record --format text` (src/lib/text/format.c, from a live target's files) and
 * `report` (src/lib/text/tracedat_fmt.c, from a trace.dat's metadata) one formatter? Reads every
 * event of FILE and prints it both ways; the first event whose lines differ is printed with both
 * lines and the exit status is 1. The trace.dat must have been recorded from TARGET, which
 * must still exist (same formats, saved_cmdlines). Loss lines are compared too (text_format_lost()
 * against report's). Files with one buffer only: report prefixes lines with the buffer's name
 * when there are several. With --jobs N, record's lines are also made on N threads
 * (src/lib/text/format_jobs.c) from the same events in the same order, and must be the same
 * bytes as one thread's.
 *
 *   fmt_compare [--jobs N] TARGET FILE	prints "N events, N identical, L loss lines" on
 *					success (", the same on N jobs" with --jobs)
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

struct text {
	char *p;
	size_t len, cap;
};

static void append(struct text *t, const char *s, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = 2 * (t->len + n);
		t->p = xrealloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static int put(void *ctx, uint32_t tag, const char *line, size_t len, bool lost)
{
	(void)tag;
	(void)lost;
	append(ctx, line, len);
	return 0;
}

/* Where one and many first differ: both lines on stdout. */
static void say_difference(const struct text *one, const struct text *many, int jobs)
{
	size_t k = 0, n = one->len < many->len ? one->len : many->len;

	while (k < n && one->p[k] == many->p[k])
		k++;
	while (k && one->p[k - 1] != '\n')
		k--;
	printf("one thread: %.*s\n%d jobs: %.*s\n", (int)strcspn(one->p + k, "\n"), one->p + k,
	       jobs, (int)strcspn(many->p + k, "\n"), many->p + k);
}

int main(int argc, char **argv)
{
	struct text one = { 0 }, many = { 0 };
	struct text_format *jf = NULL;
	struct text_jobs *jobs = NULL;
	int nr_jobs = 0;
	unsigned long events = 0, same = 0, lost_lines = 0;
	const struct tdr_info *in;
	struct trace_seq seq;
	struct target *t;
	struct text_format *f;
	struct text_dat_fmt *tf;
	struct tdr *r;
	char err[256];
	int b, i;

	if (argc == 5 && !strcmp(argv[1], "--jobs")) {
		nr_jobs = atoi(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc != 3 || nr_jobs < 0) {
		fprintf(stderr, "usage: fmt_compare [--jobs N] TARGET FILE\n");
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
	if (nr_jobs) {
		jf = text_format_new(t, err, sizeof(err));
		jobs = jf ? text_jobs_new(nr_jobs, &jf, 1, err, sizeof(err)) : NULL;
		if (!jobs || text_jobs_start(jobs)) {
			fprintf(stderr, "fmt_compare: jobs: %s\n", err);
			return 2;
		}
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
				if (jobs) {
					append(&one, line, n);
					if (text_jobs_add(jobs, me.lost ? TEXT_JOBS_LOSS : 0,
							  ev.cpu, ev.ts, me.data,
							  me.lost ? (uint64_t)me.lost : me.len, 0,
							  put, &many)) {
						printf("jobs: a line failed\n");
						return 1;
					}
				}
				if ((size_t)seq.len != n || memcmp(seq.buffer, line, n)) {
					printf("report: %srecord: %.*s", seq.buffer, (int)n, line);
					return 1;
				}
				same += !me.lost;
			}
			td_src_free(s);
		}
	}
	if (jobs && text_jobs_flush(jobs, put, &many)) {
		printf("jobs: a line failed\n");
		return 1;
	}
	if (jobs && (one.len != many.len || memcmp(one.p, many.p, one.len))) {
		say_difference(&one, &many, nr_jobs);
		return 1;
	}
	printf("%lu events, %lu identical, %lu loss lines", events, same, lost_lines);
	if (jobs)
		printf(", the same on %d jobs", nr_jobs);
	printf("\n");
	text_jobs_free(jobs);
	text_format_free(jf);
	free(one.p);
	free(many.p);
	trace_seq_destroy(&seq);
	text_dat_fmt_free(tf);
	tdr_close(r);
	text_format_free(f);
	target_free(t);
	return 0;
}
