#!/usr/bin/env bash
# test_udp.sh - UDP between Linux (python3 sockets) and ustack (`ustack udpcat`) over a
# TAP, in a namespace of its own: datagrams of 1, 1472 (the largest unfragmented), 1473
# (the smallest fragmented) and 65507 (the largest) bytes arrive whole both ways; a
# connected ustack socket sending to a closed Linux port gets ECONNREFUSED.
source "$(dirname "$0")/lib.sh"
lib_init udp
command -v python3 >/dev/null || lib_require "needs python3"

SIZES="1 1472 1473 65507"
ns_tap tap0 10.30.0.1/24     # Linux 10.30.0.1, ustack 10.30.0.2

# The Linux end: receive N datagrams on PORT, print "LEN ok|bad" (byte i must be i % 251),
# or send one datagram per size to HOST:PORT.
cat >"$T/peer.py" <<'EOF'
import socket, sys, time
def pattern(n):
    return bytes(i % 251 for i in range(n))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[1] == "recv":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("10.30.0.1", int(sys.argv[2])))
    s.settimeout(10)
    open(sys.argv[4], "w").close()          # ready
    for _ in range(int(sys.argv[3])):
        d, a = s.recvfrom(70000)
        print(len(d), "ok" if d == pattern(len(d)) else "bad", "from %s:%d" % a, flush=True)
else:
    for n in sys.argv[4:]:
        s.sendto(pattern(int(n)), (sys.argv[2], int(sys.argv[3])))
        time.sleep(0.02)
EOF

# --- Linux -> ustack ---
bg_run udpcat-recv 60 "$B" udpcat --tap tap0 --addr 10.30.0.2/24 --pcap "$T/recv.pcap" -W 20 recv 7000 4
RECV=$BG_PID
if wait_for 10 grep -q listening "$T/udpcat-recv.err"; then
	nsx timeout 30 python3 "$T/peer.py" send 10.30.0.2 7000 $SIZES
	wait "$RECV"; rc=$?
	got=$(awk '{print $1, $2}' "$T/udpcat-recv.out" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ "$got" = "1 ok 1472 ok 1473 ok 65507 ok " ]; then
		pass "Linux -> ustack: $got"
	else
		fail "Linux -> ustack (exit $rc): got '$got'"; cat "$T/udpcat-recv.err"
	fi
else
	fail "udpcat recv did not start:"; cat "$T/udpcat-recv.err"
fi

# --- ustack -> Linux ---
rm -f "$T/ready"
bg_run peer-recv 60 python3 "$T/peer.py" recv 7001 4 "$T/ready"
PEER=$BG_PID
if wait_for 10 test -e "$T/ready"; then
	out=$(nsx timeout 30 "$B" udpcat --tap tap0 --addr 10.30.0.2/24 --pcap "$T/send.pcap" \
		--lport 7002 send 10.30.0.1 7001 $SIZES 2>&1)
	rc=$?
	wait "$PEER"; prc=$?
	got=$(awk '{print $1, $2}' "$T/peer-recv.out" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ "$prc" -eq 0 ] && [ "$got" = "1 ok 1472 ok 1473 ok 65507 ok " ] &&
	   grep -q 'from 10.30.0.2:7002' "$T/peer-recv.out"; then
		pass "ustack -> Linux: $got"
	else
		fail "ustack -> Linux (udpcat $rc, peer $prc): got '$got'"; echo "$out"; cat "$T/peer-recv.err"
	fi
else
	fail "the Linux receiver did not start:"; cat "$T/peer-recv.err"
fi

# --- a closed port: ICMP port unreachable -> ECONNREFUSED on the connected socket ---
out=$(nsx timeout 30 "$B" udpcat --tap tap0 --addr 10.30.0.2/24 --pcap "$T/refused.pcap" \
	-W 3 refused 10.30.0.1 7999 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "ECONNREFUSED" ]; then
	pass "connected socket to a closed Linux port: ECONNREFUSED"
else
	fail "refused (exit $rc): $out"
fi

pcap_clean "$T/recv.pcap"
pcap_clean "$T/send.pcap"
pcap_clean "$T/refused.pcap"
if command -v tshark >/dev/null; then
	n=$(timeout 60 tshark -r "$T/send.pcap" -Y 'udp.length == 65515' 2>/dev/null | wc -l)
	[ "$n" -ge 1 ] && pass "send.pcap: tshark reassembles the 65507-byte datagram" ||
		fail "send.pcap: no reassembled 65507-byte datagram"
fi

lib_finish
