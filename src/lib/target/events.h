/* SPDX-License-Identifier: GPL-2.0 */
/* A target's events: events/<system>/<event>/{id,enable}. */
#ifndef REMOTECTL_EVENTS_H
#define REMOTECTL_EVENTS_H

#include <stdbool.h>

#include "target.h"

struct event_info {
	char *system;
	char *name;
	int id;		/* -1 when the id file is missing or unreadable */
	int enabled;	/* 1, 0, or -1 when there is no enable file (read-only targets) */
};

struct event_list {
	struct event_info *ev;
	int nr;
};

/* All events of t, sorted by system then name. Returns 0 or -errno. */
int events_load(const struct target *t, struct event_list *list);
void events_free(struct event_list *list);

/* Does "system:event" match ev, or "name" its event or system name? Globs allowed. */
bool event_matches(const struct event_info *ev, const char *glob);

/* events/<system>/<event>/enable, malloc'd. */
char *event_enable_rel(const struct event_info *ev);

#endif
