/* SPDX-License-Identifier: GPL-2.0 */
/* CPU lists as the kernel writes them: "0-3,6". */
#ifndef REMOTECTL_CPULIST_H
#define REMOTECTL_CPULIST_H

#include <stdbool.h>
#include <stddef.h>

/* Format ascending cpus into buf ("0-3,6"; "none" when empty). */
const char *cpulist_format(const int *cpus, int nr, char *buf, size_t size);

/*
 * Parse "0-3,6" into a malloc'd ascending, duplicate-free array. Returns the count, or -1
 * when malformed. CPUs above max_cpu are refused.
 */
int cpulist_parse(const char *s, int max_cpu, int **cpus);

#endif
