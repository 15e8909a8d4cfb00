#!/usr/bin/env bash
# test_ping.sh - ICMP echo and ARP between Linux and ustack over a TAP, in a namespace of
# its own: Linux pings `ustack up` (small and fragmented), learns its MAC, gets nothing
# from an address nobody owns (and ustack's counters say why); `ustack ping` pings Linux
# (small and fragmented); the pcap files ustack wrote are clean for tshark.
source "$(dirname "$0")/lib.sh"
lib_init ping
command -v ping >/dev/null || lib_require "needs iputils ping"

ns_tap tap0 10.10.0.1/24     # Linux 10.10.0.1, ustack up 10.10.0.2
ns_tap tap1 10.10.1.1/24     # Linux 10.10.1.1, ustack ping 10.10.1.2
up_start tap0 10.10.0.2/24

# --- Linux pings ustack ---
out=$(nsx timeout 60 ping -n -c 20 -i 0.01 -W 2 10.10.0.2 2>&1)
if grep -q '^20 packets transmitted, 20 received' <<<"$out"; then
	pass "Linux ping -c 20 -i 0.01: 20/20"
else
	fail "Linux ping -c 20 -i 0.01:"; echo "$out" | tail -4
fi

out=$(nsx timeout 60 ping -n -c 20 -i 0.01 -s 4000 -W 2 10.10.0.2 2>&1)
if grep -q '^20 packets transmitted, 20 received' <<<"$out" &&
   [ "$(grep -c '^4008 bytes from 10.10.0.2' <<<"$out")" -eq 20 ]; then
	pass "Linux ping -s 4000 (fragmented both ways): 20/20"
else
	fail "Linux ping -s 4000:"; echo "$out" | tail -4
fi

neigh=$(nsx ip neigh show 10.10.0.2 dev tap0)
if [ -n "$UP_MAC" ] && grep -qi "lladdr $UP_MAC" <<<"$neigh"; then
	pass "ip neigh: 10.10.0.2 is at $UP_MAC"
else
	fail "ip neigh shows '$neigh', want lladdr $UP_MAC"
fi

# --- an address of the subnet nobody owns: ustack must stay silent and say why ---
out=$(nsx timeout 30 ping -n -c 3 -i 0.2 -W 1 10.10.0.77 2>&1)
if grep -q ' 0 received' <<<"$out"; then
	pass "Linux ping 10.10.0.77 (nobody): no reply"
else
	fail "Linux ping 10.10.0.77 got answers:"; echo "$out" | tail -4
fi
if nsx ip neigh show 10.10.0.77 dev tap0 | grep -q lladdr; then
	fail "somebody answered ARP for 10.10.0.77: $(nsx ip neigh show 10.10.0.77 dev tap0)"
else
	pass "nobody answered ARP for 10.10.0.77"
fi
out=$(timeout 10 "$B" netstat -s --ctl "$T/up.ctl" 2>&1)
if grep -q 'dropped: arp: target address not ours' <<<"$out"; then
	pass "ustack netstat -s: $(grep 'target address not ours' <<<"$out" | sed 's/^ *//')"
else
	fail "netstat -s does not say why 10.10.0.77 got no answer:"; echo "$out"
fi
out=$(timeout 10 "$B" netstat -s --ctl "$T/up.ctl" 2>&1)
if grep -Eq '^    [1-9][0-9]* echo replies sent$' <<<"$out"; then
	pass "netstat -s counts the echo replies: $(grep 'echo replies sent' <<<"$out" | sed 's/^ *//')"
else
	fail "netstat -s echo replies:"; echo "$out"
fi

# --- ustack pings Linux, over the second TAP ---
out=$(nsx timeout 60 "$B" ping --tap tap1 --addr 10.10.1.2/24 --pcap "$T/ping.pcap" \
	-c 20 -i 0.01 -W 2 10.10.1.1 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^20 packets transmitted, 20 received, 0% packet loss' <<<"$out" &&
   [ "$(grep -c '^64 bytes from 10.10.1.1: icmp_seq=[0-9]* ttl=64 time=' <<<"$out")" -eq 20 ]; then
	pass "ustack ping -c 20 Linux: 20/20"
else
	fail "ustack ping -c 20 (exit $rc):"; echo "$out" | tail -6
fi

out=$(nsx timeout 60 "$B" ping --tap tap1 --addr 10.10.1.2/24 --pcap "$T/ping-frag.pcap" \
	-c 20 -i 0.01 -s 4000 -W 2 10.10.1.1 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^20 packets transmitted, 20 received, 0% packet loss' <<<"$out" &&
   [ "$(grep -c '^4008 bytes from 10.10.1.1' <<<"$out")" -eq 20 ] && ! grep -q 'wrong data' <<<"$out"; then
	pass "ustack ping -s 4000 Linux: 20/20"
else
	fail "ustack ping -s 4000 (exit $rc):"; echo "$out" | tail -6
fi

# TTL 1 towards an address behind a Linux router: Time to live exceeded comes back.
nsx sysctl -qw net.ipv4.ip_forward=1
nsx ip route add 10.99.0.0/24 dev tap0   # a route onward; only the TTL matters
out=$(nsx timeout 30 "$B" ping --tap tap1 --addr 10.10.1.2/24 --gw 10.10.1.1 -c 2 -i 0.1 -W 1 -t 1 \
	10.99.0.1 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^From 10.10.1.1 icmp_seq=1 Time to live exceeded$' <<<"$out" &&
   grep -q '+2 errors' <<<"$out"; then
	pass "ustack ping -t 1 through Linux: Time to live exceeded, exit 1"
else
	fail "ustack ping -t 1 (exit $rc):"; echo "$out" | tail -6
fi

# --- stop `up`: exit 0, and the counters it prints say why .77 got nothing ---
up_stop
if [ "$UP_RC" -eq 0 ] && grep -q 'target address not ours' "$T/up.out"; then
	pass "ustack up: SIGTERM -> exit 0, counters printed"
else
	fail "ustack up exit $UP_RC, counters:"; cat "$T/up.out" "$T/up.err" | tail -20
fi
if [ ! -e "$T/up.ctl" ]; then
	pass "control socket removed at exit"
else
	fail "control socket $T/up.ctl left behind"
fi

pcap_clean "$T/up.pcap"
pcap_clean "$T/ping.pcap"
pcap_clean "$T/ping-frag.pcap"
if command -v tshark >/dev/null; then
	n=$(timeout 60 tshark -r "$T/up.pcap" -Y 'icmp.type == 0' 2>/dev/null | wc -l)
	if [ "$n" -ge 40 ]; then
		pass "up.pcap holds the $n echo replies"
	else
		fail "up.pcap holds $n echo replies, want >= 40"
	fi
fi

lib_finish
