// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_exits: make real KVM guest exits through the arm64 hypervisor, a known number of them,
 * for the guest tests of remotes/hypervisor (each exit goes out of the guest through EL2:
 * hyp_enter reason=guest_exit, and back in: hyp_exit reason=eret_guest).
 *
 * Usage: kvm_exits N
 *
 * One virtual machine, one memslot holding a three-instruction loop that stores a counter to
 * an address no memslot covers, one vCPU run until N KVM_RUN calls have returned with
 * KVM_EXIT_MMIO, each carrying the next counter value. Prints "vcpu_pid=<tid> exits=<N>"
 * (the hypervisor's events name the vCPU by the thread that runs it) and exits 0; any failed
 * call or unexpected exit is one line on stderr and exit status 1, a bad argument 2.
 * Built statically for the arm64 test guest by tests/vm/mkinitramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kvm.h>

#define GUEST_CODE_IPA 0x40000000ULL
#define GUEST_MEM_SIZE 0x10000ULL
/* No memslot covers it: every store there is an MMIO exit to user space. */
#define MMIO_IPA 0x1000ULL

/* str x1, [x0]; add x1, x1, #1; b .-8 */
static const uint32_t guest_code[] = { 0xf9000001, 0x91000421, 0x17fffffe };

static void fail(const char *what)
{
	fprintf(stderr, "kvm_exits: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void set_core_reg(int vcpu, size_t offset, uint64_t value)
{
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
		      (offset / sizeof(uint32_t)),
		.addr = (uintptr_t)&value,
	};

	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
		fail("KVM_SET_ONE_REG");
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_vcpu_init init;
	struct kvm_run *run;
	unsigned long n, i;
	char *end;
	void *mem;
	int kvm, vm, vcpu, run_size;

	if (argc != 2 || !*argv[1]) {
		fprintf(stderr, "usage: kvm_exits N\n");
		return 2;
	}
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (errno || *end || n == 0) {
		fprintf(stderr, "kvm_exits: N must be a positive integer: '%s'\n", argv[1]);
		return 2;
	}

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		fail("KVM_CREATE_VM");

	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED)
		fail("mmap guest memory");
	memcpy(mem, guest_code, sizeof(guest_code));
	region.slot = 0;
	region.guest_phys_addr = GUEST_CODE_IPA;
	region.memory_size = GUEST_MEM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		fail("KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		fail("KVM_CREATE_VCPU");
	memset(&init, 0, sizeof(init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		fail("KVM_ARM_PREFERRED_TARGET");
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		fail("KVM_ARM_VCPU_INIT");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run))
		fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("mmap kvm_run");

	set_core_reg(vcpu, offsetof(struct kvm_regs, regs.pc), GUEST_CODE_IPA);
	set_core_reg(vcpu, offsetof(struct kvm_regs, regs.regs[0]), MMIO_IPA);
	set_core_reg(vcpu, offsetof(struct kvm_regs, regs.regs[1]), 0);

	for (i = 0; i < n; i++) {
		uint64_t data = 0;

		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			fail("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_MMIO) {
			fprintf(stderr, "kvm_exits: run %lu: exit reason %u, not KVM_EXIT_MMIO\n",
				i + 1, run->exit_reason);
			return 1;
		}
		if (run->mmio.len == sizeof(data))
			memcpy(&data, run->mmio.data, sizeof(data));
		if (!run->mmio.is_write || run->mmio.phys_addr != MMIO_IPA ||
		    run->mmio.len != sizeof(data) || data != i) {
			fprintf(stderr, "kvm_exits: run %lu: MMIO %s of %u bytes at 0x%llx, "
				"value %llu; expected a write of 8 bytes at 0x%llx, value %lu\n",
				i + 1, run->mmio.is_write ? "write" : "read", run->mmio.len,
				(unsigned long long)run->mmio.phys_addr, (unsigned long long)data,
				MMIO_IPA, i);
			return 1;
		}
	}
	printf("vcpu_pid=%ld exits=%lu\n", (long)syscall(SYS_gettid), n);
	return 0;
}
