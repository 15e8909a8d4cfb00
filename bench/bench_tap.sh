#!/usr/bin/env bash
# bench_tap.sh - single-flow TCP throughput over a TAP: ustack (`ustack bulk
# --no-digest`) <-> Linux, each direction, with the TAP's offloads on (virtio-net
# header, TSO/checksums) and off (--no-offload), against Linux <-> Linux over a veth
# pair with the same MTU (1500) and its offloads on and off (ethtool -K). The Linux
# end is the same small kernel-socket program in every case (bench/tap_peer.py,
# default buffers); iperf3 over the veth is printed beside it for reference.
# Then lwIP on the same TAP (bench/lwip_tap: Debian's liblwip with a netif that
# writes frames to the tap and a reader thread feeding it; plain frames, lwIP takes no
# offloads) against the same Linux peer, and the ratios ustack / lwIP.
# Medians of BENCH_RUNS runs; tables with the ratios and the load average.
# BENCH_TAP_IPV6=1 adds the same flow over IPv6 with the offloads on (TSO6, checksums;
# ustack --addr6) against Linux <-> Linux over the veth by IPv6, beside the IPv4 rows.
#
#   sudo bench/bench_tap.sh          (or `make bench`; needs root, python3, ethtool, iperf3)
#   BENCH_TAP_BYTES=1073741824      bytes per transfer
#   BENCH_RUNS=3                    runs per figure (the median is printed)
#   QUICK=1                         64 MiB, one run: proves the bench runs
#   BENCH_TAP_IPV6=1                the IPv6 rows too
#
# Namespaces the script creates and deletes:
#   bta-PID: tap0 10.89.1.1/24 (Linux) <-> ustack 10.89.1.2; veth0 10.89.2.1/24
#   btb-PID: veth1 10.89.2.2/24
#   (IPv6: tap0 2001:db8:89:1::1/64 <-> ustack ::2; veth0 2001:db8:89:2::1, veth1 ::2)
# Timings are not tests: a noisy 2-core machine; read the ratios with the load average.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${USTACK_BIN:-$SRC/build/bin/ustack}
LW=${LWIP_TAP_BIN:-$(dirname "$B")/lwip_tap}
PEER=$SRC/bench/tap_peer.py
BYTES=${BENCH_TAP_BYTES:-1073741824}
RUNS=${BENCH_RUNS:-3}
if [ -n "${QUICK:-}" ]; then
	BYTES=67108864
	RUNS=1
fi

BENCH_NAME=bench_tap
source "$SRC/bench/lib_bench.sh"
[ -x "$B" ] || die "$B is not built (make)"
[ -x "$LW" ] || die "$LW is not built (make)"
for t in python3 ethtool timeout; do
	command -v $t >/dev/null || die "needs $t (scripts/install-deps.sh)"
done
HAVE_IPERF=1
command -v iperf3 >/dev/null || HAVE_IPERF=

NSA=bta-$$
NSB=btb-$$
PIDS=()
bench_cleanup_hook() { local p; for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; }
bench_netns "$NSA" "$NSB"
ip -n "$NSA" tuntap add dev tap0 mode tap
ip -n "$NSA" addr add 10.89.1.1/24 dev tap0
ip -n "$NSA" link set tap0 up
ip -n "$NSA" link add veth0 mtu 1500 type veth peer name veth1 mtu 1500 netns "$NSB"
ip -n "$NSA" addr add 10.89.2.1/24 dev veth0
ip -n "$NSB" addr add 10.89.2.2/24 dev veth1
ip -n "$NSA" link set veth0 up
ip -n "$NSB" link set veth1 up
V6=${BENCH_TAP_IPV6:-}
if [ -n "$V6" ]; then
	# IPv6 on these three links only (bench_netns turned it off for the rest)
	ip netns exec "$NSA" sysctl -qw net.ipv6.conf.tap0.disable_ipv6=0 net.ipv6.conf.veth0.disable_ipv6=0
	ip netns exec "$NSB" sysctl -qw net.ipv6.conf.veth1.disable_ipv6=0
	ip -n "$NSA" addr add 2001:db8:89:1::1/64 dev tap0 nodad
	ip -n "$NSA" addr add 2001:db8:89:2::1/64 dev veth0 nodad
	ip -n "$NSB" addr add 2001:db8:89:2::2/64 dev veth1 nodad
fi
# The family of tap_in / tap_out / veth_run: ustack's and Linux's addresses on the tap,
# the veth ends, ustack's address options
fam4() { TU=10.89.1.2; TL=10.89.1.1; VA=10.89.2.1; VB=10.89.2.2; UNET=(--addr 10.89.1.2/24); }
fam6() {
	TU=2001:db8:89:1::2; TL=2001:db8:89:1::1; VA=2001:db8:89:2::1; VB=2001:db8:89:2::2
	UNET=(--addr 10.89.1.2/24 --addr6 2001:db8:89:1::2/64)
}
fam4

A() { ip netns exec "$NSA" "$@"; }
Bns() { ip netns exec "$NSB" "$@"; }
gbps() { grep -o '[0-9.]* Gbit/s' | head -n 1 | cut -d' ' -f1; }   # the first "N Gbit/s" of stdin
wait_file() { local i; for ((i = 0; i < 200; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# Linux -> ustack (or lwIP: first argument lwip): ustack bulk --server; the rate
# ustack measured
tap_in() {
	local log=$T/srv.log side=ustack
	if [ "${1:-}" = lwip ]; then
		side=lwIP
		A timeout 120 "$LW" --tap tap0 --addr 10.89.1.2/24 --server 5001 >"$log" 2>&1 &
	else
		A timeout 120 "$B" bulk --server --once --no-digest --port 5001 --tap tap0 \
			"${UNET[@]}" "$@" >"$log" 2>&1 &
	fi
	local srv=$!
	PIDS+=("$srv")
	wait_file "$log" "listening on" || { echo "bench_tap: $side did not listen: $(tail -n 2 "$log" | tr '\n' ' ')" >&2; touch "$T/fail-$side"; echo "-"; return; }
	A ping -n -c 1 -W 1 "$TU" >/dev/null 2>&1
	A timeout 120 python3 "$PEER" send "$TU" 5001 "$BYTES" >"$T/snd.log" 2>&1
	wait "$srv"
	if ! grep -q Gbit/s "$log"; then
		echo "bench_tap: Linux -> $side $*: no figure; $side said: $(tail -n 2 "$log" | tr '\n' ' ')" \
			"Linux said: $(tail -n 2 "$T/snd.log" | tr '\n' ' ')" >&2
		touch "$T/fail-$side"
		echo "-"
		return
	fi
	gbps <"$log"
}

# ustack (or lwIP: first argument lwip) -> Linux: ustack bulk --client; the rate the
# Linux receiver measured
tap_out() {
	local log=$T/recv.log side=ustack
	A timeout 120 python3 "$PEER" recv "$TL" 5002 >"$log" 2>&1 &
	local rcv=$!
	PIDS+=("$rcv")
	wait_file "$log" listening || { echo "-"; return; }
	if [ "${1:-}" = lwip ]; then
		side=lwIP
		A timeout 120 "$LW" --tap tap0 --addr 10.89.1.2/24 --client 10.89.1.1 5002 "$BYTES" \
			>"$T/cli.log" 2>&1
	else
		A timeout 120 "$B" bulk --client "$TL" --port 5002 --bytes "$BYTES" --no-digest \
			--tap tap0 "${UNET[@]}" "$@" >"$T/cli.log" 2>&1
	fi
	wait "$rcv"
	if ! grep -q Gbit/s "$log"; then
		echo "bench_tap: $side -> Linux $*: no figure; $side said: $(tail -n 2 "$T/cli.log" | tr '\n' ' ')" \
			"Linux said: $(tail -n 2 "$log" | tr '\n' ' ')" >&2
		touch "$T/fail-$side"
		echo "-"
		return
	fi
	gbps <"$log"
}

# Linux -> Linux over the veth: FROM_NS TO_NS TO_IP
veth_run() {
	local log=$T/vrecv.log
	ip netns exec "$2" timeout 120 python3 "$PEER" recv "$3" 5003 >"$log" 2>&1 &
	local rcv=$!
	PIDS+=("$rcv")
	wait_file "$log" listening || { echo "-"; return; }
	ip netns exec "$1" timeout 120 python3 "$PEER" send "$3" 5003 "$BYTES" >/dev/null 2>&1
	wait "$rcv"
	gbps <"$log" || echo "-"
}

# iperf3 over the veth, 3 s, one flow: FROM_NS TO_IP (server in the other)
iperf_veth() {
	[ -n "$HAVE_IPERF" ] || { echo "-"; return; }
	local sns=$NSB
	[ "$1" = "$NSB" ] && sns=$NSA
	ip netns exec "$sns" timeout 30 iperf3 -s -1 -B "$2" >/dev/null 2>&1 &
	local s=$!
	PIDS+=("$s")
	sleep 0.5
	ip netns exec "$1" timeout 30 iperf3 -c "$2" -t 3 -f g 2>/dev/null |
		awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }'
	wait "$s" 2>/dev/null
}

veth_offloads() {
	A ethtool -K veth0 tx "$1" rx "$1" tso "$1" gso "$1" gro "$1" >/dev/null 2>&1
	Bns ethtool -K veth1 tx "$1" rx "$1" tso "$1" gso "$1" gro "$1" >/dev/null 2>&1
}

declare -A R
for off in on off; do
	flag=()
	[ $off = off ] && flag=(--no-offload)
	veth_offloads $off
	for ((r = 0; r < RUNS; r++)); do
		R[in-$off]+=" $(tap_in "${flag[@]}")"
		R[out-$off]+=" $(tap_out "${flag[@]}")"
		R[vin-$off]+=" $(veth_run "$NSB" "$NSA" 10.89.2.1)"
		R[vout-$off]+=" $(veth_run "$NSA" "$NSB" 10.89.2.2)"
	done
	if [ $off = off ]; then
		for ((r = 0; r < RUNS; r++)); do
			R[lin]+=" $(tap_in lwip)"
			R[lout]+=" $(tap_out lwip)"
		done
	fi
	R[iin-$off]=$(iperf_veth "$NSB" 10.89.2.1)
	R[iout-$off]=$(iperf_veth "$NSA" 10.89.2.2)
done
veth_offloads on
if [ -n "$V6" ]; then
	fam6
	for ((r = 0; r < RUNS; r++)); do
		R[in-v6]+=" $(tap_in)"
		R[out-v6]+=" $(tap_out)"
		R[vin-v6]+=" $(veth_run "$NSB" "$NSA" "$VA")"
		R[vout-v6]+=" $(veth_run "$NSA" "$NSB" "$VB")"
	done
	R[iin-v6]=$(iperf_veth "$NSB" "$VA")
	R[iout-v6]=$(iperf_veth "$NSA" "$VB")
	fam4
fi

echo
echo "bench_tap: one TCP flow, MTU 1500, $((BYTES >> 20)) MiB per transfer, median of $RUNS run(s) (Gbit/s)"
printf "%-16s %-9s %10s %14s %8s %14s\n" direction offloads ustack "Linux (veth)" ratio "iperf3 (veth)"
for off in on off ${V6:+v6}; do
	for d in in out; do
		u=$(echo "${R[$d-$off]}" | median)
		l=$(echo "${R[v$d-$off]}" | median)
		name="Linux -> ustack"
		[ $d = out ] && name="ustack -> Linux"
		o=$off
		[ $off = v6 ] && o="on, IPv6"
		printf "%-16s %-9s %10s %14s %8s %14s\n" "$name" "$o" "$u" "$l" "$(ratio "$u" "$l")" "${R[i$d-$off]:--}"
	done
done
echo
echo "lwIP $("$LW" --version 2>/dev/null) on the same TAP (plain frames: lwIP takes no offloads), same Linux peer (Gbit/s)"
printf "%-16s %10s %12s %8s %12s %8s\n" direction lwIP "ustack on" ratio "ustack off" ratio
for d in in out; do
	lw=$(echo "${R[l$d]}" | median)
	uon=$(echo "${R[$d-on]}" | median)
	uoff=$(echo "${R[$d-off]}" | median)
	name="Linux -> lwIP"
	[ $d = out ] && name="lwIP -> Linux"
	printf "%-16s %10s %12s %8s %12s %8s\n" "$name" "$lw" "$uon" "$(ratio "$uon" "$lw")" "$uoff" "$(ratio "$uoff" "$lw")"
done
echo "runs (Gbit/s): $(for k in "${!R[@]}"; do printf '%s:[%s] ' "$k" "${R[$k]# }"; done)"
echo "load average: $(load_average)"
# A side that could not run (no figure at all) fails the bench; a poor figure never does.
if [ -e "$T/fail-lwIP" ]; then
	echo "bench_tap: lwIP on the TAP could not run (see above)" >&2
	exit 1
fi
