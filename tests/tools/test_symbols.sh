#!/usr/bin/env bash
# The libraries export only the public API. For libustack.so and libustack.a, as built and
# as installed (`cmake --install` into a temporary prefix): every global symbol they define
# starts with ustack_ (an application may define its own csum() or timer_init()), the two
# define the same set, and each is declared in a public header. The checker is first shown
# a library that does leak (ustack_internal, for the unit tests) and must reject it.
set -euo pipefail
for tool in nm cmake; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (binutils, cmake)"; exit 1; }
done
build=$USTACK_BUILD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# defined global symbols of one library, one a line
globals() {
	case "$1" in
	*.so*) nm -D --defined-only "$1" ;;
	*.a) nm -g --defined-only "$1" ;;
	esac | awk 'NF == 3 && $2 ~ /^[A-Za-z]$/ && $2 !~ /^[Uaw]$/ { print $3 }' | sort -u
}

# fails (returns 1 and says why) unless lib defines ustack_* globals only
only_public() {
	local lib=$1 syms bad n
	syms=$(globals "$lib")
	n=$(printf '%s\n' "$syms" | grep -c '^ustack_' || true)
	bad=$(printf '%s\n' "$syms" | grep -v '^ustack_' | grep -v '^$' || true)
	if [ -n "$bad" ]; then
		echo "leak: $lib defines $(printf '%s\n' "$bad" | wc -l) globals outside the public API:" \
			$(printf '%s\n' "$bad" | head -8) ...
		return 1
	fi
	[ "$n" -ge 20 ] || { echo "only $n ustack_ symbols in $lib"; return 1; }
	return 0
}

# the checker itself: a library with internal globals must be caught
internal="$build/internal/libustack_internal.a"
[ -f "$internal" ] || { echo "FAIL: $internal not built"; exit 1; }
if only_public "$internal" >/dev/null; then
	echo "FAIL: the check passed $internal, which defines csum, timer_init, ..."
	exit 1
fi

timeout 120 cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || {
	echo "FAIL: cmake --install $build"; cat "$tmp/install.log"; exit 1; }
inst_so=$(find "$tmp/prefix" -name libustack.so -type l | head -1)
inst_a=$(find "$tmp/prefix" -name libustack.a | head -1)
[ -n "$inst_so" ] || { echo "FAIL: no libustack.so installed"; exit 1; }
[ -n "$inst_a" ] || { echo "FAIL: no libustack.a installed"; exit 1; }

fail=0
for lib in "$build/lib/libustack.so" "$build/lib/libustack.a" "$inst_so" "$inst_a"; do
	[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }
	only_public "$lib" || fail=1
done
[ $fail -eq 0 ] || { echo "FAIL: internal symbols leak"; exit 1; }

shared=$(globals "$inst_so")
if [ "$shared" != "$(globals "$inst_a")" ]; then
	echo "FAIL: libustack.so and libustack.a do not define the same symbols:"
	diff <(printf '%s\n' "$shared") <(globals "$inst_a") | head -10
	exit 1
fi
# every exported symbol is declared in a public header (the installed ones)
for s in $shared; do
	grep -rqw "$s" "$tmp/prefix/include/ustack/" || { echo "FAIL: $s exported but not in include/ustack"; exit 1; }
done
echo "ok: $(printf '%s\n' "$shared" | wc -l) public symbols in libustack.so and libustack.a (built and installed), nothing else"
