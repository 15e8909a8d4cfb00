#!/usr/bin/env bash
# test_slaac.sh - IPv6 address autoconfiguration against Linux over a TAP, in a namespace
# of its own. radvd (run in the namespace with a config file in the temp dir, no
# service) advertises 2001:db8:5::/64 (on-link, autonomous), a default router lifetime
# and an RDNSS on tap0: `ustack up` forms the SLAAC address 2001:db8:5:: + modified EUI-64
# and shows it PREFERRED (`ustack netstat -i`), learns the router (`netstat --neigh`)
# and the default route through it (`netstat -r`, origin ra, with its lifetime),
# Linux pings that address, and from an off-link source (2001:db8:99::1 on the Linux
# side) too, which ustack can answer only through the default route the RA gave.
# Then Linux holds 2001:db8:5::77 and `ustack up --addr6 2001:db8:5::77/64` makes DAD
# fail: DUPLICATE, counted (nd_dad_failed, "nd: duplicate address detected").
source "$(dirname "$0")/lib.sh"
lib_init slaac
command -v radvd >/dev/null || lib_require "needs radvd (Debian package radvd)"
command -v ping >/dev/null || lib_require "needs iputils ping"

ns_tap tap0 10.20.0.1/24
# lib_init turned IPv6 off in the namespace: on again for the test link; forwarding on
# (a router, as radvd expects) inside this namespace only
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0 \
	net.ipv6.conf.all.forwarding=1
nsx ip -6 addr add 2001:db8:5::1/64 dev tap0 nodad || fail "ip -6 addr add 2001:db8:5::1"
nsx ip -6 addr add 2001:db8:99::1/128 dev lo || fail "ip -6 addr add 2001:db8:99::1 dev lo"

# modified EUI-64 of a MAC (RFC 4291 2.5.1), as the last 64 bits of an address
eui64() {
	local IFS=: m
	read -ra m <<<"$1"
	printf '%x:%x:%x:%x' $(((0x${m[0]} ^ 2) << 8 | 0x${m[1]})) $((0x${m[2]} << 8 | 0xff)) \
		$((0xfe00 | 0x${m[3]})) $((0x${m[4]} << 8 | 0x${m[5]}))
}

# the addresses of the running `ustack up` (netstat -i), one line each
addrs() {
	"$B" netstat -i --ctl "$T/up.ctl" 2>/dev/null
}
has_addr() {
	addrs | grep -q "$1"
}

up_start tap0 10.20.0.2/24
[ -n "$UP_MAC" ] || { fail "no MAC from ustack up"; lib_finish; }
SLAAC="2001:db8:5:0:$(eui64 "$UP_MAC")"
SLAAC=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]))" "$SLAAC")
echo "expected SLAAC address: $SLAAC"

cat >"$T/radvd.conf" <<EOF
interface tap0 {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	AdvDefaultLifetime 600;
	AdvCurHopLimit 60;
	prefix 2001:db8:5::/64 {
		AdvOnLink on;
		AdvAutonomous on;
		AdvValidLifetime 3600;
		AdvPreferredLifetime 1800;
	};
	RDNSS 2001:db8:5::53 {
	};
};
EOF
# radvd starts once ustack has solicited a router: started earlier, its first RA may come
# before ustack's first solicitation is due, and then no RS is needed (RFC 4861 6.3.7)
sent_rs() { "$B" netstat -s --ctl "$T/up.ctl" 2>/dev/null | grep -q "router solicitations sent"; }
wait_for 10 sent_rs || fail "ustack up sent no router solicitation in 10 s"
bg_run radvd 120 radvd -n -m stderr -C "$T/radvd.conf" -p "$T/radvd.pid"

# the link-local passes DAD, then RS; radvd answers; the SLAAC address passes DAD
if wait_for 20 has_addr "^.* $SLAAC/64 *PREFERRED *slaac"; then
	pass "SLAAC address $SLAAC/64 PREFERRED"
else
	fail "no PREFERRED SLAAC address $SLAAC; netstat -i says:"; addrs
	echo "radvd:"; tail -5 "$T/radvd.err"
fi
if addrs | grep -q "$SLAAC/64 .*slaac *3[0-9][0-9][0-9]s *1[0-9][0-9][0-9]s"; then
	pass "its lifetimes count down from the RA's (valid 3600 s, preferred 1800 s)"
else
	fail "lifetimes of $SLAAC:"; addrs
fi
if addrs | grep -q "fe80::$(eui64 "$UP_MAC")/64 *PREFERRED *link-local"; then
	pass "link-local fe80::$(eui64 "$UP_MAC") PREFERRED"
else
	fail "no PREFERRED link-local:"; addrs
fi
RLL=$(nsx ip -6 addr show dev tap0 scope link | sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/64.*/\1/p' | head -1)
if [ -n "$RLL" ] && "$B" netstat --neigh --ctl "$T/up.ctl" | grep -q " $RLL .* router"; then
	pass "the router $RLL is in ustack's neighbour cache as a router"
else
	fail "router $RLL not in the neighbour cache:"; "$B" netstat --neigh --ctl "$T/up.ctl"
fi
routes=$("$B" netstat -r --ctl "$T/up.ctl" 2>&1)
if [ -n "$RLL" ] && grep -Eq "^up +::/0 +$RLL +0 +ra +[0-9]+s$" <<<"$routes"; then
	pass "netstat -r: the default route via $RLL from the RA, with its lifetime ($(grep ' ::/0 ' <<<"$routes" | tr -s ' '))"
else
	fail "netstat -r shows no default route via $RLL from the RA:"; echo "$routes"
fi

out=$(nsx timeout 30 ping -6 -n -c 5 -i 0.2 -W 2 "$SLAAC" 2>&1)
if grep -q '^5 packets transmitted, 5 received' <<<"$out"; then
	pass "Linux ping -6 $SLAAC: 5/5"
else
	fail "Linux ping -6 $SLAAC:"; echo "$out" | tail -4
fi
# from an address that is not on the link: the answer needs the RA's default route
out=$(nsx timeout 30 ping -6 -n -c 5 -i 0.2 -W 2 -I 2001:db8:99::1 "$SLAAC" 2>&1)
if grep -q '^5 packets transmitted, 5 received' <<<"$out"; then
	pass "Linux ping -6 -I 2001:db8:99::1 $SLAAC: 5/5 (answered through the default router)"
else
	fail "ping from off-link 2001:db8:99::1:"; echo "$out" | tail -4
fi
up_stop
if grep -q "nd_rs_out [1-3]$" "$T/up.out"; then
	pass "router solicitations counted: $(grep nd_rs_out "$T/up.out")"
else
	fail "no nd_rs_out in the counters"; tail -20 "$T/up.out"
fi
pcap_clean "$T/up.pcap"

# --- DAD: Linux holds the address ustack is told to take ---
nsx ip -6 addr add 2001:db8:5::77/64 dev tap0 nodad || fail "ip -6 addr add 2001:db8:5::77"
up_start tap0 10.20.0.2/24 --addr6 2001:db8:5::77/64 --no-slaac
if wait_for 10 has_addr "2001:db8:5::77/64 *DUPLICATE *static"; then
	pass "ustack --addr6 2001:db8:5::77/64: DUPLICATE (Linux answered its DAD probe)"
else
	fail "2001:db8:5::77 not DUPLICATE:"; addrs
fi
if ! addrs | grep -q " slaac "; then
	pass "--no-slaac: no address from the RA's prefix"
else
	fail "--no-slaac but:"; addrs
fi
stats=$("$B" netstat -s --ctl "$T/up.ctl" 2>&1)
if grep -q "^ *1 duplicate addresses detected" <<<"$stats" &&
   grep -q "dropped: nd: duplicate address detected" <<<"$stats"; then
	pass "counted: 1 duplicate address detected, drop reason nd: duplicate address detected"
else
	fail "netstat -s:"; grep -A8 '^Nd:' <<<"$stats"
fi
# the duplicate is never used: Linux's ping to it reaches Linux itself, ustack stays out
up_stop
if grep -q "^inet6 2001:db8:5::77/64 DUPLICATE static" "$T/up.out"; then
	pass "ustack up lists it DUPLICATE when it stops"
else
	fail "up's final address list:"; grep inet6 "$T/up.out"
fi
pcap_clean "$T/up.pcap"
lib_finish
