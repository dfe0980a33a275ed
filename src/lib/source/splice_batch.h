/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Full sub-buffers of trace_pipe_raw in batches: splice() moves many of them into a pipe in
 * one call, and one read() of the pipe copies as many as the caller has room for.
 */
#ifndef REMOTECTL_SPLICE_BATCH_H
#define REMOTECTL_SPLICE_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct splice_batch;

/* A pipe for sub-buffers of subbuf_size bytes; NULL with errno on failure. */
struct splice_batch *splice_batch_new(uint32_t subbuf_size);
void splice_batch_free(struct splice_batch *b);

/* Bytes spliced from trace_pipe_raw and not yet read out of the pipe. */
size_t splice_batch_pending(const struct splice_batch *b);

/*
 * Up to max bytes of whole sub-buffers into dst (max: at least one sub-buffer): what the pipe
 * holds, else what one splice() from fd moves into it. Returns the bytes copied, 0 when the
 * kernel has no full sub-buffer now, or -errno: splice() refused (the caller reads instead;
 * nothing was taken) or the pipe failed (what it held is lost: -EIO).
 */
ssize_t splice_batch_read(struct splice_batch *b, int fd, uint8_t *dst, size_t max);

#endif
