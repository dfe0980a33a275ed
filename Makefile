# remotectl build. `make` builds ./remotectl; `make test` runs every test; see README.md.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions

CC ?= cc
PKGS = libtracefs libtraceevent libzstd zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
VERSION := $(shell cat VERSION)
# What `remotectl --version` says about the build: static or dynamic, and the target CPU.
BUILD_KIND ?= dynamic
TARGET_CPU := $(shell $(CC) -dumpmachine 2>/dev/null | cut -d- -f1)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DREMOTECTL_VERSION='"$(VERSION)"' \
	  -DREMOTECTL_BUILD='"$(BUILD_KIND), $(TARGET_CPU)"' $(PKG_CFLAGS) -MMD -MP $(SAN)
LDFLAGS += $(SAN) $(LDSTATIC)
LDLIBS += $(PKG_LIBS) -lpthread

# Object directory; `make unit-asan` builds a second tree with sanitizers in build/asan.
B ?= build
SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:src/%.c=$(B)/%.o)
LIB_OBJS := $(filter-out $(B)/remotectl.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CC ?= clang-14
FUZZ_TIME ?= 30

all: remotectl

remotectl: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: src/%.c | $(B)
	$(CC) $(CFLAGS) -c -o $@ $<

# build/ may exist without build/unit (made by `make static` first): each its own target.
$(B) $(B)/unit:
	mkdir -p $@

$(B)/unit/%: tests/unit/%.c $(LIB_OBJS) | $(B)/unit
	$(CC) $(CFLAGS) $(LDFLAGS) -Isrc -o $@ $^ $(LDLIBS)

deps:
	scripts/deps build test

# The README's run command: set up, build, and run the main job on this machine.
run: deps
	$(MAKE) remotectl
	scripts/demo

unit: $(UNIT_BINS)
	@tests/unit/run $(UNIT_BINS)

# The unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
unit-asan:
	$(MAKE) B=build/asan SAN="$(SAN_FLAGS)" unit

# libFuzzer on the sub-buffer decoder for FUZZ_TIME seconds (corpus kept in build/fuzz).
fuzz: build/fuzz/fuzz_subbuf
	mkdir -p build/fuzz/corpus
	build/fuzz/fuzz_subbuf -max_total_time=$(FUZZ_TIME) -print_final_stats=1 build/fuzz/corpus

build/fuzz/fuzz_subbuf: tests/fuzz/fuzz_subbuf.c src/subbuf.c src/subbuf.h
	mkdir -p build/fuzz
	$(FUZZ_CC) -g -O1 -std=gnu11 -Wall -Wextra -Werror -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/fuzz/fuzz_subbuf.c src/subbuf.c

# The README's test command: every test, host first, then the Linux 7.x guest.
test: deps
	$(MAKE) remotectl
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) fuzz-all FUZZ_TIME=10
	tests/bats/run
	$(MAKE) test-vm

test-host: deps
	$(MAKE) remotectl unit
	tests/bats/run

test-vm:
	@if [ -x tests/vm/test ]; then tests/vm/test; else echo "test-vm: no VM suite yet"; fi

# Static binaries (libtracefs, libtraceevent, libzstd and zlib linked in from Debian's own
# -dev packages), for devices without those libraries: `make static` for this machine
# (build/static-x86_64/remotectl on x86_64) and `make static ARCH=arm64`
# (build/static-arm64/remotectl), cross-built against a private sysroot of Debian's arm64
# -dev packages that scripts/sysroot-arm64 downloads and unpacks (nothing is installed).
# PKG_LIBS rather than LDLIBS: LDLIBS on make's command line would replace `LDLIBS +=`.
# The linker warns that libtraceevent's plugin loader calls dlopen(): no plugins are loaded.
ARCH ?= $(shell uname -m | sed 's/^aarch64$$/arm64/')
STATIC_DIR = build/static-$(ARCH)
SYSROOT ?= $(or $(REMOTECTL_CACHE),$(HOME)/.cache/remotectl)/sysroot-arm64
SYSROOT_LIB = $(SYSROOT)/usr/lib/aarch64-linux-gnu
STATIC_LIBS = libtracefs.a libtraceevent.a libzstd.a libz.a
# Cross-build when arm64 is asked for on another machine.
STATIC_CROSS := $(and $(filter arm64,$(ARCH)),$(filter-out aarch64,$(shell uname -m)))
static:
ifneq ($(STATIC_CROSS),)
	scripts/sysroot-arm64 "$(SYSROOT)" >/dev/null
	$(MAKE) B=$(STATIC_DIR) CC=aarch64-linux-gnu-gcc BUILD_KIND=static LDSTATIC=-static \
		PKG_CFLAGS="$(addprefix -I$(SYSROOT)/usr/include,/tracefs /traceevent /)" \
		PKG_LIBS="$(addprefix $(SYSROOT_LIB)/,$(STATIC_LIBS)) -ldl -lm" \
		$(STATIC_DIR)/remotectl
else
	$(MAKE) B=$(STATIC_DIR) BUILD_KIND=static LDSTATIC=-static \
		PKG_LIBS="$(shell pkg-config --static --libs $(PKGS)) -ldl -lm" \
		$(STATIC_DIR)/remotectl
endif

install: remotectl
	install -D -m 0755 remotectl $(DESTDIR)$(BINDIR)/remotectl
	install -D -m 0644 man/remotectl.1 $(DESTDIR)$(MANDIR)/remotectl.1
	install -D -m 0644 completions/remotectl.bash $(DESTDIR)$(BASHCOMPDIR)/remotectl
	install -D -m 0644 completions/_remotectl $(DESTDIR)$(ZSHCOMPDIR)/_remotectl

clean:
	rm -rf build remotectl

.PHONY: all deps run unit unit-asan fuzz test test-host test-vm static install clean

-include $(OBJS:.o=.d)

# Test programs (drivers used by tests/bats), linked like the unit tests.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(B)/tools/%)

$(B)/tools/%: tests/tools/%.c $(LIB_OBJS) | $(B)
	@mkdir -p $(B)/tools
	$(CC) $(CFLAGS) $(LDFLAGS) -Isrc -o $@ $^ $(LDLIBS)

# remotectl itself with ASan/UBSan, for the damaged-file bats tests (build/asan/remotectl).
$(B)/remotectl: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tools: $(TOOL_BINS)
	$(MAKE) B=build/asan SAN="$(SAN_FLAGS)" build/asan/remotectl

# libFuzzer on the trace.dat reader (open, zstd and zlib chunks, sub-buffers into the merge,
# format checks, libtraceevent format parsing and event text) for FUZZ_TIME seconds, seeded
# with small files from the round-trip unit test (one recompressed with zlib).
TD_FUZZ_SRCS := src/tracedat_read.c src/tracedat_read_opts.c src/tracedat_iter.c \
		src/tracedat_events.c src/tracedat_journal.c src/block_io.c src/tracedat_buf.c \
		src/tracedat_fmt.c \
		src/subbuf.c src/subbuf_merge.c src/merge.c \
		src/util.c

build/fuzz/fuzz_tracedat_read: tests/fuzz/fuzz_tracedat_read.c $(TD_FUZZ_SRCS) $(wildcard src/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-DREMOTECTL_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(TD_FUZZ_SRCS) $(PKG_LIBS)

fuzz-tracedat: build/fuzz/fuzz_tracedat_read $(B)/unit/test_tracedat_roundtrip
	@mkdir -p build/fuzz/corpus-tracedat
	TRACEDAT_SEED_DIR=build/fuzz/corpus-tracedat $(B)/unit/test_tracedat_roundtrip >/dev/null
	python3 tests/tools/dat_zlib.py build/fuzz/corpus-tracedat/seed-zstd.dat \
		build/fuzz/corpus-tracedat/seed-zlib.dat
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	build/fuzz/fuzz_tracedat_read -max_total_time=$(FUZZ_TIME) -max_len=262144 \
		-rss_limit_mb=2048 -print_final_stats=1 build/fuzz/corpus-tracedat

# libFuzzer on the remote text-line parser and re-encoder.
RT_FUZZ_SRCS := src/remote_text.c src/remote_encode.c src/util.c

build/fuzz/fuzz_remote_text: tests/fuzz/fuzz_remote_text.c $(RT_FUZZ_SRCS) $(wildcard src/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(PKG_CFLAGS) -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(RT_FUZZ_SRCS) $(PKG_LIBS)

fuzz-remote-text: build/fuzz/fuzz_remote_text
	@mkdir -p build/fuzz/corpus-remote-text
	printf '[001]\t   12.000003: a id=5' > build/fuzz/corpus-remote-text/seed-a
	printf '[000]\t    1.000000: b x=-7 y=0xff' > build/fuzz/corpus-remote-text/seed-b
	printf '[002]\t    1.000000: c r=hvc' > build/fuzz/corpus-remote-text/seed-c
	printf '[001]\t   11.625125: e reason=hvc vcpu=0' > build/fuzz/corpus-remote-text/seed-e
	printf '[001]\t18446744073.709551: f id=1' > build/fuzz/corpus-remote-text/seed-f
	printf '[000]\t    1.000000: g x=a b.' > build/fuzz/corpus-remote-text/seed-g
	printf 'CPU:1 [LOST 3 EVENTS]' > build/fuzz/corpus-remote-text/seed-lost
	build/fuzz/fuzz_remote_text -max_total_time=$(FUZZ_TIME) -max_len=5000 \
		-print_final_stats=1 build/fuzz/corpus-remote-text

# Every fuzzer for FUZZ_TIME seconds each.
fuzz-all: fuzz fuzz-tracedat fuzz-remote-text

.PHONY: tools fuzz-tracedat fuzz-remote-text fuzz-all
