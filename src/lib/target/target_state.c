// SPDX-License-Identifier: GPL-2.0
/* Reading and changing a target's control files. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "note.h"
#include "target.h"
#include "util.h"

ssize_t target_read(const struct target *t, const char *rel, char *buf, size_t size)
{
	char *path = target_path(t, rel);
	ssize_t n = read_line_file(path, buf, size);

	free(path);
	return n;
}

/* One line for a failed change of rel; returns -errno, -EPERM for a read-only target. */
static int write_error(const struct target *t, const char *rel, int err)
{
	if (t->read_only && (err == EACCES || err == EPERM || err == ENOENT)) {
		note_error("%s is a read-only instance (a backup of an earlier boot): cannot change %s",
			   t->label, rel);
		return -EPERM;
	}
	note_error("%s: cannot write %s: %s", t->label, rel, strerror(err));
	return -err;
}

int target_write(const struct target *t, const char *rel, const char *value)
{
	char *path;
	int err;

	if (t->read_only)
		return write_error(t, rel, EACCES);
	path = target_path(t, rel);
	err = write_file(path, value);
	free(path);
	return err ? write_error(t, rel, -err) : 0;
}

int target_tracing_on(const struct target *t)
{
	char buf[32];
	ssize_t n = target_read(t, "tracing_on", buf, sizeof(buf));

	if (n < 0)
		return n;
	return strcmp(buf, "0") != 0;
}

int64_t target_unread_entries(const struct target *t)
{
	char stats[4096], *p;
	int64_t total = 0;
	int i;

	if (!t->nr_cpus)
		return -1;
	for (i = 0; i < t->nr_cpus; i++) {
		char *path = target_cpu_path(t, t->cpus[i], "stats");
		ssize_t n = read_file(path, stats, sizeof(stats));

		free(path);
		p = n > 0 ? strstr(stats, "entries: ") : NULL;
		if (!p)
			return -1;
		total += strtoll(p + strlen("entries: "), NULL, 10);
	}
	return total;
}

/*
 * buffer_size_kb reads "1408", "7 (expanded: 1408)" (top level before first use), "X" (CPUs
 * differ), or on remotes "7 (loaded)" / "7 (unloaded)".
 */
int target_buffer_size(const struct target *t, struct buffer_size *bs)
{
	char buf[128], *end;
	ssize_t n;

	memset(bs, 0, sizeof(*bs));
	bs->loaded = -1;
	n = target_read(t, "buffer_size_kb", buf, sizeof(buf));
	if (n < 0)
		return n;
	if (buf[0] == 'X') {
		bs->per_cpu_differ = true;
		return 0;
	}
	errno = 0;
	bs->kib = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EPROTO;
	if (strstr(end, "(unloaded)"))
		bs->loaded = 0;
	else if (strstr(end, "(loaded)"))
		bs->loaded = 1;
	return 0;
}

int target_reset(const struct target *t, int cpu)
{
	char *rel = cpu < 0 ? xstrdup("trace") : xasprintf("per_cpu/cpu%d/trace", cpu);
	char *path = target_path(t, rel);
	int fd, err = 0;

	/*
	 * O_TRUNC clears an ordinary instance; remotes clear only on a real write(), and a write
	 * is harmless elsewhere, so do both.
	 */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	free(path);
	if (err) {
		int rc = write_error(t, rel, err);

		free(rel);
		return rc;
	}
	free(rel);
	return 0;
}

int target_clock(const struct target *t, char *buf, size_t size)
{
	char line[1024], *open, *close;
	ssize_t n = target_read(t, "trace_clock", line, sizeof(line));

	if (n < 0)
		return n;
	open = strchr(line, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close)
		return -EPROTO;
	snprintf(buf, size, "%.*s", (int)(close - open - 1), open + 1);
	return 0;
}
