// SPDX-License-Identifier: GPL-2.0
/* Probing a target: CPUs under per_cpu/, control files, and which transport works. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "target_internal.h"
#include "target_probe.h"
#include "trace_mmap.h"
#include "util.h"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void probe_cpus(struct target *t)
{
	char *dir = target_path(t, "per_cpu");
	struct dirent *de;
	DIR *d = opendir(dir);

	free(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long cpu;

		if (strncmp(de->d_name, "cpu", 3) || !de->d_name[3])
			continue;
		cpu = strtol(de->d_name + 3, &end, 10);
		if (*end || cpu < 0 || cpu > 1 << 20)
			continue;
		t->cpus = xrealloc(t->cpus, (t->nr_cpus + 1) * sizeof(*t->cpus));
		t->cpus[t->nr_cpus++] = cpu;
	}
	closedir(d);
	qsort(t->cpus, t->nr_cpus, sizeof(*t->cpus), cmp_int);
}

static bool has_file(const struct target *t, const char *rel)
{
	char *p = target_path(t, rel);
	bool yes = path_exists(p);

	free(p);
	return yes;
}

static bool cpu_has_file(const struct target *t, const char *file)
{
	char *p;
	bool yes;

	if (!t->nr_cpus)
		return false;
	p = target_cpu_path(t, t->cpus[0], file);
	yes = path_exists(p);
	free(p);
	return yes;
}

/*
 * Map the meta page of the first CPU's trace_pipe_raw and unmap it at once. Only a file on a
 * real tracefs can be mapped: a plain file (a test fixture) would map but not behave.
 */
static int probe_mmap(const struct target *t)
{
	long page = sysconf(_SC_PAGESIZE);
	struct trace_buffer_meta *meta;
	struct statfs sfs;
	char *path;
	int fd, err = 0;

	path = target_cpu_path(t, t->cpus[0], "trace_pipe_raw");
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno;
	if (fstatfs(fd, &sfs) || sfs.f_type != TRACEFS_MAGIC) {
		close(fd);
		return EOPNOTSUPP;
	}
	meta = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	if (meta == MAP_FAILED) {
		err = errno;
	} else {
		if (meta->meta_struct_len < TRACE_BUFFER_META_MIN_LEN)
			err = EPROTO;
		munmap(meta, page);
	}
	close(fd);
	return err;
}

/* The top level before first use reads "7 (expanded: 1408)". */
static bool top_level_unallocated(const struct target *t)
{
	char buf[128];

	return t->kind == TARGET_TOP && target_read(t, "buffer_size_kb", buf, sizeof(buf)) > 0 &&
	       strstr(buf, "(expanded:");
}

void target_probe(struct target *t)
{
	probe_cpus(t);
	t->has_tracing_on = has_file(t, "tracing_on");
	t->has_events = has_file(t, "events");
	t->has_trace_clock = has_file(t, "trace_clock");
	t->has_stats = cpu_has_file(t, "stats");
	t->has_raw = cpu_has_file(t, "trace_pipe_raw");
	t->has_text = cpu_has_file(t, "trace_pipe");
	/* Only backup instances (Linux 7.1+) lack tracing_on; the kernel refuses their writes. */
	t->read_only = t->kind != TARGET_REMOTE && !t->has_tracing_on;
	if (t->has_raw && top_level_unallocated(t)) {
		/* Mapping may allocate the top-level buffer: a probe must not change state. */
		t->mmap_err = EAGAIN;
	} else if (t->has_raw) {
		t->mmap_err = probe_mmap(t);
		t->mmap_ok = !t->mmap_err;
	}
	if (t->mmap_ok)
		t->best = TARGET_TRANSPORT_MMAP;
	else if (t->has_raw)
		t->best = TARGET_TRANSPORT_READ;
	else if (t->has_text)
		t->best = TARGET_TRANSPORT_TEXT;
	else
		t->best = TARGET_TRANSPORT_NONE;
}

/*
 * trace_pipe_raw has no mmap before 6.10, which makes mmap() fail with ENODEV; newer kernels
 * refuse some buffers (backup instances) with the same error. Names the release if it is older.
 */
static bool kernel_before_mmap(char *release, size_t size)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	snprintf(release, size, "%s", u.release);
	return major < 6 || (major == 6 && minor < 10);
}

const char *target_transport_reason(const struct target *t, char *buf, size_t size)
{
	char release[sizeof(((struct utsname *)0)->release)];

	switch (t->best) {
	case TARGET_TRANSPORT_MMAP:
		snprintf(buf, size, "zero-copy mapping of trace_pipe_raw");
		break;
	case TARGET_TRANSPORT_READ:
		if (t->mmap_err == EAGAIN)
			snprintf(buf, size, "mmap not probed: the buffer is not allocated yet");
		else if (t->mmap_err == EOPNOTSUPP)
			snprintf(buf, size, "mmap not possible: not on tracefs");
		else if (t->mmap_err == ENODEV && kernel_before_mmap(release, sizeof(release)))
			snprintf(buf, size,
				 "mmap refused: %s (Linux %s predates ring-buffer mapping, 6.10)",
				 strerror(t->mmap_err), release);
		else
			snprintf(buf, size, "mmap refused: %s", strerror(t->mmap_err));
		break;
	case TARGET_TRANSPORT_TEXT:
		snprintf(buf, size, "no trace_pipe_raw: text trace_pipe only");
		break;
	default:
		snprintf(buf, size, t->nr_cpus ? "no trace_pipe or trace_pipe_raw per CPU"
						: "no per_cpu/ directory");
		break;
	}
	return buf;
}
