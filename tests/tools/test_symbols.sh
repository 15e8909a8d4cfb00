#!/usr/bin/env bash
# libustack.so exports only the public API: every defined dynamic symbol starts with ustack_.
set -euo pipefail
lib="$USTACK_BUILD/lib/libustack.so"
[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }
[ -f "$USTACK_BUILD/lib/libustack.a" ] || { echo "FAIL: static library not built"; exit 1; }
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
n=$(printf '%s\n' "$syms" | grep -c '^ustack_' || true)
bad=$(printf '%s\n' "$syms" | grep -v '^ustack_' | grep -v '^$' || true)
if [ -n "$bad" ]; then
	echo "FAIL: symbols outside the public API are exported:"; printf '  %s\n' $bad | head -20
	exit 1
fi
[ "$n" -ge 20 ] || { echo "FAIL: only $n ustack_ symbols exported"; exit 1; }
# every exported function is declared in a public header
for s in $(printf '%s\n' "$syms"); do
	grep -rqw "$s" "$USTACK_SRC/include/ustack/" || { echo "FAIL: $s exported but not in include/ustack"; exit 1; }
done
echo "ok: $n public symbols exported, nothing else"
