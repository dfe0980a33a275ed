// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver: a one-buffer trace.dat as a read-only (backup) instance look-alike, so that
 * `remotectl --tracefs DIR record -r DIR` reads the very data of the file through record's own
 * path (read() transport, spool, merge, src/lib/text/format.c) and its text can be compared byte
 * for byte with `remotectl report FILE`. Everything comes from the file:
 *
 *	DIR/per_cpu/cpuN/trace_pipe_raw	CPU N's sub-buffers, in file order
 *	DIR/events/header_page, DIR/events/SYSTEM/EVENT/{format,id}
 *	DIR/trace_clock			"[CLOCK]"
 *	DIR/saved_cmdlines, DIR/printk_formats	(DIR is also the tracefs root)
 *
 * No tracing_on: a read-only instance, whose trace_pipe_raw ends at end of file.
 *
 *   dat_instance FILE DIR	prints "N sub-buffers"
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracedat_read.h"
#include "util.h"

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST) {
		fprintf(stderr, "dat_instance: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int put(const char *dir, const char *name, const void *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	int ret = 0;

	if (!f || fwrite(data, 1, len, f) != len)
		ret = -1;
	if (f && fclose(f))
		ret = -1;
	if (ret)
		fprintf(stderr, "dat_instance: %s: %s\n", path, strerror(errno));
	free(path);
	return ret;
}

/* events/SYSTEM/NAME/{format,id} from a format's own "name:" and "ID:" lines. */
static int put_format(const char *dir, const struct tdr_format *fm)
{
	char name[256], *sys, *ev;
	unsigned int id;
	int ret;

	if (sscanf(fm->text, "name: %255s ID: %u", name, &id) != 2) {
		fprintf(stderr, "dat_instance: a format of %s has no name or ID\n", fm->system);
		return -1;
	}
	sys = xasprintf("%s/events/%s", dir, fm->system);
	ev = xasprintf("%s/%s", sys, name);
	ret = make_dir(sys) || make_dir(ev) || put(ev, "format", fm->text, fm->len);
	if (!ret) {
		char idtext[16];

		snprintf(idtext, sizeof(idtext), "%u\n", id);
		ret = put(ev, "id", idtext, strlen(idtext));
	}
	free(ev);
	free(sys);
	return ret;
}

static int put_cpu(struct tdr *r, const char *dir, int i, unsigned long *pages)
{
	const struct tdr_buffer *b = &tdr_info(r)->buffers[0];
	char *cpudir = xasprintf("%s/per_cpu/cpu%d", dir, b->cpus[i].cpu);
	char *path = xasprintf("%s/trace_pipe_raw", cpudir);
	struct tdr_iter *it = tdr_iter_new(r, 0, i);
	const uint8_t *page;
	FILE *f = NULL;
	int ret = -1;

	if (make_dir(cpudir) || !it || !(f = fopen(path, "we")))
		goto out;
	while ((ret = tdr_iter_next(it, &page)) > 0) {
		if (fwrite(page, 1, b->page_size, f) != b->page_size)
			break;
		(*pages)++;
	}
	if (ret < 0)
		fprintf(stderr, "dat_instance: %s\n", tdr_iter_error(it));
out:
	if (f && fclose(f))
		ret = -1;
	if (ret)
		fprintf(stderr, "dat_instance: %s: cannot write it\n", path);
	tdr_iter_free(it);
	free(path);
	free(cpudir);
	return ret;
}

int main(int argc, char **argv)
{
	const struct tdr_info *in;
	unsigned long pages = 0;
	const char *dir;
	char *sub, clock[256];
	struct tdr *r;
	char err[256];
	int i, ret = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: dat_instance FILE DIR\n");
		return 2;
	}
	dir = argv[2];
	r = tdr_open(argv[1], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "dat_instance: %s\n", err);
		return 2;
	}
	in = tdr_info(r);
	if (in->nr_buffers != 1 || !in->header_page.data) {
		fprintf(stderr, "dat_instance: %d buffers, one with a header_page expected\n",
			in->nr_buffers);
		return 2;
	}
	sub = xasprintf("%s/per_cpu", dir);
	ret |= make_dir(dir) || make_dir(sub);
	free(sub);
	sub = xasprintf("%s/events", dir);
	ret |= make_dir(sub) || put(sub, "header_page", in->header_page.data, in->header_page.len);
	free(sub);
	for (i = 0; !ret && i < in->nr_formats; i++)
		ret |= put_format(dir, &in->formats[i]);
	snprintf(clock, sizeof(clock), "[%s]\n", in->buffers[0].clock[0] ? in->buffers[0].clock :
		 "local");
	ret |= put(dir, "trace_clock", clock, strlen(clock));
	if (in->cmdlines.data)
		ret |= put(dir, "saved_cmdlines", in->cmdlines.data, in->cmdlines.len);
	if (in->printk.data)
		ret |= put(dir, "printk_formats", in->printk.data, in->printk.len);
	for (i = 0; !ret && i < in->buffers[0].nr_cpus; i++)
		ret |= put_cpu(r, dir, i, &pages);
	tdr_close(r);
	if (ret)
		return 1;
	printf("%lu sub-buffers\n", pages);
	return 0;
}
