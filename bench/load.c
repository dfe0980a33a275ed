// SPDX-License-Identifier: GPL-2.0
/*
 * Repeatable trace load for bench/run: either N getpid() system calls (trace them with
 * syscalls:sys_enter_getpid) or N writes of SIZE bytes to a trace_marker_raw file, on the
 * CPU the caller pinned us to. Prints the number of operations done.
 *   load getpid N
 *   load raw N SIZE PATH
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long i, n;

	if (argc < 3)
		return 2;
	n = atol(argv[2]);
	if (!strcmp(argv[1], "getpid")) {
		for (i = 0; i < n; i++)
			syscall(SYS_getpid);
	} else if (!strcmp(argv[1], "raw") && argc == 5) {
		size_t size = atol(argv[3]);
		char *buf = calloc(1, size < 4 ? 4 : size);
		int fd = open(argv[4], O_WRONLY);

		if (fd < 0 || !buf) {
			perror(argv[4]);
			return 1;
		}
		for (i = 0; i < n; i++) {
			memcpy(buf, &i, 4);	/* a 4-byte id, then filler */
			if (write(fd, buf, size) != (ssize_t)size) {
				perror("write");
				return 1;
			}
		}
		close(fd);
	} else {
		return 2;
	}
	printf("%ld\n", n);
	return 0;
}
