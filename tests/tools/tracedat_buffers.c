// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver: a trace.dat of two buffers from synthetic sub-buffers (no tracefs needed), for
 * comparing trace-cmd's report of it with ours (tests/bats/tracedat.bats).
 *
 *   tracedat_buffers -o FILE [-c none|zstd] [-a NAME0] [-b NAME1] [-n EVENTS] [-k]
 *
 * Buffer 0 (NAME0, default "": the top level) has 4 KiB sub-buffers, clock local, CPUs 0 and
 * 1; buffer 1 (NAME1, default "inst") 8 KiB sub-buffers, clock global, CPUs 1 and 3. Each CPU
 * of each buffer gets EVENTS (default 100) print events "bB C.K" (buffer B, CPU C, event K)
 * 1 us apart, from 1 s + 0, 100, 600 and 800 ns (buffer 0 CPU 0, 0/1, 1/1, 1/3): every event
 * has a time of its own, so the merged order is fixed. -k leaves the file as a record given up
 * half-way would (a flush after half the events, tdw_abort() after all): `recover` completes it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/tracedat_synth.h"

#define NR_BUFS		2
#define NR_CPUS		2

static const int cpus[NR_BUFS][NR_CPUS] = { { 0, 1 }, { 1, 3 } };
static uint32_t pages[NR_BUFS] = { 4096, 8192 };
static const uint64_t starts[NR_BUFS][NR_CPUS] = { { 0, 100 }, { 600, 800 } };
static const char *const tags[NR_BUFS] = { "b0", "b1" };

static uint8_t page[1 << 16];

/* The sub-buffers of every buffer and CPU up to event max, a page of each in turn. */
static int feed(struct tdw *w, int n[NR_BUFS][NR_CPUS], int max)
{
	int b, i, more = 1;

	while (more) {
		more = 0;
		for (b = 0; b < NR_BUFS; b++) {
			for (i = 0; i < NR_CPUS; i++) {
				if (n[b][i] >= max)
					continue;
				synth_page_at(page, pages[b], SYNTH_TS0 + starts[b][i], tags[b],
					      cpus[b][i], &n[b][i], max);
				if (tdw_add_subbuf(w, b, cpus[b][i], page, pages[b]))
					return -1;
				more = 1;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *comp = "zstd", *name0 = "", *name1 = "inst";
	struct tdw_opts o = { .clock = "local", .nr_cpus = 4,
			      .trace_clock = "[local] global boot" };
	struct tdw_buffer_opts bo = { .clock = "global" };
	int n[NR_BUFS][NR_CPUS] = { { 0 } };
	int opt, nev = 100, killed = 0, fd, b, i;
	struct tdw *w;

	while ((opt = getopt(argc, argv, "o:c:a:b:n:kp:P:")) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'c': comp = optarg; break;
		case 'a': name0 = optarg; break;
		case 'b': name1 = optarg; break;
		case 'n': nev = atoi(optarg); break;
		case 'k': killed = 1; break;
		case 'p': pages[0] = atoi(optarg); break;
		case 'P': pages[1] = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!out || tdw_parse_compression(comp, &o.compression) || nev < 1 ||
	    pages[0] > sizeof(page) || pages[1] > sizeof(page)) {
		fprintf(stderr, "usage: tracedat_buffers -o FILE [-c C] [-a NAME] [-b NAME] [-n N] "
			"[-k]\n");
		return 2;
	}
	o.buffer_name = name0;
	o.page_size = pages[0];
	bo.name = name1;
	bo.page_size = pages[1];
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	w = fd >= 0 ? tdw_create(fd, &o) : NULL;
	if (!w || tdw_add_buffer(w, &bo) != 1 || synth_meta(w) || tdw_begin_data(w))
		return 1;
	if (feed(w, n, killed ? nev / 2 : nev))
		return 1;
	if (killed) {
		if (tdw_flush(w) || feed(w, n, nev))
			return 1;
		tdw_abort(w);
		return close(fd) ? 1 : 0;
	}
	for (b = 0; b < NR_BUFS; b++) {
		for (i = 0; i < NR_CPUS; i++) {
			char stats[64];

			snprintf(stats, sizeof(stats), "entries: %d\noverrun: 0\n", nev);
			tdw_set_cpustat(w, b, cpus[b][i], stats);
		}
	}
	if (tdw_finish(w))
		return 1;
	return close(fd) ? 1 : 0;
}
