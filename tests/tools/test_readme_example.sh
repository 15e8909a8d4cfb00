#!/usr/bin/env bash
# The library example the README shows is the code the suite compiles and runs
# (examples/http_get.c, test examples.http_get): the C block that follows the README's
# "examples/http_get.c's fetch(), verbatim" marker must appear, line for line and in
# one piece, in that file.
set -euo pipefail
readme="$USTACK_SRC/README.md"
example="$USTACK_SRC/examples/http_get.c"
[ -f "$example" ] || { echo "FAIL: $example is missing"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk '/examples\/http_get.c.s fetch\(\), verbatim/ { on = 1; next }
	on && /^```c$/ { inside = 1; next }
	inside && /^```$/ { exit }
	inside { print }' "$readme" >"$tmp"
n=$(grep -c . "$tmp" || true)
[ "$n" -ge 10 ] || { echo "FAIL: no example block after the marker in README.md ($n lines)"; exit 1; }
python3 -c 'import sys; sys.exit(0 if open(sys.argv[1]).read() in open(sys.argv[2]).read() else 1)' \
	"$tmp" "$example" || { echo "FAIL: README.md's example is not a verbatim part of examples/http_get.c"; exit 1; }
echo "ok: README.md shows $n lines of examples/http_get.c, as they are in the file"
