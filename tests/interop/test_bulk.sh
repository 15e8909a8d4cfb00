#!/usr/bin/env bash
# test_bulk.sh - Linux uploads random bytes to `ustack bulk --server` on a TAP in a
# network namespace (256 MiB with socat, 64 MiB with nc -N); the SHA-256 Linux computes
# while sending equals the one ustack prints. Then ustack uploads to Linux (socat to a file).
# The pcaps are checked with tshark.
source "$(dirname "$0")/lib_tcp.sh"

lt_setup bulk socat nc sha256sum

NET=(--tap tap0 --addr "$LT_USTACK_IP/24")
MIB=1048576

# upload TOOL MIB: Linux sends MIB MiB of random bytes with TOOL (socat | nc) to ustack
upload() {
	local tool=$1 BYTES=$(($2 * MIB)) pcap=$T/bulk-$1.pcap
	lt_bg "srv-$tool.log" 400 "$USTACK_BIN" bulk --server --once --port 5001 "${NET[@]}" \
		--pcap "$pcap"
	local srv=$LT_LAST_PID
	lt_wait_log "srv-$tool.log" "listening on" 20
	lt_wait_ping "$LT_USTACK_IP" 5
	local send
	case $tool in
	socat) send="socat -u - TCP:$LT_USTACK_IP:5001" ;;
	nc) send="nc -N $LT_USTACK_IP 5001" ;;
	esac
	local t0=$(date +%s.%N)
	nsx timeout 300 bash -c "head -c $BYTES /dev/urandom | tee >(sha256sum | cut -d' ' -f1 >'$T/sent-$tool.sha') | $send"
	local rc=$?
	local t1=$(date +%s.%N)
	lt_wait_exit "$srv" 60
	local src=$?
	# tee's process substitution may finish a moment after the pipeline
	for i in $(seq 50); do [ -s "$T/sent-$tool.sha" ] && break; sleep 0.1; done
	local want got
	want=$(cat "$T/sent-$tool.sha")
	got=$(grep -o 'sha256 [0-9a-f]\{64\}' "$T/srv-$tool.log" | cut -d' ' -f2)
	cat "$T/srv-$tool.log" >&2
	if [ $rc = 0 ] && [ $src = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
		grep -q "received $BYTES bytes" "$T/srv-$tool.log"; then
		pass "$tool: $2 MiB in $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s, sha256 $got on both ends"
	else
		fail "$tool: sender rc $rc, server rc $src, Linux sha256 '$want', ustack '$got'"
	fi
	lt_check_pcap "$pcap"
	rm -f "$pcap"
}

upload socat 256
upload nc 64

# --- the other way: ustack sends 64 MiB to Linux ---
lt_bg recv.log 300 socat -u TCP-LISTEN:5002,bind="$LT_LINUX_IP",reuseaddr "CREATE:$T/recv.bin"
RECV=$LT_LAST_PID
lt_wait_listen 5002
out=$(nsx timeout 300 "$USTACK_BIN" bulk --client "$LT_LINUX_IP" --port 5002 --bytes 64M \
	"${NET[@]}" --pcap "$T/bulk-client.pcap" 2>&1)
rc=$?
lt_wait_exit "$RECV" 30
echo "$out" >&2
got=$(lt_sha "$T/recv.bin")
if [ $rc = 0 ] && grep -q "sha256 $got" <<<"$out" && [ "$(stat -c %s "$T/recv.bin")" = 67108864 ]; then
	pass "ustack -> Linux 64 MiB, sha256 $got on both ends"
else
	fail "ustack -> Linux: rc $rc, Linux got sha256 $got"
fi
lt_check_pcap "$T/bulk-client.pcap"

lib_finish
