# sdm — BPMN 2.0 workflow engine for sales processes.
# `make` builds build/sdm and build/libsdm.a; `make test` runs every test under
# the sanitizers; `make demo`, `make bench`, `make conformance`, `make fuzz`.

CC      ?= cc
PKGS     = libxml-2.0 sqlite3 lua5.4 jansson libcurl
PKGCFG  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN     = -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-format-truncation -Wstrict-prototypes
CFLAGS  ?= -O2 -g
ALLCF    = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKGCFG) -Iengine
LIBS     = $(PKGLIBS) -lm

# Test build: every assert on, AddressSanitizer and UBSan, no optimisation
# that would hide a bug from them.
TCF      = -std=c11 -D_GNU_SOURCE -DSDM_DEBUG $(WARN) -O1 -g -fno-omit-frame-pointer \
           -fsanitize=address,undefined -fno-sanitize-recover=undefined $(PKGCFG) -Iengine -Itests

LIBSRC   = $(wildcard engine/*.c)
CLISRC   = $(wildcard engine/cli/*.c)
HDRS     = $(wildcard engine/*.h engine/cli/*.h)
LIBOBJ   = $(LIBSRC:engine/%.c=build/obj/%.o)
CLIOBJ   = $(CLISRC:engine/cli/%.c=build/obj/cli/%.o)
TLIBOBJ  = $(LIBSRC:engine/%.c=build/tobj/%.o)
TCLIOBJ  = $(filter-out build/tobj/cli/main.o,$(CLISRC:engine/cli/%.c=build/tobj/cli/%.o))
TESTSRC  = $(wildcard tests/test_*.c)
TESTBIN  = $(TESTSRC:tests/%.c=build/test/%)

.PHONY: all deps test demo bench conformance fuzz clean
all: deps build/sdm

# Installs the Debian packages sdm needs, only when a header is missing.
deps:
	@if ! pkg-config --exists $(PKGS) || [ ! -d /usr/share/zoneinfo/Europe ]; then \
	  echo "sdm: installing build dependencies with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    build-essential pkg-config libxml2-dev libsqlite3-dev liblua5.4-dev \
	    libjansson-dev libcurl4-openssl-dev tzdata >/dev/null; fi

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
build/test/sdm: $(TLIBOBJ) build/tobj/cli/main.o $(TCLIOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(TCF) -o $@ $^ $(LIBS)
build/test/test_%: tests/test_%.c tests/t.h build/test/libsdm.a $(TCLIOBJ)
	$(CC) $(TCF) -o $@ $< $(TCLIOBJ) build/test/libsdm.a $(LIBS)

# Every test binary and every tests/*.sh; tests/run sums their closing lines.
test: deps $(TESTBIN) build/test/sdm build/sdm
	@tests/run $(TESTBIN)

demo: all
	@scripts/demo.sh

bench: all
	@bench/run

conformance: deps build/test/sdm build/sdm
	@tests/conformance/run

clean:
	rm -rf build
