/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Undo log: every control-file change made through it is remembered the first time it is
 * made, and target_undo_restore() puts the old values back in reverse order. Both return 0 or,
 * after a message, -errno (target_undo_restore() the first failure's, having tried every file).
 */
#ifndef REMOTECTL_UNDO_H
#define REMOTECTL_UNDO_H

#include "target.h"

struct target_undo_log;
struct target_undo_log *target_undo_new(const struct target *t);
int target_undo_write(struct target_undo_log *u, const char *rel, const char *value);
int target_undo_restore(struct target_undo_log *u);
/* Put rel back now, if it was changed, and forget it: 1 if it was, 0 if not, -1 on failure. */
int target_undo_restore_one(struct target_undo_log *u, const char *rel);
/*
 * Put back now, latest first, every file changed whose name begins with prefix and ends with
 * suffix (and whose old value was old, unless NULL), and forget them: how many, or -1 if a
 * write failed (every one is tried).
 */
int target_undo_restore_matching(struct target_undo_log *u, const char *prefix,
				 const char *suffix, const char *old);
void target_undo_free(struct target_undo_log *u);

#endif
