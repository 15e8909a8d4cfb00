#!/usr/bin/env bash
# bench_packet.sh - single-flow TCP throughput through ustack's AF_PACKET device
# (`--dev packet:vethB`) on a veth pair, each direction, against Linux <-> Linux over
# the same veth pair at the same MTU (1500), with offloads off (Linux's `ethtool -K tx off`,
# ustack's --no-offload) and on (Linux's, and the device's through PACKET_VNET_HDR: TCP
# super-frames and partial checksums both ways); one table with the medians and ratios.
#
#   sudo bench/bench_packet.sh        (run by `make bench` as root; needs nc, ethtool)
#   BENCH_BYTES=268435456   bytes per transfer
#   BENCH_RUNS=3            transfers per cell (the median is printed)
#   QUICK=1                 16 MiB, one run: only checks that the bench still works
#
# Two namespaces the script creates and deletes: bpa-PID holds vethA (10.89.0.1, Linux);
# bpb-PID holds vethB, either without an address and with `ustack bulk` on it, or with
# 10.89.0.2 for the Linux <-> Linux runs. Linux's sender and receiver are nc, each
# hashing its stream with sha256sum as `ustack bulk` does on both ends (the hash is
# most of bulk's CPU time: without it on Linux's side the comparison would not be the
# same work); a rate is bytes / wall time of the sending side, except ustack -> Linux,
# where `ustack bulk --client` reports its own (from connect to close).
# Timings are not tests: a noisy 2-core machine; read the ratios with the load average.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${USTACK_BIN:-$SRC/build/bin/ustack}
BYTES=${BENCH_BYTES:-268435456}
RUNS=${BENCH_RUNS:-3}
if [ -n "${QUICK:-}" ]; then
	BYTES=16777216
	RUNS=1
fi

die() { echo "bench_packet: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, AF_PACKET)"
for t in nc ethtool timeout; do command -v $t >/dev/null || die "needs $t"; done
[ -x "$B" ] || die "$B is not built (make)"

NSA=bpa-$$
NSB=bpb-$$
IPA=10.89.0.1
IPB=10.89.0.2
T=$(mktemp -d /tmp/bench-packet.XXXXXX)
cleanup() {
	for ns in "$NSA" "$NSB"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NSA" || die "cannot create namespace"
ip netns add "$NSB" || die "cannot create namespace"
for ns in "$NSA" "$NSB"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add vethA netns "$NSA" type veth peer name vethB netns "$NSB" || die "cannot make the veth pair"
ip -n "$NSA" addr add $IPA/24 dev vethA
ip -n "$NSA" link set vethA up
ip -n "$NSB" link set vethB up

# Linux's sender: BYTES zeros, hashed on the way, into nc (then: IP PORT)
SEND="head -c $BYTES /dev/zero | tee >(sha256sum >/dev/null) | nc -N"

na() { ip netns exec "$NSA" "$@"; }
nb() { ip netns exec "$NSB" "$@"; }
now() { date +%s.%N; }
gbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.3f", b * 8 / s / 1e9; else print "0" }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "0" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
offloads() {   # on|off, both ends
	na ethtool -K vethA tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
	nb ethtool -K vethB tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
}
listening() { [[ $("$@" ss -ltnH 2>/dev/null) == *":5003 "* ]]; }
wait_listen() {   # NSCMD...
	local i
	for ((i = 0; i < 100; i++)); do listening "$@" && return 0; sleep 0.05; done
	return 1
}

# linux_run FROM TO: FROM's nc sends BYTES to TO's nc; prints Gbit/s
linux_run() {
	local from=$1 to=$2 ip pid t0 t1
	[ "$to" = nb ] && ip=$IPB || ip=$IPA
	$to timeout 120 bash -c "nc -l $ip 5003 | sha256sum >/dev/null" &
	pid=$!
	wait_listen $to || { kill $pid 2>/dev/null; echo 0; return; }
	t0=$(now)
	$from timeout 120 bash -c "$SEND $ip 5003" || { echo 0; return; }
	t1=$(now)
	wait $pid
	gbps "$BYTES" "$(echo "$t1 - $t0" | bc)"
}

# ustack_up [OPTS]: Linux (vethA) sends BYTES into `ustack bulk --server` on vethB; Gbit/s
ustack_up() {
	local pid t0 t1 i
	nb timeout 120 "$B" bulk --server --once --port 5003 --dev packet:vethB --addr $IPB/24 \
		"$@" >"$T/srv.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do grep -q listening "$T/srv.log" && break; sleep 0.05; done
	na ping -c 1 -W 2 $IPB >/dev/null 2>&1
	t0=$(now)
	na timeout 120 bash -c "$SEND $IPB 5003" || { echo 0; return; }
	t1=$(now)
	wait $pid
	grep -q "received $BYTES bytes" "$T/srv.log" || { echo 0; return; }
	gbps "$BYTES" "$(echo "$t1 - $t0" | bc)"
}

# ustack_down [OPTS]: `ustack bulk --client` on vethB sends BYTES to nc on vethA; its Gbit/s
ustack_down() {
	local pid out
	na timeout 120 bash -c "nc -l $IPA 5003 | sha256sum >/dev/null" &
	pid=$!
	wait_listen na || { kill $pid 2>/dev/null; echo 0; return; }
	out=$(nb timeout 120 "$B" bulk --client $IPA --port 5003 --bytes "$BYTES" \
		--dev packet:vethB --addr $IPB/24 "$@" 2>&1)
	wait $pid
	sed -n 's/.*= \([0-9.]*\) Gbit\/s.*/\1/p' <<<"$out" | head -1 | grep . || echo 0
}

declare -A R
for ((r = 0; r < RUNS; r++)); do
	offloads off
	R[us_off_up]+="$(ustack_up --no-offload) "
	R[us_off_down]+="$(ustack_down --no-offload) "
	offloads on
	R[us_on_up]+="$(ustack_up) "
	R[us_on_down]+="$(ustack_down) "
	offloads off
	ip -n "$NSA" neigh flush dev vethA
	ip -n "$NSB" addr add $IPB/24 dev vethB
	ip -n "$NSA" neigh flush dev vethA   # forget ustack's MAC for IPB
	R[lx_off_up]+="$(linux_run na nb) "
	R[lx_off_down]+="$(linux_run nb na) "
	offloads on
	R[lx_on_up]+="$(linux_run na nb) "
	R[lx_on_down]+="$(linux_run nb na) "
	ip -n "$NSB" addr del $IPB/24 dev vethB
	ip -n "$NSA" neigh flush dev vethA
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

printf '\nustack on a veth through AF_PACKET (TPACKET_V3 RX ring, send() with QDISC_BYPASS, PACKET_VNET_HDR),\n'
printf 'MTU 1500, %d MiB per transfer, median of %d; Gbit/s; every end hashes its stream\n(load average %s)\n\n' \
	$((BYTES / 1048576)) "$RUNS" "$load"
printf '%-18s %8s %8s %7s %8s %8s %7s\n' "offloads:" "ustack" "Linux" "off" "ustack" "Linux" "on"
printf '%-18s %8s %8s %7s %8s %8s %7s\n' direction off off ratio on on ratio
for d in up down; do
	uoff=$(median <<<"${R[us_off_$d]}")
	uon=$(median <<<"${R[us_on_$d]}")
	off=$(median <<<"${R[lx_off_$d]}")
	on=$(median <<<"${R[lx_on_$d]}")
	[ $d = up ] && name="Linux -> ustack" || name="ustack -> Linux"
	printf '%-18s %8s %8s %7s %8s %8s %7s\n' "$name" "$uoff" "$off" "$(ratio "$uoff" "$off")" \
		"$uon" "$on" "$(ratio "$uon" "$on")"
done
printf '\nruns (Gbit/s): ustack off up [%s] down [%s], on up [%s] down [%s]; Linux off up [%s] down [%s]; on up [%s] down [%s]\n' \
	"${R[us_off_up]% }" "${R[us_off_down]% }" "${R[us_on_up]% }" "${R[us_on_down]% }" \
	"${R[lx_off_up]% }" "${R[lx_off_down]% }" "${R[lx_on_up]% }" "${R[lx_on_down]% }"
