// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver for the trace.dat writer (until `record` lands): creates a private instance
 * remotectl-test-<pid>-<n>, enables the given events, writes markers "tdmark N" from every
 * CPU in turn, reads each CPU's trace_pipe_raw with plain read() and feeds the sub-buffers to
 * the writer. Always removes the instance.
 *
 *   tracedat_capture -o FILE [-n MARKERS] [-e SYS/EVENT]... [-c none|zstd] [-z LEVEL]
 *                    [-k]   (flush, then SIGKILL itself instead of finishing)
 *                    [-K]   (SIGKILL itself 0.5 s later, partial chunks unflushed)
 *                    [-m]   (minimal metadata: no kallsyms, printk formats, cmdlines)
 *                    [-C CLOCK] (set the instance's trace_clock first)
 * -o - writes to stdout.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracedat_write.h"
#include "util.h"

static char inst[512];

static void cleanup(void)
{
	if (inst[0] && rmdir(inst) && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", inst, strerror(errno));
	inst[0] = 0;
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void put(const char *rel, const char *val)
{
	char *p = xasprintf("%s/%s", inst, rel);

	if (write_file(p, val))
		fprintf(stderr, "cannot write %s\n", p);
	free(p);
}

int main(int argc, char **argv)
{
	const char *root = "/sys/kernel/tracing", *out = NULL, *comp = "zstd";
	int nmark = 500, level = 3, opt, ncpu = 0, cpu, i, fd, kill_mode = 0;
	unsigned int meta = TDW_META_KERNEL;
	const char *clock = NULL;
	char *events[16], buf[256], *name;
	int nev = 0;
	enum td_compression c;
	struct tdw_opts o = { 0 };
	struct tdw *w;
	static int seq;

	while ((opt = getopt(argc, argv, "o:n:e:c:z:kKr:mC:")) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'n': nmark = atoi(optarg); break;
		case 'e': if (nev < 16) events[nev++] = optarg; break;
		case 'c': comp = optarg; break;
		case 'z': level = atoi(optarg); break;
		case 'k': kill_mode = 1; break;
		case 'K': kill_mode = 2; break;
		case 'r': root = optarg; break;
		case 'm': meta = 0; break;
		case 'C': clock = optarg; break;
		default: return 2;
		}
	}
	if (!out || tdw_parse_compression(comp, &c)) {
		fprintf(stderr, "usage: tracedat_capture -o FILE [-n N] [-e SYS/EV] [-c C]\n");
		return 2;
	}
	name = xasprintf("remotectl-test-%d-%d", getpid(), seq++);
	snprintf(inst, sizeof(inst), "%s/instances/%s", root, name);
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (mkdir(inst, 0755)) {
		perror(inst);
		inst[0] = 0;
		return 1;
	}
	if (clock)
		put("trace_clock", clock);
	for (i = 0; i < nev; i++) {
		char *rel = xasprintf("events/%s/enable", events[i]);

		put(rel, "1");
		free(rel);
	}
	for (cpu = 0;; cpu++) {
		char *p = xasprintf("%s/per_cpu/cpu%d", inst, cpu);
		bool ok = is_dir(p);

		free(p);
		if (!ok)
			break;
	}
	ncpu = cpu;
	fd = open(xasprintf("%s/trace_marker", inst), O_WRONLY);
	for (i = 0; i < nmark; i++) {
		cpu_set_t set;
		int len;

		CPU_ZERO(&set);
		CPU_SET(i % ncpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
		len = snprintf(buf, sizeof(buf), "tdmark %d", i);
		if (write(fd, buf, len) != len)
			perror("trace_marker");
	}
	close(fd);
	put("tracing_on", "0");

	o.compression = c;
	o.level = level;
	o.page_size = getpagesize();
	if (read_line_file(xasprintf("%s/buffer_subbuf_size_kb", inst), buf, sizeof(buf)) > 0)
		o.page_size = atoi(buf) * 1024;
	o.buffer_name = name;
	o.nr_cpus = ncpu;
	read_line_file(xasprintf("%s/trace_clock", inst), buf, sizeof(buf));
	o.trace_clock = xstrdup(buf);
	o.clock = strchr(buf, '[') ? strtok(strchr(buf, '[') + 1, "]") : "local";
	fd = strcmp(out, "-") ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
	w = fd >= 0 ? tdw_create(fd, &o) : NULL;
	if (!w || tdw_meta_from_dir(w, inst, root, meta) || tdw_begin_data(w))
		return 1;
	for (i = 0; i < nev; i++) {
		char *rel = xasprintf("events/%s/enable", events[i]);

		put(rel, "0");
		free(rel);
	}
	for (cpu = 0; cpu < ncpu; cpu++) {
		char *p = xasprintf("%s/per_cpu/cpu%d/trace_pipe_raw", inst, cpu);
		char *page = xmalloc(o.page_size);
		int rfd = open(p, O_RDONLY | O_NONBLOCK);
		ssize_t n;

		while (rfd >= 0 && (n = read(rfd, page, o.page_size)) > 0)
			if (tdw_add_subbuf(w, 0, cpu, page, n))
				return 1;
		close(rfd);
		free(page);
		free(p);
		p = xasprintf("%s/per_cpu/cpu%d/stats", inst, cpu);
		{
			size_t cap = 4096;
			char *s = xmalloc(cap);

			if (read_file(p, s, cap) > 0)
				tdw_set_cpustat(w, 0, cpu, s);
			free(s);
		}
		free(p);
	}
	if (kill_mode) {
		if (kill_mode == 1)
			tdw_flush(w);
		else	/* full chunks are written within two 100 ms batches, partial ones in 1 s */
			usleep(500000);
		cleanup();
		raise(SIGKILL);
	}
	if (tdw_finish(w))
		return 1;
	if (strcmp(out, "-"))
		close(fd);
	fprintf(stderr, "%s %d\n", name, ncpu);
	return 0;
}
