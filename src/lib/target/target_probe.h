/* SPDX-License-Identifier: GPL-2.0 */
/* The capture transport a target offers, and why (target_probe.c probes them). */
#ifndef REMOTECTL_TARGET_PROBE_H
#define REMOTECTL_TARGET_PROBE_H

#include "target.h"

/* Why the best transport is what it is, e.g. "mmap refused: No such device". */
const char *target_transport_reason(const struct target *t, char *buf, size_t size);

#endif
