# remotectl build. `make` builds ./remotectl; `make test` runs every test; see README.md.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions

CC ?= cc
PKGS = libtracefs libtraceevent libzstd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
VERSION := $(shell cat VERSION)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DREMOTECTL_VERSION='"$(VERSION)"' \
	  $(PKG_CFLAGS) -MMD -MP
LDLIBS += $(PKG_LIBS) -lpthread

SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:src/%.c=build/%.o)
LIB_OBJS := $(filter-out build/remotectl.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/unit/%)

all: remotectl

remotectl: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/%.o: src/%.c | build
	$(CC) $(CFLAGS) -c -o $@ $<

build:
	mkdir -p build/unit

build/unit/%: tests/unit/%.c $(LIB_OBJS) | build
	$(CC) $(CFLAGS) -Isrc -o $@ $^ $(LDLIBS)

deps:
	scripts/deps build test

# The README's run command: set up, build, and run the main job on this machine.
run: deps
	$(MAKE) remotectl
	./remotectl list

unit: $(UNIT_BINS)
	@tests/unit/run $(UNIT_BINS)

# The README's test command: every test, host first, then the Linux 7.x guest.
test: deps
	$(MAKE) remotectl
	$(MAKE) unit
	tests/bats/run
	$(MAKE) test-vm

test-host: deps
	$(MAKE) remotectl unit
	tests/bats/run

test-vm:
	@if [ -x tests/vm/test ]; then tests/vm/test; else echo "test-vm: no VM suite yet"; fi

install: remotectl
	install -D -m 0755 remotectl $(DESTDIR)$(BINDIR)/remotectl
	install -D -m 0644 man/remotectl.1 $(DESTDIR)$(MANDIR)/remotectl.1
	install -D -m 0644 completions/remotectl.bash $(DESTDIR)$(BASHCOMPDIR)/remotectl
	install -D -m 0644 completions/_remotectl $(DESTDIR)$(ZSHCOMPDIR)/_remotectl

clean:
	rm -rf build remotectl

.PHONY: all deps run unit test test-host test-vm install clean

-include $(OBJS:.o=.d)

# Test programs (drivers used by tests/bats), linked like the unit tests.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=build/tools/%)

build/tools/%: tests/tools/%.c $(LIB_OBJS) | build
	@mkdir -p build/tools
	$(CC) $(CFLAGS) -Isrc -o $@ $^ $(LDLIBS)

tools: $(TOOL_BINS)

.PHONY: tools

# The same programs built with ASan/UBSan (untrusted-input paths: the trace.dat reader).
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_CFLAGS = $(filter-out -MMD -MP,$(CFLAGS)) $(SAN_FLAGS)
LIB_SRCS := $(filter-out src/remotectl.c,$(SRCS))
SAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/asan/%)

build/asan/remotectl: $(SRCS) $(wildcard src/*.h)
	@mkdir -p build/asan
	$(CC) $(SAN_CFLAGS) -o $@ $(SRCS) $(LDLIBS)

build/asan/test_%: tests/unit/test_%.c $(LIB_SRCS) $(wildcard src/*.h)
	@mkdir -p build/asan
	$(CC) $(SAN_CFLAGS) -Isrc -o $@ $< $(LIB_SRCS) $(LDLIBS)

unit-asan: build/asan/remotectl $(SAN_UNIT_BINS)
	@tests/unit/run $(SAN_UNIT_BINS)

.PHONY: unit-asan

# libFuzzer harness for the trace.dat reader (clang); runs FUZZ_TIME seconds from a small
# seed corpus written by the unit-test generator.
FUZZ_CC ?= clang-14
FUZZ_TIME ?= 60
FUZZ_SRCS := src/tracedat_read.c src/tracedat_read_opts.c src/tracedat_iter.c \
	     src/tracedat_events.c src/tracedat_journal.c src/tracedat_buf.c src/util.c

build/fuzz/fuzz_tracedat_read: tests/fuzz/fuzz_tracedat_read.c $(FUZZ_SRCS) $(wildcard src/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) -g -O1 -D_GNU_SOURCE -DREMOTECTL_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -Isrc \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_SRCS) $(PKG_LIBS)

fuzz: build/fuzz/fuzz_tracedat_read build/unit/test_tracedat_roundtrip
	@mkdir -p build/fuzz/corpus
	TRACEDAT_SEED_DIR=build/fuzz/corpus build/unit/test_tracedat_roundtrip >/dev/null
	build/fuzz/fuzz_tracedat_read -max_total_time=$(FUZZ_TIME) -max_len=262144 \
		-rss_limit_mb=2048 build/fuzz/corpus

.PHONY: fuzz
