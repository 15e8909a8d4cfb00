#!/usr/bin/env bash
# test_dns6.sh - IPv6 names over DNS (RFC 3596), IPv4 transport: `ustack host -t AAAA`
# over a TAP against dnsmasq serving AAAA records (an answer, NODATA for a name with
# only an A record, both families by default as host(1), PTR under ip6.arpa), then the
# other way round: Linux's host(1) and dig (bind9-dnsutils) ask `ustack dns` for AAAA
# records, NODATA with the SOA, and ip6.arpa PTRs from its AAAA records.
source "$(dirname "$0")/lib.sh"
lib_init dns6
command -v dnsmasq >/dev/null || lib_require "needs dnsmasq"
command -v dig >/dev/null || lib_require "needs dig (bind9-dnsutils)"
command -v host >/dev/null || lib_require "needs host (bind9-dnsutils)"

ns_tap tap0 10.21.0.1/24     # Linux (dnsmasq) 10.21.0.1, ustack host 10.21.0.2
ns_tap tap1 10.21.1.1/24     # Linux client 10.21.1.1, ustack dns 10.21.1.2

bg_run dnsmasq 120 dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--user=root --port 53 --listen-address=10.21.0.1 --bind-interfaces \
	--local=/example.test/ --host-record=www.example.test,10.0.2.80,2001:db8::80 \
	--host-record=v4only.example.test,10.0.2.81 --address=/v6only.example.test/2001:db8::5 \
	--pid-file="$T/dnsmasq.pid" --log-queries --log-facility="$T/dnsmasq.log"
if ! wait_for 10 nsx sh -c 'ss -lun 2>/dev/null | grep -q "10.21.0.1:53 "'; then
	echo "FAIL: dnsmasq did not start:"; cat "$T/dnsmasq.err" "$T/dnsmasq.log" 2>/dev/null
	exit 1
fi

# uhost ARGS...: ustack host over tap0; output in $OUT, status in $RC
uhost() {
	NH=$((NH + 1))
	OUT=$(nsx timeout 30 "$B" host --tap tap0 --addr 10.21.0.2/24 --dns 10.21.0.1 \
		--pcap "$T/host-$NH.pcap" "$@" 2>&1)
	RC=$?
}
NH=0

uhost -t AAAA www.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "www.example.test has IPv6 address 2001:db8::80" ]; then
	pass "ustack host -t AAAA against dnsmasq: $OUT"
else
	fail "host -t AAAA www.example.test (exit $RC): $OUT"
fi
uhost -t AAAA v6only.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "v6only.example.test has IPv6 address 2001:db8::5" ]; then
	pass "ustack host -t AAAA (dnsmasq --address): $OUT"
else
	fail "host -t AAAA v6only.example.test (exit $RC): $OUT"
fi
uhost -t AAAA v4only.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "v4only.example.test has no AAAA record" ]; then
	pass "ustack host -t AAAA of a name with only A: $OUT"
else
	fail "host -t AAAA v4only.example.test (exit $RC): $OUT"
fi
uhost www.example.test
want=$'www.example.test has address 10.0.2.80\nwww.example.test has IPv6 address 2001:db8::80'
if [ "$RC" -eq 0 ] && [ "$OUT" = "$want" ]; then
	pass "ustack host (both types, as host(1))"
else
	fail "host www.example.test (exit $RC): $OUT"
fi
uhost 2001:db8::80
if [ "$RC" -eq 0 ] && [ "$OUT" = "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa domain name pointer www.example.test." ]; then
	pass "ustack host 2001:db8::80: PTR under ip6.arpa from dnsmasq"
else
	fail "host 2001:db8::80 (exit $RC): $OUT"
fi
if grep -q 'query\[AAAA\] www.example.test from 10.21.0.2' "$T/dnsmasq.log" &&
   grep -q 'query\[PTR\] 0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa from 10.21.0.2' "$T/dnsmasq.log"; then
	pass "dnsmasq logged ustack's AAAA and ip6.arpa PTR queries"
else
	fail "dnsmasq's log lacks the AAAA/PTR queries:"; tail -8 "$T/dnsmasq.log"
fi
for f in "$T"/host-*.pcap; do pcap_clean "$f"; done

# --- ustack dns serving AAAA records to Linux's host(1) and dig ---
cat >"$T/zone" <<'EOF2'
www.zone.test A 10.0.3.80
www.zone.test AAAA 2001:db8:3::80
alias.zone.test CNAME www.zone.test
v4.zone.test A 10.0.3.81
EOF2
# the server over IPv6 transport too: Linux's tap1 gets 2001:db8:21::1, ustack 2001:db8:21::2
nsx sysctl -qw net.ipv6.conf.tap1.disable_ipv6=0
nsx ip -6 addr add 2001:db8:21::1/64 dev tap1 nodad
bg_run ustack-dns 120 "$B" dns --tap tap1 --addr 10.21.1.2/24 --addr6 2001:db8:21::2/64 \
	--zone "$T/zone" --pcap "$T/dns.pcap" --ctl "$T/dns.ctl"
DNS_PID=$BG_PID
if ! wait_for 10 test -S "$T/dns.ctl"; then
	echo "FAIL: ustack dns did not come up:"; cat "$T/ustack-dns.err"
	exit 1
fi
out=$(nsx timeout 20 host -W 3 -t AAAA www.zone.test 10.21.1.2 2>&1 | tail -1)
if [ "$out" = "www.zone.test has IPv6 address 2001:db8:3::80" ]; then
	pass "Linux host -t AAAA from ustack dns: $out"
else
	fail "host -t AAAA www.zone.test 10.21.1.2: $out"
fi
out=$(nsx timeout 20 dig +time=3 +tries=2 +short @10.21.1.2 alias.zone.test AAAA 2>&1)
if [ "$out" = $'www.zone.test.\n2001:db8:3::80' ]; then
	pass "dig AAAA through a CNAME: $(tr '\n' ' ' <<<"$out")"
else
	fail "dig alias.zone.test AAAA: $out"
fi
out=$(nsx timeout 20 dig +time=3 +tries=2 @10.21.1.2 v4.zone.test AAAA 2>&1)
if grep -q 'status: NOERROR' <<<"$out" && grep -q 'ANSWER: 0,' <<<"$out" &&
   grep -q 'AUTHORITY: 1,' <<<"$out" && grep -Eq 'IN[[:space:]]+SOA' <<<"$out" &&
   grep -q 'flags: qr aa' <<<"$out"; then
	pass "dig AAAA of a name with only A: NODATA (NOERROR, no answer, SOA in authority, aa)"
else
	fail "dig v4.zone.test AAAA:"; echo "$out"
fi
out=$(nsx timeout 20 dig +time=3 +tries=2 +short @10.21.1.2 -x 2001:db8:3::80 2>&1)
if [ "$out" = "www.zone.test." ]; then
	pass "dig -x 2001:db8:3::80: PTR from the AAAA record"
else
	fail "dig -x 2001:db8:3::80: $out"
fi
out=$(nsx timeout 20 dig +time=3 +tries=2 @10.21.1.2 -x 2001:db8:3::81 2>&1)
if grep -q 'status: NXDOMAIN' <<<"$out"; then
	pass "dig -x of an address with no AAAA record: NXDOMAIN"
else
	fail "dig -x 2001:db8:3::81:"; echo "$out"
fi
out=$(nsx timeout 20 dig +time=3 +tries=2 +tcp +short @10.21.1.2 www.zone.test AAAA 2>&1)
if [ "$out" = "2001:db8:3::80" ]; then
	pass "dig +tcp AAAA: $out"
else
	fail "dig +tcp www.zone.test AAAA: $out"
fi
# over IPv6: UDP and TCP to ustack dns's IPv6 address (one socket on :: serves both families)
for _ in $(seq 20); do
	nsx ping -6 -n -c 1 -W 1 2001:db8:21::2 >/dev/null 2>&1 && break
done
out=$(nsx timeout 20 dig -6 +time=3 +tries=2 +short @2001:db8:21::2 www.zone.test AAAA 2>&1)
if [ "$out" = "2001:db8:3::80" ]; then
	pass "dig -6 @2001:db8:21::2 AAAA (UDP over IPv6): $out"
else
	fail "dig -6 @2001:db8:21::2 www.zone.test AAAA: $out"
fi
out=$(nsx timeout 20 dig -6 +time=3 +tries=2 +tcp +short @2001:db8:21::2 www.zone.test A 2>&1)
if [ "$out" = "10.0.3.80" ]; then
	pass "dig -6 +tcp @2001:db8:21::2 A (TCP over IPv6): $out"
else
	fail "dig -6 +tcp @2001:db8:21::2 www.zone.test A: $out"
fi
kill -TERM "$DNS_PID"; wait "$DNS_PID"; rc=$?
if [ "$rc" -eq 0 ]; then
	pass "ustack dns: SIGTERM -> exit 0"
else
	fail "ustack dns exit $rc:"; cat "$T/ustack-dns.err"
fi
pcap_clean "$T/dns.pcap"

lib_finish
