#!/usr/bin/env bash
# test_posix.sh - a classic sockets program (select, readv/writev, FIONREAD) ported with
# <ustack/posix.h> (examples/posix_echo.c) talks to Linux's nc over a TAP:
#  1. ustack echo server, Linux nc client: nc gets its line back, the server saw it
#     through select + FIONREAD + readv and answered with writev.
#  2. ustack client, Linux `nc -l` server: nc receives the client's writev (three
#     buffers, one line), nc's reply comes back through select + readv.
source "$(dirname "$0")/lib_tcp.sh"

lt_setup posix nc
EX="$USTACK_BUILD/bin/example_posix_echo"
[ -x "$EX" ] || lib_require "needs $EX (the examples are built with the project)"

# --- 1: ustack serves, nc asks ---
lt_bg srv.log 60 "$EX" server tap0 "$LT_USTACK_IP/24" 7007
SRV=$LT_LAST_PID
lt_wait_log srv.log "listening on port 7007" 20
lt_wait_ping "$LT_USTACK_IP" 5
got=$(printf 'hello from linux nc\n' | nsx timeout 20 nc -N "$LT_USTACK_IP" 7007)
[ "$got" = "hello from linux nc" ] && pass "1: nc got its line back: $got" ||
	fail "1: nc got '$got'"
lt_wait_exit "$SRV" 20
rc=$?
[ $rc = 0 ] && pass "1: the ported server exited 0" || fail "1: the server exited $rc"
grep -q "echoed 20 bytes (FIONREAD said 20)" "$T/srv.log" &&
	pass "1: select + FIONREAD + readv saw the 20 bytes" ||
	fail "1: server log: $(cat "$T/srv.log")"
grep -q "client done after 20 bytes" "$T/srv.log" && pass "1: end of stream seen" ||
	fail "1: no end of stream in: $(cat "$T/srv.log")"

# --- 2: ustack asks, nc serves ---
printf 'reply from linux\n' >"$T/reply"
lt_bg nc.log 30 sh -c "nc -l -N $LT_LINUX_IP 7008 <'$T/reply'"
lt_wait_listen 7008
lt_bg cli.log 30 "$EX" client tap0 "$LT_USTACK_IP/24" "$LT_LINUX_IP" 7008 "ported client says hi"
CLI=$LT_LAST_PID
lt_wait_exit "$CLI" 30
rc=$?
[ $rc = 0 ] && pass "2: the ported client exited 0" || fail "2: the client exited $rc: $(cat "$T/cli.log")"
grep -q "got back 17 bytes" "$T/cli.log" && grep -q "reply from linux" "$T/cli.log" &&
	pass "2: the client read nc's reply: $(grep 'got back' "$T/cli.log")" ||
	fail "2: client log: $(cat "$T/cli.log")"
sleep 0.5
grep -qx "ported client says hi" "$T/nc.log" && pass "2: nc received the writev'd line" ||
	fail "2: nc received: $(cat "$T/nc.log")"

lib_finish
