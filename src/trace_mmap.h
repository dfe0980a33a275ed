/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ring-buffer mapping ABI of per_cpu/cpuN/trace_pipe_raw (Linux 6.10+). Our own copy:
 * Debian 12's kernel headers (6.1) have no <linux/trace_mmap.h>, and libtracefs 1.6.4 has no
 * mmap support. Layout and ioctl number as released in 6.10.
 */
#ifndef REMOTECTL_TRACE_MMAP_H
#define REMOTECTL_TRACE_MMAP_H

#include <linux/types.h>
#include <sys/ioctl.h>

struct trace_buffer_meta {
	__u32 meta_page_size;	/* bytes before sub-buffer 0 in the mapping */
	__u32 meta_struct_len;	/* sizeof this struct as the kernel knows it */

	__u32 subbuf_size;
	__u32 nr_subbufs;	/* ring sub-buffers + the reader sub-buffer */

	struct {
		__u64 lost_events;
		__u32 id;	/* sub-buffer currently owned by the reader */
		__u32 read;	/* bytes of its data already consumed */
	} reader;

	__u64 flags;

	__u64 entries;
	__u64 overrun;
	__u64 read;

	__u64 pages_lost;	/* "Reserved1" before the trace-remote series */
	__u64 pages_touched;	/* "Reserved2" */
};

/* The oldest released layout ends after the read counter. */
#define TRACE_BUFFER_META_MIN_LEN 64

/* Swap in the next reader sub-buffer. Never the RFC's _IO('T', 0x1): that is TCGETS. */
#define TRACE_MMAP_IOCTL_GET_READER _IO('R', 0x20)

#endif
