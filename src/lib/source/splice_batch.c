// SPDX-License-Identifier: GPL-2.0
/*
 * Batches of full sub-buffers for the read() transport. read() of trace_pipe_raw hands out one
 * sub-buffer per system call, and on busy CPUs the system calls are most of a reader's cost
 * (bench raw2). splice() of trace_pipe_raw into a pipe moves every full sub-buffer the kernel
 * has, up to the pipe's size, in one call: the kernel gives the pipe its reader pages and
 * takes fresh ones, copying nothing. One read() of the pipe then copies several sub-buffers
 * straight into the trace.dat chunk. The kernel splices only sub-buffers the writer has left
 * (ring_buffer_read_page(..., full)), so the one it is still writing is read() as before, and
 * sub-buffers reach the caller in the kernel's order either way. trace-cmd's recorder splices
 * too, to write pipe pages to a file; here they are copied, as they get compressed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "source_internal.h"

/* 64 sub-buffers of 4 KiB: 16 of the default 64 KiB pipe took twice the system calls. */
#define PIPE_BYTES	(256u << 10)

struct splice_batch {
	int rd, wr;		/* the pipe's ends, both non-blocking */
	size_t cap;		/* whole sub-buffers the pipe holds */
	size_t pending;		/* bytes spliced in, not yet read out */
};

struct splice_batch *splice_batch_new(uint32_t subbuf_size)
{
	struct splice_batch *b = calloc(1, sizeof(*b));
	int fds[2], size;

	if (!b || pipe2(fds, O_CLOEXEC | O_NONBLOCK)) {
		free(b);
		return NULL;
	}
	b->rd = fds[0];
	b->wr = fds[1];
	/* Above /proc/sys/fs/pipe-max-size for a non-root user: keep the default size. */
	size = fcntl(b->wr, F_SETPIPE_SZ, PIPE_BYTES);
	if (size < 0)
		size = fcntl(b->wr, F_GETPIPE_SZ);
	b->cap = size > 0 ? (size_t)size / subbuf_size * subbuf_size : 0;
	if (!b->cap) {
		splice_batch_free(b);
		errno = EINVAL;
		return NULL;
	}
	return b;
}

void splice_batch_free(struct splice_batch *b)
{
	if (!b)
		return;
	close(b->rd);
	close(b->wr);
	free(b);
}

size_t splice_batch_pending(const struct splice_batch *b)
{
	return b ? b->pending : 0;
}

ssize_t splice_batch_read(struct splice_batch *b, int fd, uint8_t *dst, size_t max)
{
	size_t want;
	ssize_t n;

	if (!b->pending) {
		do {
			n = splice(fd, NULL, b->wr, NULL, b->cap, SPLICE_F_NONBLOCK);
		} while (n < 0 && errno == EINTR);
		if (n <= 0)
			return n < 0 && errno != EAGAIN ? -errno : 0;
		b->pending = n;
	}
	want = max < b->pending ? max : b->pending;
	do {
		n = read(b->rd, dst, want);
	} while (n < 0 && errno == EINTR);
	/* The pipe holds whole sub-buffers and nothing else reads it: it cannot come up short. */
	if (n != (ssize_t)want) {
		b->pending = 0;
		return -EIO;
	}
	b->pending -= n;
	return n;
}
