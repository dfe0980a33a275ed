// SPDX-License-Identifier: GPL-2.0
/* remotectl recover FILE: complete a trace.dat that an interrupted record left behind. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "tracedat_journal.h"
#include "messages.h"
#include "note.h"
#include "util.h"

struct recover_args {
	const char *file;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct recover_args *a = state->input;

	return cli_file_arg(key, arg, state, &a->file);
}

int cmd_recover(int argc, char **argv)
{
	static const struct argp argp = { NULL, parse_opt, "FILE",
					  "Complete a trace.dat that an interrupted 'remotectl "
					  "record' left behind (killed, crashed, power lost). "
					  "Every chunk written before the interruption is kept.",
					  cli_children, NULL, NULL };
	struct recover_args a = { 0 };
	struct td_recovery rec;
	char err[512];
	int ret, closed;

	ret = cli_parse(&argp, argc, argv, &a);
	if (ret)
		return ret;
	ret = td_recovery_open(&rec, a.file, err, sizeof(err));
	if (ret) {
		td_recovery_close(&rec);
		if (ret > 0) {
			note_info("%s is complete; nothing to recover", a.file);
			return RC_OK;
		}
		note_error("%s", err);
		/* Only the file's opening says more than "failed" (missing, not allowed). */
		return ret == -EBADMSG ? RC_FAIL : rc_from_errno(-ret);
	}
	if (rec.j.end < rec.size)
		note_info("dropping %llu bytes of an unfinished chunk at the end",
			  (unsigned long long)(rec.size - rec.j.end));
	ret = td_recovery_finish(&rec, a.file, err, sizeof(err));
	if (ret < 0)
		note_error("%s", err);
	else if (ret > 0)
		note_warn("%s", err);
	if (ret >= 0 && rec.kallsyms < 0)
		note_warn("%s: no kernel symbols: it was recorded in another boot (symbols print "
			  "as addresses)", a.file);
	if (ret >= 0) {
		int i, cpus = 0;

		for (i = 0; i < rec.j.nr_buffers; i++)
			cpus += rec.j.bufs[i].nr_cpus;
		if (rec.j.nr_buffers > 1)
			note_info("%s: recovered %llu chunks from %d CPUs of %d buffers", a.file,
				  (unsigned long long)rec.j.chunks, cpus, rec.j.nr_buffers);
		else
			note_info("%s: recovered %llu chunks from %d CPUs", a.file,
				  (unsigned long long)rec.j.chunks, cpus);
	}
	closed = td_recovery_close(&rec);
	if (ret >= 0 && closed) {
		note_error("%s: %s", a.file, strerror(-closed));
		ret = -1;
	}
	return ret < 0 ? RC_FAIL : RC_OK;
}
