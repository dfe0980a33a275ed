// SPDX-License-Identifier: GPL-2.0
/*
 * remotectl report FILE: a trace.dat as text, merged by timestamp, laid out like `trace-cmd
 * report` and identical to `record --format text` of the same data. The merge and the filters
 * are tracedat_text.c's; here the options, the messages and the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cpulist.h"
#include "tracedat_text.h"
#include "messages.h"
#include "note.h"
#include "util.h"

#define MAX_GLOBS	64

struct report_args {
	const char *file;
	const char *cpus;
	const char *globs[MAX_GLOBS];
	int nr_globs;
	const char *targets[MAX_GLOBS];
	int nr_targets;
	const char *from;
	const char *to;
	bool stat;
	const char *jobs;
};

enum { OPT_JOBS = 'j', OPT_FROM = 0x100, OPT_TO, OPT_STAT, OPT_CPU, OPT_EVENT, OPT_TARGET };

static const struct argp_option options[] = {
	{ "cpu", OPT_CPU, "LIST", 0, "Only these CPUs (e.g. 0,2-3)", 0 },
	{ "event", OPT_EVENT, "GLOB", 0, "Only events matching GLOB (system:event or event; "
	  "repeatable)", 0 },
	{ "target", OPT_TARGET, "NAME", 0, "Only the buffer of this target (as named before its "
	  "lines, or top; repeatable)", 0 },
	{ "from", OPT_FROM, "T", 0, "Only events at or after T (seconds, as printed)", 0 },
	{ "to", OPT_TO, "T", 0, "Only events at or before T", 0 },
	{ "stat", OPT_STAT, NULL, 0, "Print per-CPU event and loss counts and the saved CPU "
	  "statistics instead of events", 0 },
	{ "jobs", OPT_JOBS, "N", 0, "Format on N threads, a CPU's events on one of them (default "
	  "1; 0: one per online CPU)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct report_args *a = state->input;

	switch (key) {
	case OPT_CPU:
		a->cpus = arg;
		return 0;
	case OPT_EVENT:
		if (a->nr_globs == MAX_GLOBS)
			argp_error(state, "too many --event options");
		a->globs[a->nr_globs++] = arg;
		return 0;
	case OPT_TARGET:
		if (a->nr_targets == MAX_GLOBS)
			argp_error(state, "too many --target options");
		a->targets[a->nr_targets++] = arg;
		return 0;
	case OPT_FROM:
		a->from = arg;
		return 0;
	case OPT_TO:
		a->to = arg;
		return 0;
	case OPT_STAT:
		a->stat = true;
		return 0;
	case OPT_JOBS:
		a->jobs = arg;
		return 0;
	default:
		return cli_file_arg(key, arg, state, &a->file);
	}
}

/*
 * --target: a flag per buffer of the file, in *out and f->buffers; RC_USAGE after a message
 * naming the buffers when a name is none of them.
 */
static int select_targets(const struct text_report *t, const struct report_args *a,
			  struct text_report_filter *f, bool **out)
{
	int n = text_report_nr_buffers(t), i, b;
	char names[512] = "";
	bool *sel;

	*out = NULL;
	if (!a->nr_targets)
		return 0;
	sel = xcalloc(n ? n : 1, sizeof(*sel));
	for (i = 0; i < a->nr_targets; i++) {
		for (b = 0; b < n; b++)
			if (!strcmp(a->targets[i], text_report_buffer_name(t, b)))
				break;
		if (b < n) {
			sel[b] = true;
			continue;
		}
		for (b = 0; b < n; b++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 b ? ", " : "", text_report_buffer_name(t, b));
		note_error("%s has no buffer of target '%s' (it has: %s)", a->file, a->targets[i],
			   names);
		free(sel);
		return RC_USAGE;
	}
	*out = sel;
	f->buffers = sel;
	return 0;
}

/* Damage worked around (a format left out, a chunk skipped): said, the report goes on. */
static void say_damage(void *ctx, const char *msg)
{
	(void)ctx;
	note_warn("%s", msg);
}

int cmd_report(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "FILE",
					  "Print a trace.dat file as text, merged by timestamp, "
					  "like trace-cmd report.", cli_children, NULL, NULL };
	struct report_args a = { 0 };
	struct text_report_filter f = { .to = UINT64_MAX };
	struct text_report *t = NULL;
	uint64_t errors;
	bool *cpus = NULL, *buffers = NULL;
	char err[300];
	int ret, i;

	ret = cli_parse(&argp, argc, argv, &a);
	if (ret)
		return ret;
	if (a.cpus) {
		int *list, n = cpulist_parse(a.cpus, TEXT_REPORT_MAX_CPUS - 1, &list);

		if (n < 0) {
			note_error("bad CPU list '%s'", a.cpus);
			return RC_USAGE;
		}
		cpus = xcalloc(TEXT_REPORT_MAX_CPUS, sizeof(*cpus));
		for (i = 0; i < n; i++)
			cpus[list[i]] = true;
		free(list);
	}
	f.cpus = cpus;
	f.globs = a.globs;
	f.nr_globs = a.nr_globs;
	f.stat = a.stat;
	if (a.jobs) {
		f.jobs = cli_jobs(a.jobs);
		if (f.jobs < 0) {
			free(cpus);
			return RC_USAGE;
		}
	}
	ret = text_report_open(&t, a.file, say_damage, NULL, err, sizeof(err));
	if (ret == -EBADMSG) {
		note_error("%s: %s", a.file, err);
		free(cpus);
		return access(a.file, F_OK) ? RC_MISSING : RC_FAIL;
	}
	ret = RC_USAGE;
	if (!t) {
		note_error("out of memory");
		ret = RC_FAIL;
	} else if (select_targets(t, &a, &f, &buffers)) {
		/* Said. */
	} else if (a.from && text_report_parse_time(t, a.from, &f.from)) {
		note_error("bad --from time '%s'", a.from);
	} else if (a.to && text_report_parse_time(t, a.to, &f.to)) {
		note_error("bad --to time '%s'", a.to);
	} else if (text_report_select(t, &f)) {
		note_error("out of memory");
		ret = RC_FAIL;
	} else {
		/*
		 * Writes of 16 KiB, as record's text (SINK_OUT_BUF says why): glibc keeps its
		 * 4 KiB buffer when setvbuf() is given a size without a buffer. stdout holds
		 * this one until the process exits.
		 */
		static char out_buf[16 << 10];

		setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
		ret = text_report_write(t, stdout, &errors);
		if (ret == -EPROTO) {
			/* The difference was said where it was found. */
			ret = RC_FAIL;
		} else if (ret) {
			note_error("writing the report: %s", strerror(-ret));
			ret = RC_FAIL;
		} else if (errors) {
			note_error("%s: %llu damaged chunks or pages skipped", a.file,
				   (unsigned long long)errors);
			ret = RC_FAIL;
		} else {
			ret = RC_OK;
		}
	}
	text_report_close(t);
	free(cpus);
	free(buffers);
	return ret;
}
