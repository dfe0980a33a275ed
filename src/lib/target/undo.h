/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Undo log: every control-file change made through it is remembered the first time it is
 * made, and undo_restore() puts the old values back in reverse order. Both return 0 or, after
 * a message, -errno (undo_restore() the first failure's, having tried every file).
 */
#ifndef REMOTECTL_UNDO_H
#define REMOTECTL_UNDO_H

#include "target.h"

struct undo_log;
struct undo_log *undo_new(const struct target *t);
int undo_write(struct undo_log *u, const char *rel, const char *value);
int undo_restore(struct undo_log *u);
/* Put rel back now, if it was changed, and forget it: 1 if it was, 0 if not, -1 on failure. */
int undo_restore_one(struct undo_log *u, const char *rel);
void undo_free(struct undo_log *u);

#endif
