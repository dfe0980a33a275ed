/* SPDX-License-Identifier: GPL-2.0 */
/*
 * target's internals, for src/lib/target/ and its unit tests only. Other folders and the
 * commands use target.h (targets and their control files), undo.h (the undo log), events.h,
 * event_select.h, target_info.h and target_probe.h.
 */
#ifndef REMOTECTL_TARGET_INTERNAL_H
#define REMOTECTL_TARGET_INTERNAL_H

#include "target.h"

/* statfs() f_type of a tracefs mount (linux/magic.h). */
#define TRACEFS_MAGIC 0x74726163

/*
 * What a target directory offers: CPUs, control files and capture transports. Fill in the
 * probe fields of t from its directory.
 */
void target_probe(struct target *t);

#endif
