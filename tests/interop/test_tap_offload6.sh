#!/usr/bin/env bash
# test_tap_offload6.sh - the TAP's offloads for TCP over IPv6 (TUNSETOFFLOAD
# CSUM|TSO4|TSO6): 64 MiB each way between `ustack bulk` (--addr6) and Linux (socat
# over IPv6), SHA-256 equal on both ends. While data flows, tshark captures on Linux's
# side of the tap: TCP/IPv6 frames larger than the MTU must pass from the sender each
# way (super-segments: Linux hands its TSO frames to ustack whole, ustack's reach the
# kernel whole and are cut there), none malformed, no error in tshark's expert info,
# every TCP checksum complete and correct or the IPv6 pseudo-header sum a device
# finishes (lib_csum.py), and the frames are TCP over IPv6. Then 4 MiB each way with
# --no-offload: no frame above the MTU, checksums complete.
source "$(dirname "$0")/lib_tcp.sh"

lt_setup offload6 socat sha256sum tshark mergecap python3 bc

L6=2001:db8:78::1
U6=2001:db8:78::2
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=0
nsx ip -6 addr add "$L6/64" dev tap0 nodad

NET=(--tap tap0 --addr "$LT_USTACK_IP/24" --addr6 "$U6/64")
BYTES=67108864
[ -n "${USTACK_SANITIZED:-}" ] && BYTES=16777216   # ASan: the same checks, a quarter of the bytes
MTU_FRAME=1514

OFF_U=$U6
OFF_L=$L6
OFF_SRC_FIELD=ipv6.src
OFF_CONNECT="TCP6:[$U6]:5001"
OFF_LISTEN="TCP6-LISTEN:5002,bind=[$L6]"
source "$(dirname "$0")/lib_offload.sh"

# check_v6 NAME: the capture's TCP frames are TCP over IPv6 (the filter was by IPv6
# source: a frame of another family would have been left out, not counted)
check_v6() {
	local n
	n=$(timeout 60 tshark -n -r "$T/$1.pcap" -Y 'ipv6 && tcp' -T fields -e frame.number 2>/dev/null | grep -c .)
	if [ "${n:-0}" -gt 0 ]; then
		pass "$1: $n TCP/IPv6 frames"
	else
		fail "$1: no TCP/IPv6 frame in the capture"
	fi
}

# --- offloads on (the default): each direction with its own capture ---
capture_start in 200     # headers only: super-segments are up to 64 KiB
linux_to_ustack in $BYTES
capture_stop
check_capture in 0 1
check_v6 in
capture_start out 200
ustack_to_linux out $BYTES
capture_stop
check_capture out 1 0
check_v6 out

# --- --no-offload: the kernel cuts and checksums; no super-segment crosses the tap ---
capture_start off 0      # whole frames: checksums checked in full
linux_to_ustack off 4194304 --no-offload
ustack_to_linux off 4194304 --no-offload
capture_stop
check_capture off 0 0

lib_finish
