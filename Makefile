# sdm — BPMN 2.0 workflow engine for sales processes.
# `make` builds build/sdm and build/libsdm.a; `make test` runs every test under
# the sanitizers; `make demo`, `make bench`, `make conformance`, `make fuzz`,
# `make install`, `make uninstall`, `make deb`.
#
# Fresh machines: the targets people type (all, test, demo, ...) first run
# `deps`, then build in a second make ($(SUB)). That second make reads this
# file after the packages are installed, so PKGCFG/PKGLIBS below are right;
# the first make never compiles anything with them.

CC      ?= cc
PKGS     = libxml-2.0 sqlite3 lua5.4 jansson libcurl libmicrohttpd libargon2 nettle
# libxml2, libcurl and libmicrohttpd are compiled against but not linked:
# xml.c, deliver.c and server/http.c load them with dlopen when first
# needed (engine/lazy.c).
PKGCFG  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS := $(shell pkg-config --libs $(filter-out libxml-2.0 libcurl libmicrohttpd,$(PKGS)) 2>/dev/null)
WARN     = -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-format-truncation -Wstrict-prototypes
CFLAGS  ?= -O2 -g
ALLCF    = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKGCFG) -Iengine
# SQLite, Lua, jansson, libargon2 and nettle link statically (their .a come with the -dev
# packages): each shared library costs every `sdm` call its loading and
# symbol binding, about a third of a short call. A SQLite update needs a rebuild.
LIBS     = -Wl,-Bstatic $(PKGLIBS) -Wl,-Bdynamic -lm -lpthread

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

.PHONY: all deps test-deps test run-tests demo bench conformance interop fuzz fuzz-smoke fuzz-deps clean install uninstall deb docs
SUB      = $(MAKE) --no-print-directory
all: deps
	@$(SUB) build/sdm docs

# Installs the Debian packages sdm needs, only when a header is missing.
deps:
	@if ! pkg-config --exists $(PKGS) || [ ! -d /usr/share/zoneinfo/Europe ]; then \
	  echo "sdm: installing build dependencies with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    build-essential pkg-config libxml2-dev libsqlite3-dev liblua5.4-dev \
	    libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libargon2-dev nettle-dev tzdata >/dev/null; fi

# What the tests use besides the build: an SMTP sink (python3-aiosmtpd),
# bpmn-moddle for the models (nodejs, npm), the sqlite3 shell, chromium and
# pdfinfo (poppler-utils) for the documents' browser test (tests/regdoc.sh).
test-deps: deps
	@need=; /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need="$$need python3 python3-aiosmtpd"; \
	  command -v node >/dev/null || need="$$need nodejs"; \
	  command -v npm >/dev/null || need="$$need npm"; \
	  command -v sqlite3 >/dev/null || need="$$need sqlite3"; \
	  [ -x /usr/bin/chromium ] || need="$$need chromium"; \
	  command -v pdfinfo >/dev/null || need="$$need poppler-utils"; \
	  command -v openssl >/dev/null || need="$$need openssl"; \
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
# test_regdoc reads the BPMN files with libxml2 itself, apart from the engine.
build/test/test_regdoc: LIBS += $(shell pkg-config --libs libxml-2.0 2>/dev/null)

# Every test binary and every tests/*.sh; tests/run sums their closing lines.
test: test-deps
	@$(SUB) run-tests
run-tests: $(TESTBIN) build/test/sdm build/sdm docs
	@tests/run $(TESTBIN)

demo: all
	@bash scripts/demo.sh

# bench/tput.sh first: the throughput figures of issue 17, written to
# docs/BENCH.md (STEPS=N completions per figure; BIG=1000000 adds a store of
# a million clients, ~10 minutes); then the query and server benchmarks.
bench: all
	@bench/tput.sh
	@bench/run
	@bench/serve.sh

conformance: deps
	@$(SUB) build/test/sdm build/sdm
	@tests/conformance/run

# How the MIWG editors' files fare: deployed, lint clean, refused and why,
# per editor (tests/interop/run writes docs/INTEROP.md).
interop: deps
	@$(SUB) build/sdm
	@tests/interop/run

# Coverage-guided fuzzing with libFuzzer (clang): every tests/fuzz/fuzz_*.c
# is a target, linked with the engine built for it (build/fobj); its seeds
# come from tests/fuzz/seeds.sh (the shared corpus and models/; it fails
# when they are missing). `make fuzz` runs each target FUZZ_SECONDS,
# `make fuzz-smoke` each FUZZ_SMOKE_SECONDS (for CI). Not part of `make test`.
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 12
SHARED   ?= ../shared
FUZZSRC   = $(wildcard tests/fuzz/fuzz_*.c)
FUZZBIN   = $(FUZZSRC:tests/fuzz/%.c=build/fuzz/%)
FUZZCF    = -g -O1 -std=c11 -D_GNU_SOURCE -DSDM_DEBUG $(PKGCFG) -Iengine -Iengine/cli
FOBJ      = $(LIBSRC:engine/%.c=build/fobj/%.o)

fuzz-deps: deps
	@command -v clang >/dev/null || { echo "sdm: installing clang for make fuzz"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null; }
build/fobj/%.o: engine/%.c $(HDRS) | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZCF) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FOBJ) $(HDRS) | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZCF) -fsanitize=fuzzer,address,undefined -o $@ $< $(FOBJ) $(LIBS)

# Run each target $(1) seconds on its seeds; the first failure stops.
fuzz_run = set -e; for f in $(FUZZBIN); do t=$${f\#build/fuzz/fuzz_}; rm -rf build/fuzz/corpus_$$t; \
	SHARED=$(SHARED) tests/fuzz/seeds.sh $$t build/fuzz/corpus_$$t; \
	$$f -max_total_time=$(1) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	  -artifact_prefix=build/fuzz/$$t- build/fuzz/corpus_$$t 2>build/fuzz/$$t.log \
	  || { tail -n 40 build/fuzz/$$t.log; echo "fuzz_$$t FAILED (log build/fuzz/$$t.log)"; exit 1; }; \
	echo "fuzz_$$t: ok, $$(grep -o 'Done [0-9]* runs' build/fuzz/$$t.log)"; done

.SECONDARY: $(FOBJ)
fuzz: $(FUZZBIN)
	@$(call fuzz_run,$(FUZZ_SECONDS))
fuzz-smoke: $(FUZZBIN)
	@$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

# The man page and bash completion, generated from the command table.
docs: build/sdm.1 build/sdm.bash
build/sdm.1: build/sdm
	build/sdm --man > $@
build/sdm.bash: build/sdm
	build/sdm --completion > $@

# make install PREFIX=/usr/local DESTDIR=/tmp/pkg; systemd units go to
# $(PREFIX)/lib/systemd/system (systemd looks there for /usr and /usr/local),
# the example sdm.conf to $(DESTDIR)/etc/sdm
# unless one is there already.
PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONF ?= /etc
INSTALLED = $(BINDIR)/sdm $(PREFIX)/lib/libsdm.a $(PREFIX)/include/sdm.h $(PREFIX)/lib/pkgconfig/sdm.pc \
            $(PREFIX)/share/man/man1/sdm.1 $(PREFIX)/share/bash-completion/completions/sdm \
            $(UNITDIR)/sdm-worker.service $(UNITDIR)/sdm-server.service
install: all
	install -D -m 755 build/sdm $(DESTDIR)$(BINDIR)/sdm
	install -D -m 644 build/libsdm.a $(DESTDIR)$(PREFIX)/lib/libsdm.a
	install -D -m 644 engine/sdm.h $(DESTDIR)$(PREFIX)/include/sdm.h
	install -D -m 644 build/sdm.1 $(DESTDIR)$(PREFIX)/share/man/man1/sdm.1
	install -D -m 644 build/sdm.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sdm
	mkdir -p $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(UNITDIR)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES@|$(PKGS)|' \
	  packaging/sdm.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sdm.pc
	for u in sdm-worker sdm-server; do \
	  sed 's|@BINDIR@|$(BINDIR)|' packaging/$$u.service.in > $(DESTDIR)$(UNITDIR)/$$u.service; done
	@if [ -e $(DESTDIR)$(SYSCONF)/sdm/sdm.conf ]; then echo "keeping $(DESTDIR)$(SYSCONF)/sdm/sdm.conf"; \
	  else install -D -m 644 packaging/sdm.conf $(DESTDIR)$(SYSCONF)/sdm/sdm.conf; fi
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@echo "kept $(DESTDIR)$(SYSCONF)/sdm/sdm.conf (settings are yours)"

# A Debian package of the same tree (dpkg-deb), in build/.
VERSION  = $(shell sed -n 's/^\#define SDM_VERSION "\(.*\)"/\1/p' engine/sdm.h)
DEBARCH  = $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
deb: all
	rm -rf build/deb
	$(SUB) install PREFIX=/usr DESTDIR=$(CURDIR)/build/deb
	mkdir -p build/deb/DEBIAN
	printf '%s\n' "Package: sdm" "Version: $(VERSION)" "Architecture: $(DEBARCH)" "Maintainer: sdm <sdm@localhost>" \
	  "Depends: libxml2, libsqlite3-0, liblua5.4-0, libjansson4, libcurl4, tzdata" "Section: misc" "Priority: optional" \
	  "Description: BPMN 2.0 workflow engine that runs a sales department" > build/deb/DEBIAN/control
	echo /etc/sdm/sdm.conf > build/deb/DEBIAN/conffiles
	dpkg-deb --root-owner-group --build build/deb build/sdm_$(VERSION)_$(DEBARCH).deb

clean:
	rm -rf build

include web/web.mk
