// SPDX-License-Identifier: GPL-2.0
/*
 * record -e: exactly the events asked for, as with trace-cmd record -e. The top level has
 * thousands of events, so enable files are read only where needed: a system's enable file
 * reads 0 when none of its events is on, 1 when all are, X when mixed, and the events/enable
 * file the same for the whole target. Remotes have no system enable files; their few events
 * are read one by one.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_select.h"
#include "events.h"
#include "note.h"
#include "util.h"

/* What an event's enable file reads. */
enum ev_state {
	EV_UNREAD,
	EV_OFF,		/* "0" */
	EV_ON,		/* "1" */
	EV_SOFT_OFF,	/* "0*": soft mode, held by a trigger; a write */
	EV_SOFT_ON,	/* "1*"  could not be undone exactly */
	EV_NONE,	/* no enable file (ftrace:print...) or not readable */
};

struct sel_event {
	char *name;
	bool want;
	enum ev_state state;
};

struct sel_system {
	char *name;
	struct sel_event *ev;
	int nr;
	int nr_want;
};

struct target_event_selection {
	const struct target *t;
	struct target_undo_log *u;
	struct sel_system *sys;
	int nr;
	int matched;
	int writes;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* The directories in dir, sorted. Returns their number or -errno. */
static int subdirs(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int nr = 0;

	*names = NULL;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		bool is_subdir = de->d_type == DT_DIR;

		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_UNKNOWN) {
			char *p = xasprintf("%s/%s", dir, de->d_name);

			is_subdir = is_dir(p);
			free(p);
		}
		if (!is_subdir)
			continue;
		*names = xrealloc(*names, (nr + 1) * sizeof(**names));
		(*names)[nr++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nr)
		qsort(*names, nr, sizeof(**names), cmp_name);
	return nr;
}

/* Names only: a readdir per system, no file read. */
static int load(struct target_event_selection *s)
{
	char *dir = target_path(s->t, "events");
	char **sys, **ev;
	int nr, i, j;

	nr = subdirs(dir, &sys);
	if (nr < 0) {
		free(dir);
		return nr;
	}
	s->sys = xcalloc(nr + 1, sizeof(*s->sys));
	for (i = 0; i < nr; i++) {
		struct sel_system *ss = &s->sys[s->nr++];
		char *sysdir = xasprintf("%s/%s", dir, sys[i]);
		int n = subdirs(sysdir, &ev);

		free(sysdir);
		ss->name = sys[i];
		ss->ev = xcalloc(n > 0 ? n : 1, sizeof(*ss->ev));
		for (j = 0; j < n; j++)
			ss->ev[ss->nr++].name = ev[j];
		free(ev);
	}
	free(sys);
	free(dir);
	return 0;
}

/* Mark what each glob matches; the index of the first glob that matches nothing, or -1. */
static int mark(struct target_event_selection *s, const char **globs, int nr)
{
	for (int g = 0; g < nr; g++) {
		int matched = 0;

		for (int i = 0; i < s->nr; i++) {
			struct sel_system *ss = &s->sys[i];

			for (int j = 0; j < ss->nr; j++) {
				struct target_event_info ev = { .system = ss->name,
							       .name = ss->ev[j].name };

				if (!target_event_matches(&ev, globs[g]))
					continue;
				matched++;
				if (!ss->ev[j].want) {
					ss->ev[j].want = true;
					ss->nr_want++;
					s->matched++;
				}
			}
		}
		if (!matched)
			return g;
	}
	return -1;
}

int target_event_selection_new(const struct target *t, const char **globs, int nr,
			struct target_event_selection **out, int *bad)
{
	struct target_event_selection *s = xcalloc(1, sizeof(*s));
	int rc;

	s->t = t;
	*out = NULL;
	*bad = -1;
	rc = load(s);
	if (!rc) {
		*bad = mark(s, globs, nr);
		if (*bad >= 0)
			rc = -EINVAL;
	}
	if (rc) {
		target_event_selection_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static enum ev_state read_state(const struct target *t, const char *rel)
{
	static const char *const text[] = {
		[EV_OFF] = "0", [EV_ON] = "1", [EV_SOFT_OFF] = "0*", [EV_SOFT_ON] = "1*",
	};
	char buf[16];

	if (target_read(t, rel, buf, sizeof(buf)) < 0)
		return EV_NONE;
	for (int i = EV_OFF; i <= EV_SOFT_ON; i++)
		if (!strcmp(buf, text[i]))
			return i;
	return EV_NONE;
}

/* events/enable or events/<system>/enable: 0 (or ? for nothing to enable), 1, X. */
static char read_summary(const struct target *t, const char *rel)
{
	char buf[16];

	if (target_read(t, rel, buf, sizeof(buf)) != 1)
		return 'X';
	return buf[0] == '?' ? '0' : buf[0];
}

static int set_enable(struct target_event_selection *s, const char *system, const char *event,
		      bool on)
{
	char *rel = event ? xasprintf("events/%s/%s/enable", system, event) :
			    xasprintf("events/%s/enable", system);
	int rc = target_undo_write(s->u, rel, on ? "1" : "0");

	free(rel);
	s->writes += !rc;
	return rc;
}

static int apply_system(struct target_event_selection *s, struct sel_system *ss, bool all_off)
{
	char state = all_off ? '0' : 'X';
	int i, on = 0, rc;

	if (!all_off) {
		char *rel = xasprintf("events/%s/enable", ss->name);

		state = read_summary(s->t, rel);
		free(rel);
	}
	/* A system that is off needs writes only for what is wanted: read only that. */
	for (i = 0; i < ss->nr; i++) {
		struct sel_event *e = &ss->ev[i];
		char *rel;

		if (state == '0' && !e->want)
			continue;
		rel = xasprintf("events/%s/%s/enable", ss->name, e->name);
		e->state = read_state(s->t, rel);
		free(rel);
		on += e->state == EV_ON;
	}
	/*
	 * All on (none in soft mode, which the system's enable file would change): off as a
	 * whole, then the wanted ones on, when that is fewer writes than one per unwanted event.
	 * Restoring writes 1 to the system last, which turns each of them on again.
	 */
	if (state == '1' && on == ss->nr && 1 + ss->nr_want < ss->nr - ss->nr_want) {
		rc = set_enable(s, ss->name, NULL, false);
		if (rc)
			return rc;
		for (i = 0; i < ss->nr; i++)
			ss->ev[i].state = EV_OFF;
	}
	for (i = 0; i < ss->nr; i++) {
		struct sel_event *e = &ss->ev[i];

		rc = 0;
		if (e->want && e->state == EV_OFF)
			rc = set_enable(s, ss->name, e->name, true);
		else if (!e->want && e->state == EV_ON)
			rc = set_enable(s, ss->name, e->name, false);
		else if ((e->want && e->state == EV_SOFT_OFF) ||
			 (!e->want && e->state == EV_SOFT_ON))
			note_warn("%s: %s:%s stays %s: a trigger holds it in soft mode",
				  s->t->label, ss->name, e->name, e->want ? "off" : "on");
		if (rc)
			return rc;
	}
	return 0;
}

int target_event_selection_apply(struct target_event_selection *s, struct target_undo_log *u)
{
	/* Nothing on anywhere (the usual case): only the wanted events are read. */
	bool all_off = read_summary(s->t, "events/enable") == '0';
	int rc = 0;

	s->u = u;
	for (int i = 0; i < s->nr && !rc; i++)
		rc = apply_system(s, &s->sys[i], all_off);
	return rc;
}

int target_event_selection_matched(const struct target_event_selection *s)
{
	return s->matched;
}

int target_event_selection_writes(const struct target_event_selection *s)
{
	return s->writes;
}

void target_event_selection_free(struct target_event_selection *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nr; i++) {
		for (int j = 0; j < s->sys[i].nr; j++)
			free(s->sys[i].ev[j].name);
		free(s->sys[i].ev);
		free(s->sys[i].name);
	}
	free(s->sys);
	free(s);
}
