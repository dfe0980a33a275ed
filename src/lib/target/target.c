// SPDX-License-Identifier: GPL-2.0
/* Finding trace targets under the tracefs root and naming them. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <tracefs.h>

#include "note.h"
#include "target.h"
#include "target_internal.h"
#include "util.h"

#define CANONICAL_TRACEFS "/sys/kernel/tracing"

/* --tracefs DIR, handed over by the front end. */
static const char *tracefs_dir;

void target_tracefs_root_use(const char *dir)
{
	tracefs_dir = dir;
}

int target_tracefs_root_find(const char **out, char *err, size_t errlen)
{
	static char *root;
	struct statfs sfs;
	const char *dir;
	int ret;

	*out = root;
	if (root)
		return 0;
	dir = tracefs_dir;
	/*
	 * The kernel's own mount point first, so that paths read the same whichever other
	 * tracefs mount (debug/tracing) /proc/mounts lists first; libtracefs takes the first.
	 */
	if (!dir && !statfs(CANONICAL_TRACEFS, &sfs) && sfs.f_type == TRACEFS_MAGIC)
		dir = CANONICAL_TRACEFS;
	if (!dir) {
		/* libtracefs finds the mount point and mounts tracefs when it is missing. */
		dir = tracefs_tracing_dir();
		if (!dir) {
			snprintf(err, errlen, "cannot find or mount tracefs (is CONFIG_TRACING on? "
				 "are you root?)");
			return -ENOENT;
		}
	}
	root = realpath(dir, NULL);
	if (!root || !is_dir(root)) {
		ret = root ? ENOTDIR : errno;
		snprintf(err, errlen, "tracefs directory %s: %s", dir, strerror(ret));
		free(root);
		root = NULL;
		return -ret;
	}
	*out = root;
	return 0;
}

const char *target_tracefs_root(void)
{
	const char *root;
	char err[PATH_MAX + 64];

	if (target_tracefs_root_find(&root, err, sizeof(err)))
		note_error("%s", err);
	return root;
}

const char *target_buffer_name(const struct target *t)
{
	return t->kind == TARGET_TOP ? "" : t->name;
}

const char *target_kind_name(enum target_kind kind)
{
	static const char *const names[] = {
		[TARGET_TOP] = "top", [TARGET_INSTANCE] = "instance",
		[TARGET_REMOTE] = "remote", [TARGET_HYP] = "hypervisor", [TARGET_DIR] = "dir",
	};

	return names[kind];
}

const char *target_transport_name(enum target_transport t)
{
	static const char *const names[] = {
		[TARGET_TRANSPORT_NONE] = "none", [TARGET_TRANSPORT_TEXT] = "text",
		[TARGET_TRANSPORT_READ] = "read", [TARGET_TRANSPORT_MMAP] = "mmap",
	};

	return names[t];
}

char *target_path(const struct target *t, const char *rel)
{
	return xasprintf("%s/%s", t->dir, rel);
}

char *target_cpu_path(const struct target *t, int cpu, const char *file)
{
	return xasprintf("%s/per_cpu/cpu%d/%s", t->dir, cpu, file);
}

void target_free(struct target *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->label);
	free(t->dir);
	free(t->cpus);
	free(t);
}

static struct target *target_new(enum target_kind kind, const char *dir, const char *name,
				 const char *label)
{
	struct target *t = xcalloc(1, sizeof(*t));

	t->kind = kind;
	t->dir = xstrdup(dir);
	t->name = xstrdup(name);
	t->label = xstrdup(label);
	target_probe(t);
	return t;
}

/* A directory at the root that holds a ring buffer (Android's hypervisor/ and hyp/). */
static bool is_buffer_dir(const char *dir)
{
	char *a = xasprintf("%s/trace_pipe", dir);
	char *b = xasprintf("%s/tracing_on", dir);
	bool yes = path_exists(a) || path_exists(b);

	free(a);
	free(b);
	return yes;
}

/* Which kind a directory is, from where it sits under the root. */
static struct target *target_from_dir(const char *root, const char *dir)
{
	const char *base = strrchr(dir, '/') + 1;
	size_t rlen = strlen(root);
	char parent[PATH_MAX];

	if (!strcmp(dir, root))
		return target_new(TARGET_TOP, dir, "top", "top");
	snprintf(parent, sizeof(parent), "%.*s", (int)(base - 1 - dir), dir);
	if (!strncmp(parent, root, rlen)) {
		const char *sub = parent + rlen;
		char *label = xasprintf("%s%s%s", *sub ? sub + 1 : "", *sub ? "/" : "", base);
		struct target *t;

		if (!strcmp(sub, "/remotes"))
			t = target_new(TARGET_REMOTE, dir, base, label);
		else if (!strcmp(sub, "/instances"))
			t = target_new(TARGET_INSTANCE, dir, base, label);
		else if (!*sub)
			t = target_new(TARGET_HYP, dir, base, label);
		else
			t = NULL;
		free(label);
		if (t)
			return t;
	}
	return target_new(TARGET_DIR, dir, base, dir);
}

static int resolve_path(const char *root, const char *path, struct target **out, char *err,
			size_t errlen)
{
	char *dir = realpath(path, NULL);

	if (!dir || !is_dir(dir)) {
		snprintf(err, errlen, "target %s: %s", path, strerror(dir ? ENOTDIR : errno));
		free(dir);
		return -ENOENT;
	}
	*out = target_from_dir(root, dir);
	free(dir);
	return 0;
}

/* Keep path in cand[n] when it is a target directory; returns the new count. */
static int add_candidate(char **cand, int n, char *path, bool buffer_dir_only)
{
	if (is_dir(path) && (!buffer_dir_only || is_buffer_dir(path))) {
		cand[n] = path;
		return n + 1;
	}
	free(path);
	return n;
}

int target_resolve(const char *name, struct target **out, char *err, size_t errlen)
{
	const char *root;
	char *cand[4];
	int i, n = 0, rc;
	char *p;

	*out = NULL;
	/* No tracefs: no target of any name, missing as any other. */
	if (target_tracefs_root_find(&root, err, errlen))
		return -ENOENT;
	if (!*name) {
		snprintf(err, errlen, "empty target name");
		return -EINVAL;
	}
	if (name[0] == '/' || name[0] == '.')
		return resolve_path(root, name, out, err, errlen);
	if (!strncmp(name, "remotes/", 8) || !strncmp(name, "instances/", 10)) {
		p = xasprintf("%s/%s", root, name);
		if (strchr(strchr(name, '/') + 1, '/') || !is_dir(p)) {
			snprintf(err, errlen, "no target %s in %s (see 'remotectl list')", name,
				 root);
			free(p);
			return -ENOENT;
		}
		rc = resolve_path(root, p, out, err, errlen);
		free(p);
		return rc;
	}
	if (strchr(name, '/')) {
		snprintf(err, errlen, "bad target name '%s' (a name, remotes/NAME, "
			 "instances/NAME or a path)", name);
		return -EINVAL;
	}

	/* The man page's order (TARGETS): remotes, root directories, instances, the root. */
	n = add_candidate(cand, n, xasprintf("%s/remotes/%s", root, name), false);
	n = add_candidate(cand, n, xasprintf("%s/%s", root, name), true);
	/* The hypervisor's buffer by any of its names: Android's older hyp/ too. */
	if (!n && !strcmp(name, "hypervisor"))
		n = add_candidate(cand, n, xasprintf("%s/hyp", root), true);
	/*
	 * The hypervisor's names belong to its buffer (Perfetto reserves them too): an instance
	 * of that name is never taken for it (instances/NAME names it), so a script's
	 * -r hypervisor neither records an instance nor becomes ambiguous.
	 */
	if (strcmp(name, "hypervisor") && strcmp(name, "hyp"))
		n = add_candidate(cand, n, xasprintf("%s/instances/%s", root, name), false);
	if (!strcmp(name, "top"))
		cand[n++] = xstrdup(root);

	if (!n && (!strcmp(name, "hypervisor") || !strcmp(name, "hyp"))) {
		snprintf(err, errlen, "no target '%s': this kernel has no remotes/hypervisor, "
			 "hypervisor/ or hyp/ in %s (arm64 KVM makes remotes/hypervisor in nVHE or "
			 "protected mode when built with CONFIG_NVHE_EL2_TRACING; Android's pKVM "
			 "kernels hypervisor/ or hyp/)", name, root);
		return -ENOENT;
	}
	if (n == 0) {
		snprintf(err, errlen, "no target '%s' in remotes/, instances/ or the root of %s "
			 "(see 'remotectl list')", name, root);
		return -ENOENT;
	}
	if (n > 1) {
		char msg[1024];
		size_t len = 0;

		for (i = 0; i < n; i++) {
			struct target *t = target_from_dir(root, cand[i]);

			len += snprintf(msg + len, sizeof(msg) - len, "%s%s", i ? ", " : "",
					t->kind == TARGET_TOP ? root : t->label);
			if (len >= sizeof(msg))
				len = sizeof(msg) - 1;
			target_free(t);
		}
		snprintf(err, errlen, "target '%s' is ambiguous: %s (name one of those)", name,
			 msg);
		rc = -EINVAL;
	} else {
		*out = target_from_dir(root, cand[0]);
		rc = 0;
	}
	for (i = 0; i < n; i++)
		free(cand[i]);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the subdirectories of dir (NULL-terminated; NULL if dir is missing). */
static char **subdirs(const char *dir)
{
	char **names = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (is_dir(p)) {
			names = xrealloc(names, (n + 2) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
		free(p);
	}
	closedir(d);
	if (!names)
		names = xcalloc(1, sizeof(*names));
	else
		qsort(names, n, sizeof(*names), cmp_str);
	names[n] = NULL;
	return names;
}

static void free_names(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}

static void add_target(struct target ***list, int *nr, struct target *t)
{
	*list = xrealloc(*list, (*nr + 1) * sizeof(**list));
	(*list)[(*nr)++] = t;
}

static void add_subdir_targets(const char *root, const char *sub, struct target ***list,
			       int *nr)
{
	char *dir = xasprintf("%s/%s", root, sub);
	char **names = subdirs(dir);

	for (char **p = names; p && *p; p++) {
		char *path = xasprintf("%s/%s", dir, *p);

		add_target(list, nr, target_from_dir(root, path));
		free(path);
	}
	free_names(names);
	free(dir);
}

int target_list_all(struct target ***out, int *nr, char *err, size_t errlen)
{
	const char *root;
	char **names;

	*out = NULL;
	*nr = 0;
	if (target_tracefs_root_find(&root, err, errlen))
		return -ENOENT;
	add_target(out, nr, target_from_dir(root, root));
	names = subdirs(root);
	for (char **p = names; p && *p; p++) {
		char *path = xasprintf("%s/%s", root, *p);

		if (strcmp(*p, "per_cpu") && is_buffer_dir(path))
			add_target(out, nr, target_from_dir(root, path));
		free(path);
	}
	free_names(names);
	add_subdir_targets(root, "instances", out, nr);
	add_subdir_targets(root, "remotes", out, nr);
	return 0;
}
