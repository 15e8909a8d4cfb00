# lib_offload.sh - what test_tap_offload.sh (IPv4) and test_tap_offload6.sh (IPv6) share,
# sourced after lib_tcp.sh's lt_setup: tshark captures on Linux's side of tap0, one per
# source; the check of a capture (frames above the MTU from each side, none malformed,
# every TCP checksum complete or the pseudo-header sum, lib_csum.py); byte-exact
# transfers each way between `ustack bulk` and socat. The family is in these, set by
# the test before calling:
#   OFF_U, OFF_L        ustack's and Linux's addresses
#   OFF_SRC_FIELD       tshark's source field (ip.src, ipv6.src)
#   OFF_CONNECT         socat's address of ustack's port 5001 (TCP:a.b.c.d:5001, TCP6:[a]:5001)
#   OFF_LISTEN          socat's listener on Linux's port 5002
#   NET                 the ustack options that attach it (--tap tap0 --addr ... [--addr6 ...])
#   MTU_FRAME           the largest wire frame (1514)

# off_wait_ping: until ustack answers Linux's ping at OFF_U (not fatal).
off_wait_ping() {
	local i
	for ((i = 0; i < 10; i++)); do
		nsx ping -n -c 1 -W 1 "$OFF_U" >/dev/null 2>&1 && return 0
	done
	lt_log "no ping answer from $OFF_U (going on)"
	return 1
}

# capture_start NAME SNAPLEN: tshark on tap0 (Linux's side), from each side
# (lt_capture_start; SNAPLEN 0: whole frames)
capture_start() { lt_capture_start "$1" tap0 "$2" "$OFF_U" "$OFF_L"; }
capture_stop() { lt_capture_stop; }

# check_capture NAME FROM_USTACK FROM_LINUX: the frames above the MTU each side must
# (1) or must not (0) send. One tshark pass: per frame its source, length, and whether
# it is malformed or carries an expert error.
check_capture() {
	local f=$T/$1.pcap bad up down
	[ -s "$f" ] || { fail "$1: no capture"; return; }
	timeout 60 tshark -n -r "$f" -T fields -E separator=/t -e "$OFF_SRC_FIELD" -e frame.len \
		-e _ws.malformed -e _ws.expert.severity >"$T/$1.fields" 2>/dev/null
	read -r bad up down < <(awk -F'\t' -v u="$OFF_U" -v l="$OFF_L" -v m=$MTU_FRAME '
		# severity: expert error is 8388608 (PI_ERROR); malformed frames carry the field
		$3 != "" || $4 ~ /8388608/ { bad++ }
		$1 == u && $2 > m { up++ }
		$1 == l && $2 > m { down++ }
		END { print bad + 0, up + 0, down + 0 }' "$T/$1.fields")
	if [ "$(grep -c . "$T/$1.fields")" -gt 0 ] && [ "$bad" = 0 ]; then
		pass "$1: tshark reads $(grep -c . "$T/$1.fields") frames: no malformed frame, no expert error"
	else
		# kept for a look at the frame tshark flagged (the temp dir goes at exit)
		local keep=${USTACK_BUILD:-/tmp}/test-output/$(basename "$0" .sh)
		mkdir -p "$keep" && cp "$f" "$T/$1.fields" "$keep/" 2>/dev/null
		fail "$1: $bad malformed frame(s) or expert error(s) (capture and fields kept in $keep)"
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
	off_wait_ping
	local t0=$(date +%s.%N)
	nsx timeout 120 bash -c "head -c $bytes /dev/urandom | tee >(sha256sum | cut -d' ' -f1 >'$T/sent-$name.sha') |
		socat -u - $OFF_CONNECT"
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
	lt_bg "recv-$name.log" 120 bash -c "socat -u $OFF_LISTEN,reuseaddr - |
		tee >(wc -c >'$T/recv-$name.len') | sha256sum | cut -d' ' -f1 >'$T/recv-$name.sha'"
	local recv=$LT_LAST_PID
	lt_wait_listen 5002
	local t0=$(date +%s.%N)
	out=$(nsx timeout 120 "$USTACK_BIN" bulk --client "$OFF_L" --port 5002 --bytes "$bytes" \
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
