#!/usr/bin/env bash
# bench_xdp.sh - single-flow TCP throughput through ustack's AF_XDP device
# (`--dev xdp:vethB`, native XDP on the veth, copy mode) beside its AF_PACKET device
# (`--dev packet:vethB --no-offload`) and Linux <-> Linux over the same veth pair, each
# direction, MTU 1500, Linux's offloads off on both veth ends (AF_XDP carries wire frames
# only: every side then moves the same 1500-byte frames with full checksums); Linux with
# its offloads on is shown for reference. One table with the medians and the ratios.
#
#   sudo bench/bench_xdp.sh          (run by `make bench` as root; needs nc, ethtool)
#   BENCH_BYTES=67108864    bytes per transfer
#   BENCH_RUNS=3            transfers per cell (the median is printed)
#   QUICK=1                 16 MiB, one run: only checks that the bench still works
#
# Two namespaces the script creates and deletes: bxa-PID holds vethA (10.88.0.1, Linux);
# bxb-PID holds vethB, either without an address and with `ustack bulk` on it, or with
# 10.88.0.2 for the Linux <-> Linux runs. Linux's ends are nc, each hashing its stream
# with sha256sum as `ustack bulk` does on both ends; a rate is bytes / wall time of the
# sending side, except ustack -> Linux, where `ustack bulk --client` reports its own.
# A ustack built without libxdp: the AF_XDP cells read "-" and a note says why.
# Timings are not tests: a noisy 2-core machine; read the ratios with the load average.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${USTACK_BIN:-$SRC/build/bin/ustack}
BYTES=${BENCH_BYTES:-67108864}
RUNS=${BENCH_RUNS:-3}
if [ -n "${QUICK:-}" ]; then
	BYTES=16777216
	RUNS=1
fi

die() { echo "bench_xdp: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, AF_XDP, AF_PACKET)"
for t in nc ethtool timeout bc; do command -v $t >/dev/null || die "needs $t"; done
[ -x "$B" ] || die "$B is not built (make)"
XDP=1
"$B" ping --dev xdp:vethB 2>&1 | grep -q 'built without libxdp' && XDP=

NSA=bxa-$$
NSB=bxb-$$
IPA=10.88.0.1
IPB=10.88.0.2
T=$(mktemp -d /tmp/bench-xdp.XXXXXX)
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

SEND="head -c $BYTES /dev/zero | tee >(sha256sum >/dev/null) | nc -N"

na() { ip netns exec "$NSA" "$@"; }
nb() { ip netns exec "$NSB" "$@"; }
now() { date +%s.%N; }
gbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.3f", b * 8 / s / 1e9; else print "0" }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.2fx", a / b; else print "-" }'; }
offloads() {   # on|off, both ends
	na ethtool -K vethA tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
	nb ethtool -K vethB tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
}
listening() { [[ $("$@" ss -ltnH 2>/dev/null) == *":5004 "* ]]; }
wait_listen() {
	local i
	for ((i = 0; i < 100; i++)); do listening "$@" && return 0; sleep 0.05; done
	return 1
}

# linux_run FROM TO: FROM's nc sends BYTES to TO's nc; prints Gbit/s
linux_run() {
	local from=$1 to=$2 ip pid t0 t1
	[ "$to" = nb ] && ip=$IPB || ip=$IPA
	$to timeout 120 bash -c "nc -l $ip 5004 | sha256sum >/dev/null" &
	pid=$!
	wait_listen $to || { kill $pid 2>/dev/null; echo 0; return; }
	t0=$(now)
	$from timeout 120 bash -c "$SEND $ip 5004" || { echo 0; return; }
	t1=$(now)
	wait $pid
	gbps "$BYTES" "$(echo "$t1 - $t0" | bc)"
}

# ustack_up DEV [OPTS]: Linux (vethA) sends BYTES into `ustack bulk --server` on DEV; Gbit/s
ustack_up() {
	local dev=$1 pid t0 t1 i
	shift
	nb timeout 120 "$B" bulk --server --once --port 5004 --dev "$dev" --addr $IPB/24 \
		"$@" >"$T/srv.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do grep -q listening "$T/srv.log" && break; sleep 0.05; done
	na ping -c 1 -W 2 $IPB >/dev/null 2>&1
	t0=$(now)
	na timeout 120 bash -c "$SEND $IPB 5004" || { echo 0; return; }
	t1=$(now)
	wait $pid
	ip -n "$NSA" neigh flush dev vethA   # the next side has another MAC
	grep -q "received $BYTES bytes" "$T/srv.log" || { echo 0; return; }
	gbps "$BYTES" "$(echo "$t1 - $t0" | bc)"
}

# ustack_down DEV [OPTS]: `ustack bulk --client` on DEV sends BYTES to nc on vethA; Gbit/s
ustack_down() {
	local dev=$1 pid out
	shift
	na timeout 120 bash -c "nc -l $IPA 5004 | sha256sum >/dev/null" &
	pid=$!
	wait_listen na || { kill $pid 2>/dev/null; echo 0; return; }
	out=$(nb timeout 120 "$B" bulk --client $IPA --port 5004 --bytes "$BYTES" \
		--dev "$dev" --addr $IPB/24 "$@" 2>&1)
	wait $pid
	ip -n "$NSA" neigh flush dev vethA
	sed -n 's/.*= \([0-9.]*\) Gbit\/s.*/\1/p' <<<"$out" | head -1 | grep . || echo 0
}

declare -A R
for ((r = 0; r < RUNS; r++)); do
	offloads off
	if [ -n "$XDP" ]; then
		R[xdp_up]+="$(ustack_up xdp:vethB) "
		R[xdp_down]+="$(ustack_down xdp:vethB) "
	fi
	R[pk_up]+="$(ustack_up packet:vethB --no-offload) "
	R[pk_down]+="$(ustack_down packet:vethB --no-offload) "
	ip -n "$NSB" addr add $IPB/24 dev vethB
	R[lx_up]+="$(linux_run na nb) "
	R[lx_down]+="$(linux_run nb na) "
	offloads on
	R[lxo_up]+="$(linux_run na nb) "
	R[lxo_down]+="$(linux_run nb na) "
	ip -n "$NSB" addr del $IPB/24 dev vethB
	ip -n "$NSA" neigh flush dev vethA
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

printf '\nustack on a veth through AF_XDP (native XDP, copy mode, libxdp) and AF_PACKET (TPACKET_V3, no offloads)\n'
printf 'vs Linux <-> Linux on the same veth; MTU 1500, offloads off (Linux "on": for reference);\n'
printf '%d MiB per transfer, median of %d; Gbit/s; every end hashes its stream (load average %s)\n\n' \
	$((BYTES / 1048576)) "$RUNS" "$load"
printf '%-18s %9s %9s %9s %9s %11s %11s\n' direction "AF_XDP" "AF_PACKET" "Linux" "Linux on" "XDP/Linux" "XDP/PACKET"
for d in up down; do
	x=$(median <<<"${R[xdp_$d]:-}")
	p=$(median <<<"${R[pk_$d]}")
	l=$(median <<<"${R[lx_$d]}")
	lo=$(median <<<"${R[lxo_$d]}")
	[ $d = up ] && name="Linux -> ustack" || name="ustack -> Linux"
	printf '%-18s %9s %9s %9s %9s %11s %11s\n' "$name" "$x" "$p" "$l" "$lo" "$(ratio "$x" "$l")" "$(ratio "$x" "$p")"
done
printf '\nruns (Gbit/s): AF_XDP up [%s] down [%s]; AF_PACKET up [%s] down [%s]; Linux up [%s] down [%s]; on up [%s] down [%s]\n' \
	"$(echo ${R[xdp_up]:-})" "$(echo ${R[xdp_down]:-})" "${R[pk_up]% }" "${R[pk_down]% }" \
	"${R[lx_up]% }" "${R[lx_down]% }" "${R[lxo_up]% }" "${R[lxo_down]% }"
[ -n "$XDP" ] || echo "note: this ustack was built without libxdp (Debian libxdp-dev libbpf-dev): no AF_XDP cells"
