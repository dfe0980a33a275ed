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

# The library, one folder per concept (src/lib/*), under the commands (src/cmd).
LIB_SRCS := $(wildcard src/lib/*/*.c)
CMD_SRCS := $(wildcard src/cmd/*.c)
INCLUDES := $(addprefix -I,$(wildcard src/lib/*)) -Isrc/cmd

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DREMOTECTL_VERSION='"$(VERSION)"' \
	  -DREMOTECTL_BUILD='"$(BUILD_KIND), $(TARGET_CPU)"' $(PKG_CFLAGS) $(INCLUDES) -MMD -MP $(SAN)
LDFLAGS += $(SAN) $(LDSTATIC)
LDLIBS += $(PKG_LIBS) -lpthread

# Object directory; `make unit-asan` builds a second tree with sanitizers in build/asan.
B ?= build
OBJS := $(patsubst src/%.c,$(B)/%.o,$(LIB_SRCS) $(CMD_SRCS))
# What tests and tools link: everything but the front end's main().
LIB_OBJS := $(filter-out $(B)/cmd/remotectl.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CC ?= clang-14
FUZZ_TIME ?= 30

all: remotectl

remotectl: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# build/ may exist without build/unit (made by `make static` first): each its own target.
$(B) $(B)/unit:
	mkdir -p $@

$(B)/unit/%: tests/unit/%.c $(LIB_OBJS) | $(B)/unit
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

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

# The README's test command: every test, host first, then the Linux 7.x guest.
test: deps
	$(MAKE) remotectl
	$(MAKE) check-layout
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) fuzz-replay
	$(MAKE) fuzz-all FUZZ_TIME=5
	tests/bats/run
	$(MAKE) test-vm

test-host: deps
	$(MAKE) remotectl check-layout unit
	tests/bats/run

# The library's layout (docs/hacking.md, "Source map"): each folder's internal header stays in
# the folder, and what a folder gives the others or src/cmd carries its prefix (nm of the
# objects).
check-layout: $(OBJS)
	tests/tools/check_layout $(B)

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

.PHONY: all deps run unit unit-asan test test-host test-vm check-layout static install clean

-include $(OBJS:.o=.d)

# Test programs (drivers used by tests/bats), linked like the unit tests.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(B)/tools/%)

$(B)/tools/%: tests/tools/%.c $(LIB_OBJS) | $(B)
	@mkdir -p $(B)/tools
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The bench's load generator, for tests that need a writer faster than a script.
$(B)/tools/bench_load: bench/load.c | $(B)
	@mkdir -p $(B)/tools
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# remotectl itself with ASan/UBSan, for the damaged-file bats tests (build/asan/remotectl).
$(B)/remotectl: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tools: $(TOOL_BINS) $(B)/tools/bench_load
	$(MAKE) B=build/asan SAN="$(SAN_FLAGS)" build/asan/remotectl

# libFuzzer harnesses: tests/fuzz/fuzz_NAME.c linked with the library, run one after another
# by tests/fuzz/run on the inputs of tests/fuzz/corpus/NAME (seeds, and every input that once
# crashed or leaked). `make fuzz-all FUZZ_TIME=S`: each for S seconds; `make fuzz-replay`: each
# committed input once (part of `make test`); `make fuzz-long`: each to FUZZ_LONG_RUNS inputs
# (or FUZZ_TIME seconds when given), with a table of inputs, inputs/s, coverage and crashes.
FUZZ_NAMES := subbuf tracedat_read tracedat_fmt journal remote_text remote_encode
FUZZ_BINS := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
FUZZ_LONG_RUNS ?= 10000000
# The library once with the fuzzers' instrumentation; every harness links all of it.
FUZZ_OBJS := $(LIB_SRCS:src/%.c=build/fuzz/obj/%.o)
FUZZ_CFLAGS = -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	      -DREMOTECTL_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(INCLUDES) \
	      -fsanitize=address,undefined -fno-sanitize-recover=all

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS) -lpthread
# Kept after linking (a pattern rule's prerequisites would be deleted as intermediate), so
# that changing one source rebuilds one object.
.SECONDARY: $(FUZZ_OBJS)

-include $(FUZZ_OBJS:.o=.d)

fuzz: build/fuzz/fuzz_subbuf
	tests/fuzz/run --time $(FUZZ_TIME) subbuf

fuzz-tracedat: build/fuzz/fuzz_tracedat_read build/fuzz/fuzz_tracedat_fmt
	tests/fuzz/run --time $(FUZZ_TIME) tracedat_read tracedat_fmt

fuzz-remote-text: build/fuzz/fuzz_remote_text build/fuzz/fuzz_remote_encode
	tests/fuzz/run --time $(FUZZ_TIME) remote_text remote_encode

fuzz-all: $(FUZZ_BINS)
	tests/fuzz/run --time $(FUZZ_TIME) $(FUZZ_NAMES)

fuzz-replay: $(FUZZ_BINS)
	tests/fuzz/run --replay $(FUZZ_NAMES)

fuzz-long: $(FUZZ_BINS)
	tests/fuzz/run --runs $(FUZZ_LONG_RUNS) \
		$(if $(filter command line environment,$(origin FUZZ_TIME)),--time $(FUZZ_TIME)) \
		$(FUZZ_NAMES)

# Regenerate the committed seeds (tests/fuzz/tracedat_seeds.c).
fuzz-seeds: build/fuzz/tracedat_seeds
	build/fuzz/tracedat_seeds tests/fuzz/corpus
	python3 tests/tools/dat_zlib.py tests/fuzz/corpus/tracedat_read/seed-v7-zstd.dat \
		tests/fuzz/corpus/tracedat_read/seed-v7-zlib.dat

build/fuzz/tracedat_seeds: tests/fuzz/tracedat_seeds.c $(LIB_OBJS) | $(B)
	@mkdir -p build/fuzz
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: tools fuzz fuzz-tracedat fuzz-remote-text fuzz-all fuzz-replay fuzz-long fuzz-seeds
