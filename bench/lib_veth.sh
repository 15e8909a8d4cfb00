# lib_veth.sh - the veth pair of bench_packet.sh and bench_xdp.sh (sourced after
# lib_bench.sh): namespace NSA holds vethA (IPA, Linux); NSB holds vethB, either without
# an address and with `ustack bulk` on it (a device opened on vethB), or with IPB for the
# Linux <-> Linux runs. Linux's ends are nc, each hashing its stream with sha256sum as
# `ustack bulk` does on both ends (the hash is most of bulk's CPU time: without it on
# Linux's side the comparison would not be the same work); a rate is bytes / wall time of
# the sending side, except ustack -> Linux, where `ustack bulk --client` reports its own
# (from connect to close). The caller sets B, BYTES, NSA, NSB, IPA, IPB and PORT.

for t in nc ethtool timeout bc; do command -v $t >/dev/null || die "needs $t"; done
[ -x "$B" ] || die "$B is not built (make)"

bench_netns "$NSA" "$NSB"
ip link add vethA netns "$NSA" type veth peer name vethB netns "$NSB" || die "cannot make the veth pair"
ip -n "$NSA" addr add $IPA/24 dev vethA
ip -n "$NSA" link set vethA up
ip -n "$NSB" link set vethB up

# Linux's sender: BYTES zeros, hashed on the way, into nc (then: IP PORT)
SEND="head -c $BYTES /dev/zero | tee >(sha256sum >/dev/null) | nc -N"

na() { ip netns exec "$NSA" "$@"; }
nb() { ip netns exec "$NSB" "$@"; }
offloads() {   # on|off, both ends
	na ethtool -K vethA tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
	nb ethtool -K vethB tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
}
listening() { [[ $("$@" ss -ltnH 2>/dev/null) == *":$PORT "* ]]; }
wait_listen() {   # NSCMD...
	local i
	for ((i = 0; i < 100; i++)); do listening "$@" && return 0; sleep 0.05; done
	return 1
}

# linux_run FROM TO: FROM's nc sends BYTES to TO's nc; prints Gbit/s
linux_run() {
	local from=$1 to=$2 ip pid t0 t1
	[ "$to" = nb ] && ip=$IPB || ip=$IPA
	$to timeout 120 bash -c "nc -l $ip $PORT | sha256sum >/dev/null" &
	pid=$!
	wait_listen $to || { kill $pid 2>/dev/null; echo 0; return; }
	t0=$(now)
	$from timeout 120 bash -c "$SEND $ip $PORT" || { echo 0; return; }
	t1=$(now)
	wait $pid
	gbit "$BYTES" "$(echo "$t1 - $t0" | bc)"
}

# ustack_up DEV [OPTS]: Linux (vethA) sends BYTES into `ustack bulk --server` on DEV; Gbit/s
ustack_up() {
	local dev=$1 pid t0 t1 i
	shift
	nb timeout 120 "$B" bulk --server --once --port $PORT --dev "$dev" --addr $IPB/24 \
		"$@" >"$T/srv.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do grep -q listening "$T/srv.log" && break; sleep 0.05; done
	na ping -c 1 -W 2 $IPB >/dev/null 2>&1
	t0=$(now)
	na timeout 120 bash -c "$SEND $IPB $PORT" || { echo 0; return; }
	t1=$(now)
	wait $pid
	ip -n "$NSA" neigh flush dev vethA   # the next side may have another MAC
	grep -q "received $BYTES bytes" "$T/srv.log" || { echo 0; return; }
	gbit "$BYTES" "$(echo "$t1 - $t0" | bc)"
}

# ustack_down DEV [OPTS]: `ustack bulk --client` on DEV sends BYTES to nc on vethA; Gbit/s
ustack_down() {
	local dev=$1 pid out
	shift
	na timeout 120 bash -c "nc -l $IPA $PORT | sha256sum >/dev/null" &
	pid=$!
	wait_listen na || { kill $pid 2>/dev/null; echo 0; return; }
	out=$(nb timeout 120 "$B" bulk --client $IPA --port $PORT --bytes "$BYTES" \
		--dev "$dev" --addr $IPB/24 "$@" 2>&1)
	wait $pid
	ip -n "$NSA" neigh flush dev vethA
	sed -n 's/.*= \([0-9.]*\) Gbit\/s.*/\1/p' <<<"$out" | head -1 | grep . || echo 0
}

# linux_pair: give vethB the address IPB for the Linux <-> Linux runs; linux_unpair: take it back
linux_pair() { ip -n "$NSB" addr add $IPB/24 dev vethB; ip -n "$NSA" neigh flush dev vethA; }
linux_unpair() { ip -n "$NSB" addr del $IPB/24 dev vethB; ip -n "$NSA" neigh flush dev vethA; }
