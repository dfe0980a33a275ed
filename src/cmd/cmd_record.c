// SPDX-License-Identifier: GPL-2.0
/* remotectl record and stream: the command lines of a capture. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "capture_summary.h"
#include "cli.h"
#include "cpulist.h"
#include "own_session.h"
#include "target.h"
#include "messages.h"
#include "note.h"
#include "util.h"

/* A -r and the options that bind to it: those after it, or before the first -r. */
struct record_target {
	const char *name;
	const char **events;
	int nr_events;
	const char *buffer;
	const char *cpus;
};

struct record_args {
	struct record_target *targets;
	int nr_targets;
	const char *duration;
	const char *max_size;
	const char *transport;
	const char *output;
	const char *format;
	const char *compression;
	const char *level;
	const char *jobs;
	const char *percent;
	const char *rt_priority;
	const char *reader_nice;
	const char *spool_size;
	bool clear;
	bool live;
	bool fail_on_loss;
};

enum { OPT_MAX_SIZE = 0x400, OPT_CPU, OPT_TRANSPORT, OPT_FORMAT, OPT_COMPRESSION, OPT_CLEAR,
	OPT_PERCENT, OPT_RT_PRIORITY, OPT_READER_NICE, OPT_FAIL_ON_LOSS, OPT_SPOOL_SIZE,
	OPT_JOBS = 'j' };

/* The target -e, -b and --cpu bind to: the last -r's, or the first -r's before any. */
static struct record_target *current_target(struct record_args *args)
{
	if (!args->nr_targets) {
		args->targets = xcalloc(1, sizeof(*args->targets));
		args->nr_targets = 1;
	}
	return &args->targets[args->nr_targets - 1];
}

static error_t parse_record(int key, char *arg, struct argp_state *state)
{
	struct record_args *args = state->input;
	struct record_target *rt;
	const char *first;

	switch (key) {
	case 'r':
		rt = current_target(args);
		if (rt->name) {
			args->targets = xrealloc(args->targets,
						 (args->nr_targets + 1) * sizeof(*args->targets));
			rt = &args->targets[args->nr_targets++];
			memset(rt, 0, sizeof(*rt));
		}
		rt->name = arg;
		return 0;
	case 'e':
		rt = current_target(args);
		rt->events = xrealloc(rt->events, (rt->nr_events + 1) * sizeof(char *));
		rt->events[rt->nr_events++] = arg;
		return 0;
	case 'b':
		current_target(args)->buffer = arg;
		return 0;
	case 'd':
		args->duration = arg;
		return 0;
	case 'o':
		args->output = arg;
		return 0;
	case OPT_MAX_SIZE:
		args->max_size = arg;
		return 0;
	case OPT_CPU:
		current_target(args)->cpus = arg;
		return 0;
	case OPT_TRANSPORT:
		args->transport = arg;
		return 0;
	case OPT_FORMAT:
		args->format = arg;
		return 0;
	case OPT_COMPRESSION:
		args->compression = arg;
		return 0;
	case OPT_CLEAR:
		args->clear = true;
		return 0;
	case OPT_FAIL_ON_LOSS:
		args->fail_on_loss = true;
		return 0;
	case OPT_PERCENT:
		args->percent = arg;
		return 0;
	case OPT_RT_PRIORITY:
		args->rt_priority = arg;
		return 0;
	case OPT_READER_NICE:
		args->reader_nice = arg;
		return 0;
	case OPT_SPOOL_SIZE:
		args->spool_size = arg;
		return 0;
	case 'z':
		args->level = arg;
		return 0;
	case OPT_JOBS:
		args->jobs = arg;
		return 0;
	default:
		first = args->nr_targets ? args->targets[0].name : NULL;
		return cli_target_arg(key, arg, state, &first, true);
	}
}

/* A whole decimal number from lo to hi in *v. */
static bool parse_range(const char *s, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return !errno && end != s && !*end && *v >= lo && *v <= hi;
}

/*
 * trace.dat output: --format dat, or no --format and an -o FILE ending in ".dat".
 * -z LEVEL and --compression none|zstd (zstd level 1 by default) apply to it.
 */
static int check_dat_args(const struct record_args *args, struct capture_opts *o)
{
	size_t len = args->output ? strlen(args->output) : 0;
	long v;

	o->dat = args->format ? !strcmp(args->format, "dat") :
		 len > 4 && !strcmp(args->output + len - 4, ".dat");
	o->compression = TD_COMP_ZSTD;
	if (args->compression && tdw_parse_compression(args->compression, &o->compression)) {
		note_error("invalid compression '%s' (none, zstd)", args->compression);
		return RC_USAGE;
	}
	if (args->level) {
		if (!parse_range(args->level, 1, 22, &v)) {
			note_error("invalid compression level '%s' (1-22)", args->level);
			return RC_USAGE;
		}
		o->level = v;
	}
	if ((args->compression || args->level) && !o->dat) {
		note_error("--compression and -z apply to trace.dat output (--format dat)");
		return RC_USAGE;
	}
	if (args->jobs) {
		o->jobs = cli_jobs(args->jobs);
		if (o->jobs < 0)
			return RC_USAGE;
		if (o->dat) {
			note_error("--jobs applies to text output (--format text)");
			return RC_USAGE;
		}
	}
	return 0;
}

/* Turn the parsed strings into capture options; prints the error and returns RC_USAGE. */
static int check_args(const struct record_args *args, struct capture_opts *o)
{
	uint64_t kib;
	char *end;
	long v;

	o->output = args->output;
	o->live = args->live;
	o->clear = args->clear;
	/* A terminal shows where the capture is; stream's own output is the events. */
	if (isatty(2) && verbosity >= 0 && !args->live)
		o->progress = capture_progress_line;
	o->buffer_percent = -1;
	if (args->percent) {
		if (!parse_range(args->percent, 0, 100, &v)) {
			note_error("invalid buffer percent '%s' (0-100)", args->percent);
			return RC_USAGE;
		}
		o->buffer_percent = v;
	}
	if (args->rt_priority) {
		if (!parse_range(args->rt_priority, 1, 99, &v)) {
			note_error("invalid real-time priority '%s' (1-99)", args->rt_priority);
			return RC_USAGE;
		}
		o->sched.rt_priority = v;
	}
	if (args->reader_nice) {
		if (!parse_range(args->reader_nice, -20, 19, &v)) {
			note_error("invalid nice value '%s' (-20 to 19)", args->reader_nice);
			return RC_USAGE;
		}
		if (args->rt_priority) {
			note_error("--rt-priority and --reader-nice exclude each other");
			return RC_USAGE;
		}
		o->sched.nice = v;
		o->sched.nice_given = true;
	}
	if (args->max_size) {
		if (parse_size_kib(args->max_size, &kib) || kib > UINT64_MAX / 1024) {
			note_error("invalid size '%s'", args->max_size);
			return RC_USAGE;
		}
		o->max_bytes = kib * 1024;
	}
	if (args->spool_size) {
		if (parse_size_kib(args->spool_size, &kib) || !kib || kib > UINT64_MAX / 1024) {
			note_error("invalid spool size '%s'", args->spool_size);
			return RC_USAGE;
		}
		o->spool_max = kib * 1024;
	}
	if (args->duration) {
		errno = 0;
		o->duration = strtod(args->duration, &end);
		if (errno || *end || end == args->duration || !(o->duration > 0) ||
		    o->duration > 1e9) {
			note_error("invalid duration '%s' (seconds, > 0)", args->duration);
			return RC_USAGE;
		}
	}
	o->transport = TARGET_TRANSPORT_NONE;
	if (args->transport) {
		if (!strcmp(args->transport, "mmap"))
			o->transport = TARGET_TRANSPORT_MMAP;
		else if (!strcmp(args->transport, "read"))
			o->transport = TARGET_TRANSPORT_READ;
		else if (!strcmp(args->transport, "text"))
			o->transport = TARGET_TRANSPORT_TEXT;
		else if (strcmp(args->transport, "auto")) {
			note_error("invalid transport '%s' (auto, mmap, read, text)", args->transport);
			return RC_USAGE;
		}
	}
	if (args->format && strcmp(args->format, "text") && strcmp(args->format, "dat")) {
		note_error("invalid format '%s' (text, dat)", args->format);
		return RC_USAGE;
	}
	return check_dat_args(args, o);
}

/* --cpu: only CPUs the target has. */
static int select_cpus(const struct record_target *rt, struct capture_target *ct)
{
	const struct target *t = ct->t;
	int i, j, n;

	if (!rt->cpus)
		return 0;
	n = cpulist_parse(rt->cpus, 1 << 20, &ct->cpus);
	if (n <= 0) {
		note_error("invalid CPU list '%s'", rt->cpus);
		return RC_USAGE;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < t->nr_cpus; j++)
			if (t->cpus[j] == ct->cpus[i])
				break;
		if (j == t->nr_cpus) {
			note_error("%s has no CPU %d", t->label, ct->cpus[i]);
			return RC_USAGE;
		}
	}
	ct->nr_cpus = n;
	return 0;
}

/*
 * Each -r resolved with its options, in order; a target named twice is refused (its settings
 * would be applied and undone twice).
 */
static int resolve_targets(const struct record_args *args, struct capture_opts *o)
{
	int i, j, rc = 0;

	o->targets = xcalloc(args->nr_targets, sizeof(*o->targets));
	for (i = 0; i < args->nr_targets && !rc; i++) {
		const struct record_target *rt = &args->targets[i];
		struct capture_target *ct = &o->targets[i];

		rc = cli_resolve_target(rt->name, &ct->t);
		if (rc)
			break;
		o->nr_targets++;
		ct->events = rt->events;
		ct->nr_events = rt->nr_events;
		if (rt->buffer && parse_size_kib(rt->buffer, &ct->buffer_kib)) {
			note_error("invalid buffer size '%s'", rt->buffer);
			rc = RC_USAGE;
		}
		if (!rc)
			rc = select_cpus(rt, ct);
		for (j = 0; j < i && !rc; j++) {
			if (strcmp(o->targets[j].t->dir, ct->t->dir))
				continue;
			note_error("%s is given twice (-r)", ct->t->label);
			rc = RC_USAGE;
		}
	}
	return rc;
}

/*
 * The capture in a session of its own when that helps (own_session.h); -v says what was
 * decided. The parent ends here as the child did; 0 in the process that captures.
 */
static int enter_own_session(const struct capture_opts *o)
{
	struct own_session os;
	int role = own_session_enter(&o->sched, &os);

	if (os.why[0])
		note_debug("%s", os.why);
	switch (role) {
	case OWN_SESSION_PARENT:
		if (os.status < 0) {
			note_error("waitpid: %s", strerror(-os.status));
			exit(RC_FAIL);
		}
		own_session_end_as(os.status);
	case OWN_SESSION_ORPHAN:
		/* Nobody would wait for us, or pass a signal on: end before anything changes. */
		_exit(RC_FAIL);
	default:
		return RC_OK;
	}
}

/* --fail-on-loss: a capture that lost events ends with RC_LOST, after its output. */
static int check_loss(const struct capture_result *r)
{
	for (int i = 0; i < r->nr_targets; i++) {
		const struct capture_target_result *tr = &r->targets[i];

		if (tr->lagged)
			note_error("%s: %" PRIu64 " events not shown, the text too far behind "
				   "(--fail-on-loss)", tr->t->label, tr->lagged);
		if (tr->lost)
			note_error("%s: %" PRIu64 " events lost (--fail-on-loss)", tr->t->label,
				   tr->lost);
		else if (tr->lost_some)
			note_error("%s: events lost, how many is not known (--fail-on-loss)",
				   tr->t->label);
	}
	return r->lost_some || r->lagged ? RC_LOST : RC_OK;
}

/* The capture, what it came to on stderr, and the exit code. */
static int capture(const struct capture_opts *o, bool fail_on_loss)
{
	struct capture_result r;
	int err = capture_run(o, &r);
	int rc;

	capture_summary(&r);
	rc = rc_from_errno(-err);
	if (!rc && fail_on_loss)
		rc = check_loss(&r);
	capture_result_free(&r);
	return rc;
}

static int run(const struct argp *argp, int argc, char **argv, bool live)
{
	struct record_args args = { .live = live };
	struct capture_opts o = { 0 };
	int rc, i;

	rc = cli_parse(argp, argc, argv, &args);
	if (!rc)
		rc = check_args(&args, &o);
	if (!rc)
		rc = resolve_targets(&args, &o);
	if (!rc) {
		rc = enter_own_session(&o);
		if (!rc)
			rc = capture(&o, args.fail_on_loss);
	}
	for (i = 0; i < o.nr_targets; i++) {
		free(o.targets[i].cpus);
		target_free(o.targets[i].t);
	}
	for (i = 0; i < args.nr_targets; i++)
		free(args.targets[i].events);
	free(o.targets);
	free(args.targets);
	return rc;
}

#define CAPTURE_OPTIONS \
	{ "target", 'r', "NAME", 0, "Target: a remote, instance, hypervisor/hyp, 'top', " \
	  "remotes/NAME, instances/NAME or a path; repeatable: the targets' events merge by " \
	  "time stamp, and -e, -b and --cpu apply to the -r before them", 0 }, \
	{ "event", 'e', "GLOB", 0, "Record exactly the matching events (system:event globs; " \
	  "repeatable); others are off for the capture", 0 }, \
	{ "cpu", OPT_CPU, "LIST", 0, "Capture only these CPUs, e.g. 0-3,6", 0 }, \
	{ "transport", OPT_TRANSPORT, "T", 0, "auto (default), mmap, read or text (remotes)", 0 }, \
	{ "clear", OPT_CLEAR, NULL, 0, "Empty the buffer first (its events are lost) instead of " \
	  "capturing them too", 0 }, \
	{ "buffer-percent", OPT_PERCENT, "N", 0, "Set the fill level (0-100) that wakes a " \
	  "caught-up reader, for the capture", 0 }, \
	{ "rt-priority", OPT_RT_PRIORITY, "N", 0, "Run the readers at SCHED_FIFO priority N " \
	  "(1-99), ahead of the tasks being traced", 0 }, \
	{ "reader-nice", OPT_READER_NICE, "N", 0, "Run the readers at nice N (-20 to 19; " \
	  "default: 10 below the process's, where allowed)", 0 }

int cmd_record(int argc, char **argv)
{
	static const struct argp_option options[] = {
		CAPTURE_OPTIONS,
		{ "buffer-size", 'b', "SIZE", 0, "Per-CPU buffer size while recording", 0 },
		{ "duration", 'd', "SECONDS", 0, "Stop after this long", 0 },
		{ "max-size", OPT_MAX_SIZE, "SIZE", 0, "Stop when the output reaches SIZE", 0 },
		{ "output", 'o', "FILE", 0, "Write to FILE ('-': stdout, the default)", 0 },
		{ "format", OPT_FORMAT, "FMT", 0, "Output format: text, or dat (trace.dat v7; the "
		  "default for an -o FILE ending in .dat)", 0 },
		{ "compression", OPT_COMPRESSION, "C", 0, "trace.dat compression: zstd (default) "
		  "or none", 0 },
		{ NULL, 'z', "LEVEL", 0, "zstd level for trace.dat (1-22, default 1)", 0 },
		{ "fail-on-loss", OPT_FAIL_ON_LOSS, NULL, 0, "Exit with status 6 when the kernel "
		  "lost any event (the output is still complete)", 0 },
		{ "jobs", OPT_JOBS, "N", 0, "Make the text after the capture on N threads (default "
		  "1; 0: one per online CPU)", 0 },
		{ 0 }
	};
	static const struct argp argp = { options, parse_record, NULL,
		"Capture a target's events until SIGINT/SIGTERM/SIGHUP, -d or --max-size, then "
		"restore every setting changed and print a summary on stderr.", cli_children, NULL,
		NULL };

	return run(&argp, argc, argv, false);
}

int cmd_stream(int argc, char **argv)
{
	static const struct argp_option options[] = {
		CAPTURE_OPTIONS,
		{ "spool-size", OPT_SPOOL_SIZE, "SIZE", 0, "Raw data the text may fall behind by, "
		  "kept in $TMPDIR (default 1G); beyond it events are dropped and shown as lost",
		  0 },
		{ "fail-on-loss", OPT_FAIL_ON_LOSS, NULL, 0, "Exit with status 6 when any event "
		  "was lost, by the kernel or for --spool-size", 0 },
		{ "jobs", OPT_JOBS, "N", 0, "Make the text on N threads (default 1; 0: one per "
		  "online CPU)", 0 },
		{ 0 }
	};
	static const struct argp argp = { options, parse_record, NULL,
		"Print a target's events as merged text on stdout until interrupted: the readers "
		"spool every CPU's data and the text follows, in the order record prints.",
		cli_children, NULL, NULL };

	return run(&argp, argc, argv, true);
}
