// SPDX-License-Identifier: GPL-2.0
/* Count the events in a file of raw sub-buffers (what `cat trace_pipe_raw` wrote). */
#include <stdio.h>
#include <stdlib.h>

#include "subbuf.h"

int main(int argc, char **argv)
{
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 0) : 4096;
	unsigned char *buf = malloc(size);
	unsigned long long events = 0, pages = 0, corrupt = 0;
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	FILE *f;
	int ret;

	if (argc < 2 || !buf || !(f = fopen(argv[1], "r")))
		return 2;
	while (fread(buf, size, 1, f) == 1) {
		pages++;
		if (ring_subbuf_init(&sb, buf, size, SUBBUF_HDR_SIZE_64)) {
			corrupt++;
			continue;
		}
		while ((ret = ring_subbuf_next(&sb, &ev)) == 1)
			events++;
		corrupt += ret < 0;
	}
	printf("%llu %llu %llu\n", events, pages, corrupt);
	return 0;
}
