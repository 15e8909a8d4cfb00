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
# then run it again under AddressSanitizer + UndefinedBehaviorSanitizer (with the fuzzers),
# and the multi-threaded tests once more under ThreadSanitizer.
test: deps
	$(MAKE) test-fast
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

# bench_http.sh needs root (namespaces, a TAP), ab and nginx: run with `make bench` as root,
# or alone with `make bench-http`; bench_packet.sh (AF_PACKET device on a veth) needs root;
# bench_tap.sh (TAP throughput, offloads on/off, vs a veth) needs root, python3, ethtool
# (iperf3 for its reference column)
bench: all
	@for b in $(BUILD)/bin/bench_*; do [ -x "$$b" ] && "$$b"; done; true
	@if [ "$$(id -u)" = 0 ]; then USTACK_BIN=$(BUILD)/bin/ustack bench/bench_http.sh; \
	 else echo "bench_http.sh skipped: needs root"; fi
	@if [ "$$(id -u)" = 0 ]; then USTACK_BIN=$(BUILD)/bin/ustack bench/bench_packet.sh; \
	 else echo "bench_packet.sh skipped: needs root"; fi
	@if [ "$$(id -u)" = 0 ]; then USTACK_BIN=$(BUILD)/bin/ustack QUICK=$(QUICK) bench/bench_tap.sh; \
	 else echo "bench_tap.sh skipped: needs root"; fi

bench-http: all
	USTACK_BIN=$(BUILD)/bin/ustack bench/bench_http.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
