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
source "$(dirname "$0")/lib_veth.sh"
USTACK_NET=(--dev xdp:vethB --addr "$LT_USTACK_IP/24")
MIB=$((1024 * 1024))
lv_pair tx off

# the build must have the AF_XDP device (libxdp found by CMake)
# (no ping target: a usage error after the option is parsed, nothing opened)
out=$(nsb timeout 10 "$USTACK_BIN" ping --dev xdp:vethB 2>&1)
if grep -q 'built without libxdp' <<<"$out"; then
	lib_require "a ustack built with libxdp (Debian libxdp-dev libbpf-dev, scripts/install-deps.sh; then reconfigure): $out"
fi

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

# --- 1. native XDP ---
pings native 56
lv_upload native $((64 * MIB))
lv_download native $((64 * MIB))

# --- 2. generic (SKB) mode: the veth refuses a native program at MTU 9000 ---
ip -n "$NS" link set vethA mtu 9000
ip -n "$NSB" link set vethB mtu 9000
pings generic/SKB 1400
lv_upload generic $((16 * MIB))
lv_download generic $((16 * MIB))
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
