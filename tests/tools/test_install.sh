#!/usr/bin/env bash
# ustack as a package: `cmake --install` of the build under test into a temporary prefix,
# then a small downstream program built and run against it every way an application
# would take it:
#   1. pkg-config (ustack.pc): with libustack.so, and with libustack.a
#   2. find_package(ustack CONFIG): ustack::ustack and ustack::ustack_static
#   3. the source tree inside the application's own build: add_subdirectory, and
#      FetchContent from a tarball URL (file://, no network)
# The program defines csum() and timer_init() of its own (names ustack uses inside), so
# a static library that leaks internal symbols fails to link; it fails to compile if
# ustack's private headers (src/) reach its include path; it checks <ustack/version.h>
# against ustack_version(). Everything lives under one temporary directory, removed on exit.
# It builds ustack twice more (as a subproject), which on a loaded machine takes minutes:
# ctest-timeout: 900
set -euo pipefail
for tool in cmake pkg-config objdump tar timeout; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (Debian: cmake, pkg-config, binutils, tar, coreutils)"; exit 1; }
done
src=$USTACK_SRC
build=$USTACK_BUILD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
step() { echo "--- $*"; }
fail() { echo "FAIL: $*"; exit 1; }
# run a command (bounded), showing its output only when it fails
quiet() {
	timeout 400 "$@" >"$tmp/out.log" 2>&1 || { cat "$tmp/out.log"; return 1; }
}

# The build under test may be sanitized: then the application links with the same
# compiler and sanitizer flags, as any program linking that library would have to.
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
CC=$(cache CMAKE_C_COMPILER)
[ -x "$CC" ] || fail "the build's compiler '$CC' is not there"
san=""
[ "$(cache USTACK_SANITIZE)" = ON ] && san="-fsanitize=address,undefined"
[ "$(cache USTACK_TSAN)" = ON ] && san="-fsanitize=thread"
export CC
CFLAGS="-std=c11 -Wall -Wextra -Werror $san"

step "cmake --install $build --prefix $prefix"
quiet cmake --install "$build" --prefix "$prefix" || fail "cmake --install"
for f in include/ustack/ustack.h include/ustack/socket.h include/ustack/version.h bin/ustack; do
	[ -f "$prefix/$f" ] || fail "$f not installed"
done
libdir=$(dirname "$(find "$prefix" -name libustack.a | head -1)")
[ -f "$libdir/libustack.a" ] || fail "libustack.a not installed"
soname=$(objdump -p "$libdir/libustack.so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libustack.so.$(sed -n 's/^#define USTACK_VERSION_MAJOR //p' "$prefix/include/ustack/version.h")" ] ||
	fail "libustack.so's soname is '$soname', not libustack.so.MAJOR"
[ -f "$libdir/pkgconfig/ustack.pc" ] || fail "ustack.pc not installed"
[ -f "$libdir/cmake/ustack/ustackConfig.cmake" ] || fail "ustackConfig.cmake not installed"
"$prefix/bin/ustack" --help >/dev/null 2>&1 || fail "the installed ustack command does not run"

mkdir -p "$tmp/app"
cat >"$tmp/app/downstream.c" <<'EOF'
/* An application of ustack's: checks the version, then sends a UDP datagram to itself
 * over a loopback interface on a virtual clock. It defines csum() and timer_init() of
 * its own, names that ustack uses inside: only ustack_* may come from the library. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <ustack/ustack.h>
#include <ustack/dev.h>
#include <ustack/socket.h>
#include <ustack/version.h>
#if defined(__has_include)
#if __has_include(<core/stack.h>) || __has_include("core/stack.h")
#error "ustack's private headers (src/) are on the include path"
#endif
#endif

int csum(void) { return 1; }
int timer_init(void) { return 2; }

int main(void)
{
	struct ustack *st = ustack_new(NULL);
	struct in_addr lo = { htonl(INADDR_LOOPBACK) };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr = lo };
	char buf[16] = "";
	int fd;

	if (strcmp(ustack_version(), USTACK_VERSION_STRING) != 0 || !st ||
	    ustack_if_add(st, ustack_loopback_new(), lo, 8) < 0 ||
	    (fd = ustack_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0 ||
	    ustack_bind(st, fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    ustack_sendto(st, fd, "ping", 4, 0, (struct sockaddr *)&sa, sizeof sa) != 4)
		return 1;
	for (uint64_t t = 1; t < 100 && ustack_recv(st, fd, buf, sizeof buf - 1, 0) < 0; t++)
		ustack_step(st, t * 1000);
	printf("ustack %s (headers %d.%d.%d): got \"%s\" back\n", ustack_version(),
	       USTACK_VERSION_MAJOR, USTACK_VERSION_MINOR, USTACK_VERSION_PATCH, buf);
	ustack_close(st, fd);
	ustack_free(st);
	return strcmp(buf, "ping") != 0 || csum() + timer_init() != 3;
}
EOF
# runs one built application; it must print the datagram it got back
runs() {
	local exe=$1 out
	out=$(timeout 30 "$exe" 2>&1) || fail "$exe failed: $out"
	case "$out" in *'got "ping" back'*) echo "  $(basename "$exe"): $out" ;;
	*) fail "$exe printed: $out" ;; esac
}
# the application is linked to libustack.so.MAJOR (not the static library)
# (whole outputs into variables first: a grep -q that stops reading early would leave a
# SIGPIPE for pipefail to report)
dynamic() {
	local n
	n=$(objdump -p "$1" | awk '$1 == "NEEDED" { print $2 }')
	grep -qx 'libustack\.so\.[0-9]*' <<<"$n" || fail "$1 is not linked to libustack.so.MAJOR"
}
static() {
	local n
	n=$(objdump -p "$1" | awk '$1 == "NEEDED" { print $2 }')
	! grep -q libustack <<<"$n" || fail "$1 needs libustack.so"
}

step "1. pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion ustack)" = "$(sed -n 's/^#define USTACK_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/ustack/version.h")" ] ||
	fail "pkg-config --modversion ustack does not match version.h"
# shellcheck disable=SC2046,SC2086
quiet "$CC" $CFLAGS "$tmp/app/downstream.c" $(pkg-config --cflags --libs ustack) \
	-Wl,-rpath,"$libdir" -o "$tmp/app/pc_shared" || fail "pkg-config build (shared)"
dynamic "$tmp/app/pc_shared"
runs "$tmp/app/pc_shared"
# shellcheck disable=SC2046,SC2086
quiet "$CC" $CFLAGS "$tmp/app/downstream.c" $(pkg-config --cflags ustack) \
	$(pkg-config --static --libs ustack | sed 's/-lustack\b/-l:libustack.a/') \
	-o "$tmp/app/pc_static" || fail "pkg-config build (static)"
static "$tmp/app/pc_static"
runs "$tmp/app/pc_static"

# a CMake project around the program; $1: how it gets ustack
cmake_app() {
	local dir=$1 how=$2
	mkdir -p "$dir"
	cp "$tmp/app/downstream.c" "$dir/"
	cat >"$dir/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(downstream C)
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_EXTENSIONS OFF)
$how
add_executable(app_shared downstream.c)
target_link_libraries(app_shared PRIVATE ustack::ustack)
add_executable(app_static downstream.c)
target_link_libraries(app_static PRIVATE ustack::ustack_static)
EOF
	# no build type: no optimiser, so the subproject builds of ustack stay quick
	quiet cmake -S "$dir" -B "$dir/build" -DCMAKE_BUILD_TYPE= \
		-DCMAKE_C_FLAGS="-Wall -Wextra -Werror $san" -DCMAKE_PREFIX_PATH="$prefix" ||
		fail "configuring $dir"
	quiet cmake --build "$dir/build" -j2 || fail "building $dir"
	dynamic "$dir/build/app_shared"
	static "$dir/build/app_static"
	runs "$dir/build/app_shared"
	runs "$dir/build/app_static"
}

step "2. find_package(ustack CONFIG)"
cmake_app "$tmp/pkg" 'find_package(ustack 0 CONFIG REQUIRED)
if(NOT TARGET ustack::ustack OR NOT TARGET ustack::ustack_static OR NOT ustack_VERSION)
  message(FATAL_ERROR "find_package(ustack) gave no ustack::ustack, ustack::ustack_static, ustack_VERSION")
endif()'

# The subproject builds are ustack's default options as a subproject: no tests, no tools,
# and no sanitizer (the application's flags are its own).
san=""
step "3a. add_subdirectory of the source tree"
cmake_app "$tmp/sub" "add_subdirectory(\"$src\" ustack)
if(TARGET ustack OR TARGET ustack_internal)
  message(FATAL_ERROR \"a subproject ustack builds its tools or its internal library\")
endif()"

step "3b. FetchContent from a tarball URL"
tar -C "$src" -czf "$tmp/ustack-src.tar.gz" \
	CMakeLists.txt cmake include src || fail "making the source tarball"
cmake_app "$tmp/fetch" "include(FetchContent)
FetchContent_Declare(ustack URL \"file://$tmp/ustack-src.tar.gz\")
FetchContent_MakeAvailable(ustack)"

echo "ok: the downstream program built and ran through pkg-config, find_package(ustack), add_subdirectory and FetchContent"
