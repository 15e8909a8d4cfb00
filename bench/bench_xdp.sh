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
# 10.88.0.2 for the Linux <-> Linux runs (bench/lib_veth.sh: how each side is run and timed).
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

BENCH_NAME=bench_xdp
NSA=bxa-$$
NSB=bxb-$$
IPA=10.88.0.1
IPB=10.88.0.2
PORT=5004
source "$SRC/bench/lib_bench.sh"
source "$SRC/bench/lib_veth.sh"
XDP=1
"$B" ping --dev xdp:vethB 2>&1 | grep -q 'built without libxdp' && XDP=

declare -A R
for ((r = 0; r < RUNS; r++)); do
	offloads off
	if [ -n "$XDP" ]; then
		R[xdp_up]+="$(ustack_up xdp:vethB) "
		R[xdp_down]+="$(ustack_down xdp:vethB) "
	fi
	R[pk_up]+="$(ustack_up packet:vethB --no-offload) "
	R[pk_down]+="$(ustack_down packet:vethB --no-offload) "
	linux_pair
	R[lx_up]+="$(linux_run na nb) "
	R[lx_down]+="$(linux_run nb na) "
	offloads on
	R[lxo_up]+="$(linux_run na nb) "
	R[lxo_down]+="$(linux_run nb na) "
	linux_unpair
done
load=$(load_average)

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
