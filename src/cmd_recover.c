// SPDX-License-Identifier: GPL-2.0
/* remotectl recover FILE: complete a trace.dat that an interrupted record left behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tracedat.h"
#include "tracedat_journal.h"
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
					  "record' left behind (killed, crashed, power lost). Every "
					  "chunk written before the interruption is kept.",
					  cli_children, NULL, NULL };
	struct recover_args a = { 0 };
	uint64_t done_pos, journal;
	struct td_journal j;
	struct stat st;
	char err[256];
	int fd, ret, i;
	uint64_t pages = 0;

	ret = cli_parse(&argp, argc, argv, &a);
	if (ret)
		return ret;
	fd = open(a.file, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err_msg("%s: %s", a.file, strerror(errno));
		return rc_from_errno(errno);
	}
	ret = td_journal_find(fd, st.st_size, &done_pos, &journal, err, sizeof(err));
	if (ret) {
		close(fd);
		if (ret > 0)
			info_msg("%s is complete; nothing to recover", a.file);
		else
			err_msg("%s", err);
		return ret > 0 ? RC_OK : RC_FAIL;
	}
	if (td_journal_scan(fd, journal, st.st_size, &j, true, err, sizeof(err))) {
		err_msg("%s: %s", a.file, err);
		close(fd);
		return RC_FAIL;
	}
	if (j.end < (uint64_t)st.st_size)
		info_msg("dropping %llu bytes of an unfinished chunk at the end",
			 (unsigned long long)(st.st_size - j.end));
	if (ftruncate(fd, j.end)) {
		err_msg("%s: %s", a.file, strerror(errno));
		td_journal_free(&j);
		close(fd);
		return RC_FAIL;
	}
	for (i = 0; i < j.nr_cpus; i++)
		pages += j.cpus[i].chunks;
	ret = td_journal_finish(fd, done_pos, &j, NULL);
	if (!ret)
		info_msg("%s: recovered %llu chunks from %d CPUs", a.file,
			 (unsigned long long)pages, j.nr_cpus);
	td_journal_free(&j);
	if (close(fd) && !ret) {
		err_msg("%s: %s", a.file, strerror(errno));
		ret = -1;
	}
	return ret ? RC_FAIL : RC_OK;
}
