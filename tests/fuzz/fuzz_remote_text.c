// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the remote text-line parser must never read outside the line it is given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "remote_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	struct rline r;

	memcpy(line, data, size);
	switch (rline_parse(line, size, &r)) {
	case RLINE_EVENT:
		if (r.name < line || r.name + r.name_len > line + size ||
		    r.args < line || r.args + r.args_len > line + size)
			abort();
		break;
	default:
		break;
	}
	free(line);
	return 0;
}
