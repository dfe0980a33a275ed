// SPDX-License-Identifier: GPL-2.0
/*
 * remotectl: capture trace data from tracefs trace remotes and instances.
 * The front end only: global options, the table of subcommands and dispatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "messages.h"
#include "note.h"
#include "util.h"

#ifndef REMOTECTL_BUILD
#define REMOTECTL_BUILD "unknown build"
#endif
/* Which build answers matters once a static binary is pushed to a device by hand. */
const char *argp_program_version = "remotectl " REMOTECTL_VERSION " (" REMOTECTL_BUILD ")";
const char *argp_program_bug_address = NULL;

static const struct command commands[] = {
	{ "list", cmd_list, "List trace targets and their state" },
	{ "status", cmd_status, "Show one target in detail, with per-CPU statistics" },
	{ "start", cmd_start, "Turn tracing on" },
	{ "stop", cmd_stop, "Turn tracing off" },
	{ "size", cmd_size, "Show or set the per-CPU buffer size" },
	{ "reset", cmd_reset, "Clear the buffers" },
	{ "events", cmd_events, "List, enable or disable events" },
	{ "clock", cmd_clock, "Show or set the trace clock" },
	{ "record", cmd_record, "Capture events to a file or stdout, then restore the target" },
	{ "stream", cmd_stream, "Print live merged events until interrupted" },
	{ "report", cmd_report, "Print a trace.dat file as text" },
	{ "recover", cmd_recover, "Complete a trace.dat left by an interrupted record" },
	{ NULL, NULL, NULL }
};

struct top_args {
	int cmd_index;	/* argv index of the command name, 0 if none */
};

static error_t parse_top(int key, char *arg, struct argp_state *state)
{
	struct top_args *args = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_ARG:
		/* The command and everything after it belong to the subcommand. */
		args->cmd_index = state->next - 1;
		state->next = state->argc;
		return 0;
	case ARGP_KEY_END:
		if (!args->cmd_index)
			argp_error(state, "no command given (try 'remotectl --help')");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static char *help_filter(int key, const char *text, void *input)
{
	char *s, *p;
	size_t len;
	int i;

	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC)
		return (char *)text;
	len = strlen(text) + 2;
	for (i = 0; commands[i].name; i++)
		len += strlen(commands[i].summary) + 32;
	s = p = xmalloc(len);
	p += sprintf(p, "Commands:\n");
	for (i = 0; commands[i].name; i++)
		p += sprintf(p, "  %-10s %s\n", commands[i].name, commands[i].summary);
	sprintf(p, "\n%s", text);
	return s;
}

static const char top_doc[] =
	"Capture and control Linux trace remotes (firmware and hypervisor ring buffers) and "
	"tracefs instances."
	"\v"
	"Run 'remotectl COMMAND --help' for a command's options; see remotectl(1). Exit codes: "
	"0 success, 1 run-time failure, 2 usage error, 3 target or kernel feature missing, "
	"4 permission denied or read-only target, 5 target busy.";

int main(int argc, char **argv)
{
	static const struct argp top_argp = { NULL, parse_top, "COMMAND [ARG...]", top_doc,
					      cli_children, help_filter, NULL };
	struct top_args args = { 0 };
	const struct command *cmd;
	const char *name;
	char **sub_argv;
	int i, sub_argc;

	/* getopt names the program by argv[0] in its messages. */
	argv[0] = "remotectl";
	messages_set_verbosity(0);
	argp_err_exit_status = RC_USAGE;
	if (argp_parse(&top_argp, argc, argv, ARGP_IN_ORDER, NULL, &args))
		return RC_USAGE;

	name = argv[args.cmd_index];
	for (cmd = commands; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			break;
	if (!cmd->name) {
		note_error("unknown command '%s' (try 'remotectl --help')", name);
		return RC_USAGE;
	}

	sub_argc = argc - args.cmd_index;
	sub_argv = xcalloc(sub_argc + 1, sizeof(*sub_argv));
	sub_argv[0] = xasprintf("remotectl %s", name);
	for (i = 1; i < sub_argc; i++)
		sub_argv[i] = argv[args.cmd_index + i];
	return cmd->run(sub_argc, sub_argv);
}
