#!/usr/bin/env bash
# test_packet.sh - ustack on an existing interface through AF_PACKET (`--dev packet:IF`),
# no TAP: a veth pair between two namespaces this test makes, Linux's end (vethA,
# LT_LINUX_IP) in one, ustack's (vethB, no address: the kernel there stays out of the
# way) in the other. Linux pings ustack and ustack pings Linux; then 256 MiB each way
# (nc into `ustack bulk --server`, `ustack bulk --client` into socat), the SHA-256 equal
# on both ends, with Linux's offloads on (a veth's default: TSO super-frames, partial
# checksums) and the device's (PACKET_VNET_HDR): tshark on vethA sees super-frames from
# the sender each way, none malformed, no expert error, and every TCP checksum complete
# or the pseudo-header sum a device finishes (lib_csum.py). Then a short pass with
# offloads off on both sides (`ethtool -K vethA tx off`, --no-offload, --pcap): 8 MiB
# each way captured by ustack and checked by tshark. The device must not have dropped a
# frame as too long, with a bad virtio-net header or out of its ring's bounds.
# Between the two, 64 MiB each way over IPv6 (ustack --addr6), offloads on: TCPv6
# super-frames (GSO_TCPV6) from the sender each way, checked the same way.
source "$(dirname "$0")/lib_tcp.sh"

for t in timeout nc socat sha256sum ethtool ping tshark mergecap python3 bc; do
	command -v "$t" >/dev/null 2>&1 || lib_require "needs $t"
done
lib_init packet
source "$(dirname "$0")/lib_veth.sh"
USTACK_NET=(--dev packet:vethB --addr "$LT_USTACK_IP/24")
lv_pair tx on tso on

# check_dev LOG WHAT: the device's exit line (printed only when it dropped something)
# names no frame too long, with a partial checksum or out of the ring's bounds.
check_dev() {
	local line
	line=$(grep 'ustack: vethB:' "$T/$1")
	if [ -z "$line" ] || ! grep -Eq ' [1-9][0-9]* (too long|bad ring|bad virtio|with a partial)' <<<"$line"; then
		pass "$2: the device dropped nothing it should carry ${line:+($line)}"
	else
		fail "$2: $line"
	fi
}

# --- ping both ways ---
bg_b up.log 60 "$USTACK_BIN" up "${USTACK_NET[@]}" --ctl "$T/up.ctl"
UP=$LT_LAST_PID
lt_wait_log up.log "ustack up:" 10
lt_wait_ping "$LT_USTACK_IP" 5
if out=$(nsx ping -n -c 3 -i 0.2 -W 2 "$LT_USTACK_IP" 2>&1) && grep -q ' 0% packet loss' <<<"$out"; then
	pass "Linux pings ustack on vethB: $(grep -o 'rtt.*' <<<"$out")"
else
	fail "Linux -> ustack ping: $out"
fi
sleep 0.2
lt_stop "$UP"
line=$(grep '^packet device vethB:' "$T/up.log")
if grep -Eq ': [1-9][0-9]* frames in \([1-9][0-9]* ring blocks.* [1-9][0-9]* out;.* 0 bad ring entries, 0 bad virtio-net headers' <<<"$line"; then
	pass "ustack up's device counters: $line"
else
	fail "ustack up's device counters (frames, blocks, nothing bad): '$line'"
fi
out=$(nsb timeout 20 "$USTACK_BIN" ping "${USTACK_NET[@]}" -c 3 -i 0.2 "$LT_LINUX_IP" 2>&1)
rc=$?
if [ $rc = 0 ] && grep -q '3 received' <<<"$out"; then
	pass "ustack pings Linux: $(grep -o 'rtt.*' <<<"$out")"
else
	fail "ustack -> Linux ping: rc $rc: $out"
fi

# capture_start NAME: tshark on vethA (Linux's end), headers only (super-frames are up
# to 64 KiB), from each side (lt_capture_start)
capture_start() { lt_capture_start "$1" vethA 200 "${LV_U:-$LT_USTACK_IP}" "${LV_L:-$LT_LINUX_IP}"; }
capture_stop() { lt_capture_stop; }

# check_capture NAME SENDER: SENDER (ustack or Linux) put frames above the MTU on the
# veth (super-frames: the offloads are on); none malformed, no expert error; every TCP
# checksum complete or the pseudo-header sum a device finishes (lib_csum.py).
check_capture() {
	local f=$T/$1.pcap bad big src=${LV_L:-$LT_LINUX_IP}
	[ "$2" = ustack ] && src=${LV_U:-$LT_USTACK_IP}
	[ -s "$f" ] || { fail "$1: no capture"; return; }
	timeout 60 tshark -n -r "$f" -T fields -E separator=/t -e "${LV_SRC_FIELD:-ip.src}" -e frame.len \
		-e _ws.malformed -e _ws.expert.severity >"$T/$1.fields" 2>/dev/null
	read -r bad big < <(awk -F'\t' -v s="$src" '
		# severity: expert error is 8388608 (PI_ERROR); malformed frames carry the field
		$3 != "" || $4 ~ /8388608/ { bad++ }
		$1 == s && $2 > 1514 { big++ }
		END { print bad + 0, big + 0 }' "$T/$1.fields")
	if [ "$(grep -c . "$T/$1.fields")" -gt 0 ] && [ "$bad" = 0 ]; then
		pass "$1: tshark reads $(grep -c . "$T/$1.fields") frames: no malformed frame, no expert error"
	else
		fail "$1: $bad malformed frame(s) or expert error(s) (fields in $1.fields)"
	fi
	if [ "$big" -gt 0 ]; then
		pass "$1: $big super-frame(s) above the MTU from $2"
	else
		fail "$1: no frame above the MTU from $2: the offloads are not on"
	fi
	if out=$(python3 "$(dirname "$0")/lib_csum.py" "$f" 2>&1); then
		pass "$1: checksums: $out"
	else
		fail "$1: checksums: $out"
	fi
}

BIG=268435456
[ -n "${USTACK_SANITIZED:-}" ] && BIG=67108864   # same logic, a sanitizer's pace
# --- offloads on: Linux's (a veth's default) and the device's ---
capture_start in
lv_upload "" $BIG
capture_stop
check_capture in Linux
capture_start out
lv_download "" $BIG
capture_stop
check_capture out ustack
# --- the same over IPv6: TCPv6 super-frames each way (TSO6, GSO_TCPV6) ---
L6=2001:db8:79::1
U6=2001:db8:79::2
nsx sysctl -qw net.ipv6.conf.vethA.disable_ipv6=0
nsx ip -6 addr add "$L6/64" dev vethA nodad
USTACK_NET4=("${USTACK_NET[@]}")
USTACK_NET+=(--addr6 "$U6/64")
LV_U=$U6 LV_L=$L6 LV_LISTEN="TCP6-LISTEN:5002,bind=[$L6]" LV_SRC_FIELD=ipv6.src
capture_start in6
lv_upload IPv6 $((BIG / 4))
capture_stop
check_capture in6 Linux
capture_start out6
lv_download IPv6 $((BIG / 4))
capture_stop
check_capture out6 ustack
unset LV_U LV_L LV_LISTEN LV_SRC_FIELD
USTACK_NET=("${USTACK_NET4[@]}")
# --- offloads off on both sides, short: ustack's own capture shows the wire ---
nsx ethtool -K vethA tx off >/dev/null || fail "ethtool -K vethA tx off"
USTACK_NET+=(--no-offload)
lv_upload "" 8388608 --pcap "$T/up.pcap"
lt_check_pcap "$T/up.pcap"
lv_download "" 8388608 --pcap "$T/down.pcap"
lt_check_pcap "$T/down.pcap"

lib_finish
