/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user ABI of a memory-mapped tracefs ring buffer (per_cpu/cpuN/trace_pipe_raw), Linux
 * 6.10 and later.
 *
 * Our own copy because Debian 12's kernel headers (linux-libc-dev 6.1) predate the ABI and have
 * no <linux/trace_mmap.h>. Layout and protocol: docs/kernel-interface.md, section 5 (checked
 * on a live 6.18 kernel: meta_struct_len 80).
 */
#ifndef REMOTECTL_TRACE_MMAP_H
#define REMOTECTL_TRACE_MMAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The first page of the mapping; later kernels pad it to meta_page_size (one sub-buffer). */
struct trace_buffer_meta {
	__u32 meta_page_size;		/* bytes before sub-buffer id 0 in the mapping */
	__u32 meta_struct_len;		/* how much of this struct the kernel fills */

	__u32 subbuf_size;		/* bytes per sub-buffer, header included */
	__u32 nr_subbufs;		/* ring sub-buffers + the reader sub-buffer */

	struct {
		__u64 lost_events;	/* not filled by 6.18 in practice: use overrun */
		__u32 id;		/* sub-buffer currently owned by the reader */
		__u32 read;		/* bytes of its data the kernel counts as consumed */
	} reader;

	__u64 flags;			/* always 0 so far */

	__u64 entries;			/* events in the buffer */
	__u64 overrun;			/* events lost to the writer overwriting them */
	__u64 read;			/* events consumed */

	__u64 pages_lost;		/* "Reserved1" before trace remotes (7.1) */
	__u64 pages_touched;		/* "Reserved2" before trace remotes (7.1) */
};

/* The oldest released layout ends after the read counter. */
#define TRACE_BUFFER_META_MIN_LEN 64

/*
 * Hand the reader the next sub-buffer (or more of the current one). Magic 'R', number 0x20
 * (0x5220). The RFC versions used _IO('T', 0x1), which is TCGETS: never send that number.
 */
#define TRACE_MMAP_IOCTL_GET_READER	_IO('R', 0x20)

_Static_assert(sizeof(struct trace_buffer_meta) == 80, "trace_buffer_meta is 80 bytes");

#endif
