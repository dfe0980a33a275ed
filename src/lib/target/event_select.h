/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record/stream -e: the events matching the globs become exactly the enabled ones for the
 * capture, with few reads and writes, every write through the undo log.
 */
#ifndef REMOTECTL_EVENT_SELECT_H
#define REMOTECTL_EVENT_SELECT_H

#include "target.h"
#include "undo.h"

struct target_event_selection;

/*
 * List t's events (names only) and mark those matching any of globs; nothing is written.
 * Returns 0 and *out; -EINVAL with *bad the index of a glob that matches nothing; or -errno
 * and *bad -1 when t has no readable events/ directory.
 */
int target_event_selection_new(const struct target *t, const char **globs, int nr,
			struct target_event_selection **out, int *bad);

/*
 * Enable the marked events that are off and disable the others that are on, each write through
 * u. A system whose enable file reads 0 is not looked into; one that reads 1 is turned off as
 * a whole when that takes fewer writes. An event a trigger holds in soft mode is left as it is,
 * with a warning. Returns 0 or the -errno of a failed write (target_write()).
 */
int target_event_selection_apply(struct target_event_selection *s, struct target_undo_log *u);

/* Events matched, and enable files written by target_event_selection_apply(). */
int target_event_selection_matched(const struct target_event_selection *s);
int target_event_selection_writes(const struct target_event_selection *s);

void target_event_selection_free(struct target_event_selection *s);

#endif
