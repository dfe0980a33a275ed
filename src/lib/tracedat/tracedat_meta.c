// SPDX-License-Identifier: GPL-2.0
/* Collecting trace.dat metadata (headers, event formats, kallsyms...) from tracefs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "note.h"
#include "tracedat_internal.h"
#include "tracedat_write.h"
#include "util.h"

/* Event formats and headers are small: one read each. */
static char *slurp(const char *path, size_t *len)
{
	return read_whole_file(path, 0, 1 << 14, len);
}

/* dir/events/rel, else root/events/rel. */
static char *slurp_events(const char *dir, const char *root, const char *rel, size_t *len)
{
	char *path = xasprintf("%s/events/%s", dir, rel), *s = slurp(path, len);

	free(path);
	if (!s && root) {
		path = xasprintf("%s/events/%s", root, rel);
		s = slurp(path, len);
		free(path);
	}
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the subdirectories of path. */
static char **subdirs(const char *path, int *nr)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **v = NULL;

	*nr = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		v = xrealloc(v, (*nr + 1) * sizeof(*v));
		v[(*nr)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*nr)
		qsort(v, *nr, sizeof(*v), cmp_str);
	return v;
}

static void free_names(char **v, int nr)
{
	while (nr--)
		free(v[nr]);
	free(v);
}

/* The events a target's set_event lists as enabled; remotes and hypervisor/ have none. */
struct enabled_list {
	struct target_event_list ev;
	bool known;	/* set_event read, in the format we know: else take whole systems */
};

static void read_enabled(const char *dir, struct enabled_list *l)
{
	l->known = !target_set_event_read(dir, &l->ev);
}

/* The enabled events of every target whose events the file is to describe. */
struct enabled_set {
	struct enabled_list *l;
	int nr;
};

static bool set_lists(const struct enabled_set *set, const char *sys, const char *ev)
{
	for (int i = 0; i < set->nr; i++)
		if (set->l[i].known && target_event_listed(&set->l[i].ev, sys, ev))
			return true;
	return false;
}

/*
 * u32 count + (u64 size + format) for the events of events_dir (system sys); with only, just
 * the events it lists. Returns the count.
 */
static uint32_t add_formats(struct tdbuf *b, const char *events_dir, const char *sys,
			    const struct enabled_set *only, struct tdw *w,
			    const struct tdw_extra_system *extra)
{
	int nr, i;
	char **ev = subdirs(events_dir, &nr);
	size_t count_at = b->len;
	uint32_t count = 0;

	tdbuf_u32(b, 0);
	for (i = 0; i < nr; i++) {
		char *path;
		size_t len;
		char *f;

		if (only && !set_lists(only, sys, ev[i]))
			continue;
		path = xasprintf("%s/%s/format", events_dir, ev[i]);
		f = slurp(path, &len);
		free(path);
		if (!f)
			continue;
		if (extra && extra->replace) {
			const char *r = extra->replace(extra->ctx, sys, ev[i]);

			if (r) {
				free(f);
				f = xstrdup(r);
				len = strlen(r);
			}
		}
		tdbuf_u64(b, len);
		tdbuf_put(b, f, len);
		tdw_note_format(w, sys, f, len);
		free(f);
		count++;
	}
	bo_put32(b->p + count_at, count, BO_LITTLE);
	free_names(ev, nr);
	return count;
}

enum want { WANT_NONE, WANT_ALL, WANT_ENABLED };

/*
 * Which formats of a system a capture needs: all with TDW_META_ALL_SYSTEMS (events already in
 * the buffer may be of any kind), none of a disabled system, the enabled ones of a partly
 * enabled system ("X") when set_event says which: reading a format costs an eventfs lookup,
 * ~70 us, and syscalls has 700 events, of which a capture usually enables a few.
 */
static enum want system_wanted(const char *events, const char *sys, unsigned int flags,
			       const struct enabled_list *enabled)
{
	char *path, buf[16];
	ssize_t n;

	if (flags & TDW_META_ALL_SYSTEMS)
		return WANT_ALL;
	/*
	 * Not in set_event: nothing of it enabled. Its enable file would say so too, but each
	 * read of one walks every event of the target (bench/RESULTS.md, "set_event").
	 */
	if (enabled->known && !target_event_listed(&enabled->ev, sys, NULL))
		return WANT_NONE;
	path = xasprintf("%s/%s/enable", events, sys);
	n = read_line_file(path, buf, sizeof(buf));
	free(path);
	/* Remotes may have no enable file: keep their formats. */
	if (n < 0)
		return WANT_ALL;
	if (!strcmp(buf, "0"))
		return WANT_NONE;
	if (strcmp(buf, "1") && enabled->known)
		return WANT_ENABLED;
	return WANT_ALL;
}

static int add_header_info(struct tdw *w, const char *dir, const char *root)
{
	struct tdbuf b = { 0 };
	size_t plen, elen;
	char *page = slurp_events(dir, root, "header_page", &plen);
	char *event = slurp_events(dir, root, "header_event", &elen);
	int ret = -1;

	if (!page || !event) {
		note_error("cannot read events/header_page and header_event of %s", dir);
		goto out;
	}
	tdbuf_str(&b, "header_page");
	tdbuf_u64(&b, plen);
	tdbuf_put(&b, page, plen);
	tdbuf_str(&b, "header_event");
	tdbuf_u64(&b, elen);
	tdbuf_put(&b, event, elen);
	ret = tdw_add_section(w, TD_SEC_HEADER_INFO, b.p, b.len);
out:
	tdbuf_free(&b);
	free(page);
	free(event);
	return ret;
}

/*
 * The body of an EVENT_FORMATS section: dir's formats of the systems flags and the set_event
 * of dir and of the targets in also (NULL-ended, may be NULL) call for, and extra. The
 * kernel's formats are the same in every instance; which events are enabled is not.
 */
static void build_event_formats(struct tdbuf *b, const char *dir, const char *const *also,
				unsigned int flags, const struct tdw_extra_system *extra,
				struct tdw *w)
{
	struct enabled_set set = { 0 };
	uint32_t nr_sys = 0;
	char **sys, **events;	/* dir's events directory first, then those of also */
	int nr, i, j;

	while (also && also[set.nr])
		set.nr++;
	set.nr++;
	events = xcalloc(set.nr, sizeof(*events));
	set.l = xcalloc(set.nr, sizeof(*set.l));
	for (j = 0; j < set.nr; j++) {
		const char *d = j ? also[j - 1] : dir;

		events[j] = xasprintf("%s/events", d);
		if (!(flags & TDW_META_ALL_SYSTEMS))
			read_enabled(d, &set.l[j]);
	}
	sys = subdirs(events[0], &nr);
	tdbuf_u32(b, 0);
	for (i = 0; i < nr; i++) {
		enum want want = WANT_NONE;
		char *sdir;

		/* What any of the targets needs: all of the system, its enabled events, none. */
		for (j = 0; j < set.nr && want != WANT_ALL && strcmp(sys[i], "ftrace"); j++) {
			enum want t = system_wanted(events[j], sys[i], flags, &set.l[j]);

			if (t == WANT_ALL || (t == WANT_ENABLED && want == WANT_NONE))
				want = t;
		}
		if (want == WANT_NONE)
			continue;
		sdir = xasprintf("%s/%s", events[0], sys[i]);
		tdbuf_str(b, sys[i]);
		add_formats(b, sdir, sys[i], want == WANT_ENABLED ? &set : NULL, w, extra);
		free(sdir);
		nr_sys++;
	}
	for (const struct tdw_extra_system *x = extra; x; x = x->next) {
		if (!x->nr)
			continue;
		tdbuf_str(b, x->name);
		tdbuf_u32(b, x->nr);
		for (i = 0; i < x->nr; i++) {
			size_t len = strlen(x->formats[i]);

			tdbuf_u64(b, len);
			tdbuf_put(b, x->formats[i], len);
			tdw_note_format(w, x->name, x->formats[i], len);
		}
		nr_sys++;
	}
	bo_put32(b->p, nr_sys, BO_LITTLE);
	free_names(sys, nr);
	for (j = 0; j < set.nr; j++) {
		target_events_free(&set.l[j].ev);
		free(events[j]);
	}
	free(set.l);
	free(events);
}

static int add_event_formats(struct tdw *w, const char *dir, const char *const *also,
			     const char *root, unsigned int flags,
			     const struct tdw_extra_system *extra)
{
	char *ftrace = xasprintf("%s/events/ftrace", dir);
	struct tdbuf b = { 0 };
	int ret;

	if (!is_dir(ftrace) && root) {
		free(ftrace);
		ftrace = xasprintf("%s/events/ftrace", root);
	}
	add_formats(&b, ftrace, "ftrace", NULL, w, NULL);
	free(ftrace);
	ret = tdw_add_section(w, TD_SEC_FTRACE_EVENTS, b.p, b.len);
	b.len = 0;
	if (!ret) {
		build_event_formats(&b, dir, also, flags, extra, w);
		ret = tdw_add_section(w, TD_SEC_EVENT_FORMATS, b.p, b.len);
	}
	tdbuf_free(&b);
	return ret;
}

int tdw_replace_formats(struct tdw *w, const char *dir)
{
	return tdw_replace_formats_extra(w, dir, TDW_META_ALL_SYSTEMS, NULL);
}

int tdw_replace_formats_extra(struct tdw *w, const char *dir, unsigned int flags,
			      const struct tdw_extra_system *extra)
{
	struct tdbuf b = { 0 };
	int ret;

	build_event_formats(&b, dir, NULL, flags, extra, w);
	ret = tdw_set_late_formats(w, b.p, b.len);
	tdbuf_free(&b);
	return ret;
}

/*
 * A u32- or u64-sized text section from a file; a missing file is skipped. The size goes in
 * front of the text in the same buffer, and the first read asks for 1 MiB: /proc/kallsyms is
 * MiBs, and copying it into a second buffer cost half as much again as reading it (page
 * faults; bench/RESULTS.md, "One buffer for kallsyms").
 */
char *td_read_text_body(const char *path, bool size64, size_t *len)
{
	size_t room = size64 ? 8 : 4;
	char *s = read_whole_file(path, room, 1 << 20, len);

	if (!s)
		return NULL;
	if (size64)
		bo_put64(s, *len, BO_LITTLE);
	else
		bo_put32(s, *len, BO_LITTLE);
	*len += room;
	return s;
}

static int cmp_pid(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The pid a line starts with, -1 for none; *end past its newline (or at the text's end). */
static long line_pid(const char *p, const char *limit, const char **end)
{
	const char *nl = memchr(p, '\n', limit - p);
	long pid = 0;
	int digits = 0;

	*end = nl ? nl + 1 : limit;
	for (; p < *end && *p >= '0' && *p <= '9' && digits < 10; p++, digits++)
		pid = pid * 10 + (*p - '0');
	return digits && p < *end && *p == ' ' ? pid : -1;
}

char *td_merge_cmdlines(const char *now, size_t now_len, const char *before, size_t before_len,
			size_t *len)
{
	const char *p, *end, *limit = now + now_len;
	size_t nr = 0, cap = 0;
	struct tdbuf b = { 0 };
	long *pids = NULL, pid;

	for (p = now; p && p < limit; p = end) {
		pid = line_pid(p, limit, &end);
		if (pid < 0)
			continue;
		if (nr == cap) {
			cap = cap ? 2 * cap : 1024;
			pids = xrealloc(pids, cap * sizeof(*pids));
		}
		pids[nr++] = pid;
	}
	if (nr)
		qsort(pids, nr, sizeof(*pids), cmp_pid);
	if (now_len)
		tdbuf_put(&b, now, now_len);
	/* A last line without its newline gets one before more lines follow. */
	if (now_len && now[now_len - 1] != '\n')
		tdbuf_put(&b, "\n", 1);
	limit = before + before_len;
	for (p = before; p && p < limit; p = end) {
		pid = line_pid(p, limit, &end);
		if (pid < 0 || (nr && bsearch(&pid, pids, nr, sizeof(*pids), cmp_pid)))
			continue;
		tdbuf_put(&b, p, end - p);
		if (end[-1] != '\n')
			tdbuf_put(&b, "\n", 1);
	}
	free(pids);
	*len = b.len;
	return (char *)b.p;
}

static int add_text_file(struct tdw *w, uint16_t id, const char *path, bool size64)
{
	size_t len;
	char *s = td_read_text_body(path, size64, &len);
	int ret;

	if (!s) {
		note_debug("trace.dat: no %s: %s", path, strerror(errno));
		return 0;
	}
	ret = tdw_add_section(w, id, s, len);
	free(s);
	return ret;
}

int tdw_meta_from_dir(struct tdw *w, const char *dir, const char *root, unsigned int flags)
{
	return tdw_meta_from_dir_extra(w, dir, NULL, root, flags, NULL);
}

int tdw_meta_from_dir_extra(struct tdw *w, const char *dir, const char *const *also,
			    const char *root, unsigned int flags,
			    const struct tdw_extra_system *extra)
{
	char *path;
	int ret;

	if (add_header_info(w, dir, root) || add_event_formats(w, dir, also, root, flags, extra))
		return -1;
	if (!(flags & TDW_META_KERNEL) || !root)
		return 0;
	/*
	 * Symbols at the end, if the data needs them: reading them is 20-30 ms of kernel time
	 * and a MB of the file, most of a short capture's cost (bench/RESULTS.md).
	 */
	tdw_set_kallsyms_path(w, "/proc/kallsyms");
	path = xasprintf("%s/printk_formats", root);
	ret = add_text_file(w, TD_SEC_PRINTK, path, false);
	free(path);
	path = xasprintf("%s/saved_cmdlines", root);
	if (!ret)
		ret = add_text_file(w, TD_SEC_CMDLINES, path, true);
	tdw_set_cmdlines_path(w, path);
	free(path);
	return ret;
}
