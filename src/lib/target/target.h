/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace targets: directories with the tracefs instance layout (the top level, instances/NAME,
 * remotes/NAME, Android's hypervisor/ and hyp/). Finding them, probing what they offer and
 * reading or changing their control files (changes go through the undo log, undo.h, so that
 * commands restore what they changed).
 */
#ifndef REMOTECTL_TARGET_H
#define REMOTECTL_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

enum target_kind {
	TARGET_TOP,		/* the tracefs root */
	TARGET_INSTANCE,	/* instances/NAME */
	TARGET_REMOTE,		/* remotes/NAME (Linux 7.1+) */
	TARGET_HYP,		/* Android's hypervisor/ or hyp/ at the root */
	TARGET_DIR,		/* any other directory given as a path */
};

/* Capture transports, best last. */
enum target_transport {
	TARGET_TRANSPORT_NONE,
	TARGET_TRANSPORT_TEXT,		/* per_cpu/cpuN/trace_pipe text */
	TARGET_TRANSPORT_READ,		/* read() of per_cpu/cpuN/trace_pipe_raw */
	TARGET_TRANSPORT_MMAP,		/* mmap of trace_pipe_raw + TRACE_MMAP_IOCTL_GET_READER */
};

struct target {
	enum target_kind kind;
	char *name;		/* "top", "foo", "test", "hypervisor" */
	char *label;		/* how to name it unambiguously: "instances/foo", "remotes/test" */
	char *dir;		/* absolute directory */

	int *cpus;		/* CPUs with a per_cpu/cpuN directory, ascending */
	int nr_cpus;

	bool has_tracing_on;
	bool has_events;
	bool has_trace_clock;
	bool has_stats;		/* per_cpu/cpuN/stats */
	bool has_raw;		/* per_cpu/cpuN/trace_pipe_raw */
	bool has_text;		/* per_cpu/cpuN/trace_pipe */
	bool mmap_ok;		/* mapping trace_pipe_raw worked */
	int mmap_err;		/* errno of the failed mapping, or 0 */
	bool read_only;		/* a backup instance: no tracing_on, writes give EACCES */
	enum target_transport best;
};

/*
 * The tracefs directory to use (--tracefs), or NULL to locate it; before the first
 * target_tracefs_root(). The string must stay valid.
 */
void target_tracefs_root_use(const char *dir);
/*
 * The tracefs root: target_tracefs_root_use()'s, else located (and mounted if needed) by
 * libtracefs; found once. 0 and *root, or -errno with the line to show in err.
 */
int target_tracefs_root_find(const char **root, char *err, size_t errlen);
/* The same, NULL after printing the reason (for callers not yet given err). */
const char *target_tracefs_root(void);

/*
 * Resolve -r NAME: a path ("/...", "./...", "../...") selects a directory; "remotes/X",
 * "instances/X" select that; "top" the root; else remotes/NAME, a root directory NAME
 * (hypervisor, hyp), instances/NAME. A name found in more than one place is ambiguous.
 * Returns 0, -ENOENT (no such target, or no tracefs) or -EINVAL (a name that cannot be one,
 * or is ambiguous), with the line to show in err (TARGET_ERR_SIZE bytes is enough).
 */
int target_resolve(const char *name, struct target **out, char *err, size_t errlen);

/* Every target under the tracefs root: top, Android dirs, instances, remotes. 0 or -ENOENT. */
int target_list_all(struct target ***out, int *nr, char *err, size_t errlen);

#define TARGET_ERR_SIZE	(2 * PATH_MAX + 1024)

void target_free(struct target *t);
const char *target_kind_name(enum target_kind kind);
/* The name trace-cmd gives the target's buffer in a trace.dat: "" for the top level. */
const char *target_buffer_name(const struct target *t);
const char *target_transport_name(enum target_transport t);

/* dir/rel and dir/per_cpu/cpuN/file, malloc'd. */
char *target_path(const struct target *t, const char *rel);
char *target_cpu_path(const struct target *t, int cpu, const char *file);

/* Read a control file (newline stripped); returns length or -errno. */
ssize_t target_read(const struct target *t, const char *rel, char *buf, size_t size);
/*
 * Write a control file. On failure prints one line naming the target and file (a read-only
 * target is named as such) and returns an exit code; 0 on success.
 */
int target_write(const struct target *t, const char *rel, const char *value);

/* tracing_on: 1, 0, or -errno. */
int target_tracing_on(const struct target *t);

/* Unread entries in the buffers of every CPU (per_cpu/cpuN/stats), or -1 when unknown. */
int64_t target_unread_entries(const struct target *t);

struct buffer_size {
	uint64_t kib;		/* per-CPU size; 0 when unknown or differing per CPU */
	int loaded;		/* remotes: 1 loaded, 0 unloaded; -1 elsewhere */
	bool per_cpu_differ;	/* the kernel printed "X" */
};
int target_buffer_size(const struct target *t, struct buffer_size *bs);

/* Clear the buffers of one CPU, or all with cpu < 0 (a real write: remotes need it). */
int target_reset(const struct target *t, int cpu);

/* Current clock name (the bracketed one in trace_clock); returns 0 or -errno. */
int target_clock(const struct target *t, char *buf, size_t size);

#endif
