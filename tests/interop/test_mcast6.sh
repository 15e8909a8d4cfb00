#!/usr/bin/env bash
# test_mcast6.sh - IPv6 UDP multicast and MLDv2 between Linux (python3 sockets) and
# ustack (`ustack udpcat`) over a TAP, in a namespace of its own: a ustack sender reaches
# a Linux receiver that joined ff15::1234 (IPV6_JOIN_GROUP), at MAC 33:33:00:00:12:34
# with hop limit 1; a ustack receiver that joined it (--join) gets what Linux sends to
# the group; tshark finds ustack's MLDv2 reports joining (CHANGE_TO_EXCLUDE) and leaving
# (CHANGE_TO_INCLUDE) the group, to ff02::16 with hop limit 1, and reads both captures
# with no malformed frame.
source "$(dirname "$0")/lib.sh"
lib_init mcast6
command -v python3 >/dev/null || lib_require "needs python3"
command -v tshark >/dev/null || lib_require "needs tshark"

GROUP=ff15::1234
L6=2001:db8:32::1
U6=2001:db8:32::2
ns_tap tap0 10.32.0.1/24     # Linux 10.32.0.1, ustack 10.32.0.2
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=0
nsx ip -6 addr add "$L6/64" dev tap0 nodad

cat >"$T/peer.py" <<'PY'
import socket, struct, sys, time
def pattern(n):
    return bytes(i % 251 for i in range(n))
group, port = sys.argv[2], int(sys.argv[3])
ifx = socket.if_nametoindex("tap0")
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
if sys.argv[1] == "recv":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    m = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", ifx)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, m)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    s.settimeout(10)
    open(sys.argv[5], "w").close()          # ready
    for _ in range(int(sys.argv[4])):
        d, anc, _, a = s.recvmsg(70000, 64)
        hl = [struct.unpack("@i", c[2])[0] for c in anc
              if c[0] == socket.IPPROTO_IPV6 and c[1] == socket.IPV6_HOPLIMIT]
        print(len(d), "ok" if d == pattern(len(d)) else "bad", "from [%s]:%d" % a[:2],
              "hlim", hl[0] if hl else "?", flush=True)
else:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifx)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    for n in sys.argv[4:]:
        s.sendto(pattern(int(n)), (group, port))
        time.sleep(0.05)
PY

# --- ustack -> Linux member ---
rm -f "$T/ready"
bg_run peer-recv 60 python3 "$T/peer.py" recv $GROUP 7200 3 "$T/ready"
PEER=$BG_PID
if wait_for 10 test -e "$T/ready"; then
	out=$(nsx timeout 30 "$B" udpcat --tap tap0 --addr 10.32.0.2/24 --addr6 "$U6/64" \
		--pcap "$T/send.pcap" --lport 7202 send $GROUP 7200 1 100 1452 2>&1)
	rc=$?
	wait "$PEER"; prc=$?
	got=$(awk '{print $1, $2}' "$T/peer-recv.out" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ "$prc" -eq 0 ] && [ "$got" = "1 ok 100 ok 1452 ok " ] &&
	   [ "$(grep -c "from \[$U6\]:7202 hlim 1$" "$T/peer-recv.out")" = 3 ]; then
		pass "ustack -> Linux member of $GROUP: $got(from $U6, hop limit 1)"
	else
		fail "ustack -> Linux (udpcat $rc, peer $prc): got '$got'"; echo "$out"
		cat "$T/peer-recv.out" "$T/peer-recv.err"
	fi
	wire=$(timeout 60 tshark -r "$T/send.pcap" -Y "udp.dstport == 7200" -T fields \
		-e ipv6.hlim -e eth.dst -e ipv6.dst 2>/dev/null | sort -u)
	if [ "$wire" = "$(printf '1\t33:33:00:00:12:34\t%s' $GROUP)" ]; then
		pass "ustack's datagrams to the group: hop limit 1, MAC 33:33:00:00:12:34"
	else
		fail "ustack's datagrams to the group: '$wire'"
	fi
else
	fail "the Linux receiver did not start:"; cat "$T/peer-recv.err"
fi

# --- Linux -> ustack member (udpcat --join) ---
bg_run udpcat-recv 60 "$B" udpcat --tap tap0 --addr 10.32.0.2/24 --addr6 "$U6/64" \
	--pcap "$T/recv.pcap" -W 20 --join $GROUP recv 7201 3
RECV=$BG_PID
if wait_for 15 grep -q listening "$T/udpcat-recv.err"; then
	sleep 0.3
	nsx timeout 30 python3 "$T/peer.py" send $GROUP 7201 1 100 1452
	wait "$RECV"; rc=$?
	got=$(awk '{print $1, $2}' "$T/udpcat-recv.out" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ "$got" = "1 ok 100 ok 1452 ok " ] &&
	   [ "$(grep -c "from \[$L6\]:" "$T/udpcat-recv.out")" = 3 ]; then
		pass "Linux -> ustack member of $GROUP: $got"
	else
		fail "Linux -> ustack (exit $rc): got '$got'"; cat "$T/udpcat-recv.out" "$T/udpcat-recv.err"
	fi
else
	fail "udpcat recv did not start:"; cat "$T/udpcat-recv.err"
fi

# --- ustack's MLDv2, as tshark reads it: reports (type 143) to ff02::16 with hop limit
# 1 from its link-local address, one record per line: joining the group (record type 4,
# CHANGE_TO_EXCLUDE) and leaving it (3, CHANGE_TO_INCLUDE) ---
mld=$(timeout 60 tshark -r "$T/recv.pcap" -Y "icmpv6.type == 143 && !(ipv6.src == $L6) && !(ipv6.src == fe80::/64 && eth.src == $(nsx cat /sys/class/net/tap0/address))" \
	-T fields -e ipv6.src -e ipv6.dst -e ipv6.hlim -e icmpv6.mldr.mar.record_type \
	-e icmpv6.mldr.mar.multicast_address 2>/dev/null |
	awk -F'\t' '{ n = split($4, t, ","); split($5, g, ","); for (i = 1; i <= n; i++) print $1, $2, $3, t[i], g[i] }')
echo "$mld"
if echo "$mld" | grep -Eq "^fe80::[0-9a-f:]+ ff02::16 1 4 $GROUP$"; then
	pass "tshark: ustack's MLDv2 report joins $GROUP (to ff02::16, hop limit 1, from its link-local)"
else
	fail "tshark: no MLDv2 join report for $GROUP from ustack"
fi
if echo "$mld" | grep -Eq "^fe80::[0-9a-f:]+ ff02::16 1 3 $GROUP$"; then
	pass "tshark: ustack's MLDv2 report leaves $GROUP"
else
	fail "tshark: no MLDv2 leave report for $GROUP from ustack"
fi

pcap_clean "$T/send.pcap"
pcap_clean "$T/recv.pcap"
lib_finish
