/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line plumbing shared by the front end and every subcommand. */
#ifndef REMOTECTL_CLI_H
#define REMOTECTL_CLI_H

#include <argp.h>
#include <stdbool.h>

/*
 * Every subcommand's argp lists this as its children so that -q, -v and --tracefs work after
 * the command too, and so that argp's errors are one line on stderr.
 */
extern const struct argp_child cli_children[];

/*
 * Parse a subcommand's arguments. argv[0] is the command's display name ("remotectl size").
 * Returns 0, or RC_USAGE after argp printed a one-line error.
 */
int cli_parse(const struct argp *argp, int argc, char **argv, void *input);

/* -r NAME, the same in every command that acts on one target. */
#define CLI_TARGET_OPTION \
	{ "target", 'r', "NAME", 0, \
	  "Target: a remote, instance, hypervisor/hyp, 'top', remotes/NAME, instances/NAME or a " \
	  "path", 0 }

/*
 * --jobs N of report and record: N threads make the text, 0 one per online CPU. N, or -1
 * after the error (0 to 1024).
 */
int cli_jobs(const char *arg);

struct target;
/* target_resolve(), its error said: 0, or the exit code (3 missing, 2 a bad or ambiguous name). */
int cli_resolve_target(const char *name, struct target **out);

/*
 * The keys of a one-target command, for its parser's default case: -r NAME into *target, no
 * operands, and a usage error at the end when -r was needed and not given. ARGP_ERR_UNKNOWN
 * for any other key.
 */
error_t cli_target_arg(int key, char *arg, struct argp_state *state, const char **target,
		       bool needed);

/*
 * The one FILE operand of report and recover, for a parser's default case: 0 when key was
 * the operand (or the end, with a FILE), ARGP_ERR_UNKNOWN for any other key.
 */
error_t cli_file_arg(int key, char *arg, struct argp_state *state, const char **file);

/* A subcommand: argv[0] is "remotectl NAME". */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_list(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_size(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_clock(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_stream(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_recover(int argc, char **argv);

#endif
