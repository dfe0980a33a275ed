// SPDX-License-Identifier: GPL-2.0
/* remotectl start, stop, size, reset, clock: changing a target's control files. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "target.h"
#include "messages.h"
#include "note.h"
#include "util.h"

struct control_args {
	const char *target;
	const char *value;	/* SIZE or CLOCK */
	int cpu;		/* --cpu, -1 for all */
	bool force;
	bool list;
	bool takes_value;	/* the command has a [SIZE] or [CLOCK] argument */
};

enum { OPT_FORCE = 0x300, OPT_CPU, OPT_LIST };

static error_t parse_control(int key, char *arg, struct argp_state *state)
{
	struct control_args *args = state->input;
	char *end;

	switch (key) {
	case OPT_FORCE:
		args->force = true;
		return 0;
	case OPT_LIST:
		args->list = true;
		return 0;
	case OPT_CPU:
		errno = 0;
		args->cpu = strtol(arg, &end, 10);
		if (errno || *end || end == arg || args->cpu < 0)
			argp_error(state, "invalid CPU '%s'", arg);
		return 0;
	case ARGP_KEY_ARG:
		if (args->value || !args->takes_value)
			return cli_target_arg(key, arg, state, &args->target, true);
		args->value = arg;
		return 0;
	default:
		return cli_target_arg(key, arg, state, &args->target, true);
	}
}

/* Parse the command line into args and resolve the target. */
static int control_setup(const struct argp *argp, int argc, char **argv,
			 struct control_args *args, struct target **t)
{
	int rc;

	memset(args, 0, sizeof(*args));
	args->cpu = -1;
	args->takes_value = argp->args_doc != NULL;
	/* argp would take "-1" for an option; name it as the bad value it is. */
	for (int i = 1; args->takes_value && i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9') {
			note_error("invalid value '%s' (negative)", argv[i]);
			return RC_USAGE;
		}
	}
	rc = cli_parse(argp, argc, argv, args);
	if (rc)
		return rc;
	return cli_resolve_target(args->target, t);
}

typedef int (*control_fn)(const struct target *t, const struct control_args *args);

/* Parse, resolve the target, run fn on it. */
static int control_run(const struct argp *argp, int argc, char **argv, control_fn fn)
{
	struct control_args args;
	struct target *t;
	int rc;

	rc = control_setup(argp, argc, argv, &args, &t);
	if (rc)
		return rc;
	rc = fn(t, &args);
	target_free(t);
	return rc;
}

static int set_tracing(const struct target *t, bool on)
{
	int rc;

	if (!t->has_tracing_on && !t->read_only) {
		note_error("%s has no tracing_on file", t->label);
		return RC_MISSING;
	}
	rc = rc_from_errno(-target_write(t, "tracing_on", on ? "1" : "0"));
	if (!rc)
		note_debug("%s: tracing %s", t->label, on ? "on" : "off");
	return rc;
}

static int start_command(const struct target *t, const struct control_args *args)
{
	(void)args;
	return set_tracing(t, true);
}

static int stop_command(const struct target *t, const struct control_args *args)
{
	(void)args;
	return set_tracing(t, false);
}

static const struct argp_option tracing_options[] = { CLI_TARGET_OPTION, { 0 } };

int cmd_start(int argc, char **argv)
{
	static const struct argp argp = { tracing_options, parse_control, NULL,
					  "Turn tracing on in a target.", cli_children, NULL,
					  NULL };

	return control_run(&argp, argc, argv, start_command);
}

int cmd_stop(int argc, char **argv)
{
	static const struct argp argp = { tracing_options, parse_control, NULL,
					  "Turn tracing off in a target.", cli_children, NULL,
					  NULL };

	return control_run(&argp, argc, argv, stop_command);
}

static int show_size(const struct target *t)
{
	struct buffer_size bs;
	char buf[32];
	int err = target_buffer_size(t, &bs);

	if (err) {
		note_error("%s: cannot read buffer_size_kb: %s", t->label, strerror(-err));
		return rc_from_errno(-err);
	}
	if (bs.per_cpu_differ)
		printf("per-CPU sizes differ (see per_cpu/cpuN/buffer_size_kb)\n");
	else if (bs.loaded >= 0)
		printf("%s (%s)\n", format_size_kib(bs.kib, buf, sizeof(buf)),
		       bs.loaded ? "loaded" : "unloaded");
	else
		printf("%s\n", format_size_kib(bs.kib, buf, sizeof(buf)));
	return RC_OK;
}

/* A remote refuses to resize its loaded buffer: stop, clear, resize, restart. */
static int force_size(const struct target *t, const char *kib)
{
	int was_on = t->has_tracing_on ? target_tracing_on(t) : 0;
	struct buffer_size bs;
	int rc;

	note_debug("%s: --force: tracing off, clearing the buffer, resizing", t->label);
	rc = was_on > 0 ? rc_from_errno(-target_write(t, "tracing_on", "0")) : RC_OK;
	if (!rc)
		rc = rc_from_errno(-target_reset(t, -1));
	if (!rc) {
		char *path = target_path(t, "buffer_size_kb");
		int err = write_file(path, kib);

		free(path);
		if (err == -EBUSY && !target_buffer_size(t, &bs) && bs.loaded == 1) {
			note_error("%s: still loaded after stopping and clearing it: a reader has "
				   "its trace_pipe or trace open; close it and try again",
				   t->label);
			rc = RC_BUSY;
		} else if (err) {
			note_error("%s: cannot write buffer_size_kb: %s", t->label, strerror(-err));
			rc = rc_from_errno(-err);
		}
	}
	if (was_on > 0 && target_write(t, "tracing_on", "1") && !rc)
		rc = RC_FAIL;
	return rc;
}

static int set_size(const struct target *t, const char *text, bool force)
{
	char kib[32], *path;
	uint64_t size;
	int err;

	err = parse_size_kib(text, &size);
	if (err == -ERANGE) {
		note_error("size '%s' is too large", text);
		return RC_USAGE;
	}
	if (err || !size) {
		note_error("invalid size '%s' (use e.g. 512K, 4M, 1G, or a number of KiB; at least 1K)",
			   text);
		return RC_USAGE;
	}
	if (t->read_only)
		return rc_from_errno(-target_write(t, "buffer_size_kb", ""));
	snprintf(kib, sizeof(kib), "%" PRIu64, size);
	path = target_path(t, "buffer_size_kb");
	err = write_file(path, kib);
	free(path);
	if (err == -EBUSY && force)
		return force_size(t, kib);
	if (err == -EBUSY && t->kind == TARGET_REMOTE) {
		note_error("%s: cannot resize a loaded remote buffer (tracing is on, a reader has "
			   "trace_pipe open, or unread data is left): stop tracing, close readers "
			   "and reset it, or use --force", t->label);
		return RC_BUSY;
	}
	if (err == -EBUSY) {
		note_error("%s: the kernel refuses to resize the buffer now (a reader has it mapped?)",
			   t->label);
		return RC_BUSY;
	}
	if (err == -ENOMEM) {
		note_error("%s: not enough memory for %s per CPU", t->label, text);
		return RC_FAIL;
	}
	if (err) {
		note_error("%s: cannot write buffer_size_kb: %s", t->label, strerror(-err));
		return rc_from_errno(-err);
	}
	note_debug("%s: buffer size set to %s KiB per CPU", t->label, kib);
	return RC_OK;
}

static int size_command(const struct target *t, const struct control_args *args)
{
	return args->value ? set_size(t, args->value, args->force) : show_size(t);
}

int cmd_size(int argc, char **argv)
{
	static const struct argp_option options[] = {
		CLI_TARGET_OPTION,
		{ "force", OPT_FORCE, NULL, 0,
		  "If the buffer is busy, stop tracing, clear it, resize it and restore tracing",
		  0 },
		{ 0 }
	};
	static const struct argp argp = { options, parse_control, "[SIZE]",
					  "Show or set the per-CPU buffer size. SIZE is 512K, 4M, "
					  "1G, or a number of KiB.", cli_children, NULL, NULL };

	return control_run(&argp, argc, argv, size_command);
}

static bool has_cpu(const struct target *t, int cpu)
{
	for (int i = 0; i < t->nr_cpus; i++)
		if (t->cpus[i] == cpu)
			return true;
	return false;
}

static int reset_command(const struct target *t, const struct control_args *args)
{
	if (args->cpu >= 0 && !has_cpu(t, args->cpu)) {
		note_error("%s has no CPU %d", t->label, args->cpu);
		return RC_MISSING;
	}
	return rc_from_errno(-target_reset(t, args->cpu));
}

int cmd_reset(int argc, char **argv)
{
	static const struct argp_option options[] = {
		CLI_TARGET_OPTION,
		{ "cpu", OPT_CPU, "N", 0, "Clear only CPU N's buffer", 0 },
		{ 0 }
	};
	static const struct argp argp = { options, parse_control, NULL,
					  "Clear a target's buffers (all CPUs, or one with --cpu).",
					  cli_children, NULL, NULL };

	return control_run(&argp, argc, argv, reset_command);
}

/* Is name one of the clocks listed in trace_clock ("[local] global counter ...")? */
static bool clock_available(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; *p;) {
		size_t n;

		p += strspn(p, " []");
		n = strcspn(p, " []");
		if (n == len && !strncmp(p, name, len))
			return true;
		p += n;
	}
	return false;
}

static int clock_command(const struct target *t, const struct control_args *args)
{
	char list[1024], cur[64];

	if (!t->has_trace_clock) {
		note_error("%s has no trace_clock (its timestamps come from the writer's clock)",
			   t->label);
		return RC_MISSING;
	}
	if (target_read(t, "trace_clock", list, sizeof(list)) < 0 ||
	    target_clock(t, cur, sizeof(cur))) {
		note_error("%s: cannot read trace_clock", t->label);
		return RC_FAIL;
	}
	if (!args->value) {
		if (!args->list) {
			printf("%s\n", cur);
			return RC_OK;
		}
		for (const char *p = list; *p;) {
			size_t n;

			p += strspn(p, " []");
			n = strcspn(p, " []");
			if (n)
				printf("%.*s%s\n", (int)n, p,
				       strlen(cur) == n && !strncmp(cur, p, n) ? " *" : "");
			p += n;
		}
		return RC_OK;
	}
	if (!clock_available(list, args->value)) {
		note_error("unknown clock '%s' for %s (available: %s)", args->value, t->label,
			   list);
		return RC_USAGE;
	}
	return rc_from_errno(-target_write(t, "trace_clock", args->value));
}

int cmd_clock(int argc, char **argv)
{
	static const struct argp_option options[] = {
		CLI_TARGET_OPTION,
		{ "list", OPT_LIST, NULL, 0, "List the available clocks; '*' marks the current",
		 0 },
		{ 0 }
	};
	static const struct argp argp = { options, parse_control, "[CLOCK]",
					  "Show or set the trace clock of a target that has a "
					  "trace_clock file.", cli_children, NULL, NULL };

	return control_run(&argp, argc, argv, clock_command);
}
