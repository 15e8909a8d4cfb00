#!/usr/bin/env bash
# bench_loss.sh - the loss table: time to move BYTES through loss and delay applied in
# both directions, ustack against Linux under the same impairment. Medians of RUNS runs,
# the ratio ustack/Linux (1.0 = as fast as Linux; higher is slower), the load average.
#
#   sudo bench/bench_loss.sh       (or `make bench`; needs root, ethtool, python3)
#   QUICK=1                        2 MiB, 1 run, one direction (what `make test` runs)
#   BENCH_LOSS_BYTES=16M           bytes per transfer (suffix K or M)
#   BENCH_LOSS_RUNS=3              runs per cell (the median is printed)
#   BENCH_LOSS_REVERSE=1           also Linux -> ustack (0: only ustack -> Linux)
#   BENCH_LOSS_ROWS="0 1 5 10 d20" which rows (loss in %; dN: N ms delay each way + 1%)
#   BENCH_LINUX_CC=cubic           Linux's congestion control (bbr: the other reference)
#
# The kernel has no sch_netem, so the impairment is bench/relay.c, an AF_PACKET relay
# in a namespace of its own between two veth pairs (offloads off, MTU 1500; see
# bench/lib_relay.sh):
#
#   ns L (left)                              ns M               ns R (right)
#   ustack 10.91.2.2 --tap0-- 10.91.2.1      lm <-relay-> rm    ra 10.91.0.2
#                             la 10.91.0.1 --+                +-- (route to 10.91.0.0/16
#                             (forwarding)                         via 10.91.0.1)
#
# Linux -> Linux: xfer.py in ns L to xfer.py in ns R, through the relay.
# ustack -> Linux: `ustack bulk --client` on tap0 in ns L; ns L's kernel routes its
#   frames to la, so they cross the same relay (one more forwarding hop, unimpaired).
# ustack (own wrapper): `ustack bulk` with --loss P --delay D --impair-rx, straight to
#   Linux on tap0 (no relay): the impair wrapper on ustack's device, both directions.
# The delay row adds its delay in each direction (RTT + 2 x delay). Every transfer is
# bounded by `timeout`; one that does not finish shows as ">Ns" (its ratio as ">").
# The clock runs from the connection's establishment to the receiver's close (the same
# for xfer.py send and ustack bulk --client; for Linux -> ustack, xfer.py times it).
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${USTACK_BIN:-$SRC/build/bin/ustack}
RELAY=${RELAY_BIN:-$(dirname "$B")/relay}
XFER=$SRC/bench/xfer.py
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	BYTES=${BENCH_LOSS_BYTES:-2M}
	RUNS=${BENCH_LOSS_RUNS:-1}
	REVERSE=${BENCH_LOSS_REVERSE:-0}
	TMO=${BENCH_LOSS_TIMEOUT:-20}
else
	BYTES=${BENCH_LOSS_BYTES:-16M}
	RUNS=${BENCH_LOSS_RUNS:-3}
	REVERSE=${BENCH_LOSS_REVERSE:-1}
	TMO=${BENCH_LOSS_TIMEOUT:-120}
fi
ROWS=${BENCH_LOSS_ROWS:-0 1 5 10 d20}

LR_NAME=bench_loss
source "$SRC/bench/lib_relay.sh"
case $BYTES in
*M) NBYTES=$((${BYTES%M} * 1048576)) ;;
*K) NBYTES=$((${BYTES%K} * 1024)) ;;
*) NBYTES=$BYTES ;;
esac

# Each cell prints its time in seconds, or ">TMO" when it failed or ran out of time.
# linux_xfer SENDER_NS RECEIVER_NS RECEIVER_IP
linux_xfer() {
	ip netns exec "$2" timeout -k 2 "$TMO" "$PY" "$XFER" recv 5001 >"$T/recv.out" 2>&1 &
	local rp=$!
	wait_listen "$2" 5001
	local out
	out=$(ip netns exec "$1" timeout -k 2 "$TMO" "$PY" "$XFER" send "$3" 5001 "$NBYTES" \
		--cc "$LINUX_CC" --timeout "$TMO" 2>&1)
	wait "$rp"
	sed -n 's/^sent [0-9]* bytes in \([0-9.]*\) s$/\1/p' <<<"$out" | grep . || echo ">$TMO"
}


# ustack_send DST PORT [impair options...]: ustack bulk --client in ns L; the receiver
# must be listening.
ustack_send() {
	local dst=$1 port=$2
	shift 2
	local out
	out=$(ip netns exec "$NSL" timeout -k 2 "$TMO" "$B" bulk --client "$dst" --port "$port" \
		--bytes "$NBYTES" --timeout "$TMO" --tap tap0 --addr 10.91.2.2/24 --gw 10.91.2.1 "$@" 2>&1)
	echo "$out" >>"$T/ustack.log"
	sed -n 's/^client: .* in \([0-9.]*\) s = .*/\1/p' <<<"$out" | head -1 | grep . || echo ">$TMO"
}

# ustack_to_linux_relay / ustack_to_linux_own LOSS DELAY SEED
ustack_to_linux_relay() {
	ip netns exec "$NSR" timeout -k 2 "$TMO" "$PY" "$XFER" recv 5001 >"$T/recv.out" 2>&1 &
	local rp=$!
	wait_listen "$NSR" 5001
	ustack_send 10.91.0.2 5001 --seed "$3"
	wait "$rp"
}

ustack_to_linux_own() {
	ip netns exec "$NSL" timeout -k 2 "$TMO" "$PY" "$XFER" recv 5002 --bind 10.91.2.1 \
		>"$T/recv.out" 2>&1 &
	local rp=$!
	wait_listen "$NSL" 5002
	ustack_send 10.91.2.1 5002 --seed "$3" --loss "$1" --delay "$2" --impair-rx
	wait "$rp"
}

# linux_to_ustack SENDER_NS [impair options...]: ustack bulk --server in ns L, Linux sends.
linux_to_ustack() {
	local sns=$1
	shift
	: >"$T/srv.log"
	ip netns exec "$NSL" timeout -k 2 "$TMO" "$B" bulk --server --once --port 5003 \
		--timeout "$TMO" --tap tap0 --addr 10.91.2.2/24 --gw 10.91.2.1 "$@" >"$T/srv.log" 2>&1 &
	local sp=$!
	for _ in $(seq 100); do grep -q "listening on" "$T/srv.log" && break; sleep 0.05; done
	local out
	out=$(ip netns exec "$sns" timeout -k 2 "$TMO" "$PY" "$XFER" send 10.91.2.2 5003 "$NBYTES" \
		--cc "$LINUX_CC" --timeout "$TMO" 2>&1)
	wait "$sp"
	cat "$T/srv.log" >>"$T/ustack.log"
	sed -n 's/^sent [0-9]* bytes in \([0-9.]*\) s$/\1/p' <<<"$out" | grep . || echo ">$TMO"
}

# median of the arguments (a ">N" counts as larger than any number)
median() {
	printf '%s\n' "$@" | awk '{ v = $1; if (v ~ /^>/) v = 1e9 + substr(v, 2); print v, $1 }' |
		sort -g | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }'
}

ratio() {
	awk -v u="$1" -v l="$2" 'BEGIN {
		if (u ~ /^>/ || l ~ /^>/) { print ">"; exit }
		if (l <= 0) { print "-"; exit }
		printf "%.2f\n", u / l }'
}

# goodput in Mbit/s of a median time
mbit() {
	awk -v t="$1" -v n="$NBYTES" 'BEGIN { if (t ~ /^>/ || t <= 0) print "-"; else printf "%.0f\n", n * 8 / t / 1e6 }'
}

FAILED=0
lr_setup
echo "bench_loss: $BYTES per transfer, median of $RUNS run(s), impairment both ways, timeout ${TMO}s," \
	"Linux congestion control $LINUX_CC"
echo "load average before: $(load_average)"
fmt="%-9s | %8s %8s %6s %8s %6s"
dirs="fwd"
[ "$REVERSE" = 1 ] && dirs="fwd rev"
for dir in $dirs; do
	echo
	if [ "$dir" = fwd ]; then
		echo "ustack -> Linux (seconds; Mbit/s of Linux's median in brackets)"
		printf "$fmt\n" "impair" "Linux" "relay" "ratio" "own" "ratio"
	else
		echo "Linux -> ustack (seconds)"
		printf "$fmt\n" "impair" "Linux" "relay" "ratio" "own" "ratio"
	fi
	for row in $ROWS; do
		case $row in
		d*) loss=0.01; delay=${row#d}; label="${delay}ms+1%" ;;
		*) loss=$(awk -v p="$row" 'BEGIN { printf "%.4f", p / 100 }'); delay=0; label="$row%" ;;
		esac
		L=() U=() O=()
		for ((r = 1; r <= RUNS; r++)); do
			seed=$((r * 7919 + ${row#d}))
			relay_start --loss "$loss" --delay "$delay" --seed "$seed"
			if [ "$dir" = fwd ]; then
				L+=("$(linux_xfer "$NSL" "$NSR" 10.91.0.2)")
				U+=("$(ustack_to_linux_relay "$loss" "$delay" "$seed")")
			else
				L+=("$(linux_xfer "$NSR" "$NSL" 10.91.0.1)")
				U+=("$(linux_to_ustack "$NSR" --seed "$seed")")
			fi
			relay_stop
			if [ "$dir" = fwd ]; then
				O+=("$(ustack_to_linux_own "$loss" "$delay" "$seed")")
			else
				O+=("$(linux_to_ustack "$NSL" --seed "$seed" --loss "$loss" --delay "$delay" --impair-rx)")
			fi
		done
		l=$(median "${L[@]}")
		u=$(median "${U[@]}")
		o=$(median "${O[@]}")
		# a loss-free transfer that does not finish: the bench cannot run (not a poor figure)
		if [ "$row" = 0 ] && [ "${l:0:1}" = ">" -o "${u:0:1}" = ">" -o "${o:0:1}" = ">" ]; then
			echo "bench_loss: a loss-free transfer failed (Linux $l, relay $u, own $o):" >&2
			tail -n 5 "$T/ustack.log" "$T/relay.log" >&2
			FAILED=1
		fi
		printf "$fmt   [Linux %s Mbit/s]\n" "$label" "$l" "$u" "$(ratio "$u" "$l")" "$o" \
			"$(ratio "$o" "$l")" "$(mbit "$l")"
	done
done
echo
echo "relay = ustack through the same relay as Linux; own = ustack's impair wrapper (--loss --delay"
echo "--impair-rx), no relay. Ratios are ustack time / Linux time (relay) for the same row."
echo "load average after: $(load_average)"
exit $FAILED
