#!/usr/bin/env bash
# test_tap_offload.sh - the TAP with offloads on (virtio-net header, TUNSETOFFLOAD
# CSUM|TSO4): 256 MiB each way between `ustack bulk` and Linux (socat), SHA-256 equal
# on both ends. While data flows, tshark captures on Linux's side of the tap: frames
# larger than the MTU must pass both ways (super-segments: the offloads are really on),
# none malformed, no error in tshark's expert info, and every TCP checksum of either
# side is what the offload contract says: complete and correct, or the pseudo-header
# sum a device finishes (checked by lib_csum.py from the headers). Then 8 MiB with
# --no-offload and with --pcap (the wrapper turns offloads off): no frame above the
# MTU, and ustack's capture holds wire frames with correct checksums (lt_check_pcap).
source "$(dirname "$0")/lib_tcp.sh"

lt_setup offload socat sha256sum tshark mergecap python3 bc

NET=(--tap tap0 --addr "$LT_USTACK_IP/24")
BYTES=268435456
[ -n "${USTACK_SANITIZED:-}" ] && BYTES=67108864   # ASan: the same checks, a quarter of the bytes
MTU_FRAME=1514

# capture NAME SNAPLEN: tshark on tap0 (Linux's side), the first 2000 frames from each
# side (one tshark per source, so that both directions are seen whatever runs first)
capture_start() {
	lt_bg "cap-$1-u.log" 120 tshark -n -i tap0 -s "$2" -c 2000 -f "src host $LT_USTACK_IP" \
		-F pcap -w "$T/$1-u.pcap"
	CAP_U=$LT_LAST_PID
	lt_bg "cap-$1-l.log" 120 tshark -n -i tap0 -s "$2" -c 2000 -f "src host $LT_LINUX_IP" \
		-F pcap -w "$T/$1-l.pcap"
	CAP_L=$LT_LAST_PID
	wait_for 15 grep -q "Capturing on" "$T/cap-$1-u.log" || lt_log "tshark (ustack side) did not start"
	wait_for 15 grep -q "Capturing on" "$T/cap-$1-l.log" || lt_log "tshark (Linux side) did not start"
	CAP_NAME=$1
}
capture_stop() {
	sleep 0.3
	lt_stop "$CAP_U" 10 >/dev/null
	lt_stop "$CAP_L" 10 >/dev/null
	timeout 30 mergecap -F pcap -w "$T/$CAP_NAME.pcap" "$T/$CAP_NAME-u.pcap" "$T/$CAP_NAME-l.pcap" ||
		fail "$CAP_NAME: mergecap failed"
}

# check_capture NAME FROM_USTACK FROM_LINUX: the frames above the MTU each side must
# (1) or must not (0) send. One tshark pass: per frame its source, length, and whether
# it is malformed or carries an expert error.
check_capture() {
	local f=$T/$1.pcap bad up down
	[ -s "$f" ] || { fail "$1: no capture"; return; }
	timeout 60 tshark -n -r "$f" -T fields -E separator=/t -e ip.src -e frame.len \
		-e _ws.malformed -e _ws.expert.severity >"$T/$1.fields" 2>/dev/null
	read -r bad up down < <(awk -F'\t' -v u="$LT_USTACK_IP" -v l="$LT_LINUX_IP" -v m=$MTU_FRAME '
		# severity: expert error is 8388608 (PI_ERROR); malformed frames carry the field
		$3 != "" || $4 ~ /8388608/ { bad++ }
		$1 == u && $2 > m { up++ }
		$1 == l && $2 > m { down++ }
		END { print bad + 0, up + 0, down + 0 }' "$T/$1.fields")
	if [ "$(grep -c . "$T/$1.fields")" -gt 0 ] && [ "$bad" = 0 ]; then
		pass "$1: tshark reads $(grep -c . "$T/$1.fields") frames: no malformed frame, no expert error"
	else
		fail "$1: $bad malformed frame(s) or expert error(s) (fields in $1.fields)"
		grep -P '\t\S+\t\S*$' "$T/$1.fields" | head -n 5
	fi
	if { [ "$2" = 1 ] && [ "$up" -gt 0 ]; } || { [ "$2" = 0 ] && [ "$up" = 0 ]; }; then
		pass "$1: $up frame(s) above the MTU from ustack (want: $([ "$2" = 1 ] && echo some || echo none))"
	else
		fail "$1: $up frame(s) above the MTU from ustack (want: $([ "$2" = 1 ] && echo some || echo none))"
	fi
	if { [ "$3" = 1 ] && [ "$down" -gt 0 ]; } || { [ "$3" = 0 ] && [ "$down" = 0 ]; }; then
		pass "$1: $down frame(s) above the MTU from Linux (want: $([ "$3" = 1 ] && echo some || echo none))"
	else
		fail "$1: $down frame(s) above the MTU from Linux (want: $([ "$3" = 1 ] && echo some || echo none))"
	fi
	if out=$(python3 "$(dirname "$0")/lib_csum.py" "$f" 2>&1); then
		pass "$1: checksums: $out"
	else
		fail "$1: checksums: $out"
	fi
}

# linux_to_ustack NAME BYTES [ustack options...]
linux_to_ustack() {
	local name=$1 bytes=$2
	shift 2
	lt_bg "srv-$name.log" 200 "$USTACK_BIN" bulk --server --once --port 5001 "${NET[@]}" "$@"
	local srv=$LT_LAST_PID
	lt_wait_log "srv-$name.log" "listening on" 20
	lt_wait_ping "$LT_USTACK_IP" 5
	local t0=$(date +%s.%N)
	nsx timeout 120 bash -c "head -c $bytes /dev/urandom | tee >(sha256sum | cut -d' ' -f1 >'$T/sent-$name.sha') |
		socat -u - TCP:$LT_USTACK_IP:5001"
	local rc=$? t1=$(date +%s.%N)
	lt_wait_exit "$srv" 60
	local src=$?
	for i in $(seq 50); do [ -s "$T/sent-$name.sha" ] && break; sleep 0.1; done
	local want got
	want=$(cat "$T/sent-$name.sha")
	got=$(grep -o 'sha256 [0-9a-f]\{64\}' "$T/srv-$name.log" | cut -d' ' -f2)
	if [ $rc = 0 ] && [ $src = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
		grep -q "received $bytes bytes" "$T/srv-$name.log"; then
		pass "$name: Linux -> ustack $bytes bytes in $(echo "$t1 - $t0" | bc) s, sha256 equal"
	else
		cat "$T/srv-$name.log"
		fail "$name: Linux -> ustack: socat rc $rc, server rc $src, Linux sha256 '$want', ustack '$got'"
	fi
}

# ustack_to_linux NAME BYTES [ustack options...]
ustack_to_linux() {
	local name=$1 bytes=$2
	shift 2
	lt_bg "recv-$name.log" 120 bash -c "socat -u TCP-LISTEN:5002,bind=$LT_LINUX_IP,reuseaddr - |
		tee >(wc -c >'$T/recv-$name.len') | sha256sum | cut -d' ' -f1 >'$T/recv-$name.sha'"
	local recv=$LT_LAST_PID
	lt_wait_listen 5002
	local t0=$(date +%s.%N)
	out=$(nsx timeout 120 "$USTACK_BIN" bulk --client "$LT_LINUX_IP" --port 5002 --bytes "$bytes" \
		"${NET[@]}" "$@" 2>&1)
	local rc=$? t1=$(date +%s.%N)
	lt_wait_exit "$recv" 30
	for i in $(seq 50); do [ -s "$T/recv-$name.len" ] && break; sleep 0.1; done
	local got len
	got=$(cat "$T/recv-$name.sha")
	len=$(tr -d ' ' <"$T/recv-$name.len")
	if [ $rc = 0 ] && [ -n "$got" ] && grep -q "sha256 $got" <<<"$out" && [ "$len" = "$bytes" ]; then
		pass "$name: ustack -> Linux $bytes bytes in $(echo "$t1 - $t0" | bc) s, sha256 equal"
	else
		echo "$out"
		fail "$name: ustack -> Linux: rc $rc, Linux got $len bytes, sha256 '$got'"
	fi
}

# --- offloads on (the default): each direction with its own capture ---
capture_start in 200     # headers only: super-segments are up to 64 KiB
linux_to_ustack in $BYTES
capture_stop
check_capture in 0 1
capture_start out 200
ustack_to_linux out $BYTES
capture_stop
check_capture out 1 0

# --- --no-offload: the kernel cuts and checksums; no super-segment crosses the tap ---
capture_start off 0      # whole frames: checksums checked in full
linux_to_ustack off 4194304 --no-offload
ustack_to_linux off 4194304 --no-offload
capture_stop
check_capture off 0 0

# --- --pcap: the wrapper turns the offloads off; its capture shows the wire ---
linux_to_ustack pcap 4194304 --pcap "$T/ustack.pcap"
lt_check_pcap "$T/ustack.pcap"

lib_finish
