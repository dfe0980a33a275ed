// SPDX-License-Identifier: GPL-2.0
/*
 * Undo log for control-file changes: the first change of a file saves its old value, and
 * target_undo_restore() writes the saved values back, newest first, so a command leaves a target as
 * it found it even when it fails half way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "target.h"
#include "undo.h"
#include "util.h"

struct undo_entry {
	char *rel;
	char *old;
};

struct target_undo_log {
	const struct target *t;
	struct undo_entry *entries;
	size_t nr;
};

struct target_undo_log *target_undo_new(const struct target *t)
{
	struct target_undo_log *u = xcalloc(1, sizeof(*u));

	u->t = t;
	return u;
}

/* The value to write back to restore rel: the part of what it reads that it accepts. */
static char *saved_value(const struct target *t, const char *rel)
{
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	struct buffer_size bs;
	char buf[4096];

	if (!strcmp(base, "buffer_size_kb") && !strcmp(rel, base)) {
		if (target_buffer_size(t, &bs) || bs.per_cpu_differ)
			return NULL;
		return xasprintf("%" PRIu64, bs.kib);
	}
	if (!strcmp(base, "trace_clock"))
		return target_clock(t, buf, sizeof(buf)) ? NULL : xstrdup(buf);
	if (target_read(t, rel, buf, sizeof(buf)) < 0)
		return NULL;
	return xstrdup(buf);
}

static bool logged(const struct target_undo_log *u, const char *rel)
{
	for (size_t i = 0; i < u->nr; i++)
		if (!strcmp(u->entries[i].rel, rel))
			return true;
	return false;
}

int target_undo_write(struct target_undo_log *u, const char *rel, const char *value)
{
	if (!logged(u, rel)) {
		char *old = saved_value(u->t, rel);

		if (!old) {
			note_error("%s: cannot read %s to save it", u->t->label, rel);
			return -EIO;
		}
		u->entries = xrealloc(u->entries, (u->nr + 1) * sizeof(*u->entries));
		u->entries[u->nr].rel = xstrdup(rel);
		u->entries[u->nr].old = old;
		u->nr++;
	}
	return target_write(u->t, rel, value);
}

/* Put back now, latest first, the files restore_matching() is asked for; see undo.h. */
static int restore_matching(struct target_undo_log *u, const char *prefix, const char *suffix,
			    bool exact, const char *old)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	int n = 0, rc = 0;

	for (size_t i = u->nr; i-- > 0;) {
		struct undo_entry *e = &u->entries[i];
		size_t len = strlen(e->rel);

		if (len < pl || len < sl || (exact && len != pl) || strncmp(e->rel, prefix, pl) ||
		    strcmp(e->rel + len - sl, suffix) || (old && strcmp(e->old, old)))
			continue;
		if (target_write(u->t, e->rel, e->old))
			rc = -1;
		free(e->rel);
		free(e->old);
		memmove(e, e + 1, (u->nr - i - 1) * sizeof(*e));
		u->nr--;
		n++;
	}
	return rc ? rc : n;
}

int target_undo_restore_one(struct target_undo_log *u, const char *rel)
{
	return restore_matching(u, rel, "", true, NULL);
}

int target_undo_restore_matching(struct target_undo_log *u, const char *prefix,
				 const char *suffix, const char *old)
{
	return restore_matching(u, prefix, suffix, false, old);
}

int target_undo_restore(struct target_undo_log *u)
{
	int rc = 0, r;

	while (u->nr) {
		struct undo_entry *e = &u->entries[--u->nr];
		char *now = saved_value(u->t, e->rel);

		/* Skip files already back at their value: a remote refuses even a no-op resize. */
		if (!now || strcmp(now, e->old)) {
			r = target_write(u->t, e->rel, e->old);
			if (r && !rc)
				rc = r;
		}
		free(now);
		free(e->rel);
		free(e->old);
	}
	return rc;
}

void target_undo_free(struct target_undo_log *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nr; i++) {
		free(u->entries[i].rel);
		free(u->entries[i].old);
	}
	free(u->entries);
	free(u);
}
