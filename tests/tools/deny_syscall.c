// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver: run a command with one kind of system call refused by a seccomp filter, so
 * that the fallbacks the real kernel seldom takes (the data area of trace_pipe_raw not
 * mappable, TRACE_MMAP_IOCTL_GET_READER failing) run against the real tracefs. Everything
 * else reaches the kernel unchanged.
 *
 *   deny_syscall RULE ERRNO CMD [ARG]...
 *
 * RULE: mmap-offset   mmap() with MAP_SHARED at a non-zero offset (the probe and the meta
 *                     page map at offset 0; the data area does not)
 *       get-reader    ioctl(fd, _IO('R', 0x20))
 * ERRNO: EINVAL, EPERM, EACCES, ENOTTY, ENODEV or EIO.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARG_LO(n)	(offsetof(struct seccomp_data, args) + 8 * (n))
#define ARG_HI(n)	(ARG_LO(n) + 4)
#define GET_READER	0x5220	/* _IO('R', 0x20) */

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EINVAL", EINVAL }, { "EPERM", EPERM }, { "EACCES", EACCES },
	{ "ENOTTY", ENOTTY }, { "ENODEV", ENODEV }, { "EIO", EIO },
};

static int errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].value;
	return -1;
}

int main(int argc, char **argv)
{
	struct sock_filter prog[32];
	struct sock_fprog fprog = { .filter = prog };
	unsigned short n = 0;
	int err;

	if (argc < 4 || (err = errno_value(argv[2])) < 0) {
		fprintf(stderr, "usage: deny_syscall mmap-offset|get-reader ERRNO CMD...\n");
		return 2;
	}
	/* Another architecture's calls (x32, i386) are let through untouched. */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1,
						 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, nr));
	if (!strcmp(argv[1], "mmap-offset")) {
		/* nr == mmap && (flags & MAP_SHARED) && offset != 0 */
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 7);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(3));
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_SHARED, 0,
							 5);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(5));
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(5));
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err);
	} else if (!strcmp(argv[1], "get-reader")) {
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0,
							 3);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GET_READER, 0,
							 1);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err);
	} else {
		fprintf(stderr, "deny_syscall: unknown rule '%s'\n", argv[1]);
		return 2;
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	fprog.len = n;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog)) {
		fprintf(stderr, "deny_syscall: seccomp: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "deny_syscall: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
