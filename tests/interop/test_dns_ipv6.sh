#!/usr/bin/env bash
# test_dns_ipv6.sh - the resolver over IPv6 transport against Linux, over a TAP in a
# namespace of its own: dnsmasq listens on IPv6 addresses only (2001:db8:22::1 and the
# link-local fe80::53, no IPv4 socket at all); `ustack host -t AAAA`, `-t A` and a
# reverse lookup with `--dns 2001:db8:22::1` answer, and so does `--dns fe80::53%tap0`;
# tshark sees the queries and answers over IPv6 and none over IPv4. Then radvd
# advertises an RDNSS option (RFC 8106) naming dnsmasq: `ustack host NAME --slaac` with
# no --dns resolves through it, first a global RDNSS address, then a link-local one.
source "$(dirname "$0")/lib.sh"
lib_init dnsv6
command -v dnsmasq >/dev/null || lib_require "needs dnsmasq"
command -v radvd >/dev/null || lib_require "needs radvd (Debian package radvd)"
command -v tshark >/dev/null || lib_require "needs tshark"

ns_tap tap0 10.22.0.1/24     # Linux 10.22.0.1 (no DNS there), ustack 10.22.0.2
# lib_init turned IPv6 off in the namespace: on again for the test link; forwarding on
# (a router, as radvd expects) inside this namespace only
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0 \
	net.ipv6.conf.all.forwarding=1
nsx ip -6 addr add 2001:db8:22::1/64 dev tap0 nodad || fail "ip -6 addr add 2001:db8:22::1"
nsx ip -6 addr add fe80::53/64 dev tap0 nodad || fail "ip -6 addr add fe80::53"

bg_run dnsmasq 240 dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--user=root --port 53 --listen-address=2001:db8:22::1 --listen-address=fe80::53 \
	--bind-interfaces --except-interface=lo \
	--local=/example.test/ --host-record=www.example.test,10.0.2.80,2001:db8::80 \
	--host-record=v6only.example.test,2001:db8::6 --host-record=ra.example.test,2001:db8::7 \
	--host-record=ll.example.test,2001:db8::8 \
	--pid-file="$T/dnsmasq.pid" --log-queries --log-facility="$T/dnsmasq.log"
if ! wait_for 10 nsx sh -c 'ss -lun 2>/dev/null | grep -q "2001:db8:22::1\]:53 "'; then
	echo "FAIL: dnsmasq did not start:"; cat "$T/dnsmasq.err" "$T/dnsmasq.log" 2>/dev/null
	nsx ss -lun
	exit 1
fi
if nsx ss -lun | grep -q '^UNCONN.* [0-9.]*:53 ' || nsx ss -ltn | grep -q '^LISTEN.* [0-9.]*:53 '; then
	fail "dnsmasq listens on IPv4 too:"; nsx ss -lun; nsx ss -ltn
else
	pass "dnsmasq listens on IPv6 only: $(nsx ss -lun | awk '$4 ~ /:53$/ {print $4}' | tr '\n' ' ')"
fi

# uhost ARGS...: ustack host over tap0 with a static IPv6 address; output in $OUT,
# status in $RC, capture in $T/host-$NH.pcap
uhost() {
	NH=$((NH + 1))
	OUT=$(nsx timeout 30 "$B" host --tap tap0 --addr 10.22.0.2/24 --addr6 2001:db8:22::2/64 \
		--no-slaac --pcap "$T/host-$NH.pcap" "$@" 2>&1)
	RC=$?
}
NH=0

# over_v6 PCAP: the DNS queries and answers in PCAP all went over IPv6 to/from $1's server
over_v6() {
	local f=$1 srv=$2 q6 a6 v4
	q6=$(tshark -n -r "$f" -Y "dns.flags.response == 0 && ipv6.dst == $srv && udp.dstport == 53" 2>/dev/null | wc -l)
	a6=$(tshark -n -r "$f" -Y "dns.flags.response == 1 && ipv6.src == $srv && udp.srcport == 53" 2>/dev/null | wc -l)
	v4=$(tshark -n -r "$f" -Y "dns && ip" 2>/dev/null | wc -l)
	if [ "$q6" -ge 1 ] && [ "$a6" -ge 1 ] && [ "$v4" -eq 0 ]; then
		pass "tshark: $q6 queries to $srv over IPv6, $a6 answers, no DNS over IPv4"
	else
		fail "tshark on $(basename "$f"): $q6 queries to $srv over IPv6, $a6 answers, $v4 DNS over IPv4"
		tshark -n -r "$f" 2>/dev/null | tail -8
	fi
}

uhost -t AAAA --dns 2001:db8:22::1 www.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "www.example.test has IPv6 address 2001:db8::80" ]; then
	pass "ustack host -t AAAA --dns 2001:db8:22::1: $OUT"
else
	fail "host -t AAAA --dns 2001:db8:22::1 www.example.test (exit $RC): $OUT"
fi
over_v6 "$T/host-$NH.pcap" 2001:db8:22::1
uhost -t A --dns 2001:db8:22::1 www.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "www.example.test has address 10.0.2.80" ]; then
	pass "ustack host -t A --dns 2001:db8:22::1: $OUT"
else
	fail "host -t A --dns 2001:db8:22::1 www.example.test (exit $RC): $OUT"
fi
over_v6 "$T/host-$NH.pcap" 2001:db8:22::1
uhost --dns 2001:db8:22::1 2001:db8::80
if [ "$RC" -eq 0 ] && [ "$OUT" = "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa domain name pointer www.example.test." ]; then
	pass "ustack host 2001:db8::80 over IPv6: PTR under ip6.arpa"
else
	fail "host --dns 2001:db8:22::1 2001:db8::80 (exit $RC): $OUT"
fi
# the server as host(1)'s second argument
uhost -t AAAA v6only.example.test 2001:db8:22::1
if [ "$RC" -eq 0 ] && grep -q '^Address: 2001:db8:22::1#53$' <<<"$OUT" &&
   grep -q '^v6only.example.test has IPv6 address 2001:db8::6$' <<<"$OUT"; then
	pass "ustack host -t AAAA NAME 2001:db8:22::1 (SERVER argument)"
else
	fail "host -t AAAA v6only.example.test 2001:db8:22::1 (exit $RC): $OUT"
fi
# a link-local server through its interface
uhost -t AAAA --dns fe80::53%tap0 ll.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "ll.example.test has IPv6 address 2001:db8::8" ]; then
	pass "ustack host --dns fe80::53%tap0: $OUT"
else
	fail "host -t AAAA --dns fe80::53%tap0 ll.example.test (exit $RC): $OUT"
fi
over_v6 "$T/host-$NH.pcap" fe80::53
logged() {
	grep -q 'query\[AAAA\] www.example.test from 2001:db8:22::2' "$T/dnsmasq.log" &&
	grep -q 'query\[A\] www.example.test from 2001:db8:22::2' "$T/dnsmasq.log" &&
	grep -q 'query\[PTR\] 0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa from 2001:db8:22::2' "$T/dnsmasq.log" &&
	grep -q 'query\[AAAA\] ll.example.test from ' "$T/dnsmasq.log"
}
# dnsmasq writes its log file a little later than it answers
if wait_for 5 logged; then
	pass "dnsmasq logged the AAAA, A and PTR queries from 2001:db8:22::2, and the one to fe80::53"
else
	fail "dnsmasq's log lacks the queries:"; tail -12 "$T/dnsmasq.log"
fi
for f in "$T"/host-*.pcap; do pcap_clean "$f"; done

# --- RDNSS: radvd names the server, ustack host has no --dns ---
# radvd_run RDNSS-ADDR: radvd advertising 2001:db8:22::/64 and that RDNSS
radvd_run() {
	[ -n "${RADVD_PID:-}" ] && { kill -TERM "$RADVD_PID"; wait "$RADVD_PID" 2>/dev/null; }
	cat >"$T/radvd.conf" <<EOF
interface tap0 {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	AdvDefaultLifetime 600;
	prefix 2001:db8:22::/64 {
		AdvOnLink on;
		AdvAutonomous on;
	};
	RDNSS $1 {
		AdvRDNSSLifetime 60;
	};
};
EOF
	bg_run radvd 120 radvd -n -m stderr -C "$T/radvd.conf" -p "$T/radvd-$1.pid"
	RADVD_PID=$BG_PID
}
# urhost ARGS...: ustack host with SLAAC and no DNS server given
urhost() {
	NH=$((NH + 1))
	OUT=$(nsx timeout 40 "$B" host --tap tap0 --addr 10.22.0.2/24 --slaac \
		--pcap "$T/host-$NH.pcap" "$@" 2>&1)
	RC=$?
}

radvd_run 2001:db8:22::1
urhost -t AAAA ra.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "ra.example.test has IPv6 address 2001:db8::7" ]; then
	pass "ustack host --slaac (no --dns) through radvd's RDNSS 2001:db8:22::1: $OUT"
else
	fail "host --slaac -t AAAA ra.example.test (exit $RC): $OUT"; tail -5 "$T/radvd.err"
fi
RA=$(tshark -n -r "$T/host-$NH.pcap" -Y 'icmpv6.type == 134 && icmpv6.opt.rdnss == 2001:db8:22::1' 2>/dev/null | wc -l)
if [ "$RA" -ge 1 ]; then
	pass "tshark: $RA router advertisements carrying RDNSS 2001:db8:22::1"
else
	fail "no RA with the RDNSS option in host-$NH.pcap"
fi
over_v6 "$T/host-$NH.pcap" 2001:db8:22::1
urhost -t A www.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "www.example.test has address 10.0.2.80" ]; then
	pass "ustack host --slaac -t A through the RDNSS server: $OUT"
else
	fail "host --slaac -t A www.example.test (exit $RC): $OUT"
fi
over_v6 "$T/host-$NH.pcap" 2001:db8:22::1

radvd_run fe80::53
urhost -t AAAA ll.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "ll.example.test has IPv6 address 2001:db8::8" ]; then
	pass "ustack host --slaac through a link-local RDNSS fe80::53: $OUT"
else
	fail "host --slaac -t AAAA ll.example.test, RDNSS fe80::53 (exit $RC): $OUT"; tail -5 "$T/radvd.err"
fi
over_v6 "$T/host-$NH.pcap" fe80::53

# no server at all: no RDNSS, no --dns -> the timeout message, exit 1
kill -TERM "$RADVD_PID"; wait "$RADVD_PID" 2>/dev/null
RADVD_PID=
urhost -W 2 -t AAAA ra.example.test
if [ "$RC" -eq 1 ] && [ "$OUT" = ";; connection timed out; no servers could be reached" ]; then
	pass "no --dns and no RA: $OUT (exit 1)"
else
	fail "host --slaac without any server (exit $RC): $OUT"
fi
lib_finish
