// SPDX-License-Identifier: GPL-2.0
/*
 * Listing a target's events. Written here rather than with tracefs_event_systems(): that
 * helper only lists systems with an enable file, which remotes and backup instances lack.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "util.h"

static int cmp_event(const void *a, const void *b)
{
	const struct target_event_info *x = a, *y = b;
	int c = strcmp(x->system, y->system);

	return c ? c : strcmp(x->name, y->name);
}

static int read_int(const char *path, int *val)
{
	char buf[32], *end;
	long v;

	if (read_line_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	v = strtol(buf, &end, 10);
	if (*end)
		return -1;
	*val = v;
	return 0;
}

static void add_event(struct target_event_list *list, const char *system, const char *name,
		      int id, int enabled)
{
	struct target_event_info ev = { xstrdup(system), xstrdup(name), id, enabled };

	list->ev = xrealloc(list->ev, (list->nr + 1) * sizeof(*list->ev));
	list->ev[list->nr++] = ev;
}

static void add_system(struct target_event_list *list, const char *events_dir, const char *system)
{
	char *sysdir = xasprintf("%s/%s", events_dir, system);
	struct dirent *de;
	DIR *d = opendir(sysdir);

	if (!d) {
		free(sysdir);
		return;
	}
	while ((de = readdir(d))) {
		struct target_event_info ev = { .id = -1, .enabled = -1 };
		char *evdir, *path;
		bool is_event;

		if (de->d_name[0] == '.')
			continue;
		evdir = xasprintf("%s/%s", sysdir, de->d_name);
		/* An event directory has an id or a format file; a system has neither. */
		path = xasprintf("%s/id", evdir);
		is_event = !read_int(path, &ev.id);
		free(path);
		if (!is_event) {
			path = xasprintf("%s/format", evdir);
			is_event = path_exists(path);
			free(path);
		}
		if (!is_event) {
			free(evdir);
			continue;
		}
		path = xasprintf("%s/enable", evdir);
		if (read_int(path, &ev.enabled))
			ev.enabled = -1;
		free(path);
		free(evdir);
		add_event(list, system, de->d_name, ev.id, ev.enabled);
	}
	closedir(d);
	free(sysdir);
}

int target_events_load(const struct target *t, struct target_event_list *list)
{
	char *dir = target_path(t, "events");
	struct dirent *de;
	DIR *d;

	memset(list, 0, sizeof(*list));
	d = opendir(dir);
	if (!d) {
		int err = -errno;

		free(dir);
		return err;
	}
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (is_dir(p))
			add_system(list, dir, de->d_name);
		free(p);
	}
	closedir(d);
	free(dir);
	if (list->nr > 1)
		qsort(list->ev, list->nr, sizeof(*list->ev), cmp_event);
	return 0;
}

/* A set_event line's "system:event" as names: both parts there, no '/' in either. */
static bool split_set_event_line(char *line, char **ev)
{
	char *colon = strchr(line, ':');

	if (!colon || colon == line || !colon[1] || strchr(line, '/'))
		return false;
	*colon = '\0';
	*ev = colon + 1;
	return true;
}

int target_set_event_read(const char *dir, struct target_event_list *list)
{
	char *path = xasprintf("%s/set_event", dir), *text, *line, *next, *ev;
	size_t len;

	memset(list, 0, sizeof(*list));
	text = read_whole_file(path, 0, 1 << 14, &len);
	free(path);
	if (!text)
		return -errno;
	/* The kernel ends every line with a newline: anything else is a format we do not know. */
	if (len && text[len - 1] != '\n') {
		free(text);
		return -EBADMSG;
	}
	for (line = text; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		if (split_set_event_line(line, &ev))
			add_event(list, line, ev, -1, 1);
	}
	free(text);
	if (list->nr > 1)
		qsort(list->ev, list->nr, sizeof(*list->ev), cmp_event);
	return 0;
}

bool target_event_listed(const struct target_event_list *list, const char *sys, const char *ev)
{
	int lo = 0, hi = list->nr;

	/* The first entry of sys (and ev): entries are sorted by system, then name. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(list->ev[mid].system, sys);

		if (!c && ev)
			c = strcmp(list->ev[mid].name, ev);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < list->nr && !strcmp(list->ev[lo].system, sys) &&
	       (!ev || !strcmp(list->ev[lo].name, ev));
}

int target_events_likely(const struct target *t, struct target_event_list *list)
{
	char *path;
	struct target_event_list set;
	struct dirent *de;
	DIR *d;

	memset(list, 0, sizeof(*list));
	if (!target_set_event_read(t->dir, &set)) {
		for (int i = 0; i < set.nr; i++)
			if (strcmp(set.ev[i].system, "ftrace"))
				add_event(list, set.ev[i].system, set.ev[i].name, -1, 1);
		target_events_free(&set);
	}
	path = target_path(t, "events/ftrace");
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char *p = xasprintf("%s/%s", path, de->d_name);

		if (de->d_name[0] != '.' && (de->d_type == DT_DIR ||
					     (de->d_type == DT_UNKNOWN && is_dir(p))))
			add_event(list, "ftrace", de->d_name, -1, -1);
		free(p);
	}
	if (d)
		closedir(d);
	free(path);
	return list->nr ? 0 : -ENOENT;
}

void target_events_free(struct target_event_list *list)
{
	for (int i = 0; i < list->nr; i++) {
		free(list->ev[i].system);
		free(list->ev[i].name);
	}
	free(list->ev);
	memset(list, 0, sizeof(*list));
}

bool target_event_matches(const struct target_event_info *ev, const char *glob)
{
	const char *colon = strchr(glob, ':');
	char sys[256];

	if (!colon)
		return !fnmatch(glob, ev->name, 0) || !fnmatch(glob, ev->system, 0);
	snprintf(sys, sizeof(sys), "%.*s", (int)(colon - glob), glob);
	return !fnmatch(sys, ev->system, 0) && !fnmatch(colon + 1, ev->name, 0);
}

char *target_event_enable_rel(const struct target_event_info *ev)
{
	return xasprintf("events/%s/%s/enable", ev->system, ev->name);
}
