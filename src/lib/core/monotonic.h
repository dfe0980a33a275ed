/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLOCK_MONOTONIC in nanoseconds: intervals (fdatasync pacing, waits, progress) that a change
 * of the wall clock does not disturb.
 */
#ifndef REMOTECTL_MONOTONIC_H
#define REMOTECTL_MONOTONIC_H

#include <stdint.h>
#include <time.h>

static inline uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The same in seconds, for durations and rates. */
static inline double monotonic_s(void)
{
	return monotonic_ns() / 1e9;
}

#endif
