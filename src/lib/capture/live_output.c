// SPDX-License-Identifier: GPL-2.0
/* A stream's output whose reader may go away; see capture_internal.h. */
#include <errno.h>

#include "capture_internal.h"

int live_output_flush(FILE *out, bool *closed)
{
	if (!fflush(out))
		return 0;
	if (errno == EPIPE) {
		*closed = true;
		return 0;
	}
	return -errno;
}

struct pollfd live_output_pollfd(FILE *out)
{
	/* No events asked for: POLLERR and POLLHUP are always reported. */
	return (struct pollfd){ .fd = fileno(out), .events = 0 };
}

void live_output_check(const struct pollfd *p, bool *closed)
{
	if (p->revents & (POLLERR | POLLHUP))
		*closed = true;
}
