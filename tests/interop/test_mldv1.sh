#!/usr/bin/env bash
# test_mldv1.sh - MLDv1 compatibility (RFC 3810 8.2.1) and RFC 7217 addresses against
# Linux tools over a TAP, in a namespace of its own: `ustack up --stable-secret KEY`
# takes the link-local address Python's hashlib computes from the key, fe80::/64 and its
# MAC (not the EUI-64 one); an MLDv1 general query written by scapy is answered with an
# MLDv1 report (type 131) of its solicited-node group, to the group, hop limit 1, from
# that address, within the query's delay, and no MLDv2 report after the query; tshark
# reads the capture with no malformed frame.
source "$(dirname "$0")/lib.sh"
lib_init mldv1
command -v tshark >/dev/null || lib_require "needs tshark"
PY=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import scapy.all' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || lib_require "needs python3 with scapy (Debian python3-scapy)"

KEY=00112233445566778899aabbccddeeff
ns_tap tap0 10.33.0.1/24     # Linux 10.33.0.1, ustack 10.33.0.2; Linux's IPv6 stays off
up_start tap0 10.33.0.2/24 --stable-secret "$KEY"
# DAD of the link-local address: up to 1 s of delay and 1 s of waiting
sleep 3

want=$("$PY" - "$UP_MAC" "$KEY" <<'PY'
import hashlib, ipaddress, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
key = bytes.fromhex(sys.argv[2])
pfx = ipaddress.IPv6Address("fe80::").packed[:8]
d = hashlib.sha256(pfx + mac + bytes([0]) + key).digest()
print(ipaddress.IPv6Address(pfx + d[-8:]))
PY
)
eui=$("$PY" - "$UP_MAC" <<'PY'
import ipaddress, sys
m = bytes.fromhex(sys.argv[1].replace(":", ""))
print(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + bytes([m[0] ^ 2]) + m[1:3] + b"\xff\xfe" + m[3:]))
PY
)
snm=$("$PY" -c "import ipaddress,sys; a=ipaddress.IPv6Address(sys.argv[1]).packed; print(ipaddress.IPv6Address(bytes.fromhex('ff0200000000000000000001ff') + a[13:]))" "$want")
echo "expected link-local $want (EUI-64 would be $eui), solicited-node group $snm"

# An MLDv1 general query (24 bytes, max delay 1000 ms) from fe80::1 to ff02::1
nsx timeout 20 "$PY" - <<'PY' >"$T/scapy.out" 2>&1
from scapy.all import Ether, IPv6, IPv6ExtHdrHopByHop, RouterAlert, ICMPv6MLQuery, sendp
q = (Ether(src="02:00:00:00:33:01", dst="33:33:00:00:00:01") /
     IPv6(src="fe80::1", dst="ff02::1", hlim=1) /
     IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
     ICMPv6MLQuery(mrd=1000, mladdr="::"))
assert len(bytes(q[ICMPv6MLQuery])) == 24
sendp(q, iface="tap0", verbose=False)
PY
[ $? -eq 0 ] || { fail "scapy could not send the query"; cat "$T/scapy.out"; }
sleep 3
up_stop

# Every IPv6 frame of the capture, once: time, source MAC, addresses, hop limit, ICMPv6
# type, MLDv1 address
all=$(timeout 60 tshark -r "$T/up.pcap" -Y ipv6 -T fields -e frame.time_epoch -e eth.src \
	-e ipv6.src -e ipv6.dst -e ipv6.hlim -e icmpv6.type -e icmpv6.mld.multicast_address \
	2>/dev/null)
q=$(echo "$all" | awk -F'\t' '$6 == 130 { print $1; exit }')
v1=$(echo "$all" | awk -F'\t' -v m="$UP_MAC" '$2 == m && $6 == 131')
v2_after=$(echo "$all" | awk -F'\t' -v m="$UP_MAC" -v q="${q:-0}" '$2 == m && $6 == 143 && $1 > q' | wc -l)
srcs=$(echo "$all" | awk -F'\t' -v m="$UP_MAC" '$2 == m { print $3 }' | sort -u)
echo "query at $q; v1 reports:"
echo "$v1"
if [ -z "$q" ]; then
	fail "the query does not appear in ustack's capture"
fi
if [ -n "$want" ] && echo "$srcs" | grep -qx "$want" && ! echo "$srcs" | grep -qx "$eui"; then
	pass "ustack's link-local address is RFC 7217's ($want), not EUI-64's"
else
	fail "ustack's link-local address is not $want: $srcs"
fi
line=$(echo "$v1" | awk -F'\t' -v s="$want" -v g="$snm" '$3 == s && $4 == g && $5 == 1 && $7 == g')
if [ -n "$q" ] && [ -n "$line" ] &&
   awk -v t="$(echo "$line" | head -1 | cut -f1)" -v q="$q" 'BEGIN { exit !(t >= q && t - q <= 1.1) }'; then
	pass "MLDv1 query answered by an MLDv1 report of $snm (to the group, hop limit 1, from $want) within 1 s"
else
	fail "no MLDv1 report of $snm from $want within the query's delay"
fi
if [ "$v2_after" -eq 0 ]; then
	pass "no MLDv2 report after the MLDv1 query"
else
	fail "$v2_after MLDv2 reports after the MLDv1 query"
fi
pcap_clean "$T/up.pcap"
lib_finish
