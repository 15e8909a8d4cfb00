# lib_tcp.sh - what the TCP interop tests (HTTP, get, half-close, bulk) add to lib.sh,
# sourced: one namespace with tap0 (Linux LT_LINUX_IP, ustack LT_USTACK_IP), background
# commands with their output in one log, waits on a log line or a Linux listener, file
# comparison, and the tshark checks of a TCP capture. lib.sh owns the namespace, the
# temp dir ($T), the cleanup trap and the pass/fail counts.
#
#   source "$(dirname "$0")/lib_tcp.sh"
#   lt_setup http curl                      # lib_init + tap0; fails if curl is missing
#   lt_bg serve.log 300 "$USTACK_BIN" serve --tap tap0 --addr "$LT_USTACK_IP/24" ...
#   lt_wait_log serve.log "Serving HTTP" 20
#   nsx curl ...                            # runs inside the namespace
#   lt_stop "$pid"                          # SIGTERM, bounded wait, its exit status
#   lt_check_pcap "$T/x.pcap"               # handshake, no malformed/bad checksum/warnings
#   lib_finish

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LT_LINUX_IP=10.77.0.1
LT_USTACK_IP=10.77.0.2
LT_LAST_PID=

lt_log() { echo "[$(date +%T)] $*"; }

# lt_setup NAME [TOOL...]: the namespace with tap0 up at LT_LINUX_IP/24; fails (prerequisite missing)
# when a TOOL is missing.
lt_setup() {
	local name=$1 t
	shift
	for t in timeout "$@"; do
		command -v "$t" >/dev/null 2>&1 || lib_require "needs $t"
	done
	lib_init "$name"
	ns_tap tap0 "$LT_LINUX_IP/24"
}

# lt_bg LOG SECONDS CMD...: CMD inside the namespace in the background, killed after
# SECONDS at the latest, stdout and stderr to $T/LOG. Its pid in LT_LAST_PID.
lt_bg() {
	local log=$1 secs=$2
	shift 2
	ip netns exec "$NS" timeout -s TERM -k 5 "$secs" "$@" >"$T/$log" 2>&1 &
	LT_LAST_PID=$!
	BG_PIDS+=("$LT_LAST_PID")
}

# lt_wait_log LOG TEXT SECONDS: until TEXT appears in $T/LOG; exits the test otherwise.
lt_wait_log() {
	if ! wait_for "$3" grep -qF -- "$2" "$T/$1"; then
		echo "--- $1:"
		tail -n 20 "$T/$1"
		fail "'$2' did not appear in $1 within $3 s"
		lib_finish
	fi
}

# lt_wait_listen PORT: until Linux listens on TCP PORT in the namespace.
lt_has_listener() { [[ $(nsx ss -ltnH 2>/dev/null) == *":$1 "* ]]; }
lt_wait_listen() {
	wait_for 10 lt_has_listener "$1" || { fail "nothing listens on port $1"; lib_finish; }
}

# lt_wait_ping IP SECONDS: until IP answers Linux's ping (not fatal: returns 1).
lt_wait_ping() {
	local i
	for ((i = 0; i < $2; i++)); do
		nsx ping -n -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
	done
	lt_log "no ping answer from $1 within $2 s (going on)"
	return 1
}

# lt_stop PID [SECONDS]: SIGTERM, bounded wait; returns its exit status (137 if killed).
lt_stop() {
	kill -TERM "$1" 2>/dev/null
	lt_wait_exit "$1" "${2:-15}"
}

# lt_wait_exit PID SECONDS: waits for PID to end; its status (137 when it had to be killed).
lt_wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 137
	fi
	wait "$1"
}

lt_sha() { sha256sum "$1" | cut -d' ' -f1; }

# lt_same_file WANT GOT WHAT: byte-identical (size and SHA-256).
lt_same_file() {
	local a b sa sb
	a=$(lt_sha "$1")
	b=$(lt_sha "$2")
	sa=$(stat -c %s "$1")
	sb=$(stat -c %s "$2")
	if [ "$a" = "$b" ] && [ "$sa" = "$sb" ]; then
		pass "$3: identical ($sb bytes, sha256 $a)"
	else
		fail "$3: differs (want $sa bytes sha256 $a, got $sb bytes sha256 $b)"
	fi
}

# lt_check_halfclose FILE CLOSER OTHER WHAT: on the wire, CLOSER's first FIN comes
# before a segment carrying data from OTHER (data flowed on the half-closed connection).
lt_check_halfclose() {
	command -v tshark >/dev/null || { fail "$4: tshark is missing"; return; }
	local fin data
	fin=$(timeout 120 tshark -n -r "$1" -d tcp.port==5001,data -Y "tcp.flags.fin == 1 && ip.src == $2" \
		-T fields -e frame.number 2>/dev/null | head -n 1)
	data=$(timeout 120 tshark -n -r "$1" -d tcp.port==5001,data -Y "tcp.len > 0 && ip.src == $3" \
		-T fields -e frame.number 2>/dev/null | tail -n 1)
	if [ -n "$fin" ] && [ -n "$data" ] && [ "$fin" -lt "$data" ]; then
		pass "$4: FIN from $2 in frame $fin, data from $3 after it (frame $data)"
	else
		fail "$4: FIN from $2 in frame '${fin}', last data from $3 in frame '${data}'"
	fi
}

# lt_capture_start NAME IFACE SNAPLEN USTACK_IP LINUX_IP: tshark on IFACE (in the test's
# namespace), the first 2000 frames from each side, one tshark per source so that both
# directions are seen whatever runs first (SNAPLEN 0: whole frames); lt_capture_stop
# merges them into $T/NAME.pcap.
lt_capture_start() {
	lt_bg "cap-$1-u.log" 200 tshark -n -i "$2" -s "$3" -c 2000 -f "src host $4" \
		-F pcap -w "$T/$1-u.pcap"
	LT_CAP_U=$LT_LAST_PID
	lt_bg "cap-$1-l.log" 200 tshark -n -i "$2" -s "$3" -c 2000 -f "src host $5" \
		-F pcap -w "$T/$1-l.pcap"
	LT_CAP_L=$LT_LAST_PID
	wait_for 15 grep -q "Capturing on" "$T/cap-$1-u.log" || lt_log "tshark (ustack side) did not start"
	wait_for 15 grep -q "Capturing on" "$T/cap-$1-l.log" || lt_log "tshark (Linux side) did not start"
	LT_CAP_NAME=$1
}
lt_capture_stop() {
	sleep 0.3
	lt_stop "$LT_CAP_U" 10 >/dev/null
	lt_stop "$LT_CAP_L" 10 >/dev/null
	timeout 30 mergecap -F pcap -w "$T/$LT_CAP_NAME.pcap" "$T/$LT_CAP_NAME-u.pcap" \
		"$T/$LT_CAP_NAME-l.pcap" || fail "$LT_CAP_NAME: mergecap failed"
}

# lt_check_pcap FILE: what Wireshark says of a capture:
#  - at least one complete three-way handshake (SYN, SYN-ACK acking it, ACK acking that)
#  - no malformed packet, no bad IPv4 or TCP checksum
#  - no "ACKed segment that wasn't captured", no zero-window violation (more than a
#    one-byte probe sent into a zero window, or an expert message saying "violat...")
lt_check_pcap() {
	local f=$1 n out name
	name=$(basename "$f")
	if ! command -v tshark >/dev/null; then
		fail "$name: tshark is missing, the capture cannot be checked"
		return
	fi
	[ -s "$f" ] || { fail "$name: capture missing or empty"; return; }
	# The bulk ports carry random bytes: decoded as plain data. Left to its heuristics,
	# tshark takes one of them for a protocol announcing a huge PDU and reassembles the
	# stream again and again (minutes for a 256 MiB capture instead of seconds).
	# A test may add its own (LT_TSHARK_EXTRA, an array): test_http decodes its 64 MiB
	# HTTP bodies as data too, since reassembling them costs tshark a minute per pass.
	local ts=(timeout 300 tshark -n -r "$f" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE
		-d tcp.port==5001,data -d tcp.port==5002,data ${LT_TSHARK_EXTRA[@]+"${LT_TSHARK_EXTRA[@]}"})

	out=$("${ts[@]}" -Y tcp -T fields -e tcp.stream -e tcp.flags.syn -e tcp.flags.ack \
		-e tcp.seq_raw -e tcp.ack_raw 2>/dev/null | awk '
		$2 == 1 && $3 == 0 { syn[$1] = $4 }
		$2 == 1 && $3 == 1 && ($1 in syn) && $5 == (syn[$1] + 1) % 4294967296 { sa[$1] = $4 }
		$2 == 0 && $3 == 1 && ($1 in sa) && $5 == (sa[$1] + 1) % 4294967296 { done[$1] = 1 }
		END { n = 0; for (s in done) n++; print n }')
	if [ "${out:-0}" -ge 1 ]; then
		pass "$name: $out complete three-way handshake(s)"
	else
		fail "$name: no complete three-way handshake"
	fi

	# Linux's TCP may send checksum 0xffff (one's complement -0, valid on receipt,
	# RFC 1624); Wireshark marks it bad. Only ustack's own 0xffff counts here.
	local bad="_ws.malformed || ip.checksum.status == 0 ||
		(tcp.checksum.status == 0 && !(tcp.checksum.ffff && ip.src == $LT_LINUX_IP)) ||
		tcp.analysis.ack_lost_segment || (tcp.analysis.zero_window_probe && tcp.len > 1) ||
		_ws.expert.message contains \"violat\""
	out=$("${ts[@]}" -Y "$bad" 2>/dev/null)
	n=$(grep -c . <<<"$out")
	if [ "$n" = 0 ]; then
		pass "$name: no malformed packet, bad checksum, ACKed unseen segment or window violation"
	else
		fail "$name: $n suspicious frame(s):"
		head -n 20 <<<"$out"
	fi
	# for the log: what else Wireshark noticed (retransmissions, dup ACKs, ...); not for
	# captures past 64 MB, where a third pass costs tshark tens of seconds for the log only
	[ "$(stat -c %s "$f")" -le 67108864 ] &&
		"${ts[@]}" -q -z expert,note 2>/dev/null | grep -E '^(Warns|Notes|Errors)|^ +[0-9]+ ' | head -n 20
	return 0
}
