#!/usr/bin/env bash
# test_xdp.sh - ustack on an existing interface through AF_XDP (`--dev xdp:IF`, libxdp's
# XDP program redirecting the interface's queue 0 to the socket): a veth pair between two
# namespaces this test makes, Linux's end (vethA, LT_LINUX_IP) in one, ustack's (vethB, no
# address) in the other. AF_XDP carries wire frames only, so Linux sends them so
# (`ethtool -K vethA tx off`: full checksums, no TSO).
#   1. native XDP (the veth driver's): Linux pings ustack and ustack pings Linux; 64 MiB
#      each way (nc into `ustack bulk --server`, `ustack bulk --client` into socat), the
#      SHA-256 equal on both ends; the device's counters say native mode, frames in
#      batches, nothing too long or with a bad descriptor.
#   2. generic (SKB) mode, by the fallback: with MTU 9000 on the pair the veth refuses a
#      native program, the device falls back; pings both ways with 1400-byte payloads
#      and 16 MiB each way, byte-exact.
#   3. When ustack exits the XDP program is gone from vethB and the kernel there answers
#      again; `--dev xdp:` on an interface that does not exist: one line, exit 2.
# Missing prerequisites (a ustack built without libxdp among them) fail the test.
source "$(dirname "$0")/lib_tcp.sh"

for t in timeout nc socat sha256sum ethtool ping bc; do
	command -v "$t" >/dev/null 2>&1 || lib_require "needs $t"
done
lib_init xdp
NSB="$NS-b"
USTACK_NET=(--dev xdp:vethB --addr "$LT_USTACK_IP/24")
MIB=$((1024 * 1024))

nsb() { ip netns exec "$NSB" "$@"; }
xdp_cleanup() {
	if ip netns list | grep -q "^$NSB\b"; then
		ip netns pids "$NSB" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$NSB" 2>/dev/null
	fi
	lib_cleanup
}
trap xdp_cleanup EXIT

ip netns add "$NSB" || { fail "cannot create namespace $NSB"; lib_finish; }
ip -n "$NSB" link set lo up
nsb sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add vethA netns "$NS" type veth peer name vethB netns "$NSB" ||
	{ fail "cannot make the veth pair"; lib_finish; }
ip -n "$NS" addr add "$LT_LINUX_IP/24" dev vethA
nsx ethtool -K vethA tx off >/dev/null || { fail "ethtool -K vethA tx off"; lib_finish; }
ip -n "$NS" link set vethA up
ip -n "$NSB" link set vethB up

# the build must have the AF_XDP device (libxdp found by CMake)
# (no ping target: a usage error after the option is parsed, nothing opened)
out=$(nsb timeout 10 "$USTACK_BIN" ping --dev xdp:vethB 2>&1)
if grep -q 'built without libxdp' <<<"$out"; then
	lib_require "a ustack built with libxdp (Debian libxdp-dev libbpf-dev, scripts/install-deps.sh; then reconfigure): $out"
fi

# bg_b LOG SECONDS CMD...: CMD in ustack's namespace in the background (as lt_bg)
bg_b() {
	local log=$1 secs=$2
	shift 2
	ip netns exec "$NSB" timeout -s TERM -k 5 "$secs" "$@" >"$T/$log" 2>&1 &
	LT_LAST_PID=$!
	BG_PIDS+=("$LT_LAST_PID")
}

# check_dev LOG WHAT: the device's exit line (printed only when it dropped something)
# names no frame too long and no bad descriptor.
check_dev() {
	local line
	line=$(grep 'ustack: xdp device vethB' "$T/$1")
	if [ -z "$line" ] || ! grep -Eq ' [1-9][0-9]* (too long|bad descriptors)' <<<"$line"; then
		pass "$2: the device dropped nothing it should carry ${line:+($line)}"
	else
		fail "$2: $line"
	fi
}

# pings MODE SIZE: `ustack up`, Linux pings it with SIZE-byte payloads; its counters
# (printed at exit) name MODE; then ustack pings Linux.
pings() {
	local mode=$1 size=$2 out line rc
	bg_b up.log 60 "$USTACK_BIN" up "${USTACK_NET[@]}" --ctl "$T/up.ctl"
	local up=$LT_LAST_PID
	lt_wait_log up.log "ustack up:" 10
	lt_wait_ping "$LT_USTACK_IP" 5
	if out=$(nsx ping -n -c 3 -i 0.2 -W 2 -s "$size" "$LT_USTACK_IP" 2>&1) &&
		grep -q ' 0% packet loss' <<<"$out"; then
		pass "$mode: Linux pings ustack on vethB ($size bytes): $(grep -o 'rtt.*' <<<"$out")"
	else
		fail "$mode: Linux -> ustack ping: $out"
	fi
	if ip -n "$NSB" link show vethB | grep -q 'prog/xdp'; then
		pass "$mode: an XDP program on vethB while ustack runs"
	else
		fail "$mode: no XDP program on vethB while ustack runs: $(ip -n "$NSB" link show vethB)"
	fi
	sleep 0.2
	lt_stop "$up"
	line=$(grep '^xdp device vethB' "$T/up.log")
	if grep -Eq "^xdp device vethB \\($mode, (copy|zero-copy)\\): [1-9][0-9]* frames in \\([1-9][0-9]* batches\\), [1-9][0-9]* out .*dropped 0 too long, [0-9]+ by the kernel, 0 bad descriptors" <<<"$line"; then
		pass "$mode: ustack up's device counters: $line"
	else
		fail "$mode: ustack up's device counters ($mode, frames, batches, nothing bad): '$line'"
	fi
	out=$(nsb timeout 20 "$USTACK_BIN" ping "${USTACK_NET[@]}" -c 3 -i 0.2 -s "$size" "$LT_LINUX_IP" 2>&1)
	rc=$?
	if [ $rc = 0 ] && grep -q '3 received' <<<"$out"; then
		pass "$mode: ustack pings Linux ($size bytes): $(grep -o 'rtt.*' <<<"$out")"
	else
		fail "$mode: ustack -> Linux ping: rc $rc: $out"
	fi
}

# upload BYTES: Linux sends BYTES random bytes (nc) to `ustack bulk --server`
upload() {
	local bytes=$1
	bg_b srv.log 120 "$USTACK_BIN" bulk --server --once --port 5001 "${USTACK_NET[@]}"
	local srv=$LT_LAST_PID
	lt_wait_log srv.log "listening on" 20
	lt_wait_ping "$LT_USTACK_IP" 5
	rm -f "$T/sent.sha"
	local t0=$(date +%s.%N)
	nsx timeout 120 bash -c "head -c $bytes /dev/urandom | tee >(sha256sum | cut -d' ' -f1 >'$T/sent.sha') | nc -N $LT_USTACK_IP 5001"
	local rc=$?
	local t1=$(date +%s.%N)
	lt_wait_exit "$srv" 30
	local src=$?
	for i in $(seq 50); do [ -s "$T/sent.sha" ] && break; sleep 0.1; done
	local want got
	want=$(cat "$T/sent.sha")
	got=$(grep -o 'sha256 [0-9a-f]\{64\}' "$T/srv.log" | cut -d' ' -f2)
	cat "$T/srv.log" >&2
	if [ $rc = 0 ] && [ $src = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
		grep -q "received $bytes bytes" "$T/srv.log"; then
		pass "$2: Linux -> ustack $bytes bytes in $(echo "$t1 - $t0" | bc) s, sha256 $got on both ends"
	else
		fail "$2: Linux -> ustack $bytes: nc rc $rc, server rc $src, Linux sha256 '$want', ustack '$got'"
	fi
	check_dev srv.log "$2: Linux -> ustack $bytes"
}

# download BYTES: `ustack bulk --client` sends BYTES to socat on Linux
download() {
	local bytes=$1
	rm -f "$T/recv.len" "$T/recv.sha"
	lt_bg recv.log 120 bash -c "socat -u TCP-LISTEN:5002,bind=$LT_LINUX_IP,reuseaddr - |
		tee >(wc -c >'$T/recv.len') | sha256sum | cut -d' ' -f1 >'$T/recv.sha'"
	local recv=$LT_LAST_PID
	lt_wait_listen 5002
	nsb timeout 120 "$USTACK_BIN" bulk --client "$LT_LINUX_IP" --port 5002 --bytes "$bytes" \
		"${USTACK_NET[@]}" >"$T/cli.log" 2>&1
	local rc=$?
	lt_wait_exit "$recv" 30
	for i in $(seq 50); do [ -s "$T/recv.len" ] && break; sleep 0.1; done
	cat "$T/cli.log" >&2
	local got len
	got=$(cat "$T/recv.sha" 2>/dev/null)
	len=$(cat "$T/recv.len" 2>/dev/null)
	if [ $rc = 0 ] && [ -n "$got" ] && grep -q "sha256 $got" "$T/cli.log" && [ "$len" = "$bytes" ]; then
		pass "$2: ustack -> Linux $bytes bytes: $(grep -o 'in [0-9.]* s = [0-9.]* Gbit/s' "$T/cli.log"), sha256 $got on both ends"
	else
		fail "$2: ustack -> Linux $bytes: rc $rc, Linux got $len bytes sha256 $got"
	fi
	check_dev cli.log "$2: ustack -> Linux $bytes"
}

# --- 1. native XDP ---
pings native 56
upload $((64 * MIB)) native
download $((64 * MIB)) native

# --- 2. generic (SKB) mode: the veth refuses a native program at MTU 9000 ---
ip -n "$NS" link set vethA mtu 9000
ip -n "$NSB" link set vethB mtu 9000
pings generic/SKB 1400
upload $((16 * MIB)) generic
download $((16 * MIB)) generic
ip -n "$NS" link set vethA mtu 1500
ip -n "$NSB" link set vethB mtu 1500

# --- 3. after: no program left, the kernel has vethB back; a bad interface ---
if ip -n "$NSB" link show vethB | grep -q 'prog/xdp'; then
	fail "an XDP program is left on vethB after ustack exited: $(ip -n "$NSB" link show vethB)"
else
	pass "no XDP program left on vethB after ustack exited"
fi
ip -n "$NSB" addr add "$LT_USTACK_IP/24" dev vethB
ip -n "$NS" neigh flush dev vethA   # Linux still has ustack's MAC for the address
if out=$(nsx ping -n -c 2 -i 0.2 -W 2 "$LT_USTACK_IP" 2>&1) && grep -q ' 0% packet loss' <<<"$out"; then
	pass "the kernel on vethB answers Linux's ping again"
else
	fail "the kernel on vethB does not answer once ustack is gone: $out"
fi
ip -n "$NSB" addr del "$LT_USTACK_IP/24" dev vethB
out=$(nsb timeout 10 "$USTACK_BIN" ping --dev xdp:nosuch0 --addr "$LT_USTACK_IP/24" -c 1 "$LT_LINUX_IP" 2>&1)
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q 'xdp:nosuch0' <<<"$out"; then
	pass "--dev xdp:nosuch0: exit 2, one line: $out"
else
	fail "--dev xdp:nosuch0: rc $rc (want 2), output: $out"
fi
lib_finish
