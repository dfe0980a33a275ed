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

/*
 * Find options 1 from the header and the position of its DONE value; the journal starts
 * right after it. Returns 0, 1 when the file is already complete, -1 after a message.
 */
static int find_options(int fd, uint64_t size, uint64_t *done_pos, uint64_t *journal)
{
	uint8_t h[64], sh[TD_SEC_HDR_SIZE], o[6];
	uint64_t ptr_at, opts, pos, end, next;
	size_t n, i;

	n = size < sizeof(h) ? size : sizeof(h);
	if (n < TD_MAGIC_LEN + 8 || td_pread(fd, h, n, 0) || memcmp(h, TD_MAGIC, TD_MAGIC_LEN))
		return err_msg("not a trace.dat file"), -1;
	if (strcmp((char *)h + TD_MAGIC_LEN, "7"))
		return err_msg("only trace.dat v7 files written by remotectl can be recovered"), -1;
	/* "7\0", endian, long size, u32 page size, codec\0, version\0. */
	i = TD_MAGIC_LEN + 2 + 2 + 4;
	for (; i < n && h[i]; i++)
		;
	for (i++; i < n && h[i]; i++)
		;
	ptr_at = i + 1;
	if (ptr_at + 8 > n)
		return err_msg("file header is damaged"), -1;
	opts = td_get64(h + ptr_at, 0);
	if (!opts || opts + TD_SEC_HDR_SIZE > size || td_pread(fd, sh, sizeof(sh), opts) ||
	    td_get16(sh, 0) != TD_OPT_DONE || td_get16(sh + 2, 0))
		return err_msg("no usable options section: the record stopped before any data"), -1;
	end = opts + TD_SEC_HDR_SIZE + td_get64(sh + 8, 0);
	if (end > size)
		return err_msg("options section runs past the end of the file"), -1;
	for (pos = opts + TD_SEC_HDR_SIZE; pos + 6 <= end;) {
		if (td_pread(fd, o, 6, pos))
			break;
		if (td_get16(o, 0) == TD_OPT_DONE && td_get32(o + 2, 0) == 8) {
			uint8_t v[8];

			if (td_pread(fd, v, 8, pos + 6))
				break;
			next = td_get64(v, 0);
			*done_pos = pos + 6;
			*journal = end;
			return next ? 1 : 0;
		}
		pos += 6 + td_get32(o + 2, 0);
	}
	return err_msg("options section has no DONE entry"), -1;
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
	ret = find_options(fd, st.st_size, &done_pos, &journal);
	if (ret) {
		close(fd);
		if (ret > 0)
			info_msg("%s is complete; nothing to recover", a.file);
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
