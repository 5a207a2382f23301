# sdm — BPMN 2.0 workflow engine for sales processes.
# `make` builds build/sdm and build/libsdm.a; `make test` runs every test under
# the sanitizers; `make demo`, `make bench`, `make conformance`, `make fuzz`.

CC      ?= cc
PKGS     = libxml-2.0 sqlite3 lua5.4 jansson libcurl libmicrohttpd libargon2 nettle
PKGCFG  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN     = -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-format-truncation -Wstrict-prototypes
CFLAGS  ?= -O2 -g
ALLCF    = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKGCFG) -Iengine
LIBS     = $(PKGLIBS) -lm -lpthread

# Test build: every assert on, AddressSanitizer and UBSan, no optimisation
# that would hide a bug from them.
TCF      = -std=c11 -D_GNU_SOURCE -DSDM_DEBUG $(WARN) -O1 -g -fno-omit-frame-pointer \
           -fsanitize=address,undefined -fno-sanitize-recover=undefined $(PKGCFG) -Iengine -Itests

LIBSRC   = $(wildcard engine/*.c)
CLISRC   = $(wildcard engine/cli/*.c engine/server/*.c)
HDRS     = $(wildcard engine/*.h engine/cli/*.h engine/server/*.h)
LIBOBJ   = $(LIBSRC:engine/%.c=build/obj/%.o)
CLIOBJ   = $(CLISRC:engine/%.c=build/obj/%.o)
TLIBOBJ  = $(LIBSRC:engine/%.c=build/tobj/%.o)
TCLIOBJ  = $(CLISRC:engine/%.c=build/tobj/%.o)
TESTSRC  = $(wildcard tests/test_*.c)
TESTBIN  = $(TESTSRC:tests/%.c=build/test/%)

.PHONY: all deps test-deps test demo bench conformance fuzz clean
all: deps build/sdm

# Installs the Debian packages sdm needs, only when a header is missing.
deps:
	@if ! pkg-config --exists $(PKGS) || [ ! -d /usr/share/zoneinfo/Europe ]; then \
	  echo "sdm: installing build dependencies with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    build-essential pkg-config libxml2-dev libsqlite3-dev liblua5.4-dev \
	    libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libargon2-dev nettle-dev tzdata >/dev/null; fi

# What the tests use besides the build: an SMTP sink (python3-aiosmtpd),
# bpmn-moddle for the models (nodejs, npm), the sqlite3 shell.
test-deps: deps
	@need=; /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need="$$need python3 python3-aiosmtpd"; \
	  command -v node >/dev/null || need="$$need nodejs"; \
	  command -v npm >/dev/null || need="$$need npm"; \
	  command -v sqlite3 >/dev/null || need="$$need sqlite3"; \
	  if [ -n "$$need" ]; then echo "sdm: installing test dependencies with apt-get:$$need"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; fi

build/obj/%.o: engine/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCF) -c $< -o $@
build/obj/cli/%.o: engine/cli/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCF) -c $< -o $@
build/libsdm.a: $(LIBOBJ)
	ar rcs $@ $^
build/sdm: $(CLIOBJ) build/libsdm.a
	$(CC) $(CFLAGS) -o $@ $(CLIOBJ) build/libsdm.a $(LIBS)

build/tobj/%.o: engine/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCF) -c $< -o $@
build/tobj/cli/%.o: engine/cli/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCF) -c $< -o $@
build/test/libsdm.a: $(TLIBOBJ)
	@mkdir -p $(dir $@)
	ar rcs $@ $^
build/test/sdm: $(TLIBOBJ) $(TCLIOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(TCF) -o $@ $^ $(LIBS)
build/test/test_%: tests/test_%.c $(wildcard tests/*.h tests/sinks/*.h) build/test/libsdm.a
	$(CC) $(TCF) -o $@ $< build/test/libsdm.a $(LIBS)

# Every test binary and every tests/*.sh; tests/run sums their closing lines.
test: test-deps $(TESTBIN) build/test/sdm build/sdm
	@tests/run $(TESTBIN)

demo: all
	@bash scripts/demo.sh

bench: all
	@bench/run
	@bench/serve.sh

conformance: deps build/test/sdm build/sdm
	@tests/conformance/run

# Coverage-guided fuzzing of the deploy path with libFuzzer (clang), seeded
# with the shared corpus. Not part of `make test`: it runs as long as asked.
FUZZ_SECONDS ?= 60
fuzz: deps
	@mkdir -p build/fuzz/corpus
	clang -g -O1 -std=c11 -D_GNU_SOURCE -DSDM_DEBUG -fsanitize=fuzzer,address,undefined $(PKGCFG) -Iengine \
	  -o build/fuzz/fuzz_deploy tests/fuzz/fuzz_deploy.c $(LIBSRC) $(LIBS)
	@find ../shared/corpus -name '*.bpmn' -size -64k -exec cp {} build/fuzz/corpus/ \; 2>/dev/null || true
	build/fuzz/fuzz_deploy -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 build/fuzz/corpus

clean:
	rm -rf build

include web/web.mk
