/* SPDX-License-Identifier: GPL-2.0 */
/* What a target directory offers: CPUs, control files and capture transports. */
#ifndef REMOTECTL_TARGET_PROBE_H
#define REMOTECTL_TARGET_PROBE_H

#include "target.h"

/* Fill in the probe fields of t from its directory. */
void target_probe(struct target *t);

/* Why the best transport is what it is, e.g. "mmap refused: No such device". */
const char *target_transport_reason(const struct target *t, char *buf, size_t size);

#endif
