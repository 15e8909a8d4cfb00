# lib_relay.sh - what bench_loss.sh and bench_fair.sh share (sourced): three namespaces
# with bench/relay between them, tap0 for ustack in the left one, cleanup at exit.
#
#   ns L (left)                              ns M               ns R (right)
#   ustack 10.91.2.2 --tap0-- 10.91.2.1      lm <-relay-> rm    ra 10.91.0.2
#                             la 10.91.0.1 --+                +-- (route to 10.91.0.0/16
#                             (forwarding)                         via 10.91.0.1)
# The veths carry whole frames (offloads off, MTU 1500): the relay sees what the wire would.
# The caller sets B (ustack), RELAY, LR_NAME (for messages and temp names) first.
# Linux's congestion control: BENCH_LINUX_CC (default cubic, Linux's own default and
# ustack's), set per socket by xfer.py --cc: a namespace inherits the host's default
# (maybe bbr) and may only change it to one of the host's "allowed" algorithms.

PY=$(command -v /usr/bin/python3 || command -v python3)
LINUX_CC=${BENCH_LINUX_CC:-cubic}
BENCH_NAME=$LR_NAME
source "$(dirname "${BASH_SOURCE[0]}")/lib_bench.sh"
command -v ethtool >/dev/null || die "needs ethtool (Debian package ethtool)"
[ -n "$PY" ] || die "needs python3"
[ -x "$B" ] || die "$B is not built (make)"
[ -x "$RELAY" ] || die "$RELAY is not built (make)"

NSL=${LR_NAME}-l-$$
NSM=${LR_NAME}-m-$$
NSR=${LR_NAME}-r-$$
RELAY_PID=
bench_cleanup_hook() { relay_stop; }

relay_stop() {
	[ -n "$RELAY_PID" ] || return 0
	kill -TERM "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=
}

# relay_start OPTION...: bench/relay between lm and rm with these options (--loss ...)
relay_start() {
	relay_stop
	: >"$T/relay.log"
	ip netns exec "$NSM" timeout -k 5 3600 "$RELAY" --a lm --b rm "$@" >>"$T/relay.log" 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 50); do grep -q "^relay:" "$T/relay.log" && return 0; sleep 0.05; done
	cat "$T/relay.log" >&2
	die "the relay did not start"
}

# wait_listen NS PORT: until something listens on TCP PORT in NS (5 s at most)
wait_listen() {
	for _ in $(seq 100); do
		[[ $(ip netns exec "$1" ss -ltnH 2>/dev/null) == *":$2 "* ]] && return 0
		sleep 0.05
	done
}

# lr_tap NAME LINUX_CIDR: a TAP in ns L for a ustack process
lr_tap() {
	ip -n "$NSL" tuntap add dev "$1" mode tap
	ip -n "$NSL" addr add "$2" dev "$1"
	ip -n "$NSL" link set "$1" up
}

lr_setup() {
	bench_netns "$NSL" "$NSM" "$NSR"
	ip -n "$NSL" link add la type veth peer name lm netns "$NSM"
	ip -n "$NSR" link add ra type veth peer name rm netns "$NSM"
	ip -n "$NSL" addr add 10.91.0.1/24 dev la
	ip -n "$NSR" addr add 10.91.0.2/24 dev ra
	# whole frames with their checksums: no super-frames, no partial checksums
	ip netns exec "$NSL" ethtool -K la tso off gso off gro off tx off rx off >/dev/null 2>&1
	ip netns exec "$NSR" ethtool -K ra tso off gso off gro off tx off rx off >/dev/null 2>&1
	ip netns exec "$NSM" ethtool -K lm tso off gso off gro off tx off rx off >/dev/null 2>&1
	ip netns exec "$NSM" ethtool -K rm tso off gso off gro off tx off rx off >/dev/null 2>&1
	for d in "$NSL la" "$NSM lm" "$NSM rm" "$NSR ra"; do
		set -- $d
		ip -n "$1" link set "$2" up
	done
	lr_tap tap0 10.91.2.1/24
	ip netns exec "$NSL" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NSR" route add 10.91.0.0/16 via 10.91.0.1
}

