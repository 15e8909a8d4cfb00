#!/usr/bin/env bash
# test_halfclose.sh - TCP half-close between Linux and ustack, both ways:
#  1. Linux (`nc -N`) sends, then shuts its write side down; ustack (`bulk --server
#     --reply`) reads to end of stream and still sends its reply, which nc prints.
#  2. ustack (`bulk --client`) sends and shuts its write side down; Linux (socat running
#     sha256sum) reads to end of stream and still replies; ustack checks the digest.
#  3. ustack sends and shuts down first; Linux (`nc -l`) reads to the end and closes.
#  4. Linux (`nc -l -N` with nothing to send) shuts its write side down at once; ustack
#     still sends its whole stream into the half-closed connection before closing.
# Each pcap is checked with tshark.
source "$(dirname "$0")/lib_tcp.sh"

lt_setup halfclose nc socat sha256sum

NET=(--tap tap0 --addr "$LT_USTACK_IP/24")
head -c 200000 /dev/urandom >"$T/data"
SHA=$(lt_sha "$T/data")

# --- 1: Linux half-closes, ustack replies after end of stream ---
lt_bg hc1.log 60 "$USTACK_BIN" bulk --server --once --reply --port 5001 "${NET[@]}" \
	--pcap "$T/hc1.pcap"
SRV=$LT_LAST_PID
lt_wait_log hc1.log "listening on" 20
lt_wait_ping "$LT_USTACK_IP" 5
reply=$(nsx timeout 30 nc -N "$LT_USTACK_IP" 5001 <"$T/data")
if [ "$reply" = "sha256 $SHA bytes 200000" ]; then
	pass "1: nc got the reply sent after its FIN: $reply"
else
	fail "1: nc got '$reply', want 'sha256 $SHA bytes 200000'"
fi
lt_wait_exit "$SRV" 20
rc=$?
[ $rc = 0 ] && pass "1: ustack bulk --server exited 0" || fail "1: ustack bulk --server exited $rc"
grep -q "sha256 $SHA" "$T/hc1.log" && pass "1: ustack's digest matches" ||
	fail "1: ustack printed: $(cat "$T/hc1.log")"
lt_check_pcap "$T/hc1.pcap"
lt_check_halfclose "$T/hc1.pcap" "$LT_LINUX_IP" "$LT_USTACK_IP" "1: on the wire"

# --- 2: ustack half-closes, Linux replies after end of stream ---
lt_bg socat.log 60 socat -t 10 TCP-LISTEN:5002,bind="$LT_LINUX_IP",reuseaddr SYSTEM:sha256sum
lt_wait_listen 5002
out=$(nsx timeout 60 "$USTACK_BIN" bulk --client "$LT_LINUX_IP" --port 5002 --bytes 300K \
	"${NET[@]}" --pcap "$T/hc2.pcap" 2>&1)
rc=$?
if [ $rc = 0 ] && grep -q "peer sha256 match" <<<"$out"; then
	pass "2: Linux's reply after ustack's FIN arrived and matches"
else
	fail "2: exit $rc: $out"
fi
lt_check_pcap "$T/hc2.pcap"
lt_check_halfclose "$T/hc2.pcap" "$LT_USTACK_IP" "$LT_LINUX_IP" "2: on the wire"

# --- 3: ustack half-closes, Linux reads to the end and closes ---
lt_bg nc3.log 60 bash -c "nc -l $LT_LINUX_IP 5003 >'$T/got3' </dev/null"
NC=$LT_LAST_PID
lt_wait_listen 5003
out=$(nsx timeout 60 "$USTACK_BIN" bulk --client "$LT_LINUX_IP" --port 5003 --bytes 100K \
	"${NET[@]}" --pcap "$T/hc3.pcap" 2>&1)
rc=$?
lt_wait_exit "$NC" 10
got=$(lt_sha "$T/got3")
if [ $rc = 0 ] && grep -q "sha256 $got" <<<"$out"; then
	pass "3: Linux received all $(stat -c %s "$T/got3") bytes and closed"
else
	fail "3: exit $rc, Linux got sha256 $got: $out"
fi
lt_check_pcap "$T/hc3.pcap"

# --- 4: Linux half-closes first, ustack sends everything anyway ---
lt_bg nc4.log 60 bash -c "nc -l -N $LT_LINUX_IP 5004 >'$T/got4' </dev/null"
NC=$LT_LAST_PID
lt_wait_listen 5004
out=$(nsx timeout 60 "$USTACK_BIN" bulk --client "$LT_LINUX_IP" --port 5004 --bytes 1M \
	"${NET[@]}" --pcap "$T/hc4.pcap" 2>&1)
rc=$?
lt_wait_exit "$NC" 10
got=$(lt_sha "$T/got4")
if [ $rc = 0 ] && grep -q "sha256 $got" <<<"$out" && [ "$(stat -c %s "$T/got4")" = 1048576 ]; then
	pass "4: Linux closed first and still received all 1 MiB"
else
	fail "4: exit $rc, Linux got $(stat -c %s "$T/got4") bytes, sha256 $got: $out"
fi
lt_check_pcap "$T/hc4.pcap"
lt_check_halfclose "$T/hc4.pcap" "$LT_LINUX_IP" "$LT_USTACK_IP" "4: on the wire"

lib_finish
