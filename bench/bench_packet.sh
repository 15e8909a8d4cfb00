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
# 10.89.0.2 for the Linux <-> Linux runs (bench/lib_veth.sh: how each side is run and timed).
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

BENCH_NAME=bench_packet
NSA=bpa-$$
NSB=bpb-$$
IPA=10.89.0.1
IPB=10.89.0.2
PORT=5003
source "$SRC/bench/lib_bench.sh"
source "$SRC/bench/lib_veth.sh"

declare -A R
for ((r = 0; r < RUNS; r++)); do
	offloads off
	R[us_off_up]+="$(ustack_up packet:vethB --no-offload) "
	R[us_off_down]+="$(ustack_down packet:vethB --no-offload) "
	offloads on
	R[us_on_up]+="$(ustack_up packet:vethB) "
	R[us_on_down]+="$(ustack_down packet:vethB) "
	offloads off
	linux_pair
	R[lx_off_up]+="$(linux_run na nb) "
	R[lx_off_down]+="$(linux_run nb na) "
	offloads on
	R[lx_on_up]+="$(linux_run na nb) "
	R[lx_on_down]+="$(linux_run nb na) "
	linux_unpair
done
load=$(load_average)

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
