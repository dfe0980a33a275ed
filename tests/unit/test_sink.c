// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the stream text sink on a remote's lines: merged by time stamp, a LOST line
 * placed before its CPU's next event (or at its last one when none follows), the text cut on
 * a line boundary at --max-size, which also stops the capture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "capture_internal.h"

static const int cpus[] = { 0, 1 };

/* A sink of two streams writing to a fresh file; its text after finishing in out. */
static struct sink *new_sink(struct capture_opts *o, struct target *t, char *path)
{
	struct sink *k;
	int fd;

	strcpy(path, "/tmp/remotectl-test-sink-XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	memset(o, 0, sizeof(*o));
	memset(t, 0, sizeof(*t));
	t->label = "remotes/test";
	o->t = t;
	o->output = path;
	CHECK(sink_new(SINK_STREAM, o, 2, cpus, &k) == 0);
	k->lines = true;
	CHECK(sink_open_data(k, 0) == 0);
	return k;
}

static void line(struct sink *k, int idx, uint64_t ts, const char *text)
{
	CHECK(k->ops->line(k, idx, ts, NULL, text, strlen(text)) == 0);
}

static size_t slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	CHECK(f != NULL);
	if (!f)
		return 0;
	n = fread(buf, 1, size - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

static void test_merge_and_losses(void)
{
	struct capture_opts o;
	struct target t;
	char path[64], text[1024];
	struct sink *k = new_sink(&o, &t, path);

	line(k, 0, 100, "a0\n");
	k->ops->lost(k, 1, 0, 3);
	line(k, 1, 150, "b1\n");
	line(k, 0, 200, "a2\n");
	k->ops->lost(k, 0, 200, 2);	/* no event after it on CPU 0 */
	CHECK(k->ops->mark(k, 0, SINK_END, 0) == 0);
	CHECK(k->ops->mark(k, 1, SINK_END, 0) == 0);
	CHECK(k->ops->flush(k, true) == 0);
	CHECK(sink_close(k) == 0);
	slurp(path, text, sizeof(text));
	CHECK_STR(text, "a0\nCPU:1 [LOST 3 EVENTS]\nb1\na2\nCPU:0 [LOST 2 EVENTS]\n");
	CHECK(k->written == 3);
	CHECK(!sink_full(k));
	sink_free(k);
	unlink(path);
}

static void test_max_size(void)
{
	struct capture_opts o;
	struct target t;
	char path[64], text[1024];
	struct sink *k = new_sink(&o, &t, path);

	o.max_bytes = 8;
	line(k, 0, 1, "one\n");
	line(k, 1, 2, "two\n");
	line(k, 0, 3, "three\n");
	line(k, 1, 4, "4\n");	/* would fit, but the text is cut already */
	CHECK(k->ops->mark(k, 0, SINK_END, 0) == 0);
	CHECK(k->ops->mark(k, 1, SINK_END, 0) == 0);
	CHECK(k->ops->flush(k, true) == 0);
	CHECK(sink_full(k));
	CHECK(sink_close(k) == 0);
	slurp(path, text, sizeof(text));
	CHECK_STR(text, "one\ntwo\n");
	CHECK(k->written == 2 && k->dropped_max == 2 && k->bytes == 8);
	sink_free(k);
	unlink(path);
}

int main(void)
{
	test_merge_and_losses();
	test_max_size();
	CHECK_DONE();
}
