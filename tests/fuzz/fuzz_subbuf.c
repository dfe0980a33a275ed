// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the sub-buffer decoder: any bytes, both header sizes, both byte orders,
 * with and without a reader end and a skip offset taken from the input. ASan/UBSan catch any read
 * outside the input; the checks below catch payloads outside it and iterations that do not
 * progress.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	uint32_t end = UINT32_MAX, skip = 0;
	unsigned int hdr = SUBBUF_HDR_SIZE_64;
	bool swap = false;
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
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	ring_subbuf_init_order(&sb, buf, size, hdr, swap);
	ring_subbuf_set_end(&sb, end);
	if (skip)
		ring_subbuf_skip(&sb, skip);
	while ((ret = ring_subbuf_next(&sb, &ev)) == 1) {
		if ((const uint8_t *)ev.payload < buf ||
		    (const uint8_t *)ev.payload + ev.len > buf + size)
			abort();
		if (++n > size / 4)
			abort();
	}
	if (ret != 0 && !sb.corrupt)
		abort();
	free(buf);
	return 0;
}
