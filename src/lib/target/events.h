/* SPDX-License-Identifier: GPL-2.0 */
/* A target's events: events/<system>/<event>/{id,enable}. */
#ifndef REMOTECTL_EVENTS_H
#define REMOTECTL_EVENTS_H

#include <stdbool.h>

#include "target.h"

struct target_event_info {
	char *system;
	char *name;
	int id;		/* -1 when the id file is missing or unreadable */
	int enabled;	/* 1, 0, or -1 when there is no enable file (read-only targets) */
};

struct target_event_list {
	struct target_event_info *ev;
	int nr;
};

/* All events of t, sorted by system then name. Returns 0 or -errno. */
int target_events_load(const struct target *t, struct target_event_list *list);
/*
 * The events a capture of t most likely meets, without reading every event's id and enable
 * files (a few thousand files, an eventfs lookup each): those set_event lists, and the ftrace
 * system's (raw markers and prints, which have no id file). Names only: id and enabled -1.
 * Returns 0, or -ENOENT when there are none.
 */
int target_events_likely(const struct target *t, struct target_event_list *list);
void target_events_free(struct target_event_list *list);
/*
 * The events the set_event file of the target directory dir lists, sorted, names only (id -1,
 * enabled 1); the one reader of set_event. Returns 0 (an empty list when nothing is enabled),
 * -errno when it cannot be read, -EBADMSG when its text is not newline-ended lines.
 */
int target_set_event_read(const char *dir, struct target_event_list *list);
/* Does a sorted list hold sys:ev, or with ev NULL any event of sys? */
bool target_event_listed(const struct target_event_list *list, const char *sys, const char *ev);

/* Does "system:event" match ev, or "name" its event or system name? Globs allowed. */
bool target_event_matches(const struct target_event_info *ev, const char *glob);

/* events/<system>/<event>/enable, malloc'd. */
char *target_event_enable_rel(const struct target_event_info *ev);

#endif
