#!/usr/bin/env bash
# test_mcast.sh - UDP multicast and IGMP between Linux (python3 sockets) and ustack
# (`ustack udpcat`) over a TAP, in a namespace of its own: a ustack sender reaches a
# Linux receiver that joined 239.1.2.3, and a ustack receiver that joined (--join) gets
# what Linux sends to the group; tshark finds ustack's IGMP membership report and leave
# for the group in the capture, with TTL 1 and the Router Alert option.
source "$(dirname "$0")/lib.sh"
lib_init mcast
command -v python3 >/dev/null || lib_require "needs python3"
command -v tshark >/dev/null || lib_require "needs tshark"

GROUP=239.1.2.3
ns_tap tap0 10.31.0.1/24     # Linux 10.31.0.1, ustack 10.31.0.2

cat >"$T/peer.py" <<'PY'
import socket, struct, sys, time
def pattern(n):
    return bytes(i % 251 for i in range(n))
group, port = sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[1] == "recv":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    m = socket.inet_aton(group) + socket.inet_aton("10.31.0.1")
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, m)
    s.settimeout(10)
    open(sys.argv[5], "w").close()          # ready
    for _ in range(int(sys.argv[4])):
        d, a = s.recvfrom(70000)
        print(len(d), "ok" if d == pattern(len(d)) else "bad", "from %s:%d" % a, flush=True)
else:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.31.0.1"))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    for n in sys.argv[4:]:
        s.sendto(pattern(int(n)), (group, port))
        time.sleep(0.05)
PY

# --- ustack -> Linux member ---
rm -f "$T/ready"
bg_run peer-recv 60 python3 "$T/peer.py" recv $GROUP 7100 3 "$T/ready"
PEER=$BG_PID
if wait_for 10 test -e "$T/ready"; then
	out=$(nsx timeout 30 "$B" udpcat --tap tap0 --addr 10.31.0.2/24 --pcap "$T/send.pcap" \
		--lport 7102 send $GROUP 7100 1 100 1472 2>&1)
	rc=$?
	wait "$PEER"; prc=$?
	got=$(awk '{print $1, $2}' "$T/peer-recv.out" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ "$prc" -eq 0 ] && [ "$got" = "1 ok 100 ok 1472 ok " ] &&
	   grep -q 'from 10.31.0.2:7102' "$T/peer-recv.out"; then
		pass "ustack -> Linux member of $GROUP: $got"
	else
		fail "ustack -> Linux (udpcat $rc, peer $prc): got '$got'"; echo "$out"; cat "$T/peer-recv.err"
	fi
	ttl=$(timeout 60 tshark -r "$T/send.pcap" -Y "udp.dstport == 7100" -T fields -e ip.ttl -e eth.dst 2>/dev/null | sort -u)
	if [ "$ttl" = "$(printf '1\t01:00:5e:01:02:03')" ]; then
		pass "ustack's datagrams to the group: TTL 1, MAC 01:00:5e:01:02:03"
	else
		fail "ustack's datagrams to the group: '$ttl'"
	fi
else
	fail "the Linux receiver did not start:"; cat "$T/peer-recv.err"
fi

# --- Linux -> ustack member (udpcat --join) ---
bg_run udpcat-recv 60 "$B" udpcat --tap tap0 --addr 10.31.0.2/24 --pcap "$T/recv.pcap" -W 20 \
	--join $GROUP recv 7101 3
RECV=$BG_PID
if wait_for 10 grep -q listening "$T/udpcat-recv.err"; then
	sleep 0.3
	nsx timeout 30 python3 "$T/peer.py" send $GROUP 7101 1 100 1472
	wait "$RECV"; rc=$?
	got=$(awk '{print $1, $2}' "$T/udpcat-recv.out" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ "$got" = "1 ok 100 ok 1472 ok " ]; then
		pass "Linux -> ustack member of $GROUP: $got"
	else
		fail "Linux -> ustack (exit $rc): got '$got'"; cat "$T/udpcat-recv.err"
	fi
else
	fail "udpcat recv did not start:"; cat "$T/udpcat-recv.err"
fi

# --- ustack's IGMP, as tshark reads it: a v3 report joining the group (CHANGE_TO_EXCLUDE,
# record type 4) and one leaving it (CHANGE_TO_INCLUDE, 3), TTL 1, Router Alert ---
igmp=$(timeout 60 tshark -r "$T/recv.pcap" -Y "igmp && ip.src == 10.31.0.2" -T fields \
	-e ip.ttl -e ip.opt.type -e ip.dst -e igmp.type -e igmp.record_type -e igmp.maddr 2>/dev/null)
echo "$igmp"
if echo "$igmp" | grep -Eq "^1	148	224\.0\.0\.22	0x22	4	$GROUP$"; then
	pass "tshark: ustack's IGMPv3 report joins $GROUP (TTL 1, Router Alert)"
else
	fail "tshark: no IGMPv3 join report for $GROUP from ustack"
fi
if echo "$igmp" | grep -Eq "^1	148	224\.0\.0\.22	0x22	3	$GROUP$"; then
	pass "tshark: ustack's IGMPv3 report leaves $GROUP"
else
	fail "tshark: no IGMPv3 leave for $GROUP from ustack"
fi

pcap_clean "$T/send.pcap"
pcap_clean "$T/recv.pcap"
lib_finish
