#!/usr/bin/env bash
# test_http_inproc.sh - `ustack get` and `ustack bulk` on in-process networks (no root,
# no TAP): get fetches the built-in pages by name (through the in-process DNS server)
# and by address, a 1 MiB built-in file, a directory given with --root, reports 404 as
# exit 22 and writes the body with --no-fail; bulk streams client -> server with
# matching SHA-256; bad usage exits 2 with a one-line error and the usage.
# ctest-label: threads
set -uo pipefail

B=${USTACK_BIN:?USTACK_BIN: path of the ustack binary}
T=$(mktemp -d /tmp/ustack-httpinproc.XXXXXX)
trap 'rm -rf "$T"' EXIT

FAILS=0
PASSES=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; PASSES=$((PASSES + 1)); }

# run SECS ARGS...: the binary under a time bound; output in $T/out, $T/err, status in RC
run() {
	local secs=$1
	shift
	timeout -k 2 "$secs" "$B" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# usage_error ARGS...: exit 2, one error line on stderr then the usage
usage_error() {
	run 10 "$@"
	if [ $RC = 2 ] && [ "$(head -n 1 "$T/err" | grep -c "^ustack ")" = 1 ] &&
		grep -q "^usage:" "$T/err"; then
		pass "usage error: $* ($(head -n 1 "$T/err"))"
	else
		fail "ustack $*: exit $RC, stderr: $(head -n 2 "$T/err" | tr '\n' '|')"
	fi
}

# --- get: built-in pages ---
run 60 get http://www.example.test/hello.txt
if [ $RC = 0 ] && [ "$(cat "$T/out")" = "Hello from ustack!" ] && [ ! -s "$T/err" ]; then
	pass "get by name: hello.txt, quiet in a pipe"
else
	fail "get hello.txt: exit $RC, out '$(head -c 100 "$T/out")', err '$(head -n 3 "$T/err")'"
fi

run 60 get http://10.0.0.1/
if [ $RC = 0 ] && grep -q "Hello from ustack" "$T/out"; then
	pass "get by address: / is index.html"
else
	fail "get /: exit $RC, err '$(head -n 3 "$T/err")'"
fi

run 60 get -o "$T/data.bin" http://files.example.test/data.bin
want=$(python3 -c 'import sys; sys.stdout.buffer.write(bytes(((i * 7 + i // 251) & 255) for i in range(1 << 20)))' 2>/dev/null | sha256sum | cut -d' ' -f1)
got=$(sha256sum <"$T/data.bin" 2>/dev/null | cut -d' ' -f1)
if [ $RC = 0 ] && [ "$(stat -c %s "$T/data.bin" 2>/dev/null)" = 1048576 ] &&
	{ [ -z "$want" ] || [ "$want" = "$got" ]; }; then
	pass "get -o: 1 MiB built-in file intact"
else
	fail "get data.bin: exit $RC, sha256 $got want $want, err '$(head -n 3 "$T/err")'"
fi

run 60 get http://www.example.test/missing
if [ $RC = 22 ] && [ ! -s "$T/out" ] && grep -q "returned error: 404" "$T/err"; then
	pass "get 404: exit 22, no body"
else
	fail "get 404: exit $RC, err '$(head -n 3 "$T/err")'"
fi
run 60 get --no-fail http://www.example.test/missing
if [ $RC = 0 ] && grep -q "404 Not Found" "$T/out"; then
	pass "get --no-fail 404: body written, exit 0"
else
	fail "get --no-fail 404: exit $RC"
fi

run 60 get -I http://www.example.test/hello.txt
if [ $RC = 0 ] && grep -q "^HTTP/1.1 200 OK" "$T/out" && grep -qi "^Content-Length: 19" "$T/out"; then
	pass "get -I: the reply head"
else
	fail "get -I: exit $RC, out '$(head -n 3 "$T/out")'"
fi

mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/r.bin"
run 60 get --root "$T/www" -o "$T/r.got" http://www.example.test/r.bin
if [ $RC = 0 ] && cmp -s "$T/www/r.bin" "$T/r.got"; then
	pass "get --root: a file of the directory"
else
	fail "get --root: exit $RC, err '$(head -n 3 "$T/err")'"
fi

run 60 get http://www.example.test:8080/hello.txt
if [ $RC = 0 ] && [ "$(cat "$T/out")" = "Hello from ustack!" ]; then
	pass "get on another port: the in-process server listens on the URL's port"
else
	fail "get :8080: exit $RC ($(head -n 1 "$T/err"))"
fi
run 10 get https://www.example.test/
if [ $RC = 1 ]; then pass "get https: exit 1"; else fail "get https: exit $RC"; fi
run 10 get http://
if [ $RC = 3 ]; then pass "get malformed URL: exit 3"; else fail "get http://: exit $RC"; fi

# --- bulk in one process ---
run 120 bulk --bytes 8M
c=$(grep -o 'client: sent 8388608 bytes.*sha256 [0-9a-f]\{64\}' "$T/out" | grep -o '[0-9a-f]\{64\}')
s=$(grep -o 'server: received 8388608 bytes.*sha256 [0-9a-f]\{64\}' "$T/out" | grep -o '[0-9a-f]\{64\}')
if [ $RC = 0 ] && [ -n "$c" ] && [ "$c" = "$s" ] && grep -q "^sha256 match" "$T/out" &&
	grep -q "peer sha256 match" "$T/out"; then
	pass "bulk in-process: 8 MiB, sha256 $c on both ends"
else
	fail "bulk: exit $RC, out '$(cat "$T/out")', err '$(head -n 3 "$T/err")'"
fi

# --- usage ---
usage_error get
usage_error get http://a/ http://b/
usage_error get --bogus http://a/
usage_error get --timeout x http://a/
usage_error serve --port 0
usage_error serve --nope
usage_error bulk --client
usage_error bulk --server
usage_error bulk --bytes 12Q
usage_error bulk --hold forever
usage_error bulk --server --tap tap9 --addr 10.9.0.2/24 --hold 5
usage_error bulk --server --client x --tap t0 --addr 10.0.0.1/24
run 5 get --help
[ $RC = 0 ] && grep -q "^usage: ustack get" "$T/out" && pass "get --help" || fail "get --help: $RC"
run 5 bulk --help
[ $RC = 0 ] && grep -q "^usage: ustack bulk" "$T/out" && pass "bulk --help" || fail "bulk --help: $RC"
run 5 serve --help
[ $RC = 0 ] && grep -q "^usage: ustack serve" "$T/out" && pass "serve --help" || fail "serve --help: $RC"

echo "$PASSES passed, $FAILS failed"
[ $FAILS = 0 ]
