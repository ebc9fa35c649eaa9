# suiji: provably fair random inspections (双随机、一公开).
#
#   make            build every binary into build/
#   make test       install missing packages, build with ASan+UBSan, run all tests
#   make demo       install missing packages, run the whole cycle on embedded defaults
#   make run        install missing packages, run the daemon on embedded defaults (./var)
#   make bench      benchmarks, figures beside their baselines
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each (default 60)
#   make valgrind   the unit tests and the failing allocator under valgrind
#   make install    PREFIX=/usr/local DESTDIR=
#
# V=1 shows full commands.

CC       ?= cc
PKGS     := libsodium libuv libprotobuf-c sqlite3 libcjson
BUILD    ?= build
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
UNITDIR  ?= $(PREFIX)/lib/systemd/system
FUZZ_SECONDS ?= 60

WARN     := -Wall -Wextra -Werror -Wshadow -Wconversion -Wstrict-prototypes -Wmissing-prototypes -Wvla
OPT      ?= -O2 -g
SAN      ?=
CPPFLAGS += -I. -I$(BUILD)/gen -D_DEFAULT_SOURCE
CFLAGS   += -std=c11 $(WARN) $(OPT) $(SAN) -MMD -MP
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   += $(PKG_LIBS)
# Only the witness links h2o (its HTTP server, on libuv) and only the daemon
# links libcurl (its witness client): the verifier links neither.
H2O_CFLAGS := $(shell pkg-config --cflags libh2o 2>/dev/null)
H2O_LIBS   := $(shell pkg-config --libs libh2o 2>/dev/null) -lssl -lcrypto
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null)

ifeq ($(V),1)
Q :=
else
Q := @
endif

PROTOS    := $(sort $(wildcard proto/*.proto))
PROTO_C   := $(PROTOS:%.proto=$(BUILD)/gen/%.pb-c.c)
PROTO_H   := $(PROTOS:%.proto=$(BUILD)/gen/%.pb-c.h)

# The sources by layer (docs/architecture.md); each folder is one layer and
# includes only the layers below it (make lint checks the directions).
COMMON_SRCS := common/err.c common/util.c common/pbuf.c common/utf8.c common/hmap.c
# The log alone: entries, the Merkle tree, signed notes, checkpoints, proofs,
# export. It knows nothing of what the entries mean.
LEDGER_SRCS := ledger/entry.c ledger/merkle.c ledger/note.c ledger/checkpoint.c ledger/proof.c \
	ledger/export.c ledger/vkeyfile.c ledger/storedb.c ledger/witcheck.c
# The draw derivation and beacon checking are pure code shared by the daemon
# (which enforces) and the verifier (which re-checks); the beacon service's
# own files (main.c, serve.c) sign rounds and stay out of the verifier.
DRAW_SRCS   := $(sort $(wildcard draw/*.c))
BEACON_SRCS := $(sort $(filter-out beacon/main.c beacon/serve.c,$(wildcard beacon/*.c)))
BEACON_BIN_SRCS := $(wildcard beacon/main.c beacon/serve.c)
# Results, deadlines, publication (R15-R17): pure code.
RESULTS_SRCS := $(sort $(wildcard results/*.c))
# Directories and bulk import (两库一单, R1-R3): pure code.
DIR_SRCS    := $(sort $(wildcard dir/*.c))
# The rules every entry must keep, replayed in ledger order by the store
# before it appends and by the verifier (rules/replay.h). rules/storeops.c
# opens the store with them, so it goes with the store in SIGN_SRCS.
RULES_SRCS  := $(sort $(filter-out rules/storeops.c,$(wildcard rules/*.c)))
# Code that reads and checks: linked by every binary, the verifier included.
VERIFY_SRCS := $(COMMON_SRCS) $(LEDGER_SRCS) $(DRAW_SRCS) $(BEACON_SRCS) $(RESULTS_SRCS) \
	$(DIR_SRCS) $(RULES_SRCS)
# Code that holds keys and writes: never linked by the verifier.
SIGN_SRCS   := ledger/note_sign.c ledger/keyfile.c ledger/store.c ledger/store_checkpoint.c \
	rules/storeops.c
# What daemon and client share: the secure channel, frames, request specs.
WIRE_SRCS   := $(sort $(wildcard wire/*.c))
VERIFIER_SRCS := verifier/verify.c verifier/witnessed.c verifier/proofcmd.c verifier/publiccmd.c \
	verifier/compliance.c verifier/drawfindings.c verifier/site.c verifier/main.c
DAEMON_SRCS := daemon/main.c daemon/cmdutil.c daemon/drawcmd.c daemon/dircmd.c daemon/plancmd.c \
	daemon/resultcmd.c daemon/factcmd.c
# The witness (suiji-witness): C2SP tlog-witness over HTTP (h2o on libuv).
WITNESS_SRCS := $(sort $(wildcard witness/*.c))
# The daemon's side of a draw: seed custody, the entries, task draws.
DRAWOP_SRCS := daemon/drawop.c daemon/drawtask.c daemon/drawsub.c daemon/drawrecheck.c
# The daemon's parts below main, linked by the daemon and the tests.
DAEMON_LIB_SRCS := daemon/rpc.c daemon/server.c daemon/reveal.c daemon/autockpt.c daemon/autopush.c daemon/conn.c \
	daemon/config.c daemon/log.c daemon/witnesspush.c $(WIRE_SRCS)
CLIENT_SRCS := client/main.c client/cli.c client/keys.c client/readcmd.c client/admincmd.c \
	client/drawcmd.c client/plancmd.c client/factcmd.c client/rpc.c client/pubvalues.c $(WIRE_SRCS)
TEST_SRCS   := $(sort $(wildcard tests/test_*.c)) tests/harness.c tests/fixture.c tests/daemon.c tests/city.c \
	verifier/verify.c verifier/witnessed.c
# The kill-under-load test drives the daemon with the client library.
TEST_SRCS   += client/rpc.c

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
PROTO_OBJS := $(PROTO_C:.c=.o)

BINS := $(BUILD)/suijid $(BUILD)/suiji $(BUILD)/suiji-verify \
	$(if $(BEACON_BIN_SRCS),$(BUILD)/suiji-beacon) $(BUILD)/suiji-witness

all: $(BINS) verify-only

$(BUILD)/gen/proto/%.pb-c.c $(BUILD)/gen/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(dir $@)
	@echo "  PROTOC  $<"
	$(Q)protoc-c --c_out=$(BUILD)/gen $<

# Generated code is compiled without -Wshadow and friends: it is not ours to edit.
$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 -Wall -Werror $(OPT) $(SAN) -c $< -o $@

$(BUILD)/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/witness/%.o: CFLAGS += $(H2O_CFLAGS)
$(BUILD)/daemon/witnesspush.o: CFLAGS += $(CURL_CFLAGS)

$(BUILD)/suiji-witness: $(call obj,$(WITNESS_SRCS) $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(H2O_LIBS) $(LDLIBS) -o $@

$(BUILD)/suiji-verify: $(call obj,$(VERIFIER_SRCS) $(VERIFY_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/suijid: $(call obj,$(DAEMON_SRCS) $(DRAWOP_SRCS) $(DAEMON_LIB_SRCS) $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(CURL_LIBS) $(LDLIBS) -o $@

$(BUILD)/suiji: $(call obj,$(CLIENT_SRCS) $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/suiji-beacon: $(call obj,$(BEACON_BIN_SRCS) $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/unit-tests: $(call obj,$(TEST_SRCS) $(DRAWOP_SRCS) $(DAEMON_LIB_SRCS) $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(CURL_LIBS) $(LDLIBS) -o $@

# The verifier must not be able to sign: no libsodium signing or key
# generation symbol may be linked into it (as signify's VERIFYONLY build).
verify-only: $(BUILD)/suiji-verify
	$(Q)if nm -u $< | grep -E 'crypto_sign_(detached|seed_keypair|keypair|ed25519_sk|init|final_create)\b|crypto_sign$$'; then \
		echo "suiji-verify links signing code" >&2; exit 1; fi

deps:
	$(Q)sh scripts/deps.sh

# Static analysis. First the layers: every #include between folders goes
# in an allowed direction (scripts/layers.sh, docs/architecture.md).
# Then cppcheck. Suppressed, with reasons: missingIncludeSystem (cppcheck
# need not read libc's headers); duplicateAssignExpression (two cursors that
# start at the same offset on purpose, draw/objects.c); syntaxError in
# rules/filter.c (cppcheck reads its variable named and as the iso646
# operator; the suppression goes when the variable is renamed).
LINT_DIRS := common ledger rules wire verifier daemon client draw beacon dir results witness
lint: $(PROTO_H)
	$(Q)sh scripts/layers.sh
	@echo "  LINT    layers: every include between folders goes an allowed way"
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 -I. \
		-I$(BUILD)/gen --suppress=missingIncludeSystem --suppress=duplicateAssignExpression \
		--suppress=syntaxError:rules/filter.c $(LINT_DIRS)
	@echo "  LINT    cppcheck: no findings"

# The portal's JavaScript (portal/js) against the same golden
# vectors and known answers as the C code, in plain Node >= 18: a second,
# independent implementation of docs/draw-spec.md. With JS_LOG=FILE the run
# goes to FILE and only failures and the summary are printed (make test).
JS_LOG ?=
js-test: deps
	$(Q)log="$(JS_LOG)"; if [ -z "$$log" ]; then node tests/js/run.mjs; else \
		mkdir -p "$$(dirname "$$log")"; node tests/js/run.mjs >"$$log" 2>&1; rc=$$?; \
		grep -E '^(FAIL|skip)' "$$log"; echo "  JS      portal/js: $$(tail -1 "$$log") ($$log)"; \
		exit $$rc; fi

# The portal in a real browser (tests/browser/run.mjs, docs/portal.md): a
# fixture city built with the real binaries, its site served on 127.0.0.1,
# Debian's chromium driven headless by playwright-core. Screenshots stay in
# build/browser. With BROWSER_LOG=FILE the run goes to FILE and only
# failures and the summary are printed (make test).
BROWSER_LOG ?=
browser-test: deps
	$(Q)sh scripts/deps.sh --browser
	$(Q)$(MAKE) -s --no-print-directory all $(BUILD)/suiji-democity
	$(Q)log="$(BROWSER_LOG)"; if [ -z "$$log" ]; then node tests/browser/run.mjs $(BUILD); else \
		mkdir -p "$$(dirname "$$log")"; node tests/browser/run.mjs $(BUILD) >"$$log" 2>&1; rc=$$?; \
		grep -E '^FAIL' "$$log"; echo "  BROWSER portal: $$(tail -1 "$$log") ($$log; screenshots in build/browser)"; \
		exit $$rc; fi
.PHONY: browser-test

# make test runs each fuzz target briefly (FUZZ_SMOKE seconds) before the
# unit tests, so the runner's summary stays the last line.
FUZZ_SMOKE ?= 3
test: deps
	$(Q)$(MAKE) -s --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE)
	$(Q)$(MAKE) -s --no-print-directory lint
	$(Q)$(MAKE) -s --no-print-directory js-test JS_LOG=build/js-test.log
	$(Q)$(MAKE) -s --no-print-directory browser-test BROWSER_LOG=build/browser/run.log
	$(Q)$(MAKE) -s --no-print-directory BUILD=build/vg OPT="-O1 -g" build/vg/suiji-failalloc
	$(Q)build/vg/suiji-failalloc
	$(Q)$(MAKE) -s --no-print-directory valgrind \
		VALGRIND_TESTS="$(if $(filter full,$(VALGRIND)),,$(VALGRIND_SUBSET))"
	$(Q)$(MAKE) -s --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		$(BINS:$(BUILD)/%=build/asan/%) build/asan/suiji-democity build/asan/unit-tests
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		SUIJI_BIN=build/asan build/asan/unit-tests

demo: deps
	$(Q)$(MAKE) -s --no-print-directory all $(BUILD)/suiji-democity
	$(Q)sh scripts/demo.sh $(BUILD)

run: deps
	$(Q)$(MAKE) -s --no-print-directory all
	$(Q)sh scripts/run.sh $(BUILD)

bench: deps
	$(Q)$(MAKE) -s --no-print-directory BUILD=build/bench OPT="-O2 -g -DNDEBUG" \
		build/bench/suiji-bench build/bench/suiji-bench-draw build/bench/suijid \
		build/bench/suiji-bench-rpc build/bench/suiji-bench-abuse \
		build/bench/suiji-bench-import
	$(Q)build/bench/suiji-bench
	$(Q)build/bench/suiji-bench-draw
	$(Q)SUIJID=build/bench/suijid build/bench/suiji-bench-rpc
	$(Q)SUIJID=build/bench/suijid build/bench/suiji-bench-abuse
	$(Q)build/bench/suiji-bench-import
	$(Q)sh scripts/deps.sh --browser
	$(Q)$(MAKE) -s --no-print-directory BUILD=build/bench OPT="-O2 -g -DNDEBUG" \
		build/bench/suiji-verify build/bench/suiji build/bench/suiji-democity
	$(Q)node bench/portal.mjs build/bench

$(BUILD)/suiji-bench: $(call obj,bench/bench.c bench/report.c verifier/verify.c verifier/witnessed.c $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/suiji-bench-draw: $(call obj,bench/bench_draw.c $(VERIFY_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/suiji-bench-rpc: $(call obj,bench/bench_rpc.c wire/channel.c wire/frame.c $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/suiji-bench-abuse: $(call obj,bench/bench_abuse.c bench/abuse_conn.c wire/channel.c wire/frame.c $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/suiji-bench-import: $(call obj,bench/bench_import.c $(DIR_SRCS) common/err.c common/util.c common/utf8.c)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# The sample city of make demo (directory files); not installed.
$(BUILD)/suiji-democity: $(call obj,scripts/democity.c $(DIR_SRCS) common/err.c common/util.c common/utf8.c)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# The failing allocator (tests/failalloc.c) is a program of its own, built
# without sanitizers: it replaces malloc for the whole process.
# -rdynamic: it names the functions where an allocation failed (dladdr).
$(BUILD)/suiji-failalloc: $(call obj,tests/failalloc.c tests/fixture.c verifier/verify.c verifier/witnessed.c $(VERIFY_SRCS) $(SIGN_SRCS)) $(PROTO_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -rdynamic $^ $(LDLIBS) -o $@

# make valgrind: every unit test, and the failing allocator at every 25th
# allocation, under valgrind's memcheck, from a build without sanitizers
# (build/vg, which the failing allocator's run in make test shares). Any
# error or leak fails it, in the runner or in a process it forks (each
# writes its own log). VALGRIND_TESTS names a subset (the runner's filter
# words); make test runs VALGRIND_SUBSET, or everything with VALGRIND=full.
# The binaries the tests start run natively (no --trace-children): the
# daemon's own paths are covered by ASan in make test.
VALGRIND_TESTS ?=
VALGRIND_SUBSET := store_ tamper_ checkpoint_ note_ proof_ config_ channel_ frame_ dir_ plans_ \
	rpc_every rpc_mutation rpc_bad rpc_revoked drawledger_cycle drawledger_sealed \
	drawledger_rogue fault_ server_garbage server_handshake
VALGRIND_FLAGS := --quiet --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
valgrind: deps
	$(Q)$(MAKE) -s --no-print-directory BUILD=build/vg OPT="-O1 -g" \
		$(BINS:$(BUILD)/%=build/vg/%) build/vg/suiji-democity build/vg/unit-tests \
		build/vg/suiji-failalloc
	$(Q)rm -f build/vg/memcheck.*.log
	$(Q)SUIJI_FAILALLOC_STRIDE=25 valgrind $(VALGRIND_FLAGS) \
		--soname-synonyms=somalloc=nouserintercepts build/vg/suiji-failalloc
	$(Q)SUIJI_BIN=build/vg valgrind $(VALGRIND_FLAGS) --log-file=build/vg/memcheck.%p.log \
		build/vg/unit-tests $(VALGRIND_TESTS) >build/vg/unit-tests.log 2>&1; rc=$$?; \
		echo "  VALGRIND unit tests: $$(tail -1 build/vg/unit-tests.log)"; \
		if cat build/vg/memcheck.*.log | grep -q .; then cat build/vg/memcheck.*.log; rc=1; fi; \
		if [ $$rc -ne 0 ]; then grep -E '^FAIL|^    at ' build/vg/unit-tests.log; \
		echo "  VALGRIND FAILED (build/vg/unit-tests.log, build/vg/memcheck.*.log)"; exit 1; fi

FUZZ_TARGETS := $(basename $(notdir $(wildcard fuzz/fuzz_*.c)))
# The channel's fuzz target drives the daemon side of a handshake, which
# loads the daemon's key, and the RPC target drives the request table over a
# real store: they link the channel, the request table, the store and the
# signing code too.
FUZZ_EXTRA_SRCS := $(WIRE_SRCS) daemon/rpc.c ledger/note_sign.c ledger/keyfile.c ledger/store.c \
	ledger/store_checkpoint.c rules/storeops.c
# The config, plan-spec and draw-spec targets drive the daemon's own parsers.
FUZZ_EXTRA_SRCS += daemon/config.c daemon/log.c
# The witness's add-checkpoint target drives its request handler and state.
FUZZ_EXTRA_SRCS += witness/addckpt.c witness/state.c
# Each target starts from its committed seed corpus (fuzz/corpus/NAME) and
# keeps what it finds in build/fuzz, never in the committed corpus. The
# code under test is compiled once for all targets (with the project's
# warnings, by clang), and each target only links it.
fuzz:
	$(Q)sh scripts/deps.sh --fuzz
	$(Q)$(MAKE) -s --no-print-directory BUILD=build/fuzz CC=clang OPT="-O1 -g" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined" $(PROTO_OBJS:build/%=build/fuzz/%) \
		$(patsubst %.c,build/fuzz/%.o,$(VERIFY_SRCS) $(FUZZ_EXTRA_SRCS))
	$(Q)for t in $(FUZZ_TARGETS); do \
		clang -std=c11 -I. -Ibuild/fuzz/gen -D_DEFAULT_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
			fuzz/$$t.c $(patsubst %.c,build/fuzz/%.o,$(VERIFY_SRCS) $(FUZZ_EXTRA_SRCS)) \
			build/fuzz/gen/proto/*.pb-c.o $(PKG_CFLAGS) $(LDLIBS) -o build/fuzz/$$t || exit 2; \
		mkdir -p build/fuzz/corpus-$$t; \
		if build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz/corpus-$$t \
			fuzz/corpus/$${t#fuzz_} >build/fuzz/$$t.log 2>&1; then \
			echo "  FUZZ    $$t: $$(grep -o 'Done [0-9]* runs' build/fuzz/$$t.log) in $(FUZZ_SECONDS)s, no crash"; \
		else tail -40 build/fuzz/$$t.log; echo "  FUZZ    $$t FAILED (log: build/fuzz/$$t.log)"; exit 1; fi; \
	done

# The verifier finds the portal's files (docs/portal.md) where install puts them.
$(BUILD)/verifier/main.o: CFLAGS += -DSUIJI_PORTAL_DIR='"$(PREFIX)/share/suiji/portal"'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(PREFIX)/share/suiji/calendar
	install -m 0644 results/calendar/cn-*.txt $(DESTDIR)$(PREFIX)/share/suiji/calendar/
	cd portal && find . -type f ! -name '*.md' ! -name package.json | while read f; do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/suiji/portal/$$f" || exit 1; done
	for u in dist/*.service dist/*.timer; do \
		sed 's|@BINDIR@|$(BINDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; done

clean:
	rm -rf build

.PHONY: all test demo run lint bench fuzz install clean deps verify-only valgrind js-test
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
