/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A spool: what a capture reader saw, in order (sub-buffer units, "caught up" and "ended"
 * marks per stream), kept in an unlinked temporary file and replayed after the capture.
 * record keeps one spool per CPU, written by that CPU's reader thread only.
 *
 * Why: turning events into text costs far more than taking them (bench/RESULTS.md, "Spool,
 * format later"), so record copies the raw sub-buffers while the kernel is writing
 * and formats afterwards -- the same split as trace-cmd's raw per-CPU files. Replaying the
 * marks makes the merge release events exactly as it would have live, so memory stays
 * bounded whatever the length of the capture.
 */
#ifndef REMOTECTL_SPOOL_H
#define REMOTECTL_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

enum spool_kind { SPOOL_UNIT = 1, SPOOL_CAUGHT_UP, SPOOL_END };

struct spool;

struct spool_rec {
	enum spool_kind kind;
	int stream;
	struct source_unit unit;	/* SPOOL_UNIT; buf valid until the next spool_read() */
	uint64_t seq;		/* the writer's stamp (0 when none was given) */
};

/* A spool in dir (NULL: $TMPDIR or /tmp). Returns NULL with a message in err. */
struct spool *spool_new(const char *dir, char *err, size_t len);
void spool_free(struct spool *sp);

/* Append; 0 or -errno (a full disk). */
int spool_unit(struct spool *sp, int stream, const struct source_unit *u);
int spool_mark(struct spool *sp, enum spool_kind kind, int stream);
/*
 * The same with a stamp kept in the record: per-CPU spools written by one thread each carry
 * a capture-wide sequence so that the replay can interleave them and keep the merge exact.
 */
int spool_unit_seq(struct spool *sp, int stream, const struct source_unit *u, uint64_t seq);
int spool_mark_seq(struct spool *sp, enum spool_kind kind, int stream, uint64_t seq);

/* Bytes spooled so far. */
uint64_t spool_bytes(const struct spool *sp);

/* Start reading from the beginning, then read: 1 a record, 0 the end, -errno. */
int spool_rewind(struct spool *sp);
int spool_read(struct spool *sp, struct spool_rec *rec);

#endif
