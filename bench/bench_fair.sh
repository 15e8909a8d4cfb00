#!/usr/bin/env bash
# bench_fair.sh - 16 TCP flows share one bottleneck (bench/relay: a rate limit with a
# tail-drop queue of one bandwidth-delay product, plus a delay each way): Jain's fairness
# index of the flows' goodputs, Linux flows and ustack flows, one after the other
# through the same relay. (bench_fair, the C program, does the same for ustack on the
# in-process vnet, on a virtual clock.)
#
#   sudo bench/bench_fair.sh        (or `make bench`; needs root, ethtool, python3)
#   QUICK=1                         4 s measured after 2 s warm-up (else 20 s after 5 s)
#   BENCH_FAIR_FLOWS=16  BENCH_FAIR_MBIT=100  BENCH_FAIR_DELAY_MS=10 (each way)
#   BENCH_LINUX_CC=cubic            Linux's congestion control
#
# Linux: bench/xfer.py flood in ns L opens the flows (one process, kernel TCP) to
#   xfer.py sink in ns R, which counts each flow's bytes in the measuring window.
# ustack: one `ustack bulk --client` process per flow, each on a TAP of its own in ns L
#   (ft1..ftN, 10.91.(20+i).2/24), routed by ns L's kernel into the relay; the same sink.
# Topology: bench/lib_relay.sh.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${USTACK_BIN:-$SRC/build/bin/ustack}
RELAY=${RELAY_BIN:-$(dirname "$B")/relay}
XFER=$SRC/bench/xfer.py
FLOWS=${BENCH_FAIR_FLOWS:-16}
MBIT=${BENCH_FAIR_MBIT:-100}
DELAY=${BENCH_FAIR_DELAY_MS:-10}
if [ "${QUICK:-0}" = 1 ]; then
	SECS=${BENCH_FAIR_SECS:-4}
	WARM=${BENCH_FAIR_WARMUP:-2}
else
	SECS=${BENCH_FAIR_SECS:-20}
	WARM=${BENCH_FAIR_WARMUP:-5}
fi
LR_NAME=bench_fair
source "$SRC/bench/lib_relay.sh"
[ "$FLOWS" -ge 2 ] && [ "$FLOWS" -le 64 ] || die "BENCH_FAIR_FLOWS: 2..64"

# one bandwidth-delay product of queue (RTT = 2 x DELAY), at least 16 frames
QUEUE=$((MBIT * 1000000 / 8 * 2 * DELAY / 1000))
[ "$QUEUE" -lt 24224 ] && QUEUE=24224

lr_setup
for ((i = 1; i <= FLOWS; i++)); do
	lr_tap "ft$i" "10.91.$((20 + i)).1/24"
done
relay_start --rate "$MBIT" --queue "$QUEUE" --delay "$DELAY" --seed 1

# sink PORT: the sink in ns R in the background (its output in $T/sink-PORT.out)
sink() {
	ip netns exec "$NSR" timeout -k 2 $((SECS + WARM + 40)) "$PY" "$XFER" sink "$1" "$FLOWS" "$SECS" \
		--warmup "$WARM" --timeout 30 >"$T/sink-$1.out" 2>&1 &
	SINK=$!
	wait_listen "$NSR" "$1"
}

# summary FILE: "jain total min max" from a sink's output (Mbit/s)
summary() {
	awk -v secs="$SECS" '
		/^flow / { g = $3 * 8 / secs / 1e6; n++; tot += g; if (n == 1 || g < mn) mn = g; if (g > mx) mx = g }
		/^jain / { j = $2 }
		END { if (j == "") print "- - - -"; else printf "%s %.1f %.2f %.2f\n", j, tot, mn, mx }' "$1"
}

echo "bench_fair: $FLOWS flows through one bottleneck (bench/relay: $MBIT Mbit/s, tail-drop queue" \
	"$QUEUE bytes = 1 BDP, +$DELAY ms each way); measured $SECS s after a $WARM s warm-up"
echo "Linux congestion control $LINUX_CC; load average before: $(load_average)"

# Linux
sink 5001
ip netns exec "$NSL" timeout -k 2 $((SECS + WARM + 40)) "$PY" "$XFER" flood 10.91.0.2 5001 "$FLOWS" \
	$((SECS + WARM + 20)) --cc "$LINUX_CC" --timeout 30 >"$T/flood.out" 2>&1 &
FLOOD=$!
wait "$SINK"
kill -TERM "$FLOOD" 2>/dev/null
wait "$FLOOD" 2>/dev/null
read -r lj lt lmin lmax <<<"$(summary "$T/sink-5001.out")"

# ustack: one process per flow
sink 5002
PIDS=()
for ((i = 1; i <= FLOWS; i++)); do
	ip netns exec "$NSL" timeout -k 2 $((SECS + WARM + 40)) "$B" bulk --client 10.91.0.2 --port 5002 \
		--bytes 64G --timeout 30 --tap "ft$i" --addr "10.91.$((20 + i)).2/24" \
		--gw "10.91.$((20 + i)).1" --ctl "$T/u$i.ctl" >"$T/u$i.out" 2>&1 &
	PIDS+=($!)
done
wait "$SINK"
for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
read -r uj ut umin umax <<<"$(summary "$T/sink-5002.out")"
relay_stop

echo
printf "%-8s %8s %14s %10s %10s\n" "" "Jain" "total Mbit/s" "min flow" "max flow"
printf "%-8s %8s %14s %10s %10s\n" "Linux" "$lj" "$lt" "$lmin" "$lmax"
printf "%-8s %8s %14s %10s %10s\n" "ustack" "$uj" "$ut" "$umin" "$umax"
awk -v u="$uj" -v l="$lj" 'BEGIN { if (u != "-" && l != "-" && l > 0) printf "ustack/Linux Jain: %.3f\n", u / l }'
echo "relay: $(grep -c . "$T/relay.log") lines; $(grep 'a->b' "$T/relay.log")"
echo "load average after: $(load_average)"
if [ "$lj" = - ] || [ "$uj" = - ]; then
	echo "bench_fair: a side did not run:" >&2
	tail -n 3 "$T/sink-5001.out" "$T/sink-5002.out" "$T/u1.out" >&2
	exit 1
fi
