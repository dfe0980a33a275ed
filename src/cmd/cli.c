// SPDX-License-Identifier: GPL-2.0
/* Global options and one-line argp errors, shared by every subcommand. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "target.h"
#include "messages.h"
#include "note.h"
#include "util.h"

enum { OPT_TRACEFS = 0x100 };

static const struct argp_option global_options[] = {
	{ "tracefs", OPT_TRACEFS, "DIR", 0, "Use the tracefs mounted at DIR", 0 },
	{ "quiet", 'q', NULL, 0, "Print only results and errors", 0 },
	{ "verbose", 'v', NULL, 0, "Explain what is done (repeat for more)", 0 },
	{ 0 }
};

/*
 * argp follows each error with a "Try --help" line; users and scripts asked for exactly one
 * line, so argp's error stream drops that line and passes the rest on to stderr.
 */
struct line_filter {
	char line[1024];
	size_t len;
	bool dropping;	/* in the "Try" text, which argp may wrap over several lines */
};

static void flush_line(struct line_filter *f)
{
	static const char try_help[] = "Try `";

	if (!strncmp(f->line, try_help, sizeof(try_help) - 1))
		f->dropping = true;
	else if (!strncmp(f->line, "remotectl", 9))
		f->dropping = false;
	if (f->len && !f->dropping)
		fwrite(f->line, 1, f->len, stderr);
	f->len = 0;
}

static ssize_t filter_write(void *cookie, const char *buf, size_t size)
{
	struct line_filter *f = cookie;
	size_t i;

	for (i = 0; i < size; i++) {
		if (f->len < sizeof(f->line))
			f->line[f->len++] = buf[i];
		if (buf[i] == '\n' || f->len == sizeof(f->line))
			flush_line(f);
	}
	return size;
}

static FILE *error_stream(void)
{
	static struct line_filter filter;
	static FILE *stream;

	if (!stream) {
		cookie_io_functions_t io = { .write = filter_write };

		stream = fopencookie(&filter, "w", io);
		if (stream)
			setvbuf(stream, NULL, _IONBF, 0);
	}
	return stream ? stream : stderr;
}

static error_t parse_global(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		state->err_stream = error_stream();
		return 0;
	case OPT_TRACEFS:
		target_tracefs_root_use(arg);
		return 0;
	case 'q':
		messages_set_verbosity(-1);
		return 0;
	case 'v':
		messages_set_verbosity(verbosity < 0 ? 1 : verbosity + 1);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp global_argp = { global_options, parse_global, NULL, NULL,
					 NULL, NULL, NULL };

const struct argp_child cli_children[] = {
	{ &global_argp, 0, "Global options:", 50 },
	{ 0 }
};

int cli_parse(const struct argp *argp, int argc, char **argv, void *input)
{
	argp_err_exit_status = RC_USAGE;
	return argp_parse(argp, argc, argv, 0, NULL, input) ? RC_USAGE : 0;
}

error_t cli_target_arg(int key, char *arg, struct argp_state *state, const char **target,
		       bool needed)
{
	switch (key) {
	case 'r':
		*target = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	case ARGP_KEY_END:
		if (needed && !*target)
			argp_error(state, "no target given (-r NAME; see 'remotectl list')");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

error_t cli_file_arg(int key, char *arg, struct argp_state *state, const char **file)
{
	switch (key) {
	case ARGP_KEY_ARG:
		if (*file)
			argp_error(state, "only one FILE");
		*file = arg;
		return 0;
	case ARGP_KEY_END:
		if (!*file)
			argp_error(state, "no FILE given");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int cli_resolve_target(const char *name, struct target **out)
{
	char err[TARGET_ERR_SIZE];
	int ret = target_resolve(name, out, err, sizeof(err));

	if (!ret)
		return RC_OK;
	note_error("%s", err);
	return rc_from_errno(-ret);
}

int cli_jobs(const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < 0 || n > 1024) {
		note_error("bad --jobs '%s' (0 to 1024)", arg);
		return -1;
	}
	return n ? (int)n : (int)sysconf(_SC_NPROCESSORS_ONLN);
}
