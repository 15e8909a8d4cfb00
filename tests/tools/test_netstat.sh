#!/usr/bin/env bash
# test_netstat.sh - `ustack netstat` reading a running ustack process over its control
# socket: an in-process `ustack bulk` (a client and a server stack joined by a vnet)
# shows LISTEN (tcp6 :::5001, dual-stack) on the server, ESTABLISHED on both ends of the
# connection while the stream flows, then TIME_WAIT on the client (the side that closed first) while the
# process holds both hosts up; `netstat -s` counts the segments. No root, no TAP.
# ctest-label: threads
set -uo pipefail

B=${USTACK_BIN:?USTACK_BIN: path of the ustack binary}
T=$(mktemp -d /tmp/ustack-netstat.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

FAILS=0
PASSES=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; PASSES=$((PASSES + 1)); }

# poll_netstat SECONDS PATTERN...: runs `netstat -tan` until its output matches every
# extended regular expression given (each on some line); the last output in $T/ns.
poll_netstat() {
	local secs=$1 i p ok
	shift
	for ((i = 0; i < secs * 50; i++)); do
		timeout 5 "$B" netstat -tan --ctl "$T/ctl" >"$T/ns" 2>"$T/ns.err"
		ok=1
		for p in "$@"; do
			grep -Eq -- "$p" "$T/ns" || { ok=0; break; }
		done
		[ $ok = 1 ] && return 0
		sleep 0.02
	done
	return 1
}

# a stream long enough to be seen flowing (a few seconds), then 60 s of holding;
# under a sanitizer the stack is several times slower, so is the stream shorter
bytes=1G
[ -n "${USTACK_SANITIZED:-}" ] && bytes=64M
timeout -k 5 150 "$B" bulk --bytes $bytes --hold 60 --ctl "$T/ctl" >"$T/bulk.out" 2>&1 &
PID=$!

for ((i = 0; i < 100; i++)); do [ -S "$T/ctl" ] && break; sleep 0.05; done
[ -S "$T/ctl" ] || fail "no control socket at $T/ctl"

C='10\.0\.0\.2:[0-9]+'            # the client's end (ephemeral port)
S='10\.0\.0\.1:5001'              # the server's end
# the server listens on both families (one AF_INET6 socket on ::, as `ss` shows
# Linux's dual-stack listeners); the connection it accepted is an IPv4 one
if poll_netstat 30 "^tcp6 .* :::5001 +:::\* +LISTEN +server" \
	"^tcp .* $C +$S +ESTABLISHED +client" "^tcp .* $S +$C +ESTABLISHED +server"; then
	pass "netstat while the stream flows: LISTEN, ESTABLISHED on both ends"
	cat "$T/ns"
	# the two ESTABLISHED lines name the same connection, seen from each end
	cport=$(grep -Eo "10\.0\.0\.2:[0-9]+ +$S +ESTABLISHED +client" "$T/ns" | cut -d' ' -f1)
	sport=$(grep -Eo "$S +10\.0\.0\.2:[0-9]+ +ESTABLISHED +server" "$T/ns" | awk '{print $2}')
	[ -n "$cport" ] && [ "$cport" = "$sport" ] &&
		pass "both ends agree on the client's address $cport" ||
		fail "client end '$cport', server sees '$sport'"
else
	fail "netstat never showed LISTEN and ESTABLISHED on both ends:"
	cat "$T/ns" "$T/ns.err"
fi

if poll_netstat 90 "^tcp .* $C +$S +TIME_WAIT +client"; then
	if grep -Eq "ESTABLISHED" "$T/ns"; then
		fail "ESTABLISHED still listed after the close:"; cat "$T/ns"
	else
		pass "after the active close: TIME_WAIT on the client, nothing ESTABLISHED"
		cat "$T/ns"
	fi
else
	fail "no TIME_WAIT on the client after the stream:"
	cat "$T/ns" "$T/bulk.out"
fi
grep -q "sha256 match" "$T/bulk.out" && pass "the stream arrived intact" ||
	fail "bulk: $(cat "$T/bulk.out")"

# -s: the counters of both stacks, through the same socket
timeout 5 "$B" netstat -s --ctl "$T/ctl" >"$T/s" 2>&1
segs=$(awk '/segments sent out/ { print $1; exit }' "$T/s")
if [ "${segs:-0}" -gt 1000 ]; then
	pass "netstat -s: $segs segments sent by the first stack"
else
	fail "netstat -s:"; cat "$T/s"
fi

# SIGTERM ends the hold at once; the process exits 0 and removes its socket
kill -TERM "$PID"
for ((i = 0; i < 200; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$PID" 2>/dev/null; then
	# still there 10 s after SIGTERM: say where every thread is before it is killed
	echo "ustack bulk did not exit within 10 s of SIGTERM; its threads:"
	bulk_pid=$(pgrep -P "$PID" -x ustack || echo "$PID")
	if command -v gdb >/dev/null; then
		timeout 60 gdb -p "$bulk_pid" -batch -ex "thread apply all bt" 2>&1 | grep -E '^(Thread|#)' | head -120
	else
		for t in /proc/"$bulk_pid"/task/*; do echo "$t: $(cat "$t/wchan" 2>/dev/null)"; done
	fi
	kill -KILL "$bulk_pid" 2>/dev/null
fi
wait "$PID"
rc=$?
PID=
if [ $rc = 0 ] && [ ! -e "$T/ctl" ]; then
	pass "SIGTERM during --hold: exit 0, control socket removed"
else
	fail "after SIGTERM: exit $rc, socket $(ls "$T/ctl" 2>&1)"
fi

echo "$PASSES passed, $FAILS failed"
[ $FAILS = 0 ]
