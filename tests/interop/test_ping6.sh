#!/usr/bin/env bash
# test_ping6.sh - ICMPv6 echo between Linux and ustack over a TAP, in a namespace of its
# own: Linux `ping -6` to ustack's link-local address (fe80::EUI-64%tap0: Neighbor
# Discovery both ways), small and `-s 4000` (fragmented both ways); a multicast ping to
# ff02::1 is answered from ustack's unicast address; `ustack ping` pings Linux's
# link-local (small and fragmented); the same both ways between global addresses
# (ustack's from --addr6, Linux's from ip -6 addr); tshark reads the captures with no
# malformed packet.
source "$(dirname "$0")/lib.sh"
lib_init ping6
command -v ping >/dev/null || lib_require "needs iputils ping"

ns_tap tap0 10.10.0.1/24     # Linux, ustack up on the other side
ns_tap tap1 10.10.1.1/24     # Linux, ustack ping on the other side
# lib_init turned IPv6 off in the namespace: on again for the two test links and lo
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=0 net.ipv6.conf.tap1.disable_ipv6=0 \
	net.ipv6.conf.lo.disable_ipv6=0
G0=2001:db8:60::1   # Linux on tap0
U0=2001:db8:60::2   # ustack up, --addr6
G1=2001:db8:61::1   # Linux on tap1
U1=2001:db8:61::2   # ustack ping, --addr6
FAR=2001:db8:99::1  # Linux, off ustack's link: reached through --gw $G0 only
nsx ip -6 addr add $G0/64 dev tap0 nodad || fail "ip -6 addr add $G0 dev tap0"
nsx ip -6 addr add $FAR/128 dev lo || fail "ip -6 addr add $FAR dev lo"
up_start tap0 10.10.0.2/24 --addr6 $U0/64 --gw $G0

# ustack's link-local address: fe80:: and the modified EUI-64 of its MAC (RFC 4291 2.5.1)
eui64_ll() {
	local IFS=: m
	read -ra m <<<"$1"
	printf 'fe80::%x:%x:%x:%x' $(((0x${m[0]} ^ 2) << 8 | 0x${m[1]})) $((0x${m[2]} << 8 | 0xff)) \
		$((0xfe00 | 0x${m[3]})) $((0x${m[4]} << 8 | 0x${m[5]}))
}
[ -n "$UP_MAC" ] || { fail "no MAC from ustack up"; lib_finish; }
LL=$(eui64_ll "$UP_MAC")
echo "ustack's link-local: $LL"

# tap1 has no carrier until `ustack ping` opens it, so Linux would make its link-local
# only then: give it a fixed one, usable at once
L1=fe80::1
nsx ip -6 addr add $L1/64 dev tap1 nodad || fail "ip -6 addr add $L1 dev tap1"
# ustack's DAD for its link-local takes about a second
wait_for 10 nsx ping -6 -n -c 1 -W 1 "$LL%tap0" >/dev/null 2>&1 || true

# --- Linux pings ustack ---
out=$(nsx timeout 60 ping -6 -n -c 20 -i 0.01 -W 2 "$LL%tap0" 2>&1)
if grep -q '^20 packets transmitted, 20 received' <<<"$out"; then
	pass "Linux ping -6 $LL%tap0: 20/20"
else
	fail "Linux ping -6 $LL%tap0:"; echo "$out" | tail -4
fi
neigh=$(nsx ip -6 neigh show "$LL" dev tap0)
if grep -qi "lladdr $UP_MAC" <<<"$neigh"; then
	pass "ip -6 neigh: $LL is at $UP_MAC (ustack answered the solicitation)"
else
	fail "ip -6 neigh shows '$neigh', want lladdr $UP_MAC"
fi

out=$(nsx timeout 60 ping -6 -n -c 20 -i 0.01 -s 4000 -W 2 "$LL%tap0" 2>&1)
if grep -q '^20 packets transmitted, 20 received' <<<"$out" &&
   [ "$(grep -c "^4008 bytes from $LL" <<<"$out")" -eq 20 ]; then
	pass "Linux ping -6 -s 4000 (fragmented both ways): 20/20"
else
	fail "Linux ping -6 -s 4000:"; echo "$out" | tail -4
fi

out=$(nsx timeout 30 ping -6 -n -c 2 -i 0.2 -W 2 ff02::1%tap0 2>&1)
if grep -q "bytes from $LL" <<<"$out"; then
	pass "Linux ping -6 ff02::1%tap0: ustack answers from $LL"
else
	fail "ping ff02::1: no answer from $LL:"; echo "$out" | tail -4
fi

# --- Linux pings ustack's global address (on-link /64: Neighbor Discovery for it too) ---
out=$(nsx timeout 60 ping -6 -n -c 20 -i 0.01 -W 2 $U0 2>&1)
if grep -q '^20 packets transmitted, 20 received' <<<"$out" &&
   [ "$(grep -c "^64 bytes from $U0" <<<"$out")" -eq 20 ]; then
	pass "Linux ping -6 $U0 (global): 20/20"
else
	fail "Linux ping -6 $U0:"; echo "$out" | tail -4
fi
out=$(nsx timeout 60 ping -6 -n -c 20 -i 0.01 -s 4000 -W 2 $U0 2>&1)
if grep -q '^20 packets transmitted, 20 received' <<<"$out" &&
   [ "$(grep -c "^4008 bytes from $U0" <<<"$out")" -eq 20 ]; then
	pass "Linux ping -6 -s 4000 $U0 (global, fragmented both ways): 20/20"
else
	fail "Linux ping -6 -s 4000 $U0:"; echo "$out" | tail -4
fi
neigh=$(nsx ip -6 neigh show "$U0" dev tap0)
if grep -qi "lladdr $UP_MAC" <<<"$neigh"; then
	pass "ip -6 neigh: $U0 is at $UP_MAC"
else
	fail "ip -6 neigh shows '$neigh' for $U0, want lladdr $UP_MAC"
fi

# --- off the link: the answer to $FAR leaves by the default route --gw gave ---
out=$(nsx timeout 30 ping -6 -n -c 5 -i 0.05 -W 2 -I $FAR $U0 2>&1)
if grep -q '^5 packets transmitted, 5 received' <<<"$out"; then
	pass "Linux ping -6 -I $FAR $U0: 5/5 (ustack answers through its gateway $G0)"
else
	fail "Linux ping -6 from $FAR (off-link, via --gw $G0):"; echo "$out" | tail -4
fi

# --- netstat -r: both routing tables ---
routes=$("$B" netstat -r --ctl "$T/up.ctl" 2>&1)
echo "$routes"
want=("^up +10\.10\.0\.0/24 +\* +0 +connected +never$"
	"^up +2001:db8:60::/64 +\* +0 +connected +never$"
	"^up +::/0 +$G0 +0 +static +never$")
for w in "${want[@]}"; do
	if grep -Eq "$w" <<<"$routes"; then
		pass "netstat -r shows /$w/"
	else
		fail "netstat -r has no line /$w/"
	fi
done

# --- ustack pings Linux, over the second TAP ---
nsx ip -6 addr add $G1/64 dev tap1 nodad || fail "ip -6 addr add $G1 dev tap1"
out=$(nsx timeout 60 "$B" ping --tap tap1 --addr 10.10.1.2/24 --pcap "$T/ping6.pcap" \
	-c 20 -i 0.01 -W 2 "$L1%tap1" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^20 packets transmitted, 20 received, 0% packet loss' <<<"$out" &&
   [ "$(grep -c "^64 bytes from $L1: icmp_seq=[0-9]* hlim=64 time=" <<<"$out")" -eq 20 ]; then
	pass "ustack ping $L1%tap1: 20/20"
else
	fail "ustack ping $L1%tap1 (exit $rc):"; echo "$out" | tail -6
fi

out=$(nsx timeout 60 "$B" ping --tap tap1 --addr 10.10.1.2/24 --pcap "$T/ping6-frag.pcap" \
	-c 20 -i 0.01 -s 4000 -W 2 "$L1%tap1" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^20 packets transmitted, 20 received, 0% packet loss' <<<"$out" &&
   [ "$(grep -c "^4008 bytes from $L1" <<<"$out")" -eq 20 ] && ! grep -q 'wrong data' <<<"$out"; then
	pass "ustack ping -s 4000 $L1%tap1 (fragmented both ways): 20/20"
else
	fail "ustack ping -s 4000 (exit $rc):"; echo "$out" | tail -6
fi

out=$(nsx timeout 60 "$B" ping --tap tap1 --addr 10.10.1.2/24 --addr6 $U1/64 \
	--pcap "$T/ping6-global.pcap" -c 20 -i 0.01 -s 4000 -W 2 $G1 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^20 packets transmitted, 20 received, 0% packet loss' <<<"$out" &&
   [ "$(grep -c "^4008 bytes from $G1: icmp_seq=[0-9]* hlim=64 time=" <<<"$out")" -eq 20 ]; then
	pass "ustack ping -s 4000 $G1 from $U1 (global): 20/20"
else
	fail "ustack ping $G1 from $U1 (exit $rc):"; echo "$out" | tail -6
fi
# the echo requests left from the global source (source selection, RFC 6724), not fe80::
if command -v tshark >/dev/null; then
	srcs=$(tshark -r "$T/ping6-global.pcap" -Y 'icmpv6.type == 128' -T fields -e ipv6.src \
		2>/dev/null | sort -u | tr '\n' ' ')
	if [ "$srcs" = "$U1 " ]; then
		pass "ustack's echo requests to $G1 come from $U1"
	else
		fail "echo requests to $G1 came from '$srcs', want $U1"
	fi
fi

up_stop
pcap_clean "$T/up.pcap"
pcap_clean "$T/ping6-global.pcap"
pcap_clean "$T/ping6.pcap"
pcap_clean "$T/ping6-frag.pcap"
lib_finish
