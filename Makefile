# ustack - the two commands: `make demo` and `make test`. Everything else is CMake + CTest.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=
PREFIX     ?= /usr/local

.PHONY: all configure demo test test-fast test-asan test-tsan deps clean bench bench-http install package

all: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

# The in-process walkthrough: no root, no network.
demo: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS) --target ustack
	./$(BUILD)/bin/ustack demo

# Install what the tests need (only what is missing), build, run the suite,
# run every benchmark once in its QUICK form (so none of them rots; no figure is checked),
# then run the suite again under AddressSanitizer + UndefinedBehaviorSanitizer (with the fuzzers),
# and the multi-threaded tests once more under ThreadSanitizer.
test: deps
	$(MAKE) test-fast
	$(MAKE) bench QUICK=1
	$(MAKE) test-asan
	$(MAKE) test-tsan

# Configure again before the suite: build/ may have been configured by `make demo`
# before `make deps` installed cmocka, and only a new configure finds it (the suite
# fails, naming it, if it is still missing).
test-fast: configure
	cmake --build $(BUILD) -j$(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) $(CTEST_ARGS)

test-asan:
	CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DUSTACK_SANITIZE=ON -DUSTACK_FUZZ=ON
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j$(JOBS) $(CTEST_ARGS)

TSAN_BUILD ?= build-tsan
test-tsan:
	CC=clang cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUSTACK_TSAN=ON -DUSTACK_INTEROP=OFF
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir $(TSAN_BUILD) --output-on-failure -j$(JOBS) -L threads

configure:
	cmake -S . -B $(BUILD)

# Headers, libraries, the ustack command, ustack.pc and the CMake package under
# $(PREFIX) (DESTDIR=... for staging).
install: all
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# A Debian package of the same (build/ustack_VERSION_ARCH.deb).
package: all
	cd $(BUILD) && cpack -G DEB

deps:
	@scripts/install-deps.sh

# `make bench`: every bench/ program and script, each printing its table with ratios.
# The scripts need root: bench_http.sh (namespaces, a TAP, ab, nginx), bench_packet.sh
# (the AF_PACKET device on a veth), bench_xdp.sh (the AF_XDP device beside it and a veth),
# bench_tap.sh (TAP throughput, offloads on/off, vs a veth; python3, ethtool, iperf3),
# bench_loss.sh and bench_fair.sh (bench/relay between veths, TAPs, ethtool).
# QUICK=1: small sizes, one run each, every bench bounded by `timeout`; a bench that
# crashes or cannot run fails the target (a poor figure never does). `make test` runs it.
QUICK ?=
BENCH_ENV = $(if $(QUICK),QUICK=1 BENCH_QUICK=1 BENCH_RUNS=1 BENCH_N=2000 BENCH_CONC="1 50",)
BENCH_TMO = $(if $(QUICK),timeout -k 5 150,)
BENCH_SCRIPTS = bench/bench_http.sh bench/bench_packet.sh bench/bench_xdp.sh bench/bench_tap.sh \
		bench/bench_loss.sh bench/bench_fair.sh
bench: all
	@rc=0; \
	for b in $(BUILD)/bin/bench_*; do \
	  [ -x "$$b" ] || continue; \
	  $(BENCH_ENV) $(BENCH_TMO) "$$b" || { echo "make bench: $$b failed (status $$?)"; rc=1; }; \
	done; \
	if [ "$$(id -u)" = 0 ]; then \
	  for s in $(BENCH_SCRIPTS); do \
	    $(BENCH_ENV) USTACK_BIN=$(BUILD)/bin/ustack $(BENCH_TMO) $$s || \
	      { echo "make bench: $$s failed (status $$?)"; rc=1; }; \
	  done; \
	else echo "$(BENCH_SCRIPTS) skipped: they need root"; fi; \
	if [ -n "$(QUICK)" ]; then exit $$rc; fi

bench-http: all
	USTACK_BIN=$(BUILD)/bin/ustack bench/bench_http.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
