// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for `remotectl recover` on a damaged file: find options 1 and its DONE
 * value (td_journal_find()), scan the journal with every chunk decompressed
 * (td_journal_scan()), complete the file (td_journal_finish()) and read the result back with
 * the reader, as recover and then report would. The file is a memfd: the journal code works on
 * file descriptors, and finishing writes. Seeds: files a killed record leaves (make
 * fuzz-seeds).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block_io.h"
#include "tracedat_events.h"
#include "tracedat_internal.h"
#include "tracedat_read.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every event of every CPU of the completed file (bounded). */
static void read_back(int fd)
{
	const struct tdr_info *in;
	struct tdr *r;
	char err[256];
	int b, i, n = 0;

	r = tdr_open_fd(fd, err, sizeof(err));
	if (!r)
		return;
	in = tdr_info(r);
	for (b = 0; b < in->nr_buffers; b++) {
		for (i = 0; i < in->buffers[b].nr_cpus; i++) {
			struct td_src *s = td_src_new(r, b, i);
			struct ring_merge_event me;

			while (s && n++ < 100000 && td_src_next(s, &me) > 0)
				;
			td_src_free(s);
		}
	}
	tdr_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	uint64_t done_pos, journal;
	struct td_journal j;
	char err[256];

	if (fd < 0)
		return 0;
	if (pwrite_full(fd, data, size, 0) || td_journal_find(fd, size, &done_pos, &journal, err,
							       sizeof(err))) {
		close(fd);
		return 0;
	}
	if (td_journal_scan(fd, journal, size, &j, true, err, sizeof(err))) {
		close(fd);
		return 0;
	}
	if (j.end > size)
		abort();
	if (!ftruncate(fd, j.end) &&
	    td_journal_finish(fd, done_pos, &j, NULL, err, sizeof(err)) >= 0)
		read_back(dup(fd));
	td_journal_free(&j);
	close(fd);
	return 0;
}
