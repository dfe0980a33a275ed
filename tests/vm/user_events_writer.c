// SPDX-License-Identifier: GPL-2.0
/*
 * user_events_writer: registers one user event through tracefs's user_events_data, writes
 * COUNT of them with payloads a test can predict, unregisters and exits (user_events.bats).
 *
 * The event is "NAME u32 seq; u64 value; u8 letter; char[16] tag; __rel_loc char[] msg":
 * event i carries seq=i, value=i * 1000000007, letter='A' + i % 26, tag="remotectl" and
 * msg="event i" (a string whose length changes), so that every kind of field the kernel
 * formats differently (numbers of 1, 4 and 8 bytes, a fixed and a relative-location string)
 * is seen, unaligned as user events lay them out.
 *
 * With -x the payloads are the edge cases of the kernel's formatting instead: seq=0xffffffff - i
 * (negative as an int), value=2^63 + i, letter cycling through NUL, control, DEL, Latin-1 and
 * printable bytes, a tag of all 16 bytes without a NUL or (odd i) with bytes that do not print
 * before and after its NUL, and a msg with bytes that do not print.
 *
 * usage: user_events_writer [-n NAME] [-c COUNT] [-r READY] [-g GO] [-w SECONDS] [-f] [-p]
 *                           [-k] [-x] [-V VALUE] [-E FILE] [-M FILE]
 *   -r READY    create the file READY once registered (the test waits for it)
 *   -g GO       then wait for the file GO to exist before writing (the test's tracers are
 *               ready: any of them setting the enable bit would otherwise start the writes)
 *   -w SECONDS  wait at most this long for a tracer to enable the event (default 30)
 *   -f          write at once, enabled or not
 *   -p          register with USER_EVENT_REG_PERSIST: the event outlives the program
 *   -k          after writing, keep the registration until SIGTERM or SIGINT
 *   -V VALUE    value=VALUE + i instead (a kernel address: the kernel prints it as a symbol)
 *   -E FILE     before event i, write "i" to FILE (a remote's write_event: selftest id=i)
 *   -M FILE     after event i, write "m-i" to FILE (a trace_marker): with -E, one process
 *               writes three targets' items in a known order (tests/vm/targets.bats)
 * It prints "registered NAME write_index=I", then "written=N enabled=E refused=R": N writes
 * the kernel took, E of all made while it had the event's enable bit set, R refused with
 * EBADF, which is what a write gets while no tracer has the event on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/*
 * The user_events ABI (include/uapi/linux/user_events.h, Linux 6.4+). Debian 12's
 * linux-libc-dev (6.1) does not ship that header, so the structures and requests are
 * declared here; they are fixed ABI, both packed.
 */
struct ue_reg {
	uint32_t size;
	uint8_t enable_bit;
	uint8_t enable_size;
	uint16_t flags;
	uint64_t enable_addr;
	uint64_t name_args;
	uint32_t write_index;
} __attribute__((packed));

struct ue_unreg {
	uint32_t size;
	uint8_t disable_bit;
	uint8_t reserved;
	uint16_t reserved2;
	uint64_t disable_addr;
} __attribute__((packed));

/* The kernel sizes these requests by a pointer, not by the structure. */
#define UE_IOCSREG _IOWR('*', 0, struct ue_reg *)
#define UE_IOCSUNREG _IOW('*', 2, struct ue_unreg *)
#define UE_REG_PERSIST (1U << 0)

/* The fixed part of the payload after the 4-byte write index, packed as the kernel lays
 * out the fields: each at the end of the one before. */
struct payload {
	uint32_t seq;
	uint64_t value;
	uint8_t letter;
	char tag[16];
	uint32_t msg_loc;
	char msg[32];
} __attribute__((packed));

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "user_events_writer: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Wait up to seconds for the bit to be set, or with go, for go to exist. */
static int wait_for(volatile uint32_t *enabled, const char *go, double seconds)
{
	struct timespec ms = { 0, 1000000 };
	long i, n = (long)(seconds * 1000);

	for (i = 0; i < n; i++) {
		if (go ? access(go, F_OK) == 0 : (*enabled & 1))
			return 1;
		nanosleep(&ms, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = "remotectl_test", *ready = NULL, *go = NULL;
	const char *tracefs = getenv("TRACEFS") ? getenv("TRACEFS") : "/sys/kernel/tracing";
	static volatile uint32_t enabled;
	long count = 10, i, written = 0, while_enabled = 0, refused = 0;
	int c, fd, force = 0, persist = 0, keep = 0, edges = 0, have_base = 0;
	unsigned long long base = 0;
	double wait_s = 30;
	int efd = -1, mfd = -1;
	char item[32];
	char path[4096], args[512];
	struct ue_reg reg;
	struct ue_unreg unreg;
	sigset_t block;

	while ((c = getopt(argc, argv, "n:c:r:g:w:fpkxV:E:M:")) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'c': count = atol(optarg); break;
		case 'r': ready = optarg; break;
		case 'g': go = optarg; break;
		case 'w': wait_s = atof(optarg); break;
		case 'f': force = 1; break;
		case 'p': persist = 1; break;
		case 'k': keep = 1; break;
		case 'x': edges = 1; break;
		case 'V': base = strtoull(optarg, NULL, 0); have_base = 1; break;
		case 'E':
			efd = open(optarg, O_WRONLY | O_CLOEXEC);
			if (efd < 0)
				die(optarg);
			break;
		case 'M':
			mfd = open(optarg, O_WRONLY | O_CLOEXEC);
			if (mfd < 0)
				die(optarg);
			break;
		default:
			fprintf(stderr, "usage: user_events_writer [-n NAME] [-c COUNT] [-r READY] "
				"[-g GO] [-w SECONDS] [-f] [-p] [-k] [-x] [-V VALUE] [-E FILE] "
				"[-M FILE]\n");
			return 2;
		}
	}
	if (keep) {
		/* Blocked but in sigsuspend(), so that -k cannot miss a signal sent early. */
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		sigprocmask(SIG_BLOCK, &block, NULL);
		signal(SIGTERM, on_signal);
		signal(SIGINT, on_signal);
	}

	snprintf(path, sizeof(path), "%s/user_events_data", tracefs);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(path);

	snprintf(args, sizeof(args),
		 "%s u32 seq; u64 value; u8 letter; char[16] tag; __rel_loc char[] msg", name);
	memset(&reg, 0, sizeof(reg));
	reg.size = sizeof(reg);
	reg.enable_bit = 0;
	reg.enable_size = sizeof(enabled);
	reg.flags = persist ? UE_REG_PERSIST : 0;
	reg.enable_addr = (uintptr_t)&enabled;
	reg.name_args = (uintptr_t)args;
	if (ioctl(fd, UE_IOCSREG, &reg) < 0)
		die("DIAG_IOCSREG");
	printf("registered %s write_index=%u\n", name, reg.write_index);
	fflush(stdout);

	if (ready) {
		int r = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (r < 0)
			die(ready);
		close(r);
	}

	if (go && !wait_for(&enabled, go, wait_s)) {
		fprintf(stderr, "user_events_writer: no %s within %g s\n", go, wait_s);
		return 1;
	}
	if (!force && !wait_for(&enabled, NULL, wait_s)) {
		fprintf(stderr, "user_events_writer: %s not enabled within %g s\n", name, wait_s);
		return 1;
	}

	for (i = 0; i < count; i++) {
		struct payload p;
		struct iovec iov[2];
		size_t len;

		memset(&p, 0, sizeof(p));
		if (edges) {
			static const uint8_t letters[] = { 0, 0x1f, ' ', '~', 0x7f, 0x80, 0x9f,
							   0xa0, 0xc3, 0xd7, 0xff };

			p.seq = 0xffffffffU - (uint32_t)i;
			p.value = (1ULL << 63) + (uint64_t)i;
			p.letter = letters[i % sizeof(letters)];
			if (i % 2)
				memcpy(p.tag, "ab\002c\0\001", 6);
			else
				memcpy(p.tag, "0123456789abcdef", 16);
			len = (size_t)snprintf(p.msg, sizeof(p.msg), "x\001y\351z\177%ld", i) + 1;
		} else {
			p.seq = (uint32_t)i;
			p.value = (uint64_t)i * 1000000007ULL;
			p.letter = 'A' + i % 26;
			strcpy(p.tag, "remotectl");
			len = (size_t)snprintf(p.msg, sizeof(p.msg), "event %ld", i) + 1;
		}
		if (have_base)
			p.value = base + (uint64_t)i;
		/* A relative location counts from the end of its own 4 bytes. */
		p.msg_loc = (uint32_t)(len << 16);
		iov[0].iov_base = &reg.write_index;
		iov[0].iov_len = sizeof(reg.write_index);
		iov[1].iov_base = &p;
		iov[1].iov_len = offsetof(struct payload, msg) + len;
		if (enabled & 1)
			while_enabled++;
		if (efd >= 0 && write(efd, item, (size_t)snprintf(item, sizeof(item), "%ld\n", i)) < 0)
			die("write_event");
		if (writev(fd, iov, 2) >= 0)
			written++;
		else if (errno == EBADF)
			refused++;
		else
			die("writev");
		if (mfd >= 0 && write(mfd, item, (size_t)snprintf(item, sizeof(item), "m-%ld\n", i)) < 0)
			die("trace_marker");
	}
	printf("written=%ld enabled=%ld refused=%ld\n", written, while_enabled, refused);
	fflush(stdout);

	if (keep) {
		sigset_t none;

		sigemptyset(&none);
		while (!stop)
			sigsuspend(&none);
	}

	memset(&unreg, 0, sizeof(unreg));
	unreg.size = sizeof(unreg);
	unreg.disable_bit = 0;
	unreg.disable_addr = (uintptr_t)&enabled;
	if (ioctl(fd, UE_IOCSUNREG, &unreg) < 0)
		die("DIAG_IOCSUNREG");
	close(fd);
	return 0;
}
