#!/usr/bin/env bash
# test_tap_offload.sh - the TAP with offloads on (virtio-net header, TUNSETOFFLOAD
# CSUM|TSO4): 256 MiB each way between `ustack bulk` and Linux (socat), SHA-256 equal
# on both ends. While data flows, tshark captures on Linux's side of the tap: frames
# larger than the MTU must pass both ways (super-segments: the offloads are really on),
# none malformed, no error in tshark's expert info, and every TCP checksum of either
# side is what the offload contract says: complete and correct, or the pseudo-header
# sum a device finishes (checked by lib_csum.py from the headers). Then 8 MiB with
# --no-offload and with --pcap (the wrapper turns offloads off): no frame above the
# MTU, and ustack's capture holds wire frames with correct checksums (lt_check_pcap).
source "$(dirname "$0")/lib_tcp.sh"

lt_setup offload socat sha256sum tshark mergecap python3 bc

NET=(--tap tap0 --addr "$LT_USTACK_IP/24")
BYTES=268435456
[ -n "${USTACK_SANITIZED:-}" ] && BYTES=67108864   # ASan: the same checks, a quarter of the bytes
MTU_FRAME=1514

OFF_U=$LT_USTACK_IP
OFF_L=$LT_LINUX_IP
OFF_SRC_FIELD=ip.src
OFF_CONNECT=TCP:$LT_USTACK_IP:5001
OFF_LISTEN=TCP-LISTEN:5002,bind=$LT_LINUX_IP
source "$(dirname "$0")/lib_offload.sh"

# --- offloads on (the default): each direction with its own capture ---
capture_start in 200     # headers only: super-segments are up to 64 KiB
linux_to_ustack in $BYTES
capture_stop
check_capture in 0 1
capture_start out 200
ustack_to_linux out $BYTES
capture_stop
check_capture out 1 0

# --- --no-offload: the kernel cuts and checksums; no super-segment crosses the tap ---
capture_start off 0      # whole frames: checksums checked in full
linux_to_ustack off 4194304 --no-offload
ustack_to_linux off 4194304 --no-offload
capture_stop
check_capture off 0 0

# --- --pcap: the wrapper turns the offloads off; its capture shows the wire ---
linux_to_ustack pcap 4194304 --pcap "$T/ustack.pcap"
lt_check_pcap "$T/ustack.pcap"

lib_finish
