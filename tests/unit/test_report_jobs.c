// SPDX-License-Identifier: GPL-2.0
/*
 * report on several threads (tracedat_text_jobs.c) prints what one thread prints, where the
 * comm a line shows was registered by a sched_switch or sched_wakeup line of another CPU, where
 * a CPU's own registration loses to an earlier one elsewhere, where a saved comm stays, and
 * where a plugin that keeps state (the function plugin) prints lines, and where a pid's comm
 * is registered twice before any line looked one up. The events are laid out
 * below with the comm each line must show; the sched_switch plugin must be installed.
 */
#include <fcntl.h>

#include "kernel_formats.h"
#include "tracedat_synth.h"
#include "tracedat_text.h"
#include "util.h"

#define NCPU		3
#define SWITCH_ID	300
#define WAKEUP_ID	301
#define FUNC_ID		1

enum kind { PRINT = TEST_PRINT, SWITCH = TEST_SWITCH, WAKEUP = TEST_WAKEUP, FUNC = TEST_FUNC };

static const struct ev {
	int cpu;
	unsigned int us;	/* after SYNTH_TS0 */
	enum kind kind;
	int pid;		/* common_pid */
	const char *text;	/* print: its text; switch, wakeup: the comm they register */
	int pid2;		/* switch: next_pid */
	const char *comm2;	/* switch: next_comm */
	const char *shows;	/* print: "comm-pid" its line must show */
} evs[] = {
	/*
	 * Two registrations of one pid before any line looked a comm up (the idle task's
	 * switches need none): the first wins here too.
	 */
	{ 0, 1, SWITCH, 0, "swapper/0", 600, "first", NULL },
	{ 1, 2, SWITCH, 0, "swapper/1", 600, "second", NULL },
	{ 2, 3, PRINT, 600, "c2 first", 0, NULL, "first-600" },
	{ 1, 5, PRINT, 500, "c1 a", 0, NULL, "<...>-500" },
	{ 0, 10, SWITCH, 501, "early", 500, "bbb", NULL },
	{ 1, 20, PRINT, 500, "c1 b", 0, NULL, "bbb-500" },
	{ 2, 25, WAKEUP, 0, "zzz", 502, NULL, NULL },
	{ 1, 30, SWITCH, 500, "aaa", 502, "ccc", NULL },
	{ 2, 35, PRINT, 502, "c2 a", 0, NULL, "zzz-502" },
	{ 0, 40, PRINT, 500, "c0 a", 0, NULL, "bbb-500" },
	{ 2, 45, PRINT, 100, "c2 b", 0, NULL, "saved-100" },
	{ 2, 46, SWITCH, 100, "other", 503, "ddd", NULL },
	{ 2, 47, PRINT, 100, "c2 c", 0, NULL, "saved-100" },
	{ 1, 50, PRINT, 500, "c1 c", 0, NULL, "bbb-500" },
	{ 1, 55, FUNC, 502, NULL, 0, NULL, NULL },
	{ 0, 60, FUNC, 500, NULL, 0, NULL, NULL },
	{ 2, 70, PRINT, 503, "c2 d", 0, NULL, "ddd-503" },
	{ 0, 80, PRINT, 501, "c0 b", 0, NULL, "early-501" },
};

static const char switch_format[] = SCHED_SWITCH_FORMAT_300;
static const char wakeup_format[] = SCHED_WAKEUP_FORMAT_301;
static const char func_format[] = FUNCTION_FORMAT_1;

/* ev's record (common fields, then its own) into p: its length. */
static size_t record(const struct ev *e, uint8_t *p)
{
	return test_event_record(p, (enum test_event_kind)e->kind, e->pid, e->text, e->pid2,
				 e->comm2, 0xffffffff81000000ull + 16 * e->us);
}

/* One sub-buffer per CPU with its events; "100 saved" the only saved cmdline. */
static int write_synth(const char *path, const char *cmdlines)
{
	struct tdw_opts o = { .compression = TD_COMP_ZSTD, .page_size = SYNTH_PAGE,
			      .buffer_name = "synth", .clock = "local",
			      .trace_clock = "[local] global", .nr_cpus = NCPU };
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), cpu;
	struct tdw *w = fd >= 0 ? tdw_create(fd, &o) : NULL;
	uint8_t page[SYNTH_PAGE];

	const char *const ftrace[] = { synth_print_format, func_format };
	const char *const sched[] = { switch_format, wakeup_format };

	if (!w || synth_meta_formats(w, ftrace, 2, "sched", sched, 2) || tdw_begin_data(w))
		return -1;
	tdw_set_cmdlines_path(w, cmdlines);
	for (cpu = 0; cpu < NCPU; cpu++) {
		uint64_t last = 0;
		size_t off = 16, i;

		memset(page, 0, sizeof(page));
		for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
			uint64_t ts = SYNTH_TS0 + evs[i].us * 1000ull;
			size_t len;

			if (evs[i].cpu != cpu)
				continue;
			if (!last)
				bo_put64(page, ts, BO_LITTLE);
			len = record(&evs[i], page + off + 4);
			bo_put32(page + off, (len / 4) | (uint32_t)(last ? ts - last : 0) << 5,
				 BO_LITTLE);
			off += 4 + len;
			last = ts;
		}
		bo_put64(page + 8, off - 16, BO_LITTLE);
		if (tdw_add_subbuf(w, 0, cpu, page, SYNTH_PAGE))
			return -1;
	}
	tdw_set_cpustat(w, 0, 0, "entries: 0\noverrun: 0\n");
	return tdw_finish(w);
}

/* report of path on jobs threads, malloc'd. */
static char *report(const char *path, int jobs)
{
	struct text_report_filter f = { .to = UINT64_MAX, .jobs = jobs };
	char *text;
	int ret;

	text = synth_report(path, &f, NULL, &ret);
	if (ret) {
		free(text);
		return NULL;
	}
	return text;
}

/* Does the line of print text show comm-pid? */
static bool shows(const char *text, const char *print, const char *comm_pid)
{
	char want[64];
	const char *line = strstr(text, print), *start;

	if (!line)
		return false;
	for (start = line; start > text && start[-1] != '\n'; start--)
		;
	snprintf(want, sizeof(want), "%s ", comm_pid);
	return strstr(start, want) && strstr(start, want) < line;
}

int main(void)
{
	const char *path = xstrdup(synth_tmp("jobs.dat"));
	const char *cmdlines = xstrdup(synth_tmp("jobs.cmdlines"));
	char *one, *many;
	size_t i;
	int jobs;
	FILE *f;

	f = fopen(cmdlines, "w");
	CHECK(f && fputs("100 saved\n", f) >= 0 && !fclose(f), "cmdlines written");
	CHECK(!write_synth(path, cmdlines), "synthetic file with sched and function events");
	one = report(path, 1);
	CHECK(one != NULL, "report on one thread");
	for (i = 0; one && i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i].shows)
			CHECK(shows(one, evs[i].text, evs[i].shows), "\"%s\" shows %s", evs[i].text,
			      evs[i].shows);
	CHECK(one && strstr(one, "function:") && strstr(one, "sched_switch:") &&
	      strstr(one, "sched_wakeup:"), "function, sched_switch and sched_wakeup lines");
	for (jobs = 2; jobs <= 4; jobs++) {
		many = report(path, jobs);
		CHECK(many && one && !strcmp(one, many), "%d jobs: the same text", jobs);
		if (many && one && strcmp(one, many))
			printf("# one thread:\n%s# %d jobs:\n%s", one, jobs, many);
		free(many);
	}
	free(one);
	unlink(path);
	unlink(cmdlines);
	free((char *)path);
	free((char *)cmdlines);
	return fails ? 1 : 0;
}
