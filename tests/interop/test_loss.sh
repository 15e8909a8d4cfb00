#!/usr/bin/env bash
# test_loss.sh - 64 MiB each way between Linux and ustack on a TAP in a namespace, with
# ustack's impair wrapper dropping 5% of the frames in both directions (--loss 0.05
# --impair-rx: what ustack sends and what it receives); byte-exact (SHA-256 on both ends).
#   1. Linux uploads random bytes to `ustack bulk --server` (socat), the digest Linux
#      computed while sending equals the one ustack prints; Linux retransmitted
#      (its own segments were dropped on ustack's receive side).
#   2. `ustack bulk --client` sends 64 MiB to socat writing a file; the file's digest
#      equals the one ustack prints; Linux queued segments out of order (ustack's were
#      dropped on its send side).
# Each transfer is bounded by timeout (the whole test takes well under 90 s here).
source "$(dirname "$0")/lib_tcp.sh"

lt_setup loss socat sha256sum nstat

NET=(--tap tap0 --addr "$LT_USTACK_IP/24" --loss 0.05 --impair-rx)
BYTES=67108864
TMO=80

counter() { nsx nstat -az "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }

# --- Linux -> ustack ---
nsx nstat -n >/dev/null 2>&1
retrans0=$(counter TcpRetransSegs)
lt_bg srv.log $((TMO + 5)) "$USTACK_BIN" bulk --server --once --port 5001 --timeout 30 \
	--seed 11 "${NET[@]}"
SRV=$LT_LAST_PID
lt_wait_log srv.log "listening on" 20
t0=$(date +%s.%N)
nsx timeout "$TMO" bash -c "head -c $BYTES /dev/urandom | tee >(sha256sum | cut -d' ' -f1 >'$T/sent.sha') |
	socat -u - TCP:$LT_USTACK_IP:5001,connect-timeout=10"
rc=$?
t1=$(date +%s.%N)
lt_wait_exit "$SRV" 30
src=$?
for _ in $(seq 50); do [ -s "$T/sent.sha" ] && break; sleep 0.1; done
want=$(cat "$T/sent.sha" 2>/dev/null)
got=$(grep -o 'sha256 [0-9a-f]\{64\}' "$T/srv.log" | cut -d' ' -f2)
retrans=$(( $(counter TcpRetransSegs) - ${retrans0:-0} ))
cat "$T/srv.log" >&2
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if [ $rc = 0 ] && [ $src = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
	grep -q "received $BYTES bytes" "$T/srv.log"; then
	pass "Linux -> ustack, 5% loss both ways: 64 MiB in $secs s, sha256 $got on both ends"
else
	fail "Linux -> ustack: sender rc $rc, server rc $src, Linux sha256 '$want', ustack '$got' ($secs s)"
fi
if [ "${retrans:-0}" -gt 0 ]; then
	pass "Linux retransmitted $retrans segments (ustack's receive side dropped them)"
else
	fail "Linux retransmitted nothing: --impair-rx dropped no frame"
fi

# --- ustack -> Linux ---
ofo0=$(counter TcpExtTCPOFOQueue)
lt_bg recv.log $((TMO + 5)) socat -u TCP-LISTEN:5002,bind="$LT_LINUX_IP",reuseaddr "CREATE:$T/recv.bin"
RECV=$LT_LAST_PID
lt_wait_listen 5002
t0=$(date +%s.%N)
out=$(nsx timeout "$TMO" "$USTACK_BIN" bulk --client "$LT_LINUX_IP" --port 5002 --bytes 64M \
	--timeout 30 --seed 12 "${NET[@]}" 2>&1)
rc=$?
t1=$(date +%s.%N)
lt_wait_exit "$RECV" 30
echo "$out" >&2
got=$(lt_sha "$T/recv.bin")
ofo=$(( $(counter TcpExtTCPOFOQueue) - ${ofo0:-0} ))
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if [ $rc = 0 ] && grep -q "sha256 $got" <<<"$out" && [ "$(stat -c %s "$T/recv.bin")" = $BYTES ]; then
	pass "ustack -> Linux, 5% loss both ways: 64 MiB in $secs s, sha256 $got on both ends"
else
	fail "ustack -> Linux: rc $rc, Linux got $(stat -c %s "$T/recv.bin" 2>/dev/null) bytes, sha256 $got ($secs s)"
fi
if [ "${ofo:-0}" -gt 0 ]; then
	pass "Linux queued $ofo segments out of order (ustack's send side dropped some)"
else
	fail "Linux saw no out-of-order segment: --loss dropped no frame"
fi

lib_finish
